"""Thin tasks: ids in, a service call out."""

from celery import shared_task


@shared_task
def notification_emails_task(notification_ids: list[int]) -> int:
    from notifications.services import notification_email_send

    return sum(notification_email_send(notification_id=pk) for pk in notification_ids)


@shared_task
def notifications_digest_task() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): one digest per person who chose it and has something pending."""
    from notifications.selectors import digest_recipient_ids
    from notifications.services import notifications_digest_send

    return sum(notifications_digest_send(user_id=uid) for uid in digest_recipient_ids())


@shared_task
def rollover_notify_task(issue_ids: list[int], by_id: int | None, from_title: str, to_title: str) -> int:
    from notifications.receivers import rollover_notify

    return rollover_notify(issue_ids=issue_ids, by_id=by_id, from_title=from_title, to_title=to_title)
