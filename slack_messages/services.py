"""Posting to Slack: the Web API through slack_sdk when a bot token is set, the outbox otherwise.

`slack_post` does one attempt and says how it went with a typed error; the retry policy (how long to
wait, how often to try) belongs to the caller's Celery task. That is why slack_sdk's own retry handlers
are switched off: a second policy sleeping inside the client would double the waits and hide 429s.
"""

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from django.conf import settings
from django.db import IntegrityError, transaction
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


def slack_message_check(*, text: str, blocks: list[dict] | None) -> None:
    """Refuse a message over Slack's limits before sending it (a bug in the caller, not a Slack error)."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"Slack message text is {len(text)} characters; the limit is {MAX_TEXT}.")
    blocks = blocks or []
    if len(blocks) > MAX_BLOCKS:
        raise ValueError(f"Slack message has {len(blocks)} blocks; the limit is {MAX_BLOCKS}.")
    for block in blocks:
        section_text = (block.get("text") or {}).get("text", "") if block.get("type") == "section" else ""
        if len(section_text) > MAX_SECTION_TEXT:
            raise ValueError(f"Slack section text is {len(section_text)} characters; the limit is {MAX_SECTION_TEXT}.")


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
    _pace_mark(channel, posted.channel)
    return posted


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


# Slack allows about one message a second per channel. This keeps that pace within a worker process,
# which is where a thread is posted from; a 429 covers anything that still gets through too fast.
_pace_lock = threading.Lock()
_last_post_at: dict[str, float] = {}


def _pace(channel: str) -> None:
    """Wait until `channel` may take another message."""
    interval = float(settings.SLACK_MIN_INTERVAL_SECONDS)
    if interval <= 0:
        return
    with _pace_lock:
        now = time.monotonic()
        wait = _last_post_at.get(channel, now - interval) + interval - now
        if wait > 0:
            time.sleep(wait)
        _last_post_at[channel] = time.monotonic()


def _pace_mark(*channels: str) -> None:
    """Remember a post under every name of its channel (`#mktgops` and the ID Slack answered with)."""
    with _pace_lock:
        now = time.monotonic()
        for channel in channels:
            _last_post_at[channel] = now


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
