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


# --- Working together on a request (issue 13) ---------------------------------------------------------------
# Stages in which the requester may still edit what they filed: before MktgOps has planned it (issue 13).
REQUESTER_EDIT_STAGES = (Stage.TRIAGE, Stage.NEEDS_INFO)


def issue_can_edit(user, issue: Issue) -> bool:
    """Title, description, type fields, needed-by date, confidential: MktgOps any time; the requester while the
    issue is open and in 00 or 01 (issue 13)."""
    if not issue_can_see(user, issue):
        return False
    if user_is_mktgops(user):
        return True
    return user.pk == issue.requester_id and issue.closed_at is None and issue.stage in REQUESTER_EDIT_STAGES


def issue_can_link(user, issue: Issue) -> bool:
    """Links between issues and closing as a duplicate: MktgOps, on an issue they see (issue 13)."""
    return issue_can_see(user, issue) and user_is_mktgops(user)


def issue_can_attach(user, issue: Issue) -> bool:
    """Adding files: whoever may comment (everyone who sees the issue)."""
    return issue_can_see(user, issue)


def issue_notify_allowed(user, issue: Issue) -> bool:
    """Whether a notification about `issue` may reach `user`: only active users who may see it. The requester and
    the assignee always may (`issue_can_see`), asked first so a batch of their own issues costs no group lookup."""
    if not getattr(user, "is_active", False):
        return False
    return user.pk in (issue.requester_id, issue.assignee_id) or issue_can_see(user, issue)
