"""Reads: what a user may see and do, and the query shapes pages and the API use."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from labels.models import Label
from milestones.selectors import milestone_current
from requests_app.models import Issue, Stage
from requests_app.roles import user_is_manager, user_is_mktgops

# Weight at which the handbook promotes an issue to an epic.
EPIC_WEIGHT = 21


def issues_visible_to(user) -> QuerySet[Issue]:
    """Confidential issues are seen by their requester, their assignee and MktgOps only."""
    issues = Issue.objects.all()
    if not getattr(user, "is_authenticated", False):
        return issues.none()
    if user_is_mktgops(user):
        return issues
    return issues.filter(Q(confidential=False) | Q(requester=user) | Q(assignee=user))


def issue_can_see(user, issue: Issue) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if not issue.confidential or user_is_mktgops(user):
        return True
    return user.pk in (issue.requester_id, issue.assignee_id)


def issues_with_card_data(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    """The related rows a card or a list row shows, fetched in a constant number of queries."""
    return issues.select_related("requester", "assignee", "milestone").prefetch_related(
        Prefetch("labels", queryset=Label.objects.order_by("name"))
    )


def issue_get_for_user(user, pk) -> Issue | None:
    """The issue if `user` may see it; None both when it is missing and when it is hidden (no leak)."""
    return (
        issues_with_card_data(issues_visible_to(user))
        .select_related("business_owner", "signed_off_by", "closed_in_milestone", "rollover_reason_by", "epic")
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class IssuePermissions:
    can_view: bool
    can_comment: bool
    can_move: bool
    can_triage: bool  # assign, milestone, labels, weight, rollover reason
    can_sign_off: bool
    can_close: bool
    can_reopen: bool
    reopen_needs_manager: bool
    can_promote: bool
    can_reopen_completed: bool


def issue_closed_in_previous_milestone(issue: Issue) -> bool:
    if issue.closed_at is None or issue.closed_in_milestone_id is None:
        return False
    current = milestone_current()
    return current is None or issue.closed_in_milestone_id != current.pk


def issue_permissions(user, issue: Issue) -> IssuePermissions:
    """What `user` may do on `issue`; every view, API endpoint and template asks this one place."""
    can_view = issue_can_see(user, issue)
    mktgops = can_view and user_is_mktgops(user)
    manager = can_view and user_is_manager(user)
    is_requester = can_view and user.pk == issue.requester_id
    closed = issue.closed_at is not None
    previous = closed and issue_closed_in_previous_milestone(issue)
    return IssuePermissions(
        can_view=can_view,
        can_comment=can_view,
        can_move=mktgops and not closed,
        can_triage=mktgops and not closed,
        can_sign_off=(
            can_view
            and not closed
            and issue.stage == Stage.REVIEW
            and issue.signed_off_at is None
            and (user.pk == (issue.business_owner_id or issue.requester_id) or mktgops)
        ),
        can_close=(mktgops or is_requester) and not closed,
        can_reopen=closed and (manager if previous else (mktgops or is_requester)),
        reopen_needs_manager=previous,
        can_promote=mktgops and issue.epic_id is None and (issue.weight or 0) >= EPIC_WEIGHT,
        can_reopen_completed=manager,
    )


def issue_column(stage: str) -> QuerySet[Issue]:
    """A board column in its persisted order."""
    return Issue.objects.filter(stage=stage, closed_at__isnull=True).order_by("position", "pk")


CHANGELOG_LABELS = ["MktgOps - changelog", "SMOps/Systems - Changelog"]


def changelog_entries(user) -> QuerySet[Issue]:
    """Completed issues carrying a changelog label, newest completion first, with when they completed."""
    from django.db.models import OuterRef, Subquery

    from requests_app.models import IssueTransition

    completed = IssueTransition.objects.filter(issue=OuterRef("pk"), to_stage=Stage.COMPLETED).order_by("-at")
    return (
        issues_with_card_data(issues_visible_to(user))
        .filter(stage=Stage.COMPLETED, labels__name__in=CHANGELOG_LABELS)
        .distinct()
        .annotate(completed_at=Subquery(completed.values("at")[:1]))
        .order_by("-completed_at", "-pk")
    )


def epic_progress(user, epic) -> dict:
    """An epic's visible issues with progress by stage and total weight (two queries)."""
    from django.db.models import Count

    issues = list(issues_with_card_data(issues_visible_to(user)).filter(epic=epic).order_by("stage", "position"))
    counts = dict(
        issues_visible_to(user).filter(epic=epic).values_list("stage").annotate(n=Count("pk")).values_list("stage", "n")
    )
    total = len(issues)
    done = counts.get(Stage.COMPLETED, 0)
    return {
        "issues": issues,
        "by_stage": [(stage, counts.get(stage.value, 0)) for stage in Stage],
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else 0,
        "weight": sum(i.weight or 0 for i in issues),
        "weight_done": sum(i.weight or 0 for i in issues if i.stage == Stage.COMPLETED),
    }


def epic_list():
    from django.db.models import Count, Q

    from requests_app.models import Epic

    return Epic.objects.annotate(
        issue_count=Count("issues"), done_count=Count("issues", filter=Q(issues__stage=Stage.COMPLETED))
    ).order_by("-created_at")


@dataclass(frozen=True)
class TimelineEntry:
    at: object  # datetime
    kind: str  # "transition", "event" or "comment"
    item: object


def issue_timeline(issue: Issue) -> list[TimelineEntry]:
    """Stage moves, events and comments of one issue in time order: three queries, whatever their number."""
    from requests_app.models import Comment, IssueEvent, IssueTransition

    transitions = IssueTransition.objects.filter(issue=issue).select_related("by")
    events = IssueEvent.objects.filter(issue=issue).select_related("by")
    comments = Comment.objects.filter(issue=issue).select_related("author")
    entries = [
        *(TimelineEntry(t.at, "transition", t) for t in transitions),
        *(TimelineEntry(e.at, "event", e) for e in events),
        *(TimelineEntry(c.created_at, "comment", c) for c in comments),
    ]
    return sorted(entries, key=lambda e: e.at)


def mktgops_users():
    """People an issue can be assigned to: members of the MktgOps groups."""
    from django.contrib.auth import get_user_model

    from requests_app.roles import MANAGERS_GROUP, MKTGOPS_GROUP

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[MKTGOPS_GROUP, MANAGERS_GROUP])
        .distinct()
        .order_by("username")
    )


def attachment_get_for_user(user, issue_pk, pk):
    """The attachment when `user` may see its issue; None when either is missing or hidden."""
    from requests_app.models import Attachment

    return Attachment.objects.filter(pk=pk, issue__in=issues_visible_to(user).filter(pk=issue_pk)).first()


def initial_source_statuses() -> dict[str, str]:
    """Every Initial Source value and its status, for the list-import check."""
    from labels.models import InitialSource

    return dict(InitialSource.objects.values_list("name", "status"))
