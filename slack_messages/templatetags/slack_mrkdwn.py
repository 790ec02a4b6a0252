"""Render Slack mrkdwn (links, bold, italics) as safe HTML for the outbox page."""

import html
import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
# The rollover thread sets reasons in _italics_; like Slack, snake_case words stay as they are.
ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")


def _text(raw: str) -> str:
    # Slack escapes &, < and > as entities; undo that, then escape for HTML.
    escaped = escape(html.unescape(raw))
    return ITALIC.sub(r"<em>\1</em>", BOLD.sub(r"<strong>\1</strong>", escaped))


@register.filter
def slack_mrkdwn(value: str) -> str:
    parts, last = [], 0
    for match in LINK.finditer(value or ""):
        parts.append(_text(value[last : match.start()]))
        url, label = html.unescape(match.group(1)), html.unescape(match.group(2) or match.group(1))
        if url.startswith(("http://", "https://")):
            parts.append(format_html('<a href="{}">{}</a>', url, label))
        else:
            parts.append(escape(label))
        last = match.end()
    parts.append(_text((value or "")[last:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 — every part is escaped above


@register.filter
def slack_block_texts(blocks) -> list[str]:
    """The mrkdwn texts of a message's section and context blocks, in order."""
    texts = []
    for block in blocks or []:
        if block.get("type") == "section" and block.get("text"):
            texts.append(block["text"].get("text", ""))
        elif block.get("type") == "context":
            texts.append(" ".join(e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)))
        elif block.get("type") == "header" and block.get("text"):
            texts.append(f"*{block['text'].get('text', '')}*")
    return texts
