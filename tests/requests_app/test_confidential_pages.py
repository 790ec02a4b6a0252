"""Confidential issues and their files, for each role, through every door: list, page, download, API."""

from pathlib import Path

import pytest
from django.conf import settings

from requests_app.services import request_submit
from tests import factories
from tests.factories import IssueFactory
from tests.requests_app.conftest import csv_bytes, lead

pytestmark = pytest.mark.django_db

CSV = csv_bytes([lead(1), lead(2)])
# role -> may see the confidential list import
ROLES = {"owner": True, "other_requester": False, "ic": True, "manager": True}


@pytest.fixture
def people(requester_user, other_requester, ic_user, manager_user):
    return {"owner": requester_user, "other_requester": other_requester, "ic": ic_user, "manager": manager_user}


@pytest.fixture
def secret(people, taxonomy):
    issue = request_submit(
        requester=people["owner"],
        request_type="list_import",
        title="Secret booth scans",
        description="Leads of jane@example.com",
        attachment=("scans.csv", CSV),
        attachment_rows=2,
    )
    return issue, issue.attachments.get()


@pytest.mark.parametrize(("role", "sees"), ROLES.items())
def test_issue_list_shows_a_confidential_issue_only_to_those_who_may_see_it(client, people, secret, role, sees):
    IssueFactory(title="Public request")
    client.force_login(people[role])
    html = client.get("/issues/?state=all").content.decode()
    assert "Public request" in html
    assert ("Secret booth scans" in html) is sees
    # Nor through a filter or a search that names it.
    assert ("Secret booth scans" in client.get("/issues/?q=Secret&confidential=true").content.decode()) is sees


@pytest.mark.parametrize(("role", "sees"), ROLES.items())
def test_issue_page_is_404_for_those_who_may_not_see_it(client, people, secret, role, sees):
    issue, _ = secret
    client.force_login(people[role])
    response = client.get(f"/issues/{issue.pk}/")
    assert response.status_code == (200 if sees else 404)
    if not sees:
        assert "Secret booth scans" not in response.content.decode()


@pytest.mark.parametrize(("role", "sees"), ROLES.items())
def test_attachment_downloads_only_for_those_who_may_see_the_issue(client, people, secret, role, sees):
    issue, attachment = secret
    client.force_login(people[role])
    response = client.get(f"/issues/{issue.pk}/attachments/{attachment.pk}/")
    assert response.status_code == (200 if sees else 404)
    if sees:
        assert response.content == b"\xef\xbb\xbf" + CSV  # no formula in it: the same rows, as UTF-8 with a BOM
        assert response["Content-Disposition"] == 'attachment; filename="scans.csv"'
        assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("role", "sees"), ROLES.items())
def test_api_hides_a_confidential_issue_from_those_who_may_not_see_it(client, people, secret, role, sees):
    issue, _ = secret
    client.force_login(people[role])
    listed = [row["id"] for row in client.get("/api/issues/").json()["results"]]
    assert (issue.pk in listed) is sees
    response = client.get(f"/api/issues/{issue.pk}/")
    assert response.status_code == (200 if sees else 404)
    if not sees:
        assert "Secret" not in response.content.decode()


@pytest.mark.parametrize(("role", "sees"), ROLES.items())
def test_actions_on_a_hidden_issue_are_404(client, people, secret, role, sees):
    issue, _ = secret
    client.force_login(people[role])
    response = client.post(f"/issues/{issue.pk}/comment/", {"body": "hello"})
    assert response.status_code == (302 if sees else 404)


def test_a_requester_gets_404_for_another_requesters_confidential_issue(client, other_requester):
    issue = IssueFactory(confidential=True, title="Not yours")
    client.force_login(other_requester)
    assert client.get(f"/issues/{issue.pk}/").status_code == 404
    assert client.get(f"/api/issues/{issue.pk}/").status_code == 404
    assert "Not yours" not in client.get("/issues/").content.decode()


def test_assignee_sees_a_confidential_issue_they_are_assigned(client):
    assignee = factories.requester(username="helper")
    issue = IssueFactory(confidential=True, assignee=assignee)
    client.force_login(assignee)
    assert client.get(f"/issues/{issue.pk}/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(client, secret):
    issue, attachment = secret
    for url in ("/issues/", f"/issues/{issue.pk}/", f"/issues/{issue.pk}/attachments/{attachment.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.get(f"/api/issues/{issue.pk}/").status_code in (401, 403)


def test_an_attachment_is_not_reachable_through_another_issue(client, other_requester, secret):
    _, attachment = secret
    public = IssueFactory(requester=other_requester)
    client.force_login(other_requester)
    assert client.get(f"/issues/{public.pk}/attachments/{attachment.pk}/").status_code == 404


def test_the_file_is_stored_outside_any_public_url(secret):
    _, attachment = secret
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    for public in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        assert not path.is_relative_to(Path(public).resolve())
    with pytest.raises(ValueError, match="no URL"):
        attachment.file.url  # noqa: B018


@pytest.mark.parametrize(("role", "sees"), ROLES.items())
def test_api_lists_the_attachments_only_to_those_who_may_see_the_issue(client, people, secret, role, sees):
    issue, attachment = secret
    client.force_login(people[role])
    response = client.get(f"/api/issues/{issue.pk}/attachments/")
    assert response.status_code == (200 if sees else 404)
    if sees:
        assert response.json() == [
            {
                "id": attachment.pk,
                "name": "scans.csv",
                "size": len(CSV),
                "row_count": 2,
                "uploaded_at": response.json()[0]["uploaded_at"],
                "download_url": f"http://testserver/issues/{issue.pk}/attachments/{attachment.pk}/",
            }
        ]
    else:
        assert "scans.csv" not in response.content.decode()
