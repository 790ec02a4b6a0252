from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.roles import user_is_manager
from milestones.models import Milestone, RolloverStatus
from milestones.selectors import milestone_list
from milestones.serializers import MilestoneSerializer, RolloverSerializer
from milestones.services import rollover_request


class MilestoneViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # ids only: anything else is a 404, not a failed query
    serializer_class = MilestoneSerializer
    queryset = Milestone.objects.none()

    def get_queryset(self):
        return milestone_list()

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
