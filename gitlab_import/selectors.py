"""Reads: import runs for the managers' page."""

from django.db.models import QuerySet

from accounts.roles import user_is_manager
from gitlab_import.models import ImportRun


def import_runs_for(user, limit: int = 20) -> QuerySet[ImportRun]:
    """The latest runs, newest first (managers only; nobody else sees any)."""
    if not user_is_manager(user):
        return ImportRun.objects.none()
    return ImportRun.objects.select_related("created_by").order_by("-created_at", "-pk")[:limit]


def import_run_get_for(user, pk) -> ImportRun | None:
    if not user_is_manager(user):
        return None
    return ImportRun.objects.select_related("created_by").filter(pk=pk).first()
