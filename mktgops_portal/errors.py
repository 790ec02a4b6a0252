"""The portal's one error model: every refusal carries a message for people and a stable `code` for code.

Services raise these; views, forms, serializers, the admin, tasks and commands translate them, never re-decide.
The API answers `{"detail": message, "code": code}` with `status` (see `mktgops_portal.api_errors`); forms put
the message on the form; pages show the portal's 403/404 pages.

Each app keeps its codes in a `StrEnum` next to its services (`requests_app.errors.IssueErrorCode`, ...), so a
code is written once and a test can name it.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    """Codes shared by every app; apps add their own enums for finer ones."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"


class PortalError(Exception):
    """A refusal: `message` says why and what would make it allowed; `code` is stable; `status` the HTTP status.

    Raised with a message and, optionally, a finer code: `Conflict("…", code=IssueErrorCode.STAGE_CHANGED)`.
    """

    status: int = 400
    default_code: str = ErrorCode.INVALID

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = str(code or self.default_code)

    def as_dict(self) -> dict[str, str]:
        """The API body: {"detail": message, "code": code}."""
        return {"detail": self.message, "code": self.code}


class Invalid(PortalError):
    """The input is wrong (400)."""

    status = 400
    default_code = ErrorCode.INVALID


class NotFound(PortalError):
    """Missing, or hidden from this user: both answer alike so existence never leaks (404)."""

    status = 404
    default_code = ErrorCode.NOT_FOUND


class Forbidden(PortalError):
    """The user may see the object but may not do this to it (403)."""

    status = 403
    default_code = ErrorCode.FORBIDDEN


class Conflict(PortalError):
    """The object's state does not allow it now: a guard, a stage changed meanwhile, a closed milestone (409)."""

    status = 409
    default_code: str = ErrorCode.CONFLICT


class Unavailable(PortalError):
    """A service the change needs is down; nothing was changed (503)."""

    status = 503
    default_code = ErrorCode.UNAVAILABLE
