"""The working-day calendar: one answer to "is this a working day?" for every SLA and anything that counts
working days (issue 14).

A day is a working day when it is in the working week (`WORKING_WEEK`, Monday–Friday by default), is not a
public holiday of any place in `WORKING_CALENDAR` (the `holidays` library: "US", "GB-ENG", ...) and is not a
company day off; an extra working day (both edited in the admin: Milestones → Working-calendar days) overrides
all of that.

`working_calendar()` reads the company days once per request (one query), so a page listing many SLAs stays
constant-query; outside a request (tasks, commands) each call reads afresh.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

import holidays
from asgiref.local import Local
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

WEEKDAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

_local = Local()


def parse_places(places: list[str]) -> list[tuple[str, str | None]]:
    """["US", "GB-ENG"] -> [("US", None), ("GB", "ENG")]; raises ImproperlyConfigured for a place the
    `holidays` library does not know."""
    supported = holidays.list_supported_countries()
    parsed = []
    for place in places:
        place = place.strip().upper()
        if not place:
            continue
        country, _, subdiv = place.partition("-")
        if country not in supported or (subdiv and subdiv not in supported[country]):
            raise ImproperlyConfigured(
                f"WORKING_CALENDAR names {place!r}, which the holidays library does not know; use ISO codes "
                "such as US, GB or GB-ENG."
            )
        parsed.append((country, subdiv or None))
    return parsed


def parse_working_week(days: list[str]) -> frozenset[int]:
    """["Mon", "Tue", ...] (or 0-6, Monday = 0) -> the weekday numbers; raises ImproperlyConfigured."""
    numbers = set()
    for day in days:
        key = str(day).strip().lower()[:3]
        if key.isdigit() and 0 <= int(key) <= 6:
            numbers.add(int(key))
        elif key in WEEKDAY_NAMES:
            numbers.add(WEEKDAY_NAMES.index(key))
        elif key:
            raise ImproperlyConfigured(f"WORKING_WEEK has {day!r}; use day names such as Mon,Tue,Wed,Thu,Fri.")
    if not numbers:
        raise ImproperlyConfigured("WORKING_WEEK names no day: at least one day of the week must be a working day.")
    return frozenset(numbers)


@dataclass
class WorkingCalendar:
    """Working days: the working week, minus public holidays and company days off, plus extra working days."""

    places: list[tuple[str, str | None]]
    working_week: frozenset[int]
    days_off: dict[datetime.date, str] = field(default_factory=dict)  # company days off: date -> name
    extra_working_days: dict[datetime.date, str] = field(default_factory=dict)

    @property
    def places_label(self) -> str:
        """The places whose public holidays count, as configured: "US, GB-ENG" (or "none")."""
        return ", ".join(f"{c}-{s}" if s else c for c, s in self.places) or "none"

    @cached_property
    def _public(self) -> list[holidays.HolidayBase]:
        # The holidays objects fill in a year the first time a date of it is looked up.
        return [holidays.country_holidays(country, subdiv=subdiv) for country, subdiv in self.places]

    def public_holiday_name(self, day: datetime.date) -> str:
        """The name of the public holiday on `day` in any place of WORKING_CALENDAR, or ""."""
        return next((h.get(day) for h in self._public if day in h), "")

    def holiday_name(self, day: datetime.date) -> str:
        """The name of the company day off or public holiday on `day`, or ""."""
        return self.days_off.get(day) or self.public_holiday_name(day)

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.weekday() in self.working_week and not self.holiday_name(day)

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """`day` itself when it is a working day, else the first working day after it."""
        for _ in range(366 * 2):
            if self.is_working_day(day):
                return day
            day += datetime.timedelta(days=1)
        raise ImproperlyConfigured("The working calendar has no working day in two years.")

    def add_working_days(self, start: datetime.datetime, days: int) -> datetime.datetime:
        """`start` plus `days` working days, at the same time of day.

        A start on a day that is not a working day counts from 00:00 of the next working day. The result is
        always on a working day: a 3-day SLA from Wed 23 Dec 2026 10:00 is due Tue 29 Dec 10:00 when 25 Dec
        is a holiday (Thu 24, Mon 28, Tue 29).
        """
        moment = start
        if not self.is_working_day(moment.date()):
            first = self.next_working_day(moment.date())
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0) + (first - moment.date())
        remaining = days
        while remaining > 0:
            moment += datetime.timedelta(days=1)
            if self.is_working_day(moment.date()):
                remaining -= 1
        return moment

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days in (start, end]: how many working days later `end` is than `start` (0 if not later)."""
        count, day = 0, start
        while day < end:
            day += datetime.timedelta(days=1)
            count += self.is_working_day(day)
        return count


def check_settings(app_configs=None, **kwargs) -> list:
    """System check: WORKING_CALENDAR and WORKING_WEEK must parse (a typo fails at start-up, not in an SLA)."""
    from django.core.checks import Error

    errors: list[Error] = []
    for parse, name in ((parse_places, "WORKING_CALENDAR"), (parse_working_week, "WORKING_WEEK")):
        try:
            parse(getattr(settings, name))
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id=f"milestones.E00{len(errors) + 1}", obj=name))
    return errors


def working_calendar_build() -> WorkingCalendar:
    """The calendar from settings and the admin's company days (one query)."""
    from milestones.models import WorkingCalendarDay

    days_off: dict[datetime.date, str] = {}
    extra: dict[datetime.date, str] = {}
    for day, working, name in WorkingCalendarDay.objects.values_list("date", "working", "name"):
        (extra if working else days_off)[day] = name or ("Extra working day" if working else "Company day off")
    return WorkingCalendar(
        places=parse_places(settings.WORKING_CALENDAR),
        working_week=parse_working_week(settings.WORKING_WEEK),
        days_off=days_off,
        extra_working_days=extra,
    )


def working_calendar() -> WorkingCalendar:
    """The working calendar, read once per request (see the module's docstring)."""
    if not getattr(_local, "in_request", False):
        return working_calendar_build()
    calendar = getattr(_local, "calendar", None)
    if calendar is None:
        calendar = _local.calendar = working_calendar_build()
    return calendar


def request_started(**kwargs) -> None:
    _local.in_request = True
    _local.calendar = None


def request_finished(**kwargs) -> None:
    _local.in_request = False
    _local.calendar = None


def calendar_changed(**kwargs) -> None:
    """A company day was saved or deleted: the rest of this request reads the new calendar."""
    _local.calendar = None
