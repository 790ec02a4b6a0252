"""Writes: every change to an issue goes through one of these functions."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from accounts.roles import user_is_manager, user_is_mktgops
from milestones.selectors import milestone_current
from milestones.services import milestone_membership_change
from requests_app import models as m
from requests_app.errors import (
    NOT_FOUND,
    IssueError,
    IssueErrorCode,
    IssueForbidden,
    IssueMoveConflict,
    IssueMoveForbidden,
    IssueMoveRefused,
    IssueNotFound,
)
from requests_app.models import Comment, EventKind, Issue, IssueEvent, IssueTransition, RequestType, Stage
from requests_app.policy import (
    EPIC_WEIGHT,
    issue_can_reassign,
    issue_closed_in_previous_milestone,
    issues_visible_to,
    user_assignable,
)
from requests_app.selectors import issue_column

User = get_user_model()

# Gap between neighbouring board positions: a drop takes the midpoint of its neighbours and
# rewrites only the dropped card; the column is renumbered only when a gap is used up.
POSITION_GAP = 1 << 16


# `issue_move(assignee_id=…)` left out: the assignee stays as it is (None means "nobody").
ASSIGNEE_UNCHANGED = object()

# (from, to) -> transition method on Issue. Blocking and unblocking are one method each.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Stage.TRIAGE, Stage.NEEDS_INFO): "triage_to_needs_information",
    (Stage.TRIAGE, Stage.READY): "triage_to_ready",
    (Stage.TRIAGE, Stage.ASSIGNED): "triage_to_assigned",
    (Stage.TRIAGE, Stage.IN_PROGRESS): "triage_to_in_progress",
    (Stage.NEEDS_INFO, Stage.TRIAGE): "needs_information_to_triage",
    (Stage.NEEDS_INFO, Stage.READY): "needs_information_to_ready",
    (Stage.READY, Stage.ASSIGNED): "ready_to_assigned",
    (Stage.READY, Stage.IN_PROGRESS): "ready_to_in_progress",
    (Stage.ASSIGNED, Stage.IN_PROGRESS): "assigned_to_in_progress",
    (Stage.ASSIGNED, Stage.READY): "assigned_to_ready",
    (Stage.IN_PROGRESS, Stage.REVIEW): "in_progress_to_review",
    (Stage.IN_PROGRESS, Stage.COMPLETED): "in_progress_to_completed",
    (Stage.IN_PROGRESS, Stage.ASSIGNED): "in_progress_to_assigned",
    (Stage.REVIEW, Stage.READY_TO_DEPLOY): "review_to_ready_to_deploy",
    (Stage.REVIEW, Stage.IN_PROGRESS): "review_to_in_progress",
    (Stage.READY_TO_DEPLOY, Stage.COMPLETED): "ready_to_deploy_to_completed",
    (Stage.COMPLETED, Stage.IN_PROGRESS): "completed_to_in_progress",
    **{(stage, Stage.BLOCKED): "block" for stage in m.BLOCKABLE},
    **{(Stage.BLOCKED, stage): "unblock" for stage in m.BLOCKABLE},
}

# What each guard needs, phrased as what is missing and as what to do about it.
GUARD_MESSAGES = {
    m.has_assignee: ("it has no assignee", "assign someone"),
    m.in_future_milestone: ("it is not in a future milestone", "put it in a milestone after the current one"),
    m.in_current_milestone: ("it is not in the current milestone", "put it in the current milestone"),
    m.is_signed_off: ("the business owner has not signed off", "record the business owner's sign-off"),
    m.has_pending_reason: ("no reason was given", "say what it is waiting on"),
    m.has_question_for_requester: (
        "no question for the requester was given",
        "say what information you need from the requester",
    ),
}


def stage_targets(stage: str) -> list[str]:
    """Stages an issue may move to from `stage` (before guards)."""
    return [to for (frm, to) in TRANSITIONS if frm == stage]


def _stage_name(stage: str) -> str:
    return Stage(stage).label


def _refusal(issue: Issue, to_stage: str, why: str, todo: str) -> str:
    return f"Can't move #{issue.pk} to {_stage_name(to_stage)}: {why}. {todo[0].upper()}{todo[1:]} first."


def _check_move(issue: Issue, to_stage: str, by, reason: str):
    """The bound transition to call, or raise the refusal that explains why not."""
    frm = issue.stage
    name = TRANSITIONS.get((frm, to_stage))
    if name is None:
        if frm == to_stage:
            raise IssueMoveRefused(f"#{issue.pk} is already in {_stage_name(frm)}.")
        if frm == Stage.BLOCKED and issue.blocked_from:
            raise IssueMoveRefused(
                f"Can't move #{issue.pk} to {_stage_name(to_stage)}: a blocked issue returns to the stage it "
                f"came from, {_stage_name(issue.blocked_from)}. Unblock it there first."
            )
        allowed = ", ".join(Stage(s).short for s in stage_targets(frm)) or "nowhere"
        raise IssueMoveRefused(
            f"Can't move #{issue.pk} from {_stage_name(frm)} to {_stage_name(to_stage)}: that move is not "
            f"part of the workflow. From {Stage(frm).short} it can go to {allowed}."
        )
    if frm == Stage.BLOCKED and issue.blocked_from != to_stage:
        back = issue.blocked_from or "?"
        raise IssueMoveRefused(
            f"Can't move #{issue.pk} to {_stage_name(to_stage)}: a blocked issue returns to the stage it came "
            f"from, {_stage_name(back) if back in Stage.values else back}."
        )
    if not user_is_mktgops(by):
        raise IssueMoveForbidden("Only MktgOps team members can move issues between stages.")
    if issue.closed_at is not None:
        raise IssueMoveRefused(f"#{issue.pk} is closed; reopen it before moving it.")
    bound = getattr(issue, name)
    meta = bound._django_fsm
    transition = meta.get_transition(frm)
    if not transition.has_perm(issue, by):
        raise IssueMoveForbidden(f"Only a MktgOps manager can move a completed issue back to {_stage_name(to_stage)}.")
    issue._pending_reason = reason
    failing = [guard for guard in transition.conditions if not guard(issue)]
    if failing:
        whys = [GUARD_MESSAGES[g][0] for g in failing]
        todos = [GUARD_MESSAGES[g][1] for g in failing]
        raise IssueMoveRefused(_refusal(issue, to_stage, " and ".join(whys), " and ".join(todos)))
    return bound


@transaction.atomic
def issue_move(
    *,
    issue_id: int,
    to_stage: str,
    by,
    reason: str = "",
    position: int | None = None,
    expected_stage: str | None = None,
    after_id: int | None = None,
    before_id: int | None = None,
    assignee_id: "int | None | object" = ASSIGNEE_UNCHANGED,
) -> Issue:
    """Move issue `issue_id` to `to_stage` through its FSM transition, log it, and place it at `position`.

    `position` is an index in the full column (the API). A filtered board column cannot know that
    index, so it says which cards the issue was dropped between instead: `after_id` (the card
    above) and/or `before_id` (the card below); they win over `position`.
    The row is read once, locked, so two people moving the same card serialise: the second sees the
    first one's stage and is refused (or told it changed, when it says which stage it expected).
    An issue `by` may not see is `IssueNotFound`, as a missing one is: its existence does not leak.
    `assignee_id` (a user id, or None for nobody) reassigns it in the same transaction, before the guards look:
    a card dropped into another person's swimlane (policy `issue_can_reassign`, else `IssueForbidden`; a user
    who cannot be assigned is `IssueError`, code `not_assignable`). It may stay in its stage.
    """
    if to_stage not in Stage.values:
        raise IssueMoveRefused(f"Unknown stage {to_stage!r}; stages are {', '.join(Stage.values)}.")
    # Who may move comes first: a requester is told "not yours to move" (403), not why the move is invalid.
    if not user_is_mktgops(by):
        if not issues_visible_to(by).filter(pk=issue_id).exists():
            raise IssueNotFound(NOT_FOUND)
        raise IssueMoveForbidden("Only MktgOps team members can move issues between stages.")
    # One query checks visibility, locks the row and reads what the guards (milestone), the planning events
    # (assignee, milestone) and the callers' responses (requester) look at; `of=("self",)` locks the issue alone.
    try:
        issue = (
            issues_visible_to(by)
            .select_for_update(of=("self",))
            .select_related("requester", "assignee", "milestone")
            .get(pk=issue_id)
        )
    except Issue.DoesNotExist:
        raise IssueNotFound(NOT_FOUND) from None
    if expected_stage is not None and issue.stage != expected_stage:
        raise IssueMoveConflict(f"#{issue.pk} was moved by someone else: it is now in {_stage_name(issue.stage)}.")
    reason = (reason or "").strip()
    placing = position is not None or after_id is not None or before_id is not None
    before = {"assignee": issue.assignee, "milestone": issue.milestone}
    reassigning = assignee_id is not ASSIGNEE_UNCHANGED and assignee_id != issue.assignee_id
    if issue.stage == to_stage and (placing or reassigning):
        if issue.closed_at is not None:
            raise IssueMoveRefused(f"#{issue.pk} is closed; reopen it before moving it.")
        if not reassigning:
            issue_place(issue=issue, position=position, after_id=after_id, before_id=before_id)
            return issue
        _reassign(issue, assignee_id, by)
        fields = [*_record_planning_changes(issue, by, before), "updated_at", "position"]
        issue.position = _position_for(issue, to_stage, position, after_id=after_id, before_id=before_id)
        issue.save(update_fields=fields)
        return issue
    if reassigning:
        _reassign(issue, assignee_id, by)
    bound = _check_move(issue, to_stage, by, reason)
    from_stage = issue.stage
    try:
        bound()
    except TransitionNotAllowed as exc:  # a guard changed under us; the checks above explain the usual cases
        raise IssueMoveRefused(f"Can't move #{issue.pk} to {_stage_name(to_stage)}: {exc}") from exc
    finally:
        issue._pending_reason = ""
    fields = ["stage", "blocked_from", "updated_at", *_record_planning_changes(issue, by, before)]
    issue.position = _position_for(issue, to_stage, position, after_id=after_id, before_id=before_id)
    fields.append("position")
    issue.save(update_fields=fields)
    transition = IssueTransition.objects.create(
        issue=issue, by=by, from_stage=from_stage, to_stage=issue.stage, reason=reason
    )
    from requests_app import notifications

    transaction.on_commit(
        lambda: notifications.issue_moved(
            issue_id=issue.pk, to_stage=issue.stage, reason=reason, transition_id=transition.pk
        )
    )
    return issue


def _reassign(issue: Issue, assignee_id: int | None, by) -> None:
    """Set `issue.assignee` (unsaved) to user `assignee_id` or nobody, as policy allows; raises its refusals."""
    if not issue_can_reassign(by, issue):
        raise IssueForbidden(
            f"Only MktgOps team members can reassign #{issue.pk}.", code=IssueErrorCode.REASSIGN_FORBIDDEN
        )
    new = None if assignee_id is None else User.objects.filter(pk=assignee_id).first()
    if assignee_id is not None and not user_assignable(new):
        who = new.get_username() if new else f"User {assignee_id}"
        raise IssueError(
            f"Can't assign #{issue.pk} to {who}: only active MktgOps team members can be assigned.",
            code=IssueErrorCode.NOT_ASSIGNABLE,
        )
    issue.assignee = new


def _record_planning_changes(issue: Issue, by, before: dict) -> list[str]:
    """Log an event for each planning field (assignee, milestone) that differs from `before`; the changed fields."""
    fields = []
    for field, old in before.items():
        new = getattr(issue, field)
        if old != new:
            fields.append(field)
            _event(issue, by, _planning_event_kind(field), old_value=_display(old), new_value=_display(new))
            if field == "milestone":
                milestone_membership_change(issue_id=issue.pk, old_id=old.pk if old else None, new_id=None)
    return fields


def _planning_event_kind(field: str) -> str:
    return EventKind.ASSIGNEE_CHANGED if field == "assignee" else EventKind.MILESTONE_CHANGED


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, User):
        return value.get_username()
    return str(value)


def _event(issue: Issue, by, kind: str, *, old_value: str = "", new_value: str = "") -> IssueEvent:
    return IssueEvent.objects.create(
        issue=issue, by=by, kind=kind, old_value=old_value[:255], new_value=new_value[:255]
    )


def _position_for(
    issue: Issue, stage: str, index: int | None, *, after_id: int | None = None, before_id: int | None = None
) -> int:
    """A sparse position at `index` of the target column (the end when None), or between two cards."""
    column = issue_column(stage).exclude(pk=issue.pk)
    if after_id is not None or before_id is not None:
        between = _position_between(column, after_id=after_id, before_id=before_id)
        if between is not None:
            return between
        if (after_id is not None and column.filter(pk=after_id).exists()) or (
            before_id is not None and column.filter(pk=before_id).exists()
        ):
            _renumber(stage)  # the neighbours exist but no integer lies between them
            return _position_for(issue, stage, index, after_id=after_id, before_id=before_id)
        # Neighbours that left the column meanwhile: fall back to the index (or the end).
    neighbours = (
        []
        if index is None or index < 0
        else list(column.values_list("position", flat=True)[max(index - 1, 0) : index + 1])
    )
    if index == 0:
        return (neighbours[0] - POSITION_GAP) if neighbours else 0
    if len(neighbours) < 2:  # the end of the column (also for an index past it)
        last = column.order_by("-position", "-pk").values_list("position", flat=True).first()
        return (last or 0) + POSITION_GAP
    low, high = neighbours
    if high - low > 1:
        return (low + high) // 2
    _renumber(stage)
    return _position_for(issue, stage, index)


def _position_between(column, *, after_id: int | None, before_id: int | None) -> int | None:
    """A position right after `after_id` (else right before `before_id`) in `column`, or None.

    Only the neighbour in the full column matters: cards hidden by a board filter keep their place.
    """
    rows = dict(column.filter(pk__in=[i for i in (after_id, before_id) if i is not None]).values_list("pk", "position"))
    if after_id in rows:
        low = rows[after_id]
        following = column.filter(Q(position__gt=low) | Q(position=low, pk__gt=after_id))
        high = following.values_list("position", flat=True).first()
        if high is None:
            return low + POSITION_GAP
    elif before_id in rows:
        high = rows[before_id]
        preceding = column.filter(Q(position__lt=high) | Q(position=high, pk__lt=before_id))
        low = preceding.order_by("-position", "-pk").values_list("position", flat=True).first()
        if low is None:
            return high - POSITION_GAP
    else:
        return None
    return (low + high) // 2 if high - low > 1 else None


def _renumber(stage: str) -> None:
    ids = list(issue_column(stage).values_list("pk", flat=True))
    Issue.objects.bulk_update(
        [Issue(pk=pk, position=(i + 1) * POSITION_GAP) for i, pk in enumerate(ids)], ["position"], batch_size=500
    )


def issue_place(
    *, issue: Issue, position: int | None = None, after_id: int | None = None, before_id: int | None = None
) -> Issue:
    """Reorder within the issue's column: one row written (the column only when a gap is used up)."""
    issue.position = _position_for(issue, issue.stage, position, after_id=after_id, before_id=before_id)
    issue.save(update_fields=["position"])
    return issue


# Category labels each request type carries from the start.
REQUEST_TYPE_LABELS = {
    RequestType.BUG: ["MktgOps - bug"],
    RequestType.LIST_IMPORT: ["MktgOps - List Import"],
    RequestType.PROCESS_CHANGE: [],
    RequestType.TOOL_EVALUATION: [],
    RequestType.GENERAL: [],
}


@transaction.atomic
def issue_create(
    *,
    requester,
    title: str,
    description: str = "",
    request_type: str = RequestType.GENERAL,
    confidential: bool = False,
    labels=(),
) -> Issue:
    from labels.models import Label
    from labels.services import labels_attach

    title = " ".join((title or "").split())  # one line: it heads cards, list rows, CSV cells and e-mail subjects
    if not title:
        raise IssueError("A request needs a title.")
    if request_type not in RequestType.values:
        raise IssueError(f"Unknown request type {request_type!r}.")
    # List imports carry personal data: always confidential (handbook).
    confidential = confidential or request_type == RequestType.LIST_IMPORT
    last = Issue.objects.filter(stage=Stage.TRIAGE).order_by("-position").values_list("position", flat=True).first()
    issue = Issue.objects.create(
        requester=requester,
        title=title[:255],
        description=description,
        request_type=request_type,
        confidential=confidential,
        position=(last or 0) + POSITION_GAP,
    )
    names = [*REQUEST_TYPE_LABELS.get(request_type, []), *[getattr(lbl, "name", lbl) for lbl in labels]]
    if names:
        labels_attach(issue=issue, labels=list(Label.objects.filter(name__in=names)), by=requester, record=False)
    return issue


@transaction.atomic
def issue_update(*, issue: Issue, by, **changes) -> Issue:
    """Triage fields: assignee, milestone, weight, business owner, rollover reason, confidential.

    Stage is not among them: stages change only through `issue_move`.
    """
    if "stage" in changes:
        raise IssueError("The stage changes only through a move (POST …/move/).")
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    fields = []
    if "assignee" in changes and changes["assignee"] != issue.assignee:
        new = changes["assignee"]
        if new is not None and not user_assignable(new):
            raise IssueError(
                f"{new.get_username()} is not in MktgOps; only team members can be assigned.",
                code=IssueErrorCode.NOT_ASSIGNABLE,
            )
        _event(issue, by, EventKind.ASSIGNEE_CHANGED, old_value=_display(issue.assignee), new_value=_display(new))
        issue.assignee = new
        fields.append("assignee")
    if "milestone" in changes and changes["milestone"] != issue.milestone:
        new = changes["milestone"]
        if new is not None and new.closed_at:
            raise IssueError(f"{new.title} is closed; choose an open milestone.")
        _event(issue, by, EventKind.MILESTONE_CHANGED, old_value=_display(issue.milestone), new_value=_display(new))
        milestone_membership_change(issue_id=issue.pk, old_id=issue.milestone_id, new_id=new.pk if new else None)
        issue.milestone = new
        fields.append("milestone")
    if "weight" in changes and changes["weight"] != issue.weight:
        new = changes["weight"]
        if new is not None and not (0 <= int(new) <= 1000):
            raise IssueError("Weight must be between 0 and 1000.")
        _event(issue, by, EventKind.WEIGHT_CHANGED, old_value=_display(issue.weight), new_value=_display(new))
        issue.weight = new
        fields.append("weight")
    if "business_owner" in changes and changes["business_owner"] != issue.business_owner:
        issue.business_owner = changes["business_owner"]
        fields.append("business_owner")
    if "confidential" in changes and bool(changes["confidential"]) != issue.confidential:
        new = bool(changes["confidential"])
        if not new and issue.request_type == RequestType.LIST_IMPORT:
            raise IssueError("List-import requests hold personal data and stay confidential.")
        _event(issue, by, EventKind.CONFIDENTIAL_CHANGED, old_value=str(issue.confidential), new_value=str(new))
        issue.confidential = new
        fields.append("confidential")
    if "rollover_reason" in changes and (changes["rollover_reason"] or "") != issue.rollover_reason:
        issue.rollover_reason = (changes["rollover_reason"] or "").strip()
        issue.rollover_reason_by = by if issue.rollover_reason else None
        _event(issue, by, EventKind.ROLLOVER_REASON, new_value=issue.rollover_reason[:255])
        fields += ["rollover_reason", "rollover_reason_by"]
    if fields:
        fields.append("updated_at")
        issue.save(update_fields=fields)
    if "labels" in changes:
        from labels.services import labels_set

        labels_set(issue=issue, labels=changes["labels"], by=by)
    return issue


@transaction.atomic
def comment_create(*, issue: Issue, author, body: str, is_system: bool = False) -> Comment:
    body = (body or "").strip()
    if not body:
        raise IssueError("A comment can't be empty.")
    return Comment.objects.create(issue=issue, author=author, body=body, is_system=is_system)


@transaction.atomic
def issue_sign_off(*, issue: Issue, by) -> Issue:
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.stage != Stage.REVIEW:
        raise IssueError(f"Sign-off is given in {_stage_name(Stage.REVIEW)}; #{issue.pk} is in {issue.stage_label}.")
    if issue.signed_off_at:
        raise IssueError(f"#{issue.pk} was already signed off.")
    issue.signed_off_by, issue.signed_off_at = by, timezone.now()
    issue.save(update_fields=["signed_off_by", "signed_off_at", "updated_at"])
    _event(issue, by, EventKind.SIGNED_OFF, new_value=_display(by))
    return issue


@transaction.atomic
def issue_close(*, issue: Issue, by) -> Issue:
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.closed_at:
        raise IssueError(f"#{issue.pk} is already closed.")
    issue.closed_at = timezone.now()
    # The milestone it was closed in decides later who may reopen it.
    issue.closed_in_milestone = issue.milestone or milestone_current()
    issue.save(update_fields=["closed_at", "closed_in_milestone", "updated_at"])
    _event(issue, by, EventKind.CLOSED, new_value=_display(issue.closed_in_milestone))
    return issue


@transaction.atomic
def issue_reopen(*, issue: Issue, by, reason: str = "") -> Issue:
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if not issue.closed_at:
        raise IssueError(f"#{issue.pk} is open.")
    reason = (reason or "").strip()
    if issue_closed_in_previous_milestone(issue):
        if not user_is_manager(by):
            raise IssueMoveForbidden(
                f"#{issue.pk} was closed in a previous milestone ({issue.closed_in_milestone}) and is not reopened. "
                "Comment on it with your question and ping the MktgOps DRI who worked it; they decide whether "
                "it comes back into a current milestone."
            )
        if not reason:
            raise IssueError(f"#{issue.pk} was closed in a previous milestone: give a reason to reopen it.")
    issue.closed_at = None
    issue.closed_in_milestone = None
    issue.save(update_fields=["closed_at", "closed_in_milestone", "updated_at"])
    _event(issue, by, EventKind.REOPENED, new_value=reason[:255])
    if reason:
        Comment.objects.create(issue=issue, author=by, body=f"Reopened: {reason}")
    return issue


@transaction.atomic
def issue_promote_to_epic(*, issue: Issue, by) -> "m.Epic":
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if not user_is_mktgops(by):
        raise IssueMoveForbidden("Only MktgOps team members can promote issues to epics.")
    if issue.epic_id:
        raise IssueError(f"#{issue.pk} already belongs to epic {issue.epic}.")
    if (issue.weight or 0) < EPIC_WEIGHT:
        raise IssueError(
            f"Only issues weighted {EPIC_WEIGHT} or more are promoted to epics; #{issue.pk} weighs "
            f"{issue.weight or 0}. Split it into smaller issues instead, or raise its weight."
        )
    epic = m.Epic.objects.create(
        title=issue.title, description=issue.description, confidential=issue.confidential, created_by=by
    )
    issue.epic = epic
    issue.save(update_fields=["epic", "updated_at"])
    _event(issue, by, EventKind.PROMOTED, new_value=epic.title[:255])
    return epic


# The handbook's process for a new tool evaluation; a tool-evaluation request carries it as a checklist.
TOOL_EVALUATION_STEPS = [
    "Discovery - understand the request",
    "Requirements gathering - document user stories, requirements, and features",
    "Evaluation - attend demos and compare features",
    "Stakeholder alignment - align stakeholders on vendor of choice",
    "Privacy and security reviews - ensure that the selected tool is compliant",
    "Negotiations and procurement",
    "Implementation",
    "Post-Implementation Review & Retro",
]


@transaction.atomic
def request_submit(
    *,
    requester,
    request_type: str,
    title: str,
    description: str,
    confidential: bool = False,
    labels=(),
    attachment: tuple[str, bytes] | None = None,
    attachment_rows: int = 0,
) -> Issue:
    """A request filed in the browser: the issue, its checklist, and its checked CSV in one transaction."""
    issue = issue_create(
        requester=requester,
        title=title,
        description=description,
        request_type=request_type,
        confidential=confidential,
        labels=labels,
    )
    if request_type == RequestType.TOOL_EVALUATION:
        m.ChecklistItem.objects.bulk_create(
            [m.ChecklistItem(issue=issue, position=i, text=text) for i, text in enumerate(TOOL_EVALUATION_STEPS, 1)]
        )
    if attachment is not None:
        attachment_create(issue=issue, name=attachment[0], content=attachment[1], by=requester, rows=attachment_rows)
    _event(issue, requester, EventKind.CREATED, new_value=RequestType(request_type).label)
    return issue


@transaction.atomic
def attachment_create(*, issue: Issue, name: str, content: bytes, by, rows: int = 0) -> "m.Attachment":
    from django.core.files.base import ContentFile

    attachment = m.Attachment(issue=issue, original_name=name[:255], size=len(content), row_count=rows, uploaded_by=by)
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def checklist_item_set(*, item: "m.ChecklistItem", done: bool, by) -> "m.ChecklistItem":
    """Tick or untick a checklist step; only MktgOps does, and who and when is kept."""
    if not user_is_mktgops(by):
        raise IssueMoveForbidden("Only MktgOps team members tick the evaluation steps.")
    item = m.ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if item.done == done:
        return item
    item.done = done
    item.done_by, item.done_at = (by, timezone.now()) if done else (None, None)
    item.save(update_fields=["done", "done_by", "done_at"])
    return item
