"""What the portal counts, each defined once: pages, CSV exports and charts all call these.

- done: an issue is done when it reached `08: Completed` or was closed (a closed issue is finished work for its
  milestone: it does not roll over). Epics, milestone reports and the chart count alike.
- carry-over rate: the share of what a milestone committed to (planned + added − removed) that rolled over; unknown
  (None) until the rollover has moved the unfinished issues, since 0 would read as a perfect milestone.
The Sales Systems SLA state is `sales_systems.sla.sla_for` (cards get it through `requests_app.cards`).
"""

from django.db.models import Q

from requests_app.models import Issue, Stage


def done_q(prefix: str = "") -> Q:
    """The done condition as a filter; `prefix` reaches the issue through a relation (`"issue__"`, `"issues__"`)."""
    return Q(**{f"{prefix}stage": Stage.COMPLETED}) | Q(**{f"{prefix}closed_at__isnull": False})


def issue_is_done(issue: Issue) -> bool:
    return issue.stage == Stage.COMPLETED or issue.closed_at is not None


def carry_over_rate(*, rolled_over: int, committed: int, rolled: bool = True) -> float | None:
    """rolled_over / committed in 0..1; 0.0 when nothing was committed; None before the rollover ran."""
    if not rolled:
        return None
    return rolled_over / committed if committed > 0 else 0.0
