"""Issue filters shared by the /issues/ page and GET /api/issues/."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q

from labels.models import Label
from milestones.models import Milestone
from requests_app.models import Issue, RequestType, Stage


class IssueFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    request_type = django_filters.MultipleChoiceFilter(choices=RequestType.choices)
    label = django_filters.ModelMultipleChoiceFilter(
        field_name="labels__name", to_field_name="name", queryset=Label.objects.all(), conjoined=True,
        label="Label",
    )
    assignee = django_filters.CharFilter(method="filter_assignee", label="Assignee (username, or 'none')")
    milestone = django_filters.ModelChoiceFilter(queryset=Milestone.objects.all())
    confidential = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_text", label="Text")

    class Meta:
        model = Issue
        fields = ["stage", "request_type", "label", "assignee", "milestone", "confidential", "q"]

    def filter_assignee(self, queryset, name, value):
        if value.lower() == "none":
            return queryset.filter(assignee__isnull=True)
        user = get_user_model().objects.filter(username=value).first()
        return queryset.filter(assignee=user) if user else queryset.none()

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if value.lstrip("#").isdigit():
            return queryset.filter(Q(pk=int(value.lstrip("#"))) | Q(title__icontains=value))
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))
