import datetime

from django.db import models
from django.utils import timezone


class MilestoneState(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    CURRENT = "current", "Current"
    ENDED = "ended", "Ended"
    CLOSED = "closed", "Closed"


class Milestone(models.Model):
    title = models.CharField(max_length=120, unique=True)
    start_date = models.DateField(unique=True)
    due_date = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    handbook_mr_url = models.URLField(blank=True)
    handbook_mr_merged = models.BooleanField(default=False)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("start_date")),
                name="milestone_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def state_on(self, day: datetime.date) -> str:
        if self.closed_at:
            return MilestoneState.CLOSED
        if day < self.start_date:
            return MilestoneState.UPCOMING
        if day <= self.due_date:
            return MilestoneState.CURRENT
        return MilestoneState.ENDED

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())

    def is_current_on(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.due_date

    @property
    def is_current(self) -> bool:
        return self.is_current_on(timezone.localdate())

    @property
    def is_future(self) -> bool:
        return self.start_date > timezone.localdate()

    @property
    def rollover_or_none(self):
        """The milestone's rollover record (the rollover app's one-to-one), or None before it started."""
        from django.core.exceptions import ObjectDoesNotExist

        try:
            return self.rollover  # type: ignore[attr-defined]  # reverse accessor added by rollover.Rollover
        except ObjectDoesNotExist:
            return None
