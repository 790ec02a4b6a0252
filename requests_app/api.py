"""The JSON API: thin views over the selectors and services."""

from django.db.models import F
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from requests_app import policy, selectors, services
from requests_app.filters import IssueFilter
from requests_app.serializers import (
    AttachmentSerializer,
    IssueCreateSerializer,
    IssueDuplicateSerializer,
    IssueLinkCreateSerializer,
    IssueLinkSerializer,
    IssueMoveResultSerializer,
    IssueMoveSerializer,
    IssueSerializer,
    IssueUpdateSerializer,
)


class IssueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = "[0-9]+"  # ids only: anything else is a 404, not a failed query
    serializer_class = IssueSerializer
    filterset_class = IssueFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        issues = selectors.issues_with_card_data(policy.issues_visible_to(self.request.user))
        # ?ordering=needed_by (soonest first, undated last) or -needed_by; otherwise newest first.
        ordering = self.request.query_params.get("ordering", "")
        if ordering in ("needed_by", "-needed_by"):
            date = F("needed_by")
            date = date.desc(nulls_last=True) if ordering.startswith("-") else date.asc(nulls_last=True)
            return issues.order_by(date, "pk")
        return issues.order_by("-pk")

    def get_object(self):
        # Hidden and missing issues both answer 404: a confidential issue's existence does not leak.
        issue = selectors.issue_get_for_user(self.request.user, self.kwargs["pk"])
        if issue is None:
            raise Http404("No issue with this id is visible to you.")
        return issue

    @extend_schema(request=IssueCreateSerializer, responses={201: IssueSerializer})
    def create(self, request):
        data = IssueCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issue = services.issue_create(requester=request.user, **data.validated_data)
        return Response(IssueSerializer(self._reload(issue)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IssueUpdateSerializer, responses={200: IssueSerializer})
    def partial_update(self, request, pk=None):
        issue = self.get_object()
        if not policy.issue_permissions(request.user, issue).can_triage:
            raise PermissionDenied("Only MktgOps team members can change an open issue's triage fields.")
        data = IssueUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.issue_update(issue=issue, by=request.user, **data.validated_data)
        return Response(IssueSerializer(self._reload(issue)).data)

    @extend_schema(
        request=IssueMoveSerializer,
        responses={
            200: IssueMoveResultSerializer,
            403: OpenApiResponse(description="The user may not move this issue."),
            404: OpenApiResponse(description="No issue with this id is visible to the user."),
            409: OpenApiResponse(description="The move is not allowed; `detail` says why."),
        },
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        data = IssueMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        # issue_move reads the row once, locked, and answers 404 for an issue this user may not see.
        issue = services.issue_move(
            issue_id=self.kwargs["pk"],
            to_stage=v["stage"],
            by=request.user,
            reason=v.get("reason", ""),
            position=v.get("position"),
            expected_stage=v.get("expected_stage"),
            sign_off=v.get("sign_off", False),
        )
        # Where it is now, as committed (the assignee was read with the lock): no further query.
        return Response(IssueMoveResultSerializer(issue).data)

    @extend_schema(request=None, responses={200: IssueSerializer})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        """Record the business owner's sign-off (05): the owner, or a manager on their behalf; others get 403."""
        issue = self.get_object()
        services.issue_sign_off(issue=issue, by=request.user)
        return Response(IssueSerializer(self._reload(issue)).data)

    @extend_schema(responses={200: AttachmentSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)  # a plain list: an issue has a few files
    def attachments(self, request, pk=None):
        """The issue's files (the list-import CSV); hidden issues answer 404 like the issue itself."""
        issue = self.get_object()
        return Response(AttachmentSerializer(issue.attachments.all(), many=True).data)

    @extend_schema(
        request=IssueLinkCreateSerializer,
        responses={200: IssueLinkSerializer(many=True), 201: IssueLinkSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # a plain list, as answered
    def links(self, request, pk=None):
        """The issue's links both ways (hidden ends masked); POST {"kind", "issue"} links it (MktgOps)."""
        issue = self.get_object()
        if request.method == "POST":
            data = IssueLinkCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.issue_link_create(
                issue_id=issue.pk,
                other_id=data.validated_data["issue"],
                kind=data.validated_data["kind"],
                by=request.user,
            )
            links = selectors.issue_links_for(request.user, issue)
            return Response(IssueLinkSerializer(links, many=True).data, status=status.HTTP_201_CREATED)
        return Response(IssueLinkSerializer(selectors.issue_links_for(request.user, issue), many=True).data)

    @extend_schema(request=IssueDuplicateSerializer, responses={200: IssueSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        """Close this issue as a duplicate of `original` (MktgOps): linked, commented on both, requester told."""
        data = IssueDuplicateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issue = services.issue_close_as_duplicate(
            issue_id=self.kwargs["pk"], original_id=data.validated_data["original"], by=request.user
        )
        return Response(IssueSerializer(self._reload(issue)).data)

    def _reload(self, issue):
        return selectors.issues_with_card_data(policy.issues_visible_to(self.request.user)).get(pk=issue.pk)
