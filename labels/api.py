from rest_framework import viewsets

from labels.models import Label
from labels.selectors import label_list
from labels.serializers import LabelSerializer


class LabelViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # ids only: anything else is a 404, not a failed query
    serializer_class = LabelSerializer
    queryset = Label.objects.none()
    pagination_class = None

    def get_queryset(self):
        return label_list()
