"""The rollover's Slack thread: a parent message and replies grouped by assignee, within Slack's limits.

Pure functions of the rollover's records, so the thread is planned once, stored, and posted as planned.
"""

from dataclasses import dataclass, field

from slack_messages.services import MAX_BLOCKS, MAX_SECTION_TEXT, slack_escape

# Long titles and reasons are cut so one issue's line always fits in one section.
TITLE_CHARS = 150
REASON_CHARS = 1000
NO_REASON = "no reason given"


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


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def issue_line(issue: MovedIssue) -> str:
    # Confidential titles may hold personal data: the thread shows only the number and a link.
    if issue.confidential:
        label = f"#{issue.issue_id} (confidential)"
    else:
        label = f"#{issue.issue_id} {_cut(issue.title, TITLE_CHARS)}"
    label = slack_escape(label).replace("|", "¦")
    if issue.reason and issue.confidential:
        why = "_reason given on the issue_"  # a confidential issue's reason may hold personal data too
        if issue.reason_by:
            why += f" (by @{slack_escape(issue.reason_by)})"
    elif issue.reason:
        why = f"_{slack_escape(_cut(issue.reason, REASON_CHARS))}_"
        if issue.reason_by:
            why += f" (reason from @{slack_escape(issue.reason_by)})"
    else:
        why = f"*{NO_REASON}*"
    return f"• <{issue.url}|{label}> · {slack_escape(issue.stage_short)} — {why}"


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _pack_sections(lines: list[str]) -> list[str]:
    sections, current = [], ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION_TEXT:
            sections.append(current)
            candidate = line
        current = candidate
    if current:
        sections.append(current)
    return sections


def parent_message(
    *, milestone_title: str, to_title: str, completed: int, moved: int, report_url: str
) -> PlannedMessage:
    title, to = slack_escape(milestone_title), slack_escape(to_title)
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
        who = f"{group[0].assignee_name} (@{key})" if key else "Unassigned"
        sections = _pack_sections([issue_line(i) for i in group])
        per_message = MAX_BLOCKS - 1  # one block is the heading
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
