"""What cards and list rows show beyond the issue's own fields, contributed by apps above issues.

Sales Systems adds its fast-track SLA badge this way (`sales_systems.apps`): issues never import the apps built
on them, and a card's extra data still comes in the cards' own query (an annotation), not one query per card.
"""

from collections.abc import Callable

from django.db.models import QuerySet

# (annotate the card queryset, read the badge off an annotated issue)
_CONTRIBUTIONS: list[tuple[Callable[[QuerySet], QuerySet], Callable[[object], object | None]]] = []


def card_badge_register(*, annotate: Callable[[QuerySet], QuerySet], badge: Callable[[object], object | None]):
    """Called once from an app's `ready()`: `annotate` adds what `badge` reads; `badge` returns None for "none"."""
    if (annotate, badge) not in _CONTRIBUTIONS:
        _CONTRIBUTIONS.append((annotate, badge))


def issues_annotate_for_cards(issues: QuerySet) -> QuerySet:
    for annotate, _ in _CONTRIBUTIONS:
        issues = annotate(issues)
    return issues


def issue_card_badge(issue) -> object | None:
    """The first badge a contributing app gives this issue (today: the Sales Systems SLA), or None."""
    for _, badge in _CONTRIBUTIONS:
        found = badge(issue)
        if found is not None:
            return found
    return None
