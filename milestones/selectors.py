"""Planning reads: the cadence, the current milestone, which milestones take issues. Knows nothing of issues."""

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from milestones.models import Milestone, MilestoneState
from mktgops_portal.caching import quiet_cache


def milestone_events(milestone: Milestone):
    """The milestone's lifecycle log, oldest first, with who did each (one query)."""
    return milestone.events.select_related("by").order_by("at", "pk")


# Today's current milestone is read by every board render and every move's guards: cached for a minute, keyed
# on the day (a new day is a new key), and dropped whenever a milestone is saved or deleted.
CURRENT_CACHE_SECONDS = 60


def _current_key(day: datetime.date) -> str:
    return f"milestone_current:{day.isoformat()}"


def milestone_current(day: datetime.date | None = None) -> Milestone | None:
    """The milestone whose two weeks contain `day` (today by default; today's answer is cached, see above)."""
    if day is not None:
        return Milestone.objects.filter(start_date__lte=day, due_date__gte=day).first()
    day = timezone.localdate()
    cached = quiet_cache.get(_current_key(day))
    if cached is not None:
        return cached[0]
    current = Milestone.objects.filter(start_date__lte=day, due_date__gte=day).first()
    quiet_cache.set(_current_key(day), (current,), CURRENT_CACHE_SECONDS)  # a tuple: "none current" is cached too
    return current


def milestone_current_forget(**kwargs) -> None:
    """Drop today's cached current milestone (a milestone changed)."""
    quiet_cache.delete_many([_current_key(timezone.localdate())])


def connect_milestone_cache_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(milestone_current_forget, sender=Milestone, dispatch_uid="milestone_current_saved")
    post_delete.connect(milestone_current_forget, sender=Milestone, dispatch_uid="milestone_current_deleted")


def milestone_next(milestone: Milestone) -> Milestone | None:
    return Milestone.objects.filter(start_date__gt=milestone.due_date).order_by("start_date").first()


def milestone_list() -> QuerySet[Milestone]:
    return Milestone.objects.order_by("-start_date")


def milestones_open_for_planning(day: datetime.date | None = None) -> QuerySet[Milestone]:
    """Milestones an issue can be slotted into: the current one and those ahead, not closed."""
    day = day or timezone.localdate()
    return Milestone.objects.filter(due_date__gte=day).exclude(state=MilestoneState.CLOSED).order_by("start_date")


MILESTONE_CLOSED = "milestone_closed"
MILESTONE_ENDED = "milestone_ended"


def milestone_planning_refusal(milestone: Milestone, day: datetime.date | None = None) -> tuple[str, str] | None:
    """Why no issue may be put into `milestone` now, as (code, message), or None when it may.

    The one place this rule lives (forms, the API, the admin and the services ask it): a closed milestone takes no
    issues, nor does one that has ended (its unfinished issues roll over; a late one would be missed and grow the
    report after the fact). `milestones_open_for_planning` lists the ones that pass.
    """
    day = day or timezone.localdate()
    if milestone.state == MilestoneState.CLOSED:
        return MILESTONE_CLOSED, f"{milestone.title} is closed; choose the current milestone or one ahead."
    if milestone.due_date < day:
        return (
            MILESTONE_ENDED,
            f"{milestone.title} ended on {milestone.due_date:%Y-%m-%d}; choose the current milestone or one ahead.",
        )
    return None


def cadence_period(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Start and due date of the cadence period containing `day`."""
    length = settings.MILESTONE_LENGTH_DAYS
    anchor = settings.MILESTONE_ANCHOR
    # Align the anchor to the configured weekday so a changed weekday still yields whole periods.
    anchor = anchor + datetime.timedelta(days=(settings.MILESTONE_START_WEEKDAY - anchor.weekday()) % 7)
    offset = (day - anchor).days // length
    start = anchor + datetime.timedelta(days=offset * length)
    return start, start + datetime.timedelta(days=length - 1)


def milestone_rollover_target(milestone: Milestone, day: datetime.date | None = None) -> Milestone | None:
    """Where a rollover moves the issues: the first open milestone after this one that has not ended.

    Normally the one right after it (now current). A rollover run late skips milestones that have ended
    too, so an issue never lands in a milestone whose own rollover may already have happened.
    """
    day = day or timezone.localdate()
    return (
        Milestone.objects.filter(start_date__gt=milestone.due_date, due_date__gte=day)
        .exclude(state=MilestoneState.CLOSED)
        .order_by("start_date")
        .first()
    )
