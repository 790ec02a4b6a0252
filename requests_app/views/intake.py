"""Filing a request: the chooser of request types, then one form per type."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from mktgops_portal.errors import PortalError
from requests_app import services
from requests_app.forms import REQUEST_KINDS, REQUEST_KINDS_BY_SLUG


@login_required
def request_chooser(request):
    return render(request, "requests_app/request_chooser.html", {"kinds": REQUEST_KINDS})


@login_required
def request_new(request, kind):
    kind = REQUEST_KINDS_BY_SLUG.get(kind)
    if kind is None:
        raise Http404("No such request type.")
    form = kind.form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.request_submit(
                requester=request.user,
                request_type=kind.request_type,
                title=form.cleaned_data["title"],
                description=form.description(),
                confidential=form.cleaned_data.get("confidential", False),
                labels=form.labels(),
                attachment=form.attachment(),
                attachment_rows=form.check.row_count if getattr(form, "check", None) else 0,
            )
        except PortalError as exc:
            form.add_error(None, forms.ValidationError(exc.message, code=exc.code))
        else:
            messages.success(
                request,
                f"Request #{issue.pk} is filed. MktgOps triages new requests and will comment here if they need "
                "anything; you'll get an e-mail when they do.",
            )
            return redirect(issue)
    return render(request, "requests_app/request_form.html", {"kind": kind, "form": form, "kinds": REQUEST_KINDS})
