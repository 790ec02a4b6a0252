"""A milestone that has ended, with issues in every stage: the rollover tests' shared data."""

from dataclasses import dataclass

from django.utils import timezone

from requests_app.models import Issue, Stage
from tests import factories as f


@dataclass
class EndedMilestone:
    milestone: object
    current: object
    moving: list[Issue]  # open and not Completed: these move
    staying: list[Issue]  # Completed or closed: these stay
    ivy: object
    max: object
    manager: object


def ended_milestone_with_every_stage() -> EndedMilestone:
    ivy = f.ic(username="ivy", first_name="Ivy", last_name="Ng")
    max_ = f.ic(username="max", first_name="Max", last_name="Ode")
    manager = f.manager(username="maya")
    ended = f.past_milestone()
    current = f.current_milestone()
    moving: list[Issue] = []
    staying: list[Issue] = []
    for number, stage in enumerate(Stage.values):
        assignee = [ivy, max_, None][number % 3]
        issue = f.IssueFactory.create(
            milestone=ended,
            stage=stage,
            assignee=assignee,
            title=f"Stage {stage} work",
            confidential=number % 4 == 1,
            rollover_reason=f"Waiting on stage {stage} input" if number % 2 == 0 else "",
            rollover_reason_by=ivy if number % 2 == 0 else None,
        )
        (staying if stage == Stage.COMPLETED else moving).append(issue)
    closed = f.IssueFactory.create(milestone=ended, stage=Stage.IN_PROGRESS, assignee=ivy, title="Closed early")
    Issue.objects.filter(pk=closed.pk).update(closed_at=timezone.now(), closed_in_milestone=ended)
    staying.append(closed)
    secret = f.IssueFactory.create(
        milestone=ended,
        stage=Stage.IN_PROGRESS,
        assignee=max_,
        title="Import for jane.doe@example.com",
        confidential=True,
        rollover_reason="Vendor file late",
        rollover_reason_by=max_,
    )
    moving.append(secret)
    f.IssueFactory(milestone=current, stage=Stage.IN_PROGRESS, assignee=ivy, title="Already current")
    return EndedMilestone(ended, current, moving, staying, ivy, max_, manager)
