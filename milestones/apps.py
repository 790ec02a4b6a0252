from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "milestones"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.roles import connect_role_cache_signals
        from milestones.selectors import connect_milestone_cache_signals

        # accounts is a module, not an app: its cache is wired here, at the bottom of the app stack.
        connect_role_cache_signals()
        connect_milestone_cache_signals()
