"""The audit log: who did what security-relevant thing, when, from where (ASVS 7.1, 7.2).

A bottom app: it knows nothing of issues. Others call `audit.services.audit_record`; the target is named by
its kind and id (`"issue"`, 42) and details are JSON data (ids, flags), never display text.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditKind(models.TextChoices):
    SIGN_IN = "sign_in", "signed in"
    SIGN_IN_FAILED = "sign_in_failed", "failed to sign in"
    LOCKED_OUT = "locked_out", "was locked out"
    SIGN_OUT = "sign_out", "signed out"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "asked for a password reset"
    PASSWORD_CHANGED = "password_changed", "set a new password"
    CONFIDENTIAL_CHANGED = "confidential_changed", "changed confidentiality"
    EXPORT = "export", "exported"
    ATTACHMENT_DOWNLOADED = "attachment_downloaded", "downloaded an attachment"


class AuditEvent(models.Model):
    kind = models.CharField(max_length=32, choices=AuditKind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name typed (failed sign-ins have no user); kept when the user row is deleted.
    username = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    target_type = models.CharField(max_length=32, blank=True)  # "issue", "attachment", "milestone", …
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "-at"], name="audit_kind_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '—'} {self.get_kind_display()}"
