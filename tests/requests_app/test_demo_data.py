import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from accounts.roles import user_is_manager, user_is_mktgops
from labels.models import Label
from milestones.models import Milestone, MilestoneState
from milestones.selectors import cadence_period, milestone_current
from mktgops_portal.demo import DEMO_USERS, demo_data_load
from requests_app.models import Comment, Issue, IssueTransition, RequestType, Stage

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def demo():
    return demo_data_load()


def _ended(milestones):
    return [m for m in milestones if m.state == MilestoneState.ENDED]


def test_demo_builds_the_team_with_working_passwords(demo):
    people = {u.username: u for u in User.objects.all()}
    ics = [u for u in people.values() if user_is_mktgops(u) and not user_is_manager(u)]
    managers = [u for u in people.values() if user_is_manager(u)]
    requesters = [u for u in people.values() if not user_is_mktgops(u)]
    assert (len(ics), len(managers), len(requesters)) == (3, 1, 5)
    manager = managers[0]
    assert manager.is_staff
    assert manager.is_superuser
    assert set(manager.groups.values_list("name", flat=True)) == {"MktgOps", "MktgOps Managers"}
    for demo_user in DEMO_USERS:
        assert people[demo_user.username].check_password(demo_user.password)


def test_demo_seeds_the_taxonomy_when_labels_are_missing(demo):
    assert Label.objects.filter(name="MktgOpsPriority::High").exists()


def test_demo_milestones_surround_today_on_the_cadence_with_an_ended_one_not_yet_rolled_over(demo):
    milestones = list(Milestone.objects.order_by("start_date"))
    for m in milestones:
        assert cadence_period(m.start_date) == (m.start_date, m.due_date)
    states = [m.state for m in milestones]
    assert states[:6] == [MilestoneState.CLOSED] * 4 + [MilestoneState.ENDED, MilestoneState.CURRENT]
    assert set(states[6:]) == {MilestoneState.UPCOMING}
    ended = _ended(milestones)[0]
    open_unfinished = ended.issues.filter(closed_at__isnull=True).exclude(stage=Stage.COMPLETED)
    assert open_unfinished.count() >= 5
    assert open_unfinished.exclude(rollover_reason="").exists()
    assert open_unfinished.filter(rollover_reason="").exists()
    for closed in Milestone.objects.filter(closed_at__isnull=False):
        assert closed.handbook_mr_merged
        assert not closed.issues.filter(closed_at__isnull=True).exclude(stage=Stage.COMPLETED).exists()
        assert closed.rollover.status == "done"


def test_demo_history_has_rollovers_and_chronic_issues(demo):
    from rollover.selectors import milestone_report

    manager = User.objects.get(username="dana")
    last_closed = Milestone.objects.filter(closed_at__isnull=False).order_by("-start_date").first()
    report = milestone_report(manager, last_closed)
    assert report.totals.rolled_over >= 2
    assert report.totals.completed >= 3
    assert len(report.chronic) == 2
    assert all(len(row.history) == 4 for row in report.chronic)


def test_demo_issues_cover_every_stage_request_type_and_priority(demo):
    assert 75 <= Issue.objects.count() <= 95
    assert set(Issue.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert set(Issue.objects.values_list("request_type", flat=True)) == set(RequestType.values)
    for name in ("MktgOpsPriority::High", "MktgOpsPriority::Medium", "MktgOpsPriority::Low"):
        assert Issue.objects.filter(labels__name=name).exists(), name
    assert Issue.objects.filter(confidential=True).exists()
    assert Issue.objects.filter(stage=Stage.BLOCKED).exclude(blocked_from="").count() >= 5
    assert Issue.objects.exclude(rollover_reason="").filter(rollover_reason_by__isnull=False).count() >= 3
    assert Comment.objects.values("issue").distinct().count() >= 60


def test_demo_issues_respect_the_stage_guards(demo):
    current = milestone_current()
    for issue in Issue.objects.filter(stage__in=[Stage.IN_PROGRESS, Stage.REVIEW, Stage.READY_TO_DEPLOY]):
        assert issue.assignee_id, issue
        if issue.milestone_id != current.pk:
            # Only the ended milestone's unfinished work sits outside the current one, waiting for rollover.
            assert issue.milestone.state == MilestoneState.ENDED, issue
    for issue in Issue.objects.filter(stage=Stage.ASSIGNED):
        assert issue.assignee_id, issue
        assert issue.milestone.is_future, issue
    for issue in Issue.objects.filter(stage__in=[Stage.NEEDS_INFO, Stage.READY]):
        assert issue.assignee_id is None, issue
        assert issue.milestone_id is None, issue
    for issue in Issue.objects.filter(stage=Stage.READY_TO_DEPLOY):
        assert issue.signed_off_at, issue
        assert issue.signed_off_by_id, issue
    for issue in Issue.objects.filter(stage=Stage.BLOCKED):
        assert issue.transitions.last().reason, issue


def test_demo_history_is_the_real_stage_log(demo):
    # Every issue past triage got there through logged moves that chain from 00 to its stage.
    for issue in Issue.objects.exclude(stage=Stage.TRIAGE).prefetch_related("transitions"):
        moves = list(issue.transitions.all())
        assert moves[0].from_stage == Stage.TRIAGE, issue
        assert all(a.to_stage == b.from_stage for a, b in zip(moves, moves[1:], strict=False)), issue
        assert moves[-1].to_stage == issue.stage, issue
        assert all(m.at >= issue.created_at for m in moves), issue


def test_demo_closes_issues_in_past_milestones_within_their_dates(demo):
    past = Milestone.objects.filter(due_date__lt=milestone_current().start_date)
    closed = Issue.objects.filter(closed_in_milestone__in=past)
    assert closed.values("closed_in_milestone").annotate(n=Count("id")).count() == past.count()
    for issue in closed:
        closed_on = timezone.localtime(issue.closed_at).date()
        assert issue.closed_in_milestone.start_date <= closed_on <= issue.closed_in_milestone.due_date


def test_second_run_changes_nothing_and_prints_the_credentials(settings):
    settings.DEBUG = True
    call_command("demo_data", stdout=io.StringIO())
    counts = (User.objects.count(), Issue.objects.count(), Milestone.objects.count(), IssueTransition.objects.count(),
              Comment.objects.count())  # fmt: skip
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    assert counts == (User.objects.count(), Issue.objects.count(), Milestone.objects.count(),
                      IssueTransition.objects.count(), Comment.objects.count())  # fmt: skip
    text = out.getvalue()
    assert "nothing changed" in text
    assert "Sign in at http://testserver/ as:" in text
    for demo_user in DEMO_USERS:
        assert f"{demo_user.username:<10} {demo_user.password}" in text


def test_demo_command_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo_data", stdout=io.StringIO())
    assert not User.objects.exists()
