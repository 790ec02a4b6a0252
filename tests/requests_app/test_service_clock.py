"""Every service that stamps a time takes `now=`: what it records is stamped with that moment, not the wall clock
(the demo builds its past this way), and a move's milestone guards judge by that moment's day."""

import datetime

import pytest
from django.utils import timezone

from labels.models import LabelKind
from milestones.services import milestone_close
from requests_app.errors import IssueMoveRefused
from requests_app.models import ChecklistItem, EventKind, Issue, MembershipLeft, MilestoneMembership, Stage
from requests_app.services import (
    checklist_item_set,
    comment_create,
    issue_close,
    issue_create,
    issue_move,
    issue_promote_to_epic,
    issue_reopen,
    issue_sign_off,
    issue_update,
    labels_attach,
    labels_set,
    milestone_membership_change,
    request_submit,
)
from rollover.services import milestone_rollover
from tests.factories import (
    IssueFactory,
    LabelFactory,
    MilestoneFactory,
    current_milestone,
    ic,
    manager,
    past_milestone,
    requester,
)

pytestmark = pytest.mark.django_db


def _then(days: int = 30) -> datetime.datetime:
    """A moment well in the past, to the microsecond (so the wall clock can't match it by chance)."""
    return timezone.now().replace(microsecond=123456) - datetime.timedelta(days=days, hours=5)


def _event(issue, kind):
    return issue.events.get(kind=kind)


def test_issue_create_stamps_created_and_updated_at_with_now():
    then = _then()
    issue = issue_create(requester=requester(), title="Fix the form", now=then)
    issue.refresh_from_db()
    assert (issue.created_at, issue.updated_at) == (then, then)


def test_request_submit_stamps_the_issue_and_its_created_event_with_now():
    then = _then()
    issue = request_submit(requester=requester(), request_type="general", title="A request", description="", now=then)
    issue.refresh_from_db()
    assert issue.created_at == then
    assert _event(issue, EventKind.CREATED).at == then


def test_issue_move_logs_at_now_and_judges_the_guards_by_its_day():
    ended = past_milestone()  # current 17 days ago, ended since
    worker = ic()
    issue = IssueFactory(assignee=worker, milestone=ended, stage=Stage.READY)
    with pytest.raises(IssueMoveRefused, match="not in the current milestone"):
        issue_move(issue_id=issue.pk, to_stage=Stage.IN_PROGRESS, by=worker)
    then = timezone.make_aware(datetime.datetime.combine(ended.start_date, datetime.time(10)))
    moved = issue_move(issue_id=issue.pk, to_stage=Stage.IN_PROGRESS, by=worker, now=then)
    assert moved._today is None  # the move's day does not stick to the instance it returns
    moved.refresh_from_db()
    assert moved.stage == Stage.IN_PROGRESS
    assert moved.transitions.get().at == then
    assert moved.updated_at == then


def test_issue_move_into_a_future_milestone_is_judged_by_now():
    coming = past_milestone()  # it was still ahead a month ago
    worker = ic()
    issue = IssueFactory(assignee=worker, milestone=coming, stage=Stage.READY)
    then = timezone.make_aware(datetime.datetime.combine(coming.start_date, datetime.time(9))) - datetime.timedelta(
        days=2
    )
    issue_move(issue_id=issue.pk, to_stage=Stage.ASSIGNED, by=worker, now=then)
    assert Issue.objects.get(pk=issue.pk).stage == Stage.ASSIGNED


def test_issue_update_stamps_events_membership_and_updated_at_with_now():
    then = _then(2)
    worker = ic()
    milestone = MilestoneFactory()  # ahead
    issue = IssueFactory()
    issue_update(issue=issue, by=worker, assignee=worker, milestone=milestone, weight=3, now=then)
    issue.refresh_from_db()
    assert issue.updated_at == then
    assert {e.at for e in issue.events.all()} == {then}
    assert MilestoneMembership.objects.get(issue=issue).entered_at == then


def test_comment_create_stamps_created_at_with_now():
    then = _then()
    comment = comment_create(issue=IssueFactory(), author=requester(), body="Any news?", now=then)
    comment.refresh_from_db()
    assert comment.created_at == then


def test_issue_close_and_reopen_stamp_with_now():
    worker = manager()
    milestone = past_milestone()
    issue = IssueFactory(milestone=milestone)
    closed_then = timezone.make_aware(datetime.datetime.combine(milestone.due_date, datetime.time(15)))
    issue_close(issue=issue, by=worker, now=closed_then)
    issue.refresh_from_db()
    assert (issue.closed_at, issue.updated_at) == (closed_then, closed_then)
    assert _event(issue, EventKind.CLOSED).at == closed_then
    reopened_then = closed_then + datetime.timedelta(days=1)
    issue_reopen(issue=issue, by=worker, reason="It came back", now=reopened_then)
    issue.refresh_from_db()
    assert issue.updated_at == reopened_then
    assert _event(issue, EventKind.REOPENED).at == reopened_then
    assert issue.comments.get().created_at == reopened_then


def test_issue_close_without_a_milestone_records_the_milestone_current_at_now():
    milestone = past_milestone()
    then = timezone.make_aware(datetime.datetime.combine(milestone.start_date, datetime.time(11)))
    issue = issue_close(issue=IssueFactory(), by=ic(), now=then)
    assert issue.closed_in_milestone == milestone


def test_issue_sign_off_stamps_with_now():
    owner = requester()
    issue = IssueFactory(requester=owner, stage=Stage.REVIEW)
    then = _then(3)
    issue_sign_off(issue=issue, by=owner, now=then)
    issue.refresh_from_db()
    assert (issue.signed_off_at, issue.updated_at) == (then, then)
    assert _event(issue, EventKind.SIGNED_OFF).at == then


def test_issue_promote_to_epic_stamps_with_now():
    issue = IssueFactory(weight=34)
    then = _then()
    epic = issue_promote_to_epic(issue=issue, by=ic(), now=then)
    issue.refresh_from_db()
    assert (epic.created_at, issue.updated_at) == (then, then)
    assert _event(issue, EventKind.PROMOTED).at == then


def test_labels_attach_and_set_stamp_their_events_with_now():
    issue = IssueFactory()
    worker = ic()
    tool, other = LabelFactory(kind=LabelKind.TOOL), LabelFactory(kind=LabelKind.TOOL)
    then = _then()
    labels_attach(issue=issue, labels=[tool], by=worker, now=then)
    later = then + datetime.timedelta(hours=1)
    labels_set(issue=issue, labels=[other], by=worker, now=later)
    stamps = sorted((e.kind, e.at) for e in issue.events.all())
    assert stamps == [(EventKind.LABEL_ADDED, then), (EventKind.LABEL_ADDED, later), (EventKind.LABEL_REMOVED, later)]


def test_checklist_item_set_stamps_done_at_with_now():
    item = ChecklistItem.objects.create(issue=IssueFactory(), position=1, text="Discovery")
    then = _then()
    assert checklist_item_set(item=item, done=True, by=ic(), now=then).done_at == then


def test_milestone_membership_change_stamps_entered_and_left_with_now():
    issue = IssueFactory()
    first, second = MilestoneFactory(), MilestoneFactory()
    then = _then()
    milestone_membership_change(issue_id=issue.pk, old_id=None, new_id=first.pk, now=then)
    later = then + datetime.timedelta(days=1)
    milestone_membership_change(issue_id=issue.pk, old_id=first.pk, new_id=second.pk, now=later)
    left, entered = MilestoneMembership.objects.filter(issue=issue).order_by("pk")
    assert (left.entered_at, left.left_at, left.left_how) == (then, later, MembershipLeft.REMOVED)
    assert entered.entered_at == later


def test_milestone_close_stamps_closed_at_with_now(manager_user):
    from rollover.services import milestone_rollover

    milestone = past_milestone(handbook_mr_url="https://example.com/mr/1", handbook_mr_merged=True)
    current_milestone()
    milestone_rollover(milestone=milestone)  # closing needs the rollover done (the lifecycle)
    then = _then(2)
    assert milestone_close(milestone=milestone, by=manager_user, now=then).closed_at == then


def test_milestone_rollover_stamps_everything_it_records_with_now():
    ended = past_milestone()
    MilestoneFactory(start_date=ended.due_date + datetime.timedelta(days=1))  # the next one, current now
    issue = IssueFactory(milestone=ended, assignee=ic(), stage=Stage.IN_PROGRESS)
    then = timezone.make_aware(datetime.datetime.combine(ended.due_date + datetime.timedelta(days=1), datetime.time(7)))
    rollover = milestone_rollover(milestone=ended, by=manager(), now=then)
    rollover.refresh_from_db()
    assert rollover.status == "done"
    assert {rollover.created_at, rollover.started_at, rollover.moved_at, rollover.finished_at} == {then}
    assert rollover.entries.get().created_at == then
    assert {r.posted_at for r in rollover.replies.all()} <= {then}
    issue.refresh_from_db()
    assert issue.updated_at == then
    assert issue.comments.get().created_at == then
    assert _event(issue, EventKind.MILESTONE_CHANGED).at == then
    rolled = MilestoneMembership.objects.get(issue=issue, milestone=issue.milestone)
    assert rolled.entered_at == then
