"""GET /api/notifications/ (the signed-in user's, newest first, ?unread=1) and POST /api/notifications/read/."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors, services
from notifications.serializers import MarkReadSerializer, NotificationSerializer

API_LIMIT = 100


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_class = None
    filter_backends = []
    # Answered as a plain list of the newest API_LIMIT (below), so the schema must not declare a page object.
    pagination_class = None

    def get_queryset(self):
        unread = self.request.query_params.get("unread") in ("1", "true")
        return selectors.notifications_for(self.request.user, unread=unread)

    def paginate_queryset(self, queryset):
        # The newest API_LIMIT: a client that wants older ones reads them on /notifications/.
        return selectors.notifications_decorate(self.request.user, list(queryset[:API_LIMIT]))

    def get_paginated_response(self, data):
        return Response(data)

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="Only unread ones")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=MarkReadSerializer,
        responses={
            200: inline_serializer(
                "MarkedRead", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}
            )
        },
    )
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Mark the given ids (`ids`) or every unread one (`all: true`) read; others' ids are ignored."""
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=request.user, ids=data.validated_data["ids"], all_unread=data.validated_data["all"]
        )
        return Response({"marked": marked, "unread": selectors.unread_count(request.user)})
