"""Tasks recorded with the change that needs them: a broker that is down delays them, never loses them."""

import datetime
import time

import pytest
from django.utils import timezone

from requests_app.models import Issue, Stage
from task_outbox.models import OutboxTask
from task_outbox.services import task_outbox_relay_pending
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_a_move_while_the_broker_is_down_answers_at_once_and_keeps_its_email_task(
    client, broker_down, requester_user, ic_user, mailoutbox
):
    issue = factories.IssueFactory(requester=requester_user, title="Import booth scans")
    client.force_login(ic_user)
    started = time.monotonic()
    response = client.post(f"/issues/{issue.pk}/move/", {"to_stage": "01", "reason": "Which event was it?"})
    elapsed = time.monotonic() - started

    assert response.status_code == 302  # committed, and answered as such: not a 500
    assert elapsed < 5
    assert Issue.objects.get(pk=issue.pk).stage == Stage.NEEDS_INFO
    [task] = OutboxTask.objects.all()
    assert task.name == "notifications.tasks.notification_emails_task"  # the requester is asked by e-mail
    assert task.sent_at is None
    assert task.last_error  # why it is still here
    assert mailoutbox == []

    # The broker is back: the sweep sends what is pending (here the task runs in-process, as without Redis).
    broker_down.conf.task_always_eager = True
    OutboxTask.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert task_outbox_relay_pending() == 1
    assert OutboxTask.objects.get().sent_at is not None
    assert len(mailoutbox) == 1
    assert task_outbox_relay_pending() == 0  # sent once


@pytest.mark.django_db(transaction=True)
def test_a_move_that_rolls_back_leaves_no_task(requester_user, ic_user):
    from django.db import transaction

    from requests_app.services import issue_move

    issue = factories.IssueFactory(requester=requester_user)

    def move_then_fail():
        with transaction.atomic():
            issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic_user, reason="Which list?")
            raise RuntimeError("the change fails after the move")

    with pytest.raises(RuntimeError):
        move_then_fail()
    assert not OutboxTask.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_rollover_button_while_the_broker_is_down_keeps_the_request_for_the_sweep(client, broker_down):
    from rollover.models import Rollover, RolloverStatus

    ended, manager = factories.past_milestone(), factories.manager(username="maya")
    factories.current_milestone()
    client.force_login(manager)
    response = client.post(f"/milestones/{ended.pk}/rollover/")

    assert response.status_code == 302
    assert Rollover.objects.get().status == RolloverStatus.PENDING
    [task] = OutboxTask.objects.all()
    assert task.name == "rollover.tasks.milestone_rollover_task"
    assert task.args == [ended.pk, manager.pk]
    assert task.sent_at is None


@pytest.mark.django_db(transaction=True)
def test_a_task_claimed_by_one_sender_is_not_sent_by_another_at_the_same_time(requester_user, ic_user):
    from task_outbox.services import task_outbox_send

    task = OutboxTask.objects.create(name="notifications.tasks.notification_emails_task", args=[[1]])
    OutboxTask.objects.filter(pk=task.pk).update(claimed_until=timezone.now() + datetime.timedelta(seconds=30))
    assert task_outbox_send(task.pk) is False
    assert OutboxTask.objects.get().sent_at is None
