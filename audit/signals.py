"""Sign-ins, failed sign-ins, sign-outs and lockouts go to the audit log (the auth and django-axes signals)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.context import client_ip
from audit.models import AuditKind
from audit.services import audit_record


def _ip(request):
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender, request, user, **kwargs):
    audit_record(kind=AuditKind.SIGN_IN, user=user, ip=_ip(request), data={"path": getattr(request, "path", "")})


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(kind=AuditKind.SIGN_OUT, user=user, ip=_ip(request))


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django passes the credentials with the password already masked; only the name is kept.
    audit_record(
        kind=AuditKind.SIGN_IN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        ip=_ip(request),
        data={"path": getattr(request, "path", "")},
    )


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(kind=AuditKind.LOCKED_OUT, username=str(username or "")[:150], ip=ip_address or _ip(request))
