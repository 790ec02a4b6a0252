"""The stage FSM of DESIGN.md: the whole 9×9 matrix and each guard on its own."""

import itertools

import pytest
from django.utils import timezone

from requests_app.errors import IssueMoveForbidden, IssueMoveRefused, IssueNotFound
from requests_app.models import BLOCKABLE, Issue, IssueTransition, Stage
from requests_app.services import issue_move
from tests import factories as f

# fmt: off
ALLOWED = {
    ("00", "01"), ("00", "02"), ("00", "03"), ("00", "04"),
    ("01", "00"), ("01", "02"),
    ("02", "03"), ("02", "04"),
    ("03", "04"), ("03", "02"),
    ("04", "05"), ("04", "08"), ("04", "03"),
    ("05", "06"), ("05", "04"),
    ("06", "08"),
    ("08", "04"),
    *((s, "07") for s in ["00", "01", "02", "03", "04", "05", "06"]),
    ("07", "04"),  # the matrix's blocked issue came from 04; every origin is covered below
}
# fmt: on
STAGES = [s.value for s in Stage]


@pytest.fixture
def team(db):
    return {"ic": f.ic(username="ivy"), "manager": f.manager(username="maya")}


def issue_ready_for(frm: str, to: str, ic) -> Issue:
    """An issue in `frm` that satisfies every guard of `to`."""
    if to == "03":
        milestone = f.future_milestone()
    elif to in ("04", "05") or frm in ("04", "05", "06"):
        milestone = f.current_milestone()
    else:
        milestone = None
    return f.IssueFactory.create(
        stage=frm,
        assignee=ic,
        milestone=milestone,
        signed_off_by=ic if to == "06" else None,
        signed_off_at=timezone.now() if to == "06" else None,
        blocked_from="04" if frm == "07" else "",
    )


# The moves that need words: what 07 waits on, and the question 01 asks the requester.
REASONS = {"07": "waiting on vendor", "01": "Which list should it go to?"}


@pytest.mark.parametrize(("frm", "to"), sorted(ALLOWED))
def test_allowed_move_succeeds_and_is_logged_once(team, frm, to):
    issue = issue_ready_for(frm, to, team["ic"])
    by = team["manager"] if (frm, to) == ("08", "04") else team["ic"]

    moved = issue_move(issue_id=issue.pk, to_stage=to, by=by, reason=REASONS.get(to, ""))

    assert moved.stage == to
    assert Issue.objects.get(pk=issue.pk).stage == to
    log = IssueTransition.objects.filter(issue=issue)
    assert [(t.from_stage, t.to_stage, t.by_id) for t in log] == [(frm, to, by.pk)]


DISALLOWED = sorted((a, b) for a, b in itertools.product(STAGES, STAGES) if (a, b) not in ALLOWED)


@pytest.mark.parametrize(("frm", "to"), DISALLOWED)
def test_other_moves_are_refused_with_a_message_and_change_nothing(team, frm, to):
    issue = issue_ready_for(frm, to, team["ic"])
    before = Issue.objects.filter(pk=issue.pk).values().get()

    with pytest.raises(IssueMoveRefused) as refused:
        issue_move(issue_id=issue.pk, to_stage=to, by=team["manager"], reason="a reason")

    message = str(refused.value)
    assert f"#{issue.pk}" in message
    if frm == to:
        assert "already in" in message
    elif frm == "07":
        assert "returns to the stage it came from, MktgOps::04: In Progress" in message
    else:
        assert "not part of the workflow" in message
        assert f"From {Stage(frm).short} it can go to" in message
    assert Issue.objects.filter(pk=issue.pk).values().get() == before
    assert not IssueTransition.objects.filter(issue=issue).exists()


def test_the_matrix_covers_all_81_pairs():
    assert len(ALLOWED) + len(DISALLOWED) == 81


# --- guards, one at a time -------------------------------------------------------------------


def refused(issue, to, by, reason=""):
    with pytest.raises(IssueMoveRefused) as exc:
        issue_move(issue_id=issue.pk, to_stage=to, by=by, reason=reason)
    issue.refresh_from_db()
    return str(exc.value)


@pytest.mark.parametrize("frm", ["00", "02"])
def test_assigned_requires_an_assignee(team, frm):
    issue = f.IssueFactory(stage=frm, milestone=f.future_milestone())
    message = refused(issue, "03", team["ic"])
    assert "it has no assignee" in message
    assert "Assign someone first" in message
    assert issue.stage == frm


@pytest.mark.parametrize("milestone", [None, "current", "past"])
def test_assigned_requires_a_future_milestone(team, milestone):
    ms = {"current": f.current_milestone, "past": f.past_milestone}.get(milestone, lambda: None)()
    issue = f.IssueFactory(stage="02", assignee=team["ic"], milestone=ms)
    message = refused(issue, "03", team["ic"])
    assert "it is not in a future milestone" in message
    assert issue.stage == "02"


@pytest.mark.parametrize("frm", ["00", "02", "03"])
def test_in_progress_requires_an_assignee(team, frm):
    issue = f.IssueFactory(stage=frm, milestone=f.current_milestone())
    message = refused(issue, "04", team["ic"])
    assert "it has no assignee" in message
    assert "it is not in the current milestone" not in message


@pytest.mark.parametrize("milestone", [None, "future", "past"])
def test_in_progress_requires_the_current_milestone(team, milestone):
    ms = {"future": f.future_milestone, "past": f.past_milestone}.get(milestone, lambda: None)()
    issue = f.IssueFactory(stage="03", assignee=team["ic"], milestone=ms)
    message = refused(issue, "04", team["ic"])
    assert "it is not in the current milestone" in message
    assert "Put it in the current milestone first" in message
    assert issue.stage == "03"


def test_in_progress_refusal_names_both_missing_things(team):
    issue = f.IssueFactory(stage="02")
    message = refused(issue, "04", team["ic"])
    assert message.endswith("Assign someone and put it in the current milestone first.")


def test_ready_to_deploy_requires_sign_off(team):
    issue = f.IssueFactory(stage="05", assignee=team["ic"], milestone=f.current_milestone())
    message = refused(issue, "06", team["ic"])
    assert "the business owner has not signed off" in message
    assert issue.stage == "05"


@pytest.mark.parametrize("reason", ["", "   "])
def test_blocked_requires_a_reason(team, reason):
    issue = f.IssueFactory(stage="02")
    message = refused(issue, "07", team["ic"], reason=reason)
    assert "no reason was given" in message
    assert issue.stage == "02"
    assert issue.blocked_from == ""


@pytest.mark.parametrize("origin", [s.value for s in BLOCKABLE])
def test_blocked_returns_to_the_stage_it_came_from(team, origin):
    issue = issue_ready_for(origin, "07", team["ic"])
    issue = issue_move(issue_id=issue.pk, to_stage="07", by=team["ic"], reason="Legal review")
    assert issue.blocked_from == origin

    for other in {s.value for s in BLOCKABLE} - {origin}:
        assert "returns to the stage it came from" in refused(issue, other, team["ic"])

    issue = issue_move(issue_id=issue.pk, to_stage=origin, by=team["ic"])
    assert (issue.stage, issue.blocked_from) == (origin, "")
    reasons = list(IssueTransition.objects.filter(issue=issue).values_list("to_stage", "reason"))
    assert reasons == [("07", "Legal review"), (origin, "")]


def test_completed_back_to_in_progress_is_for_managers_only(team):
    issue = f.IssueFactory(stage="08", assignee=team["ic"], milestone=f.current_milestone())
    with pytest.raises(IssueMoveForbidden, match="Only a MktgOps manager"):
        issue_move(issue_id=issue.pk, to_stage="04", by=team["ic"])
    assert Issue.objects.get(pk=issue.pk).stage == "08"

    assert issue_move(issue_id=issue.pk, to_stage="04", by=team["manager"]).stage == "04"


def test_requesters_may_not_move_issues(db):
    requester = f.requester(username="rita")
    issue = f.IssueFactory(stage="00", requester=requester)
    with pytest.raises(IssueMoveForbidden, match="Only MktgOps team members"):
        issue_move(issue_id=issue.pk, to_stage="02", by=requester)
    assert Issue.objects.get(pk=issue.pk).stage == "00"


def test_a_hidden_or_missing_issue_is_not_found_rather_than_forbidden(db):
    requester = f.requester(username="rosa")
    secret = f.IssueFactory(stage="00", confidential=True)
    with pytest.raises(IssueNotFound):
        issue_move(issue_id=secret.pk, to_stage="02", by=requester)
    with pytest.raises(IssueNotFound):
        issue_move(issue_id=secret.pk + 1000, to_stage="02", by=f.ic())
    assert Issue.objects.get(pk=secret.pk).stage == "00"


@pytest.mark.parametrize("reason", ["", "   "])
def test_asking_for_information_needs_the_question_for_the_requester(team, reason, mailoutbox):
    issue = f.IssueFactory(stage="00")
    with pytest.raises(IssueMoveRefused, match="no question for the requester was given. Say what information"):
        issue_move(issue_id=issue.pk, to_stage="01", by=team["ic"], reason=reason)
    assert Issue.objects.get(pk=issue.pk).stage == "00"
    assert not IssueTransition.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize(("frm", "to"), [("00", "01"), ("00", "02"), ("03", "02")])
def test_moving_to_01_or_02_clears_assignee_and_milestone(team, frm, to):
    issue = f.IssueFactory(stage=frm, assignee=team["ic"], milestone=f.future_milestone())
    issue = issue_move(issue_id=issue.pk, to_stage=to, by=team["ic"], reason=REASONS.get(to, ""))
    issue.refresh_from_db()
    assert (issue.assignee, issue.milestone) == (None, None)
    assert set(issue.events.values_list("kind", flat=True)) == {"assignee_changed", "milestone_changed"}


def test_stage_field_is_protected(db):
    issue = f.IssueFactory(stage="00")
    with pytest.raises(AttributeError):
        issue.stage = "04"


def test_stage_label_is_derived_not_stored(db):
    issue = f.IssueFactory(stage="04")
    assert issue.stage_label == "MktgOps::04: In Progress"
    assert not issue.labels.filter(name__startswith="MktgOps::").exists()


def test_expected_stage_conflict_is_refused(team):
    issue = f.IssueFactory(stage="02")
    with pytest.raises(IssueMoveRefused, match="moved by someone else: it is now in MktgOps::02"):
        issue_move(issue_id=issue.pk, to_stage="07", by=team["ic"], reason="x", expected_stage="00")
    assert not IssueTransition.objects.exists()


def test_unknown_stage_is_refused(team):
    issue = f.IssueFactory(stage="00")
    with pytest.raises(IssueMoveRefused, match="Unknown stage '42'"):
        issue_move(issue_id=issue.pk, to_stage="42", by=team["ic"])
