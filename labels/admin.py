from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from labels.models import InitialSource, Label, LeadStatus, SlackChannelRule


class SlackChannelRuleInline(admin.TabularInline):
    model = SlackChannelRule
    extra = 1


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "swatch", "kind", "scope_display", "timeframe", "issue_count", "slack_channels"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]
    fields = ["name", "kind", "description", "color", "timeframe"]
    inlines = [SlackChannelRuleInline]

    def get_queryset(self, request):
        # The Slack column reads each label's rules: one prefetch for the page, not a query per row.
        qs = super().get_queryset(request).prefetch_related("slack_rules")
        return qs.annotate(issue_count=Count("issues", distinct=True))

    @admin.display(description="colour")
    def swatch(self, obj):
        return format_html(
            '<span style="display:inline-block;width:1.2em;height:1.2em;border-radius:3px;background:{};'
            'vertical-align:middle"></span> {}',
            obj.color,
            obj.color,
        )

    @admin.display(description="scope")
    def scope_display(self, obj):
        return f"{obj.scope}::" if obj.scope else "—"

    @admin.display(description="issues", ordering="issue_count")
    def issue_count(self, obj):
        return obj.issue_count

    @admin.display(description="Slack channels")
    def slack_channels(self, obj):
        return " ".join(rule.channel for rule in obj.slack_rules.all()) or "—"


@admin.register(SlackChannelRule)
class SlackChannelRuleAdmin(admin.ModelAdmin):
    list_display = ["label", "channel"]
    list_filter = ["channel"]
    search_fields = ["label__name", "channel"]
    list_select_related = ["label"]
    autocomplete_fields = ["label"]


@admin.register(InitialSource)
class InitialSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "bucket", "status", "definition"]
    list_filter = ["status", "bucket"]
    search_fields = ["name", "definition"]


@admin.register(LeadStatus)
class LeadStatusAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "definition"]
    list_display_links = ["name"]
    search_fields = ["name", "definition"]
