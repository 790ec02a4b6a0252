"""Posting to Slack: the Web API through slack_sdk when a bot token is set, the outbox otherwise.

`slack_post` does one attempt and says how it went with a typed error; the retry policy (how long to
wait, how often to try) belongs to the caller's Celery task. That is why slack_sdk's own retry handlers
are switched off: a second policy sleeping inside the client would double the waits and hide 429s.
"""

import datetime
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from slack_messages.models import SlackOutboxMessage

logger = logging.getLogger(__name__)

# Slack's message limits (Block Kit reference): callers split their content to stay within them.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_TEXT = 40000

# Errors that will not pass by trying again: the message would fail the same way every time.
# Anything Slack reports that is not listed as passing is treated as permanent.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited", "rate_limited"}
)


def slack_escape(text: str) -> str:
    """Slack's three control characters (&, <, >) as entities, so user text can't form links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ENTITIES = ("&amp;", "&lt;", "&gt;")


def slack_cut(escaped: str, limit: int, *, ellipsis: str = "…") -> str:
    """`escaped` (already through `slack_escape`) at most `limit` characters, cut on a character boundary.

    Escape first, then cut: the limit is Slack's, on what it receives. The cut never splits an entity
    (`&amp;` is one character to the reader), so the result never ends in a broken `&am`.
    """
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: max(limit - len(ellipsis), 0)]
    amp = cut.rfind("&", max(len(cut) - 4, 0))
    if amp != -1 and not any(escaped.startswith(entity, amp) and amp + len(entity) <= len(cut) for entity in ENTITIES):
        cut = cut[:amp]  # the cut fell inside an entity: drop the whole entity
    return cut + ellipsis


def slack_link(url: str, label: str) -> str:
    """A link whose label is user text: escaped, and "|" (which would end the URL part) replaced."""
    return f"<{url}|{slack_escape(label).replace('|', '¦')}>"


class SlackError(Exception):
    """Slack did not take the message."""


class SlackRateLimited(SlackError):
    """HTTP 429: try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class SlackTransientError(SlackError):
    """A 5xx answer or a network failure: worth retrying with backoff."""


class SlackPermanentError(SlackError):
    """An error that will not pass (`channel_not_found`, `invalid_auth`, `not_in_channel`, ...)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SlackPosted:
    channel: str
    ts: str
    outbox: bool = False


def slack_is_live() -> bool:
    """True when messages go to Slack itself; False when they go to the outbox."""
    return bool(settings.SLACK_BOT_TOKEN)


def slack_client() -> WebClient:
    base_url = settings.SLACK_API_URL if settings.SLACK_API_URL.endswith("/") else f"{settings.SLACK_API_URL}/"
    return WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=base_url,
        timeout=settings.SLACK_TIMEOUT_SECONDS,
        retry_handlers=[],
    )


class SlackMessageInvalid(SlackPermanentError, ValueError):
    """The message breaks one of Slack's limits; sending it again would fail alike (a bug, to be recorded)."""

    def __init__(self, message: str):
        super().__init__(message, code="message_invalid")


def slack_message_check(*, text: str, blocks: list[dict] | None) -> None:
    """Refuse a message over Slack's limits before sending it: raises SlackMessageInvalid (a ValueError)."""
    if not text.strip():
        raise SlackMessageInvalid("Slack message has no text fallback.")
    if len(text) > MAX_TEXT:
        raise SlackMessageInvalid(f"Slack message text is {len(text)} characters; the limit is {MAX_TEXT}.")
    blocks = blocks or []
    if len(blocks) > MAX_BLOCKS:
        raise SlackMessageInvalid(f"Slack message has {len(blocks)} blocks; the limit is {MAX_BLOCKS}.")
    for block in blocks:
        section_text = (block.get("text") or {}).get("text", "") if block.get("type") == "section" else None
        if section_text is not None and not section_text.strip():
            raise SlackMessageInvalid("Slack message has an empty section; Slack rejects it.")
        if section_text and len(section_text) > MAX_SECTION_TEXT:
            raise SlackMessageInvalid(
                f"Slack section text is {len(section_text)} characters; the limit is {MAX_SECTION_TEXT}."
            )


def slack_post(*, channel: str, text: str, blocks: list[dict] | None = None, thread_ts: str = "") -> SlackPosted:
    """Post one message (a reply when `thread_ts` is given). Never broadcasts a reply to the channel."""
    slack_message_check(text=text, blocks=blocks)
    if not slack_is_live():
        return _outbox_post(channel=channel, text=text, blocks=blocks or [], thread_ts=thread_ts)
    _pace(channel)
    kwargs: dict[str, Any] = {"channel": channel, "text": text, "unfurl_links": False}
    if blocks:
        kwargs["blocks"] = blocks
    if thread_ts:
        kwargs["thread_ts"] = thread_ts
    try:
        response = slack_client().chat_postMessage(**kwargs)
    except SlackApiError as exc:
        raise _classify(exc) from exc
    except (URLError, OSError, SlackClientError) as exc:  # refused, reset, timed out, DNS
        raise SlackTransientError(f"Slack could not be reached: {exc}") from exc
    posted = SlackPosted(channel=response.get("channel") or channel, ts=response["ts"])
    try:
        _pace_mark(channel, posted.channel)
    except DatabaseError:  # the message is in Slack: pacing bookkeeping must not lose its ts
        logger.warning("Slack pacing: could not record the post to %s.", channel)
    return posted


# Pages of history or replies read when looking for a message whose post had an unknown outcome.
FIND_PAGES = 10
FIND_PAGE_SIZE = 200


def slack_find(*, channel: str, tag: str, thread_ts: str = "", oldest: datetime.datetime) -> SlackPosted | None:
    """The message carrying `tag` posted since `oldest`: a top-level one, or a reply in `thread_ts`'s thread.

    For an unknown outcome (timeout, reset connection, killed worker): look before posting again. Reads
    conversations.history (the parent) or conversations.replies (a reply), newest window first, paging
    with the documented `latest`/`oldest` and `has_more` (needs the history scopes). In the outbox
    (no token) it looks there. Raises SlackRateLimited / SlackTransientError / SlackPermanentError.
    """
    if not slack_is_live():
        found = (
            SlackOutboxMessage.objects.filter(channel=channel, thread_ts=thread_ts or "", text__contains=tag)
            .order_by("ts")
            .first()
        )
        return SlackPosted(channel=channel, ts=found.ts, outbox=True) if found else None
    client = slack_client()
    params: dict[str, Any] = {"channel": channel, "oldest": f"{oldest.timestamp():.6f}", "limit": FIND_PAGE_SIZE}
    for _ in range(FIND_PAGES):
        try:
            if thread_ts:
                response = client.conversations_replies(ts=thread_ts, **params)
            else:
                response = client.conversations_history(**params)
        except SlackApiError as exc:
            raise _classify(exc) from exc
        except (URLError, OSError, SlackClientError) as exc:
            raise SlackTransientError(f"Slack could not be reached: {exc}") from exc
        messages = [m for m in response.get("messages") or [] if m.get("ts") != thread_ts]
        for message in messages:
            if tag in (message.get("text") or ""):
                return SlackPosted(channel=channel, ts=message["ts"])
        if not response.get("has_more") or not messages:
            return None
        # History runs newest first: the next page ends where this one did. Replies run oldest first.
        if thread_ts:
            params["oldest"] = max(m["ts"] for m in messages)
        else:
            params["latest"] = min(m["ts"] for m in messages)
    logger.warning("Slack: %s not found in %s pages of %s; posting it.", tag, FIND_PAGES, channel)
    return None


def _classify(exc: SlackApiError) -> SlackError:
    response = exc.response
    status = response.status_code
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or f"http_{status}")
    if status == 429:
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        raw = headers.get("retry-after")
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        try:
            retry_after = max(float(raw), 0.0) if raw is not None else 1.0
        except (TypeError, ValueError):
            retry_after = 1.0
        return SlackRateLimited(f"Slack rate limit (429): retry after {retry_after:g}s.", retry_after=retry_after)
    if status >= 500 or code in TRANSIENT_ERRORS:
        return SlackTransientError(f"Slack answered {status} ({code}).")
    return SlackPermanentError(f"Slack refused the message: {code}.", code=code)


# Slack allows about one message a second per channel. Every worker process shares one pace per channel:
# each post reserves the channel's next slot (in Redis, or the database without it) and waits for it
# outside any transaction. A channel posted to by name is paced under the ID Slack answered with, once
# known, so `#mktgops` and `C0123` are one channel here too. A 429 covers anything that still slips by.
PACE_KEY = "mktgops:slack:pace:"
ALIAS_KEY = "mktgops:slack:alias:"
_RESERVE = """
local name = ARGV[1]
local channel = redis.call('GET', KEYS[2] .. name) or name
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[2])
local nxt = tonumber(redis.call('GET', KEYS[1] .. channel) or '0')
local slot = math.max(now, nxt)
redis.call('SET', KEYS[1] .. channel, slot + interval, 'PX', slot + interval - now + 60000)
return slot - now
"""
# After a post to `name` answered with channel `id`: from now on `name` is paced as `id`, and `id` takes over
# every slot already reserved under `name` (so posts reserved under either never come closer than the pace).
_ALIAS = """
local name, id, interval = ARGV[1], ARGV[2], tonumber(ARGV[3])
redis.call('SET', KEYS[2] .. name, id, 'EX', 86400)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local a = tonumber(redis.call('GET', KEYS[1] .. id) or '0')
local b = tonumber(redis.call('GET', KEYS[1] .. name) or '0')
local later = math.max(a, b, now + interval)
redis.call('SET', KEYS[1] .. id, later, 'PX', later - now + 60000)
return 0
"""
# After a post completes: the channel's next slot is at least a full interval after it (a post that left
# late must not let the next one follow it closely).
_DONE = """
local channel = redis.call('GET', KEYS[2] .. ARGV[1]) or ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local later = math.max(tonumber(redis.call('GET', KEYS[1] .. channel) or '0'), now + tonumber(ARGV[2]))
redis.call('SET', KEYS[1] .. channel, later, 'PX', later - now + 60000)
return 0
"""
_redis_client = None


def _pace_redis():
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return _redis_client


def _pace_reserve(channel: str, interval: float) -> float:
    """Seconds to wait before posting to `channel`: its next free slot, now reserved for this post."""
    if settings.REDIS_URL:
        import redis

        try:
            waited = _pace_redis().eval(_RESERVE, 2, PACE_KEY, ALIAS_KEY, channel, int(interval * 1000))
            return max(int(waited), 0) / 1000
        except redis.RedisError as exc:
            logger.warning("Slack pacing falls back to the database: Redis failed (%s).", exc)
    return _pace_reserve_in_database(channel, interval)


def _pace_reserve_in_database(channel: str, interval: float) -> float:
    from slack_messages.models import SlackChannelPace

    with transaction.atomic():
        alias = SlackChannelPace.objects.filter(channel=channel).values_list("alias_of", flat=True).first()
        row, _ = SlackChannelPace.objects.select_for_update().get_or_create(channel=alias or channel)
        if row.alias_of:  # named as an alias while we waited for its lock
            row, _ = SlackChannelPace.objects.select_for_update().get_or_create(channel=row.alias_of)
        now = time.time()  # after the lock: waiting for it must not make the slot early
        slot = max(now, row.next_at)
        row.next_at = slot + interval
        row.save(update_fields=["next_at"])
    return max(slot - time.time(), 0.0)


def _pace_alias(name: str, channel_id: str, interval: float) -> None:
    """After a post to `name` that Slack answered as `channel_id`: pace both as one channel (see _ALIAS)."""
    if settings.REDIS_URL:
        import redis

        try:
            _pace_redis().eval(_ALIAS, 2, PACE_KEY, ALIAS_KEY, name, channel_id, int(interval * 1000))
            return
        except redis.RedisError as exc:
            logger.warning("Slack pacing falls back to the database: Redis failed (%s).", exc)
    from slack_messages.models import SlackChannelPace

    with transaction.atomic():
        for channel in sorted([name, channel_id]):  # a fixed order: two of these at once cannot deadlock
            SlackChannelPace.objects.get_or_create(channel=channel)
        rows = {
            r.channel: r
            for r in SlackChannelPace.objects.select_for_update()
            .filter(channel__in=[name, channel_id])
            .order_by("channel")
        }
        named, target = rows[name], rows[channel_id]
        target.next_at = max(target.next_at, named.next_at, time.time() + interval)
        target.save(update_fields=["next_at"])
        if named.alias_of != channel_id:
            named.alias_of = channel_id
            named.save(update_fields=["alias_of"])


def _pace(channel: str) -> None:
    """Wait until `channel` may take another message (Slack: about one a second per channel)."""
    interval = float(settings.SLACK_MIN_INTERVAL_SECONDS)
    if interval <= 0:
        return
    wait = _pace_reserve(channel, interval)
    if wait > 0:
        time.sleep(wait)


def _pace_mark(channel: str, answered: str) -> None:
    """After a post to `channel` that Slack answered as `answered` (its ID): pace both names as one, and
    keep the channel's next slot a full interval after this post's completion."""
    interval = float(settings.SLACK_MIN_INTERVAL_SECONDS)
    if interval <= 0:
        return
    if channel != answered:
        _pace_alias(channel, answered, interval)
    if settings.REDIS_URL:
        import redis

        try:
            _pace_redis().eval(_DONE, 2, PACE_KEY, ALIAS_KEY, answered, int(interval * 1000))
            return
        except redis.RedisError as exc:
            logger.warning("Slack pacing falls back to the database: Redis failed (%s).", exc)
    from slack_messages.models import SlackChannelPace

    with transaction.atomic():
        row, _ = SlackChannelPace.objects.select_for_update().get_or_create(channel=answered)
        row.next_at = max(row.next_at, time.time() + interval)
        row.save(update_fields=["next_at"])


def _outbox_ts(channel: str) -> str:
    """A Slack-shaped `ts`, later than any already in this channel's outbox."""
    now = time.time()
    candidate = f"{int(now):010d}.{int((now % 1) * 1_000_000):06d}"
    latest = SlackOutboxMessage.objects.filter(channel=channel).order_by("-ts").values_list("ts", flat=True).first()
    if latest and latest >= candidate:
        seconds, micros = latest.split(".")
        total = int(seconds) * 1_000_000 + int(micros) + 1
        candidate = f"{total // 1_000_000:010d}.{total % 1_000_000:06d}"
    return candidate


def _outbox_post(*, channel: str, text: str, blocks: list[dict], thread_ts: str) -> SlackPosted:
    for _ in range(5):
        try:
            with transaction.atomic():
                message = SlackOutboxMessage.objects.create(
                    channel=channel, text=text, blocks=blocks, thread_ts=thread_ts or "", ts=_outbox_ts(channel)
                )
        except IntegrityError:
            continue  # another writer took this ts a moment ago; take the next one
        logger.debug("Slack outbox: %s %s%s", channel, message.ts, f" (reply to {thread_ts})" if thread_ts else "")
        return SlackPosted(channel=channel, ts=message.ts, outbox=True)
    raise SlackTransientError("Could not store the message in the Slack outbox.")
