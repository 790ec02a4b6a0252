from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.roles import user_is_manager
from milestones.models import Milestone
from milestones.selectors import milestone_list
from milestones.services import milestone_close, milestone_reopen, milestones_catch_up
from rollover.models import RolloverStatus
from rollover.serializers import MilestoneSerializer, RolloverSerializer
from rollover.services import rollover_request


class MilestoneViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # ids only: anything else is a 404, not a failed query
    serializer_class = MilestoneSerializer
    queryset = Milestone.objects.none()

    def get_queryset(self):
        milestones_catch_up()  # states follow the calendar even when the beat has not run yet
        return milestone_list()

    @extend_schema(
        request=None,
        responses={
            200: MilestoneSerializer,
            403: OpenApiResponse(description="Only managers close milestones (`code` milestone_managers_only)."),
            409: OpenApiResponse(
                description="Not closable yet: `code` names the first missing step (milestone_not_ended, "
                "milestone_not_rolled_over, milestone_handbook_mr_missing, milestone_handbook_mr_not_merged) or "
                "milestone_already_closed; `detail` lists every missing step."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close an ended, rolled-over milestone whose handbook merge request is merged (the page's confirmed
        "Close milestone")."""
        milestone = milestone_close(milestone=self.get_object(), by=request.user)
        return Response(MilestoneSerializer(milestone).data)

    @extend_schema(
        request=inline_serializer("MilestoneReopen", {"reason": drf_serializers.CharField()}),
        responses={
            200: MilestoneSerializer,
            400: OpenApiResponse(description="No reason given (`code` milestone_reason_required)."),
            403: OpenApiResponse(description="Only managers reopen milestones."),
            409: OpenApiResponse(description="The milestone is not closed (`code` milestone_not_closed)."),
        },
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Reopen a closed milestone with a reason (logged); it goes back to "rolled over"."""
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        milestone = milestone_reopen(milestone=self.get_object(), by=request.user, reason=str(reason))
        return Response(MilestoneSerializer(milestone).data)

    @extend_schema(
        request=None,
        responses={
            200: RolloverSerializer,
            202: RolloverSerializer,
            403: OpenApiResponse(description="Only managers run rollovers."),
            409: OpenApiResponse(description="The milestone has not ended; `detail` says why."),
        },
    )
    @action(detail=True, methods=["post"])
    def rollover(self, request, pk=None):
        """Run the rollover of an ended milestone, or resume it. A finished rollover is not repeated (200)."""
        if not user_is_manager(request.user):
            raise PermissionDenied("Only MktgOps managers can run a rollover.")
        milestone = get_object_or_404(Milestone, pk=pk)
        rollover = rollover_request(milestone=milestone, by=request.user)
        code = status.HTTP_200_OK if rollover.status == RolloverStatus.DONE else status.HTTP_202_ACCEPTED
        return Response(RolloverSerializer(rollover).data, status=code)
