"""The Django admin. Stages change only through `issue_move` (the move action and the "Move to…" page);
planning fields and labels are saved through `issue_update` and `labels_set` so the timeline stays whole."""

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.roles import MANAGERS_GROUP, MKTGOPS_GROUP
from labels.selectors import labels_attachable
from mktgops_portal.errors import PortalError
from requests_app import policy
from requests_app.models import Comment, Epic, Issue, IssueEvent, IssueTransition, LabelRuleDelivery, Stage
from requests_app.services import issue_move, issue_sign_off, issue_update, issue_update_check, labels_set

User = get_user_model()

# Saved through issue_update (each change leaves a timeline event); the rest of the form saves plainly.
PLANNING_FIELDS = ["assignee", "milestone", "weight", "business_owner", "confidential", "rollover_reason"]
PLAIN_FIELDS = ["title", "description", "request_type", "epic"]


class IssueMoveForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices, label="Move to")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False,
        help_text="Required when blocking: say what the issue is waiting on. Recorded in the stage log.",
    )  # fmt: skip

    sign_off = forms.BooleanField(required=False, label="Record the business owner's sign-off (05 → 06)")

    def __init__(self, *args, targets: list[str] | None = None, sign_off: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if targets is not None:
            cast(forms.ChoiceField, self.fields["stage"]).choices = [(s, Stage(s).label) for s in targets]
        if not sign_off:
            del self.fields["sign_off"]


class IssueAdminForm(forms.ModelForm):
    class Meta:
        model = Issue
        fields = ["title", "description", "request_type", "confidential", "assignee", "business_owner",
                  "milestone", "weight", "labels", "epic", "rollover_reason"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = User.objects.filter(
                Q(groups__name__in=[MKTGOPS_GROUP, MANAGERS_GROUP]) | Q(is_superuser=True)
            ).distinct()
        if "milestone" in self.fields:
            # Every milestone is a valid choice here; which ones take issues is the service's rule (clean() asks it).
            self.fields["milestone"].queryset = self.fields["milestone"].queryset.order_by("-start_date")
        if "labels" in self.fields:
            self.fields["labels"].queryset = labels_attachable()
            self.fields["labels"].help_text = "Stage labels are not here: the stage changes by moving the issue."

    # The service's own check, translated to a form error with the service's code (and its HTTP status, which
    # IssueAdmin answers with), so the admin refuses exactly what the issue page and the API refuse.
    refusal_status: int | None = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        changes = {f: data[f] for f in [*PLANNING_FIELDS, "labels"] if f in data and f in self.changed_data}
        if "labels" in changes:
            changes["labels"] = list(changes["labels"])
        if "request_type" in data:
            changes["request_type"] = data["request_type"]
        try:
            issue_update_check(issue=self.instance, **changes)
        except PortalError as exc:
            self.refusal_status = exc.status
            field = REFUSAL_FIELDS.get(exc.code)
            error = forms.ValidationError(exc.message, code=exc.code)
            raise forms.ValidationError({field: error} if field in self.fields else error) from exc
        return data


# Which admin field a service refusal belongs to, by its code.
REFUSAL_FIELDS = {
    "milestone_closed": "milestone",
    "milestone_ended": "milestone",
    "stays_confidential": "confidential",
    "label_invalid": "labels",
    "label_unknown": "labels",
    "prio_order": "labels",
}


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ["created_at", "author", "body", "is_system"]
    readonly_fields = cast(list[str], fields)
    show_change_link = True


class IssueTransitionInline(ReadOnlyInline):
    model = IssueTransition
    fields = ["at", "by", "from_stage", "to_stage", "reason"]
    readonly_fields = cast(list[str], fields)
    verbose_name_plural = "stage log"


class IssueEventInline(ReadOnlyInline):
    model = IssueEvent
    fields = ["at", "by", "kind", "old_value", "new_value"]
    readonly_fields = cast(list[str], fields)
    verbose_name_plural = "timeline events"


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    form = IssueAdminForm
    list_display = ["id", "title", "stage_display", "request_type", "confidential", "requester", "assignee",
                    "milestone", "is_open", "created_at"]  # fmt: skip
    list_display_links = ["id", "title"]
    list_filter = ["stage", "request_type", "confidential", ("closed_at", admin.EmptyFieldListFilter),
                   "milestone", ("assignee", admin.RelatedOnlyFieldListFilter), "labels"]  # fmt: skip
    search_fields = ["=id", "title", "description", "requester__username", "assignee__username"]
    list_select_related = ["requester", "assignee", "milestone"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["epic"]
    filter_horizontal = ["labels"]
    readonly_fields = ["stage_display", "requester", "blocked_from", "position", "signed_off_by", "signed_off_at",
                       "rollover_reason_by", "closed_at", "closed_in_milestone", "created_at",
                       "updated_at"]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["title", "description", "request_type", "requester", "confidential"]}),
        ("Stage (changes only by a move: use “Move to…” above or the list's action)",
         {"fields": ["stage_display", "blocked_from", "position"]}),
        ("Planning", {"fields": ["assignee", "milestone", "weight", "labels", "epic", "rollover_reason",
                                 "rollover_reason_by"]}),
        ("Sign-off and closing", {"fields": ["business_owner", "signed_off_by", "signed_off_at", "closed_at",
                                             "closed_in_milestone"]}),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
    ]  # fmt: skip
    inlines = [IssueTransitionInline, IssueEventInline, CommentInline]
    actions = ["move_issues"]

    @admin.display(description="stage", ordering="stage")
    def stage_display(self, obj):
        return obj.stage_label

    @admin.display(description="open", boolean=True, ordering="closed_at")
    def is_open(self, obj):
        return obj.is_open

    def has_add_permission(self, request):
        # Requests are filed through the request form, where issue_create applies the intake rules.
        return False

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj else []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        adminform = (getattr(response, "context_data", None) or {}).get("adminform")
        status = getattr(getattr(adminform, "form", None), "refusal_status", None)
        if status:
            response.status_code = status  # the refusal's own status, as the API and the issue page answer
        return response

    def save_model(self, request, obj, form, change):
        plain = [f for f in PLAIN_FIELDS if f in form.changed_data]
        if plain:
            obj.save(update_fields=[*plain, "updated_at"])
        planning = {f: form.cleaned_data[f] for f in PLANNING_FIELDS if f in form.changed_data}
        if planning:
            try:
                issue_update(issue=obj, by=request.user, **planning)
            except PortalError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)

    def save_related(self, request, form, formsets, change):
        if "labels" in form.changed_data:
            labels_set(issue=form.instance, labels=list(form.cleaned_data["labels"]), by=request.user)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # Moving: the list action (any number of issues) and the change page's "Move to…" (one issue).
    def _move(self, request, issues, to_stage: str, reason: str) -> int:
        moved = 0
        for issue in issues:
            try:
                issue_move(issue_id=issue.pk, to_stage=to_stage, by=request.user, reason=reason)
            except PortalError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(
                request, f"Moved {moved} issue{'s' if moved != 1 else ''} to {Stage(to_stage).label}.",
                messages.SUCCESS,
            )  # fmt: skip
        return moved

    @admin.action(description="Move selected issues to a stage…", permissions=["change"])
    def move_issues(self, request, queryset):
        if "apply" in request.POST:
            form = IssueMoveForm(request.POST)
            if form.is_valid():
                self._move(request, list(queryset), form.cleaned_data["stage"], form.cleaned_data["reason"])
                return None
        else:
            form = IssueMoveForm()
        return self._move_page(request, form, issues=list(queryset), action=True)

    def _move_page(self, request, form, *, issues, action: bool, issue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": "Move to…",
            "opts": self.model._meta,
            "form": form,
            "issues": issues,
            "issue": issue,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/requests_app/issue/move.html", context)

    def get_urls(self):
        return [
            path("<path:object_id>/move/", self.admin_site.admin_view(self.move_view), name="requests_app_issue_move"),
            path(
                "<path:object_id>/sign-off/",
                self.admin_site.admin_view(self.sign_off_view),
                name="requests_app_issue_sign_off",
            ),
            *super().get_urls(),
        ]

    def move_view(self, request, object_id):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        change_url = reverse("admin:requests_app_issue_change", args=[issue.pk])
        options = policy.issue_move_options(request.user, issue)
        targets = [option.to_stage for option in options]
        if request.method == "POST":
            form = IssueMoveForm(request.POST, targets=targets, sign_off=any(o.needs_sign_off for o in options))
            if form.is_valid():
                data = form.cleaned_data
                try:
                    issue_move(
                        issue_id=issue.pk,
                        to_stage=data["stage"],
                        by=request.user,
                        reason=data["reason"],
                        sign_off=data.get("sign_off", False),
                    )
                except PortalError as exc:
                    # The service's refusal, its status and code: as the issue page and the API answer.
                    form.add_error(None, forms.ValidationError(exc.message, code=exc.code))
                    response = self._move_page(request, form, issues=[issue], action=False, issue=issue)
                    response.status_code = exc.status
                    return response
                self.message_user(request, f"Moved #{issue.pk} to {Stage(data['stage']).label}.", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        else:
            form = IssueMoveForm(targets=targets, sign_off=any(o.needs_sign_off for o in options))
        return self._move_page(request, form, issues=[issue], action=False, issue=issue)

    def sign_off_view(self, request, object_id):
        """Record the business owner's sign-off: the owner themselves, or a manager on their behalf."""
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        change_url = reverse("admin:requests_app_issue_change", args=[issue.pk])
        error, status = None, 200
        if request.method == "POST":
            try:
                issue_sign_off(issue=issue, by=request.user)
            except PortalError as exc:
                error, status = exc, exc.status
            else:
                self.message_user(request, f"Recorded the sign-off of #{issue.pk}.", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": "Record the business owner's sign-off",
            "opts": self.model._meta,
            "issue": issue,
            "error": error,
        }
        return TemplateResponse(request, "admin/requests_app/issue/sign_off.html", context, status=status)


@admin.register(Epic)
class EpicAdmin(admin.ModelAdmin):
    list_display = ["title", "created_by", "created_at", "issue_count"]
    search_fields = ["title", "description"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(issue_count=Count("issues"))

    @admin.display(description="issues", ordering="issue_count")
    def issue_count(self, obj):
        return obj.issue_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class LogAdmin(admin.ModelAdmin):
    """Logs are history: viewable, never added to, edited or deleted by hand."""

    list_select_related = ["issue", "by"]
    search_fields = ["issue__title", "=issue__id", "by__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssueTransition)
class IssueTransitionAdmin(LogAdmin):
    list_display = ["at", "issue", "from_stage", "to_stage", "by", "reason"]
    list_filter = ["to_stage", "from_stage"]
    date_hierarchy = "at"


@admin.register(IssueEvent)
class IssueEventAdmin(LogAdmin):
    list_display = ["at", "issue", "kind", "old_value", "new_value", "by"]
    list_filter = ["kind"]
    date_hierarchy = "at"


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Moderation: an admin may edit a comment's text (say, to remove pasted personal data) or delete it."""

    list_display = ["created_at", "issue", "author", "short_body", "is_system"]
    list_filter = ["is_system"]
    search_fields = ["body", "issue__title", "author__username"]
    list_select_related = ["issue", "author"]
    fields = ["issue", "author", "created_at", "is_system", "body"]
    readonly_fields = ["issue", "author", "created_at", "is_system"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description="comment")
    def short_body(self, obj):
        return obj.body if len(obj.body) <= 80 else f"{obj.body[:79]}…"


@admin.register(LabelRuleDelivery)
class LabelRuleDeliveryAdmin(admin.ModelAdmin):
    """What the label → Slack rules posted: read-only, it is the record that keeps posts to once."""

    list_display = ["transition", "channel", "ts", "error", "attempts", "posted_at"]
    list_filter = ["channel"]
    readonly_fields = ["transition", "channel", "ts", "error", "attempts", "posted_at", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
