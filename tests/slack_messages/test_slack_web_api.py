"""The rollover thread against a Slack Web API test server (real HTTP on 127.0.0.1)."""

import re

import pytest

from requests_app.models import Issue, Stage
from rollover.models import Rollover, RolloverStatus
from rollover.services import milestone_rollover
from rollover.tasks import milestone_rollover_task
from slack_messages.models import SlackOutboxMessage
from slack_messages.services import MAX_BLOCKS, MAX_SECTION_TEXT, SlackPermanentError, slack_post
from tests import factories as f
from tests.milestones.rollover_data import ended_milestone_with_every_stage
from tests.slack_messages.slack_web_api import rate_limited, server_error, slack_error


def unmarked(text: str) -> str:
    """A message's text without its marker (see rollover_thread.marker)."""
    return re.sub(r" \[MktgOps rollover \d+ message \d+\]$", "", text)


def section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


@pytest.fixture
def ended(db):
    return ended_milestone_with_every_stage()


def test_thread_arrives_as_one_parent_and_replies_in_its_thread(ended, slack_api):
    rollover = milestone_rollover(milestone=ended.milestone)

    assert slack_api.problems == []
    assert rollover.status == RolloverStatus.DONE
    [parent] = slack_api.parents()
    assert parent.params["channel"] == "#mktgops"
    assert rollover.parent_ts == parent.answer["ts"]
    replies = slack_api.replies()
    assert len(replies) == 3
    for reply in replies:
        assert reply.params["thread_ts"] == parent.answer["ts"]
        assert reply.params["channel"] == slack_api.channel_id  # the channel Slack answered with
        assert "reply_broadcast" not in reply.params
    assert not SlackOutboxMessage.objects.exists()  # a token is set: nothing goes to the outbox


def test_parent_carries_the_milestone_the_counts_and_the_report_link(ended, slack_api):
    milestone_rollover(milestone=ended.milestone)
    [parent] = slack_api.parents()
    blocks = str(parent.params["blocks"])
    assert ended.milestone.title in blocks
    assert "2 completed" in blocks
    assert "9 moved" in blocks
    assert f"http://testserver/milestones/{ended.milestone.pk}/report/" in blocks


def test_replies_group_issues_by_assignee_with_links_and_reasons(ended, slack_api):
    milestone_rollover(milestone=ended.milestone)
    replies = slack_api.replies()
    by_heading = {unmarked(r.params["text"]): " ".join(section_texts(r.params["blocks"])) for r in replies}
    assert list(by_heading) == [
        "Ivy Ng (@ivy): 3 issues moved",
        "Max Ode (@max): 4 issues moved",
        "Unassigned: 2 issues moved",
    ]
    for issue in ended.moving:
        owner = {ended.ivy.pk: "Ivy", ended.max.pk: "Max"}.get(issue.assignee_id, "Unassigned")
        [text] = [t for heading, t in by_heading.items() if heading.startswith(owner)]
        assert f"<http://testserver/issues/{issue.pk}/|#{issue.pk}" in text
        if issue.rollover_reason and issue.confidential:
            assert issue.rollover_reason not in text  # on the issue only: it may hold personal data
        elif issue.rollover_reason:
            assert issue.rollover_reason in text
    assert by_heading["Unassigned: 2 issues moved"].count("*no reason given*") == 1


def test_confidential_issues_appear_without_their_titles(ended, slack_api):
    milestone_rollover(milestone=ended.milestone)
    sent = " ".join(str(r.params) for r in slack_api.received)
    for issue in ended.moving:
        if issue.confidential:
            assert issue.title not in sent
            assert f"#{issue.pk} Confidential issue" in sent
        else:
            assert issue.title in sent
    assert "jane.doe@example.com" not in sent


def test_a_long_group_is_split_within_slacks_block_and_section_limits(db, slack_api):
    ended, ic = f.past_milestone(), f.ic(username="ivy", first_name="Ivy", last_name="")
    f.current_milestone()
    Issue.objects.bulk_create(
        [
            Issue(
                requester=ic,
                title=f"Long {i}",
                milestone=ended,
                assignee=ic,
                stage=Stage.IN_PROGRESS,
                rollover_reason="Blocked on the vendor <&> " + "x" * 900,
                rollover_reason_by=ic,
            )
            for i in range(200)
        ]
    )
    rollover = milestone_rollover(milestone=ended)

    assert slack_api.problems == []
    replies = slack_api.replies()
    assert len(replies) >= 2
    assert [unmarked(r.params["text"]) for r in replies][:2] == [
        f"Ivy (@ivy): 200 issues moved (part 1 of {len(replies)})",
        f"Ivy (@ivy): 200 issues moved (part 2 of {len(replies)})",
    ]
    listed = []
    for reply in replies:
        blocks = reply.params["blocks"]
        assert len(blocks) <= MAX_BLOCKS
        assert all(len(t) <= MAX_SECTION_TEXT for t in section_texts(blocks))
        text = "\n".join(section_texts(blocks)[1:])
        listed += [line for line in text.split("\n") if line.startswith("• ")]
        assert "&lt;&amp;&gt;" in text  # Slack's control characters escaped in user text
    assert len(listed) == 200 == rollover.moved_count


def test_a_429_waits_for_its_retry_after_then_posts_once(ended, slack_api, settings):
    settings.SLACK_RETRY_INLINE_MAX_SECONDS = 5
    slack_api.script = [None, rate_limited(1)]  # the parent goes through, the first reply is rate-limited
    rollover = milestone_rollover(milestone=ended.milestone)

    assert slack_api.problems == []
    assert rollover.status == RolloverStatus.DONE
    limited, retried = slack_api.received[1], slack_api.received[2]
    assert limited.status == 429
    assert retried.status == 200
    assert retried.params == limited.params
    assert retried.at - limited.at >= 1.0
    assert len(slack_api.parents()) == 1
    assert len(slack_api.replies()) == 3


def test_a_long_retry_after_retries_the_task_with_that_countdown(ended, slack_api, settings):
    settings.SLACK_RETRY_INLINE_MAX_SECONDS = 5
    slack_api.script = [rate_limited(120)]
    with pytest.MonkeyPatch.context() as mp:
        calls = []

        def fake_retry(**kwargs):
            calls.append(kwargs)
            return RuntimeError("retry scheduled")

        mp.setattr(milestone_rollover_task, "retry", fake_retry)
        milestone_rollover_task.push_request(is_eager=False, retries=0)
        try:
            with pytest.raises(RuntimeError, match="retry scheduled"):
                milestone_rollover_task.run(ended.milestone.pk)
        finally:
            milestone_rollover_task.pop_request()
    assert calls[0]["countdown"] == 120
    assert len(slack_api.received) == 1  # no sleeping and hammering in the worker
    rollover = Rollover.objects.get()
    assert "retry after 120s" in rollover.last_error
    assert rollover.status == RolloverStatus.ISSUES_MOVED


def test_a_long_retry_after_without_a_broker_pauses_and_the_next_run_resumes(ended, slack_api, settings):
    settings.SLACK_RETRY_INLINE_MAX_SECONDS = 5
    slack_api.script = [None, rate_limited(120)]
    assert milestone_rollover_task.delay(ended.milestone.pk).get() == "waiting"
    rollover = Rollover.objects.get()
    assert rollover.status == RolloverStatus.PARENT_POSTED
    assert "429" in rollover.last_error
    assert len(slack_api.received) == 2

    assert milestone_rollover_task.delay(ended.milestone.pk).get() == RolloverStatus.DONE
    assert len(slack_api.parents()) == 1
    assert len(slack_api.replies()) == 3
    assert Rollover.objects.get().last_error == ""


def test_a_500_is_retried_and_the_message_posted_once(ended, slack_api):
    slack_api.script = [server_error()]
    rollover = milestone_rollover(milestone=ended.milestone)

    assert slack_api.problems == []
    failed, looked, posted = slack_api.received[:3]
    assert [failed.status, posted.status] == [500, 200]
    assert looked.method == "conversations.history"  # a 5xx may hide a posted message: look before posting
    assert failed.params == posted.params
    assert len(slack_api.parents()) == 1
    assert len(slack_api.replies()) == 3
    assert rollover.status == RolloverStatus.DONE


def test_5xx_that_persist_make_the_task_retry_with_backoff(ended, slack_api, settings):
    slack_api.always = server_error()
    with pytest.MonkeyPatch.context() as mp:
        calls = []
        mp.setattr(milestone_rollover_task, "retry", lambda **kw: calls.append(kw) or RuntimeError("retry"))
        milestone_rollover_task.push_request(is_eager=False, retries=2)
        try:
            with pytest.raises(RuntimeError):
                milestone_rollover_task.run(ended.milestone.pk)
        finally:
            milestone_rollover_task.pop_request()
    assert calls
    assert calls[0]["countdown"] >= 0
    assert len(slack_api.post_requests()) == 3  # the inline tries, then the task's own retry
    assert "500" in Rollover.objects.get().last_error


def test_5xx_after_the_last_retry_marks_the_rollover_failed(ended, slack_api, settings):
    settings.SLACK_MAX_RETRIES = 2
    slack_api.always = server_error()
    milestone_rollover_task.push_request(is_eager=False, retries=2)
    try:
        assert milestone_rollover_task.run(ended.milestone.pk) == "failed"
    finally:
        milestone_rollover_task.pop_request()
    rollover = Rollover.objects.get()
    assert rollover.status == RolloverStatus.FAILED
    assert "Gave up" in rollover.last_error


@pytest.mark.parametrize("code", ["channel_not_found", "invalid_auth", "not_in_channel"])
def test_an_error_that_will_not_pass_is_not_retried_and_is_recorded(ended, slack_api, code):
    slack_api.always = slack_error(code)
    assert milestone_rollover_task.delay(ended.milestone.pk).get() == RolloverStatus.FAILED

    assert slack_api.problems == []
    assert len(slack_api.received) == 1
    rollover = Rollover.objects.get()
    assert rollover.status == RolloverStatus.FAILED
    assert rollover.error_code == code
    assert code in rollover.last_error
    assert rollover.moved_at is not None  # the issues moved; only the thread is outstanding


def test_a_failed_rollover_resumes_after_the_channel_is_fixed(ended, slack_api):
    slack_api.script = [slack_error("channel_not_found")]
    milestone_rollover(milestone=ended.milestone)
    assert Rollover.objects.get().status == RolloverStatus.FAILED
    rollover = milestone_rollover(milestone=ended.milestone)
    assert rollover.status == RolloverStatus.DONE
    assert rollover.last_error == ""
    assert len(slack_api.parents()) == 1
    assert len(slack_api.replies()) == 3


def test_slack_post_sends_only_documented_parameters(db, slack_api):
    posted = slack_post(
        channel="#mktgops", text="hello", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    )
    reply = slack_post(channel=posted.channel, text="reply", thread_ts=posted.ts)
    assert slack_api.problems == []
    assert reply.ts
    assert slack_api.received[1].params["thread_ts"] == posted.ts


def test_slack_post_refuses_a_message_over_the_block_limit(db, slack_api):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * (MAX_BLOCKS + 1)
    with pytest.raises(ValueError, match="limit is 50"):
        slack_post(channel="#mktgops", text="too long", blocks=blocks)
    assert slack_api.received == []


def test_slack_post_classifies_channel_not_found_as_permanent(db, slack_api):
    slack_api.script = [slack_error("channel_not_found")]
    with pytest.raises(SlackPermanentError) as info:
        slack_post(channel="#nowhere", text="hi")
    assert info.value.code == "channel_not_found"


def test_the_validator_catches_undocumented_parameters_and_broadcast_replies():
    from tests.slack_messages.slack_web_api import request_problems

    headers = {"authorization": "Bearer xoxb-1"}
    assert request_problems(headers, {"channel": "C1", "text": "x"}) == []
    assert request_problems(headers, {"channel": "C1", "text": "x", "reply_broadcast": True})
    assert request_problems(headers, {"channel": "C1", "text": "x", "thread_ts": "123"})
    assert request_problems(headers, {"channel": "C1", "text": "x", "broadcast": True})
    assert request_problems(headers, {"text": "x"})
    assert request_problems({}, {"channel": "C1", "text": "x"})


def test_messages_to_one_channel_keep_slacks_pace(ended, slack_api, settings):
    settings.SLACK_MIN_INTERVAL_SECONDS = 0.3
    milestone_rollover(milestone=ended.milestone)
    times = [r.at for r in slack_api.received]
    assert len(times) == 4
    assert all(later - earlier >= 0.28 for earlier, later in zip(times, times[1:], strict=False))


def test_a_network_error_is_transient(db, settings):
    import socket

    from slack_messages.services import SlackTransientError

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SLACK_BOT_TOKEN = "xoxb-test-token"
    settings.SLACK_API_URL = f"http://127.0.0.1:{port}/api/"
    with pytest.raises(SlackTransientError, match="could not be reached"):
        slack_post(channel="#mktgops", text="hi")
