"""Stable codes for the refusals of working together on a request (issue 13): edits, attachments, links, dates.

Raised with the portal's error classes (`mktgops_portal.errors`): `Invalid(msg, code=CollabErrorCode.PAST_DATE)`.
"""

from enum import StrEnum


class CollabErrorCode(StrEnum):
    EDIT_NOT_ALLOWED = "edit_not_allowed"
    CONFIDENTIAL_ONLY_ON = "confidential_only_on"
    PAST_DATE = "needed_by_in_past"
    EMPTY_TITLE = "empty_title"
    FILE_TYPE = "attachment_type"
    FILE_TOO_LARGE = "attachment_too_large"
    TOO_MANY_FILES = "attachment_too_many"
    IMAGE_BROKEN = "attachment_image_broken"
    LINK_NOT_ALLOWED = "link_not_allowed"
    LINK_SELF = "link_self"
    LINK_EXISTS = "link_exists"
    LINK_KIND = "link_kind"
    ALREADY_CLOSED = "already_closed"
