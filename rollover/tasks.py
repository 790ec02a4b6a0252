"""Celery tasks: thin wrappers that take ids and call the milestone services."""

import logging
import random

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from milestones.models import Milestone
from rollover.selectors import milestones_due_for_rollover
from rollover.services import milestone_rollover, rollover_record_error
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
    """Seconds before the next try after a 5xx or network error: exponential, capped, with jitter."""
    base = settings.SLACK_RETRY_BACKOFF_SECONDS * (2 ** (retries + 2))
    return min(base, 15 * 60) * random.uniform(1.0, 1.25)


# acks_late + reject_on_worker_lost: a worker killed half-way leaves the message to be redelivered,
# and the rollover's recorded progress makes the redelivered run resume rather than repeat.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def milestone_rollover_task(self, milestone_id: int, by_id: int | None = None) -> str:
    milestone = Milestone.objects.filter(pk=milestone_id).first()
    if milestone is None:
        return "missing"
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    try:
        rollover = milestone_rollover(milestone=milestone, by=by)
    except SlackRateLimited as exc:
        countdown = exc.retry_after
        error = exc
    except SlackTransientError as exc:
        if self.request.retries >= settings.SLACK_MAX_RETRIES:
            rollover_record_error(
                rollover=milestone.rollover,
                message=f"{exc} Gave up after {self.request.retries + 1} tries; run the rollover again to resume.",
                code="gave_up",
                failed=True,
            )
            return "failed"
        countdown = transient_backoff(self.request.retries)
        error = exc
    else:
        return rollover.status
    if self.request.is_eager:
        # No broker (the embedded default): the task ran inside a request and cannot wait there. The wait
        # is on the rollover's record; the next run (button, command or daily beat) resumes it.
        logger.warning("Rollover of milestone %s paused: %s", milestone_id, error)
        return "waiting"
    logger.info("Rollover of milestone %s retries in %.1fs: %s", milestone_id, countdown, error)
    raise self.retry(exc=error, countdown=countdown)
