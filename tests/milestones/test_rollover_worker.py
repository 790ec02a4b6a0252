"""The rollover task on a real Celery worker with the real Redis broker, not eagerly."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from mktgops_portal.celery import app
from requests_app.models import Comment
from rollover.models import Rollover, RolloverStatus
from rollover.tasks import milestone_rollover_task
from tests.milestones.rollover_data import ended_milestone_with_every_stage
from tests.slack_messages.slack_web_api import rate_limited


@pytest.fixture
def redis_worker(requires_redis):
    """A worker thread consuming a queue of its own on the real broker; eager mode off meanwhile."""
    queue = f"test-rollover-{uuid.uuid4().hex[:8]}"
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager", "task_default_queue")}
    app.conf.update(
        broker_url=requires_redis, result_backend=requires_redis, task_always_eager=False, task_default_queue=queue
    )
    app._pool = None  # forget any memory:// connections made before the switch

    def close_worker_connections(**kwargs):
        # The worker thread's own DB connections would otherwise keep the test database from being dropped.
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30):
            yield app
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.update(saved)
        app._pool = None


@pytest.mark.django_db(transaction=True)
def test_the_rollover_task_runs_on_a_real_worker_and_retries_a_429_through_the_broker(
    redis_worker, slack_api, settings
):
    settings.SLACK_RETRY_INLINE_MAX_SECONDS = 0  # any 429 goes back to the broker with its countdown
    slack_api.script = [None, rate_limited(1)]
    data = ended_milestone_with_every_stage()

    result = milestone_rollover_task.delay(data.milestone.pk)
    assert result.get(timeout=60) == RolloverStatus.DONE

    assert type(result.backend).__name__ == "RedisBackend"  # a result that came back through Redis
    assert not milestone_rollover_task.app.conf.task_always_eager
    rollover = Rollover.objects.get()
    assert rollover.status == RolloverStatus.DONE
    assert rollover.attempts == 2  # the first run stopped at the 429; the broker redelivered it
    limited, retried = slack_api.received[1], slack_api.received[2]
    assert limited.status == 429
    assert retried.at - limited.at >= 1.0
    assert len(slack_api.parents()) == 1
    assert len(slack_api.replies()) == 3
    assert Comment.objects.count() == len(data.moving)
    assert slack_api.problems == []


@pytest.mark.django_db(transaction=True)
def test_the_daily_beat_task_queues_the_rollover_of_each_ended_milestone_once(redis_worker):
    from rollover.tasks import milestones_rollover_due_task

    data = ended_milestone_with_every_stage()
    assert milestones_rollover_due_task.delay().get(timeout=30) == [data.milestone.pk]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Rollover.objects.filter(status=RolloverStatus.DONE).exists():
        time.sleep(0.2)
    assert Rollover.objects.get().status == RolloverStatus.DONE
    assert milestones_rollover_due_task.delay().get(timeout=30) == []
