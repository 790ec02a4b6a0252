"""The working calendar itself: settings parsing, the per-request cache, working-day counts."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from milestones import calendar
from milestones.calendar import WorkingCalendar, parse_places, parse_working_week, working_calendar
from milestones.models import WorkingCalendarDay

WEEKDAYS = frozenset(range(5))


def test_places_are_countries_with_optional_subdivisions():
    assert parse_places(["US", " gb-eng ", ""]) == [("US", None), ("GB", "ENG")]


@pytest.mark.parametrize("place", ["XX", "GB-XYZ"])
def test_an_unknown_place_is_refused_at_start_up(place):
    with pytest.raises(ImproperlyConfigured, match="holidays library does not know"):
        parse_places([place])


def test_the_working_week_takes_day_names_or_numbers():
    assert parse_working_week(["Mon", "tuesday", "2", "Thu"]) == frozenset({0, 1, 2, 3})
    with pytest.raises(ImproperlyConfigured):
        parse_working_week(["Funday"])
    with pytest.raises(ImproperlyConfigured, match="names no day"):
        parse_working_week([])


def test_the_system_check_reports_a_bad_setting():
    with override_settings(WORKING_CALENDAR=["ZZ"]):
        assert [e.id for e in calendar.check_settings()] == ["milestones.E001"]
    assert calendar.check_settings() == []


def test_us_and_gb_holidays_both_count():
    both = WorkingCalendar(places=[("US", None), ("GB", "ENG")], working_week=WEEKDAYS)
    assert both.holiday_name(datetime.date(2026, 11, 26)) == "Thanksgiving Day"  # US only
    assert both.holiday_name(datetime.date(2026, 12, 28)) == "Boxing Day (observed)"  # England only
    assert both.working_days_between(datetime.date(2026, 12, 23), datetime.date(2026, 12, 31)) == 4  # 24, 29, 30, 31


def test_company_days_off_and_extra_working_days_override_the_week():
    cal = WorkingCalendar(
        places=[],
        working_week=WEEKDAYS,
        days_off={datetime.date(2026, 12, 16): "Offsite"},
        extra_working_days={datetime.date(2026, 12, 19): "Release Saturday"},
    )
    assert not cal.is_working_day(datetime.date(2026, 12, 16))
    assert cal.holiday_name(datetime.date(2026, 12, 16)) == "Offsite"
    assert cal.is_working_day(datetime.date(2026, 12, 19))


def test_the_calendar_is_read_once_per_request_and_afresh_outside_one(db, django_assert_num_queries):
    calendar.request_started()
    try:
        with django_assert_num_queries(1):
            first = working_calendar()
            assert working_calendar() is first
        WorkingCalendarDay.objects.create(date=datetime.date(2026, 12, 16))  # saving clears the cache
        assert datetime.date(2026, 12, 16) in working_calendar().days_off
    finally:
        calendar.request_finished()
    with django_assert_num_queries(2):
        working_calendar()
        working_calendar()
