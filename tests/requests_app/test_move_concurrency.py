"""Two people move the same card at the same moment: one wins, the other is told where it is now."""

import threading

import pytest
from django.db import connection, connections

from requests_app.errors import IssueMoveConflict, IssueMoveRefused
from requests_app.models import Issue, IssueTransition, Stage
from requests_app.services import issue_move
from tests import factories


def _race(targets, issue_pk, by, *, expected_stage) -> dict[str, object]:
    """Run one issue_move per target at once, each thread on its own database connection."""
    barrier = threading.Barrier(len(targets))
    results: dict[str, object] = {}

    def worker(to_stage):
        try:
            barrier.wait(timeout=10)
            issue = Issue.objects.get(pk=issue_pk)  # both read the old stage before either writes
            barrier.wait(timeout=10)
            # A question too: a move to 01 needs one (the move to 02 ignores it).
            issue_move(issue_id=issue.pk, to_stage=to_stage, by=by, expected_stage=expected_stage, reason="Which list?")
            results[to_stage] = "moved"
        except Exception as exc:  # the test inspects what each side got
            results[to_stage] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_moves_of_one_card_one_wins_and_one_log_entry(requires_postgres):
    assert connection.vendor == "postgresql"
    ic = factories.ic(username="ivy")
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    results = _race([Stage.NEEDS_INFO, Stage.READY], issue.pk, ic, expected_stage=Stage.TRIAGE)

    outcomes = sorted(results.values(), key=lambda r: r != "moved")
    assert outcomes[0] == "moved"
    loser = outcomes[1]
    assert isinstance(loser, IssueMoveConflict), loser
    winner_stage = next(stage for stage, result in results.items() if result == "moved")
    assert f"it is now in {Stage(winner_stage).label}" in str(loser)
    issue.refresh_from_db()
    assert issue.stage == winner_stage
    assert list(IssueTransition.objects.filter(issue=issue).values_list("from_stage", "to_stage")) == [
        (Stage.TRIAGE, winner_stage)
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_identical_moves_log_once(requires_postgres):
    """Without expected_stage the second one is still refused: the row lock makes it see the new stage."""
    ic = factories.ic(username="ivy")
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            stale = Issue.objects.get(pk=issue.pk)
            barrier.wait(timeout=10)
            issue_move(issue_id=stale.pk, to_stage=Stage.READY, by=ic)
            results.append("moved")
        except IssueMoveRefused as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results.count("moved") == 1
    refused = next(r for r in results if r != "moved")
    assert "already in MktgOps::02: Ready for Assignment" in str(refused)
    assert IssueTransition.objects.filter(issue=issue).count() == 1
