from django.apps import AppConfig


class RolloverConfig(AppConfig):
    """Milestone pages, the rollover (records, Slack thread, tasks) and the reports: above issues and planning."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "rollover"
