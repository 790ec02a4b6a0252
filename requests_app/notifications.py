"""What the portal tells people after a change: tasks recorded with the change, sent once it commits."""

from requests_app.models import Stage
from task_outbox.services import task_outbox_add


def issue_moved(*, issue_id: int, to_stage: str, reason: str, transition_id: int) -> None:
    """Called inside the move's transaction: the tasks are kept (task outbox) only if the move commits."""
    if to_stage in (Stage.NEEDS_INFO, Stage.COMPLETED):
        task_outbox_add("requests_app.tasks.issue_stage_email_task", issue_id, to_stage, reason)
    if to_stage == Stage.COMPLETED:
        # Label → Slack channel rules (handbook-update labels): one message per channel, once.
        task_outbox_add("labels.tasks.label_rules_deliver_task", transition_id)
