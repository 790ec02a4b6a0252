from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q

from accounts.roles import user_is_manager
from milestones.calendar import working_calendar
from milestones.models import Milestone, MilestoneEvent, WorkingCalendarDay
from milestones.services import milestone_close, milestone_record_handbook_mr, milestones_catch_up
from mktgops_portal.errors import PortalError


class MilestoneEventInline(admin.TabularInline):
    model = MilestoneEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "transition", "from_state", "to_state", "by", "reason")

    def has_add_permission(self, request, obj=None):
        return False  # the log is written by the lifecycle services only


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "start_date", "due_date", "state_display", "open_issues", "issue_count",
                    "handbook_mr_merged", "closed_at"]  # fmt: skip
    list_filter = ["state", "handbook_mr_merged"]
    search_fields = ["title"]
    date_hierarchy = "start_date"
    ordering = ["-start_date"]
    # The state changes only through the lifecycle (pages, API, the action below): never typed in.
    readonly_fields = ["state", "closed_at"]
    fields = ["title", "start_date", "due_date", "state", "handbook_mr_url", "handbook_mr_merged", "closed_at"]
    inlines = [MilestoneEventInline]
    actions = ["close_milestones"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                issue_count=Count("issues", distinct=True),
                open_count=Count("issues", filter=Q(issues__closed_at__isnull=True), distinct=True),
            )
        )

    @admin.display(description="state")
    def state_display(self, obj):
        return obj.get_state_display()

    @admin.display(description="issues", ordering="issue_count")
    def issue_count(self, obj):
        return obj.issue_count

    @admin.display(description="open", ordering="open_count")
    def open_issues(self, obj):
        return obj.open_count

    def save_model(self, request, obj, form, change):
        handbook = {"handbook_mr_url", "handbook_mr_merged"}
        if not change:
            super().save_model(request, obj, form, change)
            milestones_catch_up()  # a milestone added for dates already begun moves on at once, logged
            return
        plain = [f for f in form.changed_data if f not in handbook]
        if plain:
            obj.save(update_fields=plain)
        if handbook & set(form.changed_data):
            # The service keeps "merged" honest: no merged flag without a merge request URL.
            milestone_record_handbook_mr(milestone=obj, url=obj.handbook_mr_url, merged=obj.handbook_mr_merged)

    def has_close_permission(self, request):
        # Closing a milestone is a manager's call (DESIGN.md: managers close milestones).
        return user_is_manager(request.user)

    @admin.action(description="Close selected milestones", permissions=["close"])
    def close_milestones(self, request, queryset):
        closed = 0
        for milestone in queryset.order_by("start_date"):
            try:
                milestone_close(milestone=milestone, by=request.user)
            except PortalError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                closed += 1
        if closed:
            self.message_user(request, f"Closed {closed} milestone{'s' if closed != 1 else ''}.", messages.SUCCESS)


@admin.register(WorkingCalendarDay)
class WorkingCalendarDayAdmin(admin.ModelAdmin):
    """Company days off and extra working days: SLAs and working-day counts read them (milestones.calendar)."""

    list_display = ["date", "working", "name", "public_holiday"]
    list_filter = ["working"]
    search_fields = ["name"]
    date_hierarchy = "date"

    @admin.display(description="public holiday (WORKING_CALENDAR)")
    def public_holiday(self, obj):
        return working_calendar().public_holiday_name(obj.date)
