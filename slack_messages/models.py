from django.db import models
from django.utils import timezone


class SlackOutboxMessage(models.Model):
    """A message the portal would have posted to Slack; kept here when no bot token is configured."""

    channel = models.CharField(max_length=80)
    text = models.TextField(blank=True)
    blocks = models.JSONField(default=list, blank=True)
    # Empty for a top-level message; the parent's `ts` for a reply in its thread.
    thread_ts = models.CharField(max_length=20, blank=True, db_index=True)
    # Slack-shaped timestamp ("1700000000.000100"), unique per channel like Slack's.
    ts = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["channel", "ts"], name="slack_outbox_unique_channel_ts")]

    def __str__(self) -> str:
        return f"{self.channel} {self.ts}"

    @property
    def is_reply(self) -> bool:
        return bool(self.thread_ts)
