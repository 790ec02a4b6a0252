"""The client address of the request being served, so services record where a change came from without
taking the request as a parameter. Set by `audit.middleware.AuditContextMiddleware`; None outside requests
(tasks, commands)."""

from contextvars import ContextVar

from django.conf import settings

current_ip: ContextVar[str | None] = ContextVar("audit_current_ip", default=None)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the first X-Forwarded-For hop when AUDIT_TRUST_X_FORWARDED_FOR is
    set (only behind a proxy that overwrites the header; otherwise a client could write any address)."""
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45] or None
    return request.META.get("REMOTE_ADDR") or None
