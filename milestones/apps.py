from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "milestones"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete, post_save

        from milestones import calendar
        from milestones.models import WorkingCalendarDay

        register(calendar.check_settings)
        # The working calendar is read once per request (constant-query pages); these keep that read fresh.
        request_started.connect(calendar.request_started, dispatch_uid="working_calendar_started")
        request_finished.connect(calendar.request_finished, dispatch_uid="working_calendar_finished")
        for signal in (post_save, post_delete):
            signal.connect(calendar.calendar_changed, sender=WorkingCalendarDay, dispatch_uid=f"calendar_{signal}")
        # accounts is a module, not an app: its cache of group names is wired here, at the bottom of the app stack.
        from accounts.roles import connect_role_cache_signals
        from milestones.selectors import connect_milestone_cache_signals

        connect_role_cache_signals()
        connect_milestone_cache_signals()
