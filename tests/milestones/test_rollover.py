import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from milestones.models import Milestone
from milestones.services import MilestoneError
from requests_app.models import Comment, EventKind, Issue, IssueEvent, Stage
from rollover.models import Rollover, RolloverEntry, RolloverStatus
from rollover.services import milestone_rollover, rollover_get_or_create, rollover_move_issues
from slack_messages.models import SlackOutboxMessage
from tests import factories as f
from tests.milestones.rollover_data import ended_milestone_with_every_stage


@pytest.fixture
def ended(db):
    return ended_milestone_with_every_stage()


def test_rollover_moves_every_open_not_completed_issue_and_nothing_else(ended):
    rollover = milestone_rollover(milestone=ended.milestone, by=ended.manager)

    assert rollover.status == RolloverStatus.DONE
    assert rollover.to_milestone == ended.current
    moved_ids = {i.pk for i in ended.moving}
    now_current = Issue.objects.filter(pk__in=moved_ids, milestone=ended.current)
    assert set(now_current.values_list("pk", flat=True)) == moved_ids
    assert set(Issue.objects.filter(milestone=ended.milestone).values_list("pk", flat=True)) == {
        i.pk for i in ended.staying
    }
    assert rollover.moved_count == len(ended.moving) == 9  # stages 00-07 and the confidential import
    assert rollover.completed_count == len(ended.staying) == 2


def test_rollover_keeps_each_issue_stage_and_assignee(ended):
    before = {i.pk: (i.stage, i.assignee_id) for i in ended.moving}
    milestone_rollover(milestone=ended.milestone)
    after = {i.pk: (i.stage, i.assignee_id) for i in Issue.objects.filter(pk__in=before)}
    assert after == before


def test_rollover_records_from_to_stage_assignee_and_reason_per_issue(ended):
    rollover = milestone_rollover(milestone=ended.milestone)
    entries = {e.issue_id: e for e in RolloverEntry.objects.filter(rollover=rollover)}
    assert set(entries) == {i.pk for i in ended.moving}
    for issue in ended.moving:
        entry = entries[issue.pk]
        assert (entry.from_milestone, entry.to_milestone) == (ended.milestone, ended.current)
        assert entry.stage == issue.stage
        assert entry.assignee_id == issue.assignee_id
        assert entry.reason == issue.rollover_reason
        assert entry.reason_by_id == issue.rollover_reason_by_id
        assert entry.confidential == issue.confidential
        assert entry.reply_index is not None


def test_rollover_posts_the_reason_as_a_system_comment_or_no_reason_given(ended):
    milestone_rollover(milestone=ended.milestone, by=ended.manager)
    for issue in ended.moving:
        comments = list(Comment.objects.filter(issue=issue))
        assert len(comments) == 1
        comment = comments[0]
        assert comment.is_system
        assert comment.author == ended.manager
        assert ended.milestone.title in comment.body
        assert ended.current.title in comment.body
        if issue.rollover_reason:
            assert issue.rollover_reason in comment.body
            assert f"@{issue.rollover_reason_by.username}" in comment.body
        else:
            assert "no reason given" in comment.body
    assert not Comment.objects.filter(issue__in=ended.staying).exists()


def test_rollover_logs_a_milestone_change_event_and_clears_the_used_reason(ended):
    milestone_rollover(milestone=ended.milestone)
    events = IssueEvent.objects.filter(kind=EventKind.MILESTONE_CHANGED)
    assert sorted(events.values_list("issue_id", flat=True)) == sorted(i.pk for i in ended.moving)
    assert set(events.values_list("old_value", "new_value")) == {(ended.milestone.title, ended.current.title)}
    assert not Issue.objects.filter(pk__in=[i.pk for i in ended.moving]).exclude(rollover_reason="").exists()
    assert not Issue.objects.filter(pk__in=[i.pk for i in ended.moving], rollover_reason_by__isnull=False).exists()


def test_rollover_thread_in_the_outbox_has_one_parent_and_replies_grouped_by_assignee(ended):
    rollover = milestone_rollover(milestone=ended.milestone)
    parents = list(SlackOutboxMessage.objects.filter(thread_ts=""))
    assert len(parents) == 1
    parent = parents[0]
    assert parent.channel == "#mktgops"
    assert parent.ts == rollover.parent_ts
    assert "2 completed" in parent.text
    assert "9 moved" in parent.text
    assert f"/milestones/{ended.milestone.pk}/report/" in parent.text
    replies = list(SlackOutboxMessage.objects.filter(thread_ts=parent.ts).order_by("ts"))
    headings = [r.text for r in replies]
    tagged = [f"[MktgOps rollover {rollover.pk} message {n}]" for n in (1, 2, 3)]  # each found again by it
    assert headings == [
        f"{heading} {tag}"
        for heading, tag in zip(
            ["Ivy Ng (@ivy): 3 issues moved", "Max Ode (@max): 4 issues moved", "Unassigned: 2 issues moved"],
            tagged,
            strict=True,
        )
    ]
    assert headings != [
        "Ivy Ng (@ivy): 3 issues moved",
        "Max Ode (@max): 4 issues moved",
        "Unassigned: 2 issues moved",
    ]
    everything = " ".join(str(r.blocks) for r in replies)
    assert "jane.doe@example.com" not in everything  # confidential titles are masked
    assert f"#{ended.moving[-1].pk} Confidential issue" in everything
    assert "no reason given" in everything
    assert "Vendor file late" not in everything  # a confidential issue's reason stays on the issue
    assert "reason given on the issue_ (by @max)" in everything
    assert "reason from @" in everything


def test_running_a_finished_rollover_again_changes_nothing(ended):
    first = milestone_rollover(milestone=ended.milestone)
    counts = (
        Comment.objects.count(),
        IssueEvent.objects.count(),
        RolloverEntry.objects.count(),
        SlackOutboxMessage.objects.count(),
    )
    again = milestone_rollover(milestone=ended.milestone)
    assert again.pk == first.pk
    assert again.status == RolloverStatus.DONE
    assert counts == (
        Comment.objects.count(),
        IssueEvent.objects.count(),
        RolloverEntry.objects.count(),
        SlackOutboxMessage.objects.count(),
    )
    assert Rollover.objects.count() == 1


def test_an_issue_added_to_the_ended_milestone_after_its_rollover_is_not_moved_by_a_rerun(ended):
    milestone_rollover(milestone=ended.milestone)
    late = f.IssueFactory(milestone=ended.milestone, stage=Stage.IN_PROGRESS)
    milestone_rollover(milestone=ended.milestone)
    late.refresh_from_db()
    assert late.milestone == ended.milestone


def test_a_failure_while_moving_rolls_the_whole_move_back(ended):
    failing = mock.patch.object(RolloverEntry.objects, "bulk_create", side_effect=RuntimeError("worker died"))
    with failing, pytest.raises(RuntimeError):
        milestone_rollover(milestone=ended.milestone)
    assert Issue.objects.filter(milestone=ended.milestone).count() == len(ended.moving) + len(ended.staying)
    assert not Comment.objects.exists()
    assert not IssueEvent.objects.exists()
    assert Rollover.objects.get().moved_at is None
    assert not SlackOutboxMessage.objects.exists()
    rollover = milestone_rollover(milestone=ended.milestone)
    assert rollover.status == RolloverStatus.DONE
    assert rollover.moved_count == len(ended.moving)
    assert Comment.objects.count() == len(ended.moving)


def test_a_run_interrupted_after_the_parent_resumes_with_the_replies_only(ended):
    from rollover import services

    real_post = services.slack_post
    calls = []

    def dies_after_parent(**message):
        calls.append(message)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # not an Exception: nothing catches it, like a kill
        return real_post(**message)

    with mock.patch.object(services, "slack_post", side_effect=dies_after_parent), pytest.raises(SystemExit):
        milestone_rollover(milestone=ended.milestone)
    rollover = Rollover.objects.get()
    assert rollover.status == RolloverStatus.PARENT_POSTED
    assert rollover.parent_ts
    assert SlackOutboxMessage.objects.count() == 1

    rollover = milestone_rollover(milestone=ended.milestone)
    assert rollover.status == RolloverStatus.DONE
    assert SlackOutboxMessage.objects.filter(thread_ts="").count() == 1
    replies = SlackOutboxMessage.objects.filter(thread_ts=rollover.parent_ts)
    assert replies.count() == rollover.replies.count() == 3
    assert Comment.objects.count() == len(ended.moving)  # the moves were not repeated


def test_rollover_of_a_milestone_that_has_not_ended_is_refused(db):
    current = f.current_milestone()
    with pytest.raises(MilestoneError, match="has not ended"):
        milestone_rollover(milestone=current)
    assert not Rollover.objects.exists()


def test_rollover_creates_the_next_milestone_when_there_is_none(db):
    ended = f.past_milestone()
    issue = f.IssueFactory(milestone=ended, stage=Stage.IN_PROGRESS)
    rollover = milestone_rollover(milestone=ended)
    issue.refresh_from_db()
    assert issue.milestone == rollover.to_milestone
    assert rollover.to_milestone.due_date >= timezone.localdate() > ended.due_date


def test_a_late_rollover_skips_milestones_that_have_ended_too(db):
    older = f.MilestoneFactory(
        start_date=timezone.localdate() - datetime.timedelta(days=31),
        due_date=timezone.localdate() - datetime.timedelta(days=18),
    )
    f.past_milestone()  # ended as well
    current = f.current_milestone()
    issue = f.IssueFactory(milestone=older, stage=Stage.BLOCKED)
    milestone_rollover(milestone=older)
    issue.refresh_from_db()
    assert issue.milestone == current


def _milestone_with(n: int, ended: Milestone, ic) -> None:
    for i in range(n):
        f.IssueFactory(
            milestone=ended,
            stage=Stage.IN_PROGRESS,
            assignee=ic,
            rollover_reason=f"r{i}" if i % 2 else "",
            rollover_reason_by=ic if i % 2 else None,
            confidential=i % 3 == 0,
        )


@pytest.mark.parametrize("n", [3, 30])
def test_moving_issues_takes_the_same_queries_for_3_and_30_issues(db, django_assert_num_queries, n):
    ended, ic = f.past_milestone(), f.ic()
    f.current_milestone()
    _milestone_with(n, ended, ic)
    rollover = rollover_get_or_create(milestone=ended)
    # lock rollover, target, lock+read issues, count, update, memberships out + in, people, comments, events,
    # entries, replies,
    # save rollover, the requesters' notification task recorded in the task outbox (one row, whatever the count),
    # plus the savepoint pair of the outer atomic block.
    with django_assert_num_queries(16):
        rollover_move_issues(rollover=rollover)
    assert Issue.objects.filter(milestone=ended).count() == 0


def test_moving_thousands_of_issues_is_batched_not_queries_per_issue(db):
    ended, ic = f.past_milestone(), f.ic()
    f.current_milestone()
    Issue.objects.bulk_create(
        [
            Issue(requester=ic, title=f"Bulk {i}", milestone=ended, assignee=ic, stage=Stage.IN_PROGRESS)
            for i in range(2500)
        ]
    )
    rollover = rollover_get_or_create(milestone=ended)
    with CaptureQueriesContext(connection) as queries:
        rollover_move_issues(rollover=rollover)
    # Batches only (SQLite allows 999 parameters a statement, PostgreSQL far more): never a query per issue.
    assert len(queries) < 2500 / 25
    assert RolloverEntry.objects.count() == 2500


def test_a_confidential_issues_reason_stays_out_of_slack(db):
    from rollover.thread import MovedIssue, issue_line

    moved = MovedIssue(
        issue_id=7, title="Import for jane@example.com", confidential=True, stage_short="04: In Progress",
        url="http://testserver/issues/7/", assignee_key="ivy", assignee_name="Ivy",
        reason="Waiting on jane@example.com to resend the file", reason_by="ivy",
    )  # fmt: skip
    line = issue_line(moved)
    assert "jane@example.com" not in line
    assert "reason given on the issue" in line
    assert "#7 Confidential issue" in line
