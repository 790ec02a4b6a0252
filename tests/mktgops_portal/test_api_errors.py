"""Every API error carries `detail` (for people) and `code` (for scripts), whatever raised it."""

import pytest
from rest_framework.test import APIClient

from requests_app.models import Stage
from tests import factories

pytestmark = pytest.mark.django_db


def _client(user=None):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def test_error_answers_carry_detail_and_code(requester_user, ic_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, requester=requester_user)
    hidden = factories.IssueFactory(confidential=True)
    cases = [
        # (client, method, path, body, status, code)
        (_client(), "get", "/api/issues/", None, 403, "not_authenticated"),
        (_client(ic_user), "get", "/api/issues/999999/", None, 404, "not_found"),
        (_client(requester_user), "get", f"/api/issues/{hidden.pk}/", None, 404, "not_found"),
        (_client(ic_user), "post", "/api/issues/", {"title": ""}, 400, "invalid"),
        (_client(ic_user), "delete", f"/api/issues/{issue.pk}/", None, 405, "method_not_allowed"),
        (_client(requester_user), "post", f"/api/issues/{issue.pk}/move/", {"stage": "02"}, 403, "forbidden"),
        (_client(ic_user), "post", f"/api/issues/{issue.pk}/move/", {"stage": "05"}, 409, "move_not_in_workflow"),
        (_client(ic_user), "post", f"/api/issues/{issue.pk}/move/", {"stage": "01"}, 409, "move_guard_failed"),
        (
            _client(ic_user),
            "post",
            f"/api/issues/{issue.pk}/move/",
            {"stage": "02", "expected_stage": "03"},
            409,
            "stage_changed",
        ),
        (_client(ic_user), "patch", f"/api/issues/{issue.pk}/", {"labels": ["No such label"]}, 400, "invalid"),
        (_client(ic_user), "get", "/api/nowhere/", None, 404, "not_found"),
    ]
    for api, method, path, body, status, code in cases:
        response = getattr(api, method)(path, body, format="json") if body else getattr(api, method)(path)
        assert response.status_code == status, (path, body, response.content)
        data = response.json()
        assert data["code"] == code, (path, body, data)
        assert isinstance(data["detail"], str)
        assert data["detail"], (path, body)


def test_field_errors_keep_their_fields_beside_the_sentence(ic_user):
    response = _client(ic_user).post("/api/issues/", {"title": "", "request_type": "nope"}, format="json")
    assert response.status_code == 400
    data = response.json()
    assert set(data["errors"]) == {"title", "request_type"}
    assert data["detail"].startswith("title:")
