"""Reads: a person's notifications, their unread count, watching, preferences."""

from dataclasses import dataclass

from django.db.models import QuerySet

from notifications.models import DEFAULT_EMAIL_KINDS, Notification, NotificationPreference, Watch
from requests_app.policy import issue_title_for

# /notifications/ shows this many per page.
PAGE_SIZE = 50


def notifications_for(user, *, unread: bool = False) -> QuerySet[Notification]:
    """`user`'s notifications, newest first, with what a row shows (actor, issue) in the same query."""
    rows = Notification.objects.filter(recipient=user).select_related("actor", "issue").order_by("-created_at", "-pk")
    return rows.filter(read_at__isnull=True) if unread else rows


def notifications_decorate(user, rows: list[Notification]) -> list[Notification]:
    """Mask the title of an issue `user` may no longer see (no query: decided from the row)."""
    for row in rows:
        row.issue_title = issue_title_for(user, row.issue)
    return rows


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_for(user, pk) -> Notification | None:
    """One of `user`'s notifications (None for someone else's: they answer alike)."""
    return Notification.objects.select_related("issue").filter(recipient=user, pk=pk).first()


@dataclass(frozen=True)
class WatchState:
    watching: bool
    automatic: bool  # requester or assignee: watching unless they said otherwise


def watch_state(user, issue) -> WatchState:
    """Whether `user` follows `issue`: one query."""
    row = Watch.objects.filter(user=user, issue=issue).values_list("watching", flat=True).first()
    automatic = user.pk in (issue.requester_id, issue.assignee_id)
    return WatchState(watching=row if row is not None else automatic, automatic=automatic)


def preferences_for(user) -> tuple[list[str], bool]:
    """(kinds e-mailed, daily digest): the defaults until the person saves their own."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return (pref.email_kinds, pref.daily_digest) if pref else (list(DEFAULT_EMAIL_KINDS), False)


def digest_recipient_ids() -> list[int]:
    """People who chose the daily digest and have an e-mail waiting for it."""
    chosen = NotificationPreference.objects.filter(daily_digest=True).values("user_id")
    return list(
        Notification.objects.filter(recipient_id__in=chosen, wants_email=True, emailed_at__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
