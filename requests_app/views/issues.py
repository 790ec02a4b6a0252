"""The issue list, the issue page with its actions, attachment downloads and the evaluation checklist."""

from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.db.models.expressions import OrderBy
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts.roles import user_is_mktgops
from audit.models import AuditKind
from audit.services import audit_record
from labels.selectors import label_list
from milestones.selectors import milestone_list
from mktgops_portal.errors import PortalError
from mktgops_portal.uploads import upload_refusal
from requests_app import policy, selectors, services
from requests_app.errors import CollabErrorCode
from requests_app.filters import IssueFilter
from requests_app.forms import (
    CommentForm,
    DuplicateForm,
    IssueEditForm,
    LinkForm,
    MoveForm,
    ReopenForm,
    TriageForm,
    files_read,
)
from requests_app.list_import import list_import_for_download
from requests_app.markdown import markdown_to_html
from requests_app.models import ChecklistItem, RequestType, Stage

PAGE_SIZE = 25
# ?sort= values -> ordering; a leading "-" on the value reverses it.
SORTS = {
    "id": "pk",
    "title": "title",
    "stage": "stage",
    "weight": "weight",
    "created": "created_at",
    "updated": "updated_at",
    "needed_by": "needed_by",
}
DEFAULT_SORT = "-created"


def _ordering(sort: str) -> tuple[str, list[str | OrderBy]]:
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    field = SORTS[key]
    desc = sort.startswith("-")
    if key == "needed_by":
        # Issues without a date come last either way: soonest first is what "sort by due date" means.
        expr = F(field).desc(nulls_last=True) if desc else F(field).asc(nulls_last=True)
        return sort, [expr, "-pk" if desc else "pk"]
    return sort, [f"-{field}" if desc else field, "-pk" if desc else "pk"]


@login_required
def issue_list(request):
    mine = request.GET.get("mine") == "1"
    issues = selectors.issues_with_card_data(policy.issues_visible_to(request.user))
    if mine:
        issues = issues.filter(requester=request.user)
    state = request.GET.get("state", "open")
    if state == "open":
        issues = issues.filter(closed_at__isnull=True)
    elif state == "closed":
        issues = issues.filter(closed_at__isnull=False)
    else:
        state = "all"
    filterset = IssueFilter(request.GET or None, queryset=issues)
    sort, ordering = _ordering(request.GET.get("sort", DEFAULT_SORT))
    page = Paginator(filterset.qs.order_by(*ordering), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "requests_app/issue_list.html",
        {
            "page": page,
            "filterset": filterset,
            "filter_errors": filterset.form.errors if filterset.is_bound and not filterset.form.is_valid() else {},
            "mine": mine,
            "state": state,
            "sort": sort,
            "stages": Stage.choices,
            "request_types": RequestType.choices,
            "due_choices": selectors.DUE_CHOICES,
            "labels": label_list(),
            "milestones": milestone_list(),
            "assignees": selectors.mktgops_members(),
            "selected": {
                "stage": request.GET.getlist("stage"),
                "request_type": request.GET.getlist("request_type"),
                "label": request.GET.getlist("label"),
                "assignee": request.GET.get("assignee", ""),
                "milestone": request.GET.get("milestone", ""),
                "confidential": request.GET.get("confidential", ""),
                "due": request.GET.get("due", ""),
                "q": request.GET.get("q", ""),
            },
        },
    )


def _issue_or_404(user, pk):
    issue = selectors.issue_get_for_user(user, pk)
    if issue is None:
        raise Http404("No issue with this id is visible to you.")
    return issue


def _reopen_form(perms, data=None) -> ReopenForm:
    form = ReopenForm(data)
    if perms.reopen_needs_manager:
        # Closed in a previous milestone: only a manager reopens it, and only with a reason (the handbook's rule).
        field = form.fields["reason"]
        field.required = True
        field.error_messages["required"] = "Give the reason it comes back: it was closed in a previous milestone."
    return form


def _render_detail(
    request, issue, *, bound: dict[str, Any] | None = None, error: str = "", error_action: str = "", status: int = 200
):
    perms = policy.issue_permissions(request.user, issue)
    options = policy.issue_move_options(request.user, issue)
    can_edit = policy.issue_can_edit(request.user, issue)
    can_link = policy.issue_can_link(request.user, issue)
    context = {
        "issue": issue,
        "perms": perms,
        "description_html": markdown_to_html(issue.description),
        "timeline": selectors.issue_timeline(issue, request.user),
        "checklist": list(ChecklistItem.objects.filter(issue=issue).select_related("done_by")),
        "attachments": selectors.issue_files(issue),
        "links": selectors.issue_links_for(request.user, issue),
        "can_edit": can_edit,
        "can_link": can_link,
        "link_form": LinkForm() if can_link else None,
        "duplicate_form": DuplicateForm() if can_link and issue.closed_at is None else None,
        "labels": list(issue.labels.all()),
        "epic": selectors.issue_epic_for_user(request.user, issue),
        "comment_form": CommentForm(),
        "move_form": MoveForm(options=options) if options else None,
        "triage_form": TriageForm(issue=issue) if perms.can_triage else None,
        "reopen_form": _reopen_form(perms) if perms.can_reopen else None,
        "can_tick": perms.can_view and user_is_mktgops(request.user),
        "error": error,
        "error_action": error_action,
        **(bound or {}),
    }
    return render(request, "requests_app/issue_detail.html", context, status=status)


def _edit_form(user, issue, data=None) -> IssueEditForm:
    return IssueEditForm(data, issue=issue, can_unset_confidential=policy.issue_can_make_public(user, issue))


@login_required
def issue_detail(request, pk):
    return _render_detail(request, _issue_or_404(request.user, pk))


@dataclass(frozen=True)
class Action:
    """One button or form on the issue page: who may use it, its form, and the service it calls."""

    permission: str  # an IssuePermissions attribute, or the name of a `policy` function of (user, issue)
    form_name: str  # the template's name for its form, so a refusal re-renders what was typed
    done: str  # the success message

    def allowed(self, user, issue, perms) -> bool:
        if self.permission.startswith("issue_can_"):
            return getattr(policy, self.permission)(user, issue)
        return getattr(perms, self.permission)


ACTIONS = {
    "comment": Action("can_comment", "comment_form", "Comment added."),
    "move": Action("can_move", "move_form", "Moved."),
    "triage": Action("can_triage", "triage_form", "Saved."),
    "sign-off": Action("can_sign_off", "", "Sign-off recorded."),
    "close": Action("can_close", "", "Closed."),
    "reopen": Action("can_reopen", "reopen_form", "Reopened."),
    "promote": Action("can_promote", "", "Promoted to an epic."),
    "link": Action("issue_can_link", "link_form", "Linked."),
    "unlink": Action("issue_can_link", "", "Link removed."),
    "duplicate": Action("issue_can_link", "duplicate_form", "Closed as a duplicate."),
}


def _bind(request, issue, perms, name: str):
    if name == "comment":
        form = CommentForm(request.POST, request.FILES)
        if refusal := upload_refusal(request):  # stopped at the size limit while it arrived
            form.add_error("attachments", refusal)
        return form
    if name == "link":
        return LinkForm(request.POST)
    if name == "duplicate":
        return DuplicateForm(request.POST)
    if name == "move":
        return MoveForm(request.POST, options=policy.issue_move_options(request.user, issue))
    if name == "triage":
        return TriageForm(request.POST, issue=issue)
    if name == "reopen":
        return _reopen_form(perms, request.POST)
    return django_forms.Form(request.POST)


def _run(request, issue, name: str, data: dict):
    user = request.user
    if name == "comment":
        comment = services.comment_create(
            issue=issue, author=user, body=data["body"], files=files_read(data.get("attachments"))
        )
        return comment
    elif name == "link":
        services.issue_link_create(issue_id=issue.pk, other_id=data["other"], kind=data["kind"], by=user)
    elif name == "unlink":
        link_id = request.POST.get("link", "")
        services.issue_link_delete(issue_id=issue.pk, link_id=int(link_id) if link_id.isdigit() else 0, by=user)
    elif name == "duplicate":
        services.issue_close_as_duplicate(issue_id=issue.pk, original_id=data["original"], by=user)
        return f"Closed as a duplicate of #{data['original']}; its requester is told."
    elif name == "move":
        services.issue_move(
            issue_id=issue.pk,
            to_stage=data["to_stage"],
            by=user,
            reason=data["reason"],
            expected_stage=issue.stage,
            sign_off=data.get("sign_off", False),
        )
    elif name == "triage":
        services.issue_update(
            issue=issue,
            by=user,
            assignee=data["assignee"],
            milestone=data["milestone"],
            weight=data["weight"],
            business_owner=data["business_owner"],
            labels=list(data["labels"]),
        )
    elif name == "sign-off":
        services.issue_sign_off(issue=issue, by=user)
    elif name == "close":
        services.issue_close(issue=issue, by=user)
    elif name == "reopen":
        services.issue_reopen(issue=issue, by=user, reason=data["reason"])
    elif name == "promote":
        epic = services.issue_promote_to_epic(issue=issue, by=user)
        return f"Promoted to epic “{epic.title}”."
    return ""


@login_required
@require_POST
def issue_action(request, pk, action):
    issue = _issue_or_404(request.user, pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action.")
    perms = policy.issue_permissions(request.user, issue)
    if action == "reopen" and perms.reopen_needs_manager and not perms.can_reopen and perms.can_view:
        # The no-reopen rule's own words (comment and ping the DRI) come from the service.
        try:
            services.issue_reopen(issue=issue, by=request.user, reason=request.POST.get("reason", ""))
        except PortalError as exc:
            return _render_detail(request, issue, error=exc.message, error_action=action, status=exc.status)
    if not spec.allowed(request.user, issue, perms):
        if spec.permission.startswith("issue_can_"):
            return _render_detail(
                request,
                issue,
                status=403,
                error_action=action,
                error="You can't do that on this issue: the page shows what you can do.",
            )
        refusal = policy.issue_action_refusal(request.user, issue, action)
        response = _render_detail(request, issue, status=refusal.status, error_action=action, error=refusal.message)
        response["X-Error-Code"] = refusal.code
        return response
    form = _bind(request, issue, perms, action)
    bound = {spec.form_name: form} if spec.form_name else {}
    if not form.is_valid():
        return _render_detail(request, issue, bound=bound, error_action=action)
    try:
        message = _run(request, issue, action, form.cleaned_data)
    except PortalError as exc:
        # The service's refusal with its own status (403, 409, 400); its code rides along for scripts and tests.
        issue = _issue_or_404(request.user, pk)  # the refused change may have been half-applied in memory
        if spec.form_name and FIELD_OF_CODE.get(exc.code) in form.fields:
            # Said on its field, next to what was typed.
            form.add_error(FIELD_OF_CODE[exc.code], exc.message)
            response = _render_detail(request, issue, bound=bound, error_action=action, status=exc.status)
        else:
            response = _render_detail(
                request, issue, bound=bound, error=exc.message, error_action=action, status=exc.status
            )
        response["X-Error-Code"] = exc.code
        return response
    if action == "comment":
        messages.success(request, spec.done)
        return redirect(f"{issue.get_absolute_url()}#comment-{message.pk}")
    messages.success(request, message or spec.done)
    anchor = {"link": "#links", "unlink": "#links"}.get(action, "")
    return redirect(f"{issue.get_absolute_url()}{anchor}")


# A refusal with one of these codes is said on that field of the form, next to what was typed.
FIELD_OF_CODE = {
    CollabErrorCode.PAST_DATE: "needed_by",
    CollabErrorCode.EMPTY_TITLE: "title",
    CollabErrorCode.CONFIDENTIAL_ONLY_ON: "confidential",
    CollabErrorCode.FILE_TYPE: "attachments",
    CollabErrorCode.FILE_TOO_LARGE: "attachments",
    CollabErrorCode.TOO_MANY_FILES: "attachments",
    CollabErrorCode.IMAGE_BROKEN: "attachments",
    CollabErrorCode.LINK_SELF: "other",
    CollabErrorCode.LINK_EXISTS: "other",
}


@login_required
def issue_edit(request, pk):
    """Edit what was filed: the requester in 00/01, MktgOps any time (policy.issue_can_edit). The form keeps what
    was typed on a refusal; the previous text goes to the timeline."""
    issue = _issue_or_404(request.user, pk)
    if not policy.issue_can_edit(request.user, issue):
        return _render_detail(
            request,
            issue,
            status=403,
            error_action="edit",
            error="You can't edit this request any more: requesters edit in 00 and 01. Comment instead.",
        )
    form = _edit_form(request.user, issue, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.issue_edit(
                issue_id=issue.pk,
                by=request.user,
                title=data["title"],
                description=data["description"],
                needed_by=data["needed_by"],
                confidential=data["confidential"],
            )
        except PortalError as exc:
            field = FIELD_OF_CODE.get(exc.code)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, "Saved; the previous version is on the timeline.")
            return redirect(f"{issue.get_absolute_url()}#timeline")
    status = 400 if form.errors else 200
    return render(request, "requests_app/issue_edit.html", {"issue": issue, "edit_form": form}, status=status)


@login_required
@require_POST
def checklist_item_toggle(request, pk, item_pk):
    issue = _issue_or_404(request.user, pk)
    item = ChecklistItem.objects.filter(issue=issue, pk=item_pk).first()
    if item is None:
        raise Http404("No such checklist step.")
    try:
        services.checklist_item_set(item=item, done=request.POST.get("done") == "1", by=request.user)
    except PortalError as exc:
        return _render_detail(request, issue, error=exc.message, error_action="checklist", status=exc.status)
    return redirect(f"{issue.get_absolute_url()}#checklist")


@login_required
def attachment_download(request, pk, attachment_pk):
    """A file of an issue, to those who may see the issue (others get 404, as for a missing file).

    Images are shown inline (the thumbnails) with their checked type; everything else downloads. Nothing is
    ever run: the response forbids scripts and sniffing whatever the file holds.
    """
    attachment = selectors.attachment_get_for_user(request.user, pk, attachment_pk)
    if attachment is None:
        raise Http404("No such file is visible to you.")
    inline = attachment.is_image and request.GET.get("download") != "1"
    content_type = attachment.content_type
    if content_type == "text/csv":
        # Formula cells neutralised, as in every CSV the portal serves (issue 12; the exports' rule).
        with attachment.file.open("rb") as stored:
            response = HttpResponse(list_import_for_download(stored.read()), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, attachment.original_name)
    else:
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=not inline,
            filename=attachment.original_name,
            content_type=content_type,
        )
    if not inline:  # a download, not a thumbnail on the issue page
        audit_record(
            kind=AuditKind.ATTACHMENT_DOWNLOADED,
            user=request.user,
            target_type="attachment",
            target_id=attachment.pk,
            data={"issue": attachment.issue_id},
        )
    # Personal data: never kept by a shared cache or the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
