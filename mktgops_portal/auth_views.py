"""Sign-in pages: Django's own views, with the portal's templates, links built from SITE_URL (not the request's
Host header), and each request for a reset written to the audit log."""

from django.conf import settings
from django.contrib.auth import views as auth_views

from audit.models import AuditKind
from audit.services import audit_record


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.html"

    @property
    def extra_email_context(self):
        return {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        # The typed address, not whether an account has it: the page answers alike either way.
        audit_record(kind=AuditKind.PASSWORD_RESET_REQUESTED, data={"email": form.cleaned_data["email"][:254]})
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(kind=AuditKind.PASSWORD_CHANGED, user=form.user)
        return response
