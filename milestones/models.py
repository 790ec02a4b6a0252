import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class MilestoneState(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    CURRENT = "current", "Current"
    ENDED = "ended", "Ended"
    CLOSED = "closed", "Closed"


class Milestone(models.Model):
    title = models.CharField(max_length=120, unique=True)
    start_date = models.DateField(unique=True)
    due_date = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    handbook_mr_url = models.URLField(blank=True)
    handbook_mr_merged = models.BooleanField(default=False)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("start_date")),
                name="milestone_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def state_on(self, day: datetime.date) -> str:
        if self.closed_at:
            return MilestoneState.CLOSED
        if day < self.start_date:
            return MilestoneState.UPCOMING
        if day <= self.due_date:
            return MilestoneState.CURRENT
        return MilestoneState.ENDED

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())

    def is_current_on(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.due_date

    @property
    def is_current(self) -> bool:
        return self.is_current_on(timezone.localdate())

    @property
    def is_future(self) -> bool:
        return self.start_date > timezone.localdate()

    @property
    def rollover_or_none(self) -> "Rollover | None":
        try:
            return self.rollover
        except Rollover.DoesNotExist:
            return None


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
    # When the parent was handed to Slack: set before the call, so a run that finds it set with no `ts`
    # knows the outcome is unknown and looks for the message before posting it again.
    parent_attempted_at = models.DateTimeField(null=True, blank=True)
    # The run working on the Slack thread, until when (see milestones.services, "Rollover"): one run at a
    # time, and a run whose worker died is taken over once its lease lapses (the beat sweep does that).
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
    # Set before the reply is handed to Slack (see Rollover.parent_attempted_at).
    attempted_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rollover", "index"]
        constraints = [models.UniqueConstraint(fields=["rollover", "index"], name="rollover_reply_unique_index")]

    def __str__(self) -> str:
        return f"{self.rollover} reply {self.index}"


class RolloverEntry(models.Model):
    """One issue moved by a rollover: where from and to, in which stage, whose, and why."""

    rollover = models.ForeignKey(Rollover, on_delete=models.CASCADE, related_name="entries")
    issue = models.ForeignKey("requests_app.Issue", on_delete=models.CASCADE, related_name="rollover_entries")
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
        ordering = ["rollover", "pk"]
        constraints = [models.UniqueConstraint(fields=["rollover", "issue"], name="rollover_entry_unique_issue")]

    def __str__(self) -> str:
        return f"#{self.issue_id} {self.from_milestone_id}→{self.to_milestone_id}"


class MembershipEntered(models.TextChoices):
    PLANNED = "planned", "Put in"
    ROLLED_IN = "rolled_in", "Rolled in"


class MembershipLeft(models.TextChoices):
    REMOVED = "removed", "Removed"
    ROLLED_OUT = "rolled_out", "Rolled over"


class MilestoneMembership(models.Model):
    """One stay of an issue in a milestone: when it came in and how, when it left and how.

    A report tells planned work (in before the milestone started) from scope added later by comparing
    `entered_at` with the milestone's start.
    """

    issue = models.ForeignKey("requests_app.Issue", on_delete=models.CASCADE, related_name="milestone_memberships")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="memberships")
    entered_at = models.DateTimeField(default=timezone.now)
    entered_how = models.CharField(max_length=12, choices=MembershipEntered.choices, default=MembershipEntered.PLANNED)
    left_at = models.DateTimeField(null=True, blank=True)
    left_how = models.CharField(max_length=12, choices=MembershipLeft.choices, blank=True)

    class Meta:
        ordering = ["entered_at", "pk"]
        indexes = [models.Index(fields=["milestone", "issue"], name="membership_milestone_issue")]

    def __str__(self) -> str:
        return f"#{self.issue_id} in {self.milestone_id}"

    @property
    def added_late(self) -> bool:
        """Scope added after the milestone started (not planned at its start)."""
        return self.entered_how == MembershipEntered.PLANNED and (
            timezone.localdate(self.entered_at) > self.milestone.start_date
        )
