"""Who is told what, one function per signal of `requests_app.signals` (issue 13's list of kinds).

Each runs inside the sending service's transaction: its rows commit or roll back with the change, and its
e-mails are queued on commit (by `notifications.services.notify`).
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.dispatch import Signal

from accounts.roles import MANAGERS_GROUP, MKTGOPS_GROUP
from notifications import services
from notifications.models import Kind
from requests_app import signals
from requests_app.models import Issue, IssueTransition, Stage
from task_outbox.services import task_outbox_add

User = get_user_model()


def _first_line(text: str, limit: int = 200) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _followers(issue, plan: dict, *, kind_for_requester=Kind.WATCHED, kind_for_assignee=None) -> dict:
    """The requester (as `kind_for_requester`), the assignee (as `kind_for_assignee` if given, which reaches them
    even if they unwatched, else WATCHED) and the watchers (WATCHED), less those who unwatched (except for the
    kinds that concern them directly).

    One query: the watch rows hold the requester and the assignee when they watch (the usual case), so their
    relations on `issue` are read only for someone without a watch row.
    """
    rows = services.watch_rows(issue)
    unwatched = {pk for pk, person in rows.items() if not person.watching}
    for person in rows.values():
        if person.watching and person.is_active:
            plan.setdefault(person, Kind.WATCHED)
    if issue.assignee_id and (kind_for_assignee or issue.assignee_id not in unwatched):
        plan[rows.get(issue.assignee_id) or issue.assignee] = kind_for_assignee or Kind.WATCHED
    if issue.requester_id not in unwatched or kind_for_requester not in (Kind.COMMENT, Kind.WATCHED):
        plan[rows.get(issue.requester_id) or issue.requester] = kind_for_requester
    return plan


def _mentions(plan: dict, text: str) -> dict:
    for user in services.mentioned_users(text):
        plan[user] = Kind.MENTION
    return plan


def on_created(sender, *, issue, by, **kwargs):
    services.watch_ensure(issue=issue, users=[issue.requester])
    services.notify(issue=issue, actor=by, plan=_mentions({}, issue.description), anchor="")


def on_commented(sender, *, issue, by, comment, **kwargs):
    services.watch_ensure(issue=issue, users=[by])
    plan = _followers(issue, {}, kind_for_requester=Kind.COMMENT)
    plan = _mentions(plan, comment.body)
    services.notify(
        issue=issue,
        actor=by,
        plan=plan,
        text=f"commented: {_first_line(comment.body)}",
        anchor=f"comment-{comment.pk}",
    )


def _asker(issue, before) -> list:
    """Whoever moved the issue to 01 most recently before `before`; the MktgOps team when nobody is known."""
    asked = (
        IssueTransition.objects.filter(issue=issue, to_stage=Stage.NEEDS_INFO, pk__lt=before.pk)
        .select_related("by")
        .order_by("-at", "-pk")
        .first()
    )
    if asked and asked.by and asked.by.is_active:
        return [asked.by]
    return list(User.objects.filter(is_active=True, groups__name__in=[MKTGOPS_GROUP, MANAGERS_GROUP]).distinct())


def on_replied(sender, *, issue, by, transition, comment, **kwargs):
    services.watch_ensure(issue=issue, users=[by])
    plan = _followers(issue, {}, kind_for_requester=Kind.COMMENT)
    for user in _asker(issue, transition):
        plan[user] = Kind.REPLIED
    plan = _mentions(plan, comment.body)
    services.notify(
        issue=issue,
        actor=by,
        plan=plan,
        text=f"answered, back in 00: Triage: {_first_line(comment.body)}",
        anchor=f"comment-{comment.pk}",
    )


def on_moved(sender, *, issue, by, transition, **kwargs):
    to = transition.to_stage
    requester_kind = {Stage.NEEDS_INFO: Kind.QUESTION, Stage.COMPLETED: Kind.COMPLETED}.get(to, Kind.WATCHED)
    plan = _followers(issue, {}, kind_for_requester=requester_kind)
    plan = _mentions(plan, transition.reason)
    text = f"moved it to {Stage(to).label}"
    if transition.reason:
        text = _first_line(transition.reason, 290) if to == Stage.NEEDS_INFO else f"{text}: {transition.reason}"
    services.notify(issue=issue, actor=by, plan=plan, text=text, anchor=f"move-{transition.pk}")
    if to == Stage.COMPLETED:
        # Label → Slack channel rules (handbook-update labels): one message per channel, once. Recorded in the
        # move's transaction (task outbox), sent after commit: a broker outage delays it, never loses it.
        task_outbox_add("requests_app.tasks.label_rules_deliver_task", transition.pk)


def on_assigned(sender, *, issue, by, assignee, **kwargs):
    plan = _followers(issue, {})
    if assignee is not None:
        services.watch_ensure(issue=issue, users=[assignee])
        plan[assignee] = Kind.ASSIGNED
    who = assignee.get_full_name() or assignee.get_username() if assignee else "nobody"
    services.notify(issue=issue, actor=by, plan=plan, text=f"assigned {who}")


def on_edited(sender, *, issue, by, revision, **kwargs):
    plan = _followers(issue, {})
    before = " ".join(str(revision.before.get(f) or "") for f in ("title", "description"))
    after = " ".join(str(revision.after.get(f) or "") for f in ("title", "description"))
    old = {u.pk for u in services.mentioned_users(before)}
    for user in services.mentioned_users(after):
        if user.pk not in old:  # only people newly mentioned by this edit
            plan[user] = Kind.MENTION
    changed = ", ".join(f.replace("_", "-") for f in revision.after)
    event = getattr(revision, "event", None)
    services.notify(
        issue=issue,
        actor=by,
        plan=plan,
        text=f"edited the {changed}",
        anchor=f"event-{event.pk}" if event else "",
    )


def on_closed(sender, *, issue, by, duplicate_of=None, **kwargs):
    plan = _followers(issue, {}, kind_for_requester=Kind.CLOSED)
    text = "closed it"
    if duplicate_of is not None:
        services.watchers_move(from_issue=issue, to_issue=duplicate_of)
        services.watch_ensure(issue=duplicate_of, users=[issue.requester])
        text = f"closed it as a duplicate of #{duplicate_of.pk}: follow that one from now on"
    services.notify(issue=issue, actor=by, plan=plan, text=text)


def on_signed_off(sender, *, issue, by, **kwargs):
    plan = _followers(issue, {}, kind_for_requester=Kind.SIGNED_OFF, kind_for_assignee=Kind.SIGNED_OFF)
    services.notify(issue=issue, actor=by, plan=plan, text="recorded the business owner's sign-off")


def on_rolled_over(sender, *, issue_ids, by, from_title, to_title, **kwargs):
    """The rollover moves thousands of issues in batches: their requesters are told by the worker, after the
    rollover commits, so the rollover's own transaction stays as lean as it was."""
    task_outbox_add(
        "notifications.tasks.rollover_notify_task", list(issue_ids), getattr(by, "pk", None), from_title, to_title
    )


def rollover_notify(*, issue_ids: list[int], by_id: int | None, from_title: str, to_title: str) -> int:
    """Each requester hears that their request rolled over: a few batched queries, whatever the number."""
    by = User.objects.filter(pk=by_id).first() if by_id else None
    issues = Issue.objects.filter(pk__in=issue_ids).select_related("requester")
    text = f"moved from {from_title} to {to_title}"
    return len(services.notify_many([(issue, by, {issue.requester: Kind.ROLLED_OVER}, text, "") for issue in issues]))


def connect() -> None:
    """Called once from NotificationsConfig.ready()."""
    pairs: list[tuple[Signal, Callable[..., Any]]] = [
        (signals.issue_created, on_created),
        (signals.issue_commented, on_commented),
        (signals.issue_replied, on_replied),
        (signals.issue_moved, on_moved),
        (signals.issue_assigned, on_assigned),
        (signals.issue_edited, on_edited),
        (signals.issue_closed, on_closed),
        (signals.issue_signed_off, on_signed_off),
        (signals.issues_rolled_over, on_rolled_over),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, sender=Issue, dispatch_uid=f"notifications.{receiver.__name__}")
