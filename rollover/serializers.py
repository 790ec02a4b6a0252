from typing import TYPE_CHECKING

from rest_framework import serializers

from milestones.models import Milestone
from rollover.models import Rollover

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # settings.AUTH_USER_MODEL


class MilestoneSerializer(serializers.ModelSerializer):
    """A milestone and where it is in its lifecycle (upcoming, current, ended, rolled_over, closed)."""

    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "title", "start_date", "due_date", "state", "state_label", "closed_at", "handbook_mr_url",
                  "handbook_mr_merged"]  # fmt: skip
        read_only_fields = ["closed_at"]


class RolloverSerializer(serializers.ModelSerializer):
    milestone: "serializers.PrimaryKeyRelatedField[Milestone]" = serializers.PrimaryKeyRelatedField(read_only=True)
    to_milestone: "serializers.PrimaryKeyRelatedField[Milestone]" = serializers.PrimaryKeyRelatedField(read_only=True)
    triggered_by: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    replies_planned = serializers.SerializerMethodField()
    replies_posted = serializers.SerializerMethodField()

    class Meta:
        model = Rollover
        fields = [
            "id",
            "milestone",
            "to_milestone",
            "status",
            "triggered_by",
            "moved_count",
            "completed_count",
            "moved_at",
            "channel",
            "parent_ts",
            "replies_planned",
            "replies_posted",
            "attempts",
            "last_error",
            "error_code",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_replies_planned(self, rollover) -> int:
        return rollover.replies.count()

    def get_replies_posted(self, rollover) -> int:
        return rollover.replies.exclude(ts="").count()
