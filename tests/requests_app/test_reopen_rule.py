"""Handbook: do not reopen an issue closed in a previous milestone; a manager may, with a reason."""

import pytest

from requests_app.errors import IssueError, IssueMoveForbidden
from requests_app.models import Comment
from requests_app.services import issue_close, issue_reopen
from tests import factories as f


@pytest.fixture
def closed_last_milestone(db, requester_user):
    f.current_milestone()
    issue = f.IssueFactory(requester=requester_user, milestone=f.past_milestone())
    return issue_close(issue=issue, by=requester_user)


@pytest.mark.parametrize("who", ["requester_user", "ic_user"])
def test_reopen_closed_in_previous_milestone_is_refused(request, closed_last_milestone, who):
    user = request.getfixturevalue(who)
    with pytest.raises(IssueMoveForbidden) as exc:
        issue_reopen(issue=closed_last_milestone, by=user, reason="more questions")
    assert "closed in a previous milestone" in str(exc.value)
    assert "ping the MktgOps DRI" in str(exc.value)
    closed_last_milestone.refresh_from_db()
    assert closed_last_milestone.closed_at is not None


def test_manager_reopens_with_a_reason(closed_last_milestone, manager_user):
    issue = issue_reopen(issue=closed_last_milestone, by=manager_user, reason="Regression in Marketo sync")
    assert issue.closed_at is None
    assert Comment.objects.filter(issue=issue, body__contains="Regression in Marketo sync").exists()


def test_manager_needs_a_reason(closed_last_milestone, manager_user):
    with pytest.raises(IssueError, match="give a reason"):
        issue_reopen(issue=closed_last_milestone, by=manager_user, reason=" ")
    closed_last_milestone.refresh_from_db()
    assert closed_last_milestone.closed_at is not None


def test_closed_in_the_current_milestone_reopens_freely(db, requester_user):
    issue = f.IssueFactory(requester=requester_user, milestone=f.current_milestone())
    issue_close(issue=issue, by=requester_user)
    assert issue_reopen(issue=issue, by=requester_user).closed_at is None


def test_close_records_the_milestone(db, requester_user):
    current = f.current_milestone()
    issue = issue_close(issue=f.IssueFactory(requester=requester_user), by=requester_user)
    assert issue.closed_in_milestone == current


def test_issue_page_asks_a_manager_for_the_reason_to_reopen_and_keeps_the_page_on_a_blank_one(
    client, closed_last_milestone, manager_user
):
    client.force_login(manager_user)
    url = f"/issues/{closed_last_milestone.pk}/"
    html = client.get(url).content.decode()
    reopen = html[html.index('id="actions"') :]
    assert "(optional)" not in reopen[: reopen.index("Reopen</button>")]
    response = client.post(f"{url}reopen/", {"reason": "  "})
    assert "Give the reason it comes back: it was closed in a previous milestone." in response.content.decode()
    closed_last_milestone.refresh_from_db()
    assert closed_last_milestone.closed_at is not None
