import datetime

from milestones.models import Milestone
from milestones.selectors import cadence_period, milestone_current
from milestones.services import milestones_ensure_ahead


def test_cadence_period_is_two_weeks_starting_on_the_weekday(settings):
    settings.MILESTONE_START_WEEKDAY = 0
    settings.MILESTONE_ANCHOR = datetime.date(2026, 1, 5)
    start, due = cadence_period(datetime.date(2026, 11, 22))
    assert start.weekday() == 0
    assert (due - start).days == 13
    assert start <= datetime.date(2026, 11, 22) <= due


def test_ensure_ahead_creates_current_and_next_three_once(db):
    day = datetime.date(2026, 11, 22)
    created = milestones_ensure_ahead(day=day, ahead=3)
    assert len(created) == 4
    assert milestones_ensure_ahead(day=day, ahead=3) == []
    assert Milestone.objects.count() == 4
    assert milestone_current(day) == created[0]
    starts = [m.start_date for m in Milestone.objects.order_by("start_date")]
    assert [(b - a).days for a, b in zip(starts, starts[1:], strict=False)] == [14, 14, 14]


def test_exactly_one_milestone_is_current_on_a_day(db):
    created = milestones_ensure_ahead(day=datetime.date(2026, 11, 22), ahead=3)
    for offset in range((created[-1].due_date - created[0].start_date).days + 1):
        day = created[0].start_date + datetime.timedelta(days=offset)
        assert Milestone.objects.filter(start_date__lte=day, due_date__gte=day).count() == 1
