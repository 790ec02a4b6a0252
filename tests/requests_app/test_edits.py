"""Issue 13: who may edit what was filed, in which stage, and the timeline keeps the previous text."""

import datetime

import pytest
from django.utils import timezone

from mktgops_portal.errors import Forbidden, Invalid, NotFound
from requests_app import services
from requests_app.errors import CollabErrorCode
from requests_app.models import EventKind, Issue, IssueEvent, Stage
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "stage", "allowed"),
    [
        ("requester", Stage.TRIAGE, True),
        ("requester", Stage.NEEDS_INFO, True),
        ("requester", Stage.READY, False),
        ("requester", Stage.IN_PROGRESS, False),
        ("requester", Stage.COMPLETED, False),
        ("ic", Stage.TRIAGE, True),
        ("ic", Stage.IN_PROGRESS, True),
        ("ic", Stage.COMPLETED, True),
        ("other requester", Stage.TRIAGE, False),
    ],
)
def test_edit_rights_per_role_and_stage(requester_user, ic_user, other_requester, role, stage, allowed):
    issue = IssueFactory(requester=requester_user, stage=stage, title="Old")
    user = {"requester": requester_user, "ic": ic_user, "other requester": other_requester}[role]
    if allowed:
        services.issue_edit(issue_id=issue.pk, by=user, title="New")
        assert Issue.objects.get(pk=issue.pk).title == "New"
    else:
        with pytest.raises(Forbidden) as refused:
            services.issue_edit(issue_id=issue.pk, by=user, title="New")
        assert refused.value.code == CollabErrorCode.EDIT_NOT_ALLOWED
        assert Issue.objects.get(pk=issue.pk).title == "Old"


def test_a_closed_request_is_not_edited_by_its_requester(requester_user):
    issue = IssueFactory(requester=requester_user)
    services.issue_close(issue=issue, by=requester_user)
    with pytest.raises(Forbidden):
        services.issue_edit(issue_id=issue.pk, by=requester_user, title="New")


def test_a_hidden_issue_is_not_found(requester_user, other_requester):
    issue = IssueFactory(requester=requester_user, confidential=True)
    with pytest.raises(NotFound):
        services.issue_edit(issue_id=issue.pk, by=other_requester, title="Mine now")


def test_the_timeline_keeps_the_previous_text(client, requester_user):
    issue = IssueFactory(requester=requester_user, title="Fix teh form", description="It breaks")
    services.issue_edit(issue_id=issue.pk, by=requester_user, title="Fix the form", description="It breaks on submit")
    event = IssueEvent.objects.get(issue=issue, kind=EventKind.EDITED)
    assert event.revision.before == {"title": "Fix teh form", "description": "It breaks"}
    assert event.revision.after == {"title": "Fix the form", "description": "It breaks on submit"}
    client.force_login(requester_user)
    timeline = client.get(f"/issues/{issue.pk}/").content.decode().split('id="timeline"', 1)[1]
    assert "edited the title, description" in timeline
    assert "Fix teh form" in timeline  # the previous version, viewable


def test_an_edit_that_changes_nothing_writes_nothing(requester_user):
    issue = IssueFactory(requester=requester_user, title="Same")
    services.issue_edit(issue_id=issue.pk, by=requester_user, title="  Same ")
    assert not IssueEvent.objects.filter(issue=issue).exists()


def test_a_requester_turns_confidential_on_but_not_off(requester_user, ic_user):
    issue = IssueFactory(requester=requester_user)
    services.issue_edit(issue_id=issue.pk, by=requester_user, confidential=True)
    assert Issue.objects.get(pk=issue.pk).confidential
    with pytest.raises(Forbidden) as refused:
        services.issue_edit(issue_id=issue.pk, by=requester_user, confidential=False)
    assert refused.value.code == CollabErrorCode.CONFIDENTIAL_ONLY_ON
    services.issue_edit(issue_id=issue.pk, by=ic_user, confidential=False)
    assert not Issue.objects.get(pk=issue.pk).confidential


def test_an_empty_title_and_a_past_date_are_refused(requester_user):
    issue = IssueFactory(requester=requester_user)
    with pytest.raises(Invalid) as refused:
        services.issue_edit(issue_id=issue.pk, by=requester_user, title="   ")
    assert refused.value.code == CollabErrorCode.EMPTY_TITLE
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(Invalid) as refused:
        services.issue_edit(issue_id=issue.pk, by=requester_user, needed_by=yesterday)
    assert refused.value.code == CollabErrorCode.PAST_DATE


def test_the_edit_page_saves_and_re_renders_refusals_with_what_was_typed(client, requester_user):
    issue = IssueFactory(requester=requester_user, title="Old title", description="Old text")
    client.force_login(requester_user)
    assert client.get(f"/issues/{issue.pk}/edit/").status_code == 200
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        f"/issues/{issue.pk}/edit/", {"title": "New title", "description": "New text", "needed_by": yesterday}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "in the past" in html
    assert "New text" in html  # nothing typed is lost
    response = client.post(f"/issues/{issue.pk}/edit/", {"title": "New title", "description": "New text"})
    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).description == "New text"


def test_the_edit_page_refuses_a_requester_once_work_started(client, requester_user):
    issue = IssueFactory(requester=requester_user, stage=Stage.READY)
    client.force_login(requester_user)
    assert client.get(f"/issues/{issue.pk}/edit/").status_code == 403
    assert client.post(f"/issues/{issue.pk}/edit/", {"title": "x"}).status_code == 403
    assert "Edit request" not in client.get(f"/issues/{issue.pk}/").content.decode()
