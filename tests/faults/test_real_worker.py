"""Fault injection on a real Celery worker (a subprocess) and a Redis of the test's own (a subprocess too):
the worker killed with SIGKILL while Slack's answer is in flight, and Redis restarted while the worker holds
an unacknowledged task. PostgreSQL and Redis are real; the timings are scaled down (lease 4 s, visibility
timeout 6 s) and the production bound is printed next to what was measured.
"""

import contextlib
import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from rollover.models import Rollover, RolloverStatus
from rollover.tasks import milestone_rollover_task, rollovers_resume_stalled_task
from tests.conftest import service_missing
from tests.faults.helpers import Tally, ended_milestones
from tests.slack_messages.slack_web_api import hang

ROOT = Path(__file__).resolve().parents[2]
LEASE, VISIBILITY = 4, 6


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout: float, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(every)
    return None


class PrivateRedis:
    """A redis-server on a port of its own, with AOF like production; restarted with kill -9."""

    def __init__(self, directory: Path):
        self.port, self.dir, self.proc = _free_port(), directory, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        server = shutil.which("redis-server")
        self.proc = subprocess.Popen(  # noqa: S603 — the system's redis-server, fixed arguments
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--appendonly", "yes",
             "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)

        def up():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        assert _wait(up, 10), "private redis-server did not start"

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


class Worker:
    """`celery worker` in a subprocess, on the test database and the private Redis."""

    def __init__(self, env: dict, log: Path, pool: str):
        self.env, self.log, self.pool, self.proc = env, log, pool, None

    def start(self):
        name = f"faults-{time.monotonic_ns()}@%h"
        args = [sys.executable, "-m", "celery", "-A", "mktgops_portal", "worker", "-l", "info", "-P", self.pool,
                "-c", "1", "--without-mingle", "--without-gossip", "-n", name]  # fmt: skip
        self.proc = subprocess.Popen(  # noqa: S603 — our own interpreter and fixed arguments
            args, env=self.env, cwd=ROOT, stdout=self.log.open("a"), stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 30) -> None:
        assert _wait(lambda: " ready." in self.log.read_text(errors="replace"), timeout), "the worker did not start"

    def kill(self):
        """SIGKILL: nothing is cleaned up, nothing acknowledged (a pod or host lost)."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        service_missing("redis-server (to run a Redis of the test's own)")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def real_worker(requires_postgres, private_redis, slack_api, tmp_path):
    """Start/stop workers; tasks sent from the test go through the private Redis."""
    from mktgops_portal.celery import app

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mktgops_portal.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        "REDIS_URL": private_redis.url,
        "CONN_MAX_AGE": "0",
        "SLACK_BOT_TOKEN": settings.SLACK_BOT_TOKEN,
        "SLACK_API_URL": settings.SLACK_API_URL,
        "SLACK_MIN_INTERVAL_SECONDS": "0",
        "SLACK_TIMEOUT_SECONDS": "2",
        "SLACK_RETRY_BACKOFF_SECONDS": "0",
        "ROLLOVER_LEASE_SECONDS": str(LEASE),
        "ROLLOVER_STALL_SECONDS": "1",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "SITE_URL": "http://testserver",
    }
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=private_redis.url, result_backend=None, task_always_eager=False)
    app._pool, app.amqp._producer_pool = None, None
    workers: list[Worker] = []

    def new_worker(pool: str = "solo", **overrides: str) -> Worker:
        log = Path(os.environ.get("FAULTS_LOG_DIR") or tmp_path) / f"worker-{len(workers)}.log"
        log.write_text("")
        worker = Worker({**env, **overrides}, log, pool)
        worker.start()
        workers.append(worker)
        return worker

    try:
        yield new_worker
    finally:
        for worker in workers:
            worker.kill()  # idle by now; their database connections end with them
        app.conf.update(saved)
        app._pool, app.amqp._producer_pool = None, None
        connection.close()


def _done(milestone) -> bool:
    connection.close()  # a fresh read each time: the worker commits in its own connection
    return Rollover.objects.filter(milestone=milestone, status=RolloverStatus.DONE).exists()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_slacks_answer_is_in_flight_resumes_and_posts_nothing_twice(real_worker, slack_api):
    tally = Tally("real worker SIGKILLed while Slack's answer is in flight")
    recovered = []
    for n, milestone in enumerate(ended_milestones(2)):
        worker = real_worker()
        kill_at = 0 if n == 0 else 2  # the parent; then the second reply
        posts = []

        def kill_in_flight(params, posts=posts, kill_at=kill_at, worker=worker):
            posts.append(params)
            if len(posts) - 1 == kill_at:
                worker.kill()  # Slack has the message; the worker never hears back

        slack_api.on_post = kill_in_flight
        milestone_rollover_task.delay(milestone.pk)
        assert _wait(lambda worker=worker: worker.proc.poll() is not None, 60), "the worker was not killed"
        killed_at = time.monotonic()
        tally.faults += 1
        slack_api.on_post = None
        real_worker()  # the replacement (a restarted container)

        def resumed(milestone=milestone):
            rollovers_resume_stalled_task.delay()  # the beat sweep, every second here (every minute in production)
            return _done(milestone)

        assert _wait(resumed, 60, every=1), "the killed worker's rollover did not resume"
        recovered.append(time.monotonic() - killed_at)
    tally.check_slack(slack_api)
    tally.check_moves()
    tally.notes.append(
        f"finished {max(recovered):.1f}s after the kill at most (lease {LEASE}s here; production: lease 90s + "
        f"stall 30s + sweep every 60s = under 3 min, visibility timeout 300s)"
    )
    tally.report()
    assert slack_api.problems == []
    tally.assert_clean()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_survives_a_redis_restart_with_a_task_in_flight(real_worker, private_redis, slack_api):
    tally = Tally("Redis restarted while the worker holds an unacknowledged task")
    first, second = ended_milestones(2)
    worker = real_worker("prefork")
    slack_api.script = [None, hang(3)]  # the first reply keeps the task busy while Redis goes away
    restarted = []

    def restart_redis(params):
        if len(slack_api.posted()) == 2 and not restarted:
            private_redis.kill()
            private_redis.start()
            restarted.append(time.monotonic())

    slack_api.on_post = restart_redis
    milestone_rollover_task.delay(first.pk)

    def finished(milestone):
        from kombu.exceptions import OperationalError

        with contextlib.suppress(OperationalError):  # Redis is restarting: beat's next tick sends it
            rollovers_resume_stalled_task.delay()  # the beat sweep, every second here
        return _done(milestone)

    assert _wait(lambda: finished(first), 60, every=1), "the rollover in flight did not finish"
    tally.faults += 1
    assert restarted
    slack_api.on_post = None
    time.sleep(2)
    alive = worker.proc.poll() is None
    milestone_rollover_task.delay(second.pk)  # and the worker still takes new work
    took_new_work = bool(_wait(lambda: _done(second), 30, every=0.5))
    tally.check_slack(slack_api)
    tally.check_moves()
    tally.notes.append(f"worker alive: {alive}, took new work after the restart: {took_new_work}")
    tally.report()
    assert alive
    assert took_new_work
    tally.assert_clean()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_three_rollovers_on_three_workers_keep_one_message_a_second_per_channel(real_worker, slack_api):
    from milestones.models import Milestone
    from requests_app.models import Stage
    from tests import factories

    today = timezone.localdate()
    factories.current_milestone()
    ivy = factories.ic(username="ivy")
    milestones = []
    for k in range(3):
        start = today - datetime.timedelta(days=300 - 3 * k)
        milestone = Milestone.objects.create(title=f"Paced {k}", start_date=start, due_date=start)
        factories.IssueFactory(milestone=milestone, stage=Stage.IN_PROGRESS, assignee=ivy)
        milestones.append(milestone)
    # Three worker processes: pacing kept in one process would let them post three at once.
    started = [real_worker(SLACK_MIN_INTERVAL_SECONDS="1") for _ in range(3)]
    for worker in started:
        worker.wait_ready()  # all three consuming before the tasks arrive
    for milestone in milestones:
        milestone_rollover_task.delay(milestone.pk)
    assert _wait(lambda: all(_done(m) for m in milestones), 60, every=0.5), "the rollovers did not finish"

    times = sorted(r.at for r in slack_api.post_requests())
    assert len(times) == 6
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    rate = (len(times) - 1) / (times[-1] - times[0])
    tally = Tally("three rollovers at once on three worker processes, one channel")
    tally.check_slack(slack_api)
    tally.notes.append(f"{rate:.2f} messages/s, closest two {min(gaps):.2f}s apart (Redis pacing)")
    tally.report()
    # Slots are a second apart; a post may leave its slot a little late (a busy machine), never early.
    assert min(gaps) >= 0.8
    assert rate <= 1.02
    tally.assert_clean()
