"""Writes: who watches, who is told what (in the app and by e-mail), and what they have read.

Rules: the recipients of each kind are chosen in `notifications.receivers` (one function per signal); this module
enforces what holds for all of them: never the actor themselves, never someone who may not see the issue
(`requests_app.policy.issue_notify_allowed`), one notification per person per change, and e-mails queued with
the task outbox (sent after commit) for the worker, never sent inside the request.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mktgops_portal.compiled_queries import CompiledInsert, CompiledQuery
from mktgops_portal.errors import Invalid
from notifications.errors import NotificationErrorCode
from notifications.models import DEFAULT_EMAIL_KINDS, Kind, Notification, NotificationPreference, Watch
from requests_app.policy import issue_notify_allowed
from task_outbox.services import task_outbox_add

User = get_user_model()

# When one change means several things to a person, they get the one that concerns them most.
PRIORITY = [
    Kind.MENTION,
    Kind.ASSIGNED,
    Kind.QUESTION,
    Kind.REPLIED,
    Kind.COMPLETED,
    Kind.CLOSED,
    Kind.SIGNED_OFF,
    Kind.ROLLED_OVER,
    Kind.COMMENT,
    Kind.WATCHED,
]

# @username, as Django allows usernames (letters, digits and @.+-_), not inside an e-mail address; a trailing
# full stop or comma ends the sentence, not the name.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")


def mentioned_users(text: str) -> list:
    """Active users named `@username` in `text` (one query, none when nothing looks like a mention)."""
    names = {name.rstrip(".,;:!?") for name in MENTION.findall(text or "")}
    names.discard("")
    if not names:
        return []
    return list(User.objects.filter(username__in=names, is_active=True))


def watch_ensure(*, issue, users: Iterable) -> None:
    """Automatic watching (requester, assignee, commenters): adds a watch, never overrides an unwatch."""
    ids = {u.pk for u in users if u is not None}
    if not ids:
        return
    have = set(Watch.objects.filter(issue=issue, user_id__in=ids).values_list("user_id", flat=True))
    Watch.objects.bulk_create([Watch(issue=issue, user_id=uid) for uid in ids - have], ignore_conflicts=True)


@transaction.atomic
def watch_set(*, issue, user, watching: bool) -> Watch:
    """Watch or unwatch `issue` (the caller has checked that `user` may see it)."""
    watch, created = Watch.objects.get_or_create(issue=issue, user=user, defaults={"watching": watching})
    if not created and watch.watching != watching:
        watch.watching = watching
        watch.save(update_fields=["watching"])
    return watch


@dataclass(eq=False)
class Recipient:
    """Someone with a watch row on an issue, read with their preferences: what `notify` needs of a person, without
    a User instance. It stands in for the user where `notify` asks `issue_notify_allowed`, which reads `pk`,
    `is_active`, `is_authenticated`, `is_superuser` and (for a confidential issue, on a roles cache miss) `groups`."""

    pk: int
    email: str
    is_active: bool
    is_superuser: bool
    watching: bool
    email_kinds: list[str]  # DEFAULT_EMAIL_KINDS when they have no preference row
    daily_digest: bool

    is_authenticated = True  # a row of the user table, as User.is_authenticated always is

    @property
    def groups(self):
        """Their groups, as `User.groups` reads them (one query; `accounts.roles` caches the names)."""
        return Group.objects.filter(user=self.pk)


# Every change reads its issue's watchers: compiled once (see mktgops_portal.compiled_queries).
WATCH_ROWS = CompiledQuery(
    lambda issue_id: Watch.objects.filter(issue_id=issue_id).values_list(
        "user_id",
        "user__email",
        "user__is_active",
        "user__is_superuser",
        "watching",
        "user__notification_preference__email_kinds",
        # Never NULL in its table: NULL here means no preference row (the defaults apply).
        "user__notification_preference__daily_digest",
    )
)


# And writes its notifications (nothing listens to a Notification's save).
NOTIFICATION_INSERT = CompiledInsert(Notification)


def watch_rows(issue) -> dict[int, Recipient]:
    """Everyone with a watch row on `issue`, watching or not (`watching`), by user id, with their preferences:
    one query, no model instances."""
    people = {}
    for pk, email, active, superuser, watching, kinds, digest in WATCH_ROWS.fetch(issue.pk):
        if digest is None:
            kinds, digest = DEFAULT_EMAIL_KINDS, False
        people[pk] = Recipient(pk, email, active, superuser, watching, kinds, digest)
    return people


def watchers_move(*, from_issue, to_issue) -> int:
    """The duplicate's watchers follow the original from now on (an unwatch of the original stands)."""
    ids = set(Watch.objects.filter(issue=from_issue, watching=True).values_list("user_id", flat=True))
    have = set(Watch.objects.filter(issue=to_issue, user_id__in=ids).values_list("user_id", flat=True))
    Watch.objects.bulk_create([Watch(issue=to_issue, user_id=uid) for uid in ids - have], ignore_conflicts=True)
    return len(ids - have)


def notify(*, issue, actor, plan: dict, text: str = "", anchor: str = "") -> list[Notification]:
    """Write one notification per person in `plan` ({person: Kind}; a person is a User or a `Recipient`) about one
    change of `issue`.

    Leaves out the actor and anyone who may not see the issue; e-mails those whose preferences want this kind
    (or keeps it for their digest), queued on commit. Returns the notifications written.
    """
    return notify_many([(issue, actor, plan, text, anchor)])


def notify_many(changes: list[tuple]) -> list[Notification]:
    """`notify` for many changes at once ((issue, actor, plan, text, anchor) each): at most one query for the
    preferences, one insert, one task queued on commit, however many changes (the rollover's batch).

    A plan's people are User instances or `Recipient`s (from `watch_rows`, preferences already read: only the
    others' are queried). One person may appear as both: the most specific kind wins, told once.
    Returns the notifications written (`recipient` set by id, not loaded).
    """
    chosen = []
    for issue, actor, plan, text, anchor in changes:
        per_issue: dict[int, tuple] = {}
        for user, kind in plan.items():
            if user is None or (actor is not None and user.pk == actor.pk):
                continue
            if not issue_notify_allowed(user, issue):
                continue
            current = per_issue.get(user.pk)
            if current is None:
                per_issue[user.pk] = (user, kind)
                continue
            person = current[0] if isinstance(current[0], Recipient) else user  # the one whose preferences are read
            best = kind if PRIORITY.index(kind) < PRIORITY.index(current[1]) else current[1]
            per_issue[user.pk] = (person, best)
        chosen += [(issue, actor, user, kind, text, anchor) for user, kind in per_issue.values()]
    if not chosen:
        return []
    unread = {user.pk for _, _, user, _, _, _ in chosen if not isinstance(user, Recipient)}
    prefs: dict[int, tuple[list[str], bool]] = {}
    if unread:
        read = NotificationPreference.objects.filter(user_id__in=unread).values_list(
            "user_id", "email_kinds", "daily_digest"
        )
        prefs = {pk: (kinds, digest) for pk, kinds, digest in read}
    rows, immediate = [], []
    for issue, actor, user, kind, text, anchor in chosen:
        if isinstance(user, Recipient):
            kinds, digest = user.email_kinds, user.daily_digest
        else:
            kinds, digest = prefs.get(user.pk, (DEFAULT_EMAIL_KINDS, False))
        wants = bool(user.email) and kind in kinds
        rows.append(
            Notification(
                recipient_id=user.pk,
                actor=actor,
                issue=issue,
                kind=kind,
                text=text[:300],
                anchor=anchor,
                wants_email=wants,
            )
        )
        if wants and not digest:
            immediate.append(len(rows) - 1)
    NOTIFICATION_INSERT.insert(*rows)  # a change's few rows compiled once; a rollover's many in batches
    ids = [rows[i].pk for i in immediate]
    if ids:
        # Recorded with the change (task outbox) and sent after commit: a broker outage never loses an e-mail.
        task_outbox_add("notifications.tasks.notification_emails_task", ids)
    return rows


@transaction.atomic
def notifications_mark_read(*, user, ids: list[int] | None = None, all_unread: bool = False) -> int:
    """Mark `user`'s notifications read (the given ids, or every unread one); others' ids are ignored.

    Returns how many changed. Raises Invalid(BAD_IDS) when neither ids nor all_unread is given.
    """
    if not all_unread and not ids:
        raise Invalid("Say which notifications to mark read, or mark all of them.", code=NotificationErrorCode.BAD_IDS)
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if not all_unread:
        assert ids is not None  # checked above: ids are given when all_unread is not
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


@transaction.atomic
def preference_set(*, user, email_kinds: list[str], daily_digest: bool) -> NotificationPreference:
    """Which kinds come by e-mail and whether at once or in the daily digest. Raises Invalid(UNKNOWN_KIND)."""
    unknown = [k for k in email_kinds if k not in Kind.values]
    if unknown:
        raise Invalid(f"Unknown kinds: {', '.join(unknown)}.", code=NotificationErrorCode.UNKNOWN_KIND)
    pref, _ = NotificationPreference.objects.get_or_create(user=user, defaults={"email_kinds": DEFAULT_EMAIL_KINDS})
    pref.email_kinds = [k for k in Kind.values if k in email_kinds]
    pref.daily_digest = daily_digest
    pref.save(update_fields=["email_kinds", "daily_digest"])
    return pref


# --- E-mail (run by the worker) ------------------------------------------------------------------------------

# The two e-mails requesters had before notifications existed keep their subjects.
STAGE_SUBJECTS: dict[str, tuple[str, str]] = {
    Kind.QUESTION: ("MktgOps needs more information on #{pk}: {title}", "MktgOps needs more information on #{pk}"),
    Kind.COMPLETED: ("MktgOps completed #{pk}: {title}", "MktgOps completed #{pk}"),
}


def email_subject(notification: Notification) -> str:
    """One header line. A confidential issue's subject never carries its title (issue 13)."""
    issue = notification.issue
    secret = issue.confidential
    if notification.kind in STAGE_SUBJECTS:
        with_title, without = STAGE_SUBJECTS[notification.kind]
        subject = (without + " (confidential request)" if secret else with_title).format(pk=issue.pk, title=issue.title)
    else:
        who = _name(notification.actor)
        what = Kind(notification.kind).label
        subject = f"[MktgOps #{issue.pk}] {who} {what}: " + ("a confidential request" if secret else issue.title)
    # A line break in a header refuses the whole e-mail.
    return " ".join(subject.split())[:200]


def _name(user) -> str:
    if user is None:
        return "MktgOps Portal"
    return user.get_full_name() or user.get_username()


def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification's e-mail, once (emailed_at guards a retried task). Returns whether it was sent."""
    notification = (
        Notification.objects.select_related("recipient", "actor", "issue", "issue__requester")
        .filter(pk=notification_id, emailed_at__isnull=True, wants_email=True)
        .first()
    )
    if notification is None or not notification.recipient.email:
        return False
    # Still allowed to see it? (An assignee may have changed between the change and the worker.)
    if not issue_notify_allowed(notification.recipient, notification.issue):
        return False
    issue = notification.issue
    if notification.kind in STAGE_SUBJECTS:
        # The whole question (the notification keeps its first line only).
        asked = issue.transitions.filter(to_stage="01").order_by("-at", "-pk").values_list("reason", flat=True)
        body = render_to_string(
            "emails/issue_stage.txt",
            {
                "issue": issue,
                "reason": (asked.first() or "") if notification.kind == Kind.QUESTION else "",
                "stage": "01" if notification.kind == Kind.QUESTION else "08",
                "site_url": settings.SITE_URL,
                "mover": _name(notification.actor) if notification.actor else "",
                "link": notification.target_url,
            },
        )
    else:
        body = render_to_string(
            "emails/notification.txt",
            {
                "n": notification,
                "actor": _name(notification.actor),
                "what": Kind(notification.kind).label,
                "prefs_url": f"{settings.SITE_URL}{reverse('notification-preferences')}",
            },
        )
    send_mail(
        subject=email_subject(notification),
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.recipient.email],
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def notifications_digest_send(*, user_id: int) -> int:
    """One e-mail with every notification `user_id` wanted by e-mail and has not been sent; returns how many."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return 0
    pending = list(
        Notification.objects.filter(recipient=user, wants_email=True, emailed_at__isnull=True)
        .select_related("actor", "issue")
        .order_by("created_at", "pk")
    )
    pending = [n for n in pending if issue_notify_allowed(user, n.issue)]
    if not pending:
        return 0
    items = [
        {
            "n": n,
            "actor": _name(n.actor),
            "what": Kind(n.kind).label,
            "title": "a confidential request" if n.issue.confidential else n.issue.title,
        }
        for n in pending
    ]
    send_mail(
        subject=f"MktgOps Portal: {len(items)} update{'s' if len(items) != 1 else ''} since your last digest",
        message=render_to_string("emails/notification_digest.txt", {"user": user, "items": items}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(items)
