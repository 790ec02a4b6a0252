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


def test_a_title_with_line_breaks_still_gets_its_email_on_one_subject_line(
    client, requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    # The API takes any string as a title; a line break in a mail header would refuse the e-mail (and fail the
    # move's request when tasks run eagerly).
    api = client_for_api(requester_user)
    created = api.post("/api/issues/", {"title": "Import\r\nBcc: all@example.com"}, format="json").json()
    assert created["title"] == "Import Bcc: all@example.com"  # a title is one line
    issue_id = created["id"]
    client.force_login(ic_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/issues/{issue_id}/move/", {"to_stage": "01", "reason": "Which list?"})
    assert response.status_code == 302
    assert [m.subject for m in mailoutbox] == [
        f"MktgOps needs more information on #{issue_id}: Import Bcc: all@example.com"
    ]
    assert mailoutbox[0].to == [requester_user.email]
    assert not mailoutbox[0].bcc


def test_an_e_mail_subject_is_one_line_even_when_the_stored_title_is_not(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user, title="Import\nBcc: all@example.com")  # e.g. edited in the admin
    with django_capture_on_commit_callbacks(execute=True):
        issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic_user, reason="Which list?")
    assert [m.subject for m in mailoutbox] == [
        f"MktgOps needs more information on #{issue.pk}: Import Bcc: all@example.com"
    ]


def client_for_api(user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api
