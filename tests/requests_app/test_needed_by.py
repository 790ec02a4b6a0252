"""Issue 13: the needed-by date — refused in the past on filing, shown with an overdue badge, filtered and sorted."""

import datetime

import pytest
from django.utils import timezone

from mktgops_portal.errors import Invalid
from requests_app import services
from requests_app.errors import CollabErrorCode
from requests_app.models import Issue
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def test_filing_with_a_past_date_is_refused_with_a_message_and_files_nothing(client, requester_user, taxonomy):
    from tests.requests_app.test_intake import VALID

    client.force_login(requester_user)
    response = client.post("/requests/new/bug/", {**VALID["bug"], "needed_by": (TODAY() - DAY).isoformat()})
    assert response.status_code == 200
    assert "The needed-by date is in the past" in response.content.decode()
    assert not Issue.objects.exists()
    response = client.post("/requests/new/bug/", {**VALID["bug"], "needed_by": (TODAY() + DAY).isoformat()})
    assert response.status_code == 302
    assert Issue.objects.get().needed_by == TODAY() + DAY


def test_the_service_and_the_api_refuse_a_past_date_too(api_client, requester_user):
    with pytest.raises(Invalid) as refused:
        services.issue_create(requester=requester_user, title="x", needed_by=TODAY() - DAY)
    assert refused.value.code == CollabErrorCode.PAST_DATE
    api_client.force_authenticate(requester_user)
    response = api_client.post("/api/issues/", {"title": "x", "needed_by": str(TODAY() - DAY)}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "needed_by_in_past"


def test_mktgops_changes_the_date_through_the_api_and_the_timeline_says_so(api_client, ic_user, requester_user):
    issue = IssueFactory(requester=requester_user)
    api_client.force_authenticate(ic_user)
    day = TODAY() + 5 * DAY
    response = api_client.patch(f"/api/issues/{issue.pk}/", {"needed_by": str(day)}, format="json")
    assert response.status_code == 200
    assert response.json()["needed_by"] == str(day)
    assert issue.events.get().kind == "needed_by_changed"


def _overdue(**kwargs):
    issue = IssueFactory(**kwargs)
    Issue.objects.filter(pk=issue.pk).update(needed_by=TODAY() - 3 * DAY)  # it passed since it was filed
    return Issue.objects.get(pk=issue.pk)


def test_cards_and_list_rows_show_the_date_and_an_overdue_badge(client, ic_user):
    late = _overdue(title="Late one")
    soon = IssueFactory(title="Soon one", needed_by=TODAY() + 2 * DAY)
    client.force_login(ic_user)
    board = client.get("/board/").content.decode()
    late_card = board.split(f'id="card-{late.pk}"', 1)[1].split("</article>", 1)[0]
    soon_card = board.split(f'id="card-{soon.pk}"', 1)[1].split("</article>", 1)[0]
    assert "overdue" in late_card
    assert "needed by" in soon_card
    assert "overdue" not in soon_card
    listing = client.get("/issues/").content.decode()
    assert 'class="badge overdue"' in listing


def test_the_list_board_and_api_filter_overdue_and_sort_by_date(client, api_client, ic_user):
    late = _overdue(title="Late one")
    soon = IssueFactory(title="Soon one", needed_by=TODAY() + 2 * DAY)
    later = IssueFactory(title="Later one", needed_by=TODAY() + 20 * DAY)
    undated = IssueFactory(title="Undated one")
    client.force_login(ic_user)
    listing = client.get("/issues/?due=overdue").content.decode()
    assert "Late one" in listing
    assert "Soon one" not in listing
    board = client.get("/board/?due=overdue").content.decode()
    assert f'id="card-{late.pk}"' in board
    assert f'id="card-{soon.pk}"' not in board
    page = client.get("/issues/?sort=needed_by").context["page"]
    assert [i.pk for i in page.object_list] == [late.pk, soon.pk, later.pk, undated.pk]  # undated last
    api_client.force_authenticate(ic_user)
    data = api_client.get("/api/issues/?due=week&ordering=needed_by").json()
    assert [row["id"] for row in data["results"]] == [soon.pk]
    data = api_client.get("/api/issues/?ordering=-needed_by").json()
    assert [row["id"] for row in data["results"]] == [later.pk, soon.pk, late.pk, undated.pk]
    assert data["results"][2]["is_overdue"] is True
