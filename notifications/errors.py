"""Stable codes for the notifications app's refusals."""

from enum import StrEnum


class NotificationErrorCode(StrEnum):
    BAD_IDS = "notification_ids"
    UNKNOWN_KIND = "notification_kind"
