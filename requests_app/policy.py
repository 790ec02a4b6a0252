"""Who may see and do what to an issue: the one place these rules are written.

Services enforce it (they raise `mktgops_portal.errors` subclasses when it says no); views, templates, the API, the
admin, board.js (through data attributes the templates fill from it) and tasks only ask it. Sources: the handbook's
Labeling page (who triages: the MktgOps groups) and DESIGN.md (confidential requests are seen by their requester,
their assignee and MktgOps).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.db.models import Q, QuerySet
from django_fsm import RETURN_VALUE, Transition

from accounts.roles import user_is_manager, user_is_mktgops
from milestones.selectors import milestone_current
from requests_app import models as m
from requests_app.errors import (
    IssueErrorCode,
    IssueForbidden,
    IssueMoveConflict,
    IssueMoveForbidden,
    IssueMoveRefused,
)
from requests_app.models import Epic, Issue, Stage

# Weight at which the handbook promotes an issue to an epic.
EPIC_WEIGHT = 21

# --- Confidentiality ------------------------------------------------------------------------------------
# Handbook (List Imports): list imports carry personal data, so they are always confidential.
ALWAYS_CONFIDENTIAL_TYPES = frozenset({m.RequestType.LIST_IMPORT})
ALWAYS_CONFIDENTIAL_MESSAGE = "List-import requests hold personal data and stay confidential."
# How a confidential issue's title reads to whoever may not see it, everywhere (pages, CSV, Slack, e-mail).
CONFIDENTIAL_TITLE = "Confidential issue"


def request_type_always_confidential(request_type: str) -> bool:
    return request_type in ALWAYS_CONFIDENTIAL_TYPES


def issue_title_for(user, issue: Issue, *, visible: bool | None = None) -> str:
    """The issue's title as `user` may read it: its title, or "Confidential issue" when it is hidden from them.

    `visible` saves the check when the caller already knows it (a row read through `issues_visible_to`).
    """
    if visible is None:
        visible = issue_can_see(user, issue)
    return issue.title if visible else CONFIDENTIAL_TITLE


def issue_title_public(issue_id: int, title: str, confidential: bool) -> str:
    """`#12 Title` for an audience that may include anyone (Slack channels, e-mail subjects): a confidential
    issue's title may hold personal data, so it reads `#12 Confidential issue`."""
    return f"#{issue_id} {CONFIDENTIAL_TITLE if confidential else title}"


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


def epics_visible_to(user) -> QuerySet[Epic]:
    """Epics `user` may see, decided from their issues at read time (issue 12; no flag copied onto the epic).

    An epic holding a confidential issue carries what that issue says (a promoted epic is its title and
    description), so it is seen only by those who may see every confidential issue it holds: MktgOps, or
    someone who is the requester or assignee of each of them. Epics without confidential issues: everyone
    signed in. Anonymous users: none.
    """
    epics = Epic.objects.all()
    if not getattr(user, "is_authenticated", False):
        return epics.none()
    if user_is_mktgops(user):
        return epics
    hidden = Issue.objects.filter(confidential=True, epic__isnull=False).exclude(Q(requester=user) | Q(assignee=user))
    return epics.exclude(pk__in=hidden.values("epic_id"))


def epic_can_see(user, epic: Epic) -> bool:
    """Whether `user` may see `epic` (one query unless `user` is MktgOps or anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user_is_mktgops(user) or epics_visible_to(user).filter(pk=epic.pk).exists()


def issue_epic_for_user(user, issue: Issue) -> Epic | None:
    """The epic an issue page names to `user`, who sees `issue`: None when the epic is hidden from them
    (it holds a confidential issue they may not see). One query at most."""
    epic = issue.epic
    if epic is None or epic_can_see(user, epic):
        return epic
    return None


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
            and issue_sign_off_role(user, issue) is not None
        ),
        can_close=(mktgops or is_requester) and not closed,
        can_reopen=closed and (manager if previous else (mktgops or is_requester)),
        reopen_needs_manager=previous,
        can_promote=mktgops and issue.epic_id is None and (issue.weight or 0) >= EPIC_WEIGHT,
        can_reopen_completed=manager,
    )


# --- Sign-off -------------------------------------------------------------------------------------------
# DESIGN.md: 05 -> 06 needs the business owner's sign-off; the business owner is the requester when none is set.
# A manager may record it on the owner's behalf (the timeline says so); nobody else may.

SIGN_OFF_AS_OWNER = "owner"
SIGN_OFF_ON_BEHALF = "on_behalf"


def issue_sign_off_owner_id(issue: Issue) -> int:
    """Whose sign-off 05 waits for: the business owner, else the requester."""
    return issue.business_owner_id or issue.requester_id


def issue_sign_off_role(user, issue: Issue) -> str | None:
    """`"owner"` when `user` is the one who signs off, `"on_behalf"` for a manager recording it, else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.pk == issue_sign_off_owner_id(issue):
        return SIGN_OFF_AS_OWNER
    if user_is_manager(user):
        return SIGN_OFF_ON_BEHALF
    return None


def issue_sign_off_check(user, issue: Issue) -> str:
    """The role `user` signs off in, or raise: `IssueForbidden` (code `sign_off_not_owner`) for anyone but the owner
    or a manager; `IssueMoveRefused`-style conflicts (409) for the wrong stage or a sign-off already given."""
    if issue.stage != Stage.REVIEW:
        raise IssueMoveRefused(
            f"Sign-off is given in {Stage.REVIEW.label}; #{issue.pk} is in {issue.stage_label}.",
            code=IssueErrorCode.SIGN_OFF_WRONG_STAGE,
        )
    if issue.signed_off_at is not None:
        raise IssueMoveRefused(f"#{issue.pk} was already signed off.", code=IssueErrorCode.ALREADY_SIGNED_OFF)
    role = issue_sign_off_role(user, issue)
    if role is None:
        raise IssueForbidden(
            "Sign-off belongs to the business owner (the requester when no owner is set); a MktgOps manager may "
            "record it on their behalf.",
            code=IssueErrorCode.SIGN_OFF_NOT_OWNER,
        )
    return role


# --- Moves ----------------------------------------------------------------------------------------------
# The workflow is the FSM on `Issue` (its @transition methods, their guards and permissions); these functions
# read it, so a move offered here is exactly a move `issue_move` accepts.

# Guards that a person answers in the move itself: they make a move *need* something rather than refuse it.
INPUT_GUARDS: dict[Callable[..., bool], str] = {
    m.has_question_for_requester: "question",
    m.has_pending_reason: "reason",
    m.is_signed_off: "sign_off",
}

# What each state guard needs, phrased as what is missing and as what to do about it.
GUARD_MESSAGES: dict[Callable[..., bool], tuple[str, str]] = {
    m.has_assignee: ("it has no assignee", "assign someone"),
    m.in_future_milestone: ("it is not in a future milestone", "put it in a milestone after the current one"),
    m.in_current_milestone: ("it is not in the current milestone", "put it in the current milestone"),
    m.returns_into_current_milestone: (
        "it would return to a stage of the current milestone but is not in it",
        "put it in the current milestone",
    ),
    m.is_signed_off: ("the business owner has not signed off", "record the business owner's sign-off"),
    m.has_pending_reason: ("no reason was given", "say what it is waiting on"),
    m.has_question_for_requester: (
        "no question for the requester was given",
        "say what information you need from the requester",
    ),
}


# Transitions that are not moves a person makes: the requester's answer (issue 13) is made by their comment
# in 01, through `comment_create`, never offered or accepted as a move.
NOT_MOVES = {"requester_replied"}


@cache
def stage_transitions() -> dict[tuple[str, str], Transition]:
    """(from stage, to stage) -> the FSM transition on `Issue` that makes that move."""
    found: dict[tuple[str, str], Transition] = {}
    for transition in Issue._meta.get_field("stage").get_all_transitions(Issue):
        if transition.name in NOT_MOVES:
            continue
        targets = (
            transition.target.allowed_states if isinstance(transition.target, RETURN_VALUE) else [transition.target]
        )
        for target in targets:
            found[(str(transition.source), str(target))] = transition
    return found


def stage_targets(stage: str) -> list[str]:
    """Stages the workflow goes to from `stage` (before permissions and guards), in stage order."""
    return sorted(to for (frm, to) in stage_transitions() if frm == stage)


def _refusal(issue: Issue, to_stage: str, why: str, todo: str) -> str:
    return f"Can't move #{issue.pk} to {Stage(to_stage).label}: {why}. {todo[0].upper()}{todo[1:]} first."


@dataclass(frozen=True)
class MoveOption:
    """A move `user` may make from the issue's stage.

    `needs` is what the move asks for in the same step: "question" (01: e-mailed to the requester), "reason"
    (07: what it waits on), "sign_off" (06 before the owner signed off; only for the owner or a manager), or "".
    `refusal` is set when a state guard does not hold (no assignee, not in the current milestone...): the move is
    offered, and refused with that message (409) until the issue is changed.
    """

    to_stage: str
    needs: str = ""
    refusal: str = ""

    @property
    def label(self) -> str:
        return Stage(self.to_stage).label

    @property
    def needs_reason(self) -> bool:
        return self.needs == "reason"

    @property
    def needs_question(self) -> bool:
        return self.needs == "question"

    @property
    def needs_sign_off(self) -> bool:
        return self.needs == "sign_off"


def issue_move_assess(user, issue: Issue, to_stage: str) -> tuple[Transition, MoveOption]:
    """The transition for moving `issue` to `to_stage` and what it needs, or raise why `user` may not.

    Raises `IssueMoveRefused` (409, code `move_not_in_workflow` or `issue_closed`) when the workflow has no such
    move from here, `IssueMoveForbidden` (403) when `user` may not make it. State guards do not raise here: they
    come back as `MoveOption.refusal`, and input guards as `MoveOption.needs`.
    """
    frm = issue.stage
    if to_stage not in Stage.values:
        raise IssueMoveRefused(
            f"Unknown stage {to_stage!r}; stages are {', '.join(Stage.values)}.",
            code=IssueErrorCode.MOVE_NOT_IN_WORKFLOW,
        )
    transition = stage_transitions().get((frm, to_stage))
    if transition is None or (frm == Stage.BLOCKED and issue.blocked_from != to_stage):
        if frm == to_stage:
            message = f"#{issue.pk} is already in {Stage(frm).label}."
        elif frm == Stage.BLOCKED:
            back = issue.blocked_from
            message = (
                f"Can't move #{issue.pk} to {Stage(to_stage).label}: a blocked issue returns to the stage it came "
                f"from, {Stage(back).label if back in Stage.values else back or '?'}. Unblock it there first."
            )
        else:
            allowed = ", ".join(Stage(s).short for s in stage_targets(frm)) or "nowhere"
            message = (
                f"Can't move #{issue.pk} from {Stage(frm).label} to {Stage(to_stage).label}: that move is not "
                f"part of the workflow. From {Stage(frm).short} it can go to {allowed}."
            )
        raise IssueMoveRefused(message, code=IssueErrorCode.MOVE_NOT_IN_WORKFLOW)
    if not user_is_mktgops(user):
        raise IssueMoveForbidden("Only MktgOps team members can move issues between stages.")
    if issue.closed_at is not None:
        raise IssueMoveRefused(f"#{issue.pk} is closed; reopen it before moving it.", code=IssueErrorCode.ISSUE_CLOSED)
    if not transition.has_perm(issue, user):
        raise IssueMoveForbidden(f"Only a MktgOps manager can move a completed issue back to {Stage(to_stage).label}.")
    needs = ""
    failing = []
    for guard in transition.conditions:
        need = INPUT_GUARDS.get(guard)
        if need == "sign_off":
            if guard(issue):
                continue
            if issue_sign_off_role(user, issue) is not None:
                needs = need
                continue
            failing.append(guard)  # only the owner (or a manager for them) can give it
        elif need:
            needs = need
        elif not guard(issue):
            failing.append(guard)
    refusal = ""
    if failing:
        whys = " and ".join(GUARD_MESSAGES[g][0] for g in failing)
        todos = " and ".join(GUARD_MESSAGES[g][1] for g in failing)
        refusal = _refusal(issue, to_stage, whys, todos)
    return transition, MoveOption(to_stage=to_stage, needs=needs, refusal=refusal)


def issue_move_options(user, issue: Issue) -> list[MoveOption]:
    """Every move `user` may make from `issue`'s stage, in stage order; [] for requesters and closed issues.

    The board card's `data-targets`/`data-needs`, the issue page's "Move to…" and the admin's move page are filled
    from this, so a card never offers a move the server refuses for who you are.
    """
    if not user_is_mktgops(user) or issue.closed_at is not None:
        return []
    options = []
    for to_stage in stage_targets(issue.stage):
        try:
            _, option = issue_move_assess(user, issue, to_stage)
        except (IssueMoveRefused, IssueMoveForbidden):
            continue
        options.append(option)
    return options


def issue_move_expect(issue: Issue, expected_stage: str | None) -> None:
    """Raise `IssueMoveConflict` (409, code `stage_changed`) when someone moved the issue since the client read it."""
    if expected_stage is not None and issue.stage != expected_stage:
        raise IssueMoveConflict(f"#{issue.pk} was moved by someone else: it is now in {issue.stage_label}.")


def issue_action_refusal(user, issue: Issue, action: str):
    """Why `user` may not take the issue page's `action` ("sign-off", "close", ...): the specific refusal where
    the policy has one (sign-off: `sign_off_not_owner`, wrong stage), else a plain `IssueForbidden`."""
    if action == "sign-off":
        try:
            issue_sign_off_check(user, issue)
        except (IssueForbidden, IssueMoveRefused) as exc:
            return exc
    return IssueForbidden("You can't do that on this issue: the page shows what you can do.")


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


def issue_can_make_public(user, issue: Issue) -> bool:
    """Turning confidentiality off: MktgOps only, never for a type that is always confidential (issue 13:
    requesters may only turn it on)."""
    return user_is_mktgops(user) and not request_type_always_confidential(issue.request_type)


def issue_can_link(user, issue: Issue) -> bool:
    """Links between issues and closing as a duplicate: MktgOps, on an issue they see (issue 13)."""
    return issue_can_see(user, issue) and user_is_mktgops(user)


def issue_notify_allowed(user, issue: Issue) -> bool:
    """Whether a notification about `issue` may reach `user`: only active users who may see it. The requester and
    the assignee always may (`issue_can_see`), asked first so a batch of their own issues costs no group lookup."""
    if not getattr(user, "is_active", False):
        return False
    return user.pk in (issue.requester_id, issue.assignee_id) or issue_can_see(user, issue)


def user_assignable(user) -> bool:
    """Who can be assigned an issue: the MktgOps team (ICs and managers), who work the requests (handbook)."""
    return user is not None and bool(getattr(user, "is_active", False)) and user_is_mktgops(user)


def issue_can_reassign(user, issue: Issue) -> bool:
    """Who may change an issue's assignee, e.g. by dropping its card into another person's swimlane: whoever
    may triage it (MktgOps, while it is open). Asked by `services.issue_move`; the board only offers it."""
    return issue_permissions(user, issue).can_triage


def _move_rules_key(user, issue) -> tuple:
    """Everything `issue_move_options` reads of an issue (keep in step with its guards and `issue_sign_off_role`)."""
    return (
        issue.stage,
        issue.blocked_from,
        issue.closed_at is None,
        issue.assignee_id is None,
        issue.milestone_id,  # the milestone guards read its dates: one milestone, one answer
        issue.signed_off_at is None,
        issue_sign_off_owner_id(issue) == user.pk,
    )


def issue_move_options_many(user, issues) -> list[list[MoveOption]]:
    """`issue_move_options` for each of `issues` (a board's cards), in order. Issues alike in everything the rules
    read share one answer, so a full board asks the FSM a few dozen times rather than once per card. Use
    `issue_move_options` for one issue's refusal texts (shared answers name the first issue of their kind)."""
    answers: dict[tuple, list[MoveOption]] = {}
    result = []
    for issue in issues:
        key = _move_rules_key(user, issue)
        if key not in answers:
            answers[key] = issue_move_options(user, issue)
        result.append(answers[key])
    return result
