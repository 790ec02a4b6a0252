"""What the portal tells people after a change has committed."""

from requests_app.models import Stage


def issue_moved(*, issue_id: int, to_stage: str, reason: str, transition_id: int) -> None:
    from requests_app.tasks import issue_stage_email_task, label_rules_deliver_task

    if to_stage in (Stage.NEEDS_INFO, Stage.COMPLETED):
        issue_stage_email_task.delay(issue_id, to_stage, reason)
    if to_stage == Stage.COMPLETED:
        # Label → Slack channel rules (handbook-update labels): one message per channel, once.
        label_rules_deliver_task.delay(transition_id)
