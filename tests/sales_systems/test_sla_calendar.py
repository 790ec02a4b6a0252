"""Fast-track SLAs count working days of the working calendar: weekends, public holidays of WORKING_CALENDAR
and company days off do not count (issue 14)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from labels.services import PRIO_ORDER
from milestones.models import WorkingCalendarDay
from requests_app.models import IssueEvent
from sales_systems.models import FastTrack
from sales_systems.sla import add_business_days, sla_for
from tests.sales_systems.test_sales_systems import make_request

UTC = ZoneInfo("UTC")
PERMISSION_SET_DAYS = 3


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=UTC)


@pytest.fixture(autouse=True)
def us_calendar(settings):
    settings.WORKING_CALENDAR = ["US"]
    settings.WORKING_WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri"]


def due(requested: datetime.datetime) -> datetime.datetime:
    sla = sla_for(FastTrack.PERMISSION_SET, requested, requested)
    assert sla is not None  # a fast-track request, requested, not actioned
    return sla.due


@pytest.mark.django_db
def test_christmas_day_does_not_count():
    # Wed 23 Dec 10:00: Thu 24, (Fri 25 Christmas, the weekend), Mon 28, Tue 29.
    assert due(at("2026-12-23")) == at("2026-12-29")


@pytest.mark.django_db
def test_without_the_holiday_only_the_weekend_is_skipped(settings):
    settings.WORKING_CALENDAR = []
    assert due(at("2026-12-23")) == at("2026-12-28")


@pytest.mark.django_db
def test_a_weekend_does_not_count():
    # Thu 10 Dec 10:00: Fri 11, (weekend), Mon 14, Tue 15.
    assert due(at("2026-12-10")) == at("2026-12-15")


@pytest.mark.django_db
def test_a_holiday_on_a_friday_before_a_weekend_does_not_count():
    # Independence Day 2026 is a Saturday, observed Fri 3 Jul: Thu 2 Jul → Mon 6, Tue 7, Wed 8.
    assert due(at("2026-07-02")) == at("2026-07-08")


@pytest.mark.django_db
def test_a_request_made_on_a_holiday_counts_from_the_next_working_morning():
    # Christmas Day 15:00 → counted from Mon 28 00:00: Tue 29, Wed 30, Thu 31 at 00:00.
    assert due(at("2026-12-25", 15)) == at("2026-12-31", 0)


@pytest.mark.django_db
def test_the_exact_boundary_is_due_not_breached():
    requested = at("2026-12-23")
    deadline = at("2026-12-29")
    assert sla_for(FastTrack.PERMISSION_SET, requested, deadline).state == "due"
    assert sla_for(FastTrack.PERMISSION_SET, requested, deadline + datetime.timedelta(microseconds=1)).state == (
        "breached"
    )
    # The Monday after Christmas, 10:00, is a full working day before the deadline: still "ok" minus a day.
    assert sla_for(FastTrack.PERMISSION_SET, requested, at("2026-12-28", 9, 59)).state == "ok"


@pytest.mark.django_db
def test_a_company_day_off_added_in_the_admin_does_not_count(admin_client):
    assert due(at("2026-12-14")) == at("2026-12-17")  # Mon → Tue 15, Wed 16, Thu 17
    response = admin_client.post(
        reverse("admin:milestones_workingcalendarday_add"),
        {"date": "2026-12-16", "name": "Company offsite"},
    )
    assert response.status_code == 302
    assert WorkingCalendarDay.objects.get().working is False
    assert due(at("2026-12-14")) == at("2026-12-18")


@pytest.mark.django_db
def test_an_extra_working_day_counts_even_on_a_holiday():
    WorkingCalendarDay.objects.create(date=datetime.date(2026, 12, 25), working=True, name="Release freeze cover")
    assert due(at("2026-12-23")) == at("2026-12-28")


@pytest.mark.django_db
def test_the_working_week_is_configurable(settings):
    settings.WORKING_WEEK = ["Sun", "Mon", "Tue", "Wed", "Thu"]
    settings.WORKING_CALENDAR = []
    # Wed 9 Dec → Thu 10, (Fri, Sat off), Sun 13, Mon 14.
    assert add_business_days(at("2026-12-09"), 3) == at("2026-12-14")


@pytest.mark.django_db
def test_the_queue_shows_the_holiday_aware_due_time(client, prio_labels, ic_user):
    issue = make_request(prio_labels, ic_user, title="Permission set for SDRs", fast=FastTrack.PERMISSION_SET)
    IssueEvent.objects.filter(issue=issue, new_value=PRIO_ORDER[0]).update(at=at("2026-12-23"))
    client.force_login(ic_user)
    page = client.get("/sales-systems/").content.decode()
    assert "due Tue 29 Dec, 10:00" in page
    assert "public holidays (US)" in page
