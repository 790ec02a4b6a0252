from django.contrib import admin

from task_outbox.models import OutboxTask


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["name"]
    readonly_fields = ["name", "args", "kwargs", "created_at", "claimed_until", "sent_at", "attempts", "last_error"]
