"""Writes: every change to an issue goes through one of these functions."""

import functools
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from accounts.roles import user_is_manager, user_is_mktgops
from audit.models import AuditKind
from audit.services import audit_record
from labels.models import Label
from labels.services import labels_check, labels_validate
from milestones.selectors import milestone_current, milestone_planning_refusal
from mktgops_portal.compiled_queries import CompiledInsert, CompiledQuery, CompiledUpdate
from mktgops_portal.errors import Conflict, Forbidden, Invalid, NotFound
from requests_app import events, policy, signals
from requests_app import models as m
from requests_app.errors import (
    NOT_FOUND,
    CollabErrorCode,
    IssueConflict,
    IssueError,
    IssueErrorCode,
    IssueForbidden,
    IssueMoveForbidden,
    IssueMoveRefused,
    IssueNotFound,
)
from requests_app.models import (
    COMMENT_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Comment,
    Issue,
    IssueEvent,
    IssueTransition,
    MembershipEntered,
    MembershipLeft,
    MilestoneMembership,
    RequestType,
    Stage,
)
from requests_app.policy import (
    EPIC_WEIGHT,
    issue_can_edit,
    issue_can_link,
    issue_closed_in_previous_milestone,
    issues_visible_to,
)
from requests_app.selectors import issue_column

User = get_user_model()


def _check_length(what: str, text: str, limit: int) -> None:
    """Refuse text longer than `limit` characters (the limits are in requests_app.models): IssueError 400."""
    if len(text or "") > limit:
        raise IssueError(
            f"The {what} is {len(text):,} characters long; at most {limit:,} are accepted.",
            code=IssueErrorCode.TOO_LONG,
        )


# Gap between neighbouring board positions: a drop takes the midpoint of its neighbours and
# rewrites only the dropped card; the column is renumbered only when a gap is used up.
POSITION_GAP = 1 << 16

# `issue_move(assignee_id=…)` left out: the assignee stays as it is (None means "nobody").
ASSIGNEE_UNCHANGED = object()


def _check_move(issue: Issue, to_stage: str, by, reason: str, *, sign_off: bool = False):
    """The bound transition to call, or raise the policy's refusal (`policy.issue_move_assess`)."""
    transition, option = policy.issue_move_assess(by, issue, to_stage)
    if option.refusal:
        raise IssueMoveRefused(option.refusal, code=IssueErrorCode.MOVE_GUARD_FAILED)
    issue._pending_reason = reason
    missing = [g for g in transition.conditions if g in policy.INPUT_GUARDS and not g(issue)]
    if sign_off:
        missing = [g for g in missing if g is not m.is_signed_off]
    if missing:
        whys = " and ".join(policy.GUARD_MESSAGES[g][0] for g in missing)
        todos = " and ".join(policy.GUARD_MESSAGES[g][1] for g in missing)
        raise IssueMoveRefused(
            f"Can't move #{issue.pk} to {Stage(to_stage).label}: {whys}. {todos[0].upper()}{todos[1:]} first.",
            code=IssueErrorCode.MOVE_GUARD_FAILED,
        )
    return getattr(issue, transition.name)


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
    sign_off: bool = False,
    now=None,
    assignee_id: "int | None | object" = ASSIGNEE_UNCHANGED,
) -> Issue:
    """Move issue `issue_id` to `to_stage` through its FSM transition, log it, and place it at `position`.

    The policy (`requests_app.policy.issue_move_assess`) decides whether `by` may: 404 `IssueNotFound` for a
    missing or hidden issue, 403 `IssueMoveForbidden`, 409 `IssueMoveRefused` (not in the workflow, a guard, a
    closed issue) or `IssueMoveConflict` (`expected_stage` differs). `sign_off=True` on 05 -> 06 records the
    business owner's sign-off in the same transaction (the owner, or a manager on their behalf).

    `position` is an index in the full column (the API). A filtered board column cannot know that
    index, so it says which cards the issue was dropped between instead: `after_id` (the card
    above) and/or `before_id` (the card below); they win over `position`.
    The row is read once, locked, so two people moving the same card serialise: the second sees the
    first one's stage and is refused (or told it changed, when it says which stage it expected).
    An issue `by` may not see is `IssueNotFound`, as a missing one is: its existence does not leak.
    `now` is the moment the move happens (default: now): the log's `at`, and the day the milestone guards judge by.
    `assignee_id` (a user id, or None for nobody) reassigns it in the same transaction, before the guards look:
    a card dropped into another person's swimlane (policy `issue_can_reassign`, else 403 `IssueForbidden` code
    `reassign_forbidden`; someone who cannot be assigned is 400 `IssueError` code `not_assignable`). It may
    stay in its stage.
    """
    now = now or timezone.now()
    if to_stage not in Stage.values:
        raise IssueMoveRefused(
            f"Unknown stage {to_stage!r}; stages are {', '.join(Stage.values)}.",
            code=IssueErrorCode.MOVE_NOT_IN_WORKFLOW,
        )
    _check_length("reason", reason, REASON_MAX_LENGTH)
    # Who may move comes first: a requester is told "not yours to move" (403), not why the move is invalid.
    if not user_is_mktgops(by):
        if not issues_visible_to(by).filter(pk=issue_id).exists():
            raise IssueNotFound(NOT_FOUND)
        raise IssueMoveForbidden("Only MktgOps team members can move issues between stages.")
    # One query locks the row and reads what the guards (milestone), the planning events and the callers'
    # responses (assignee) look at; then the policy says whether `by` may see it (a member of MktgOps may see every
    # issue; the check stays so the rule is asked, not assumed).
    found = ISSUE_LOCKED_READ.fetch(issue_id)
    if not found or not policy.issue_can_see(by, found[0]):
        raise IssueNotFound(NOT_FOUND)
    issue = found[0]
    policy.issue_move_expect(issue, expected_stage)
    reason = (reason or "").strip()
    placing = position is not None or after_id is not None or before_id is not None
    before = {"assignee": issue.assignee, "milestone": issue.milestone}
    reassigning = assignee_id is not ASSIGNEE_UNCHANGED and assignee_id != issue.assignee_id
    if issue.stage == to_stage and (placing or reassigning):
        if issue.closed_at is not None:
            raise IssueMoveRefused(
                f"#{issue.pk} is closed; reopen it before moving it.", code=IssueErrorCode.ISSUE_CLOSED
            )
        if not reassigning:
            issue_place(issue=issue, position=position, after_id=after_id, before_id=before_id)
            return issue
        _reassign(issue, assignee_id, by)  # a drop into another lane of the same column
        fields = [*_record_planning_changes(issue, by, before, now=now), "updated_at", "position"]
        issue.position = _position_for(issue, to_stage, position, after_id=after_id, before_id=before_id)
        _save_at(issue, now, fields)
        return issue
    if reassigning:
        _reassign(issue, assignee_id, by)
    wants_sign_off = sign_off and to_stage == Stage.READY_TO_DEPLOY and issue.signed_off_at is None
    if wants_sign_off:
        policy.issue_sign_off_check(by, issue)  # 403 for anyone but the owner or a manager, before anything else
    issue._today = timezone.localdate(now)  # the guards judge by the move's day (reset with `_pending_reason`)
    bound = _check_move(issue, to_stage, by, reason, sign_off=wants_sign_off)
    if wants_sign_off:
        # The owner's sign-off and the move commit together: a refused move leaves no sign-off behind.
        _sign_off(issue, by, now=now)
    from_stage = issue.stage
    try:
        bound()
    except TransitionNotAllowed as exc:  # a guard changed under us; the checks above explain the usual cases
        raise IssueMoveRefused(f"Can't move #{issue.pk} to {Stage(to_stage).label}: {exc}") from exc
    finally:
        issue._pending_reason, issue._today = "", None
    fields = ["stage", "blocked_from", "updated_at", *_record_planning_changes(issue, by, before, now=now), "position"]
    if issue.reply_waiting:  # MktgOps acted on the requester's answer
        issue.reply_waiting = False
        fields.append("reply_waiting")
    at_end = position is None and after_id is None and before_id is None
    if at_end:
        issue.position = _column_end(to_stage)
    else:
        issue.position = _position_for(issue, to_stage, position, after_id=after_id, before_id=before_id)
    _save_at(issue, now, fields)
    if at_end:
        del issue.position  # the database computed it: read back (one query) only if a caller asks
    transition = IssueTransition(issue=issue, by=by, from_stage=from_stage, to_stage=issue.stage, reason=reason, at=now)
    TRANSITION_INSERT.insert(transition)
    signals.issue_moved.send(sender=Issue, issue=issue, by=by, transition=transition)
    return issue


# A move's read of its issue, locked (`of=("self",)`: the issue's row alone), with what the move looks at. Not
# the requester: the notifications find them among the watchers. Compiled once (see mktgops_portal.compiled_queries):
# building and compiling it cost the ORM more than PostgreSQL spends running it.
ISSUE_LOCKED_READ = CompiledQuery(
    lambda issue_id: (
        Issue.objects.select_for_update(of=("self",)).select_related("assignee", "milestone").filter(pk=issue_id)
    )
)


# Saving an issue's changed fields is the write of every move: compiled once per shape (see
# mktgops_portal.compiled_queries). Nothing listens to an Issue's pre_save/post_save (it sends neither); changes
# are announced by requests_app.signals.
ISSUE_UPDATE = CompiledUpdate(Issue)
# And its log row (nothing listens to IssueTransition's save either).
TRANSITION_INSERT = CompiledInsert(IssueTransition)


def _save_at(issue: Issue, now, fields: list[str]) -> None:
    """`issue.save(update_fields=fields)` with `updated_at` stamped `now`, the service's clock."""
    issue._now, before = now, issue._now
    try:
        ISSUE_UPDATE.save(issue, fields)
    finally:
        issue._now = before


# One advisory lock per board column (PostgreSQL): class id, then the stage as a number.
COLUMN_LOCK_CLASS = 0x4D4B_5401


def _column_lock(stage: str) -> None:
    """Take the column's lock until the transaction ends: placements in one column go one at a time.

    Placements lock their own card's row first (issue_move), then this lock; `_renumber` skips the rows
    other transactions hold, so whoever holds this lock never waits for a row and no cycle (deadlock) can
    form. SQLite needs none: it runs one writing transaction at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [COLUMN_LOCK_CLASS, int(stage)])


def _column_rows(stage: str):
    """The column as a placement sees it: cards other transactions are placing right now are left out.

    Those cards hold their row and wait for the column's lock; they take their place after this one, so
    treating them as absent (SKIP LOCKED) is what they will see too, and nobody waits for a row here.
    """
    column = issue_column(stage)
    if connection.vendor == "postgresql":
        column = column.select_for_update(skip_locked=True, of=("self",))
    return column


def _reassign(issue: Issue, assignee_id: object, by) -> None:
    """Set `issue.assignee` (unsaved) to user `assignee_id` or nobody, as policy allows; raises its refusals."""
    if not policy.issue_can_reassign(by, issue):
        raise IssueForbidden(
            f"Only MktgOps team members can reassign #{issue.pk}.", code=IssueErrorCode.REASSIGN_FORBIDDEN
        )
    new = None if assignee_id is None else User.objects.filter(pk=cast(int, assignee_id)).first()
    if assignee_id is not None and not policy.user_assignable(new):
        who = new.get_username() if new else f"user {assignee_id}"
        raise IssueError(
            f"Can't assign #{issue.pk} to {who}: only active MktgOps team members can be assigned.",
            code=IssueErrorCode.NOT_ASSIGNABLE,
        )
    issue.assignee = new


def _record_planning_changes(issue: Issue, by, before: dict, *, now=None) -> list[str]:
    """Log an event for each planning field (assignee, milestone) that differs from `before`; the changed fields."""
    fields = []
    for field, old in before.items():
        new = getattr(issue, field)
        if old != new:
            fields.append(field)
            record = events.issue_assignee_changed if field == "assignee" else events.issue_milestone_changed
            record(issue, by=by, old=old, new=new, at=now)
            if field == "milestone":
                milestone_membership_change(issue_id=issue.pk, old_id=old.pk if old else None, new_id=None, now=now)
    return fields


def _column_end(stage: str) -> RawSQL:
    """The position after the last card of `stage` (GAP when empty), as an expression the UPDATE that moves a card
    into `stage` evaluates: one statement instead of reading the column's end first. Same result as
    `_position_for`'s end. The moving card is not in `stage` yet (a move to its own stage is refused before this),
    and a statement's subquery sees the table as it was before the statement, so the card need not be excluded.
    """
    return RawSQL(*_column_end_sql(connection.alias, stage))  # noqa: S611 - SQL compiled by the ORM, values as params


@functools.lru_cache(maxsize=64)
def _column_end_sql(alias: str, stage: str) -> tuple[str, tuple]:
    """`_column_end`'s SQL for one stage, compiled once per process from the column's own definition
    (`issue_column`): building and compiling that subquery on every move cost more than the rest of the UPDATE."""
    last = issue_column(stage).order_by("-position", "-pk").values("position")[:1]
    sql, params = last.query.get_compiler(alias).as_sql()
    return f"COALESCE(({sql}), 0) + %s", (*params, POSITION_GAP)


def _position_for(
    issue: Issue,
    stage: str,
    index: int | None,
    *,
    after_id: int | None = None,
    before_id: int | None = None,
    locked: bool = False,
) -> int:
    """A sparse position at `index` of the target column (the end when None), or between two cards.

    Read under the column's lock (`_column_lock`), so the neighbours read are the ones the position lands
    between: a renumbering in another transaction cannot slip in between the read and the write.
    """
    if not locked:
        _column_lock(stage)
    column = _column_rows(stage).exclude(pk=issue.pk)
    if after_id is not None or before_id is not None:
        between = _position_between(column, after_id=after_id, before_id=before_id)
        if between is not None:
            return between
        if (after_id is not None and column.filter(pk=after_id).exists()) or (
            before_id is not None and column.filter(pk=before_id).exists()
        ):
            _renumber(stage)  # the neighbours exist but no integer lies between them
            return _position_for(issue, stage, index, after_id=after_id, before_id=before_id, locked=True)
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
    return _position_for(issue, stage, index, locked=True)


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
    """Spread the column's positions out again (under the column's lock, see `_column_lock`).

    Rows another transaction holds are skipped, not waited for (`_column_rows`): they are cards being
    placed, which take their new position after this commits, so no deadlock can form.
    """
    ids = list(_column_rows(stage).values_list("pk", flat=True))
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
REQUEST_TYPE_LABELS: dict[str, list[str]] = {
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
    needed_by=None,
    now=None,
) -> Issue:
    """File an issue in 00. `needed_by` (a date) may not be in the past: Invalid(code=PAST_DATE)."""
    now = now or timezone.now()
    title = " ".join((title or "").split())  # one line: it heads cards, list rows, CSV cells and e-mail subjects
    if not title:
        raise IssueError("A request needs a title.")
    if request_type not in RequestType.values:
        raise IssueError(f"Unknown request type {request_type!r}.")
    _check_length("title", title, TITLE_MAX_LENGTH)
    _check_length("description", description, DESCRIPTION_MAX_LENGTH)
    needed_by_check(needed_by)
    confidential = confidential or policy.request_type_always_confidential(request_type)
    last = Issue.objects.filter(stage=Stage.TRIAGE).order_by("-position").values_list("position", flat=True).first()
    issue = Issue.objects.create(
        requester=requester,
        title=title[:255],
        description=description,
        request_type=request_type,
        confidential=confidential,
        needed_by=needed_by,
        position=(last or 0) + POSITION_GAP,
        created_at=now,
        updated_at=now,
    )
    names = [*REQUEST_TYPE_LABELS.get(request_type, []), *[getattr(lbl, "name", lbl) for lbl in labels]]
    if names:
        labels_attach(issue=issue, labels=list(Label.objects.filter(name__in=names)), by=requester, record=False)
    signals.issue_created.send(sender=Issue, issue=issue, by=requester)
    return issue


def _stays_confidential_check(request_type: str) -> None:
    """Raise `IssueConflict` (409, `stays_confidential`) when a request of this type may not be made public."""
    if policy.request_type_always_confidential(request_type):
        raise IssueConflict(policy.ALWAYS_CONFIDENTIAL_MESSAGE, code=IssueErrorCode.STAYS_CONFIDENTIAL)


def issue_update_check(*, issue: Issue, now=None, **changes) -> None:
    """Raise the refusal `issue_update` would give for `changes`, writing nothing (forms and the admin validate
    with it, so they say exactly what the service says).

    Raises `IssueError` (400: stage, assignee not in MktgOps, weight out of 0..1000) or `IssueConflict` (409:
    `milestone_closed`, `milestone_ended` from `milestones.selectors.milestone_planning_refusal`; `stays_confidential`).
    """
    if "stage" in changes:
        raise IssueError("The stage changes only through a move (POST …/move/).")
    new = changes.get("assignee")
    if new is not None and new != issue.assignee and not policy.user_assignable(new):
        raise IssueError(
            f"{new.get_username()} is not in MktgOps; only team members can be assigned.",
            code=IssueErrorCode.NOT_ASSIGNABLE,
        )
    new = changes.get("milestone")
    if new is not None and new.pk != issue.milestone_id:
        refusal = milestone_planning_refusal(new, timezone.localdate(now) if now else None)
        if refusal is not None:
            raise IssueConflict(refusal[1], code=refusal[0])
    new = changes.get("weight")
    if new is not None and not (0 <= int(new) <= 1000):
        raise IssueError("Weight must be between 0 and 1000.")
    if "confidential" in changes and not changes["confidential"]:
        _stays_confidential_check(changes.get("request_type", issue.request_type))
    if "labels" in changes:
        labels_validate(list(changes["labels"]))


@transaction.atomic
def issue_update(*, issue: Issue, by, now=None, **changes) -> Issue:
    """Triage fields: assignee, milestone, weight, business owner, rollover reason, confidential, labels.

    Stage is not among them: stages change only through `issue_move`. Every write path (triage form, API, admin)
    comes here, so each gets the same refusal (see `issue_update_check`).
    """
    now = now or timezone.now()
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    issue_update_check(issue=issue, now=now, **changes)
    fields = []
    if "assignee" in changes and changes["assignee"] != issue.assignee:
        new = changes["assignee"]
        events.issue_assignee_changed(issue, by=by, old=issue.assignee, new=new, at=now)
        issue.assignee = new
        fields.append("assignee")
    if "milestone" in changes and changes["milestone"] != issue.milestone:
        new = changes["milestone"]
        events.issue_milestone_changed(issue, by=by, old=issue.milestone, new=new, at=now)
        milestone_membership_change(
            issue_id=issue.pk, old_id=issue.milestone_id, new_id=new.pk if new else None, now=now
        )
        issue.milestone = new
        fields.append("milestone")
    if "weight" in changes and changes["weight"] != issue.weight:
        new = changes["weight"]
        events.issue_weight_changed(issue, by=by, old=issue.weight, new=new, at=now)
        issue.weight = new
        fields.append("weight")
    if "business_owner" in changes and changes["business_owner"] != issue.business_owner:
        issue.business_owner = changes["business_owner"]
        fields.append("business_owner")
    if "confidential" in changes and bool(changes["confidential"]) != issue.confidential:
        new = bool(changes["confidential"])
        events.issue_confidential_changed(issue, by=by, old=issue.confidential, new=new, at=now)
        audit_record(
            kind=AuditKind.CONFIDENTIAL_CHANGED,
            user=by,
            target_type="issue",
            target_id=issue.pk,
            data={"from": issue.confidential, "to": new},
        )
        issue.confidential = new
        fields.append("confidential")
    if "rollover_reason" in changes and (changes["rollover_reason"] or "") != issue.rollover_reason:
        _check_length("rollover reason", changes["rollover_reason"], REASON_MAX_LENGTH)
        issue.rollover_reason = (changes["rollover_reason"] or "").strip()
        issue.rollover_reason_by = by if issue.rollover_reason else None
        events.issue_rollover_reason_given(issue, by=by, reason=issue.rollover_reason, at=now)
        fields += ["rollover_reason", "rollover_reason_by"]
    if "needed_by" in changes and changes["needed_by"] != issue.needed_by:
        new = changes["needed_by"]
        needed_by_check(new)
        events.issue_needed_by_changed(issue, by=by, old=issue.needed_by, new=new, at=now)
        issue.needed_by = new
        fields.append("needed_by")
    if issue.reply_waiting and user_is_mktgops(by):
        issue.reply_waiting = False
        fields.append("reply_waiting")
    if fields:
        issue.updated_at = now
        fields.append("updated_at")
        _save_at(issue, now, fields)
    if "labels" in changes:
        labels_set(issue=issue, labels=list(changes["labels"]), by=by, now=now)
    if "assignee" in fields:
        signals.issue_assigned.send(sender=Issue, issue=issue, by=by, assignee=issue.assignee)
    return issue


@transaction.atomic
def comment_create(*, issue: Issue, author, body: str, is_system: bool = False, files=(), now=None) -> Comment:
    """A comment, with its files ((name, bytes) pairs, checked as `attachment_add` does).

    A comment by the requester or business owner on an issue in 01 is their answer: the issue returns to 00
    through the FSM (`requester_replied`, logged "requester replied") and the card shows "reply waiting" until
    MktgOps acts (issue 13). A comment by MktgOps is such an act. People's comments send `issue_commented`
    (or `issue_replied` for an answer); the portal's own (is_system) send nothing.
    """
    body = (body or "").strip()
    files = list(files)
    if not body and not files:
        raise IssueError("A comment can't be empty.")
    _check_length("comment", body, COMMENT_MAX_LENGTH)
    comment = Comment.objects.create(
        issue=issue, author=author, body=body, is_system=is_system, created_at=now or timezone.now()
    )
    for name, content in files:
        attachment_add(issue=issue, by=author, name=name, content=content, comment=comment)
    if is_system:
        return comment
    locked = Issue.objects.select_for_update().get(pk=issue.pk)
    if locked.stage == Stage.NEEDS_INFO and locked.closed_at is None and is_requester_answer(locked, author):
        locked.requester_replied()
        locked.position = _position_for(locked, Stage.TRIAGE, None)
        locked.save(update_fields=["stage", "reply_waiting", "position", "updated_at"])
        transition = IssueTransition.objects.create(
            issue=locked, by=author, from_stage=Stage.NEEDS_INFO, to_stage=Stage.TRIAGE, reason=REPLIED_REASON
        )
        signals.issue_replied.send(sender=Issue, issue=locked, by=author, transition=transition, comment=comment)
        return comment
    if locked.reply_waiting and user_is_mktgops(author):
        locked.reply_waiting = False
        locked.save(update_fields=["reply_waiting"])
    signals.issue_commented.send(sender=Issue, issue=locked, by=author, comment=comment)
    return comment


# The stage log's reason for the requester's answer moving 01 → 00.
REPLIED_REASON = "requester replied"


def is_requester_answer(issue: Issue, author) -> bool:
    """Whether `author` commenting answers MktgOps's question: the FSM's permission on `requester_replied`."""
    from django_fsm import has_transition_perm

    return has_transition_perm(issue.requester_replied, author)


def _sign_off(issue: Issue, by, *, now) -> None:
    role = policy.issue_sign_off_check(by, issue)
    owner_id = policy.issue_sign_off_owner_id(issue)
    issue.signed_off_by_id, issue.signed_off_at = owner_id, now
    _save_at(issue, now, ["signed_off_by", "signed_off_at", "updated_at"])
    owner = User.objects.get(pk=owner_id) if role == policy.SIGN_OFF_ON_BEHALF else by
    events.issue_signed_off(issue, by=by, owner=owner, on_behalf=role == policy.SIGN_OFF_ON_BEHALF, at=now)
    signals.issue_signed_off.send(sender=Issue, issue=issue, by=by)


@transaction.atomic
def issue_sign_off(*, issue: Issue, by, now=None) -> Issue:
    """Record the business owner's sign-off on an issue in 05.

    The owner (the requester when no owner is set) signs off themselves; a MktgOps manager may record it on their
    behalf ("recorded by X on behalf of Y" on the timeline). Raises `IssueForbidden` (403, `sign_off_not_owner`) for
    anyone else and `IssueMoveRefused` (409) outside 05 or when already signed off.
    """
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    _sign_off(issue, by, now=now or timezone.now())
    return issue


@transaction.atomic
def issue_close(*, issue: Issue, by, now=None) -> Issue:
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.closed_at:
        raise IssueError(f"#{issue.pk} is already closed.")
    issue.closed_at = now or timezone.now()
    # The milestone it was closed in decides later who may reopen it.
    issue.closed_in_milestone = issue.milestone or milestone_current(timezone.localdate(issue.closed_at))
    _save_at(issue, issue.closed_at, ["closed_at", "closed_in_milestone", "updated_at"])
    events.issue_closed(issue, by=by, milestone=issue.closed_in_milestone, at=issue.closed_at)
    signals.issue_closed.send(sender=Issue, issue=issue, by=by, duplicate_of=None)
    return issue


@transaction.atomic
def issue_reopen(*, issue: Issue, by, reason: str = "", now=None) -> Issue:
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if not issue.closed_at:
        raise IssueError(f"#{issue.pk} is open.")
    reason = (reason or "").strip()
    _check_length("reason", reason, REASON_MAX_LENGTH)
    if issue_closed_in_previous_milestone(issue):
        if not user_is_manager(by):
            raise IssueMoveForbidden(
                f"#{issue.pk} was closed in a previous milestone ({issue.closed_in_milestone}) and is not reopened. "
                "Comment on it with your question and ping the MktgOps DRI who worked it; they decide whether "
                "it comes back into a current milestone."
            )
        if not reason:
            raise IssueError(f"#{issue.pk} was closed in a previous milestone: give a reason to reopen it.")
    now = now or timezone.now()
    issue.closed_at = None
    issue.closed_in_milestone = None
    _save_at(issue, now, ["closed_at", "closed_in_milestone", "updated_at"])
    events.issue_reopened(issue, by=by, reason=reason, at=now)
    if reason:
        Comment.objects.create(issue=issue, author=by, body=f"Reopened: {reason}", created_at=now)
    return issue


@transaction.atomic
def issue_promote_to_epic(*, issue: Issue, by, now=None) -> "m.Epic":
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
    now = now or timezone.now()
    epic = m.Epic.objects.create(title=issue.title, description=issue.description, created_by=by, created_at=now)
    issue.epic = epic
    _save_at(issue, now, ["epic", "updated_at"])
    events.issue_promoted(issue, by=by, epic=epic, at=now)
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
    needed_by=None,
    files=(),
    now=None,
) -> Issue:
    """A request filed in the browser: the issue, its checklist, its checked CSV and its files ((name, bytes)
    pairs: screenshots, PDFs, spreadsheets, checked by `attachment_add`) in one transaction."""
    now = now or timezone.now()
    issue = issue_create(
        requester=requester,
        title=title,
        description=description,
        request_type=request_type,
        confidential=confidential,
        labels=labels,
        needed_by=needed_by,
        now=now,
    )
    if request_type == RequestType.TOOL_EVALUATION:
        m.ChecklistItem.objects.bulk_create(
            [m.ChecklistItem(issue=issue, position=i, text=text) for i, text in enumerate(TOOL_EVALUATION_STEPS, 1)]
        )
    if attachment is not None:
        attachment_create(
            issue=issue, name=attachment[0], content=attachment[1], by=requester, rows=attachment_rows, now=now
        )
    for name, content in files:
        attachment_add(issue=issue, by=requester, name=name, content=content)
    events.issue_created(issue, by=requester, request_type_label=RequestType(request_type).label, at=now)
    return issue


@transaction.atomic
def attachment_create(*, issue: Issue, name: str, content: bytes, by, rows: int = 0, now=None) -> "m.Attachment":
    from django.core.files.base import ContentFile

    attachment = m.Attachment(issue=issue, original_name=name[:255], size=len(content), row_count=rows, uploaded_by=by)
    attachment.uploaded_at = now or timezone.now()
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def checklist_item_set(*, item: "m.ChecklistItem", done: bool, by, now=None) -> "m.ChecklistItem":
    """Tick or untick a checklist step; only MktgOps does, and who and when is kept."""
    if not user_is_mktgops(by):
        raise IssueMoveForbidden("Only MktgOps team members tick the evaluation steps.")
    item = m.ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if item.done == done:
        return item
    item.done = done
    item.done_by, item.done_at = (by, now or timezone.now()) if done else (None, None)
    item.save(update_fields=["done", "done_by", "done_at"])
    return item


# --- Labels on issues ----------------------------------------------------------------------------------
# The labels app owns the taxonomy and its rules (`labels.services.labels_check`); putting labels on an issue and
# logging it is the issues' own write.


@transaction.atomic
def labels_attach(*, issue: Issue, labels: list, by, record: bool = True, now=None) -> list:
    """Add `labels`; a scoped label replaces the issue's other label of the same scope. Raises `LabelError`."""
    current = list(issue.labels.all())
    current_names = {lbl.name for lbl in current}
    labels_check(current_names, labels)
    new_scopes = {lbl.scope for lbl in labels if lbl.is_scoped}
    wanted_names = {lbl.name for lbl in labels}
    removed = [lbl for lbl in current if lbl.is_scoped and lbl.scope in new_scopes and lbl.name not in wanted_names]
    added = [lbl for lbl in labels if lbl.name not in current_names]
    if removed:
        issue.labels.remove(*removed)
    if added:
        issue.labels.add(*added)
    if record:
        events.issue_labels_changed(issue, by=by, added=added, removed=removed, at=now)
    return added


@transaction.atomic
def labels_detach(*, issue: Issue, labels: list, by, now=None) -> None:
    present = list(issue.labels.filter(pk__in=[lbl.pk for lbl in labels]))
    if present:
        issue.labels.remove(*present)
        events.issue_labels_changed(issue, by=by, added=[], removed=present, at=now)


@transaction.atomic
def labels_set(*, issue: Issue, labels: list, by, now=None) -> None:
    """Make the issue's labels exactly `labels` (the edit form, the admin and the API's PATCH)."""
    labels_validate(labels)
    wanted = {lbl.pk for lbl in labels}
    labels_detach(issue=issue, labels=[lbl for lbl in issue.labels.all() if lbl.pk not in wanted], by=by, now=now)
    labels_attach(issue=issue, labels=labels, by=by, now=now)


# --- Milestone membership and the rollover's issue side ---------------------------------------------------
# Each stay of an issue in a milestone is a MilestoneMembership row (the reports read them); the rollover
# (rollover app, above) asks `issues_roll_over` to move the issues, comment on each and log it.

ROLL_BATCH_SIZE = 1000


def milestone_membership_change(*, issue_id: int, old_id: int | None, new_id: int | None, now=None) -> None:
    """Record an issue leaving `old_id` (removed) and entering `new_id` (planned, or added late) at `now`."""
    now = now or timezone.now()
    if old_id is not None:
        MilestoneMembership.objects.filter(issue_id=issue_id, milestone_id=old_id, left_at__isnull=True).update(
            left_at=now, left_how=MembershipLeft.REMOVED
        )
    if new_id is not None:
        MilestoneMembership.objects.create(issue_id=issue_id, milestone_id=new_id, entered_at=now)


def _memberships_roll(*, ids: list[int], milestone, target, now) -> None:
    """The rollover's half of the membership history: out of `milestone`, into `target`, in bulk."""
    for start in range(0, len(ids), ROLL_BATCH_SIZE):
        MilestoneMembership.objects.filter(
            issue_id__in=ids[start : start + ROLL_BATCH_SIZE], milestone=milestone, left_at__isnull=True
        ).update(left_at=now, left_how=MembershipLeft.ROLLED_OUT)
    MilestoneMembership.objects.bulk_create(
        [
            MilestoneMembership(issue_id=pk, milestone=target, entered_at=now, entered_how=MembershipEntered.ROLLED_IN)
            for pk in ids
        ],
        batch_size=ROLL_BATCH_SIZE,
    )


def issues_roll_over(*, rows: list[dict], milestone, target, by, now, comment_body) -> None:
    """Move the issues of `rows` (dicts with "pk", read by the caller under lock) from `milestone` to `target`, in
    bulk: their milestone and rollover reason, their membership history, a system comment each
    (`comment_body(row) -> str`) and a milestone-changed event each. Queries do not grow with the number of rows
    (beyond batches of ROLL_BATCH_SIZE)."""
    ids = [row["pk"] for row in rows]
    for start in range(0, len(ids), ROLL_BATCH_SIZE):
        # The milestone changes, the stage does not: this is not a stage move, so no FSM transition.
        Issue.objects.filter(pk__in=ids[start : start + ROLL_BATCH_SIZE], milestone=milestone).update(
            milestone=target, rollover_reason="", rollover_reason_by=None, updated_at=now
        )
    _memberships_roll(ids=ids, milestone=milestone, target=target, now=now)
    Comment.objects.bulk_create(
        [
            Comment(issue_id=row["pk"], author=by, is_system=True, created_at=now, body=comment_body(row))
            for row in rows
        ],
        batch_size=ROLL_BATCH_SIZE,
    )
    events.issues_rolled_over([(pk, milestone, target) for pk in ids], by=by, at=now)
    if ids:
        # Each requester is told their request rolled over (notifications listens; issues do not know it).
        signals.issues_rolled_over.send(
            sender=Issue, issue_ids=ids, by=by, from_title=milestone.title, to_title=target.title
        )


# --- Working together on a request (issue 13): edits, attachments, needed-by dates, links, duplicates -------


def needed_by_check(day) -> None:
    """A needed-by date may be today or later (the site's time zone); raises Invalid(code=PAST_DATE)."""
    if day is not None and day < timezone.localdate():
        raise Invalid(
            f"The needed-by date {day:%-d %b %Y} is in the past; choose today or a later day.",
            code=CollabErrorCode.PAST_DATE,
        )


_UNSET = object()
# How the timeline names what an edit changed.
EDIT_FIELD_NAMES = {
    "title": "title",
    "description": "description",
    "needed_by": "needed-by date",
    "confidential": "confidentiality",
}


@transaction.atomic
def issue_edit(
    *,
    issue_id: int,
    by,
    title: str | None = None,
    description: str | None = None,
    needed_by=_UNSET,
    confidential: bool | None = None,
) -> Issue:
    """Change an issue's own text: title, description (which holds the type's fields), needed-by date,
    confidentiality. Who may: `policy.issue_can_edit` (the requester in 00/01, MktgOps any time).

    The previous values are kept in an IssueRevision the timeline's "edited" event links to. A requester may
    only turn confidentiality on. Raises NotFound (hidden or missing), Forbidden (EDIT_NOT_ALLOWED,
    CONFIDENTIAL_ONLY_ON), Invalid (EMPTY_TITLE, PAST_DATE). Returns the issue (unchanged when nothing changed).
    """
    issue = issues_visible_to(by).select_for_update(of=("self",)).filter(pk=issue_id).first()
    if issue is None:
        raise NotFound(NOT_FOUND)
    if not issue_can_edit(by, issue):
        raise Forbidden(
            f"#{issue.pk} can no longer be edited by its requester: edits are open in 00 and 01. Comment instead.",
            code=CollabErrorCode.EDIT_NOT_ALLOWED,
        )
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if title is not None:
        title = " ".join(title.split())[:255]
        if not title:
            raise Invalid("A request needs a title.", code=CollabErrorCode.EMPTY_TITLE)
        if title != issue.title:
            before["title"], after["title"] = issue.title, title
    if description is not None and description.strip() != issue.description.strip():
        _check_length("description", description.strip(), DESCRIPTION_MAX_LENGTH)
        before["description"], after["description"] = issue.description, description.strip()
    if needed_by is not _UNSET and needed_by != issue.needed_by:
        needed_by_check(needed_by)
        before["needed_by"] = issue.needed_by.isoformat() if issue.needed_by else None
        after["needed_by"] = needed_by.isoformat() if needed_by else None
    if confidential is not None and bool(confidential) != issue.confidential:
        if not confidential:
            _stays_confidential_check(issue.request_type)
        if not confidential and not policy.issue_can_make_public(by, issue):
            raise Forbidden(
                "Only MktgOps can make a confidential request public again.",
                code=CollabErrorCode.CONFIDENTIAL_ONLY_ON,
            )
        before["confidential"], after["confidential"] = issue.confidential, bool(confidential)
    if not after:
        return issue
    for field, value in after.items():
        setattr(issue, field, value if field != "needed_by" else needed_by)
    issue.save(update_fields=[*after, "updated_at"])
    revision = m.IssueRevision.objects.create(issue=issue, by=by, before=before, after=after)
    if "confidential" in after:
        audit_record(
            kind=AuditKind.CONFIDENTIAL_CHANGED,
            user=by,
            target_type="issue",
            target_id=issue.pk,
            data={"from": before["confidential"], "to": after["confidential"]},
        )
    events.issue_edited(issue, by=by, revision=revision, changed=", ".join(EDIT_FIELD_NAMES[f] for f in after))
    signals.issue_edited.send(sender=Issue, issue=issue, by=by, revision=revision)
    return issue


@transaction.atomic
def attachment_add(*, issue: Issue, by, name: str, content: bytes, comment: Comment | None = None) -> "m.Attachment":
    """Store one file on `issue` (and `comment`): its type decided from its bytes, images re-encoded
    (`requests_app.attachments.attachment_check`), at most ATTACHMENT_MAX_PER_ISSUE per issue.

    Raises Invalid (FILE_TYPE, FILE_TOO_LARGE, IMAGE_BROKEN, TOO_MANY_FILES).
    """
    from django.core.files.base import ContentFile

    from requests_app.attachments import attachment_check, attachment_max_per_issue

    limit = attachment_max_per_issue()
    if m.Attachment.objects.filter(issue=issue).count() >= limit:
        raise Invalid(
            f"#{issue.pk} already carries {limit} files, the most one request may have.",
            code=CollabErrorCode.TOO_MANY_FILES,
        )
    checked = attachment_check(name, content)
    attachment = m.Attachment(
        issue=issue,
        comment=comment,
        kind=checked.kind,
        content_type=checked.content_type,
        extension=checked.extension,
        width=checked.width,
        height=checked.height,
        original_name=(name or "file")[:255],
        size=len(checked.content),
        uploaded_by=by,
    )
    attachment.file.save(name or "file", ContentFile(checked.content), save=False)
    attachment.save()
    return attachment


# What a link reads like from either end.
LINK_KINDS_IN = {"relates": "relates", "blocks": "blocks", "blocked_by": "blocks", "duplicate_of": "duplicate_of"}


def _issue_for_update(user, pk) -> Issue:
    issue = issues_visible_to(user).select_for_update(of=("self",)).filter(pk=pk).first()
    if issue is None:
        raise NotFound(NOT_FOUND)
    return issue


@transaction.atomic
def issue_link_create(*, issue_id: int, other_id: int, kind: str, by) -> "m.IssueLink":
    """Link two issues `by` may see: `kind` is relates, blocks, blocked_by or duplicate_of (read from `issue_id`).

    Only MktgOps links (`policy.issue_can_link`). An event on both issues. Raises NotFound, Forbidden
    (LINK_NOT_ALLOWED), Invalid (LINK_KIND, LINK_SELF), Conflict (LINK_EXISTS).
    """
    if kind not in LINK_KINDS_IN:
        raise Invalid(f"Unknown link {kind!r}; links are {', '.join(LINK_KINDS_IN)}.", code=CollabErrorCode.LINK_KIND)
    if int(issue_id) == int(other_id):
        raise Invalid("An issue can't be linked to itself.", code=CollabErrorCode.LINK_SELF)
    # Locked in id order so two people linking the same pair never deadlock.
    first, second = sorted([int(issue_id), int(other_id)])
    locked = {first: _issue_for_update(by, first), second: _issue_for_update(by, second)}
    issue, other = locked[int(issue_id)], locked[int(other_id)]
    if not issue_can_link(by, issue):
        raise Forbidden("Only MktgOps team members link issues.", code=CollabErrorCode.LINK_NOT_ALLOWED)
    source, target = (other, issue) if kind == "blocked_by" else (issue, other)
    stored = LINK_KINDS_IN[kind]
    pair = Q(source=source, target=target) | (Q(source=target, target=source) if stored == "relates" else Q(pk=None))
    if m.IssueLink.objects.filter(pair, kind=stored).exists():
        raise Conflict(f"#{issue.pk} and #{other.pk} are already linked that way.", code=CollabErrorCode.LINK_EXISTS)
    link = m.IssueLink.objects.create(source=source, target=target, kind=stored, by=by)
    from requests_app.selectors import LINK_LABELS

    for (one, two), label in zip(((source, target), (target, source)), LINK_LABELS[stored], strict=True):
        events.issue_linked(one, by=by, other=two, kind=stored, label=label)
    signals.issue_linked.send(sender=Issue, issue=issue, by=by, link=link)
    return link


@transaction.atomic
def issue_link_delete(*, issue_id: int, link_id: int, by) -> None:
    """Remove a link of `issue_id`; same rights as creating one. Raises NotFound, Forbidden."""
    issue = _issue_for_update(by, issue_id)
    if not issue_can_link(by, issue):
        raise Forbidden("Only MktgOps team members link issues.", code=CollabErrorCode.LINK_NOT_ALLOWED)
    link = m.IssueLink.objects.filter(Q(source=issue) | Q(target=issue), pk=link_id).first()
    if link is None:
        raise NotFound("No such link on this issue.")
    from requests_app.selectors import LINK_LABELS

    ends = ((link.source_id, link.target_id), (link.target_id, link.source_id))
    for (one, two), label in zip(ends, LINK_LABELS[link.kind], strict=True):
        events.issue_unlinked(one, by=by, other_id=two, kind=link.kind, label=label)
    link.delete()


@transaction.atomic
def issue_close_as_duplicate(*, issue_id: int, original_id: int, by) -> Issue:
    """Close `issue_id` as a duplicate of `original_id`: the link (readable from both), a comment on each,
    the closing event; `issue_closed` carries `duplicate_of` so watchers move over and the requester is told.

    Raises NotFound, Forbidden (LINK_NOT_ALLOWED), Invalid (LINK_SELF), Conflict (ALREADY_CLOSED).
    """
    if int(issue_id) == int(original_id):
        raise Invalid("An issue can't be a duplicate of itself.", code=CollabErrorCode.LINK_SELF)
    first, second = sorted([int(issue_id), int(original_id)])
    locked = {first: _issue_for_update(by, first), second: _issue_for_update(by, second)}
    issue, original = locked[int(issue_id)], locked[int(original_id)]
    if not issue_can_link(by, issue):
        raise Forbidden("Only MktgOps team members close issues as duplicates.", code=CollabErrorCode.LINK_NOT_ALLOWED)
    if issue.closed_at is not None:
        raise Conflict(f"#{issue.pk} is already closed.", code=CollabErrorCode.ALREADY_CLOSED)
    m.IssueLink.objects.get_or_create(source=issue, target=original, kind="duplicate_of", defaults={"by": by})
    now = timezone.now()
    issue.closed_at = now
    issue.closed_in_milestone = issue.milestone or milestone_current()
    issue.save(update_fields=["closed_at", "closed_in_milestone", "updated_at"])
    events.issue_closed_as_duplicate(issue, by=by, original=original, milestone=issue.closed_in_milestone, at=now)
    events.issue_linked(original, by=by, other=issue, kind="duplicate_of", label="has duplicate", at=now)
    Comment.objects.bulk_create(
        [
            Comment(issue=issue, author=by, body=f"Closed as a duplicate of #{original.pk}.", created_at=now),
            Comment(issue=original, author=by, body=f"Closed #{issue.pk} as a duplicate of this one.", created_at=now),
        ]
    )
    signals.issue_closed.send(sender=Issue, issue=issue, by=by, duplicate_of=original)
    return issue


# --- Import (gitlab_import) -------------------------------------------------------------------------------
# The one path by which an importer writes issues. Kept apart from the moves above: an imported stage is what
# the source says, set through the model's `imported` transition and logged as an imported IssueTransition,
# never by writing the column around the log. Callers hold the transaction (one per imported issue).

IMPORT_FIELDS = ("requester", "assignee", "title", "description", "weight", "due_date", "milestone", "closed_at")


def issue_import_upsert(*, issue: Issue | None, values: dict) -> tuple[Issue, list[str]]:
    """Create the issue from `values`, or bring an existing one to them; returns (issue, changed field names).

    `values` holds the IMPORT_FIELDS plus `confidential` and `created_at` (kept from the source). Confidential
    only ever turns on: an issue once confidential stays so, whatever the source says later (handbook: PII).
    The issue's `closed_in_milestone` follows its milestone when it is closed (the reopen rule reads it).
    The stage is not set here: see `issue_stage_import`.
    """
    values = dict(values)
    values["title"] = " ".join((values.get("title") or "").split())[:255] or "(untitled)"
    closed_in = values["milestone"] if values.get("closed_at") else None
    if issue is None:
        last = Issue.objects.filter(stage=Stage.TRIAGE).order_by("-position").values_list("position", flat=True)
        issue = Issue.objects.create(
            **{name: values[name] for name in IMPORT_FIELDS},
            confidential=bool(values.get("confidential")),
            created_at=values["created_at"],
            closed_in_milestone=closed_in,
            position=(last.first() or 0) + POSITION_GAP,
        )
        return issue, ["created"]
    changed = [name for name in IMPORT_FIELDS if getattr(issue, name) != values[name]]
    for name in changed:
        setattr(issue, name, values[name])
    if values.get("confidential") and not issue.confidential:
        issue.confidential = True
        changed.append("confidential")
    if issue.closed_in_milestone != closed_in and (issue.closed_at is not None or closed_in is None):
        issue.closed_in_milestone = closed_in
        changed.append("closed_in_milestone")
    if changed:
        issue.save(update_fields=[*changed, "updated_at"])
    return issue, changed


def issue_stage_import(
    *, issue: Issue, stage: str, at, reason: str, blocked_from: str = "", by=None, new: bool | None = None
) -> IssueTransition | None:
    """Put `issue` in `stage` through its `imported` transition and log it (imported=True) at `at`.

    Returns the logged transition; None when the issue already is in `stage` (a re-import changes nothing),
    except for a new issue, whose first imported transition is always logged so its history says where it
    came from. `new` says whether the issue was just created (None: look at its log). `blocked_from` is where
    a Blocked issue returns to (Triage when the source does not say).
    Raises IssueError for a stage the portal does not have.
    """
    if stage not in Stage.values:
        raise IssueError(f"Unknown stage {stage!r}; stages are {', '.join(Stage.values)}.")
    first = not issue.transitions.exists() if new is None else new
    if issue.stage == stage and not first:
        return None
    from_stage = issue.stage
    issue.imported(stage)
    issue.blocked_from = (blocked_from or Stage.TRIAGE) if stage == Stage.BLOCKED else ""
    issue.save(update_fields=["stage", "blocked_from", "updated_at"])
    return IssueTransition.objects.create(
        issue=issue, by=by, from_stage=from_stage, to_stage=stage, reason=reason, at=at, imported=True
    )


def issue_history_import(*, issue: Issue, comments: list[dict], events: list[dict]) -> None:
    """Add imported comments ({author, body, created_at, is_system}) and timeline events ({by, kind,
    old_value, new_value, at}) to `issue`, in bulk. The caller decides which are new (it keys them)."""
    if comments:
        Comment.objects.bulk_create([Comment(issue=issue, **c) for c in comments])
    if events:
        IssueEvent.objects.bulk_create(
            [
                IssueEvent(
                    issue=issue,
                    by=e.get("by"),
                    kind=e["kind"],
                    old_value=(e.get("old_value") or "")[:255],
                    new_value=(e.get("new_value") or "")[:255],
                    at=e["at"],
                )
                for e in events
            ]
        )
