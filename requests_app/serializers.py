from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from rest_framework import serializers

from labels.models import Label
from milestones.models import Milestone
from requests_app.models import (
    DESCRIPTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Attachment,
    Issue,
    RequestType,
    Stage,
)
from requests_app.policy import CONFIDENTIAL_TITLE

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # settings.AUTH_USER_MODEL


class IssueSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(read_only=True)
    stage_label = serializers.CharField(read_only=True)
    labels = serializers.SerializerMethodField()
    assignee: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    requester: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    milestone: "serializers.PrimaryKeyRelatedField[Milestone]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    # "" when the issue is not blocked, else the stage it was blocked from.
    blocked_from = serializers.CharField(read_only=True)
    web_url = serializers.CharField(read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Issue
        fields = [
            "id",
            "title",
            "description",
            "request_type",
            "confidential",
            "stage",
            "stage_label",
            "labels",
            "requester",
            "assignee",
            "milestone",
            "weight",
            "position",
            "rollover_reason",
            "blocked_from",
            "needed_by",
            "is_overdue",
            "reply_waiting",
            "is_open",
            "created_at",
            "updated_at",
            "web_url",
        ]
        read_only_fields = fields

    def get_labels(self, issue) -> list[str]:
        # The stage label is derived from the stage and listed first; it is never stored as a label.
        return [issue.stage_label, *(lbl.name for lbl in issue.labels.all())]


class IssueCreateSerializer(serializers.Serializer):
    # Not blank once trimmed: the pattern puts that rule in the OpenAPI document too.
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH, validators=[RegexValidator(r"\S")])
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True, default="")
    request_type = serializers.ChoiceField(choices=RequestType.choices, default=RequestType.GENERAL)
    confidential = serializers.BooleanField(required=False, default=False)
    needed_by = serializers.DateField(required=False, allow_null=True, default=None)


class IssueUpdateSerializer(serializers.Serializer):
    assignee = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), allow_null=True, required=False
    )
    milestone = serializers.PrimaryKeyRelatedField(queryset=Milestone.objects.all(), allow_null=True, required=False)
    weight = serializers.IntegerField(min_value=0, max_value=1000, allow_null=True, required=False)
    labels = serializers.ListField(child=serializers.CharField(max_length=255), max_length=100, required=False)
    rollover_reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)
    needed_by = serializers.DateField(required=False, allow_null=True)

    def to_internal_value(self, data):
        if isinstance(data, dict) and "stage" in data:
            raise serializers.ValidationError(
                {"stage": ["The stage changes only through POST /api/issues/{id}/move/."]}
            )
        return super().to_internal_value(data)

    def validate_labels(self, names):
        found = {lbl.name: lbl for lbl in Label.objects.filter(name__in=names)}
        missing = [n for n in names if n not in found]
        if missing:
            raise serializers.ValidationError(f"Unknown labels: {', '.join(missing)}.")
        return [found[n] for n in dict.fromkeys(names)]


class IssueMoveSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.values)
    # An index in the column; past its end means the end. Bounded so it always fits the database's integers.
    position = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")
    expected_stage = serializers.ChoiceField(choices=Stage.values, required=False)
    # 05 -> 06: record the business owner's sign-off with the move (the owner, or a manager on their behalf).
    sign_off = serializers.BooleanField(required=False, default=False)


class IssueMoveResultSerializer(serializers.Serializer):
    """What a move answers: where the issue is now and who has it. GET the issue for the rest (labels, text…)."""

    id = serializers.IntegerField(source="pk")
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    blocked_from = serializers.CharField()
    assignee = serializers.CharField(source="assignee.username", default=None)
    milestone = serializers.IntegerField(source="milestone_id", allow_null=True)
    updated_at = serializers.DateTimeField()


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "row_count", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        return f"{settings.SITE_URL}{attachment.get_absolute_url()}"


class IssueLinkSerializer(serializers.Serializer):
    """A link as seen from the issue asked about; `issue` is null and `title` "a confidential issue" when the
    caller may not see the other end."""

    id = serializers.IntegerField(source="pk", read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a declared field, not Field.label (DRF pops it)
    issue = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()

    def get_issue(self, link) -> int | None:
        return link.other.pk if link.other else None

    def get_title(self, link) -> str:
        return link.other.title if link.other else CONFIDENTIAL_TITLE


class IssueLinkCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["relates", "blocks", "blocked_by", "duplicate_of"])
    issue = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class IssueDuplicateSerializer(serializers.Serializer):
    original = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
