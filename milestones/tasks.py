"""Planning's beat task: keep the cadence's milestones created ahead."""

from celery import shared_task

from milestones.services import milestones_ensure_ahead


@shared_task
def milestones_ensure_ahead_task() -> int:
    """Beat: keep the current milestone and the next ones (MILESTONES_AHEAD) created."""
    return len(milestones_ensure_ahead())
