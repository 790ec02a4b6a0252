from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from requests_app import selectors, services
from requests_app.models import Epic


@login_required
def epic_index(request):
    return render(request, "requests_app/epic_list.html", {"epics": selectors.epic_list()})


@login_required
def epic_detail(request, pk):
    epic = get_object_or_404(Epic.objects.select_related("created_by"), pk=pk)
    return render(
        request, "requests_app/epic_detail.html", {"epic": epic, **selectors.epic_progress(request.user, epic)}
    )


@login_required
@require_POST
def issue_promote(request, pk):
    issue = selectors.issue_get_for_user(request.user, pk)
    if issue is None:
        raise Http404("No such issue.")
    try:
        epic = services.issue_promote_to_epic(issue=issue, by=request.user)
    except services.IssueError as exc:
        messages.error(request, str(exc))
        return redirect(issue.get_absolute_url())
    messages.success(request, f"#{issue.pk} was promoted to an epic; the issue is linked to it.")
    return redirect(epic.get_absolute_url())
