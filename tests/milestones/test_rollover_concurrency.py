"""Two workers at once on PostgreSQL (row locks are real there): one thread, each issue moved once."""

import threading

import pytest
from django.db import connection

from milestones.models import Milestone
from requests_app.models import Comment, IssueEvent
from rollover.models import Rollover, RolloverEntry, RolloverStatus
from rollover.services import milestone_rollover
from tests.milestones.rollover_data import ended_milestone_with_every_stage


def _run_at_once(milestone_id: int, workers: int = 3) -> list[Exception]:
    barrier = threading.Barrier(workers)
    errors: list[Exception] = []

    def worker():
        try:
            barrier.wait(timeout=10)
            milestone_rollover(milestone=Milestone.objects.get(pk=milestone_id))
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_workers_running_the_rollover_at_once_post_one_thread_and_move_each_issue_once(requires_postgres, slack_api):
    data = ended_milestone_with_every_stage()

    assert _run_at_once(data.milestone.pk) == []

    rollover = Rollover.objects.get()
    assert rollover.status == RolloverStatus.DONE
    moved = len(data.moving)
    assert RolloverEntry.objects.count() == moved
    assert Comment.objects.count() == moved
    assert IssueEvent.objects.count() == moved
    assert len(slack_api.parents()) == 1
    replies = slack_api.replies()
    assert len(replies) == rollover.replies.count() == 3
    assert len({r.params["text"] for r in replies}) == 3  # no reply doubled
    assert {r.params["thread_ts"] for r in replies} == {rollover.parent_ts}
    assert slack_api.problems == []


@pytest.mark.django_db(transaction=True)
def test_workers_resuming_at_once_after_the_parent_post_each_reply_once(requires_postgres, slack_api):
    from rollover.services import rollover_get_or_create, rollover_move_issues, rollover_post_parent

    data = ended_milestone_with_every_stage()
    rollover = rollover_move_issues(rollover=rollover_get_or_create(milestone=data.milestone))
    rollover_post_parent(rollover=rollover)

    assert _run_at_once(data.milestone.pk) == []

    assert len(slack_api.parents()) == 1
    assert len(slack_api.replies()) == 3
    assert Rollover.objects.get().status == RolloverStatus.DONE
