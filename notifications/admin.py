from django.contrib import admin

from notifications.models import Notification, NotificationPreference, Watch


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "issue", "actor", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "actor", "issue"]


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ["user", "issue", "watching"]
    raw_id_fields = ["user", "issue"]


admin.site.register(NotificationPreference)
