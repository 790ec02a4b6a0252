"""Label → Slack channel rules: when an issue carrying a rule's label completes, one message per channel."""

from django.db import transaction
from django.utils import timezone

from labels.models import SlackChannelRule
from requests_app.models import IssueTransition, LabelRuleDelivery, Stage
from requests_app.policy import issue_title_public


def label_rule_channels(issue) -> list[str]:
    """Channels the rules send `issue`'s completion to, each once even when several labels name it."""
    rules = SlackChannelRule.objects.filter(label__in=issue.labels.all()).order_by("channel")
    return list(dict.fromkeys(rules.values_list("channel", flat=True)))


def label_rule_message(issue) -> str:
    # Confidential issues never show their title in Slack.
    from slack_messages.services import slack_escape, slack_link

    what = issue_title_public(issue.pk, issue.title, issue.confidential)
    labels = ", ".join(lbl.name for lbl in issue.labels.all() if lbl.slack_rules.exists())
    return f":white_check_mark: Completed: {slack_link(issue.web_url, what)} — {slack_escape(labels)}"


def label_rules_deliver(*, transition_id: int) -> list[LabelRuleDelivery]:
    """Post the completion of the issue behind `transition_id` to every channel its labels name.

    Each (completion, channel) has one row; the row is locked while its message is posted and holds
    the message's `ts` afterwards, so a retried task or a second worker posts nothing twice.
    Slack errors propagate (typed, from `slack_post`) so the Celery task decides on retrying.
    """
    from slack_messages.services import SlackPermanentError, slack_post

    transition = IssueTransition.objects.select_related("issue").filter(pk=transition_id).first()
    if transition is None or transition.to_stage != Stage.COMPLETED:
        return []
    issue = transition.issue
    text = label_rule_message(issue)
    deliveries = []
    for channel in label_rule_channels(issue):
        LabelRuleDelivery.objects.get_or_create(transition=transition, channel=channel)
        with transaction.atomic():
            delivery = LabelRuleDelivery.objects.select_for_update().get(transition=transition, channel=channel)
            if not delivery.ts and not delivery.error:
                delivery.attempts += 1
                try:
                    posted = slack_post(channel=channel, text=text)
                except SlackPermanentError as exc:
                    delivery.error = str(exc)
                else:
                    delivery.ts, delivery.posted_at = posted.ts, timezone.now()
                delivery.save(update_fields=["ts", "posted_at", "error", "attempts"])
        deliveries.append(delivery)
    return deliveries
