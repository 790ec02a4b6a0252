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
    # Brought in from GitLab with its own dates, which may be off the portal's cadence.
    imported = models.BooleanField(default=False)
    # Not fields: the per-viewer counts rollover.selectors sets on the milestones list.
    issue_count: int
    completed_count: int
    open_count: int

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
    @transition(field=state, source=MilestoneState.UPCOMING, target=MilestoneState.CURRENT, conditions=[has_started])  # type: ignore[list-item]  # django-fsm stubs type guards as Callable[[Model], bool]
    def start(self) -> None:
        pass

    @transition(
        field=state,
        source=[MilestoneState.UPCOMING, MilestoneState.CURRENT],
        target=MilestoneState.ENDED,
        conditions=[has_ended],  # type: ignore[list-item]  # django-fsm stubs type guards as Callable[[Model], bool]
    )
    def end(self) -> None:
        pass

    @transition(
        field=state,
        source=MilestoneState.ENDED,
        target=MilestoneState.ROLLED_OVER,
        conditions=[rollover_is_done],  # type: ignore[list-item]  # django-fsm stubs type guards as Callable[[Model], bool]
    )
    def mark_rolled_over(self) -> None:
        pass

    @transition(
        field=state,
        source=MilestoneState.ROLLED_OVER,
        target=MilestoneState.CLOSED,
        conditions=[has_ended, rollover_is_done, handbook_mr_is_merged],  # type: ignore[list-item]  # django-fsm stubs type guards as Callable[[Model], bool]
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
    def rollover_or_none(self):
        """The milestone's rollover record (the rollover app's one-to-one), or None before it started."""
        from django.core.exceptions import ObjectDoesNotExist

        try:
            return self.rollover  # reverse accessor added by rollover.Rollover
        except ObjectDoesNotExist:
            return None


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
