"""Fast-track SLAs, counted in business hours: weekends do not count (Sales Systems works weekdays)."""

import datetime
from dataclasses import dataclass

from sales_systems.models import FastTrack

# 72 hours and 1 week of Sales Systems' time: three and five working days.
SLA_BUSINESS_DAYS: dict[str, int] = {FastTrack.PERMISSION_SET: 3, FastTrack.NEW_FIELD: 5}
DUE_SOON = datetime.timedelta(hours=24)


def add_business_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """`start` plus `days` working days; a start on a weekend counts from the next Monday 00:00."""
    moment = start
    if moment.weekday() >= 5:
        moment = (moment + datetime.timedelta(days=7 - moment.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    remaining = days
    while remaining:
        moment += datetime.timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


@dataclass(frozen=True)
class Sla:
    due: datetime.datetime
    state: str  # "ok", "due" (within a day) or "breached"

    @property
    def label(self) -> str:
        return {"ok": "SLA", "due": "SLA due soon", "breached": "SLA breached"}[self.state]

    # What the board card and the list row show.
    text = label

    @property
    def css_class(self) -> str:
        return {"ok": "ok", "due": "warn", "breached": "danger"}[self.state]

    @property
    def title(self) -> str:
        return f"Sales Systems fast-track SLA: due {self.due:%a %d %b %H:%M}"


def sla_for(
    fast_track: str, requested_at: datetime.datetime | None, now: datetime.datetime, actioned: bool = False
) -> Sla | None:
    """The SLA of a fast-track request; None when none applies (not fast track, not requested, actioned)."""
    days = SLA_BUSINESS_DAYS.get(fast_track)
    if days is None or requested_at is None or actioned:
        return None
    due = add_business_days(requested_at, days)
    if now > due:
        state = "breached"
    elif due - now <= DUE_SOON:
        state = "due"
    else:
        state = "ok"
    return Sla(due=due, state=state)
