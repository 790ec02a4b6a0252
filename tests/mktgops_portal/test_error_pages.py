"""Not found and server errors: JSON with a `detail` under /api/, the portal's own pages elsewhere."""

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
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(("path", "json_body"), [("/api/issues/", True), ("/board/", False)])
def test_a_server_error_answers_json_under_the_api_and_a_page_elsewhere(path, json_body):
    response = server_error(RequestFactory().get(path))
    assert response.status_code == 500
    if json_body:
        assert json.loads(response.content)["detail"]
    else:
        assert b"Something went wrong" in response.content
