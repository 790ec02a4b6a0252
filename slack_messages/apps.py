from django.apps import AppConfig


class SlackMessagesConfig(AppConfig):
    name = "slack_messages"
    verbose_name = "Slack messages"
    default_auto_field = "django.db.models.BigAutoField"
