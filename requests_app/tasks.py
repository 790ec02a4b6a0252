from celery import shared_task

from requests_app.emails import issue_stage_email_send
from requests_app.label_rules import label_rules_deliver


@shared_task
def issue_stage_email_task(issue_id: int, to_stage: str, reason: str = "") -> None:
    issue_stage_email_send(issue_id=issue_id, to_stage=to_stage, reason=reason)


@shared_task(bind=True, max_retries=8, acks_late=True)
def label_rules_deliver_task(self, transition_id: int) -> None:
    from slack_messages.services import SlackRateLimited, SlackTransientError

    try:
        label_rules_deliver(transition_id=transition_id)
    except SlackRateLimited as exc:
        raise self.retry(exc=exc, countdown=max(exc.retry_after, 1)) from exc
    except SlackTransientError as exc:
        raise self.retry(exc=exc, countdown=min(2**self.request.retries * 5, 600)) from exc
