"""Planning's beat task: keep the cadence's milestones created ahead and their states up to the calendar."""

from celery import shared_task

from milestones.services import milestones_catch_up, milestones_ensure_ahead


@shared_task
def milestones_ensure_ahead_task() -> int:
    """Beat: keep the current milestone and the next ones (MILESTONES_AHEAD) created, and every milestone's
    state up to the calendar (upcoming → current → ended)."""
    created = len(milestones_ensure_ahead())
    milestones_catch_up()
    return created
