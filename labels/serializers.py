"""The labels API's shapes."""

from rest_framework import serializers

from labels.models import Label


class LabelSerializer(serializers.ModelSerializer):
    scope = serializers.CharField(read_only=True)

    class Meta:
        model = Label
        fields = ["id", "name", "scope", "description", "color", "kind"]
