"""Celery tasks: the beat sweep that re-sends what the after-commit send could not."""

from celery import shared_task

from task_outbox.services import task_outbox_relay_pending


@shared_task
def task_outbox_relay_task() -> int:
    """Beat, every minute: send the tasks still pending in the outbox; returns how many went."""
    return task_outbox_relay_pending()
