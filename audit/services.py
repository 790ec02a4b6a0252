"""Writing the audit log: one function, called by the apps above (issues, exports, downloads) and by the
sign-in signals. It writes in the caller's transaction, so a change and its audit row commit together."""

import ipaddress

from audit.context import current_ip
from audit.models import AuditEvent, AuditKind


def _valid_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


def audit_record(
    *,
    kind: AuditKind | str,
    user=None,
    username: str = "",
    ip: str | None = None,
    target_type: str = "",
    target_id: int | str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Record one event. `user`: who acted (None for a failed sign-in; then `username` is the name typed).
    `ip`: the client address, by default the current request's (None outside a request). `data`: JSON values
    (ids, booleans, short strings), never whole texts. Raises ValueError for an unknown `kind`."""
    if kind not in AuditKind.values:
        raise ValueError(f"Unknown audit kind {kind!r}.")
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return AuditEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or (user.get_username() if user else ""))[:150],
        ip=_valid_ip(ip if ip is not None else current_ip.get()),
        target_type=target_type,
        target_id=str(target_id)[:64],
        data=data or {},
    )
