from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # requests_app announces what happened (requests_app.signals); this app, above it, listens.
        from notifications import receivers

        receivers.connect()
