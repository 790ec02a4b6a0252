"""Each message of the rollover thread reaches Slack exactly once, whatever happens between the two.

Slack has no idempotency key, so an unknown outcome (a timeout, a dropped connection, a worker killed
mid-call, a database lost before the `ts` was kept) is resolved by looking for the message's marker
before posting it again.
"""

import datetime
import re

import pytest
from django.db import OperationalError
from django.utils import timezone

from milestones.errors import MilestoneErrorCode
from requests_app.models import Issue, Stage
from rollover import services
from rollover.models import Rollover, RolloverStatus
from rollover.services import (
    milestone_rollover,
    rollover_claim_next,
    rollover_get_or_create,
    rollover_lease_take,
    rollover_move_issues,
    rollovers_stalled,
)
from rollover.tasks import milestone_rollover_task, rollovers_resume_stalled_task
from rollover.thread import marker
from slack_messages.services import MAX_BLOCKS, MAX_SECTION_TEXT, slack_post
from tests import factories as f
from tests.milestones.rollover_data import ended_milestone_with_every_stage
from tests.slack_messages.slack_web_api import dropped, hang, server_error


@pytest.fixture
def ended(db):
    return ended_milestone_with_every_stage()


@pytest.fixture
def quick_timeout(settings):
    settings.SLACK_TIMEOUT_SECONDS = 1


def assert_thread_once(slack_api, rollover):
    """One parent, every planned reply once, each marker once, and what the record says is what Slack has."""
    rollover.refresh_from_db()
    assert rollover.status == RolloverStatus.DONE
    [parent] = slack_api.parents()
    replies = slack_api.replies()
    assert len(replies) == rollover.replies.count()
    tags = [re.search(r"\[MktgOps rollover \d+ message \d+\]", r.params["text"]).group() for r in slack_api.posted()]
    assert len(tags) == len(set(tags)), "a message was posted twice"
    assert rollover.parent_ts == parent.answer.get("ts") or rollover.parent_ts in {m["ts"] for m in slack_api.messages}
    assert set(rollover.replies.values_list("ts", flat=True)) == {
        m["ts"] for m in slack_api.messages if m.get("thread_ts") == rollover.parent_ts
    }
    assert slack_api.problems == []


def test_slack_answering_after_the_clients_timeout_posts_parent_and_reply_once(ended, slack_api, quick_timeout):
    slack_api.script = [hang(1.5), None, hang(1.5)]  # the parent and the second reply: taken, answered late
    rollover = milestone_rollover(milestone=ended.milestone)

    assert_thread_once(slack_api, rollover)
    assert [r.method for r in slack_api.reads()] == ["conversations.history", "conversations.replies"]


def test_a_connection_dropped_after_slack_took_the_message_does_not_post_it_again(ended, slack_api):
    slack_api.script = [dropped(), dropped(), None, dropped(accept=False)]
    rollover = milestone_rollover(milestone=ended.milestone)
    assert_thread_once(slack_api, rollover)


def test_a_5xx_after_slack_took_the_message_does_not_post_it_again(ended, slack_api):
    slack_api.script = [None, server_error(accept=True)]
    rollover = milestone_rollover(milestone=ended.milestone)
    assert_thread_once(slack_api, rollover)


def test_a_worker_killed_after_the_parent_left_resumes_once_its_lease_lapses(ended, slack_api):
    # A run takes the lease, claims the parent, Slack takes it, and the worker dies before keeping its ts.
    rollover = rollover_move_issues(rollover=rollover_get_or_create(milestone=ended.milestone))
    assert rollover_lease_take(rollover=rollover, owner="killed-worker")
    claim = rollover_claim_next(rollover=rollover, owner="killed-worker")
    slack_post(channel=claim.channel, text=claim.text, blocks=claim.blocks)

    # While its lease lasts, nobody else posts (it might still be alive); the sweep leaves it alone.
    assert milestone_rollover(milestone=ended.milestone).parent_ts == ""
    assert not rollovers_stalled().exists()
    assert len(slack_api.posted()) == 1

    Rollover.objects.filter(pk=rollover.pk).update(lease_until=timezone.now() - datetime.timedelta(minutes=5))
    assert rollovers_resume_stalled_task.delay().get() == [ended.milestone.pk]  # queued again (and run, eagerly)

    assert_thread_once(slack_api, rollover)
    assert Rollover.objects.get().attempts == 1  # the run that found the lease taken did not count


@pytest.mark.django_db(transaction=True)  # the task closes the lost connection: no test transaction around it
def test_the_database_lost_while_a_reply_is_in_flight_records_it_and_the_next_run_posts_nothing_twice(
    ended, slack_api, monkeypatch
):
    real_record = services.rollover_record_posted
    calls = []

    def record_then_lose_the_database(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:  # the second reply reached Slack; keeping its ts fails
            raise OperationalError("server closed the connection unexpectedly")
        return real_record(**kwargs)

    monkeypatch.setattr(services, "rollover_record_posted", record_then_lose_the_database)
    assert milestone_rollover_task.delay(ended.milestone.pk).get() == "waiting"
    rollover = Rollover.objects.get()
    assert rollover.error_code == MilestoneErrorCode.DATABASE_UNAVAILABLE
    assert "database connection was lost" in rollover.last_error
    assert rollover.lease_owner == ""  # given back: the retry (or the sweep) may go on at once

    monkeypatch.setattr(services, "rollover_record_posted", real_record)
    assert milestone_rollover_task.delay(ended.milestone.pk).get() == RolloverStatus.DONE
    assert_thread_once(slack_api, rollover)
    assert Rollover.objects.get().last_error == ""


def test_a_run_while_another_holds_the_lease_touches_nothing(ended, slack_api):
    rollover = rollover_move_issues(rollover=rollover_get_or_create(milestone=ended.milestone))
    assert rollover_lease_take(rollover=rollover, owner="other-worker")
    assert milestone_rollover(milestone=ended.milestone).status == RolloverStatus.ISSUES_MOVED
    assert slack_api.received == []


def test_a_reason_of_entities_is_escaped_then_cut_within_slacks_limits(db, slack_api):
    ended, ic = f.past_milestone(), f.ic(username="ivy")
    f.current_milestone()
    for n in range(3):
        f.IssueFactory(
            milestone=ended, assignee=ic, stage=Stage.IN_PROGRESS, title="<&> " * 60 + str(n),
            rollover_reason="<&> " * 750, rollover_reason_by=ic,
        )  # fmt: skip
    rollover = milestone_rollover(milestone=ended)

    assert rollover.status == RolloverStatus.DONE
    assert slack_api.problems == []
    for message in slack_api.posted():
        blocks = message.params["blocks"]
        assert 0 < len(blocks) <= MAX_BLOCKS
        for block in blocks:
            texts = [block["text"]["text"]] if block["type"] == "section" else [e["text"] for e in block["elements"]]
            assert texts, "a block with no text"
            assert all(t.strip() for t in texts), "an empty block"
            assert all(len(t) <= MAX_SECTION_TEXT for t in texts)
            for text in texts:
                assert not re.search(r"&(?!amp;|lt;|gt;)", text), "an entity cut in half"
        assert message.params["text"].strip()
    reply_text = " ".join(b["text"]["text"] for b in slack_api.replies()[0].params["blocks"] if b["type"] == "section")
    assert "&lt;&amp;&gt; &lt;&amp;&gt;" in reply_text
    assert "…" in reply_text  # cut, after escaping


def test_a_thread_that_cannot_be_built_is_recorded_and_shown_never_a_500(
    ended, client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.com/" + "x" * 3000  # no issue line fits in a section
    client.force_login(ended.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/milestones/{ended.milestone.pk}/rollover/")
    assert response.status_code == 302
    response = client.get(response["Location"])

    assert response.status_code == 200
    rollover = Rollover.objects.get()
    assert rollover.status == RolloverStatus.FAILED
    assert rollover.error_code == MilestoneErrorCode.MESSAGE_NOT_BUILDABLE
    assert "could not be built" in rollover.last_error
    page = response.content.decode()
    assert "could not be built" in page
    assert MilestoneErrorCode.MESSAGE_NOT_BUILDABLE in page
    assert Issue.objects.filter(milestone=ended.milestone, stage=Stage.IN_PROGRESS).exists()  # nothing moved


def test_a_stored_message_over_slacks_limits_fails_the_rollover_with_its_reason(ended, slack_api):
    rollover = rollover_move_issues(rollover=rollover_get_or_create(milestone=ended.milestone))
    reply = rollover.replies.first()
    reply.blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]  # planned before the fix
    reply.save()
    rollover = milestone_rollover(milestone=ended.milestone)

    assert rollover.status == RolloverStatus.FAILED
    assert rollover.error_code == "message_invalid"
    assert "empty section" in rollover.last_error
    assert len(slack_api.parents()) == 1


def test_the_stall_sweep_leaves_live_and_waiting_rollovers_alone(ended):
    rollover = rollover_get_or_create(milestone=ended.milestone)
    Rollover.objects.filter(pk=rollover.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert list(rollovers_stalled()) == [rollover]  # requested, and no run ever took it (a lost task)
    Rollover.objects.filter(pk=rollover.pk).update(lease_until=timezone.now() + datetime.timedelta(seconds=30))
    assert not rollovers_stalled().exists()  # a run holds it, or a retry is due then
    Rollover.objects.filter(pk=rollover.pk).update(status=RolloverStatus.DONE, lease_until=None)
    assert not rollovers_stalled().exists()


def test_markers_name_the_rollover_and_the_message():
    assert marker(12, 0) == "[MktgOps rollover 12 message 0]"
    assert marker(12, 3) not in marker(12, 31)


def test_the_rollover_page_says_when_a_worker_is_on_it_and_when_it_resumes(ended, client):
    rollover = rollover_move_issues(rollover=rollover_get_or_create(milestone=ended.milestone))
    client.force_login(ended.manager)
    assert rollover_lease_take(rollover=rollover, owner="worker-1")
    assert "a worker is posting the thread now" in client.get(f"/milestones/{ended.milestone.pk}/").content.decode()

    services.rollover_lease_release(rollover=rollover, owner="worker-1", resume_at=timezone.now())
    page = client.get(f"/milestones/{ended.milestone.pk}/").content.decode()
    assert "a worker is posting" not in page
    assert "resumes by itself after" in page
