from celery import shared_task

from requests_app.emails import issue_stage_email_send


@shared_task
def issue_stage_email_task(issue_id: int, to_stage: str, reason: str = "") -> None:
    issue_stage_email_send(issue_id=issue_id, to_stage=to_stage, reason=reason)
