import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import GET_STATE, FSMField, FSMModelMixin, transition


class MilestoneState(models.TextChoices):
    """The lifecycle, in order: upcoming → current → ended → rolled over → closed (and reopened)."""

    UPCOMING = "upcoming", "Upcoming"
    CURRENT = "current", "Current"
    ENDED = "ended", "Ended"
    ROLLED_OVER = "rolled_over", "Rolled over"
    CLOSED = "closed", "Closed"


def state_by_dates(start: datetime.date, due: datetime.date, day: datetime.date) -> str:
    """Where the calendar alone puts a milestone on `day`: upcoming, current or ended."""
    if day < start:
        return MilestoneState.UPCOMING
    if day <= due:
        return MilestoneState.CURRENT
    return MilestoneState.ENDED


# Guards: pure functions of the instance (django-fsm conditions). milestones.services checks the same
# facts first, in lifecycle order, so each refusal says which one is missing.
def has_started(milestone: "Milestone") -> bool:
    return milestone.start_date <= timezone.localdate()


def has_ended(milestone: "Milestone") -> bool:
    return milestone.due_date < timezone.localdate()


def rollover_is_done(milestone: "Milestone") -> bool:
    rollover = milestone.rollover_or_none
    return rollover is not None and rollover.is_done


def handbook_mr_is_merged(milestone: "Milestone") -> bool:
    return bool(milestone.handbook_mr_url) and milestone.handbook_mr_merged


def _reopened_state(milestone: "Milestone") -> str:
    """A reopened milestone goes back to where its dates and rollover put it (usually "rolled over")."""
    if rollover_is_done(milestone):
        return MilestoneState.ROLLED_OVER
    return state_by_dates(milestone.start_date, milestone.due_date, timezone.localdate())


class Milestone(FSMModelMixin, models.Model):
    title = models.CharField(max_length=120, unique=True)
    start_date = models.DateField(unique=True)
    due_date = models.DateField()
    # The lifecycle (DESIGN: milestones): changed only by the transitions below, through milestones.services,
    # which lock the row, check the rules and log each change as a MilestoneEvent.
    state = FSMField(max_length=12, choices=MilestoneState.choices, default=MilestoneState.UPCOMING, protected=True)
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

    # --- Lifecycle transitions (django-fsm). The calendar drives the first two, the rollover the third,
    # a manager the last two.
    @transition(field=state, source=MilestoneState.UPCOMING, target=MilestoneState.CURRENT, conditions=[has_started])
    def start(self) -> None:
        pass

    @transition(
        field=state,
        source=[MilestoneState.UPCOMING, MilestoneState.CURRENT],
        target=MilestoneState.ENDED,
        conditions=[has_ended],
    )
    def end(self) -> None:
        pass

    @transition(
        field=state, source=MilestoneState.ENDED, target=MilestoneState.ROLLED_OVER, conditions=[rollover_is_done]
    )
    def mark_rolled_over(self) -> None:
        pass

    @transition(
        field=state,
        source=MilestoneState.ROLLED_OVER,
        target=MilestoneState.CLOSED,
        conditions=[has_ended, rollover_is_done, handbook_mr_is_merged],
    )
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=MilestoneState.CLOSED,
        target=GET_STATE(_reopened_state, states=[s.value for s in MilestoneState if s != MilestoneState.CLOSED]),
    )
    def reopen(self) -> None:
        self.closed_at = None

    @property
    def is_closed(self) -> bool:
        return self.state == MilestoneState.CLOSED

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


class MilestoneTransition(models.TextChoices):
    """The lifecycle's transitions, as logged (one per method of Milestone)."""

    START = "start", "Started"
    END = "end", "Ended"
    MARK_ROLLED_OVER = "mark_rolled_over", "Rolled over"
    CLOSE = "close", "Closed"
    REOPEN = "reopen", "Reopened"


class MilestoneEvent(models.Model):
    """One lifecycle change of a milestone: which transition, from and to which state, by whom and why.

    `by` is empty for the changes the calendar and the rollover make; a reopen always carries its reason.
    """

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(max_length=20, choices=MilestoneTransition.choices)
    from_state = models.CharField(max_length=12, choices=MilestoneState.choices)
    to_state = models.CharField(max_length=12, choices=MilestoneState.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.milestone_id}: {self.from_state} → {self.to_state}"


class WorkingCalendarDay(models.Model):
    """A company day off (`working` unticked) or an extra working day (`working` ticked), on top of the public
    holidays of WORKING_CALENDAR and the WORKING_WEEK. Read by milestones.calendar."""

    date = models.DateField(unique=True)
    working = models.BooleanField(
        default=False, help_text="Ticked: an extra working day (e.g. a Saturday release). Unticked: a company day off."
    )
    name = models.CharField(max_length=120, blank=True, help_text="e.g. “Company summer day off”.")

    class Meta:
        ordering = ["-date"]
        verbose_name = "working-calendar day"

    def __str__(self) -> str:
        kind = "extra working day" if self.working else "day off"
        return f"{self.date:%Y-%m-%d} {kind}{f': {self.name}' if self.name else ''}"


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
