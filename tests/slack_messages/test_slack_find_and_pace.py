"""Finding a message again (conversations.history / conversations.replies), cutting text, and the shared pace."""

import datetime
import threading
import time

import pytest
from django.db import connections
from django.utils import timezone

from slack_messages import services
from slack_messages.services import slack_cut, slack_escape, slack_find, slack_post


@pytest.mark.parametrize("limit", range(1, 40))
def test_escaped_text_is_cut_on_a_character_boundary_never_inside_an_entity(limit):
    escaped = slack_escape("<&> " * 10)
    cut = slack_cut(escaped, limit)
    assert len(cut) <= limit
    body = cut.removesuffix("…")
    assert escaped.startswith(body)
    assert body.count("&") == body.count(";")  # every entity whole


def test_text_within_the_limit_is_left_as_it_is():
    assert slack_cut("a &amp; b", 9) == "a &amp; b"


def _since():
    return timezone.now() - datetime.timedelta(minutes=1)


def test_a_parent_is_found_again_by_its_marker_paging_back_through_history(db, slack_api, monkeypatch):
    monkeypatch.setattr(services, "FIND_PAGE_SIZE", 2)
    since = _since()
    first = slack_post(channel="#mktgops", text="Rollover [MktgOps rollover 7 message 0]")
    for n in range(5):
        slack_post(channel="#mktgops", text=f"chatter {n}")

    found = slack_find(channel="#mktgops", tag="[MktgOps rollover 7 message 0]", oldest=since)

    assert found is not None
    assert found.ts == first.ts
    assert len(slack_api.reads()) == 3  # newest first, two at a time, back to the oldest
    assert slack_api.problems == []


def test_a_reply_is_found_again_in_its_thread_paging_forward(db, slack_api, monkeypatch):
    monkeypatch.setattr(services, "FIND_PAGE_SIZE", 2)
    since = _since()
    parent = slack_post(channel="#mktgops", text="parent")
    for n in range(4):
        slack_post(channel=parent.channel, text=f"reply {n}", thread_ts=parent.ts)
    last = slack_post(channel=parent.channel, text="the one [MktgOps rollover 7 message 5]", thread_ts=parent.ts)

    found = slack_find(channel=parent.channel, tag="message 5]", thread_ts=parent.ts, oldest=since)

    assert found is not None
    assert found.ts == last.ts
    assert [r.method for r in slack_api.reads()] == ["conversations.replies"] * 3
    assert slack_api.problems == []


def test_a_message_never_posted_is_not_found(db, slack_api):
    slack_post(channel="#mktgops", text="something else")
    assert slack_find(channel="#mktgops", tag="[MktgOps rollover 1 message 0]", oldest=_since()) is None


def test_without_a_token_the_outbox_is_searched(db):
    posted = slack_post(channel="#mktgops", text="x [MktgOps rollover 3 message 0]")
    assert slack_find(channel="#mktgops", tag="[MktgOps rollover 3 message 0]", oldest=_since()).ts == posted.ts


def _three_workers_post(channel_names: list[str], per_worker: int) -> None:
    barrier = threading.Barrier(len(channel_names))

    def worker(name):
        try:
            barrier.wait(timeout=10)
            for n in range(per_worker):
                slack_post(channel=name, text=f"{name} {n}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(name,)) for name in channel_names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def _assert_paced(slack_api, interval: float, expected: int) -> float:
    times = sorted(r.at for r in slack_api.post_requests())
    assert len(times) == expected
    # Slots are reserved one interval apart; a post can still leave a little after its slot (threads, the
    # stand-in in the same process), so two messages may arrive closer, never three within two intervals.
    spans = [later - earlier for earlier, later in zip(times, times[2:], strict=False)]
    assert min(spans) >= 2 * interval * 0.9, spans
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate <= 1.02 / interval
    return rate


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_three_workers_share_one_pace_per_channel_in_the_database(requires_postgres, slack_api, settings):
    settings.REDIS_URL = ""
    settings.SLACK_MIN_INTERVAL_SECONDS = 0.4
    slack_post(channel="#mktgops", text="learn the channel's ID")  # `#mktgops` and its ID are one channel
    time.sleep(0.4)
    _three_workers_post(["#mktgops", slack_api.channel_id, "#mktgops"], per_worker=2)
    rate = _assert_paced(slack_api, 0.4, 7)
    print(f"\n[pace] database: 3 workers, one channel, {rate:.2f} messages/s (interval 0.4 s)")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_three_workers_share_one_pace_per_channel_in_redis(requires_redis, slack_api, settings, monkeypatch):
    import redis

    settings.REDIS_URL = requires_redis
    monkeypatch.setattr(services, "_redis_client", None)
    client = redis.Redis.from_url(requires_redis)
    client.delete(*(client.keys("mktgops:slack:*") or ["none"]))
    settings.SLACK_MIN_INTERVAL_SECONDS = 0.4
    slack_post(channel="#mktgops", text="learn the channel's ID")
    time.sleep(0.4)
    _three_workers_post(["#mktgops", slack_api.channel_id, "#mktgops"], per_worker=2)
    rate = _assert_paced(slack_api, 0.4, 7)
    print(f"\n[pace] redis: 3 workers, one channel, {rate:.2f} messages/s (interval 0.4 s)")
    monkeypatch.setattr(services, "_redis_client", None)
