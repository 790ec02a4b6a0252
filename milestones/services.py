import datetime
import time
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from milestones import rollover_thread
from milestones.models import Milestone, Rollover, RolloverEntry, RolloverReply, RolloverStatus
from milestones.selectors import cadence_period, milestone_rollover_target, rollover_candidates
from mktgops_portal.errors import PortalError
from requests_app.models import Comment, EventKind, Issue, IssueEvent, Stage
from slack_messages.services import (
    SlackError,
    SlackPermanentError,
    SlackRateLimited,
    SlackTransientError,
    slack_post,
)


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


# --- Rollover -------------------------------------------------------------------------------------------
# A rollover runs in steps, each recorded before the next starts, so any run resumes where the last one
# stopped: (1) the issues move, with their comments, events and records, in one transaction; (2) the Slack
# parent is posted and its `ts` stored; (3) each planned reply is posted and its `ts` stored. Every step
# locks the Rollover row, so two workers at once take turns and the second finds the step done.
# Slack has no idempotency key: a worker killed after Slack took a message but before its `ts` was
# committed would post that one message again on resume. That window is one HTTP response long.

BATCH_SIZE = 1000
# A reply or parent that Slack rate-limits or fails is retried in the worker this many times
# (short waits only); past that the task retries itself later.
INLINE_ATTEMPTS = 3


def milestone_has_ended(milestone: Milestone, day: datetime.date | None = None) -> bool:
    return milestone.due_date < (day or timezone.localdate())


def rollover_get_or_create(*, milestone: Milestone, by=None) -> Rollover:
    if not milestone_has_ended(milestone):
        raise MilestoneError(
            f"{milestone.title} has not ended yet (it is due {milestone.due_date:%Y-%m-%d}); "
            "a milestone rolls over after its last day.",
            code=MilestoneErrorCode.NOT_ENDED,
        )
    # get_or_create re-reads on the unique-constraint race, so two workers get the same row.
    rollover, _ = Rollover.objects.get_or_create(
        milestone=milestone, defaults={"triggered_by": by, "channel": settings.SLACK_ROLLOVER_CHANNEL}
    )
    return rollover


def _rollover_target(milestone: Milestone, day: datetime.date | None = None) -> Milestone:
    target = milestone_rollover_target(milestone, day)
    if target is None:
        day = max(day or timezone.localdate(), milestone.due_date + datetime.timedelta(days=1))
        milestones_ensure_ahead(day=day, ahead=1)
        target = milestone_rollover_target(milestone, day)
    if target is None:
        raise MilestoneError(
            f"There is no open milestone after {milestone.title} to move its issues to.",
            code=MilestoneErrorCode.NO_NEXT_MILESTONE,
        )
    return target


def _people(ids: set) -> dict[int, tuple[str, str]]:
    """id -> (username, display name) for the given users, in one query."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=[pk for pk in ids if pk is not None])
    return {u.pk: (u.get_username(), u.get_full_name() or u.get_username()) for u in users}


def rollover_comment_body(*, from_title: str, to_title: str, reason: str, reason_by: str) -> str:
    if not reason:
        return f"Rolled over from {from_title} to {to_title}: **no reason given**."
    by = f" (reason from @{reason_by})" if reason_by else ""
    return f"Rolled over from {from_title} to {to_title}{by}:\n\n{reason}"


@transaction.atomic
def rollover_move_issues(*, rollover: Rollover, by=None, day: datetime.date | None = None) -> Rollover:
    """Step 1: move every open, not-Completed issue to the next milestone, once.

    Batched: one UPDATE for the issues, bulk inserts for comments, events, records and the planned
    Slack replies; the number of queries does not grow with the number of issues (beyond batches).
    """
    rollover = Rollover.objects.select_for_update().select_related("milestone").get(pk=rollover.pk)
    if rollover.moved_at is not None:
        return rollover
    milestone = rollover.milestone
    target = _rollover_target(milestone, day)
    # Plain rows, not model instances: at thousands of issues the instances cost more than the queries.
    issues = list(
        rollover_candidates(milestone)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values("pk", "title", "confidential", "stage", "assignee_id", "rollover_reason", "rollover_reason_by_id")
    )
    ids = [issue["pk"] for issue in issues]
    now = timezone.now()
    completed = Issue.objects.filter(milestone=milestone).count() - len(ids)
    for start in range(0, len(ids), BATCH_SIZE):
        # The milestone changes, the stage does not: this is not a stage move, so no FSM transition.
        Issue.objects.filter(pk__in=ids[start : start + BATCH_SIZE], milestone=milestone).update(
            milestone=target, rollover_reason="", rollover_reason_by=None, updated_at=now
        )
    _memberships_roll(ids=ids, milestone=milestone, target=target, now=now)

    people = _people({i["assignee_id"] for i in issues} | {i["rollover_reason_by_id"] for i in issues})
    issue_path = reverse("issue-detail", args=[0]).rsplit("0/", 1)[0]
    moved = [
        rollover_thread.MovedIssue(
            issue_id=issue["pk"],
            title=issue["title"],
            confidential=issue["confidential"],
            stage_short=Stage(issue["stage"]).short,
            url=f"{settings.SITE_URL}{issue_path}{issue['pk']}/",
            assignee_key=people.get(issue["assignee_id"], ("", ""))[0],
            assignee_name=people.get(issue["assignee_id"], ("", ""))[1],
            reason=issue["rollover_reason"].strip(),
            reason_by=people.get(issue["rollover_reason_by_id"], ("", ""))[0],
        )
        for issue in issues
    ]
    replies = rollover_thread.reply_messages(moved)
    reply_of = {issue_id: index for index, reply in enumerate(replies) for issue_id in reply.issue_ids}
    parent = rollover_thread.parent_message(
        milestone_title=milestone.title,
        to_title=target.title,
        completed=completed,
        moved=len(moved),
        report_url=f"{settings.SITE_URL}{reverse('milestone-report', args=[milestone.pk])}",
    )

    Comment.objects.bulk_create(
        [
            Comment(
                issue_id=m.issue_id,
                author=by,
                is_system=True,
                created_at=now,
                body=rollover_comment_body(
                    from_title=milestone.title, to_title=target.title, reason=m.reason, reason_by=m.reason_by
                ),
            )
            for m in moved
        ],
        batch_size=BATCH_SIZE,
    )
    IssueEvent.objects.bulk_create(
        [
            IssueEvent(
                issue_id=m.issue_id,
                by=by,
                kind=EventKind.MILESTONE_CHANGED,
                old_value=milestone.title[:255],
                new_value=target.title[:255],
                at=now,
            )
            for m in moved
        ],
        batch_size=BATCH_SIZE,
    )
    RolloverEntry.objects.bulk_create(
        [
            RolloverEntry(
                rollover=rollover,
                issue_id=issue["pk"],
                from_milestone=milestone,
                to_milestone=target,
                stage=issue["stage"],
                assignee_id=issue["assignee_id"],
                reason=issue["rollover_reason"].strip(),
                reason_by_id=issue["rollover_reason_by_id"],
                confidential=issue["confidential"],
                reply_index=reply_of.get(issue["pk"]),
                created_at=now,
            )
            for issue in issues
        ],
        batch_size=BATCH_SIZE,
    )
    RolloverReply.objects.bulk_create(
        [
            RolloverReply(rollover=rollover, index=index, heading=r.heading[:255], text=r.text, blocks=r.blocks)
            for index, r in enumerate(replies)
        ],
        batch_size=BATCH_SIZE,
    )
    rollover.to_milestone = target
    rollover.moved_count = len(moved)
    rollover.completed_count = completed
    rollover.parent_text = parent.text
    rollover.parent_blocks = parent.blocks
    rollover.moved_at = now
    rollover.status = RolloverStatus.ISSUES_MOVED
    if by is not None and rollover.triggered_by_id is None:
        rollover.triggered_by = by
    rollover.save(
        update_fields=[
            "to_milestone",
            "moved_count",
            "completed_count",
            "parent_text",
            "parent_blocks",
            "moved_at",
            "status",
            "triggered_by",
        ]
    )
    return rollover


def _slack_post_with_short_waits(**message):
    """One message, retried here only for short waits: a 429 of a few seconds, or a 5xx/network blip."""
    for attempt in range(1, INLINE_ATTEMPTS + 1):
        try:
            return slack_post(**message)
        except SlackRateLimited as exc:
            if exc.retry_after > settings.SLACK_RETRY_INLINE_MAX_SECONDS or attempt == INLINE_ATTEMPTS:
                raise
            time.sleep(exc.retry_after)
        except SlackTransientError:
            if attempt == INLINE_ATTEMPTS:
                raise
            time.sleep(min(settings.SLACK_RETRY_BACKOFF_SECONDS * attempt, settings.SLACK_RETRY_INLINE_MAX_SECONDS))
    raise AssertionError("unreachable")


def rollover_post_parent(*, rollover: Rollover) -> Rollover:
    """Step 2: post the parent message once and keep its `ts`."""
    with transaction.atomic():
        rollover = Rollover.objects.select_for_update().get(pk=rollover.pk)
        if rollover.parent_ts or rollover.moved_at is None:
            return rollover
        posted = _slack_post_with_short_waits(
            channel=rollover.channel, text=rollover.parent_text, blocks=rollover.parent_blocks
        )
        rollover.parent_ts = posted.ts
        rollover.parent_channel_id = posted.channel
        rollover.status = RolloverStatus.PARENT_POSTED
        rollover.save(update_fields=["parent_ts", "parent_channel_id", "status"])
    return rollover


def rollover_post_next_reply(*, rollover: Rollover) -> RolloverReply | None:
    """Step 3, one reply: the first planned reply not yet posted, in the parent's thread. None when all are."""
    with transaction.atomic():
        rollover = Rollover.objects.select_for_update().get(pk=rollover.pk)
        if not rollover.parent_ts:
            return None
        reply = rollover.replies.filter(ts="").order_by("index").first()
        if reply is None:
            return None
        posted = _slack_post_with_short_waits(
            channel=rollover.parent_channel_id or rollover.channel,
            text=reply.text,
            blocks=reply.blocks,
            thread_ts=rollover.parent_ts,
        )
        reply.ts = posted.ts
        reply.posted_at = timezone.now()
        reply.save(update_fields=["ts", "posted_at"])
    return reply


@transaction.atomic
def rollover_finish(*, rollover: Rollover) -> Rollover:
    rollover = Rollover.objects.select_for_update().get(pk=rollover.pk)
    if rollover.status == RolloverStatus.DONE:
        return rollover
    if rollover.moved_at is None or not rollover.parent_ts or rollover.replies.filter(ts="").exists():
        return rollover  # someone else is still at it; the run that posts the last reply finishes
    rollover.status = RolloverStatus.DONE
    rollover.finished_at = timezone.now()
    rollover.last_error = ""
    rollover.error_code = ""
    rollover.save(update_fields=["status", "finished_at", "last_error", "error_code"])
    return rollover


def rollover_record_error(*, rollover: Rollover, message: str, code: str = "", failed: bool) -> None:
    """Show what went wrong on the rollover's record; `failed` when retrying will not help."""
    changes = {"last_error": message, "error_code": code[:64]}
    if failed:
        changes["status"] = RolloverStatus.FAILED
    Rollover.objects.filter(pk=rollover.pk).exclude(status=RolloverStatus.DONE).update(**changes)


def milestone_rollover(*, milestone: Milestone, by=None, day: datetime.date | None = None) -> Rollover:
    """Run the rollover of an ended milestone, or resume it; a finished one is left as it is.

    `day` is the day it runs as (today by default): it decides which milestone is next. Loading history
    (the demo) passes the day after the milestone ended.

    Raises SlackRateLimited / SlackTransientError for the task to retry later (the error is already on
    the record); an error that will not pass (channel_not_found, invalid_auth, ...) marks it failed.
    """
    rollover = rollover_get_or_create(milestone=milestone, by=by)
    if rollover.status == RolloverStatus.DONE:
        return rollover
    Rollover.objects.filter(pk=rollover.pk).update(
        attempts=F("attempts") + 1, started_at=rollover.started_at or timezone.now()
    )
    rollover = rollover_move_issues(rollover=rollover, by=by, day=day)
    try:
        rollover = rollover_post_parent(rollover=rollover)
        while rollover_post_next_reply(rollover=rollover) is not None:
            pass
    except SlackPermanentError as exc:
        rollover_record_error(rollover=rollover, message=str(exc), code=exc.code, failed=True)
        rollover.refresh_from_db()
        return rollover
    except SlackError as exc:
        rollover_record_error(rollover=rollover, message=str(exc), code=type(exc).__name__, failed=False)
        raise
    return rollover_finish(rollover=rollover)


def rollover_request(*, milestone: Milestone, by) -> Rollover:
    """A manager asks for the rollover (button or API): record it and queue the task after commit."""
    with transaction.atomic():
        rollover = rollover_get_or_create(milestone=milestone, by=by)
        if rollover.status != RolloverStatus.DONE:
            from milestones.tasks import milestone_rollover_task

            transaction.on_commit(lambda: milestone_rollover_task.delay(milestone.pk, getattr(by, "pk", None)))
    rollover.refresh_from_db()
    return rollover


def milestone_membership_change(*, issue_id: int, old_id: int | None, new_id: int | None) -> None:
    """Record an issue leaving `old_id` (removed) and entering `new_id` (planned, or added late)."""
    from milestones.models import MembershipLeft, MilestoneMembership

    now = timezone.now()
    if old_id is not None:
        MilestoneMembership.objects.filter(issue_id=issue_id, milestone_id=old_id, left_at__isnull=True).update(
            left_at=now, left_how=MembershipLeft.REMOVED
        )
    if new_id is not None:
        MilestoneMembership.objects.create(issue_id=issue_id, milestone_id=new_id, entered_at=now)


def _memberships_roll(*, ids: list[int], milestone: Milestone, target: Milestone, now) -> None:
    """The rollover's half of the membership history: out of `milestone`, into `target`, in bulk."""
    from milestones.models import MembershipEntered, MembershipLeft, MilestoneMembership

    for start in range(0, len(ids), BATCH_SIZE):
        MilestoneMembership.objects.filter(
            issue_id__in=ids[start : start + BATCH_SIZE], milestone=milestone, left_at__isnull=True
        ).update(left_at=now, left_how=MembershipLeft.ROLLED_OUT)
    MilestoneMembership.objects.bulk_create(
        [
            MilestoneMembership(issue_id=pk, milestone=target, entered_at=now, entered_how=MembershipEntered.ROLLED_IN)
            for pk in ids
        ],
        batch_size=BATCH_SIZE,
    )
