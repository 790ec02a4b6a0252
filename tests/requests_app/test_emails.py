"""E-mail to the requester when MktgOps needs more information and when their request is completed."""

import pytest

from requests_app.models import Stage
from requests_app.services import issue_move
from tests import factories
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db


def test_moving_to_needs_more_information_from_the_page_emails_the_requester_what_is_asked(
    client, requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user, title="Import booth scans")
    client.force_login(ic_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/issues/{issue.pk}/move/", {"to_stage": "01", "reason": "Which event was it?"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [requester_user.email]
    assert mail.subject == f"MktgOps needs more information on #{issue.pk}: Import booth scans"
    assert "Which event was it?" in mail.body
    assert f"http://testserver/issues/{issue.pk}/" in mail.body


def test_moving_to_completed_emails_the_requester(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(
        requester=requester_user, stage=Stage.IN_PROGRESS, assignee=ic_user, milestone=factories.current_milestone()
    )
    with django_capture_on_commit_callbacks(execute=True):
        issue_move(issue_id=issue.pk, to_stage=Stage.COMPLETED, by=ic_user)
    assert [m.subject for m in mailoutbox] == [f"MktgOps completed #{issue.pk}: {issue.title}"]
    assert "completed their part" in mailoutbox[0].body


@pytest.mark.parametrize("stage", [Stage.READY, Stage.BLOCKED])
def test_other_moves_send_no_email(requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks, stage):
    issue = IssueFactory(requester=requester_user)
    with django_capture_on_commit_callbacks(execute=True):
        issue_move(issue_id=issue.pk, to_stage=stage, by=ic_user, reason="Waiting on the vendor")
    assert mailoutbox == []


def test_no_email_is_sent_before_the_move_commits(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic_user, reason="?")
    assert mailoutbox == []
    assert len(callbacks) == 1


def test_a_requester_without_an_address_gets_no_email(ic_user, mailoutbox, django_capture_on_commit_callbacks):
    issue = IssueFactory(requester=factories.requester(email=""))
    with django_capture_on_commit_callbacks(execute=True):
        issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic_user, reason="?")
    assert mailoutbox == []


def test_the_email_greets_the_requester_and_says_how_to_answer(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user)
    with django_capture_on_commit_callbacks(execute=True):
        issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic_user, reason="Which list?")
    text = mailoutbox[0].body
    assert text.startswith(f"Hello {requester_user.first_name},")
    assert "answer with a comment" in text.lower()
    assert "\n\n\n" not in text  # no holes left by the template's tags


def test_the_email_names_who_asked_and_keeps_the_title_as_typed(
    requester_user, mailoutbox, django_capture_on_commit_callbacks
):
    ic = factories.ic(username="ivy2", first_name="Ivy", last_name="Chen")
    issue = IssueFactory(requester=requester_user, title="Q&A: 'Smith' <list>")
    with django_capture_on_commit_callbacks(execute=True):
        issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic, reason="Is it <the> EMEA list & more?")
    text = mailoutbox[0].body
    assert text.split("\n")[2].startswith("Ivy Chen needs more information")
    assert "\"Q&A: 'Smith' <list>\"" in text
    assert "Is it <the> EMEA list & more?" in text
    assert mailoutbox[0].subject.endswith("Q&A: 'Smith' <list>")
