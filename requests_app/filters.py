"""Issue filters shared by the /issues/ page and GET /api/issues/."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from labels.models import Label
from milestones.models import Milestone
from requests_app.models import Issue, RequestType, Stage
from requests_app.selectors import DUE_CHOICES, issue_number, issues_due


@extend_schema_field({"type": "array", "items": {"type": "string"}, "description": "Label names (all must match)"})
class LabelNamesFilter(django_filters.ModelMultipleChoiceFilter):
    pass


@extend_schema_field(OpenApiTypes.STR)
class AssigneeFilter(django_filters.CharFilter):
    pass


class IssueFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    request_type = django_filters.MultipleChoiceFilter(choices=RequestType.choices)
    label = LabelNamesFilter(
        field_name="labels__name",
        to_field_name="name",
        queryset=Label.objects.all(),
        conjoined=True,
        label="Label",
    )
    assignee = AssigneeFilter(method="filter_assignee", label="Assignee (username, or 'none')")
    milestone = django_filters.ModelChoiceFilter(queryset=Milestone.objects.all())
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
