from dataclasses import dataclass

from slack_messages.models import SlackOutboxMessage


@dataclass
class OutboxThread:
    parent: SlackOutboxMessage
    replies: list[SlackOutboxMessage]


def outbox_threads(*, limit: int = 50) -> list[OutboxThread]:
    """The latest top-level outbox messages, newest first, each with its replies in order (two queries)."""
    parents = list(SlackOutboxMessage.objects.filter(thread_ts="").order_by("-ts", "-pk")[:limit])
    replies: dict[tuple[str, str], list[SlackOutboxMessage]] = {}
    if parents:
        for reply in SlackOutboxMessage.objects.filter(thread_ts__in=[p.ts for p in parents]).order_by("ts", "pk"):
            replies.setdefault((reply.channel, reply.thread_ts), []).append(reply)
    return [OutboxThread(parent=p, replies=replies.get((p.channel, p.ts), [])) for p in parents]
