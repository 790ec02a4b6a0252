from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.roles import user_is_mktgops
from labels.services import PRIO_ORDER
from milestones.calendar import working_calendar
from mktgops_portal.errors import PortalError
from requests_app.selectors import issue_get_visible
from sales_systems import selectors, services
from sales_systems.models import FastTrack

TABS = [("", "All open"), ("requested", "Requested"), ("in-queue", "In Queue — call agenda"), ("actioned", "Actioned")]


@login_required
def queue(request):
    step = request.GET.get("step", "")
    rows = selectors.queue_rows(request.user, selectors.systems_queue(step or None))
    return render(
        request,
        "sales_systems/queue.html",
        {
            "rows": rows,
            "step": step,
            "tabs": TABS,
            "fast_tracks": FastTrack.choices,
            "prio_order": PRIO_ORDER,
            "can_work": user_is_mktgops(request.user),
            "working_calendar_places": working_calendar().places_label,
        },
    )


def _issue_or_404(request, pk):
    issue = issue_get_visible(request.user, pk)
    if issue is None:
        raise Http404("No such issue.")
    if not user_is_mktgops(request.user):
        raise PermissionDenied("Only MktgOps team members work the Sales Systems queue.")
    return issue


def _back(request):
    """Back to the queue tab the form was posted from; a `next` pointing anywhere else is ignored."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("sales-systems")


@login_required
@require_POST
def advance(request, pk):
    issue = _issue_or_404(request, pk)
    try:
        services.systems_request_advance(issue=issue, to=request.POST.get("to", ""), by=request.user)
        messages.success(request, f"#{issue.pk} is now {request.POST.get('to')}.")
    except PortalError as exc:
        messages.error(request, str(exc))
    return _back(request)


@login_required
@require_POST
def fast_track(request, pk):
    issue = _issue_or_404(request, pk)
    try:
        services.systems_request_set_fast_track(
            issue=issue, fast_track=request.POST.get("fast_track", ""), by=request.user
        )
        messages.success(request, f"Fast-track kind of #{issue.pk} saved.")
    except PortalError as exc:
        messages.error(request, str(exc))
    return _back(request)
