"""Who may see and do what to an issue: the one place these rules are written.

Services enforce it (they raise `mktgops_portal.errors` subclasses when it says no); views, templates, the API, the
admin, board.js (through data attributes the templates fill from it) and tasks only ask it. Sources: the handbook's
Labeling page (who triages: the MktgOps groups) and DESIGN.md (confidential requests are seen by their requester,
their assignee and MktgOps).
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.roles import user_is_manager, user_is_mktgops
from milestones.selectors import milestone_current
from requests_app.models import Issue, Stage

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


def user_assignable(user) -> bool:
    """Who can be assigned an issue: the MktgOps team (ICs and managers), who work the requests (handbook)."""
    return user is not None and bool(getattr(user, "is_active", False)) and user_is_mktgops(user)


def issue_can_reassign(user, issue: Issue) -> bool:
    """Who may change an issue's assignee, e.g. by dropping its card into another person's swimlane: whoever
    may triage it (MktgOps, while it is open). Asked by `services.issue_move`; the board only offers it."""
    return issue_permissions(user, issue).can_triage
