"""Import runs and the keys that make a second run update instead of duplicating.

An issue is known by (source, project, iid): `source` is the GitLab instance's host (gitlab.com, or the
export's `--instance`), `project` its full path. Everything imported under an issue (notes, label and
milestone events) is keyed by the source's own id, so a re-run adds only what is new.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from requests_app.models import private_storage


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    DONE_WITH_SKIPS = "skipped", "Done, with skipped input"
    FAILED = "failed", "Failed"


class SourceKind(models.TextChoices):
    EXPORT = "export", "Export file"
    API = "api", "GitLab API"


class ImportRun(models.Model):
    """One run of the importer (page, task or command): what it read, how far it got, what it decided."""

    kind = models.CharField(max_length=8, choices=SourceKind.choices)
    # The export file, in private storage (it holds confidential issues); blank for the API.
    file = models.FileField(storage=private_storage, upload_to="gitlab-imports/", max_length=255, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    url = models.URLField(blank=True)
    instance = models.CharField(max_length=255, blank=True)
    project = models.CharField(max_length=255, blank=True)
    since = models.DateField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    # {"source label": "portal label"}: older stage spellings and renamed labels, on top of the defaults.
    label_map = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    # The summary: {"counts": {"issues": {"created": n, ...}, ...}, "decisions": [...], "skipped": [...]}.
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"GitLab import #{self.pk} ({self.get_kind_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.DONE_WITH_SKIPS, RunStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.processed / self.total))


class ImportedIssue(models.Model):
    """The key mapping: GitLab's (source, project, iid) → the portal's issue."""

    source = models.CharField(max_length=255)
    project = models.CharField(max_length=255)
    iid = models.PositiveIntegerField()
    issue = models.OneToOneField("requests_app.Issue", on_delete=models.CASCADE, related_name="gitlab_import")
    # sha256 of the source record as last imported (with the label map): an unchanged issue is skipped whole.
    digest = models.CharField(max_length=64, blank=True)
    web_url = models.URLField(max_length=500, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "project", "iid"], name="imported_issue_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.project}#{self.iid} → #{self.issue_id}"


class RecordKind(models.TextChoices):
    NOTE = "note", "Note"
    SYSTEM_NOTE = "system_note", "System note"
    LABEL_EVENT = "label_event", "Label event"
    ASSIGNEES = "assignees", "Other assignees"


class ImportedRecord(models.Model):
    """One thing imported under an issue (a note, an event), by the source's own id: imported once."""

    imported_issue = models.ForeignKey(ImportedIssue, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    external_id = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["imported_issue", "kind", "external_id"], name="imported_record_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.imported_issue} {self.kind} {self.external_id}"
