from collections.abc import Collection

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from labels.models import Label
from labels.services import PRIO_ORDER, PRIO_SCOPE, SYSTEMS_REQUEST
from milestones.calendar import WorkingCalendar, working_calendar
from requests_app.models import EventKind, Issue, IssueEvent
from requests_app.policy import issues_visible_to
from sales_systems.sla import Sla, sla_for

STEPS = {"requested": PRIO_ORDER[0], "in-queue": PRIO_ORDER[1], "actioned": PRIO_ORDER[2]}


def _prio_label():
    through = Issue.labels.through.objects.filter(issue=OuterRef("pk"), label__name__startswith=f"{PRIO_SCOPE}::")
    return Subquery(through.values("label__name")[:1])


def _requested_at():
    """When `MktgOpsPrio::00: Requested` was last put on: read from the events' data (the label's id), so renaming
    the label does not reset the SLA clock."""
    requested = Label.objects.filter(name=PRIO_ORDER[0]).values("pk")[:1]
    added = (
        IssueEvent.objects.filter(issue=OuterRef("pk"), kind=EventKind.LABEL_ADDED)
        .annotate(label_id=Cast(KT("data__label_id"), IntegerField()))
        .filter(label_id=Subquery(requested))
    )
    return Coalesce(Subquery(added.order_by("-at").values("at")[:1]), F("created_at"))


def systems_queue(user, step: str | None = None) -> QuerySet[Issue]:
    """Open Sales Systems requests `user` may see, oldest request first, with their step, fast-track kind and
    request time. Hidden confidential requests are not rows at all (issue 12: no row, step, kind, time or badge
    tells a requester that they exist)."""
    issues = (
        issues_visible_to(user)
        .filter(labels__name=SYSTEMS_REQUEST, closed_at__isnull=True)
        .select_related("assignee", "milestone", "systems_request")
        .annotate(prio=_prio_label(), requested_at=_requested_at())
        .order_by("requested_at", "pk")
    )
    if step in STEPS:
        issues = issues.filter(labels__name=STEPS[step])
    return issues


def systems_sla(issue: Issue, now=None, calendar: WorkingCalendar | None = None) -> Sla | None:
    """The SLA badge for an issue annotated by `systems_queue` or `issues_with_sla`, due in working days of
    `calendar` (the request's working calendar by default: read once per request)."""
    if not hasattr(issue, "prio"):
        return None  # not read with the SLA annotations: don't look the request up row by row
    fast_track = getattr(getattr(issue, "systems_request", None), "fast_track", "")
    prio = getattr(issue, "prio", None)
    requested = getattr(issue, "requested_at", None) if prio else None
    return sla_for(
        fast_track,
        requested and timezone.localtime(requested),
        now or timezone.localtime(),
        actioned=prio == PRIO_ORDER[2],
        calendar=calendar,
    )


def systems_sla_possible(label_names: Collection[str]) -> bool:
    """Whether `systems_sla` may give an issue with these labels a badge: its clock starts with a `MktgOpsPrio::`
    label (`_prio_label`), so without one there is none. Case-blind, as SQLite's LIKE in `_prio_label` is: a
    "maybe" only costs the caller the annotated read."""
    prefix = f"{PRIO_SCOPE}::".casefold()
    return any(name.casefold().startswith(prefix) for name in label_names)


def issues_with_sla(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    """Add what `systems_sla` needs to any issue queryset (board, list) in the same query."""
    return issues.select_related("systems_request").annotate(prio=_prio_label(), requested_at=_requested_at())


def queue_rows(issues) -> list[dict]:
    """Rows for the queue page, from `systems_queue` (which already left out what the viewer may not see)."""
    now = timezone.localtime()
    calendar = working_calendar()
    return [
        {
            "issue": issue,
            "sla": systems_sla(issue, now, calendar),
            "next_step": _next_step(issue.prio),
        }
        for issue in issues
    ]


def _next_step(prio: str | None) -> str | None:
    if prio is None:
        return PRIO_ORDER[0]
    i = PRIO_ORDER.index(prio) if prio in PRIO_ORDER else len(PRIO_ORDER)
    return PRIO_ORDER[i + 1] if i + 1 < len(PRIO_ORDER) else None
