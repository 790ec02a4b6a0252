"""Celery: the import runs in a worker; the page polls the run's progress."""

from celery import shared_task


@shared_task(acks_late=True)
def gitlab_import_task(run_id: int) -> str:
    """Run the recorded import `run_id`; returns its final status."""
    from gitlab_import.services import import_run_execute

    return import_run_execute(run_id=run_id).status
