"""What happened to an issue, announced to the apps above (notifications) without requests_app importing them.

Each signal is sent by one service, inside its transaction, after its rows are written; receivers write their own
rows in that transaction and queue anything that leaves the process (e-mail, Slack) with
`transaction.on_commit`. Every signal passes `sender=Issue`, `issue` and `by` (the acting user, None for the
portal itself), plus:

- issue_created: —
- issue_commented: `comment` (a Comment; its body may @mention people)
- issue_moved: `transition` (the IssueTransition row: from_stage, to_stage, reason)
- issue_replied: `transition`, `comment` (the requester's answer that moved it 01 → 00)
- issue_assigned: `assignee` (the new one; None when unassigned)
- issue_edited: `revision` (an IssueRevision with before/after), `mentions_in` (new text that may @mention)
- issue_closed: `duplicate_of` (the original Issue when closed as its duplicate, else None)
- issue_signed_off: —
- issues_rolled_over (sent once for a whole rollover, without `issue`): `issue_ids`, `from_title`, `to_title`
- issue_linked: `link` (an IssueLink)
"""

from django.dispatch import Signal

issue_created = Signal()
issue_commented = Signal()
issue_moved = Signal()
issue_replied = Signal()
issue_assigned = Signal()
issue_edited = Signal()
issue_closed = Signal()
issue_signed_off = Signal()
issues_rolled_over = Signal()
issue_linked = Signal()
