"""What cards and list rows show beyond the issue's own fields, contributed by apps above issues.

Sales Systems adds its fast-track SLA badge this way (`sales_systems.apps`): issues never import the apps built
on them, and a card's extra data still comes in the cards' own query (an annotation), not one query per card.
"""

from collections.abc import Callable, Collection
from typing import NamedTuple

from django.db.models import QuerySet


class _Contribution(NamedTuple):
    annotate: Callable[[QuerySet], QuerySet]  # adds what `badge` reads to the card queryset
    badge: Callable[[object], object | None]  # reads the badge off an annotated issue
    may_badge: Callable[[Collection[str]], bool] | None  # from a card's label names; None: it may, always


_CONTRIBUTIONS: list[_Contribution] = []


def card_badge_register(
    *,
    annotate: Callable[[QuerySet], QuerySet],
    badge: Callable[[object], object | None],
    may_badge: Callable[[Collection[str]], bool] | None = None,
) -> None:
    """Called once from an app's `ready()`: `annotate` adds what `badge` reads; `badge` returns None for "none".

    `may_badge(label_names)` (optional) says, from a card's label names alone, whether `badge` could give it a
    badge at all; False must mean "never", so a card it rules out is shown without the annotations (the board's
    answer to a move). Without it, every card may have a badge.
    """
    if not any(c.annotate is annotate and c.badge is badge for c in _CONTRIBUTIONS):
        _CONTRIBUTIONS.append(_Contribution(annotate, badge, may_badge))


def issues_annotate_for_cards(issues: QuerySet) -> QuerySet:
    for contribution in _CONTRIBUTIONS:
        issues = contribution.annotate(issues)
    return issues


def issue_card_badge(issue) -> object | None:
    """The first badge a contributing app gives this issue (today: the Sales Systems SLA), or None."""
    for contribution in _CONTRIBUTIONS:
        found = contribution.badge(issue)
        if found is not None:
            return found
    return None


def card_badge_possible(label_names: Collection[str]) -> bool:
    """Whether any contributing app may give a card with these labels a badge (then only its annotated read can
    tell); False means no badge, whatever the annotations would say."""
    return any(c.may_badge is None or c.may_badge(label_names) for c in _CONTRIBUTIONS)
