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


def milestone_rollover_target(milestone: Milestone, day: datetime.date | None = None) -> Milestone | None:
    """Where a rollover moves the issues: the first open milestone after this one that has not ended.

    Normally the one right after it (now current). A rollover run late skips milestones that have ended
    too, so an issue never lands in a milestone whose own rollover may already have happened.
    """
    day = day or timezone.localdate()
    return (
        Milestone.objects.filter(start_date__gt=milestone.due_date, due_date__gte=day, closed_at__isnull=True)
        .order_by("start_date")
        .first()
    )


def rollover_candidates(milestone: Milestone):
    """The issues a rollover of `milestone` moves: open and not Completed."""
    from requests_app.models import Issue, Stage

    return Issue.objects.filter(milestone=milestone, closed_at__isnull=True).exclude(stage=Stage.COMPLETED)


def milestones_due_for_rollover(day: datetime.date | None = None) -> QuerySet[Milestone]:
    """Ended milestones whose rollover has not finished (never started, stopped half-way, or failed)."""
    from milestones.models import RolloverStatus

    day = day or timezone.localdate()
    return (
        Milestone.objects.filter(due_date__lt=day).exclude(rollover__status=RolloverStatus.DONE).order_by("start_date")
    )


def milestone_list_for(user) -> list[Milestone]:
    """All milestones, newest first, with their rollover and counts of the issues `user` may see."""
    from django.db.models import Count, Q

    from requests_app.models import Stage
    from requests_app.selectors import issues_visible_to

    counts = {
        row["milestone"]: row
        for row in issues_visible_to(user)
        .filter(milestone__isnull=False)
        .values("milestone")
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(stage=Stage.COMPLETED) | Q(closed_at__isnull=False)),
        )
        .order_by()
    }
    milestones = list(Milestone.objects.select_related("rollover").order_by("-start_date"))
    for milestone in milestones:
        row = counts.get(milestone.pk, {})
        milestone.issue_count = row.get("total", 0)
        milestone.completed_count = row.get("completed", 0)
        milestone.open_count = milestone.issue_count - milestone.completed_count
    return milestones


def milestone_get(pk) -> Milestone | None:
    return (
        Milestone.objects.select_related("rollover", "rollover__to_milestone", "rollover__triggered_by")
        .filter(pk=pk)
        .first()
    )


def milestone_issues_for(user, milestone: Milestone):
    from requests_app.selectors import issues_visible_to, issues_with_card_data

    return (
        issues_with_card_data(issues_visible_to(user).filter(milestone=milestone))
        .select_related("rollover_reason_by")
        .order_by("stage", "position", "pk")
    )


def rollover_entries(rollover):
    """A rollover's records for its report, in one query."""
    from milestones.models import RolloverEntry

    return (
        RolloverEntry.objects.filter(rollover=rollover)
        .select_related("issue", "from_milestone", "to_milestone", "assignee", "reason_by")
        .order_by("assignee__username", "issue_id")
    )


def rollover_progress(rollover) -> dict:
    """How far the Slack thread got: replies planned and posted."""
    from django.db.models import Count, Q

    return rollover.replies.aggregate(planned=Count("pk"), posted=Count("pk", filter=~Q(ts="")))
