"""The rollover's Celery tasks: thin wrappers that take ids and call the rollover services."""

import logging
import random

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError, connections

from milestones.errors import MilestoneErrorCode
from milestones.models import Milestone
from milestones.services import MilestoneError
from rollover.models import Rollover, RolloverStatus
from rollover.selectors import milestones_due_for_rollover
from rollover.services import milestone_rollover, rollover_record_error, rollovers_stalled
from slack_messages.services import SlackRateLimited, SlackTransientError

logger = logging.getLogger(__name__)


@shared_task
def milestones_rollover_due_task() -> list[int]:
    """Beat, daily: queue the rollover of every ended milestone not yet rolled over."""
    ids = list(milestones_due_for_rollover().values_list("pk", flat=True))
    for milestone_id in ids:
        milestone_rollover_task.delay(milestone_id)
    return ids


def transient_backoff(retries: int) -> float:
    """Seconds before the next try after a 5xx, network or database error: exponential, capped, with jitter.

    Capped below the broker's visibility timeout, so a waiting retry is not redelivered as if lost.
    """
    base = settings.SLACK_RETRY_BACKOFF_SECONDS * (2 ** (retries + 2))
    return min(base, settings.CELERY_RETRY_COUNTDOWN_MAX_SECONDS) * random.uniform(1.0, 1.25)


# acks_late + reject_on_worker_lost: a worker killed half-way leaves the message to be redelivered (within
# the broker's visibility timeout), and the beat sweep requeues a rollover whose lease lapsed; the lease
# and the recorded progress make any such run resume rather than repeat.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def milestone_rollover_task(self, milestone_id: int, by_id: int | None = None) -> str:
    """Run or resume a milestone's rollover; returns its status, "waiting", "failed" or "missing"."""
    error: Exception
    try:
        milestone = Milestone.objects.filter(pk=milestone_id).first()
        if milestone is None:
            return "missing"
        by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
        rollover = milestone_rollover(milestone=milestone, by=by, owner=f"task-{self.request.id or 'eager'}")
    except SlackRateLimited as exc:
        countdown = min(exc.retry_after, settings.CELERY_RETRY_COUNTDOWN_MAX_SECONDS)
        error = exc
    except SlackTransientError as exc:
        if self.request.retries >= settings.SLACK_MAX_RETRIES:
            assert milestone is not None  # Slack errors come only from milestone_rollover, after the None check
            rollover_record_error(
                rollover=milestone.rollover,
                message=f"{exc} Gave up after {self.request.retries + 1} tries; run the rollover again to resume.",
                code=MilestoneErrorCode.GAVE_UP,
                failed=True,
            )
            return "failed"
        countdown = transient_backoff(self.request.retries)
        error = exc
    except (OperationalError, InterfaceError) as exc:
        # The database went away mid-run (restart, failover, pg_terminate_backend). Whatever reached Slack
        # is found again by its marker on the next run, so retrying is safe.
        connections.close_all()
        _record_quietly(milestone_id, f"The database connection was lost ({exc.__class__.__name__}); retrying.")
        countdown = transient_backoff(min(self.request.retries, 2))
        error = exc
    except MilestoneError as exc:
        return f"refused: {exc}"
    else:
        return rollover.status
    if self.request.is_eager:
        # No broker (the embedded default): the task ran inside a request and cannot wait there. The wait
        # is on the rollover's record; the next run (button, command or the beat sweep) resumes it.
        logger.warning("Rollover of milestone %s paused: %s", milestone_id, error)
        return "waiting"
    logger.info("Rollover of milestone %s retries in %.1fs: %s", milestone_id, countdown, error)
    raise self.retry(exc=error, countdown=countdown)


def _record_quietly(milestone_id: int, message: str) -> None:
    try:
        Rollover.objects.filter(milestone_id=milestone_id).exclude(status=RolloverStatus.DONE).update(
            last_error=message, error_code=MilestoneErrorCode.DATABASE_UNAVAILABLE
        )
    except DatabaseError:
        connections.close_all()  # still down: the retry will say so again


@shared_task
def rollovers_resume_stalled_task() -> list[int]:
    """Beat, every minute: queue again each rollover no run is working on (a killed worker's, a lost task's)."""
    ids = list(rollovers_stalled().values_list("milestone_id", flat=True))
    for milestone_id in ids:
        milestone_rollover_task.delay(milestone_id)
    return ids
