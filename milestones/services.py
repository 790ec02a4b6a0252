"""Planning writes: milestones on the cadence, their handbook merge request, closing. Knows nothing of issues."""

import datetime
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from milestones.models import Milestone
from milestones.selectors import cadence_period
from mktgops_portal.errors import PortalError


class MilestoneErrorCode(StrEnum):
    ALREADY_CLOSED = "milestone_already_closed"
    HANDBOOK_MR_MISSING = "handbook_mr_missing"
    HANDBOOK_MR_NOT_MERGED = "handbook_mr_not_merged"
    NOT_ENDED = "milestone_not_ended"
    NO_NEXT_MILESTONE = "no_next_milestone"
    CONFLICT = "milestone_conflict"


class MilestoneError(PortalError):
    """A milestone change that the rules refuse (409: the milestone's state does not allow it); the message says
    why."""

    status = 409
    default_code = MilestoneErrorCode.CONFLICT


def milestone_title(start: datetime.date, due: datetime.date) -> str:
    return f"MktgOps {start:%Y-%m-%d} – {due:%Y-%m-%d}"


def milestone_create_for_period(*, start: datetime.date, due: datetime.date) -> Milestone:
    milestone, _ = Milestone.objects.get_or_create(
        start_date=start, defaults={"due_date": due, "title": milestone_title(start, due)}
    )
    return milestone


def milestones_ensure_ahead(*, day: datetime.date | None = None, ahead: int | None = None) -> list[Milestone]:
    """Create the current cadence milestone and the next `ahead` ones; running it again creates nothing."""
    day = day or timezone.localdate()
    ahead = settings.MILESTONES_AHEAD if ahead is None else ahead
    created = []
    start, due = cadence_period(day)
    length = datetime.timedelta(days=settings.MILESTONE_LENGTH_DAYS)
    for _ in range(ahead + 1):
        if not Milestone.objects.filter(start_date__lte=due, due_date__gte=start).exists():
            try:
                with transaction.atomic():
                    created.append(milestone_create_for_period(start=start, due=due))
            except IntegrityError:
                # Another worker created it at the same moment; theirs stands.
                pass
        start, due = start + length, due + length
    return created


@transaction.atomic
def milestone_record_handbook_mr(*, milestone: Milestone, url: str, merged: bool) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    milestone.handbook_mr_url = url
    milestone.handbook_mr_merged = merged and bool(url)
    milestone.save(update_fields=["handbook_mr_url", "handbook_mr_merged"])
    return milestone


@transaction.atomic
def milestone_close(*, milestone: Milestone) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.closed_at:
        raise MilestoneError(f"{milestone.title} is already closed.", code=MilestoneErrorCode.ALREADY_CLOSED)
    if not milestone.handbook_mr_url:
        raise MilestoneError(
            f"{milestone.title} cannot be closed: record its handbook merge request URL first.",
            code=MilestoneErrorCode.HANDBOOK_MR_MISSING,
        )
    if not milestone.handbook_mr_merged:
        raise MilestoneError(
            f"{milestone.title} cannot be closed until its handbook merge request is merged; "
            "mark the merge request as merged first.",
            code=MilestoneErrorCode.HANDBOOK_MR_NOT_MERGED,
        )
    milestone.closed_at = timezone.now()
    milestone.save(update_fields=["closed_at"])
    return milestone
