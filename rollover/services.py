"""Rollover writes: move an ended milestone's unfinished issues (asking the issue services), post the Slack thread,
record each step so any run resumes where the last one stopped."""

import datetime
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from milestones.errors import MilestoneErrorCode
from milestones.models import Milestone, MilestoneState, state_by_dates
from milestones.selectors import milestone_rollover_target
from milestones.services import MilestoneError, milestone_rollover_finished, milestones_ensure_ahead
from requests_app.models import Issue, MilestoneMembership, Stage
from requests_app.selectors import issues_unfinished_in
from requests_app.services import issues_roll_over
from rollover import thread as rollover_thread
from rollover.models import Rollover, RolloverEntry, RolloverReply, RolloverStatus
from slack_messages.services import (
    SlackError,
    SlackPermanentError,
    SlackPosted,
    SlackRateLimited,
    SlackTransientError,
    slack_find,
    slack_post,
)
from task_outbox.services import task_outbox_add

logger = logging.getLogger(__name__)

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


def rollover_get_or_create(*, milestone: Milestone, by=None, now=None) -> Rollover:
    if not milestone_has_ended(milestone, timezone.localdate(now) if now else None):
        raise MilestoneError(
            f"{milestone.title} has not ended yet (it is due {milestone.due_date:%Y-%m-%d}); "
            "a milestone rolls over after its last day.",
            code=MilestoneErrorCode.NOT_ENDED,
        )
    # get_or_create re-reads on the unique-constraint race, so two workers get the same row.
    rollover, _ = Rollover.objects.get_or_create(
        milestone=milestone,
        defaults={"triggered_by": by, "channel": settings.SLACK_ROLLOVER_CHANNEL, "created_at": now or timezone.now()},
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
def rollover_move_issues(
    *, rollover: Rollover, by=None, day: datetime.date | None = None, now: datetime.datetime | None = None
) -> Rollover:
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
    now = now or timezone.now()
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
    # Each message tagged with its marker, so an unknown outcome can be looked up in Slack (see rollover_deliver).
    replies = [
        rollover_thread.with_marker(reply, rollover_thread.marker(rollover.pk, number))
        for number, reply in enumerate(rollover_thread.reply_messages(moved), start=1)
    ]
    reply_of = {issue_id: index for index, reply in enumerate(replies) for issue_id in reply.issue_ids}
    parent = rollover_thread.with_marker(
        rollover_thread.parent_message(
            milestone_title=milestone.title,
            to_title=target.title,
            completed=completed,
            moved=len(moved),
            report_url=f"{settings.SITE_URL}{reverse('milestone-report', args=[milestone.pk])}",
        ),
        rollover_thread.marker(rollover.pk, 0),
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


@dataclass(frozen=True)
class MessageClaim:
    """One thread message a run has claimed: what to send where, and since when it may already be in Slack."""

    reply_pk: int | None  # None: the parent
    channel: str
    text: str
    blocks: list
    thread_ts: str
    tag: str  # its marker (rollover_thread.marker), "" for a message planned before markers existed
    since: datetime.datetime  # the first attempt's time: where a search for it starts
    unknown: bool  # an earlier attempt's outcome is unknown: look for it before posting


class RolloverLeaseLost(Exception):
    """Another run holds the rollover's lease now (this run's lapsed): stop without touching Slack."""


def _lease_seconds() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ROLLOVER_LEASE_SECONDS)


def rollover_lease_take(*, rollover: Rollover, owner: str) -> bool:
    """Take the rollover's lease for `owner` (one short transaction). False when another live run holds it.

    A lease lapses ROLLOVER_LEASE_SECONDS after its last renewal; every message claimed renews it, and one
    message's Slack calls (INLINE_ATTEMPTS x SLACK_TIMEOUT_SECONDS plus waits) take less than that.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = Rollover.objects.select_for_update().get(pk=rollover.pk)
        if locked.lease_owner not in ("", owner) and locked.lease_until and locked.lease_until > now:
            return False
        locked.lease_owner, locked.lease_until = owner, now + _lease_seconds()
        locked.save(update_fields=["lease_owner", "lease_until"])
    return True


def rollover_lease_release(*, rollover: Rollover, owner: str, resume_at: datetime.datetime | None = None) -> None:
    """Give the lease back; `resume_at` keeps the stall sweep away until a scheduled retry is due."""
    Rollover.objects.filter(pk=rollover.pk, lease_owner=owner).update(lease_owner="", lease_until=resume_at)


def rollover_claim_next(*, rollover: Rollover, owner: str) -> MessageClaim | None:
    """Claim the next unposted message (parent first, then replies in order) in one short transaction.

    Marks it attempted before any network call, so whoever comes next knows it may be in Slack already.
    None when the whole thread is posted (or the issues have not moved). Raises RolloverLeaseLost.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = Rollover.objects.select_for_update().get(pk=rollover.pk)
        if locked.lease_owner != owner:
            raise RolloverLeaseLost(f"Another run took over the rollover of milestone {locked.milestone_id}.")
        locked.lease_until = now + _lease_seconds()
        locked.save(update_fields=["lease_until"])
        if locked.moved_at is None:
            return None
        if not locked.parent_ts:
            if locked.parent_attempted_at is None:
                Rollover.objects.filter(pk=locked.pk).update(parent_attempted_at=now)
            tag = rollover_thread.marker(locked.pk, 0)
            return MessageClaim(
                reply_pk=None,
                channel=locked.channel,
                text=locked.parent_text,
                blocks=locked.parent_blocks,
                thread_ts="",
                tag=tag if tag in locked.parent_text else "",
                since=locked.parent_attempted_at or now,
                unknown=locked.parent_attempted_at is not None,
            )
        reply = locked.replies.filter(ts="").order_by("index").first()
        if reply is None:
            return None
        if reply.attempted_at is None:
            RolloverReply.objects.filter(pk=reply.pk).update(attempted_at=now)
        tag = rollover_thread.marker(locked.pk, reply.index + 1)
        return MessageClaim(
            reply_pk=reply.pk,
            channel=locked.parent_channel_id or locked.channel,
            text=reply.text,
            blocks=reply.blocks,
            thread_ts=locked.parent_ts,
            tag=tag if tag in reply.text else "",
            since=reply.attempted_at or now,
            unknown=reply.attempted_at is not None,
        )


def rollover_deliver(claim: MessageClaim) -> SlackPosted:
    """Get the claimed message into Slack exactly once: found again if an earlier try reached Slack, else posted.

    Called outside any transaction. Short waits (a 429 of a few seconds, a 5xx or network blip) are
    retried here; a timeout or dropped connection is an unknown outcome, so the next try looks first.
    Raises SlackRateLimited / SlackTransientError / SlackPermanentError.
    """
    unknown = claim.unknown
    for attempt in range(1, INLINE_ATTEMPTS + 1):
        try:
            if unknown and claim.tag:
                found = slack_find(
                    channel=claim.channel,
                    tag=claim.tag,
                    thread_ts=claim.thread_ts,
                    oldest=claim.since - datetime.timedelta(minutes=2),  # clocks differ a little
                )
                if found is not None:
                    return found
            return slack_post(channel=claim.channel, text=claim.text, blocks=claim.blocks, thread_ts=claim.thread_ts)
        except SlackRateLimited as exc:
            if exc.retry_after > settings.SLACK_RETRY_INLINE_MAX_SECONDS or attempt == INLINE_ATTEMPTS:
                raise
            time.sleep(exc.retry_after)
        except SlackTransientError:
            unknown = True  # Slack may have taken it before the answer was lost
            if attempt == INLINE_ATTEMPTS:
                raise
            time.sleep(min(settings.SLACK_RETRY_BACKOFF_SECONDS * attempt, settings.SLACK_RETRY_INLINE_MAX_SECONDS))
    raise AssertionError("unreachable")


def rollover_record_posted(*, rollover: Rollover, claim: MessageClaim, posted: SlackPosted, now=None) -> None:
    """Keep the posted message's `ts` (one short transaction), whoever holds the lease now: it is in Slack."""
    now = now or timezone.now()
    with transaction.atomic():
        if claim.reply_pk is None:
            Rollover.objects.filter(pk=rollover.pk, parent_ts="").update(
                parent_ts=posted.ts, parent_channel_id=posted.channel, status=RolloverStatus.PARENT_POSTED
            )
        else:
            RolloverReply.objects.filter(pk=claim.reply_pk, ts="").update(ts=posted.ts, posted_at=now)


def rollover_post_next(*, rollover: Rollover, owner: str, now=None) -> bool:
    """Claim, deliver and record the next message of the thread; False when none is left."""
    claim = rollover_claim_next(rollover=rollover, owner=owner)
    if claim is None:
        return False
    rollover_record_posted(rollover=rollover, claim=claim, posted=rollover_deliver(claim), now=now)
    return True


def _post_one_alone(rollover: Rollover, *, parent: bool, now=None) -> bool:
    owner = f"single-{uuid.uuid4().hex}"
    if not rollover_lease_take(rollover=rollover, owner=owner):
        return False
    try:
        if parent and Rollover.objects.filter(pk=rollover.pk).exclude(parent_ts="").exists():
            return False
        return rollover_post_next(rollover=rollover, owner=owner, now=now)
    finally:
        rollover_lease_release(rollover=rollover, owner=owner)


def rollover_post_parent(*, rollover: Rollover) -> Rollover:
    """Step 2 on its own (benchmarks, tests): post the parent once, under a lease of its own."""
    _post_one_alone(rollover, parent=True)
    return Rollover.objects.get(pk=rollover.pk)


def rollover_post_next_reply(*, rollover: Rollover, now=None) -> RolloverReply | None:
    """Step 3, one reply on its own: the first unposted reply; None when all are (or another run is at it)."""
    if not Rollover.objects.filter(pk=rollover.pk).exclude(parent_ts="").exists():
        return None
    before = set(rollover.replies.exclude(ts="").values_list("pk", flat=True))
    if not _post_one_alone(rollover, parent=False, now=now):
        return None
    return rollover.replies.exclude(ts="").exclude(pk__in=before).order_by("index").first()


@transaction.atomic
def rollover_finish(*, rollover: Rollover, now=None) -> Rollover:
    rollover = Rollover.objects.select_for_update().get(pk=rollover.pk)
    if rollover.status == RolloverStatus.DONE:
        return rollover
    if rollover.moved_at is None or not rollover.parent_ts or rollover.replies.filter(ts="").exists():
        return rollover  # someone else is still at it; the run that posts the last reply finishes
    rollover.status = RolloverStatus.DONE
    rollover.finished_at = now or timezone.now()
    rollover.last_error = ""
    rollover.error_code = ""
    rollover.lease_owner, rollover.lease_until = "", None
    rollover.save(update_fields=["status", "finished_at", "last_error", "error_code", "lease_owner", "lease_until"])
    # The milestone's lifecycle follows: ended → rolled over (planning's own write).
    milestone_rollover_finished(milestone_id=rollover.milestone_id)
    return rollover


def rollover_record_error(*, rollover: Rollover, message: str, code: str = "", failed: bool) -> None:
    """Show what went wrong on the rollover's record; `failed` when retrying will not help."""
    changes = {"last_error": message, "error_code": code[:64]}
    if failed:
        changes["status"] = RolloverStatus.FAILED
    Rollover.objects.filter(pk=rollover.pk).exclude(status=RolloverStatus.DONE).update(**changes)


def milestone_rollover(
    *,
    milestone: Milestone,
    by=None,
    day: datetime.date | None = None,
    owner: str | None = None,
    now: datetime.datetime | None = None,
) -> Rollover:
    """Run the rollover of an ended milestone, or resume it; a finished one is left as it is.

    `day` is the day it runs as (today by default): it decides which milestone is next. Loading history
    (the demo) passes the day after the milestone ended. `owner` names this run for the lease (a task
    passes its id); while another live run holds the lease this returns at once, leaving it to that run.

    Raises SlackRateLimited / SlackTransientError for the task to retry later (the error is already on
    the record), and database errors (a dropped connection) likewise; an error that will not pass
    (channel_not_found, invalid_auth, a message that cannot be built ...) marks it failed.
    """
    day = day or (timezone.localdate(now) if now else None)
    rollover = rollover_get_or_create(milestone=milestone, by=by, now=now)
    if rollover.status == RolloverStatus.DONE:
        return rollover
    owner = owner or f"run-{uuid.uuid4().hex}"
    if not rollover_lease_take(rollover=rollover, owner=owner):
        rollover.refresh_from_db()
        return rollover
    resume_at = None
    try:
        Rollover.objects.filter(pk=rollover.pk).update(
            attempts=F("attempts") + 1, started_at=rollover.started_at or now or timezone.now()
        )
        rollover = rollover_move_issues(rollover=rollover, by=by, day=day, now=now)
        while rollover_post_next(rollover=rollover, owner=owner, now=now):
            pass
    except RolloverLeaseLost:
        rollover.refresh_from_db()
        return rollover
    except rollover_thread.MessageNotBuildable as exc:
        rollover_record_error(rollover=rollover, message=f"The Slack thread could not be built: {exc}",
                              code=MilestoneErrorCode.MESSAGE_NOT_BUILDABLE, failed=True)  # fmt: skip
        rollover.refresh_from_db()
        return rollover
    except SlackPermanentError as exc:
        rollover_record_error(rollover=rollover, message=str(exc), code=exc.code, failed=True)
        rollover.refresh_from_db()
        return rollover
    except SlackError as exc:
        rollover_record_error(rollover=rollover, message=str(exc), code=type(exc).__name__, failed=False)
        if isinstance(exc, SlackRateLimited):
            resume_at = timezone.now() + datetime.timedelta(seconds=exc.retry_after)
        raise
    finally:
        try:
            rollover_lease_release(rollover=rollover, owner=owner, resume_at=resume_at)
        except DatabaseError:
            logger.warning("Could not release the lease of rollover %s; it lapses by itself.", rollover.pk)
    return rollover_finish(rollover=rollover, now=now)


def rollovers_stalled() -> "QuerySet[Rollover]":
    """Unfinished rollovers no run is working on: lease lapsed (a killed worker) or a request whose task was lost.

    The beat sweep (rollover.tasks.rollovers_resume_stalled_task) queues each again.
    """
    now = timezone.now()
    quiet = now - datetime.timedelta(seconds=settings.ROLLOVER_STALL_SECONDS)
    return Rollover.objects.filter(
        status__in=[RolloverStatus.PENDING, RolloverStatus.ISSUES_MOVED, RolloverStatus.PARENT_POSTED]
    ).filter(Q(lease_until__lt=quiet) | Q(lease_until__isnull=True, created_at__lt=quiet))


def rollover_request(*, milestone: Milestone, by) -> Rollover:
    """A manager asks for the rollover (button or API): record it and queue the task after commit."""
    with transaction.atomic():
        rollover = rollover_get_or_create(milestone=milestone, by=by)
        if rollover.status != RolloverStatus.DONE:
            # With the request (task outbox): a broker that is down delays the run, never loses it.
            task_outbox_add("rollover.tasks.milestone_rollover_task", milestone.pk, getattr(by, "pk", None))
    rollover.refresh_from_db()
    return rollover


# --- Import (gitlab_import): milestones and their rollover history as GitLab kept them ------------------
# Milestones and their history as another tool kept them: dates kept as they were (they may be off the
# cadence), marked imported. An ended imported milestone gets a finished Rollover record without a Slack
# thread, so the scheduled rollover never re-runs history (and never posts years of threads).


def milestone_import_upsert(
    *, title: str, start: datetime.date, due: datetime.date, closed_at=None, today: datetime.date | None = None
) -> tuple[Milestone, str]:
    """The milestone for an imported one: (milestone, "created" | "updated" | "unchanged" | "matched").

    Matched by title, else by start date (the portal holds one milestone per start date): a cadence
    milestone over the same days is the same milestone, "matched" and left as it is. Raises MilestoneError
    when the due date is before the start.
    """
    if due < start:
        raise MilestoneError(
            f"{title}: its due date {due} is before its start {start}.", code=MilestoneErrorCode.CONFLICT
        )
    milestone = Milestone.objects.filter(title=title).first() or Milestone.objects.filter(start_date=start).first()
    outcome = "unchanged"
    if milestone is None:
        day = today or timezone.localdate()
        milestone = Milestone.objects.create(
            title=title[:120],
            start_date=start,
            due_date=due,
            closed_at=closed_at,
            imported=True,
            state=MilestoneState.CLOSED if closed_at else state_by_dates(start, due, day),
        )
        outcome = "created"
    elif not milestone.imported:
        return milestone, "matched"
    else:
        changes = {"due_date": due, "closed_at": closed_at}
        if not Milestone.objects.filter(start_date=start).exclude(pk=milestone.pk).exists():
            changes["start_date"] = start
        changed = [name for name, value in changes.items() if getattr(milestone, name) != value]
        for name in changed:
            setattr(milestone, name, changes[name])
        if changed:
            milestone.save(update_fields=changed)
            outcome = "updated"
    if milestone.due_date < (today or timezone.localdate()):
        # It rolled over in GitLab the day after it ended (as far as anyone can tell now).
        after = timezone.make_aware(
            datetime.datetime.combine(milestone.due_date + datetime.timedelta(days=1), datetime.time.min)
        )
        Rollover.objects.get_or_create(
            milestone=milestone,
            defaults={"status": RolloverStatus.DONE, "channel": "", "moved_at": after, "finished_at": after},
        )
    return milestone, outcome


def milestone_history_import(*, issue_id: int, stays: list[dict], rollovers: list[dict], new: bool = False) -> bool:
    """Make `issue_id`'s milestone history exactly `stays` ({milestone_id, entered_at, entered_how, left_at,
    left_how}) and its imported rollover records `rollovers` ({from_id, to_id, at, stage, assignee_id,
    confidential}). Returns whether anything changed; the same history twice writes nothing.

    A rollover record belongs to the source milestone's Rollover (one per milestone, made by
    `milestone_import_upsert` for ended ones, or here); the report counts chronic issues from them.
    `new`: the issue was just created, so it has no history to compare with.
    """
    fields = ("milestone_id", "entered_at", "entered_how", "left_at", "left_how")
    wanted = [{name: stay.get(name) or ("" if name == "left_how" else None) for name in fields} for stay in stays]
    if not new:
        current = list(
            MilestoneMembership.objects.filter(issue_id=issue_id).order_by("entered_at", "pk").values(*fields)
        )
        have_rolls = set(
            RolloverEntry.objects.filter(issue_id=issue_id).values_list("from_milestone_id", "to_milestone_id")
        )
        if current == wanted and have_rolls == {(r["from_id"], r["to_id"]) for r in rollovers}:
            return False
        MilestoneMembership.objects.filter(issue_id=issue_id).delete()
        # Imported rollover records (their Rollover has no Slack channel) that the source no longer has.
        RolloverEntry.objects.filter(issue_id=issue_id, rollover__channel="").exclude(
            rollover__milestone_id__in=[r["from_id"] for r in rollovers]
        ).delete()
    if new and not wanted and not rollovers:
        return False
    MilestoneMembership.objects.bulk_create([MilestoneMembership(issue_id=issue_id, **stay) for stay in wanted])
    for r in rollovers:
        rollover, _ = Rollover.objects.get_or_create(
            milestone_id=r["from_id"],
            defaults={"status": RolloverStatus.DONE, "channel": "", "moved_at": r["at"], "finished_at": r["at"]},
        )
        RolloverEntry.objects.update_or_create(
            rollover=rollover,
            issue_id=issue_id,
            defaults={
                "from_milestone_id": r["from_id"],
                "to_milestone_id": r["to_id"],
                "stage": r["stage"],
                "assignee_id": r["assignee_id"],
                "confidential": r["confidential"],
                "created_at": r["at"],
            },
        )
    return True


def milestone_import_finish(*, milestone_ids: list[int]) -> None:
    """After an import: each imported rollover's counts and target from its records."""
    from django.db.models import Count, Max

    rows = (
        RolloverEntry.objects.filter(rollover__milestone_id__in=milestone_ids, rollover__channel="")
        .values("rollover_id")
        .annotate(n=Count("pk"), to=Max("to_milestone_id"))
    )
    for row in rows:
        Rollover.objects.filter(pk=row["rollover_id"]).update(moved_count=row["n"], to_milestone_id=row["to"])
