"""Filing a request: the chooser of request types, then one form per type."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from mktgops_portal.errors import PortalError
from requests_app import list_import, services
from requests_app.forms import REQUEST_KINDS, REQUEST_KINDS_BY_SLUG, ListImportCheckForm


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


@login_required
@require_POST
def list_import_check(request):
    """HTMX: the list-import file checked as soon as it is chosen, before filing: the report partial."""
    if "csv_file" not in request.FILES:  # the Initial Source changed before a file was chosen: nothing to check yet
        return render(request, "requests_app/_csv_report.html", {"check": None})
    form = ListImportCheckForm(request.POST, request.FILES)
    form.is_valid()  # row problems are on form.check; an oversized file is a field error
    return render(request, "requests_app/_csv_report.html", {"check": form.check, "check_form": form, "partial": True})


@login_required
@require_POST
def list_import_fixed(request):
    """The checked file back as a "fixed" CSV (normalised values, a Problems column) to correct and re-upload."""
    form = ListImportCheckForm(request.POST, request.FILES)
    if not form.is_valid() or form.check.file_error:
        # Sent from the request form's button: show that form again with what is wrong, all other input kept.
        kind = REQUEST_KINDS_BY_SLUG["list-import"]
        full = kind.form_class(request.POST, request.FILES)
        full.is_valid()
        context = {"kind": kind, "form": full, "kinds": REQUEST_KINDS}
        return render(request, "requests_app/request_form.html", context, status=400)
    name = form.cleaned_data["csv_file"].name.rsplit(".", 1)[0] or "list"
    response = HttpResponse(list_import.fixed_csv(form.check), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(name) or "list"}-fixed.csv"'
    return response
