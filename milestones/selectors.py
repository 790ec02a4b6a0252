import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from milestones.models import Milestone


def milestone_current(day: datetime.date | None = None) -> Milestone | None:
    """The milestone whose two weeks contain `day` (today by default)."""
    day = day or timezone.localdate()
    return Milestone.objects.filter(start_date__lte=day, due_date__gte=day).first()


def milestone_next(milestone: Milestone) -> Milestone | None:
    return Milestone.objects.filter(start_date__gt=milestone.due_date).order_by("start_date").first()


def milestone_list() -> QuerySet[Milestone]:
    return Milestone.objects.order_by("-start_date")


def milestones_open_for_planning(day: datetime.date | None = None) -> QuerySet[Milestone]:
    """Milestones an issue can be slotted into: the current one and those ahead, not closed."""
    day = day or timezone.localdate()
    return Milestone.objects.filter(due_date__gte=day, closed_at__isnull=True).order_by("start_date")


def cadence_period(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Start and due date of the cadence period containing `day`."""
    length = settings.MILESTONE_LENGTH_DAYS
    anchor = settings.MILESTONE_ANCHOR
    # Align the anchor to the configured weekday so a changed weekday still yields whole periods.
    anchor = anchor + datetime.timedelta(days=(settings.MILESTONE_START_WEEKDAY - anchor.weekday()) % 7)
    offset = (day - anchor).days // length
    start = anchor + datetime.timedelta(days=offset * length)
    return start, start + datetime.timedelta(days=length - 1)
