from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from audit import selectors
from audit.models import AuditKind

PAGE_SIZE = 100


@login_required
def audit_log(request):
    """Managers only: the audit log, newest first, 100 a page, filtered by kind or username."""
    if not selectors.audit_log_can_read(request.user):
        raise PermissionDenied("Only MktgOps managers read the audit log.")
    kind = request.GET.get("kind", "")
    kind = kind if kind in AuditKind.values else ""
    username = request.GET.get("username", "")[:150]
    page = Paginator(selectors.audit_events(kind=kind, username=username), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/audit_log.html",
        {"page": page, "kind": kind, "username": username, "kinds": AuditKind.choices},
    )
