"""The rollover's records: one Rollover per milestone and how far it got, its Slack thread's replies, and one
entry per issue it moved."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from milestones.models import Milestone
from requests_app.models import Issue


class RolloverStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ISSUES_MOVED = "issues_moved", "Issues moved"
    PARENT_POSTED = "parent_posted", "Slack parent posted"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Rollover(models.Model):
    """The one rollover of a milestone and how far it got.

    Progress is kept step by step so any re-run resumes where the last one stopped: `moved_at` once the
    issues moved (one transaction), `parent_ts` once the Slack parent is posted, and each reply's `ts`.
    """

    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="rollover")
    to_milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="rollovers_in"
    )
    status = models.CharField(max_length=16, choices=RolloverStatus.choices, default=RolloverStatus.PENDING)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moved_count = models.PositiveIntegerField(default=0)
    completed_count = models.PositiveIntegerField(default=0)
    moved_at = models.DateTimeField(null=True, blank=True)
    # The Slack thread: planned with the moves, so a re-run posts exactly what was planned.
    channel = models.CharField(max_length=80, blank=True)
    parent_text = models.TextField(blank=True)
    parent_blocks = models.JSONField(default=list, blank=True)
    parent_ts = models.CharField(max_length=20, blank=True)
    parent_channel_id = models.CharField(max_length=80, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "milestones_rollover"  # the table the milestones app created; the rows stay where they are
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Rollover of {self.milestone}"

    @property
    def is_done(self) -> bool:
        return self.status == RolloverStatus.DONE


class RolloverReply(models.Model):
    """One reply of the rollover's Slack thread: an assignee's moved issues (or a part of them)."""

    rollover = models.ForeignKey(Rollover, on_delete=models.CASCADE, related_name="replies")
    index = models.PositiveIntegerField()
    heading = models.CharField(max_length=255)
    text = models.TextField()
    blocks = models.JSONField(default=list)
    ts = models.CharField(max_length=20, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "milestones_rolloverreply"
        ordering = ["rollover", "index"]
        constraints = [models.UniqueConstraint(fields=["rollover", "index"], name="rollover_reply_unique_index")]

    def __str__(self) -> str:
        return f"{self.rollover} reply {self.index}"


class RolloverEntry(models.Model):
    """One issue moved by a rollover: where from and to, in which stage, whose, and why."""

    rollover = models.ForeignKey(Rollover, on_delete=models.CASCADE, related_name="entries")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="rollover_entries")
    from_milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="+")
    to_milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=2)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    reason_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidential = models.BooleanField(default=False)
    # The thread reply (RolloverReply.index) that lists this issue.
    reply_index = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "milestones_rolloverentry"
        ordering = ["rollover", "pk"]
        constraints = [models.UniqueConstraint(fields=["rollover", "issue"], name="rollover_entry_unique_issue")]

    def __str__(self) -> str:
        return f"#{self.issue_id} {self.from_milestone_id}→{self.to_milestone_id}"
