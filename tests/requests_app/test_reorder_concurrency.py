"""Fifty people reorder one board column at once: no errors, no deadlock, every card at a distinct position."""

import random
import threading
import time

import pytest
from django.db import connections

from requests_app import services
from requests_app.models import Issue, Stage
from requests_app.services import issue_move
from tests import factories

CLIENTS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_reorders_of_one_column_all_succeed_with_distinct_positions(requires_postgres, monkeypatch):
    # Gaps of 2: nearly every placement finds no integer between its neighbours and renumbers the column,
    # the path that deadlocked (two renumberings, each waiting for a row the other held).
    monkeypatch.setattr(services, "POSITION_GAP", 2)
    ic = factories.ic(username="ivy")
    cards = [factories.IssueFactory(stage=Stage.IN_PROGRESS, title=f"Card {n}") for n in range(CLIENTS)]
    Issue.objects.filter(pk__in=[c.pk for c in cards]).update(position=0)
    barrier = threading.Barrier(CLIENTS)
    errors: list[BaseException] = []
    rng = random.Random(17)
    targets = [rng.randrange(CLIENTS) for _ in cards]

    def reorder(card, index):
        try:
            barrier.wait(timeout=30)
            issue_move(issue_id=card.pk, to_stage=Stage.IN_PROGRESS, by=ic, position=index)
        except BaseException as exc:  # noqa: BLE001 — every failure is the test's finding
            errors.append(exc)
        finally:
            connections.close_all()

    started = time.monotonic()
    threads = [threading.Thread(target=reorder, args=(c, t)) for c, t in zip(cards, targets, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started

    assert errors == []
    positions = list(Issue.objects.filter(stage=Stage.IN_PROGRESS).values_list("position", flat=True))
    assert len(positions) == CLIENTS
    assert len(set(positions)) == CLIENTS, "two cards share a position"
    from tests.conftest import FAULT_FIGURES

    line = f"{CLIENTS} concurrent reorders of one column: 0 errors, {CLIENTS} distinct positions, {elapsed:.2f}s"
    FAULT_FIGURES.append(line)
    print(f"\n[reorder] {line}")
