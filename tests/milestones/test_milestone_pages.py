import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from milestones.models import Milestone
from milestones.tasks import milestones_ensure_ahead_task
from requests_app.models import Comment, Issue, Stage
from rollover.models import Rollover, RolloverStatus
from rollover.tasks import milestones_rollover_due_task
from slack_messages.models import SlackOutboxMessage
from tests import factories as f
from tests.milestones.rollover_data import ended_milestone_with_every_stage


@pytest.fixture
def ended(db):
    return ended_milestone_with_every_stage()


# The button and the API queue the task on commit: these tests commit for real, as a request does.
committed = pytest.mark.django_db(transaction=True)


# --- API ------------------------------------------------------------------------------------------------


@committed
def test_api_rollover_by_a_manager_runs_it_and_a_second_call_changes_nothing(ended, client):
    client.force_login(ended.manager)
    response = client.post(f"/api/milestones/{ended.milestone.pk}/rollover/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "done"
    assert body["moved_count"] == len(ended.moving)
    assert body["replies_posted"] == body["replies_planned"] == 3
    comments = Comment.objects.count()

    again = client.post(f"/api/milestones/{ended.milestone.pk}/rollover/")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert Comment.objects.count() == comments
    assert SlackOutboxMessage.objects.filter(thread_ts="").count() == 1


def test_rollover_request_queues_the_task_only_on_commit(ended, django_capture_on_commit_callbacks):
    from rollover.services import rollover_request

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rollover_request(milestone=ended.milestone, by=ended.manager)
    assert len(callbacks) == 1
    assert Rollover.objects.get().status == RolloverStatus.PENDING
    assert Issue.objects.filter(milestone=ended.milestone).count() == len(ended.moving) + len(ended.staying)


def test_api_rollover_is_forbidden_to_an_ic_and_a_requester(ended, client, requester_user):
    for user in (ended.ivy, requester_user):
        client.force_login(user)
        response = client.post(f"/api/milestones/{ended.milestone.pk}/rollover/")
        assert response.status_code == 403
        assert "managers" in response.json()["detail"]
    assert not Rollover.objects.exists()
    assert Issue.objects.filter(milestone=ended.milestone).count() == len(ended.moving) + len(ended.staying)


def test_api_rollover_of_a_milestone_still_running_answers_409(ended, client):
    client.force_login(ended.manager)
    response = client.post(f"/api/milestones/{ended.current.pk}/rollover/")
    assert response.status_code == 409
    assert "has not ended" in response.json()["detail"]


def test_api_rollover_of_a_missing_milestone_answers_404(ended, client):
    client.force_login(ended.manager)
    assert client.post("/api/milestones/999999/rollover/").status_code == 404


def test_api_milestone_json_holds_its_state(ended, client):
    client.force_login(ended.ivy)
    rows = {m["id"]: m for m in client.get("/api/milestones/").json()["results"]}
    assert rows[ended.milestone.pk]["state"] == "ended"
    assert rows[ended.current.pk]["state"] == "current"


# --- Pages ----------------------------------------------------------------------------------------------


def test_milestone_list_shows_state_and_counts_of_visible_issues(ended, client, requester_user):
    client.force_login(ended.ivy)
    page = client.get("/milestones/").content.decode()
    assert ended.milestone.title in page
    assert "ended" in page
    assert "current" in page


def test_milestone_list_counts_only_issues_the_user_may_see(ended, client, requester_user):
    from rollover.selectors import milestone_list_for

    as_ic = {m.pk: m for m in milestone_list_for(ended.ivy)}[ended.milestone.pk]
    as_requester = {m.pk: m for m in milestone_list_for(requester_user)}[ended.milestone.pk]
    confidential = Issue.objects.filter(milestone=ended.milestone, confidential=True).count()
    assert as_ic.issue_count == len(ended.moving) + len(ended.staying)
    assert as_requester.issue_count == as_ic.issue_count - confidential


def test_milestone_list_takes_the_same_queries_for_few_and_many_milestones(db, client, django_assert_num_queries):
    user = f.ic()
    client.force_login(user)
    f.past_milestone()
    client.get("/milestones/")  # warm the session and group cache
    # + the chart (recent milestones and their tallies) + the lifecycle catch-up (nothing due: one read)
    # (today's current milestone comes from the cache the warm-up request filled)
    with django_assert_num_queries(7) as few:
        client.get("/milestones/")
    for _ in range(5):
        f.IssueFactory(milestone=f.MilestoneFactory())
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/milestones/")


def test_milestone_detail_hides_confidential_issues_from_other_requesters(ended, client, requester_user):
    client.force_login(requester_user)
    page = client.get(f"/milestones/{ended.milestone.pk}/").content.decode()
    assert "Import for jane.doe@example.com" not in page
    assert "Stage 00 work" in page
    assert "Roll over" not in page


@committed
def test_manager_rolls_over_from_the_button_and_the_page_shows_the_record(ended, client):
    client.force_login(ended.manager)
    page = client.get(f"/milestones/{ended.milestone.pk}/").content.decode()
    assert "Roll over 9 open issues" in page

    response = client.post(f"/milestones/{ended.milestone.pk}/rollover/", follow=True)
    page = response.content.decode()
    assert "is rolled over" in page
    assert "9 moved to" in page
    assert "3 of 3 posted" in page
    assert "Roll over" not in page  # done: no button any more
    assert Issue.objects.filter(milestone=ended.current).count() == len(ended.moving) + 1


def test_the_rollover_button_is_refused_to_an_ic(ended, client):
    client.force_login(ended.ivy)
    assert client.post(f"/milestones/{ended.milestone.pk}/rollover/").status_code == 403
    assert not Rollover.objects.exists()


@committed
def test_a_failed_rollover_shows_its_error_on_the_page(ended, client, slack_api):
    from tests.slack_messages.slack_web_api import slack_error

    slack_api.always = slack_error("not_in_channel")
    client.force_login(ended.manager)
    page = client.post(f"/milestones/{ended.milestone.pk}/rollover/", follow=True).content.decode()
    assert "not_in_channel" in page
    assert "Resume rollover" in page
    assert Rollover.objects.get().status == RolloverStatus.FAILED


def test_a_bad_handbook_mr_url_re_renders_with_the_error_and_keeps_the_input(ended, client):
    client.force_login(ended.manager)
    response = client.post(f"/milestones/{ended.milestone.pk}/handbook-mr/", {"handbook_mr_url": "not a url"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid URL" in page
    assert 'value="not a url"' in page


def test_handbook_mr_and_close_are_for_managers_only(ended, client):
    client.force_login(ended.ivy)
    url = f"/milestones/{ended.milestone.pk}/"
    assert client.post(url + "handbook-mr/", {"handbook_mr_url": "https://x.example/1"}).status_code == 403
    assert client.post(url + "close/").status_code == 403


@committed
def test_an_ic_gives_a_rollover_reason_on_the_milestone_page_and_the_report_shows_who(ended, client):
    issue = next(i for i in ended.moving if not i.rollover_reason)
    client.force_login(ended.max)
    client.post(
        f"/milestones/{ended.milestone.pk}/issues/{issue.pk}/rollover-reason/", {"rollover_reason": "Waiting on legal"}
    )
    issue.refresh_from_db()
    assert issue.rollover_reason == "Waiting on legal"
    assert issue.rollover_reason_by == ended.max

    client.force_login(ended.manager)
    client.post(f"/milestones/{ended.milestone.pk}/rollover/")
    report = client.get(f"/milestones/{ended.milestone.pk}/report/").content.decode()
    assert "Waiting on legal" in report
    assert "no reason given" in report
    csv = client.get(f"/milestones/{ended.milestone.pk}/report.csv").content.decode()
    assert "Waiting on legal,max" in csv


def test_a_requester_cannot_give_a_rollover_reason(ended, client):
    issue = ended.moving[0]
    client.force_login(issue.requester)
    url = f"/milestones/{ended.milestone.pk}/issues/{issue.pk}/rollover-reason/"
    assert client.post(url, {"rollover_reason": "x"}).status_code == 403


def test_a_rollover_reason_for_a_hidden_issue_answers_404_like_a_missing_one(ended, client, other_requester):
    """403 would tell a requester that a confidential issue with this id sits in the milestone."""
    from requests_app.models import Issue

    hidden = Issue.objects.filter(milestone=ended.milestone, confidential=True).first()
    assert hidden is not None
    assert hidden.requester != other_requester
    client.force_login(other_requester)
    url = f"/milestones/{ended.milestone.pk}/issues/{{}}/rollover-reason/"
    assert client.post(url.format(hidden.pk), {"rollover_reason": "x"}).status_code == 404
    assert client.post(url.format(999999), {"rollover_reason": "x"}).status_code == 404
    hidden.refresh_from_db()
    assert hidden.rollover_reason != "x"


def test_the_report_masks_confidential_titles_for_requesters(ended, client, requester_user):
    client.force_login(requester_user)
    page = client.get(f"/milestones/{ended.milestone.pk}/report/").content.decode()
    assert "jane.doe@example.com" not in page
    assert "Confidential issue" in page
    csv_text = client.get(f"/milestones/{ended.milestone.pk}/report.csv").content.decode()
    assert "jane.doe@example.com" not in csv_text


# --- Command and beat -----------------------------------------------------------------------------------


def test_rollover_due_milestones_dry_run_prints_what_would_move_and_changes_nothing(ended):
    before = (
        list(Issue.objects.order_by("pk").values_list("pk", "milestone_id", "rollover_reason")),
        Milestone.objects.count(),
        Comment.objects.count(),
    )
    out = StringIO()
    call_command("rollover_due_milestones", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"would move {len(ended.moving)} issue(s) to {ended.current.title}" in text
    assert "no reason given" in text
    assert "Import for jane.doe" not in text
    assert before == (
        list(Issue.objects.order_by("pk").values_list("pk", "milestone_id", "rollover_reason")),
        Milestone.objects.count(),
        Comment.objects.count(),
    )
    assert not Rollover.objects.exists()
    assert not SlackOutboxMessage.objects.exists()


def test_rollover_due_milestones_dry_run_does_not_create_the_next_milestone(db):
    ended = f.past_milestone()
    f.IssueFactory(milestone=ended, stage=Stage.IN_PROGRESS)
    out = StringIO()
    call_command("rollover_due_milestones", "--dry-run", stdout=out)
    assert "would be created" in out.getvalue()
    assert Milestone.objects.count() == 1


def test_rollover_due_milestones_rolls_over_and_a_second_run_finds_nothing(ended):
    out = StringIO()
    call_command("rollover_due_milestones", stdout=out)
    assert f"{ended.milestone.title}: done" in out.getvalue()
    out = StringIO()
    call_command("rollover_due_milestones", stdout=out)
    assert "No ended milestone" in out.getvalue()


def test_due_for_rollover_lists_ended_milestones_not_rolled_over(ended):
    from rollover.selectors import milestones_due_for_rollover

    assert list(milestones_due_for_rollover()) == [ended.milestone]
    Rollover.objects.create(milestone=ended.milestone, status=RolloverStatus.FAILED)
    assert list(milestones_due_for_rollover()) == [ended.milestone]  # a failed one is tried again
    Rollover.objects.filter(milestone=ended.milestone).update(status=RolloverStatus.DONE)
    assert list(milestones_due_for_rollover()) == []


def test_daily_rollover_task_rolls_over_each_ended_milestone(ended):
    assert milestones_rollover_due_task.delay().get() == [ended.milestone.pk]
    assert Rollover.objects.get().status == RolloverStatus.DONE


def test_the_beat_schedule_runs_ensure_ahead_and_the_daily_rollover(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"milestones.tasks.milestones_ensure_ahead_task", "rollover.tasks.milestones_rollover_due_task"} <= tasks


def test_ensure_ahead_task_keeps_the_next_three_created(db, settings):
    settings.MILESTONES_AHEAD = 3
    assert milestones_ensure_ahead_task.delay().get() == 4
    assert milestones_ensure_ahead_task.delay().get() == 0
    today = timezone.localdate()
    assert Milestone.objects.filter(start_date__gt=today).count() == 3
    assert Milestone.objects.filter(start_date__lte=today, due_date__gte=today).count() == 1
    assert Milestone.objects.filter(due_date__gte=today + datetime.timedelta(days=14 * 3)).exists()
