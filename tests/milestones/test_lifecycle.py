"""The milestone lifecycle: upcoming → current → ended → rolled over → closed, and reopen with a reason.

Closing needs the milestone ended, its rollover done and its handbook MR merged (issue 14); each refusal says
which step is missing. Only managers close and reopen.
"""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from milestones.errors import MilestoneErrorCode
from milestones.models import Milestone, MilestoneEvent, MilestoneState, Rollover, RolloverStatus
from milestones.services import (
    MilestoneError,
    milestone_close,
    milestone_record_handbook_mr,
    milestone_reopen,
    milestone_rollover,
    milestones_catch_up,
    milestones_ensure_ahead,
)
from mktgops_portal.errors import Forbidden, Invalid, PortalError
from requests_app.services import issue_update
from tests import factories as f
from tests.milestones.rollover_data import ended_milestone_with_every_stage

MR = "https://gitlab.com/handbook/-/merge_requests/7"


def merged(milestone):
    return milestone_record_handbook_mr(milestone=milestone, url=MR, merged=True)


def refusal(exc_info):
    return exc_info.value.code, exc_info.value.message


# --- The calendar's transitions ----------------------------------------------------------------------------


def test_new_cadence_milestones_take_the_state_their_dates_give(db):
    created = milestones_ensure_ahead(ahead=2)
    assert [m.state for m in created] == [MilestoneState.CURRENT, MilestoneState.UPCOMING, MilestoneState.UPCOMING]


def test_catch_up_starts_and_ends_milestones_on_their_days_and_logs_each_change(db):
    today = timezone.localdate()
    starting = f.MilestoneFactory(start_date=today, due_date=today + datetime.timedelta(days=13))
    running = f.current_milestone()
    Milestone.objects.filter(pk=starting.pk).update(state=MilestoneState.UPCOMING)  # as it was yesterday
    Milestone.objects.filter(pk=running.pk).update(due_date=today - datetime.timedelta(days=1))

    assert milestones_catch_up() == 2
    assert Milestone.objects.get(pk=starting.pk).state == MilestoneState.CURRENT
    assert Milestone.objects.get(pk=running.pk).state == MilestoneState.ENDED
    log = [(e.milestone_id, e.transition, e.from_state, e.to_state, e.by) for e in MilestoneEvent.objects.all()]
    assert sorted(log) == sorted(
        [(starting.pk, "start", "upcoming", "current", None), (running.pk, "end", "current", "ended", None)]
    )
    assert milestones_catch_up() == 0  # nothing left to do: nothing changes, nothing is logged again
    assert MilestoneEvent.objects.count() == 2


def test_a_finished_rollover_moves_the_milestone_to_rolled_over(db):
    ended = ended_milestone_with_every_stage()
    assert Milestone.objects.get(pk=ended.milestone.pk).state == MilestoneState.ENDED
    milestone_rollover(milestone=ended.milestone, by=ended.manager)
    milestone = Milestone.objects.get(pk=ended.milestone.pk)
    assert milestone.state == MilestoneState.ROLLED_OVER
    assert milestone.events.get().transition == "mark_rolled_over"


# --- Closing: allowed and refused ----------------------------------------------------------------------------


def test_a_running_milestone_cannot_be_closed_even_with_its_handbook_mr_merged(db, manager_user):
    current = merged(f.current_milestone())
    with pytest.raises(MilestoneError) as refused:
        milestone_close(milestone=current, by=manager_user)
    code, message = refusal(refused)
    assert code == MilestoneErrorCode.NOT_ENDED
    assert f"it is still running until {current.due_date:%a %d %b %Y}" in message
    assert "its rollover has not finished" in message
    current.refresh_from_db()
    assert (current.state, current.closed_at) == (MilestoneState.CURRENT, None)
    assert not MilestoneEvent.objects.exists()


def test_an_upcoming_milestone_cannot_be_closed(db, manager_user):
    with pytest.raises(MilestoneError) as refused:
        milestone_close(milestone=merged(f.future_milestone()), by=manager_user)
    assert refused.value.code == MilestoneErrorCode.NOT_ENDED


def test_an_ended_milestone_cannot_be_closed_before_its_rollover_is_done(db, manager_user):
    ended = merged(f.past_milestone())
    Rollover.objects.create(milestone=ended, status=RolloverStatus.PARENT_POSTED)  # half-way
    with pytest.raises(MilestoneError) as refused:
        milestone_close(milestone=ended, by=manager_user)
    assert refusal(refused) == (
        MilestoneErrorCode.NOT_ROLLED_OVER,
        f"{ended.title} cannot be closed: its rollover has not finished; run (or resume) the rollover first.",
    )
    assert Milestone.objects.get(pk=ended.pk).state == MilestoneState.ENDED


def test_closing_needs_the_handbook_mr_recorded_then_merged(db, manager_user):
    milestone = f.rolled_over_milestone()
    with pytest.raises(MilestoneError) as refused:
        milestone_close(milestone=milestone, by=manager_user)
    assert refused.value.code == MilestoneErrorCode.HANDBOOK_MR_MISSING
    assert "record its handbook merge request URL first" in refused.value.message

    milestone_record_handbook_mr(milestone=milestone, url=MR, merged=False)
    with pytest.raises(MilestoneError) as refused:
        milestone_close(milestone=milestone, by=manager_user)
    assert refused.value.code == MilestoneErrorCode.HANDBOOK_MR_NOT_MERGED
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.ROLLED_OVER

    merged(milestone)
    closed = milestone_close(milestone=milestone, by=manager_user)
    assert closed.state == MilestoneState.CLOSED
    assert closed.closed_at is not None
    event = closed.events.get()
    assert (event.transition, event.from_state, event.to_state, event.by) == (
        "close",
        "rolled_over",
        "closed",
        manager_user,
    )


def test_a_closed_milestone_cannot_be_closed_again(db, manager_user):
    milestone = milestone_close(milestone=merged(f.rolled_over_milestone()), by=manager_user)
    with pytest.raises(MilestoneError) as refused:
        milestone_close(milestone=milestone, by=manager_user)
    assert refusal(refused) == (MilestoneErrorCode.ALREADY_CLOSED, f"{milestone.title} is already closed.")


@pytest.mark.parametrize("who", ["ic", "requester"])
def test_only_managers_close_a_milestone(db, who):
    user = f.ic() if who == "ic" else f.requester()
    milestone = merged(f.rolled_over_milestone())
    with pytest.raises(Forbidden) as refused:
        milestone_close(milestone=milestone, by=user)
    assert refused.value.code == MilestoneErrorCode.MANAGERS_ONLY
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.ROLLED_OVER


def test_a_closed_milestone_takes_no_issues_and_a_reopened_running_one_does(db, manager_user, ic_user):
    # Closed while still running, as the portal allowed before the lifecycle: the planning rule reads the state.
    milestone = f.current_milestone()
    Milestone.objects.filter(pk=milestone.pk).update(state=MilestoneState.CLOSED, closed_at=timezone.now())
    milestone.refresh_from_db()
    issue = f.IssueFactory()
    with pytest.raises(PortalError) as refused:
        issue_update(issue=issue, by=ic_user, milestone=milestone)
    assert refused.value.code == "milestone_closed"
    milestone = milestone_reopen(milestone=milestone, by=manager_user, reason="Closed by mistake")
    assert milestone.state == MilestoneState.CURRENT
    issue_update(issue=issue, by=ic_user, milestone=milestone)
    issue.refresh_from_db()
    assert issue.milestone == milestone


# --- Reopening -------------------------------------------------------------------------------------------------


def test_a_manager_reopens_a_closed_milestone_with_a_reason_and_it_is_logged(db, manager_user):
    milestone = milestone_close(milestone=merged(f.rolled_over_milestone()), by=manager_user)
    reopened = milestone_reopen(milestone=milestone, by=manager_user, reason="  Closed before the retro notes  ")
    assert reopened.state == MilestoneState.ROLLED_OVER
    assert reopened.closed_at is None
    event = reopened.events.order_by("-pk").first()
    assert (event.transition, event.from_state, event.to_state, event.by, event.reason) == (
        "reopen",
        "closed",
        "rolled_over",
        manager_user,
        "Closed before the retro notes",
    )


def test_a_legacy_milestone_closed_while_running_reopens_to_current(db, manager_user):
    running = f.current_milestone()
    Milestone.objects.filter(pk=running.pk).update(state=MilestoneState.CLOSED, closed_at=timezone.now())
    assert milestone_reopen(milestone=running, by=manager_user, reason="Closed by mistake").state == "current"


def test_reopening_needs_a_reason(db, manager_user):
    milestone = milestone_close(milestone=merged(f.rolled_over_milestone()), by=manager_user)
    with pytest.raises(Invalid) as refused:
        milestone_reopen(milestone=milestone, by=manager_user, reason="   ")
    assert refused.value.code == MilestoneErrorCode.REASON_REQUIRED
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.CLOSED


def test_only_managers_reopen(db, manager_user, ic_user):
    milestone = milestone_close(milestone=merged(f.rolled_over_milestone()), by=manager_user)
    with pytest.raises(Forbidden):
        milestone_reopen(milestone=milestone, by=ic_user, reason="I want to")
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.CLOSED


def test_a_milestone_that_is_not_closed_cannot_be_reopened(db, manager_user):
    with pytest.raises(MilestoneError) as refused:
        milestone_reopen(milestone=f.current_milestone(), by=manager_user, reason="Why not")
    assert refused.value.code == MilestoneErrorCode.NOT_CLOSED


# --- The data migration -----------------------------------------------------------------------------------------


def test_the_migration_derives_each_state_from_todays_fields(db):
    migration = importlib.import_module("milestones.migrations.0004_milestone_lifecycle_state")
    closed = f.rolled_over_milestone(ended_days_ago=32, closed_at=timezone.now())
    rolled = f.rolled_over_milestone(ended_days_ago=18)
    ended = f.past_milestone()
    current, upcoming = f.current_milestone(), f.future_milestone()
    Milestone.objects.update(state=MilestoneState.UPCOMING)  # what AddField leaves behind

    migration.states_from_dates_and_rollovers(django_apps, None)

    states = dict(Milestone.objects.values_list("pk", "state"))
    assert [states[m.pk] for m in (closed, rolled, ended, current, upcoming)] == [
        "closed",
        "rolled_over",
        "ended",
        "current",
        "upcoming",
    ]


# --- The page -------------------------------------------------------------------------------------------------


def test_a_manager_cannot_close_a_running_milestone_and_the_page_says_why(client, manager_user):
    current = merged(f.current_milestone())
    client.force_login(manager_user)
    page = client.get(f"/milestones/{current.pk}/").content.decode()
    assert "Current</span>" in page
    assert f"Running until {current.due_date:%a %d %b}" in page
    assert "Cannot be closed yet: it is still running until" in page
    assert "Close milestone…" not in page

    confirm = client.get(f"/milestones/{current.pk}/close/").content.decode()
    assert "cannot be closed yet" in confirm
    assert 'name="confirm"' not in confirm

    page = client.post(f"/milestones/{current.pk}/close/", {"confirm": "on"}, follow=True).content.decode()
    assert "cannot be closed: it is still running until" in page
    assert Milestone.objects.get(pk=current.pk).state == MilestoneState.CURRENT


def test_closing_from_the_page_asks_for_confirmation_first(client, manager_user):
    milestone = merged(f.rolled_over_milestone())
    client.force_login(manager_user)
    page = client.get(f"/milestones/{milestone.pk}/").content.decode()
    assert "Next: close the milestone." in page
    assert f'href="/milestones/{milestone.pk}/close/"' in page

    confirm = client.get(f"/milestones/{milestone.pk}/close/").content.decode()
    assert 'name="confirm"' in confirm
    unconfirmed = client.post(f"/milestones/{milestone.pk}/close/", {})
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm." in unconfirmed.content.decode()
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.ROLLED_OVER

    page = client.post(f"/milestones/{milestone.pk}/close/", {"confirm": "on"}, follow=True).content.decode()
    assert f"{milestone.title} is closed." in page
    assert "Closed: nothing left to do." in page
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.CLOSED


def test_reopening_from_the_page_keeps_a_missing_reason_on_the_form_then_logs_it(client, manager_user):
    milestone = milestone_close(milestone=merged(f.rolled_over_milestone()), by=manager_user)
    client.force_login(manager_user)
    refused = client.post(f"/milestones/{milestone.pk}/reopen/", {"reason": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()

    page = client.post(f"/milestones/{milestone.pk}/reopen/", {"reason": "Retro notes missing"}, follow=True)
    html = page.content.decode()
    assert f"{milestone.title} is reopened." in html
    assert "Closed → Rolled over by " in html
    assert "“Retro notes missing”" in html


def test_close_and_reopen_pages_are_for_managers_only(client, ic_user, manager_user):
    milestone = merged(f.rolled_over_milestone())
    client.force_login(ic_user)
    assert client.get(f"/milestones/{milestone.pk}/close/").status_code == 403
    assert client.post(f"/milestones/{milestone.pk}/close/", {"confirm": "on"}).status_code == 403
    milestone_close(milestone=milestone, by=manager_user)
    assert client.post(f"/milestones/{milestone.pk}/reopen/", {"reason": "x"}).status_code == 403
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.CLOSED


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (f.future_milestone, "Plan issues into it"),
        (f.past_milestone, "Next: roll over its unfinished issues"),
        (f.rolled_over_milestone, "Next: record the handbook merge request"),
    ],
)
def test_the_page_shows_the_state_and_the_next_step(client, ic_user, make, says):
    milestone = make()
    client.force_login(ic_user)
    page = client.get(f"/milestones/{milestone.pk}/").content.decode()
    assert f"milestone-state-{milestone.state}" in page
    assert says in page


# --- The API ----------------------------------------------------------------------------------------------------


def test_api_close_refuses_a_running_milestone_with_its_code(client, manager_user):
    current = merged(f.current_milestone())
    client.force_login(manager_user)
    response = client.post(f"/api/milestones/{current.pk}/close/")
    assert response.status_code == 409
    assert response.json()["code"] == "milestone_not_ended"
    assert "still running" in response.json()["detail"]


def test_api_close_and_reopen_by_a_manager(client, manager_user):
    milestone = merged(f.rolled_over_milestone())
    client.force_login(manager_user)
    closed = client.post(f"/api/milestones/{milestone.pk}/close/")
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"

    no_reason = client.post(f"/api/milestones/{milestone.pk}/reopen/", {}, content_type="application/json")
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "milestone_reason_required")
    reopened = client.post(
        f"/api/milestones/{milestone.pk}/reopen/", {"reason": "Wrong one"}, content_type="application/json"
    )
    assert reopened.status_code == 200
    assert reopened.json()["state"] == "rolled_over"
    again = client.post(f"/api/milestones/{milestone.pk}/reopen/", {"reason": "x"}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "milestone_not_closed")


def test_api_close_is_forbidden_to_an_ic(client, ic_user):
    milestone = merged(f.rolled_over_milestone())
    client.force_login(ic_user)
    response = client.post(f"/api/milestones/{milestone.pk}/close/")
    assert (response.status_code, response.json()["code"]) == (403, "milestone_managers_only")
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.ROLLED_OVER


def test_a_milestone_added_in_the_admin_for_running_dates_becomes_current_logged(admin_client):
    today = timezone.localdate()
    response = admin_client.post(
        "/admin/milestones/milestone/add/",
        {
            "title": "Catch-up sprint",
            "start_date": (today - datetime.timedelta(days=2)).isoformat(),
            "due_date": (today + datetime.timedelta(days=11)).isoformat(),
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    milestone = Milestone.objects.get(title="Catch-up sprint")
    assert milestone.state == MilestoneState.CURRENT
    assert list(milestone.events.values_list("transition", flat=True)) == ["start"]
