"""Issue 13: /notifications/, the bell, the API, preferences, watching; pinned query counts."""

import io

import pytest
from PIL import Image

from notifications.models import Kind, Notification, NotificationPreference, Watch
from requests_app import services
from tests import factories
from tests.factories import IssueFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_mine_newest_first_and_marks_read(client, requester_user, other_requester):
    issue = IssueFactory(title="Webinar sync")
    old = NotificationFactory(recipient=requester_user, issue=issue, text="first")
    new = NotificationFactory(recipient=requester_user, issue=issue, text="second")
    NotificationFactory(recipient=other_requester, issue=issue, text="not yours")
    client.force_login(requester_user)
    html = client.get("/notifications/").content.decode()
    assert html.index("second") < html.index("first")
    assert "not yours" not in html
    client.post("/notifications/read/", {"id": [old.pk]})
    assert Notification.objects.get(pk=old.pk).read_at is not None
    assert Notification.objects.get(pk=new.pk).read_at is None
    client.post("/notifications/read/", {"all": "1"})
    assert not Notification.objects.filter(recipient=requester_user, read_at__isnull=True).exists()


def test_following_a_notification_marks_it_read_and_goes_to_the_comment(client, requester_user, ic_user):
    issue = IssueFactory(requester=requester_user)
    comment = services.comment_create(issue=issue, author=ic_user, body="Question")
    note = Notification.objects.get(recipient=requester_user)
    client.force_login(requester_user)
    response = client.get(f"/notifications/{note.pk}/")
    assert response["Location"] == f"/issues/{issue.pk}/#comment-{comment.pk}"
    assert Notification.objects.get(pk=note.pk).read_at is not None
    client.force_login(ic_user)
    assert client.get(f"/notifications/{note.pk}/").status_code == 404  # someone else's


def test_the_bell_counts_unread_ones(client, requester_user):
    NotificationFactory.create_batch(3, recipient=requester_user)
    client.force_login(requester_user)
    html = client.get("/notifications/bell/").content.decode()
    assert 'data-testid="bell-count">3<' in html
    assert 'hx-get="/notifications/bell/"' in client.get("/issues/").content.decode()


def test_a_notification_about_an_issue_i_no_longer_see_hides_its_title(client, requester_user):
    issue = IssueFactory(title="Jane Doe's import", confidential=True)
    NotificationFactory(recipient=requester_user, issue=issue)
    client.force_login(requester_user)
    html = client.get("/notifications/").content.decode()
    assert "Jane Doe" not in html
    assert "Confidential issue" in html


@pytest.mark.parametrize("count", [3, 60])
def test_the_list_takes_the_same_queries_whatever_the_number(client, requester_user, django_assert_num_queries, count):
    actors = [factories.requester() for _ in range(3)]
    for n in range(count):
        NotificationFactory(recipient=requester_user, actor=actors[n % 3], issue=IssueFactory())
    client.force_login(requester_user)
    client.get("/notifications/")
    # session, user, groups (the top bar), count for the pager, the page's rows with actor and issue, unread count
    with django_assert_num_queries(5):
        assert client.get("/notifications/").status_code == 200


def test_the_api_lists_mine_newest_first_with_an_unread_filter_and_marks_read(api_client, requester_user, ic_user):
    issue = IssueFactory(requester=requester_user)
    read = NotificationFactory(recipient=requester_user, issue=issue, kind=Kind.COMMENT)
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00:00Z")
    unread = NotificationFactory(recipient=requester_user, issue=issue, kind=Kind.MENTION)
    NotificationFactory(recipient=ic_user, issue=issue)
    api_client.force_authenticate(requester_user)
    rows = api_client.get("/api/notifications/").json()
    assert [r["id"] for r in rows] == [unread.pk, read.pk]
    assert rows[0]["url"].startswith(f"http://testserver/issues/{issue.pk}/")
    assert [r["id"] for r in api_client.get("/api/notifications/?unread=1").json()] == [unread.pk]
    response = api_client.post("/api/notifications/read/", {"ids": [unread.pk]}, format="json")
    assert response.json() == {"marked": 1, "unread": 0}
    response = api_client.post("/api/notifications/read/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "notification_ids"


def test_the_api_needs_a_signed_in_user(api_client):
    assert api_client.get("/api/notifications/").status_code in (401, 403)


def test_preferences_save_and_refuse_nothing_typed(client, requester_user):
    client.force_login(requester_user)
    assert client.get("/notifications/preferences/").status_code == 200
    response = client.post("/notifications/preferences/", {"email_kinds": ["mention"], "daily_digest": "on"})
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=requester_user)
    assert (pref.email_kinds, pref.daily_digest) == (["mention"], True)
    response = client.post("/notifications/preferences/", {"email_kinds": ["bogus"]})
    assert response.status_code == 200
    assert "bogus" in response.content.decode()


def test_watch_and_unwatch_from_the_issue_page(client, requester_user, other_requester):
    issue = IssueFactory(requester=requester_user)
    secret = IssueFactory(requester=requester_user, confidential=True)
    client.force_login(other_requester)
    assert ">Watch<" in client.get(f"/issues/{issue.pk}/").content.decode()
    client.post(f"/notifications/watch/{issue.pk}/", {"watching": "1"})
    assert Watch.objects.get(user=other_requester, issue=issue).watching
    assert ">Unwatch<" in client.get(f"/issues/{issue.pk}/").content.decode()
    client.post(f"/notifications/watch/{issue.pk}/", {"watching": "0"}, HTTP_HX_REQUEST="true")
    assert not Watch.objects.get(user=other_requester, issue=issue).watching
    assert client.post(f"/notifications/watch/{secret.pk}/", {"watching": "1"}).status_code == 404


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("count", [2, 25])
def test_the_issue_page_takes_the_same_queries_whatever_its_links_files_and_notifications(
    client, ic_user, django_assert_num_queries, settings, count
):
    settings.ATTACHMENT_MAX_PER_ISSUE = 100
    issue = IssueFactory(assignee=ic_user)
    secret_requester = factories.requester()
    for n in range(count):
        other = IssueFactory(confidential=n % 2 == 0, requester=secret_requester)
        services.issue_link_create(issue_id=issue.pk, other_id=other.pk, kind="relates", by=ic_user)
        services.attachment_add(issue=issue, by=ic_user, name=f"{n}.png", content=_png())
        comment = services.comment_create(issue=issue, author=secret_requester, body=f"see @{ic_user.username}")
        services.attachment_add(issue=issue, by=ic_user, name=f"c{n}.png", content=_png(), comment=comment)
    assert Notification.objects.filter(recipient=ic_user).count() == count
    client.force_login(ic_user)
    client.get(f"/issues/{issue.pk}/")
    # As test_issue_pages pins it (17), whatever the number of links, files and notifications.
    with django_assert_num_queries(16):
        response = client.get(f"/issues/{issue.pk}/")
    assert len(response.context["links"]) == count
