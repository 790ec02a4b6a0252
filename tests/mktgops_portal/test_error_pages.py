"""Not found, forbidden and server errors: JSON `{detail, code}` under /api/, the portal's own pages elsewhere —
with DEBUG on too (`make run`)."""

import json

import pytest
from django.test import RequestFactory

from mktgops_portal.error_pages import server_error

pytestmark = pytest.mark.django_db


def test_a_missing_page_keeps_the_portal_layout_and_says_what_may_be_hidden(client, ic_user):
    client.force_login(ic_user)
    response = client.get("/nowhere/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html
    assert "Confidential requests" in html
    assert 'href="/issues/"' in html


def test_a_missing_api_url_answers_json(client, ic_user):
    client.force_login(ic_user)
    response = client.get("/api/nowhere/")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is nothing here, or it is not visible to you.", "code": "not_found"}


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


def test_under_debug_a_missing_page_is_still_the_portals_own(debug_on, client, ic_user):
    client.force_login(ic_user)
    response = client.get("/nowhere/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Confidential requests" in html
    assert "technical" not in html.lower()
    assert "URLconf" not in html


def test_under_debug_a_hidden_issue_is_the_portals_404(debug_on, client, requester_user):
    from tests import factories

    hidden = factories.IssueFactory(confidential=True)
    client.force_login(requester_user)
    response = client.get(f"/issues/{hidden.pk}/")
    assert response.status_code == 404
    assert 'data-code="not_found"' in response.content.decode()
    assert hidden.title not in response.content.decode()


def test_under_debug_a_forbidden_page_is_the_portals_403(debug_on, client, ic_user):
    client.force_login(ic_user)
    response = client.get("/slack/outbox/")
    assert response.status_code == 403
    assert 'data-code="forbidden"' in response.content.decode()


def test_under_debug_a_missing_api_url_answers_json(debug_on, client, ic_user):
    client.force_login(ic_user)
    response = client.get("/api/nowhere/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("path", "json_body"), [("/api/issues/", True), ("/board/", False)])
def test_a_server_error_answers_json_under_the_api_and_a_page_elsewhere(path, json_body):
    response = server_error(RequestFactory().get(path))
    assert response.status_code == 500
    if json_body:
        assert json.loads(response.content)["detail"]
    else:
        assert b"Something went wrong" in response.content
