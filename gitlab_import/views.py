"""The managers' import page: start a run, then watch it (the progress partial is polled with htmx)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from accounts.roles import user_is_manager
from gitlab_import import selectors, services
from gitlab_import.forms import ImportForm
from gitlab_import.services import summary_table
from mktgops_portal.errors import Forbidden, PortalError


def _managers_only(request) -> None:
    if not user_is_manager(request.user):
        # The page exists for managers only; others get the portal's 403 page.
        raise Forbidden("Only MktgOps managers import from GitLab.")


@login_required
def import_index(request):
    try:
        _managers_only(request)
    except Forbidden as exc:
        return render(request, "gitlab_import/forbidden.html", {"message": exc.message}, status=403)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.import_run_create(
                by=request.user,
                kind=data["kind"],
                upload=data.get("export_file"),
                url=data.get("url") or "",
                project=data.get("project") or "",
                since=data.get("since"),
                dry_run=data["dry_run"],
                label_map=data["label_map"],
            )
        except PortalError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("gitlab-import-run", pk=run.pk)
    status = 400 if request.method == "POST" else 200
    runs = selectors.import_runs_for(request.user)
    return render(request, "gitlab_import/import_index.html", {"form": form, "runs": runs}, status=status)


@login_required
def import_run_detail(request, pk: int):
    run = selectors.import_run_get_for(request.user, pk)
    if run is None:
        if not user_is_manager(request.user):
            return render(
                request,
                "gitlab_import/forbidden.html",
                {"message": "Only MktgOps managers import from GitLab."},
                status=403,
            )
        raise Http404("No such import run.")
    context = {"run": run, "table": summary_table(run.summary) if run.summary else ""}
    if request.htmx:
        return render(request, "gitlab_import/_run_progress.html", context)
    return render(request, "gitlab_import/import_run.html", context)
