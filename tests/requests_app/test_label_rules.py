import pytest

from labels.models import SlackChannelRule
from requests_app.label_rules import label_rules_deliver
from requests_app.models import IssueTransition, LabelRuleDelivery
from requests_app.services import issue_move, labels_attach
from requests_app.tasks import label_rules_deliver_task
from slack_messages.models import SlackOutboxMessage
from tests import factories as f


@pytest.fixture
def hb_update(db):
    label = f.LabelFactory(name="MktgOps - HB Update")
    SlackChannelRule.objects.create(label=label, channel="#hbupdate-mktgops")
    SlackChannelRule.objects.create(label=label, channel="#mktgops")
    return label


def complete(issue, ic, execute_callbacks):
    with execute_callbacks(execute=True):
        issue_move(issue_id=issue.pk, to_stage="08", by=ic)
    return IssueTransition.objects.get(issue=issue, to_stage="08")


def test_completion_posts_once_per_channel(hb_update, ic_user, django_capture_on_commit_callbacks):
    issue = f.IssueFactory(stage="04", assignee=ic_user, milestone=f.current_milestone(), title="Update MOps page")
    labels_attach(issue=issue, labels=[hb_update], by=ic_user)

    transition = complete(issue, ic_user, django_capture_on_commit_callbacks)

    messages = SlackOutboxMessage.objects.order_by("channel")
    assert [m.channel for m in messages] == ["#hbupdate-mktgops", "#mktgops"]
    assert all("Update MOps page" in m.text and issue.web_url in m.text for m in messages)

    # The task retried (a worker died after posting, or Celery redelivered): nothing is posted again.
    label_rules_deliver_task.apply(args=[transition.pk])
    label_rules_deliver(transition_id=transition.pk)
    assert SlackOutboxMessage.objects.count() == 2
    assert LabelRuleDelivery.objects.filter(transition=transition).exclude(ts="").count() == 2


def test_a_channel_named_by_two_labels_gets_one_message(hb_update, ic_user, django_capture_on_commit_callbacks):
    other = f.LabelFactory(name="ABM-HB Update")
    SlackChannelRule.objects.create(label=other, channel="#mktgops")
    issue = f.IssueFactory(stage="04", assignee=ic_user, milestone=f.current_milestone())
    labels_attach(issue=issue, labels=[hb_update, other], by=ic_user)
    complete(issue, ic_user, django_capture_on_commit_callbacks)
    assert SlackOutboxMessage.objects.filter(channel="#mktgops").count() == 1


def test_confidential_titles_stay_out_of_slack(hb_update, ic_user, django_capture_on_commit_callbacks):
    issue = f.IssueFactory(
        stage="04",
        assignee=ic_user,
        milestone=f.current_milestone(),
        confidential=True,
        title="Delete records of jane@example.com",
    )
    labels_attach(issue=issue, labels=[hb_update], by=ic_user)
    complete(issue, ic_user, django_capture_on_commit_callbacks)
    assert SlackOutboxMessage.objects.count() == 2
    assert not SlackOutboxMessage.objects.filter(text__contains="jane@example.com").exists()


def test_issues_without_rule_labels_post_nothing(ic_user, django_capture_on_commit_callbacks):
    issue = f.IssueFactory(stage="04", assignee=ic_user, milestone=f.current_milestone())
    complete(issue, ic_user, django_capture_on_commit_callbacks)
    assert not SlackOutboxMessage.objects.exists()


def test_other_moves_post_nothing(hb_update, ic_user, django_capture_on_commit_callbacks):
    issue = f.IssueFactory(stage="04", assignee=ic_user, milestone=f.current_milestone())
    labels_attach(issue=issue, labels=[hb_update], by=ic_user)
    with django_capture_on_commit_callbacks(execute=True):
        issue_move(issue_id=issue.pk, to_stage="07", by=ic_user, reason="Waiting on Legal")
    assert not SlackOutboxMessage.objects.exists()


def test_completing_again_after_a_reopen_posts_again(
    hb_update, ic_user, manager_user, django_capture_on_commit_callbacks
):
    issue = f.IssueFactory(stage="04", assignee=ic_user, milestone=f.current_milestone())
    labels_attach(issue=issue, labels=[hb_update], by=ic_user)
    complete(issue, ic_user, django_capture_on_commit_callbacks)
    issue_move(issue_id=issue.pk, to_stage="04", by=manager_user)
    with django_capture_on_commit_callbacks(execute=True):
        issue_move(issue_id=issue.pk, to_stage="08", by=ic_user)
    assert SlackOutboxMessage.objects.count() == 4


def test_a_title_cannot_mention_everyone_or_forge_a_link(hb_update, ic_user, django_capture_on_commit_callbacks):
    # Slack reads <!channel>, <@U…> and <url|text> in message text: a title must stay text.
    issue = f.IssueFactory(
        stage="04",
        assignee=ic_user,
        milestone=f.current_milestone(),
        title="Fix |form> <!channel> <https://evil.example|login>",
    )
    labels_attach(issue=issue, labels=[hb_update], by=ic_user)
    complete(issue, ic_user, django_capture_on_commit_callbacks)
    text = SlackOutboxMessage.objects.first().text
    assert "<!channel>" not in text
    assert "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text
    # The link to the issue is the message's only link, and its label is the whole title.
    assert text.count("<") == 1
    assert f"<{issue.web_url}|#{issue.pk} Fix ¦form&gt; &lt;!channel&gt; &lt;https://evil.example¦login&gt;>" in text
