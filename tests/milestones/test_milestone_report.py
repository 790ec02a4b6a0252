"""The manager's milestone report: planned, added, completed, rolled over, removed; chronic roll-overs."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from milestones.models import Milestone
from requests_app.models import Issue, MilestoneMembership
from requests_app.services import issue_close, issue_move, issue_update
from rollover.selectors import milestone_chart, milestone_report
from rollover.services import milestone_rollover
from tests import factories as f


def days_ago(n):
    return timezone.now() - datetime.timedelta(days=n)


@pytest.fixture
def sprint(db, ic_user, manager_user, monkeypatch):
    """An ended milestone with planned, added, completed, removed and rolled-over work, and a chronic issue."""
    today = timezone.localdate()
    older = f.MilestoneFactory(
        start_date=today - datetime.timedelta(days=45), due_date=today - datetime.timedelta(days=32)
    )
    earlier = f.MilestoneFactory(
        start_date=today - datetime.timedelta(days=31), due_date=today - datetime.timedelta(days=18)
    )
    ended = f.past_milestone()  # started 17 days ago, ended 4 days ago
    current = f.current_milestone()
    mk = lambda title, **kw: f.IssueFactory(title=title, assignee=ic_user, stage="04", **kw)  # noqa: E731

    def plan(issue, milestone, at):
        # Planned as on a day the milestone was open (the service's clock), then entered at `at`.
        issue_update(issue=issue, by=ic_user, milestone=milestone, now=at)
        MilestoneMembership.objects.filter(issue=issue, milestone=milestone).update(entered_at=at)

    issues = {
        "planned_done": mk("Planned and completed"),
        "planned_rolled": mk("Planned, rolled over"),
        "added_done": mk("Added mid-way, completed"),
        "added_rolled": mk("Added mid-way, rolled over"),
        "removed": mk("Removed from the milestone"),
        "closed": mk("Closed as won't do"),
        "chronic": mk("Chronic: Marketo instance migration", confidential=True),
    }
    # The chronic issue already rolled over twice before this milestone.
    plan(issues["chronic"], older, days_ago(50))
    # Each earlier rollover ran on its day, when the next milestone was the current one.
    for rolled, day in [(older, earlier.start_date), (earlier, ended.start_date)]:
        with monkeypatch.context() as patch:
            patch.setattr(timezone, "localdate", lambda *args, _day=day, **kwargs: _day)
            milestone_rollover(milestone=rolled)
    issues["chronic"].refresh_from_db()
    assert issues["chronic"].milestone == ended

    for key in ["planned_done", "planned_rolled", "removed", "closed"]:
        plan(issues[key], ended, days_ago(20))
    for key in ["added_done", "added_rolled"]:
        plan(issues[key], ended, days_ago(10))
    issue_update(issue=issues["removed"], by=ic_user, milestone=current)
    # Completed by the board's moves; written directly here since the guards are not this test's subject.
    Issue.objects.filter(pk__in=[issues["planned_done"].pk, issues["added_done"].pk]).update(stage="08")
    issue_close(issue=issues["closed"], by=ic_user)
    issue_update(issue=issues["planned_rolled"], by=ic_user, rollover_reason="Waiting on Legal review")
    milestone_rollover(milestone=ended, by=manager_user)
    return {"milestone": ended, "issues": issues, "current": current}


def test_report_counts_exactly(sprint, manager_user):
    report = milestone_report(manager_user, sprint["milestone"])
    t = report.totals
    # planned: planned_done, planned_rolled, removed, closed + chronic rolled in = 5; added: 2
    assert (t.planned, t.rolled_in, t.added) == (5, 1, 2)
    assert (t.completed, t.rolled_over, t.removed) == (3, 3, 1)
    assert t.committed == 6
    assert round(t.carry_over_rate, 2) == 0.5
    by_title = {row.issue.title: row for row in report.rows}
    assert by_title["Planned, rolled over"].reason == "Waiting on Legal review"
    assert by_title["Planned, rolled over"].reason_by.username == "ivy"
    assert by_title["Added mid-way, rolled over"].came_in == "added"
    assert by_title["Removed from the milestone"].outcome == "removed"


def test_chronic_issue_is_flagged_with_its_history(sprint, manager_user):
    report = milestone_report(manager_user, sprint["milestone"])
    assert [row.issue.title for row in report.chronic] == ["Chronic: Marketo instance migration"]
    chronic = report.chronic[0]
    assert chronic.times_rolled == 3
    assert [stay.left_how for stay in chronic.history] == ["rolled_out", "rolled_out", "rolled_out", ""]


def test_report_page_and_csv_show_the_same_numbers(sprint, client, manager_user):
    client.force_login(manager_user)
    url = f"/milestones/{sprint['milestone'].pk}/report/"
    page = client.get(url).content.decode()
    assert "Waiting on Legal review" in page
    assert "Chronic roll-overs" in page
    assert "50%" in page
    rows = list(csv.DictReader(io.StringIO(client.get(url.replace("report/", "report.csv")).content.decode())))
    outcomes = sorted(r["outcome"] for r in rows)
    assert outcomes == sorted(["completed"] * 3 + ["rolled_over"] * 3 + ["removed"])
    came_in = sorted(r["came_in"] for r in rows)
    assert came_in == sorted(["planned"] * 4 + ["rolled_in"] + ["added"] * 2)
    assert [r["chronic"] for r in rows if r["title"].startswith("Chronic")] == ["yes"]


def test_report_and_csv_hide_confidential_titles_from_requesters(sprint, client, requester_user):
    client.force_login(requester_user)
    url = f"/milestones/{sprint['milestone'].pk}/report/"
    page = client.get(url).content.decode()
    assert "Marketo instance migration" not in page
    assert "Confidential issue" in page
    text = client.get(url.replace("report/", "report.csv")).content.decode()
    assert "Marketo instance migration" not in text
    assert "Confidential issue" in text


def test_report_runs_constant_queries(db, client, manager_user, ic_user, django_assert_num_queries):
    ended = f.past_milestone()
    f.current_milestone()

    def fill(n):
        for i in range(n):
            issue = f.IssueFactory(title=f"Issue {i}", assignee=ic_user, stage="04")
            issue_update(issue=issue, by=ic_user, milestone=ended, now=days_ago(10))

    client.force_login(manager_user)
    fill(3)
    client.get(f"/milestones/{ended.pk}/report/")
    with django_assert_num_queries(7) as few:
        client.get(f"/milestones/{ended.pk}/report/")
    fill(30)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(f"/milestones/{ended.pk}/report/")


def test_chart_counts_completed_and_rolled_over(sprint):
    points = {p.milestone.pk: p for p in milestone_chart()}
    point = points[sprint["milestone"].pk]
    assert (point.completed, point.rolled_over) == (3, 3)
    assert point.carry_over_rate == 0.5


def test_milestone_list_draws_the_chart(sprint, client, manager_user):
    client.force_login(manager_user)
    page = client.get("/milestones/").content.decode()
    assert "<svg" in page
    assert "3 completed, 3 rolled over (50% carried over)" in page


def test_moving_back_to_ready_records_removal(db, ic_user):
    current = f.current_milestone()
    issue = f.IssueFactory(stage="03", assignee=ic_user)
    issue_update(issue=issue, by=ic_user, milestone=f.future_milestone())
    issue_move(issue_id=issue.pk, to_stage="02", by=ic_user)
    stay = MilestoneMembership.objects.get(issue=issue)
    assert stay.left_how == "removed"
    assert stay.left_at is not None
    assert current  # the current milestone exists but the issue never joined it


def test_report_csv_keeps_every_user_text_cell_from_running_as_a_formula(db, client, manager_user):
    """Titles, reasons and usernames are typed by people; a spreadsheet must read each as text."""
    ended = f.past_milestone()
    f.current_milestone()
    owner = f.ic(username="-ops")  # Django usernames may start with @, +, - (and . _)
    issue = f.IssueFactory(title='=HYPERLINK("http://evil.example","x")', assignee=owner, stage="04")
    issue_update(issue=issue, by=owner, milestone=ended, now=days_ago(10))
    issue_update(issue=issue, by=owner, rollover_reason="@SUM(1+1)")
    milestone_rollover(milestone=ended, by=manager_user)
    client.force_login(manager_user)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/milestones/{ended.pk}/report.csv").content.decode())))
    (row,) = rows
    assert row["title"] == "'" + issue.title
    assert row["reason"] == "'@SUM(1+1)"
    assert (row["assignee"], row["reason_by"]) == ("'-ops", "'-ops")


def test_chart_shows_no_rate_where_it_is_not_known_yet(db, client, ic_user):
    # The running milestone and an ended one not rolled over yet have rolled nothing over: not a perfect 0 %.
    for milestone in (f.past_milestone(), f.current_milestone()):
        issue = f.IssueFactory(stage="08", milestone=milestone)
        MilestoneMembership.objects.create(issue=issue, milestone=milestone)
    assert [(p.completed, p.rolled_over, p.carry_over_rate) for p in milestone_chart()] == [(1, 0, None), (1, 0, None)]

    client.force_login(ic_user)
    page = client.get("/milestones/").content.decode()
    assert page.count("1 completed, 0 rolled over (carry-over rate not known until it rolls over)") == 2
    assert page.count(">rate —</text>") == 2
    assert "rate 0%" not in page
    assert "<polyline" not in page  # no point on the line
    assert "<circle" not in page


def test_chart_labels_its_two_scales(sprint, client, manager_user):
    # Bars count issues, the line is a percentage: each has its own axis, named, so 100 % is not read as a count.
    client.force_login(manager_user)
    page = client.get("/milestones/").content.decode()
    assert ">rate %</text>" in page
    assert ">issues</text>" in page
    assert "3 / 3 issues" in page
    assert ">rate 50%</text>" in page
    assert page.count('class="rate-dot"') == sum(p.carry_over_rate is not None for p in milestone_chart())


def test_report_of_a_milestone_not_rolled_over_shows_no_carry_over_rate(db, client, ic_user):
    # Nothing has rolled over before the rollover: 0 % would read as a perfect milestone.
    milestone = f.current_milestone()
    issue = f.IssueFactory(stage="04", milestone=milestone, assignee=ic_user)
    MilestoneMembership.objects.create(issue=issue, milestone=milestone)
    client.force_login(ic_user)
    page = client.get(f"/milestones/{milestone.pk}/report/").content.decode()
    assert "carry-over rate (after the rollover)" in page
    assert "0%" not in page
    assert page.count('<td class="num">—</td>') == 1  # the one person's row


def test_the_report_and_the_chart_give_one_carry_over_rate(sprint, manager_user):
    """One definition (requests_app.metrics.carry_over_rate) for the page, the table and the chart."""
    from requests_app.metrics import carry_over_rate

    milestone = Milestone.objects.get(pk=sprint["milestone"].pk)  # as a page reads it, after the rollover
    report = milestone_report(manager_user, milestone)
    point = next(p for p in milestone_chart() if p.milestone == milestone)
    expected = carry_over_rate(rolled_over=report.totals.rolled_over, committed=report.totals.committed)
    assert report.totals.carry_over_rate_once(report.rolled) == point.carry_over_rate == expected
    assert point.committed == report.totals.committed
