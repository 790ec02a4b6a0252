from django.db import models

# The stage labels share this scope; they are derived from the stage, never attached.
STAGE_SCOPE = "MktgOps"


def label_scope(name: str) -> str:
    """Everything before the last `::`, or "" for an unscoped label."""
    head, sep, _ = name.rpartition("::")
    return head if sep else ""


class LabelKind(models.TextChoices):
    CATEGORY = "category", "Category"
    TOOL = "tool", "Tool"
    TEAM = "team", "Team"
    SALES_SYSTEMS = "sales_systems", "Sales Systems"
    PRIORITY = "priority", "Priority"
    STAGE = "stage", "Stage"
    OKR = "okr", "OKR"
    HANDBOOK_UPDATE = "handbook_update", "Handbook update"
    OTHER = "other", "Other"


class Label(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    color = models.CharField(max_length=7, default="#6b7280", help_text="Hex colour, e.g. #1f75cb")
    kind = models.CharField(max_length=20, choices=LabelKind.choices, default=LabelKind.OTHER)
    timeframe = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope(self) -> str:
        return label_scope(self.name)

    @property
    def is_scoped(self) -> bool:
        return bool(self.scope)

    @property
    def value(self) -> str:
        return self.name.rpartition("::")[2] if self.is_scoped else self.name


class SourceStatus(models.TextChoices):
    ACTIVE = "Active", "Active"
    INACTIVE = "Inactive", "Inactive"


class InitialSource(models.Model):
    """A value of the handbook's Initial Source table; list imports may only use Active ones."""

    name = models.CharField(max_length=120, unique=True)
    bucket = models.CharField(max_length=60, blank=True)
    definition = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=SourceStatus.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LeadStatus(models.Model):
    name = models.CharField(max_length=60, unique=True)
    definition = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name_plural = "lead statuses"

    def __str__(self) -> str:
        return self.name


class SlackChannelRule(models.Model):
    """When an issue carrying `label` completes, a message goes to `channel`."""

    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="slack_rules")
    channel = models.CharField(max_length=80)

    class Meta:
        ordering = ["label__name", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["label", "channel"], name="unique_label_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.channel}"
