"""Issue 13: the requester's answer in 01 returns the issue to Triage through the FSM."""

import pytest

from notifications.models import Kind, Notification
from requests_app import services
from requests_app.models import Issue, IssueTransition, Stage
from tests import factories
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db


def ask(issue, ic, question="Which event?"):
    services.issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic, reason=question)


def test_the_requesters_comment_moves_it_back_to_triage_logged_once_and_tells_the_asker(requester_user, ic_user):
    issue = IssueFactory(requester=requester_user)
    ask(issue, ic_user)
    comment = services.comment_create(issue=issue, author=requester_user, body="The Berlin roadshow.")
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE
    assert issue.reply_waiting
    [back] = IssueTransition.objects.filter(issue=issue, from_stage=Stage.NEEDS_INFO)
    assert (back.to_stage, back.by, back.reason) == (Stage.TRIAGE, requester_user, "requester replied")
    [note] = Notification.objects.filter(recipient=ic_user)
    assert (note.kind, note.anchor) == (Kind.REPLIED, f"comment-{comment.pk}")


def test_the_business_owner_may_answer_too(requester_user, ic_user):
    owner = factories.requester(username="owen")
    issue = IssueFactory(requester=requester_user, business_owner=owner)
    ask(issue, ic_user)
    services.comment_create(issue=issue, author=owner, body="Answer")
    assert Issue.objects.get(pk=issue.pk).stage == Stage.TRIAGE


def test_with_nobody_known_to_have_asked_the_mktgops_team_is_told(requester_user, ic_user, manager_user):
    issue = IssueFactory(requester=requester_user, stage=Stage.NEEDS_INFO)  # put there without a logged move
    services.comment_create(issue=issue, author=requester_user, body="Answer")
    told = set(Notification.objects.filter(kind=Kind.REPLIED).values_list("recipient__username", flat=True))
    assert told == {ic_user.username, manager_user.username}


@pytest.mark.parametrize("who", ["ic", "other requester"])
def test_a_comment_by_anyone_else_leaves_it_in_01(requester_user, ic_user, other_requester, who):
    issue = IssueFactory(requester=requester_user)
    ask(issue, ic_user)
    author = {"ic": ic_user, "other requester": other_requester}[who]
    services.comment_create(issue=issue, author=author, body="Any news?")
    issue.refresh_from_db()
    assert issue.stage == Stage.NEEDS_INFO
    assert not issue.reply_waiting
    assert IssueTransition.objects.filter(issue=issue).count() == 1


def test_a_comment_outside_01_moves_nothing(requester_user, ic_user):
    issue = IssueFactory(requester=requester_user, stage=Stage.READY)
    services.comment_create(issue=issue, author=requester_user, body="Any news?")
    assert Issue.objects.get(pk=issue.pk).stage == Stage.READY
    assert not IssueTransition.objects.filter(issue=issue).exists()


@pytest.mark.parametrize("act", ["comment", "move", "triage"])
def test_reply_waiting_shows_until_mktgops_acts(requester_user, ic_user, act):
    issue = IssueFactory(requester=requester_user)
    ask(issue, ic_user)
    services.comment_create(issue=issue, author=requester_user, body="Answer")
    services.comment_create(issue=issue, author=requester_user, body="And one more thing")
    assert Issue.objects.get(pk=issue.pk).reply_waiting  # the requester's own comments don't clear it
    if act == "comment":
        services.comment_create(issue=issue, author=ic_user, body="Thanks")
    elif act == "move":
        services.issue_move(issue_id=issue.pk, to_stage=Stage.READY, by=ic_user)
    else:
        services.issue_update(issue=Issue.objects.get(pk=issue.pk), by=ic_user, weight=2)
    assert not Issue.objects.get(pk=issue.pk).reply_waiting


def test_the_board_card_says_reply_waiting_without_an_extra_query(client, requester_user, ic_user):
    issue = IssueFactory(requester=requester_user, title="Answered one")
    ask(issue, ic_user)
    services.comment_create(issue=issue, author=requester_user, body="Answer")
    client.force_login(ic_user)
    html = client.get("/board/").content.decode()
    card = html.split(f'id="card-{issue.pk}"', 1)[1].split("</article>", 1)[0]
    assert "reply waiting" in card


def test_answering_through_the_page_lands_on_the_comment_and_the_page_says_it_went_back(
    client, requester_user, ic_user
):
    issue = IssueFactory(requester=requester_user)
    ask(issue, ic_user)
    client.force_login(requester_user)
    response = client.post(f"/issues/{issue.pk}/comment/", {"body": "Here it is"})
    assert response.status_code == 302
    assert "#comment-" in response["Location"]
    html = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "requester replied" in html.split('id="timeline"', 1)[1]
    assert Issue.objects.get(pk=issue.pk).stage == Stage.TRIAGE
