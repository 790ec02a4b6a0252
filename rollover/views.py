import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import user_is_manager, user_is_mktgops
from milestones import services as planning
from milestones.models import Milestone, MilestoneState
from mktgops_portal.errors import PortalError
from mktgops_portal.spreadsheet import spreadsheet_text
from requests_app.models import Stage
from requests_app.policy import issue_permissions
from requests_app.selectors import issue_get_for_user, issues_unfinished_in
from requests_app.services import issue_update
from rollover import selectors, services
from rollover.forms import HandbookMRForm, MilestoneCloseForm, MilestoneReopenForm, RolloverReasonForm
from rollover.models import RolloverStatus


def _milestone_or_404(pk) -> Milestone:
    milestone = selectors.milestone_get(pk)
    if milestone is None:
        raise Http404("No such milestone.")
    return milestone


def _rollover_of(milestone):
    return milestone.rollover_or_none


@login_required
def milestone_index(request):
    planning.milestones_catch_up()  # states follow the calendar even when the beat has not run yet
    chart = selectors.milestone_chart()
    return render(
        request,
        "milestones/milestone_list.html",
        {"milestones": selectors.milestone_list_for(request.user), "chart": chart, "chart_svg": _chart_geometry(chart)},
    )


def _chart_geometry(points) -> dict:
    """Bar and line coordinates for the server-rendered SVG chart (no JavaScript, no CDN).

    Bars count issues (the right-hand axis); the line is the carry-over rate (the left-hand axis, 0–100 %), with a
    point only where the rate is known: the line breaks at a milestone not rolled over yet.
    """
    width, height, left, right, top, bottom = 640, 250, 44, 44, 30, 56
    base = height - bottom
    peak = max([p.completed + p.rolled_over for p in points] + [1])
    scale = (base - top) / peak
    slot = (width - left - right) / max(len(points), 1)
    bar = slot * 0.5
    segment: list[tuple[float, float]]
    bars, segments, segment = [], [], []
    for i, p in enumerate(points):
        x = left + i * slot + (slot - bar) / 2
        done_h, rolled_h = p.completed * scale, p.rolled_over * scale
        rate = p.carry_over_rate
        bars.append({
            "x": round(x, 1), "w": round(bar, 1), "point": p,
            "done_y": round(base - done_h, 1), "done_h": round(done_h, 1),
            "rolled_y": round(base - done_h - rolled_h, 1), "rolled_h": round(rolled_h, 1),
            "label_x": round(x + bar / 2, 1), "rate_pct": None if rate is None else round(rate * 100),
        })  # fmt: skip
        if rate is None:
            segment = []
            continue
        if not segment:
            segments.append(segment)
        segment.append((round(x + bar / 2, 1), round(top + (base - top) * (1 - rate), 1)))
    return {
        "width": width, "height": height, "left": left, "right": width - right, "top": top, "base": base,
        "middle": round((top + base) / 2, 1), "peak": peak, "bars": bars,
        "lines": [" ".join(f"{x},{y}" for x, y in s) for s in segments if len(s) > 1],
        "dots": [point for s in segments for point in s],
    }  # fmt: skip


def _detail_context(request, milestone, handbook_form=None, reopen_form=None):
    rollover = _rollover_of(milestone)
    ended = services.milestone_has_ended(milestone)
    issues = list(selectors.milestone_issues_for(request.user, milestone))
    blockers = planning.milestone_close_blockers(milestone)
    return {
        "milestone": milestone,
        "next_step": selectors.milestone_next_step(milestone),
        "events": selectors.milestone_events(milestone),
        "close_blockers": [message for _, message in blockers],
        "can_close": user_is_manager(request.user) and not blockers,
        "can_reopen": user_is_manager(request.user) and milestone.state == MilestoneState.CLOSED,
        "reopen_form": reopen_form or MilestoneReopenForm(),
        "issues": issues,
        "open_issues": [i for i in issues if i.is_open and i.stage != Stage.COMPLETED],
        "rollover": rollover,
        "progress": selectors.rollover_progress(rollover) if rollover else None,
        "ended": ended,
        "can_roll_over": user_is_manager(request.user) and ended and not (rollover and rollover.is_done),
        "can_give_reasons": user_is_mktgops(request.user) and not (rollover and rollover.moved_at),
        "is_resume": bool(rollover and rollover.status != RolloverStatus.PENDING),
        "handbook_form": handbook_form
        or HandbookMRForm(
            initial={"handbook_mr_url": milestone.handbook_mr_url, "handbook_mr_merged": milestone.handbook_mr_merged}
        ),
    }


@login_required
def milestone_detail(request, pk):
    planning.milestones_catch_up()
    milestone = _milestone_or_404(pk)
    return render(request, "milestones/milestone_detail.html", _detail_context(request, milestone))


def _require_manager(request):
    if not user_is_manager(request.user):
        raise PermissionDenied("Only MktgOps managers can do this.")


@login_required
@require_POST
def milestone_rollover_start(request, pk):
    _require_manager(request)
    milestone = _milestone_or_404(pk)
    try:
        rollover = services.rollover_request(milestone=milestone, by=request.user)
    except PortalError as exc:
        messages.error(request, exc.message)
        return redirect("milestone-detail", pk=pk)
    if rollover.status == RolloverStatus.DONE:
        moved = f"{rollover.moved_count} issues moved to {rollover.to_milestone}"
        messages.success(request, f"{milestone.title} is rolled over: {moved}.")
    elif rollover.status == RolloverStatus.FAILED or rollover.last_error:
        messages.error(request, f"The rollover stopped: {rollover.last_error}")
    else:
        messages.info(request, f"The rollover of {milestone.title} is queued; this page shows its progress.")
    return redirect("milestone-detail", pk=pk)


@login_required
@require_POST
def milestone_handbook_mr(request, pk):
    _require_manager(request)
    milestone = _milestone_or_404(pk)
    form = HandbookMRForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, milestone, handbook_form=form)
        return render(request, "milestones/milestone_detail.html", context, status=400)
    planning.milestone_record_handbook_mr(
        milestone=milestone, url=form.cleaned_data["handbook_mr_url"], merged=form.cleaned_data["handbook_mr_merged"]
    )
    messages.success(request, "Handbook merge request recorded.")
    return redirect("milestone-detail", pk=pk)


@login_required
def milestone_close_view(request, pk):
    """GET: the confirmation page (what closing does, or why it cannot close yet); POST with `confirm`: close."""
    _require_manager(request)
    milestone = _milestone_or_404(pk)
    form = MilestoneCloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            planning.milestone_close(milestone=milestone, by=request.user)
        except PortalError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{milestone.title} is closed.")
        return redirect("milestone-detail", pk=pk)
    context = {
        "milestone": milestone,
        "form": form,
        "blockers": [message for _, message in planning.milestone_close_blockers(milestone)],
        "open_count": issues_unfinished_in(milestone).count(),
    }
    return render(
        request, "milestones/milestone_close_confirm.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def milestone_reopen_view(request, pk):
    _require_manager(request)
    milestone = _milestone_or_404(pk)
    form = MilestoneReopenForm(request.POST)
    if form.is_valid():
        try:
            planning.milestone_reopen(milestone=milestone, by=request.user, reason=form.cleaned_data["reason"])
        except PortalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{milestone.title} is reopened.")
            return redirect("milestone-detail", pk=pk)
    context = _detail_context(request, milestone, reopen_form=form)
    return render(request, "milestones/milestone_detail.html", context, status=400)


@login_required
@require_POST
def issue_rollover_reason(request, pk, issue_pk):
    milestone = _milestone_or_404(pk)
    issue = issue_get_for_user(request.user, issue_pk)
    if issue is None or issue.milestone_id != milestone.pk:
        raise Http404("No such issue in this milestone.")
    if not issue_permissions(request.user, issue).can_triage:
        raise PermissionDenied("Only MktgOps team members give rollover reasons.")
    form = RolloverReasonForm(request.POST)
    if form.is_valid():
        try:
            issue_update(issue=issue, by=request.user, rollover_reason=form.cleaned_data["rollover_reason"])
        except PortalError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Rollover reason for #{issue.pk} saved.")
    else:
        messages.error(request, " ".join(form.errors.get("rollover_reason", [])))
    return redirect(f"/milestones/{milestone.pk}/#issue-{issue.pk}")


@login_required
def milestone_report(request, pk):
    milestone = _milestone_or_404(pk)
    report = selectors.milestone_report(request.user, milestone)
    return render(request, "milestones/milestone_report.html", {"milestone": milestone, "report": report})


REPORT_CSV_COLUMNS = [
    "issue", "title", "came_in", "outcome", "assignee", "stage", "reason", "reason_by", "times_rolled_over",
    "chronic", "entered_at", "left_at", "url",
]  # fmt: skip


@login_required
def milestone_report_csv(request, pk):
    milestone = _milestone_or_404(pk)
    report = selectors.milestone_report(request.user, milestone)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="milestone-report-{milestone.start_date:%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(REPORT_CSV_COLUMNS)
    for row in report.rows:
        m = row.membership
        writer.writerow(
            [
                row.issue.pk,
                spreadsheet_text(row.title),
                row.came_in,
                row.outcome,
                spreadsheet_text(row.assignee.get_username()) if row.assignee else "",
                Stage(row.issue.stage).label,
                spreadsheet_text(row.reason) if row.visible else ("(hidden)" if row.reason else ""),
                spreadsheet_text(row.reason_by.get_username()) if row.reason_by else "",
                row.times_rolled,
                "yes" if row.chronic else "",
                m.entered_at.isoformat(),
                m.left_at.isoformat() if m.left_at else "",
                row.issue.web_url if row.visible else "",
            ]
        )
    return response
