"""Rollover writes: move an ended milestone's unfinished issues (asking the issue services), post the Slack thread,
record each step so any run resumes where the last one stopped."""

import datetime
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from milestones.errors import MilestoneErrorCode
from milestones.models import Milestone
from milestones.selectors import milestone_rollover_target
from milestones.services import MilestoneError, milestone_rollover_finished, milestones_ensure_ahead
from requests_app.models import Issue, Stage
from requests_app.selectors import issues_unfinished_in
from requests_app.services import issues_roll_over
from rollover import thread as rollover_thread
from rollover.models import Rollover, RolloverEntry, RolloverReply, RolloverStatus
from slack_messages.services import (
    SlackError,
    SlackPermanentError,
    SlackRateLimited,
    SlackTransientError,
    slack_post,
)

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
        issues_unfinished_in(milestone)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values("pk", "title", "confidential", "stage", "assignee_id", "rollover_reason", "rollover_reason_by_id")
    )
    ids = [issue["pk"] for issue in issues]
    now = timezone.now()
    completed = Issue.objects.filter(milestone=milestone).count() - len(ids)

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

    # The issues' side (milestone, membership history, a comment and an event each) is the issue services'.
    issues_roll_over(
        rows=issues,
        milestone=milestone,
        target=target,
        by=by,
        now=now,
        comment_body=lambda row: rollover_comment_body(
            from_title=milestone.title,
            to_title=target.title,
            reason=row["rollover_reason"].strip(),
            reason_by=people.get(row["rollover_reason_by_id"], ("", ""))[0],
        ),
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
    # The milestone's lifecycle follows: ended → rolled over (planning's own write).
    milestone_rollover_finished(milestone_id=rollover.milestone_id)
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
            from rollover.tasks import milestone_rollover_task

            transaction.on_commit(lambda: milestone_rollover_task.delay(milestone.pk, getattr(by, "pk", None)))
    rollover.refresh_from_db()
    return rollover
