"""The board: stage columns, drag-and-drop moves through the stage FSM, "load more" per column."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import user_is_mktgops
from labels.selectors import labels_attachable
from milestones.selectors import milestone_current, milestone_list
from mktgops_portal.errors import PortalError
from requests_app import policy, selectors, services
from requests_app.models import RequestType, Stage
from requests_app.selectors import BoardFilters

PRIORITIES = ["High", "Medium", "Low"]
LANES_ASSIGNEE = "assignee"
# An id from the URL: at most 18 ASCII digits, so it always fits a 64-bit database integer.
ID_PATTERN = r"[0-9]{1,18}"


class BoardFilterForm(forms.Form):
    """The board's URL: every filter is optional; anything malformed is ignored rather than fatal."""

    milestone = forms.RegexField(regex=rf"^(current|any|none|{ID_PATTERN})$", required=False)
    assignee = forms.CharField(max_length=150, required=False)
    label = forms.CharField(max_length=120, required=False)
    priority = forms.ChoiceField(choices=[("", "")] + [(p, p) for p in PRIORITIES], required=False)
    request_type = forms.ChoiceField(choices=[("", ""), *RequestType.choices], required=False)
    q = forms.CharField(max_length=200, required=False)
    lanes = forms.ChoiceField(choices=[("", ""), (LANES_ASSIGNEE, LANES_ASSIGNEE)], required=False)
    due = forms.ChoiceField(choices=[("", ""), *selectors.DUE_CHOICES], required=False)


def _filters(request) -> BoardFilters:
    if not request.GET:
        return BoardFilters()  # what the form reads from no filters at all, without building it (every move)
    form = BoardFilterForm(request.GET)
    form.is_valid()
    data = {name: form.cleaned_data.get(name) or "" for name in form.fields}
    return BoardFilters(
        milestone=data["milestone"] or "current",
        assignee=data["assignee"].strip(),
        label=data["label"].strip(),
        priority=data["priority"],
        request_type=data["request_type"],
        q=data["q"].strip(),
        lanes=data["lanes"] == LANES_ASSIGNEE,
        due=data["due"],
    )


def _filter_query(filters: BoardFilters) -> str:
    """The filters as a query string (defaults left out) for "load more" and move requests."""
    params = {
        "milestone": "" if filters.milestone == "current" else filters.milestone,
        "assignee": filters.assignee,
        "label": filters.label,
        "priority": filters.priority,
        "request_type": filters.request_type,
        "q": filters.q,
        "lanes": LANES_ASSIGNEE if filters.lanes else "",
        "due": filters.due,
    }
    return urlencode({k: v for k, v in params.items() if v})


def _prepare_cards(cards, user) -> None:
    """What each card offers, asked of the policy: its "Move to…" menu, `data-targets` (where a drag may drop)
    and `data-needs` (what the board asks before the move: `01:question 07:reason 06:sign_off`)."""
    # URLs are reversed once per page, not twice per card: a full board renders a couple of hundred cards.
    detail_url = reverse("issue-detail", args=[0]).replace("/0/", "/{}/")
    move_url = reverse("board-move", args=[0]).replace("/0/", "/{}/")
    for card, options in zip(cards, policy.issue_move_options_many(user, cards), strict=True):
        card.move_targets = [(option.to_stage, option.label) for option in options]
        card.move_target_codes = " ".join(option.to_stage for option in options)
        card.move_needs = " ".join(f"{option.to_stage}:{option.needs}" for option in options if option.needs)
        card.detail_url = detail_url.format(card.pk)
        card.move_url = move_url.format(card.pk)


def _cards_html(request, cards, *, filter_query: str, can_move: bool) -> str:
    """The cards' markup (templates/jinja2/board/_cards.html), safe to put in a Django template."""
    # One CSRF token per page: each read of the lazy `csrf_token` masks it afresh (a few hundred cards carry it).
    if not hasattr(request, "_board_csrf_token"):
        request._board_csrf_token = get_token(request)
    html = render_to_string(
        "board/_cards.html",
        {"cards": cards, "can_move": can_move, "filter_query": filter_query, "token": request._board_csrf_token},
        request=request,
        using="jinja2",
    )
    return mark_safe(html)  # noqa: S308 - Jinja2 autoescaped every value in it


@login_required
@require_GET
def board(request):
    filters = _filters(request)
    current = milestone_current()
    board = selectors.board_columns(request.user, filters, current_milestone=current)
    can_move = user_is_mktgops(request.user)
    filter_query = _filter_query(filters)
    for lane in board.lanes:
        for column in lane.columns:
            _prepare_cards(column.cards, request.user)
            column.cards_html = _cards_html(request, column.cards, filter_query=filter_query, can_move=can_move)
    return render(
        request,
        "board/board.html",
        {
            "board": board,
            "filters": filters,
            "filter_query": filter_query,
            "current_milestone": current,
            "milestones": milestone_list()[:12],
            "members": selectors.mktgops_members(),
            "labels": labels_attachable(),
            "priorities": PRIORITIES,
            "request_types": RequestType.choices,
            "due_choices": selectors.DUE_CHOICES,
            "totals": [(stage, board.totals[stage.value]) for stage in Stage],
            "can_move": can_move,
        },
    )


@login_required
@require_GET
def board_column(request, stage):
    """The next page of one column (htmx "Load more"): its cards and the button that loads the page after."""
    if stage not in Stage.values:
        return HttpResponseBadRequest("Unknown stage.")
    filters = _filters(request)
    lane = request.GET.get("lane", "all")
    if lane not in ("all", selectors.UNASSIGNED_LANE) and not re.fullmatch(ID_PATTERN, lane):
        return HttpResponseBadRequest("Unknown lane.")
    after = request.GET.get("after", "")
    cards, has_more = selectors.board_column_page(
        request.user,
        filters,
        stage=stage,
        lane=lane,
        after_id=int(after) if re.fullmatch(ID_PATTERN, after) else None,
        current_milestone=milestone_current(),
    )
    _prepare_cards(cards, request.user)
    filter_query = _filter_query(filters)
    return render(
        request,
        "board/_column_page.html",
        {
            "cards": cards,
            "cards_html": _cards_html(
                request, cards, filter_query=filter_query, can_move=user_is_mktgops(request.user)
            ),
            "column": {"stage": stage, "lane": lane, "has_more": has_more},
            "filter_query": filter_query,
        },
    )


class BoardMoveForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)
    # A drop into another swimlane: the lane's assignee id, or "none" for the unassigned lane.
    assignee = forms.RegexField(regex=rf"^({selectors.UNASSIGNED_LANE}|{ID_PATTERN})$", required=False)
    expected_stage = forms.ChoiceField(choices=Stage.choices, required=False)
    after_id = forms.IntegerField(min_value=1, required=False)
    before_id = forms.IntegerField(min_value=1, required=False)
    reason = forms.CharField(max_length=2000, required=False)
    # 05 → 06: the business owner's sign-off, recorded in the same transaction as the move.
    sign_off = forms.BooleanField(required=False)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refuse(request, status: int, detail: str, *, code: str, **extra):
    """The refusal as `{"detail", "code", …}` JSON with `status` for the script, else a message on the board."""
    if _wants_json(request):
        return JsonResponse({"detail": detail, "code": code, **extra}, status=status)
    messages.error(request, detail)
    return redirect(f"{reverse('board')}?{request.GET.urlencode()}")


@login_required
@require_POST
def board_move(request, pk):
    """Move or reorder a card: JSON for the board's script, a redirect with a message without it."""
    form = BoardMoveForm(request.POST)
    if not form.is_valid():
        detail = " ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())
        return _refuse(request, 400, detail, code="invalid")
    data = form.cleaned_data
    lane = data["assignee"]
    reassign = {} if not lane else {"assignee_id": None if lane == selectors.UNASSIGNED_LANE else int(lane)}
    try:
        # A sign-off asked for with 05 -> 06 is recorded by the service in the move's own transaction.
        issue = services.issue_move(
            issue_id=pk,
            to_stage=data["stage"],
            by=request.user,
            reason=data["reason"],
            expected_stage=data["expected_stage"] or None,
            after_id=data["after_id"],
            before_id=data["before_id"],
            sign_off=data["sign_off"],
            **reassign,
        )
    except PortalError as exc:
        extra = {}
        if exc.status == 409:
            # Where the card really is, so the board can put it back there.
            current = selectors.issue_get_visible(request.user, pk)
            extra["stage"] = current.stage if current else None
        return _refuse(request, exc.status, exc.message, code=exc.code, **extra)
    detail = f"#{issue.pk} is now in {issue.stage_label}."
    if reassign:
        name = (issue.assignee.get_full_name() or issue.assignee.get_username()) if issue.assignee else "nobody"
        detail = f"#{issue.pk} is now in {issue.stage_label}, assigned to {name}."
    if not _wants_json(request):
        messages.success(request, detail)
        return redirect(f"{reverse('board')}?{request.GET.urlencode()}")
    # Only what the script needs: the card as the board renders it, built from the moved issue (its labels are
    # one query). The columns' counts are adjusted by the script (-1 where the card left, +1 where it landed).
    card = selectors.board_card_from_issue(issue)
    _prepare_cards([card], request.user)
    html = _cards_html(request, [card], filter_query=_filter_query(_filters(request)), can_move=True)
    return JsonResponse(
        {"id": issue.pk, "stage": issue.stage, "stage_label": issue.stage_label, "detail": detail, "card": html}
    )
