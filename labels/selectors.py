from django.db.models import QuerySet

from labels.models import STAGE_SCOPE, Label, LabelKind


def label_list() -> QuerySet[Label]:
    return Label.objects.order_by("name")


def labels_attachable() -> QuerySet[Label]:
    """Labels a person may put on an issue: every label but the stage ones."""
    return Label.objects.exclude(kind=LabelKind.STAGE).exclude(name__startswith=f"{STAGE_SCOPE}::").order_by("name")
