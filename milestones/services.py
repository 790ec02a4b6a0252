"""Planning writes: milestones on the cadence, their lifecycle, handbook merge request and closing. Knows nothing
of issues; the rollover app (above) tells it when a rollover finished."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from accounts.roles import user_is_manager
from milestones.errors import MilestoneErrorCode
from milestones.models import Milestone, MilestoneEvent, MilestoneState, rollover_is_done, state_by_dates
from milestones.selectors import cadence_period
from mktgops_portal.errors import Conflict, Forbidden, Invalid


class MilestoneError(Conflict):
    """A milestone change that the milestone's state refuses (409); the message says why, `code` which rule."""

    default_code = MilestoneErrorCode.CONFLICT


def milestone_title(start: datetime.date, due: datetime.date) -> str:
    return f"MktgOps {start:%Y-%m-%d} – {due:%Y-%m-%d}"


def milestone_create_for_period(*, start: datetime.date, due: datetime.date) -> Milestone:
    """The milestone of a cadence period, created in the state its dates put it in."""
    milestone, _ = Milestone.objects.get_or_create(
        start_date=start,
        defaults={
            "due_date": due,
            "title": milestone_title(start, due),
            "state": state_by_dates(start, due, timezone.localdate()),
        },
    )
    return milestone


# --- Lifecycle -------------------------------------------------------------------------------------------
# upcoming → current → ended → rolled over → closed, and closed → reopened (back to rolled over). The
# transitions and their guards are on the model; here each change is locked, checked with a refusal that
# names the missing step, and logged as a MilestoneEvent.


def _log(milestone: Milestone, transition: str, from_state: str, *, by=None, reason: str = "") -> MilestoneEvent:
    return MilestoneEvent.objects.create(
        milestone=milestone,
        transition=transition,
        from_state=from_state,
        to_state=milestone.state,
        by=by,
        reason=reason,
    )


def _catch_up_locked(milestone: Milestone, day: datetime.date) -> list[str]:
    """Run the transitions the calendar and a finished rollover call for, on a locked row; returns their names."""
    done = []
    steps = [
        (MilestoneState.UPCOMING, "start", milestone.start_date <= day),
        (MilestoneState.CURRENT, "end", milestone.due_date < day),
        (MilestoneState.ENDED, "mark_rolled_over", rollover_is_done(milestone)),
    ]
    for source, name, due in steps:
        if milestone.state == source and due:
            before = milestone.state
            if name == "start" and milestone.due_date < day:
                name = "end"  # a milestone never seen running (created late, or the beat was down) ends at once
            getattr(milestone, name)()
            milestone.save(update_fields=["state"])
            _log(milestone, name, before)
            done.append(name)
    return done


def milestones_catch_up(day: datetime.date | None = None) -> int:
    """Bring every milestone's state up to its dates and rollover; returns how many changed.

    Run by the beat (with `milestones_ensure_ahead_task`) and before a milestone page is shown, so the state
    is never older than the calendar. One query when nothing is due.
    """
    from django.db.models import Q

    day = day or timezone.localdate()
    lagging = Milestone.objects.filter(
        Q(state=MilestoneState.UPCOMING, start_date__lte=day)
        | Q(state=MilestoneState.CURRENT, due_date__lt=day)
        | Q(state=MilestoneState.ENDED, rollover__status="done")  # the rollover app's record, read by relation
    ).values_list("pk", flat=True)
    changed = 0
    for pk in list(lagging):
        with transaction.atomic():
            milestone = Milestone.objects.select_for_update().get(pk=pk)
            changed += bool(_catch_up_locked(milestone, day))
    return changed


def _require_manager(by, doing: str) -> None:
    if not user_is_manager(by):
        raise Forbidden(f"Only MktgOps managers {doing}.", code=MilestoneErrorCode.MANAGERS_ONLY)


def milestone_close_blockers(milestone: Milestone, day: datetime.date | None = None) -> list[tuple[str, str]]:
    """What stands between `milestone` and closing, in lifecycle order: [(code, message)]; [] when it can close.

    The rule (issue 14, DESIGN: milestones): closed only once it has ended, its rollover is done and its
    handbook merge request is recorded and merged. A running milestone can never be closed.
    """
    day = day or timezone.localdate()
    if milestone.state == MilestoneState.CLOSED:
        return [(MilestoneErrorCode.ALREADY_CLOSED, f"{milestone.title} is already closed.")]
    blockers: list[tuple[str, str]] = []
    if milestone.due_date >= day:
        blockers.append(
            (
                MilestoneErrorCode.NOT_ENDED,
                f"it is still running until {milestone.due_date:%a %d %b %Y}; a milestone closes after it has ended "
                "and rolled over",
            )
        )
    if not rollover_is_done(milestone):
        blockers.append(
            (MilestoneErrorCode.NOT_ROLLED_OVER, "its rollover has not finished; run (or resume) the rollover first")
        )
    if not milestone.handbook_mr_url:
        blockers.append((MilestoneErrorCode.HANDBOOK_MR_MISSING, "record its handbook merge request URL first"))
    elif not milestone.handbook_mr_merged:
        blockers.append(
            (
                MilestoneErrorCode.HANDBOOK_MR_NOT_MERGED,
                "it cannot be closed until its handbook merge request is merged; mark the merge request as merged "
                "first",
            )
        )
    return blockers


@transaction.atomic
def milestone_close(*, milestone: Milestone, by, now=None) -> Milestone:
    """Close an ended, rolled-over milestone whose handbook MR is merged; logged.

    Raises Forbidden (not a manager), MilestoneError (409) with the code of the first missing step and a message
    naming every missing one.
    """
    _require_manager(by, "close milestones")
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    _catch_up_locked(milestone, timezone.localdate())
    blockers = milestone_close_blockers(milestone)
    if blockers:
        if blockers[0][0] == MilestoneErrorCode.ALREADY_CLOSED:
            raise MilestoneError(blockers[0][1], code=blockers[0][0])
        raise MilestoneError(
            f"{milestone.title} cannot be closed: {'; '.join(m for _, m in blockers)}.", code=blockers[0][0]
        )
    before = milestone.state
    try:
        milestone.close()
    except TransitionNotAllowed as exc:  # the checks above explain every guard; this is a state we did not expect
        raise MilestoneError(
            f"{milestone.title} cannot be closed from “{milestone.get_state_display()}”.",
            code=MilestoneErrorCode.STATE_CHANGED,
        ) from exc
    if now is not None:
        milestone.closed_at = now  # as of the service's clock (the demo builds its past this way)
    milestone.save(update_fields=["state", "closed_at"])
    _log(milestone, "close", before, by=by)
    return milestone


@transaction.atomic
def milestone_reopen(*, milestone: Milestone, by, reason: str) -> Milestone:
    """A manager reopens a closed milestone with a reason (logged); it goes back to "rolled over".

    Raises Forbidden (not a manager), Invalid (no reason), MilestoneError (not closed).
    """
    _require_manager(by, "reopen milestones")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Say why the milestone is reopened.", code=MilestoneErrorCode.REASON_REQUIRED)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.state != MilestoneState.CLOSED:
        raise MilestoneError(
            f"{milestone.title} is not closed (it is {milestone.get_state_display().lower()}).",
            code=MilestoneErrorCode.NOT_CLOSED,
        )
    before = milestone.state
    milestone.reopen()
    milestone.save(update_fields=["state", "closed_at"])
    _log(milestone, "reopen", before, by=by, reason=reason)
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
def milestone_rollover_finished(*, milestone_id: int) -> Milestone:
    """The rollover app reports that a milestone's rollover finished: the lifecycle follows (ended → rolled over;
    a closed legacy milestone stays closed)."""
    milestone = Milestone.objects.select_for_update().get(pk=milestone_id)
    _catch_up_locked(milestone, timezone.localdate())
    return milestone
