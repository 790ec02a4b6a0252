"""The task outbox: tasks recorded with the change they belong to, handed to the broker after the commit.

`task_outbox_add` is called inside the change's transaction: the task is kept if and only if the change
commits. Right after the commit it is sent (`task_outbox_send`); when the broker is down the send fails
fast (the publish retry policy in settings) and the row stays pending for the beat sweep
(`task_outbox_relay_pending`), so a committed change never answers 500 and never loses its task.
Delivery is at least once: the tasks sent this way tolerate a second run.
"""

import datetime
import importlib
import logging

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from task_outbox.models import OutboxTask

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 60


def task_outbox_add(name: str, *args, **kwargs) -> OutboxTask:
    """Record task `name` (its registered name) with JSON-able args, to be sent once this transaction commits."""
    task = OutboxTask.objects.create(name=name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: task_outbox_send(task.pk), robust=True)
    return task


def task_outbox_send(pk: int) -> bool:
    """Hand one pending task to the broker (or run it, without one). True when sent; never raises.

    Claimed first in one UPDATE, sent outside any transaction, then marked sent. A failure leaves it
    pending, with the error, for the sweep.
    """
    now = timezone.now()
    try:
        claimed = (
            OutboxTask.objects.filter(pk=pk, sent_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + datetime.timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
        )
        if not claimed:
            return False
        task = OutboxTask.objects.get(pk=pk)
    except DatabaseError:
        logger.exception("Task outbox: could not claim task %s; the sweep will.", pk)
        return False
    try:
        _task(task.name).apply_async(args=task.args, kwargs=task.kwargs)
    except Exception as exc:  # noqa: BLE001 — a broker that is down, or (eager) the task itself failing
        if not current_app.conf.task_always_eager:
            logger.warning("Task outbox: %s not sent (%s); the sweep will retry.", task, exc)
            OutboxTask.objects.filter(pk=pk).update(
                last_error=f"{exc.__class__.__name__}: {exc}"[:2000], claimed_until=None
            )
            return False
        # Without a broker the task ran here and failed: running it again from a sweep would not help.
        logger.exception("Task outbox: %s failed when run in-process.", task)
        OutboxTask.objects.filter(pk=pk).update(
            sent_at=timezone.now(), last_error=f"{exc.__class__.__name__}: {exc}"[:2000]
        )
        return False
    OutboxTask.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
    return True


def _task(name: str):
    """The registered task `name`, its module imported first (a web process has not imported every tasks.py)."""
    importlib.import_module(name.rsplit(".", 1)[0])
    return current_app.tasks[name]


def task_outbox_relay_pending(*, limit: int = 500) -> int:
    """Send the pending tasks older than TASK_OUTBOX_RESEND_AFTER_SECONDS (the beat sweep); how many were sent."""
    before = timezone.now() - datetime.timedelta(seconds=settings.TASK_OUTBOX_RESEND_AFTER_SECONDS)
    pks = list(
        OutboxTask.objects.filter(sent_at__isnull=True, created_at__lt=before)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(task_outbox_send(pk) for pk in pks)
