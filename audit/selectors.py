"""Reading the audit log."""

from django.db.models import QuerySet

from accounts.roles import user_is_manager
from audit.models import AuditEvent


def audit_log_can_read(user) -> bool:
    """MktgOps managers (and superusers) read the audit log; nobody else (issue 12)."""
    return bool(getattr(user, "is_authenticated", False)) and user_is_manager(user)


def audit_events(*, kind: str = "", username: str = "") -> QuerySet[AuditEvent]:
    """Newest first, optionally of one kind or one username; the acting user fetched in the same query."""
    events = AuditEvent.objects.select_related("user")
    if kind:
        events = events.filter(kind=kind)
    if username:
        events = events.filter(username__iexact=username)
    return events
