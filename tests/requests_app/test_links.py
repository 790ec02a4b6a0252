"""Issue 13: links between issues, close as duplicate, hidden ends masked."""

import pytest

from mktgops_portal.errors import Conflict, Forbidden, Invalid, NotFound
from notifications.models import Kind, Notification, Watch
from requests_app import services
from requests_app.models import Comment, Issue, IssueLink
from tests.factories import IssueFactory, WatchFactory

pytestmark = pytest.mark.django_db


def test_close_as_duplicate_links_both_ways_comments_on_both_moves_watchers_and_tells_the_requester(
    client, requester_user, other_requester, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    original = IssueFactory(requester=other_requester, title="Lead form broken")
    duplicate = IssueFactory(requester=requester_user, title="Form does not submit")
    watcher = WatchFactory(issue=duplicate).user
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_close_as_duplicate(issue_id=duplicate.pk, original_id=original.pk, by=ic_user)
    duplicate.refresh_from_db()
    assert duplicate.closed_at is not None
    assert IssueLink.objects.filter(source=duplicate, target=original, kind="duplicate_of").exists()
    assert Comment.objects.filter(issue=duplicate, body__contains=f"#{original.pk}").exists()
    assert Comment.objects.filter(issue=original, body__contains=f"#{duplicate.pk}").exists()
    assert Watch.objects.filter(issue=original, user=watcher, watching=True).exists()
    assert Watch.objects.filter(issue=original, user=requester_user, watching=True).exists()
    [told] = Notification.objects.filter(recipient=requester_user)
    assert told.kind == Kind.CLOSED
    assert f"duplicate of #{original.pk}" in told.text
    assert any(m.to == [requester_user.email] for m in mailoutbox)
    # Readable from both ends.
    client.force_login(ic_user)
    assert "duplicate of" in client.get(f"/issues/{duplicate.pk}/").content.decode()
    assert "has duplicate" in client.get(f"/issues/{original.pk}/").content.decode()


def test_only_mktgops_closes_as_duplicate_and_not_twice(requester_user, ic_user):
    original, duplicate = IssueFactory(), IssueFactory(requester=requester_user)
    with pytest.raises(Forbidden):
        services.issue_close_as_duplicate(issue_id=duplicate.pk, original_id=original.pk, by=requester_user)
    with pytest.raises(Invalid):
        services.issue_close_as_duplicate(issue_id=duplicate.pk, original_id=duplicate.pk, by=ic_user)
    services.issue_close_as_duplicate(issue_id=duplicate.pk, original_id=original.pk, by=ic_user)
    with pytest.raises(Conflict):
        services.issue_close_as_duplicate(issue_id=duplicate.pk, original_id=original.pk, by=ic_user)


@pytest.mark.parametrize(("kind", "here", "there"), [
    ("relates", "relates to", "relates to"),
    ("blocks", "blocks", "is blocked by"),
    ("blocked_by", "is blocked by", "blocks"),
    ("duplicate_of", "duplicate of", "has duplicate"),
])  # fmt: skip
def test_links_read_from_both_ends(ic_user, kind, here, there):
    from requests_app.selectors import issue_links_for

    a, b = IssueFactory(), IssueFactory()
    services.issue_link_create(issue_id=a.pk, other_id=b.pk, kind=kind, by=ic_user)
    assert [(v.label, v.other) for v in issue_links_for(ic_user, a)] == [(here, b)]
    assert [(v.label, v.other) for v in issue_links_for(ic_user, b)] == [(there, a)]


def test_refused_links(requester_user, ic_user, other_requester):
    a, b = IssueFactory(requester=requester_user), IssueFactory()
    secret = IssueFactory(requester=other_requester, confidential=True)
    with pytest.raises(Forbidden):
        services.issue_link_create(issue_id=a.pk, other_id=b.pk, kind="relates", by=requester_user)
    with pytest.raises(Invalid):
        services.issue_link_create(issue_id=a.pk, other_id=a.pk, kind="relates", by=ic_user)
    with pytest.raises(Invalid):
        services.issue_link_create(issue_id=a.pk, other_id=b.pk, kind="loves", by=ic_user)
    with pytest.raises(NotFound):
        services.issue_link_create(issue_id=a.pk, other_id=secret.pk, kind="relates", by=requester_user)
    services.issue_link_create(issue_id=a.pk, other_id=b.pk, kind="relates", by=ic_user)
    with pytest.raises(Conflict):
        services.issue_link_create(issue_id=b.pk, other_id=a.pk, kind="relates", by=ic_user)


def test_a_link_to_an_issue_the_viewer_may_not_see_reads_a_confidential_issue(
    client, api_client, requester_user, other_requester, ic_user
):
    public = IssueFactory(requester=requester_user, title="Public request")
    secret = IssueFactory(requester=other_requester, confidential=True, title="Jane Doe import")
    services.issue_link_create(issue_id=public.pk, other_id=secret.pk, kind="relates", by=ic_user)
    client.force_login(requester_user)
    html = client.get(f"/issues/{public.pk}/").content.decode()
    assert "Jane Doe" not in html
    assert f"#{secret.pk} " not in html
    assert "Confidential issue" in html.split('id="links"', 1)[1]
    assert "Confidential issue" in html.split('id="timeline"', 1)[1]
    api_client.force_authenticate(requester_user)
    data = api_client.get(f"/api/issues/{public.pk}/links/").json()
    assert data == [
        {"id": IssueLink.objects.get().pk, "label": "relates to", "issue": None, "title": "Confidential issue"}
    ]


def test_the_api_accepts_links_and_duplicates(api_client, ic_user, requester_user):
    a, b = IssueFactory(requester=requester_user), IssueFactory()
    api_client.force_authenticate(ic_user)
    response = api_client.post(f"/api/issues/{a.pk}/links/", {"kind": "blocks", "issue": b.pk}, format="json")
    assert response.status_code == 201
    assert response.json()[0]["label"] == "blocks"
    response = api_client.post(f"/api/issues/{a.pk}/links/", {"kind": "blocks", "issue": b.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "link_exists"
    response = api_client.post(f"/api/issues/{a.pk}/duplicate/", {"original": b.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["is_open"] is False
    api_client.force_authenticate(requester_user)
    response = api_client.post(f"/api/issues/{b.pk}/links/", {"kind": "relates", "issue": a.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "link_not_allowed"


def test_the_page_forms_link_and_close_as_duplicate(client, ic_user):
    a, b = IssueFactory(), IssueFactory()
    client.force_login(ic_user)
    assert client.post(f"/issues/{a.pk}/link/", {"kind": "relates", "other": f"#{b.pk}"}).status_code == 302
    response = client.post(f"/issues/{a.pk}/link/", {"kind": "relates", "other": f"#{a.pk}"})
    assert response.status_code == 400
    assert "itself" in response.content.decode()
    assert client.post(f"/issues/{a.pk}/duplicate/", {"original": str(b.pk)}).status_code == 302
    assert Issue.objects.get(pk=a.pk).closed_at is not None


def test_a_requester_sees_no_link_forms(client, requester_user):
    issue = IssueFactory(requester=requester_user)
    client.force_login(requester_user)
    html = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "link-form" not in html
    assert "duplicate-form" not in html
    assert client.post(f"/issues/{issue.pk}/duplicate/", {"original": "1"}).status_code == 403
