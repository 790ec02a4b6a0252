"""Which cards an app above issues may give a badge, from the card's label names alone (`requests_app.cards`)."""

import pytest

from labels.services import PRIO_ORDER, SYSTEMS_REQUEST
from requests_app import cards
from sales_systems.selectors import systems_sla_possible


def test_only_a_label_a_badge_reads_sends_the_card_to_the_full_read(monkeypatch):
    monkeypatch.setattr(cards, "_CONTRIBUTIONS", [])
    assert not cards.card_badge_possible(["MktgOpsPrio::00: Requested"])  # no contributor, no badge

    def annotate(issues):
        return issues

    def badge(issue):
        return None

    cards.card_badge_register(annotate=annotate, badge=badge, may_badge=systems_sla_possible)
    cards.card_badge_register(annotate=annotate, badge=badge, may_badge=systems_sla_possible)  # once only
    assert len(cards._CONTRIBUTIONS) == 1
    assert cards.card_badge_possible(["Marketo", "MktgOpsPrio::01: In Queue"])
    assert not cards.card_badge_possible(["Marketo", "MktgOpsPriority::High", SYSTEMS_REQUEST])
    # A contributor that cannot tell from the labels may badge any card.
    cards.card_badge_register(annotate=annotate, badge=lambda issue: None)
    assert cards.card_badge_possible([])


@pytest.mark.parametrize(
    ("names", "possible"),
    [
        ([], False),
        ([SYSTEMS_REQUEST], False),
        (["MktgOpsPriority::High"], False),  # the board's priority, not the Sales Systems one
        ([PRIO_ORDER[0]], True),
        ([PRIO_ORDER[2]], True),
        (["mktgopsprio::00: requested"], True),  # SQLite's LIKE (the SLA's prio annotation) ignores case
    ],
)
def test_the_sla_badge_needs_a_sales_systems_priority_label(names, possible):
    assert systems_sla_possible(names) is possible
