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


class SlackChannelPace(models.Model):
    """Slack pacing without Redis: the next moment a channel may take a message, shared by every worker.

    `alias_of` maps a channel name (`#mktgops`) to the ID Slack answered with, so both are paced as one.
    """

    channel = models.CharField(max_length=80, unique=True)
    next_at = models.FloatField(default=0.0)  # seconds since the epoch
    alias_of = models.CharField(max_length=80, blank=True)

    def __str__(self) -> str:
        return self.channel
