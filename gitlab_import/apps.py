from django.apps import AppConfig


class GitlabImportConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gitlab_import"
    verbose_name = "GitLab import"
