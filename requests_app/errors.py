"""Issue refusals: each a `mktgops_portal.errors.PortalError` with a status and a stable code from `IssueErrorCode`.

Status and code are set on each class (not inherited through the mixins' order), so `exc.status` and `exc.code`
are what a caller answers with: the API handler, the board's JSON, the issue page and the admin alike.
"""

from enum import StrEnum

from mktgops_portal.errors import PortalError


class IssueErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "issue_not_found"
    FORBIDDEN = "forbidden"
    MOVE_NOT_IN_WORKFLOW = "move_not_in_workflow"
    MOVE_GUARD_FAILED = "move_guard_failed"
    STAGE_CHANGED = "stage_changed"
    ISSUE_CLOSED = "issue_closed"
    MILESTONE_CLOSED = "milestone_closed"
    MILESTONE_ENDED = "milestone_ended"
    MILESTONE_NOT_CURRENT = "milestone_not_current"
    SIGN_OFF_NOT_OWNER = "sign_off_not_owner"
    SIGN_OFF_WRONG_STAGE = "sign_off_wrong_stage"
    ALREADY_SIGNED_OFF = "already_signed_off"
    STAYS_CONFIDENTIAL = "stays_confidential"
    STATE_CONFLICT = "state_conflict"
    REASSIGN_FORBIDDEN = "reassign_forbidden"
    NOT_ASSIGNABLE = "not_assignable"
    TOO_LONG = "too_long"


NOT_FOUND = "No issue with this id is visible to you."


class IssueError(PortalError):
    """A change the rules refuse (400 unless a subclass says otherwise). The message says why and what would
    make it allowed."""

    status = 400
    default_code = IssueErrorCode.INVALID


class IssueNotFound(IssueError):
    """Missing, or hidden from the user (the two answer alike): 404."""

    status = 404
    default_code = IssueErrorCode.NOT_FOUND

    def __init__(self, message: str = NOT_FOUND, *, code: str | None = None) -> None:
        super().__init__(message, code=code)


class IssueForbidden(IssueError):
    """The user sees the issue but may not do this to it: 403."""

    status = 403
    default_code = IssueErrorCode.FORBIDDEN


class IssueConflict(IssueError):
    """The issue's or its milestone's state does not allow it now: 409."""

    status = 409
    default_code = IssueErrorCode.STATE_CONFLICT


class IssueMoveRefused(IssueConflict):
    """The move is not allowed from here, or a guard does not hold: 409."""

    default_code = IssueErrorCode.MOVE_GUARD_FAILED


class IssueMoveForbidden(IssueMoveRefused):
    """The user may not make this move: 403."""

    status = 403
    default_code = IssueErrorCode.FORBIDDEN


class IssueMoveConflict(IssueMoveRefused):
    """Someone else moved the issue first: 409 with its current stage."""

    default_code = IssueErrorCode.STAGE_CHANGED


class CollabErrorCode(StrEnum):
    """Working together on a request (issue 13): edits, attachments, links, needed-by dates. Raised with the
    portal's error classes: `Invalid(msg, code=CollabErrorCode.PAST_DATE)`."""

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
