"""POST /api/issues/{id}/move/: the contract scripts and the board rely on."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from mktgops_portal.compiled_queries import statement_sql
from requests_app.models import Issue, IssueTransition, Stage
from requests_app.services import POSITION_GAP
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(ic_user):
    client = APIClient()
    client.force_authenticate(ic_user)
    return client


def _move(client, issue_id, body, **kwargs):
    return client.post(f"/api/issues/{issue_id}/move/", body, format="json", **kwargs)


def test_accepted_move_answers_200_with_the_issue_and_logs_one_transition(api, ic_user):
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.READY, assignee=ic_user, milestone=current)
    response = _move(api, issue.pk, {"stage": "04"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == issue.pk
    assert body["stage"] == "04"
    assert body["stage_label"] == "MktgOps::04: In Progress"
    assert (body["assignee"], body["milestone"], body["blocked_from"]) == (ic_user.username, current.pk, "")
    # Only what the caller needs: no labels, text or position (each would cost a query or a serializer pass).
    assert set(body) == {"id", "stage", "stage_label", "blocked_from", "assignee", "milestone", "updated_at"}
    log = IssueTransition.objects.get(issue=issue)
    assert (log.from_stage, log.to_stage, log.by) == ("02", "04", ic_user)


def test_refused_move_answers_409_with_a_detail_that_says_what_to_do(api):
    issue = factories.IssueFactory(stage=Stage.READY)
    response = _move(api, issue.pk, {"stage": "04"})
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"Can't move #{issue.pk} to MktgOps::04: In Progress: it has no assignee and it is not in the current "
        "milestone. Assign someone and put it in the current milestone first."
    )
    issue.refresh_from_db()
    assert issue.stage == Stage.READY
    assert not IssueTransition.objects.exists()


def test_asking_for_information_without_a_question_answers_409(api):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = _move(api, issue.pk, {"stage": "01"})
    assert response.status_code == 409
    assert "Say what information you need from the requester" in response.json()["detail"]
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE


def test_move_outside_the_workflow_answers_409_listing_the_allowed_stages(api):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = _move(api, issue.pk, {"stage": "06"})
    assert response.status_code == 409
    assert "From 00: Triage it can go to 01: Needs More Information" in response.json()["detail"]


def test_move_to_the_stage_it_is_in_answers_409(api):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = _move(api, issue.pk, {"stage": "00"})
    assert response.status_code == 409
    assert "already in MktgOps::00: Triage" in response.json()["detail"]


def test_move_with_a_stale_expected_stage_answers_409_with_the_current_stage(api):
    issue = factories.IssueFactory(stage=Stage.NEEDS_INFO)
    response = _move(api, issue.pk, {"stage": "02", "expected_stage": "00"})
    assert response.status_code == 409
    assert "it is now in MktgOps::01: Needs More Information" in response.json()["detail"]


@pytest.mark.parametrize("who", ["requester", "other"])
def test_move_by_someone_outside_mktgops_answers_403(requester_user, other_requester, who):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, requester=requester_user)
    client = APIClient()
    client.force_authenticate(requester_user if who == "requester" else other_requester)
    for body in ({"stage": "02"}, {"stage": "06"}, {"stage": "00", "position": 0}):
        response = _move(client, issue.pk, body)
        assert response.status_code == 403, body
        assert "Only MktgOps" in response.json()["detail"]
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE


def test_reopening_a_completed_issue_is_forbidden_for_an_ic_and_allowed_for_a_manager(api, manager_user, ic_user):
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.COMPLETED, assignee=ic_user, milestone=current)
    assert _move(api, issue.pk, {"stage": "04"}).status_code == 403
    manager = APIClient()
    manager.force_authenticate(manager_user)
    assert _move(manager, issue.pk, {"stage": "04"}).status_code == 200


def test_a_manager_cannot_move_a_completed_issue_of_an_ended_milestone_back_to_in_progress(manager_user, ic_user):
    issue = factories.IssueFactory(stage=Stage.COMPLETED, assignee=ic_user, milestone=factories.past_milestone())
    manager = APIClient()
    manager.force_authenticate(manager_user)
    refused = _move(manager, issue.pk, {"stage": "04"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "move_guard_failed"
    assert "not in the current milestone" in refused.json()["detail"]
    issue.refresh_from_db()
    assert issue.stage == Stage.COMPLETED


def test_move_without_sign_in_is_refused(client):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = client.post(f"/api/issues/{issue.pk}/move/", {"stage": "02"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert response.json()["detail"]


def test_move_of_an_unknown_issue_answers_404(api):
    response = _move(api, 999999, {"stage": "02"})
    assert response.status_code == 404
    assert response.json()["detail"]


def test_move_of_a_confidential_issue_hidden_from_the_user_answers_404(requester_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, confidential=True)
    client = APIClient()
    client.force_authenticate(requester_user)
    assert _move(client, issue.pk, {"stage": "02"}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"stage": "99"},
        {"stage": "Triage"},
        {"stage": "02", "position": -1},
        {"stage": "02", "position": "first"},
        {"stage": "02", "position": 10**30},  # beyond any database integer
        {"stage": "02", "expected_stage": "x"},
        ["02"],
    ],
)
def test_malformed_body_answers_400_with_a_detail(api, body):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = _move(api, issue.pk, body)
    assert response.status_code == 400
    assert response.json()["detail"]
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE


def test_body_that_is_not_json_answers_400(api):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = api.post(f"/api/issues/{issue.pk}/move/", "{stage: 02", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_move_puts_the_issue_at_the_requested_position_of_the_target_column(api):
    column = [factories.IssueFactory(stage=Stage.NEEDS_INFO, position=(i + 1) * POSITION_GAP) for i in range(3)]
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = _move(api, issue.pk, {"stage": "01", "position": 1, "reason": "Which list is it?"})
    assert response.status_code == 200
    order = list(Issue.objects.filter(stage=Stage.NEEDS_INFO).order_by("position", "pk").values_list("pk", flat=True))
    assert order == [column[0].pk, issue.pk, column[1].pk, column[2].pk]
    assert response.json()["stage"] == "01"


@pytest.mark.parametrize(("position", "index"), [(0, 0), (2, 2), (3, 3), (50, 3), (None, 3)])
def test_reorder_within_a_column_persists_the_position(api, position, index):
    column = [factories.IssueFactory(stage=Stage.TRIAGE, position=(i + 1) * POSITION_GAP) for i in range(4)]
    moved = column.pop(1)
    body = {"stage": "00"} if position is None else {"stage": "00", "position": position}
    response = _move(api, moved.pk, body)
    if position is None:
        # No position and the same stage is not a move at all.
        assert response.status_code == 409
        return
    assert response.status_code == 200
    column.insert(index, moved)
    order = list(Issue.objects.filter(stage=Stage.TRIAGE).order_by("position", "pk").values_list("pk", flat=True))
    assert order == [i.pk for i in column]
    assert not IssueTransition.objects.exists()


def test_reorder_writes_one_row_until_a_gap_is_used_up(api, django_assert_max_num_queries):
    column = [factories.IssueFactory(stage=Stage.TRIAGE, position=p) for p in (0, 1, 2, 3)]
    # No integer between 0 and 1: the column is renumbered once, then the card takes the midpoint.
    response = _move(api, column[3].pk, {"stage": "00", "position": 1})
    assert response.status_code == 200
    order = list(Issue.objects.filter(stage=Stage.TRIAGE).order_by("position", "pk").values_list("pk", flat=True))
    assert order == [column[0].pk, column[3].pk, column[1].pk, column[2].pk]
    positions = list(Issue.objects.filter(stage=Stage.TRIAGE).order_by("position").values_list("position", flat=True))
    assert positions[1] - positions[0] > 1
    assert positions[2] - positions[1] > 1
    issue = Issue.objects.get(pk=column[2].pk)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert _move(api, issue.pk, {"stage": "00", "position": 0}).status_code == 200
    assert len([q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]) == 1


def test_blocking_needs_a_reason_and_unblocking_returns_to_the_stage_it_came_from(api):
    issue = factories.IssueFactory(stage=Stage.READY)
    assert _move(api, issue.pk, {"stage": "07"}).status_code == 409
    assert _move(api, issue.pk, {"stage": "07", "reason": "Waiting on Legal"}).status_code == 200
    wrong = _move(api, issue.pk, {"stage": "00"})
    assert wrong.status_code == 409
    assert "returns to the stage it came from, MktgOps::02: Ready for Assignment" in wrong.json()["detail"]
    assert _move(api, issue.pk, {"stage": "02"}).json()["stage"] == "02"


def test_moving_a_closed_issue_answers_409(api):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    Issue.objects.filter(pk=issue.pk).update(closed_at="2026-01-01T00:00:00Z")
    response = _move(api, issue.pk, {"stage": "02"})
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]


def test_an_id_that_is_not_a_number_answers_404_in_json(api):
    for response in (_move(api, "abc", {"stage": "02"}), api.get("/api/issues/abc/"), api.get("/api/nowhere/")):
        assert response.status_code == 404
        assert response.json()["detail"]


def test_a_move_reads_the_issue_row_once_under_its_lock(api, ic_user, django_assert_num_queries):
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ic_user, milestone=current)
    factories.IssueFactory(stage=Stage.REVIEW, assignee=ic_user, milestone=current)
    # As the services leave an issue: its requester and assignee watch it (their rows say who to tell).
    for user in (issue.requester, ic_user):
        factories.WatchFactory(issue=issue, user=user)
    # savepoint, the locked read, the update (which computes the column's end itself: no column lock for an
    # append), the log row, the watchers with their e-mail preferences, the notifications, the outbox row of
    # their e-mail task, release. Roles are cached.
    with django_assert_num_queries(8) as captured:
        assert _move(api, issue.pk, {"stage": "05"}).status_code == 200
    sql = [statement_sql(q["sql"]) for q in captured.captured_queries]  # prepared statements as their SQL
    reads_by_id = [q for q in sql if q.startswith("SELECT") and 'WHERE "requests_app_issue"."id" = ' in q]
    assert len(reads_by_id) == 1
    assert ("FOR UPDATE" in reads_by_id[0]) == connection.features.has_select_for_update
    update = next(q for q in sql if q.startswith("UPDATE"))
    assert "COALESCE((SELECT" in update  # the position is computed inside the UPDATE
    other = Issue.objects.exclude(pk=issue.pk).get()
    assert Issue.objects.get(pk=issue.pk).position == other.position + POSITION_GAP  # after the column's last card
