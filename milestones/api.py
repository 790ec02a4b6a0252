from rest_framework import viewsets

from milestones.models import Milestone
from milestones.selectors import milestone_list
from requests_app.serializers import MilestoneSerializer


class MilestoneViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MilestoneSerializer
    queryset = Milestone.objects.none()

    def get_queryset(self):
        return milestone_list()
