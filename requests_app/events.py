"""The issue timeline's events: one creator per kind, values kept as data (ids and raw values) in `IssueEvent.data`.

`old_value`/`new_value` keep the text shown on the timeline as it read when it happened; code never reads them to
decide anything: it reads `data` (e.g. the Sales Systems SLA clock starts at the event whose `data["label_id"]` is
the `MktgOpsPrio::00` label, so renaming a label does not reset it).
"""

from django.utils import timezone

from requests_app.models import EventKind, Issue, IssueEvent


def _display(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "get_username"):
        return value.get_username()
    return str(value)


def _pk(value):
    return getattr(value, "pk", value)


def event_record(issue: Issue, *, by, kind: str, data: dict, old=None, new=None, at=None) -> IssueEvent:
    """One event on `issue`'s timeline: `data` holds ids and raw values; `old`/`new` are shown as text."""
    return IssueEvent.objects.create(
        issue=issue,
        by=by,
        kind=kind,
        data=data,
        old_value=_display(old)[:255],
        new_value=_display(new)[:255],
        at=at or timezone.now(),
    )


def issue_created(issue: Issue, *, by, request_type_label: str, at=None) -> IssueEvent:
    return event_record(
        issue, by=by, kind=EventKind.CREATED, data={"request_type": issue.request_type}, new=request_type_label, at=at
    )


def issue_assignee_changed(issue: Issue, *, by, old, new, at=None) -> IssueEvent:
    data = {"old_id": _pk(old), "new_id": _pk(new)}
    return event_record(issue, by=by, kind=EventKind.ASSIGNEE_CHANGED, data=data, old=old, new=new, at=at)


def issue_milestone_changed(issue: Issue, *, by, old, new, at=None) -> IssueEvent:
    data = {"old_id": _pk(old), "new_id": _pk(new)}
    return event_record(issue, by=by, kind=EventKind.MILESTONE_CHANGED, data=data, old=old, new=new, at=at)


def issue_weight_changed(issue: Issue, *, by, old: int | None, new: int | None, at=None) -> IssueEvent:
    data = {"old": old, "new": new}
    return event_record(issue, by=by, kind=EventKind.WEIGHT_CHANGED, data=data, old=old, new=new, at=at)


def issue_confidential_changed(issue: Issue, *, by, old: bool, new: bool, at=None) -> IssueEvent:
    data = {"old": old, "new": new}
    return event_record(issue, by=by, kind=EventKind.CONFIDENTIAL_CHANGED, data=data, old=old, new=new, at=at)


def issue_rollover_reason_given(issue: Issue, *, by, reason: str, at=None) -> IssueEvent:
    return event_record(issue, by=by, kind=EventKind.ROLLOVER_REASON, data={"reason": reason}, new=reason, at=at)


def issue_signed_off(issue: Issue, *, by, owner, on_behalf: bool, at=None) -> IssueEvent:
    """`by` recorded the sign-off of `owner` (themselves, or on their behalf when `on_behalf`)."""
    data = {"owner_id": _pk(owner), "on_behalf": on_behalf}
    return event_record(issue, by=by, kind=EventKind.SIGNED_OFF, data=data, new=owner, at=at)


def issue_closed(issue: Issue, *, by, milestone, at=None) -> IssueEvent:
    return event_record(
        issue, by=by, kind=EventKind.CLOSED, data={"milestone_id": _pk(milestone)}, new=milestone, at=at
    )


def issue_reopened(issue: Issue, *, by, reason: str, at=None) -> IssueEvent:
    return event_record(issue, by=by, kind=EventKind.REOPENED, data={"reason": reason}, new=reason, at=at)


def issue_promoted(issue: Issue, *, by, epic, at=None) -> IssueEvent:
    return event_record(issue, by=by, kind=EventKind.PROMOTED, data={"epic_id": epic.pk}, new=epic.title, at=at)


def issue_labels_changed(issue: Issue, *, by, added, removed, at=None) -> list[IssueEvent]:
    """One event per label taken off (`label_removed`) and put on (`label_added`), with the label's id."""
    at = at or timezone.now()
    rows = [
        IssueEvent(
            issue=issue,
            by=by,
            kind=EventKind.LABEL_REMOVED,
            data={"label_id": lbl.pk},
            old_value=lbl.name[:255],
            at=at,
        )
        for lbl in removed
    ] + [
        IssueEvent(
            issue=issue, by=by, kind=EventKind.LABEL_ADDED, data={"label_id": lbl.pk}, new_value=lbl.name[:255], at=at
        )
        for lbl in added
    ]
    return IssueEvent.objects.bulk_create(rows)


def issues_rolled_over(rows: list[tuple[int, object, object]], *, by=None, at=None) -> list[IssueEvent]:
    """Milestone-changed events for issues the rollover moved: rows of (issue id, from milestone, to milestone)."""
    at = at or timezone.now()
    return IssueEvent.objects.bulk_create(
        [
            IssueEvent(
                issue_id=issue_id,
                by=by,
                kind=EventKind.MILESTONE_CHANGED,
                data={"old_id": _pk(old), "new_id": _pk(new), "rollover": True},
                old_value=_display(old)[:255],
                new_value=_display(new)[:255],
                at=at,
            )
            for issue_id, old, new in rows
        ],
        batch_size=1000,
    )
