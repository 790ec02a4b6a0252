"""Fault injection, in-process: Slack hanging, 429, 5xx and dropping connections; a worker dying at chosen
points; the database connection terminated (pg_terminate_backend) while a message is in flight; the broker
down under board moves. Twenty faults of each kind; each ends with one parent and every reply exactly once.
"""

import datetime
import time

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from rollover import services
from rollover.models import Rollover, RolloverStatus
from rollover.tasks import milestone_rollover_task, rollovers_resume_stalled_task
from task_outbox.models import OutboxTask
from tests.faults.helpers import Tally, ended_milestones
from tests.slack_messages.slack_web_api import dropped, hang, rate_limited, server_error

RUNS = 20
MESSAGES = 4  # a parent and three replies per rollover


def _run_until_done(milestone, *, tries: int = 6) -> str:
    """The task, re-run as its retries (or the sweep) would, until the rollover is done."""
    status = ""
    for _ in range(tries):
        status = milestone_rollover_task.delay(milestone.pk).get()
        if status == RolloverStatus.DONE:
            break
    return status


@pytest.mark.parametrize(
    ("kind", "fault"),
    [
        ("Slack answers after the client's timeout", lambda n: hang(0.5, accept=True)),
        ("Slack answers 429", lambda n: rate_limited(0)),
        ("Slack answers 5xx", lambda n: server_error(accept=n % 2 == 0)),
        ("Slack drops the connection", lambda n: dropped(accept=n % 2 == 0)),
    ],
)
def test_slack_faults_leave_every_message_exactly_once(db, slack_api, settings, kind, fault):
    settings.SLACK_TIMEOUT_SECONDS = 0.25
    tally = Tally(kind)
    for n, milestone in enumerate(ended_milestones(RUNS)):
        at = n % MESSAGES  # the parent, then each reply in turn
        slack_api.script = [None] * at + [fault(n)]
        tally.faults += 1
        if _run_until_done(milestone) != RolloverStatus.DONE:
            tally.notes.append(f"run {n} not done")
    tally.check_slack(slack_api)
    tally.check_moves()
    tally.report()
    assert slack_api.problems == []
    tally.assert_clean()


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs in the worker (not even `except Exception`)."""


@pytest.mark.parametrize(
    "point", ["before Slack is called", "while Slack's answer is in flight", "after the ts is kept"]
)
def test_a_worker_killed_at_any_point_resumes_once_its_lease_lapses(db, slack_api, monkeypatch, point):
    tally = Tally(f"worker killed {point}")
    real_deliver, real_record = services.rollover_deliver, services.rollover_record_posted
    milestones = ended_milestones(RUNS)
    for n, milestone in enumerate(milestones):
        at, seen = n % MESSAGES, []

        def deliver(claim, at=at, seen=seen):
            seen.append(claim)
            if len(seen) - 1 == at and point == "before Slack is called":
                raise WorkerKilled
            posted = real_deliver(claim)
            if len(seen) - 1 == at and point == "while Slack's answer is in flight":
                raise WorkerKilled
            return posted

        def record(*, at=at, seen=seen, **kwargs):
            real_record(**kwargs)
            if len(seen) - 1 == at and point == "after the ts is kept":
                raise WorkerKilled

        monkeypatch.setattr(services, "rollover_deliver", deliver)
        monkeypatch.setattr(services, "rollover_record_posted", record)
        with pytest.raises(WorkerKilled):
            milestone_rollover_task.delay(milestone.pk).get()
        tally.faults += 1
        # SIGKILL gives nothing back: the dead run's lease stands until it lapses.
        dead_until = timezone.now() + datetime.timedelta(seconds=90)
        Rollover.objects.filter(milestone=milestone).update(lease_owner="killed", lease_until=dead_until)
        monkeypatch.setattr(services, "rollover_deliver", real_deliver)
        monkeypatch.setattr(services, "rollover_record_posted", real_record)
        before = len(slack_api.messages)
        milestone_rollover_task.delay(milestone.pk).get()  # a redelivered copy while the lease stands
        if len(slack_api.messages) != before:
            tally.notes.append("a run ignored a live lease")
        Rollover.objects.filter(milestone=milestone).update(lease_until=timezone.now() - datetime.timedelta(minutes=2))
        rollovers_resume_stalled_task.delay().get()
        if Rollover.objects.get(milestone=milestone).status != RolloverStatus.DONE:
            tally.notes.append(f"run {n} not resumed")
    tally.check_slack(slack_api)
    tally.check_moves()
    tally.report()
    assert tally.notes == []
    tally.assert_clean()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_connection_terminated_while_a_message_is_in_flight(requires_postgres, slack_api):
    tally = Tally("database connection terminated (pg_terminate_backend) while Slack's answer is in flight")
    params = connection.get_connection_params()
    milestones = ended_milestones(RUNS)
    for n, milestone in enumerate(milestones):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            [pid] = cursor.fetchone()
        at, posts = n % MESSAGES, []

        def terminate(message_params, at=at, posts=posts, pid=pid):
            posts.append(message_params)
            if len(posts) - 1 == at:
                with psycopg2.connect(**params) as killer, killer.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                killer.close()

        slack_api.on_post = terminate
        first = milestone_rollover_task.delay(milestone.pk).get()
        slack_api.on_post = None
        tally.faults += 1
        if first != "waiting":
            tally.notes.append(f"run {n}: {first}")
        if _run_until_done(milestone) != RolloverStatus.DONE:
            tally.notes.append(f"run {n} not done")
    tally.check_slack(slack_api)
    tally.check_moves()
    tally.report()
    assert tally.notes == []
    tally.assert_clean()


@pytest.mark.django_db(transaction=True)
def test_board_moves_while_the_broker_is_down_commit_answer_and_keep_their_tasks(client, broker_down):
    from requests_app.models import Issue, Stage
    from task_outbox.services import task_outbox_relay_pending
    from tests import factories

    tally = Tally("board moves with the broker down")
    ic = factories.ic(username="ivy")
    issues = [factories.IssueFactory(stage=Stage.TRIAGE) for _ in range(RUNS)]
    client.force_login(ic)
    slowest = 0.0
    for issue in issues:
        started = time.monotonic()
        response = client.post(f"/issues/{issue.pk}/move/", {"to_stage": "01", "reason": "Which list?"})
        slowest = max(slowest, time.monotonic() - started)
        tally.faults += 1
        tally.server_errors += response.status_code >= 500
    broker_down.conf.task_always_eager = True  # the broker is back (in-process here)
    moved = Issue.objects.filter(stage=Stage.NEEDS_INFO).count()
    pending = OutboxTask.objects.filter(sent_at__isnull=True).count()
    OutboxTask.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    sent = task_outbox_relay_pending()
    tally.notes += [f"{moved} committed", f"{pending} tasks kept", f"{sent} sent once the broker was back",
                    f"slowest answer {slowest:.2f}s"]  # fmt: skip
    tally.report()
    assert (moved, pending, sent) == (RUNS, RUNS, RUNS)
    assert slowest < 5
    tally.assert_clean()
