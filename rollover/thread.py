"""The rollover's Slack thread: a parent message and replies grouped by assignee, within Slack's limits.

Pure functions of the rollover's records, so the thread is planned once, stored, and posted as planned.
"""

from dataclasses import dataclass, field

from requests_app.policy import issue_title_public
from slack_messages.services import MAX_BLOCKS, MAX_SECTION_TEXT, MAX_TEXT, slack_cut, slack_escape

# Long titles and reasons are cut so one issue's line always fits in one section. The limits count the
# characters Slack receives (escaped), since Slack's limits do.
TITLE_CHARS = 150
REASON_CHARS = 1000
NAME_CHARS = 80
NO_REASON = "no reason given"


class MessageNotBuildable(ValueError):
    """The planned thread would break one of Slack's limits; the message says which (a bug, recorded)."""


def marker(rollover_id: int, number: int) -> str:
    """The tag that lets a message be found again in Slack: rollover id, message number (0 = the parent).

    It sits in the `text` fallback, which conversations.history and conversations.replies return (their
    description lists no `blocks` for replies), and in a context block for readers.
    """
    return f"[MktgOps rollover {rollover_id} message {number}]"


@dataclass(frozen=True)
class MovedIssue:
    issue_id: int
    title: str
    confidential: bool
    stage_short: str
    url: str
    assignee_key: str  # username, or "" when unassigned
    assignee_name: str
    reason: str
    reason_by: str  # username of who gave the reason, or ""


@dataclass
class PlannedMessage:
    heading: str
    text: str
    blocks: list[dict]
    issue_ids: list[int] = field(default_factory=list)


def _escaped(text: str, limit: int) -> str:
    """User text for mrkdwn: whitespace folded, escaped, then cut to `limit` characters as Slack counts them."""
    return slack_cut(slack_escape(" ".join(text.split())), limit)


def issue_line(issue: MovedIssue) -> str:
    # Confidential titles may hold personal data: the thread shows only the number and a link.
    if issue.confidential:
        label = issue_title_public(issue.issue_id, issue.title, confidential=True)
    else:
        label = f"#{issue.issue_id} {_escaped(issue.title, TITLE_CHARS)}"
    label = label.replace("|", "¦")
    by = _escaped(issue.reason_by, NAME_CHARS)
    if issue.reason and issue.confidential:
        why = "_reason given on the issue_"  # a confidential issue's reason may hold personal data too
        if by:
            why += f" (by @{by})"
    elif issue.reason:
        why = f"_{_escaped(issue.reason, REASON_CHARS)}_"
        if by:
            why += f" (reason from @{by})"
    else:
        why = f"*{NO_REASON}*"
    line = f"• <{issue.url}|{label}> · {_escaped(issue.stage_short, NAME_CHARS)} — {why}"
    if len(line) > MAX_SECTION_TEXT:
        raise MessageNotBuildable(f"The line for #{issue.issue_id} is {len(line)} characters (URL too long?).")
    return line


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _pack_sections(lines: list[str]) -> list[str]:
    """Lines joined into as few sections as fit Slack's section limit; never an empty section."""
    sections, current = [], ""
    for line in lines:
        if not line:
            continue
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION_TEXT and current:
            sections.append(current)
            candidate = line
        current = candidate
    if current:
        sections.append(current)
    return sections


def _context(*texts: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts if t]}


def with_marker(message: PlannedMessage, tag: str) -> PlannedMessage:
    """The message tagged with `tag` (see `marker`): in its text fallback and in a context block at its end."""
    blocks = list(message.blocks)
    if blocks and blocks[-1]["type"] == "context" and len(blocks[-1]["elements"]) < 10:
        blocks[-1] = _context(*(e["text"] for e in blocks[-1]["elements"]), tag)
    else:
        blocks.append(_context(tag))
    tagged = PlannedMessage(
        heading=message.heading, text=f"{message.text} {tag}", blocks=blocks, issue_ids=message.issue_ids
    )
    message_check(tagged)
    return tagged


def message_check(message: PlannedMessage) -> None:
    """Raise MessageNotBuildable unless the message is within Slack's limits (Block Kit reference)."""
    if not message.text.strip():
        raise MessageNotBuildable("The message has no text fallback.")
    if len(message.text) > MAX_TEXT:
        raise MessageNotBuildable(f"The text is {len(message.text)} characters; Slack's limit is {MAX_TEXT}.")
    if not message.blocks or len(message.blocks) > MAX_BLOCKS:
        raise MessageNotBuildable(f"The message has {len(message.blocks)} blocks; Slack takes 1 to {MAX_BLOCKS}.")
    for block in message.blocks:
        texts = [block["text"]["text"]] if block["type"] == "section" else [e["text"] for e in block["elements"]]
        if not texts or any(not t.strip() for t in texts):
            raise MessageNotBuildable(f"A {block['type']} block is empty; Slack rejects empty blocks.")
        if any(len(t) > MAX_SECTION_TEXT for t in texts):
            raise MessageNotBuildable(f"A {block['type']} block is over {MAX_SECTION_TEXT} characters.")


def parent_message(
    *, milestone_title: str, to_title: str, completed: int, moved: int, report_url: str
) -> PlannedMessage:
    title, to = _escaped(milestone_title, TITLE_CHARS), _escaped(to_title, TITLE_CHARS)
    heading = f"Rollover of {milestone_title}"
    summary = (
        f"*Milestone rollover: {title}*\n"
        f":white_check_mark: {completed} completed  ·  :arrow_right: {moved} moved to *{to}*"
    )
    context = f"<{report_url}|Rollover report>"
    if moved:
        context += " · the moved issues and their reasons are in this thread"
    text = f"Rollover of {milestone_title}: {completed} completed, {moved} moved to {to_title}. Report: {report_url}"
    return PlannedMessage(
        heading=heading,
        text=slack_escape(text),
        blocks=[_section(summary), {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}],
    )


def reply_messages(issues: list[MovedIssue]) -> list[PlannedMessage]:
    """One reply per assignee (the unassigned last), split into more replies when a group is too long."""
    groups: dict[str, list[MovedIssue]] = {}
    for issue in sorted(issues, key=lambda i: (i.assignee_key == "", i.assignee_key.lower(), i.issue_id)):
        groups.setdefault(issue.assignee_key, []).append(issue)
    messages = []
    for key, group in groups.items():
        who = f"{group[0].assignee_name[:NAME_CHARS]} (@{key[:NAME_CHARS]})" if key else "Unassigned"
        sections = _pack_sections([issue_line(i) for i in group])
        per_message = MAX_BLOCKS - 2  # one block is the heading, one the marker (see `with_marker`)
        chunks = [sections[i : i + per_message] for i in range(0, len(sections), per_message)]
        # Which issues each chunk lists: count lines per section to map issues onto chunks.
        lines_per_section = [s.count("\n") + 1 for s in sections]
        cursor = 0
        for number, chunk in enumerate(chunks, start=1):
            count = sum(lines_per_section[(number - 1) * per_message : (number - 1) * per_message + len(chunk)])
            chunk_issues = group[cursor : cursor + count]
            cursor += count
            part = f" (part {number} of {len(chunks)})" if len(chunks) > 1 else ""
            n = len(group)
            heading = f"{who}: {n} issue{'s' if n != 1 else ''} moved{part}"
            messages.append(
                PlannedMessage(
                    heading=heading,
                    text=slack_escape(heading),
                    blocks=[_section(f"*{slack_escape(heading)}*"), *(_section(s) for s in chunk)],
                    issue_ids=[i.issue_id for i in chunk_issues],
                )
            )
    return messages
