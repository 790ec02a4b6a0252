from django.contrib import admin

from slack_messages.models import SlackOutboxMessage


@admin.register(SlackOutboxMessage)
class SlackOutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["channel", "ts", "thread_ts", "created_at"]
    list_filter = ["channel"]
    search_fields = ["text", "ts", "thread_ts"]
    readonly_fields = ["channel", "text", "blocks", "thread_ts", "ts", "created_at"]
