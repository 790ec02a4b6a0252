"""Fast-track SLAs, counted in working days of the working calendar (milestones.calendar): weekends, public
holidays of WORKING_CALENDAR and company days off do not count."""

import datetime
from dataclasses import dataclass

from milestones.calendar import WorkingCalendar, working_calendar
from sales_systems.models import FastTrack

# 72 hours and 1 week of Sales Systems' time: three and five working days.
SLA_BUSINESS_DAYS: dict[str, int] = {FastTrack.PERMISSION_SET: 3, FastTrack.NEW_FIELD: 5}
DUE_SOON = datetime.timedelta(hours=24)


def add_business_days(
    start: datetime.datetime, days: int, calendar: WorkingCalendar | None = None
) -> datetime.datetime:
    """`start` plus `days` working days of the working calendar; a start on a day off counts from 00:00 of the
    next working day (see WorkingCalendar.add_working_days)."""
    return (calendar or working_calendar()).add_working_days(start, days)


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
        return f"Sales Systems fast-track SLA: due {self.due:%a %d %b %H:%M} (working days)"


def sla_for(
    fast_track: str,
    requested_at: datetime.datetime | None,
    now: datetime.datetime,
    actioned: bool = False,
    calendar: WorkingCalendar | None = None,
) -> Sla | None:
    """The SLA of a fast-track request; None when none applies (not fast track, not requested, actioned).

    `calendar` defaults to the request's working calendar; due exactly at `now` is "due", not breached.
    """
    days = SLA_BUSINESS_DAYS.get(fast_track)
    if days is None or requested_at is None or actioned:
        return None
    due = add_business_days(requested_at, days, calendar)
    if now > due:
        state = "breached"
    elif due - now <= DUE_SOON:
        state = "due"
    else:
        state = "ok"
    return Sla(due=due, state=state)
