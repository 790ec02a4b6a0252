"""The issues API: visibility of confidential issues for each role, create, and triage PATCH."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from requests_app.models import Issue
from tests import factories as f


@pytest.fixture
def people(db):
    return {
        "requester": f.requester(username="rita"),
        "other": f.requester(username="otto"),
        "assignee": f.ic(username="ali"),
        "ic": f.ic(username="ivan"),
        "manager": f.manager(username="mona"),
    }


@pytest.fixture
def secret(people):
    return f.IssueFactory(
        requester=people["requester"],
        assignee=people["assignee"],
        confidential=True,
        title="Import attendees with phone numbers",
    )


@pytest.fixture
def public(people):
    return f.IssueFactory(requester=people["other"], title="Fix Marketo form")


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("who", "sees_secret"),
    [("requester", True), ("assignee", True), ("ic", True), ("manager", True), ("other", False)],
)
def test_confidential_issue_visibility_through_list_and_detail(people, secret, public, who, sees_secret):
    client = client_for(people[who])

    listed = client.get("/api/issues/").json()["results"]
    ids = {row["id"] for row in listed}
    assert public.pk in ids
    assert (secret.pk in ids) is sees_secret
    assert all("phone numbers" not in row["title"] for row in listed) or sees_secret

    detail = client.get(f"/api/issues/{secret.pk}/")
    assert detail.status_code == (200 if sees_secret else 404)
    if not sees_secret:
        assert "phone numbers" not in detail.content.decode()
        assert detail.json()["detail"]


def test_confidential_filter_does_not_reveal_hidden_issues(people, secret):
    rows = client_for(people["other"]).get("/api/issues/?confidential=true").json()["results"]
    assert rows == []


def test_anonymous_gets_403(db, public):
    response = APIClient().get("/api/issues/")
    assert response.status_code == 403
    assert "detail" in response.json()


def test_issue_json_shape(people, public):
    row = client_for(people["ic"]).get(f"/api/issues/{public.pk}/").json()
    for key in [
        "id",
        "title",
        "description",
        "request_type",
        "confidential",
        "stage",
        "stage_label",
        "labels",
        "assignee",
        "milestone",
        "weight",
        "position",
        "web_url",
    ]:
        assert key in row
    assert row["stage"] == "00"
    assert row["stage_label"] == "MktgOps::00: Triage"
    assert row["labels"][0] == "MktgOps::00: Triage"
    assert row["web_url"].endswith(f"/issues/{public.pk}/")


def test_post_creates_a_triage_issue_for_the_caller(people):
    f.LabelFactory(name="MktgOps - List Import")
    response = client_for(people["requester"]).post(
        "/api/issues/", {"title": "Import booth scans", "request_type": "list_import"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    issue = Issue.objects.get(pk=body["id"])
    assert issue.requester == people["requester"]
    assert (body["stage"], body["confidential"]) == ("00", True)
    assert "MktgOps - List Import" in body["labels"]


def test_post_without_title_is_400_with_detail(people):
    response = client_for(people["requester"]).post("/api/issues/", {"request_type": "bug"}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()["detail"]
    assert not Issue.objects.exists()


def test_post_with_unknown_type_is_400(people):
    response = client_for(people["requester"]).post(
        "/api/issues/", {"title": "x", "request_type": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert not Issue.objects.exists()


def test_patch_triage_fields(people, public):
    milestone = f.future_milestone()
    high = f.LabelFactory(name="MktgOpsPriority::High")
    response = client_for(people["ic"]).patch(
        f"/api/issues/{public.pk}/",
        {
            "assignee": "ivan",
            "milestone": milestone.pk,
            "weight": 5,
            "labels": [high.name],
            "rollover_reason": "Waiting on Legal",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    public.refresh_from_db()
    assert (public.assignee, public.milestone, public.weight) == (people["ic"], milestone, 5)
    assert (public.rollover_reason, public.rollover_reason_by) == ("Waiting on Legal", people["ic"])
    assert response.json()["labels"] == ["MktgOps::00: Triage", "MktgOpsPriority::High"]


def test_patch_never_takes_stage(people, public):
    response = client_for(people["ic"]).patch(f"/api/issues/{public.pk}/", {"stage": "04"}, format="json")
    assert response.status_code == 400
    assert "move/" in response.json()["detail"]
    assert Issue.objects.get(pk=public.pk).stage == "00"


def test_patch_by_requester_is_403(people, public):
    response = client_for(people["other"]).patch(f"/api/issues/{public.pk}/", {"weight": 3}, format="json")
    assert response.status_code == 403
    assert Issue.objects.get(pk=public.pk).weight is None


def test_patch_unknown_label_is_400(people, public):
    response = client_for(people["ic"]).patch(f"/api/issues/{public.pk}/", {"labels": ["Nope"]}, format="json")
    assert response.status_code == 400
    assert "Unknown labels: Nope" in response.json()["detail"]


def test_patch_assigning_a_non_mktgops_user_is_400(people, public):
    response = client_for(people["ic"]).patch(f"/api/issues/{public.pk}/", {"assignee": "otto"}, format="json")
    assert response.status_code == 400
    assert "not in MktgOps" in response.json()["detail"]


def test_schema_is_served(people):
    response = client_for(people["ic"]).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/issues/{id}/move/" in response.content


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_api_description_is_for_signed_in_users(db, url):
    response = APIClient().get(url)
    assert response.status_code == 403
    assert b"/api/issues/" not in response.content


def test_api_docs_load_swagger_ui_from_the_portal_not_a_cdn(people):
    """Third-party script on the portal's origin could use the session: it comes from the installed sidecar."""
    import re

    from django.contrib.staticfiles import finders

    client = Client()
    client.force_login(people["requester"])
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 4  # favicon, stylesheet, two scripts, and the start-up script served by the page
    assert "<script>" not in html  # no inline script: the Content-Security-Policy allows none
    for asset in assets:
        if asset == "/api/docs/?script=":  # Swagger UI's start-up code, from the portal itself
            assert client.get(asset)["Content-Type"].startswith("application/javascript")
            continue
        assert asset.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset


def test_labels_and_milestones_lists(people):
    f.LabelFactory(name="MktgOpsPriority::Low")
    f.current_milestone()
    client = client_for(people["requester"])
    labels = client.get("/api/labels/").json()
    assert {"name": "MktgOpsPriority::Low", "scope": "MktgOpsPriority"}.items() <= labels[0].items()
    milestones = client.get("/api/milestones/").json()["results"]
    assert milestones[0]["state"] == "current"


def test_healthz(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.parametrize("q", ["²", "#²", "9" * 30])  # "²" is a digit to str.isdigit, not to int()
def test_search_that_is_almost_an_issue_number_is_a_text_search(people, public, q):
    response = client_for(people["ic"]).get("/api/issues/", {"q": q})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_nested_field_error_has_a_readable_detail(people, public):
    response = client_for(people["ic"]).patch(f"/api/issues/{public.pk}/", {"labels": [{"a": 1}]}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "labels: Not a valid string."
