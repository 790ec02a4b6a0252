"""Issue filters shared by the /issues/ page and GET /api/issues/."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from requests_app.models import Issue, RequestType, Stage
from requests_app.selectors import DUE_CHOICES, issue_number, issues_due

# The largest id a database integer holds: a bigger number matches nothing rather than failing the query.
MAX_ID = 2**63 - 1


class LabelNamesField(forms.Field):
    """Any number of label names (?label=a&label=b), each at most 255 characters, none holding a NUL."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        names = [str(v) for v in (value or []) if str(v)]
        if any(len(n) > 255 or "\x00" in n for n in names):
            raise forms.ValidationError("A label name is at most 255 characters, without NUL characters.")
        return names


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "maxLength": 255},
        "description": "Label names (all must match; a name no label has matches no issue)",
    }
)
class LabelNamesFilter(django_filters.Filter):
    field_class = LabelNamesField

    def filter(self, qs, value):
        # One join per name, each matching one row of an issue (names are unique): no duplicates.
        for name in value or []:
            qs = qs.filter(labels__name=name)
        return qs


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": "A milestone id"})
class MilestoneIdFilter(django_filters.NumberFilter):
    """A milestone id; one that no milestone has matches no issue (not a 400)."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if not (1 <= value <= MAX_ID) or value != int(value):
            return qs.none()
        return qs.filter(milestone_id=int(value))


@extend_schema_field(OpenApiTypes.STR)
class AssigneeFilter(django_filters.CharFilter):
    pass


class IssueFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    request_type = django_filters.MultipleChoiceFilter(choices=RequestType.choices)
    label = LabelNamesFilter(field_name="labels__name", label="Label")
    assignee = AssigneeFilter(method="filter_assignee", label="Assignee (username, or 'none')")
    milestone = MilestoneIdFilter(field_name="milestone_id", label="Milestone")
    confidential = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_text", label="Text")
    due = django_filters.ChoiceFilter(choices=DUE_CHOICES, method="filter_due", label="Needed by")
    needed_by_before = django_filters.DateFilter(field_name="needed_by", lookup_expr="lte")
    needed_by_after = django_filters.DateFilter(field_name="needed_by", lookup_expr="gte")

    class Meta:
        model = Issue
        fields = [
            "stage",
            "request_type",
            "label",
            "assignee",
            "milestone",
            "confidential",
            "q",
            "due",
            "needed_by_before",
            "needed_by_after",
        ]

    def filter_due(self, queryset, name, value):
        return issues_due(queryset, value)

    def filter_assignee(self, queryset, name, value):
        if value.lower() == "none":
            return queryset.filter(assignee__isnull=True)
        user = get_user_model().objects.filter(username=value).first()
        return queryset.filter(assignee=user) if user else queryset.none()

    def filter_text(self, queryset, name, value):
        value = value.strip()
        number = issue_number(value)
        if number is not None:
            return queryset.filter(Q(pk=number) | Q(title__icontains=value))
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))
