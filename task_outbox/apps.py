from django.apps import AppConfig


class TaskOutboxConfig(AppConfig):
    name = "task_outbox"
    verbose_name = "Task outbox"
    default_auto_field = "django.db.models.BigAutoField"
