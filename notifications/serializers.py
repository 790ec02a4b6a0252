from typing import Any

from rest_framework import serializers

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    actor: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(slug_field="username", read_only=True)
    issue: "serializers.PrimaryKeyRelatedField[Any]" = serializers.PrimaryKeyRelatedField(read_only=True)
    issue_title = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unread = serializers.BooleanField(source="is_unread", read_only=True)
    url = serializers.CharField(source="target_url", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_label", "actor", "issue", "issue_title", "text", "url", "unread", "created_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    all = serializers.BooleanField(required=False, default=False)
