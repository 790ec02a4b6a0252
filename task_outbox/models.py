from django.db import models
from django.utils import timezone


class OutboxTask(models.Model):
    """A Celery task recorded in the same transaction as the change that needs it, until the broker has it.

    Sent right after the commit; when the broker is down then, the beat sweep sends it later. A row is
    claimed for a minute before each send (`claimed_until`) so two senders do not send it twice at once.
    """

    name = models.CharField(
        max_length=200
    )  # the task's registered name, e.g. "requests_app.tasks.issue_stage_email_task"
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outbox_task_pending")
        ]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"
