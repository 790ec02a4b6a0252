import pytest

from requests_app.errors import IssueError, IssueMoveForbidden
from requests_app.models import Epic, Issue
from requests_app.services import issue_promote_to_epic
from tests import factories as f


def test_promote_below_21_is_refused(db, ic_user):
    issue = f.IssueFactory(weight=20)
    with pytest.raises(IssueError, match="weighted 21 or more"):
        issue_promote_to_epic(issue=issue, by=ic_user)
    assert not Epic.objects.exists()


def test_promote_at_21_links_the_issue(db, ic_user):
    issue = f.IssueFactory(weight=21, title="Replace webinar platform")
    epic = issue_promote_to_epic(issue=issue, by=ic_user)
    issue.refresh_from_db()
    assert issue.epic == epic
    assert epic.title == "Replace webinar platform"
    assert Issue.objects.filter(pk=issue.pk).exists()


def test_promote_twice_is_refused(db, ic_user):
    issue = f.IssueFactory(weight=34)
    issue_promote_to_epic(issue=issue, by=ic_user)
    with pytest.raises(IssueError, match="already belongs"):
        issue_promote_to_epic(issue=issue, by=ic_user)
    assert Epic.objects.count() == 1


def test_requesters_cannot_promote(db, requester_user):
    issue = f.IssueFactory(weight=40, requester=requester_user)
    with pytest.raises(IssueMoveForbidden):
        issue_promote_to_epic(issue=issue, by=requester_user)


def test_promote_view_redirects_to_the_epic_page_with_progress(client, ic_user):
    current = f.current_milestone()
    issue = f.IssueFactory(weight=21, title="Tool evaluation: ABM platform")
    client.force_login(ic_user)
    response = client.post(f"/issues/{issue.pk}/promote/")
    epic = Epic.objects.get()
    assert response["Location"] == f"/issues/{issue.pk}/"
    assert f"/epics/{epic.pk}/" in client.get(response["Location"]).content.decode()
    f.IssueFactory(epic=epic, stage="08", weight=5, assignee=ic_user, milestone=current)
    page = client.get(f"/epics/{epic.pk}/").content.decode()
    assert "1 of 2" in page
    assert "weight 5 of 26 done" in page


def test_promote_view_refusal_is_a_message(client, ic_user):
    issue = f.IssueFactory(weight=3)
    client.force_login(ic_user)
    response = client.post(f"/issues/{issue.pk}/promote/")
    assert response.status_code == 403
    assert "Promote to epic" not in response.content.decode()
    assert not Epic.objects.exists()


def test_epic_page_hides_confidential_issues_from_requesters(client, ic_user, requester_user):
    epic = issue_promote_to_epic(issue=f.IssueFactory(weight=21), by=ic_user)
    f.IssueFactory(epic=epic, confidential=True, title="Purge PII records")
    client.force_login(requester_user)
    response = client.get(f"/epics/{epic.pk}/")
    assert response.status_code == 404  # the epic holds an issue they may not see: it is hidden whole
    assert "Purge PII records" not in response.content.decode()


def test_epic_list_says_21_plus_may_be_promoted_as_the_handbook_does(client, requester_user):
    # The handbook: "If an issue includes a weight of 21 or more, that issue may be promoted to an epic".
    client.force_login(requester_user)
    page = client.get("/epics/").content.decode()
    assert "Issues weighted 21 or more may be promoted to epics" in page


def _confidential_epic(requester, ic):
    issue = f.IssueFactory(requester=requester, weight=30, confidential=True, title="Acquire Initech quietly")
    return issue, issue_promote_to_epic(issue=issue, by=ic)


def test_an_epic_promoted_from_a_confidential_issue_is_hidden_from_other_requesters(
    client, ic_user, requester_user, other_requester
):
    # The epic takes the issue's title and description: it is as confidential as the issue.
    _, epic = _confidential_epic(requester_user, ic_user)
    client.force_login(other_requester)
    assert "Acquire Initech" not in client.get("/epics/").content.decode()
    response = client.get(f"/epics/{epic.pk}/")
    assert response.status_code == 404
    assert "Acquire Initech" not in response.content.decode()


@pytest.mark.parametrize("who", ["requester", "ic", "manager"])
def test_a_confidential_epic_is_seen_by_those_who_see_its_issue(client, ic_user, requester_user, manager_user, who):
    _, epic = _confidential_epic(requester_user, ic_user)
    client.force_login({"requester": requester_user, "ic": ic_user, "manager": manager_user}[who])
    assert "Acquire Initech" in client.get("/epics/").content.decode()
    assert client.get(f"/epics/{epic.pk}/").status_code == 200


def test_an_epic_holding_a_confidential_issue_is_listed_only_to_those_who_see_all_of_it(
    client, ic_user, requester_user, other_requester
):
    # Issue 12: visibility comes from the epic's issues at read time, not from the issue it was promoted from.
    epic = issue_promote_to_epic(issue=f.IssueFactory(weight=21, title="Rebuild lead scoring"), by=ic_user)
    f.IssueFactory(epic=epic, confidential=True, stage="08", requester=requester_user)
    f.IssueFactory(epic=epic, confidential=True, requester=requester_user)
    client.force_login(other_requester)
    assert "Rebuild lead scoring" not in client.get("/epics/").content.decode()
    assert client.get(f"/epics/{epic.pk}/").status_code == 404
    for user in (requester_user, ic_user):  # they see every issue of it, so the counts are whole
        client.force_login(user)
        row = client.get("/epics/").content.decode().split("Rebuild lead scoring", 1)[1].split("</tr>", 1)[0]
        assert "<td>3</td><td>1</td>" in row


def test_a_public_issue_in_a_confidential_epic_does_not_show_the_epic_to_others(
    client, ic_user, requester_user, other_requester
):
    promoted, epic = _confidential_epic(requester_user, ic_user)
    public = f.IssueFactory(epic=epic, title="Update the pricing page", requester=other_requester)
    client.force_login(other_requester)
    html = client.get(f"/issues/{public.pk}/").content.decode()
    assert "Update the pricing page" in html
    assert "Acquire Initech" not in html
    client.force_login(ic_user)
    assert "Acquire Initech" in client.get(f"/issues/{public.pk}/").content.decode()
    client.force_login(requester_user)  # the promoted issue's requester sees the epic from its own issue
    assert "Acquire Initech" in client.get(f"/issues/{promoted.pk}/").content.decode()


def test_an_epic_counts_closed_issues_as_done_like_every_report(db, ic_user):
    """Done is 08 or closed everywhere (requests_app.metrics)."""
    from requests_app.metrics import issue_is_done
    from requests_app.selectors import epic_list, epic_progress
    from requests_app.services import issue_close

    epic = f.IssueFactory(weight=21)
    from requests_app.services import issue_promote_to_epic

    epic = issue_promote_to_epic(issue=epic, by=ic_user)
    closed = f.IssueFactory(epic=epic)
    issue_close(issue=closed, by=ic_user)
    f.IssueFactory(epic=epic, stage="08")
    f.IssueFactory(epic=epic, stage="04")
    progress = epic_progress(ic_user, epic)
    assert progress["done"] == sum(issue_is_done(i) for i in progress["issues"]) == 2
    assert epic_list(ic_user).get(pk=epic.pk).done_count == 2


@pytest.mark.parametrize("epics", [2, 12])
def test_the_epic_list_costs_the_same_queries_whatever_the_epics_and_their_confidential_issues(
    client, ic_user, requester_user, django_assert_num_queries, epics
):
    for n in range(epics):
        epic = issue_promote_to_epic(issue=f.IssueFactory(weight=21, title=f"Epic {n}"), by=ic_user)
        f.IssueFactory(epic=epic, confidential=True, requester=requester_user if n % 2 else ic_user)
    client.force_login(requester_user)
    client.get("/epics/")
    with django_assert_num_queries(3):  # session, user, the epics with their counts (visibility inside)
        page = client.get("/epics/").content.decode()
    assert page.count('<tr><td><a href="/epics/') == epics // 2  # only the epics whose secrets are theirs
