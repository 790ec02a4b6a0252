"""The policy is the one place moves are decided: what it offers is exactly what `issue_move` accepts, and what
the board's cards carry is exactly what it offers."""

import re

import pytest
from django.db import transaction

from mktgops_portal.errors import PortalError
from requests_app import policy
from requests_app.models import Issue, Stage
from requests_app.services import issue_move
from tests import factories


class _Rollback(Exception):
    pass


def _attempt(user, issue_id: int, to_stage: str, needs: str) -> PortalError | None:
    """Try the move with what it needs supplied, then undo it; the refusal, or None when it was accepted."""
    try:
        with transaction.atomic():
            issue_move(
                issue_id=issue_id,
                to_stage=to_stage,
                by=user,
                reason="Because the table says so" if needs in ("reason", "question") else "",
                sign_off=needs == "sign_off",
            )
            raise _Rollback
    except _Rollback:
        return None
    except PortalError as exc:
        return exc


def _issue_in(stage: str, **extra) -> Issue:
    fields = {"stage": stage}
    if stage == Stage.BLOCKED:
        fields["blocked_from"] = extra.pop("blocked_from", Stage.IN_PROGRESS)
    return factories.IssueFactory.create(**fields, **extra)


@pytest.fixture
def people(db):
    return {
        "requester": factories.requester(username="rita"),
        "ic": factories.ic(username="ian"),
        "manager": factories.manager(username="mona"),
    }


@pytest.mark.parametrize("role", ["requester", "ic", "manager"])
@pytest.mark.parametrize("stage", Stage.values)
def test_offered_moves_are_exactly_the_moves_issue_move_accepts(people, role, stage):
    """Every role × stage × target: accepted iff offered without a refusal; refused with the option's own words."""
    user = people[role]
    current = factories.current_milestone()
    issue = _issue_in(stage, assignee=people["ic"], milestone=current)
    offered = {option.to_stage: option for option in policy.issue_move_options(user, issue)}
    for target in Stage.values:
        option = offered.get(target)
        refusal = _attempt(user, issue.pk, target, option.needs if option else "")
        if option is not None and not option.refusal:
            assert refusal is None, f"{role} {stage}->{target} offered but refused: {refusal}"
        else:
            assert refusal is not None, f"{role} {stage}->{target} not offered but accepted"
            if option is not None:
                assert refusal.message == option.refusal
        issue.refresh_from_db()
        assert issue.stage == stage


@pytest.mark.parametrize("stage", Stage.values)
def test_offered_moves_follow_the_state_guards_for_an_unplanned_issue(people, stage):
    """No assignee, no milestone: the same equality holds when the guards refuse."""
    manager = people["manager"]
    issue = _issue_in(stage, blocked_from=Stage.REVIEW)
    offered = {option.to_stage: option for option in policy.issue_move_options(manager, issue)}
    for target in Stage.values:
        option = offered.get(target)
        refusal = _attempt(manager, issue.pk, target, option.needs if option else "")
        assert (refusal is None) == (option is not None and not option.refusal), (stage, target, refusal)


def test_an_ic_is_not_offered_moving_a_completed_issue_back(people):
    issue = _issue_in(Stage.COMPLETED, assignee=people["ic"], milestone=factories.current_milestone())
    assert policy.issue_move_options(people["ic"], issue) == []
    assert [o.to_stage for o in policy.issue_move_options(people["manager"], issue)] == [Stage.IN_PROGRESS]


def test_sign_off_is_offered_to_the_owner_and_managers_only(people):
    current = factories.current_milestone()
    issue = _issue_in(Stage.REVIEW, assignee=people["ic"], milestone=current, requester=people["requester"])
    to_deploy = {o.to_stage: o for o in policy.issue_move_options(people["manager"], issue)}[Stage.READY_TO_DEPLOY]
    assert to_deploy.needs_sign_off
    assert not to_deploy.refusal
    for_ic = {o.to_stage: o for o in policy.issue_move_options(people["ic"], issue)}[Stage.READY_TO_DEPLOY]
    assert not for_ic.needs_sign_off
    assert "the business owner has not signed off" in for_ic.refusal


def _cards(html: str) -> dict[int, tuple[str, str]]:
    return {
        int(m["id"]): (m["targets"], m["needs"])
        for m in re.finditer(
            r'data-id="(?P<id>\d+)" data-stage="\d+" data-targets="(?P<targets>[^"]*)"\s+data-needs="(?P<needs>[^"]*)"',
            html,
        )
    }


@pytest.mark.parametrize("role", ["ic", "manager"])
def test_board_cards_carry_the_policys_moves(client, people, role):
    user = people[role]
    current = factories.current_milestone()
    issues = [_issue_in(stage, assignee=people["ic"], milestone=current) for stage in Stage.values if stage != "08"] + [
        _issue_in(Stage.COMPLETED, assignee=people["ic"], milestone=current)
    ]
    client.force_login(user)
    html = client.get("/board/?milestone=").content.decode()
    cards = _cards(html)
    assert set(cards) >= {i.pk for i in issues if i.stage != Stage.COMPLETED}
    for issue in issues:
        if issue.pk not in cards:
            continue
        options = policy.issue_move_options(user, issue)
        targets, needs = cards[issue.pk]
        assert targets == " ".join(o.to_stage for o in options), issue.stage
        assert needs == " ".join(f"{o.to_stage}:{o.needs}" for o in options if o.needs), issue.stage
