from django.apps import AppConfig


class SalesSystemsConfig(AppConfig):
    name = "sales_systems"
    verbose_name = "Sales Systems"
    default_auto_field = "django.db.models.BigAutoField"
