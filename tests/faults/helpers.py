"""Shared by the fault-injection suite: small ended milestones, and the exactly-once checks with their counts."""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from milestones.models import Milestone
from requests_app.models import EventKind, IssueEvent, Stage
from rollover.models import Rollover, RolloverEntry
from tests import factories as f
from tests.conftest import FAULT_FIGURES

TAG = re.compile(r"\[MktgOps rollover (\d+) message (\d+)\]")


def ended_milestones(count: int, *, per_assignee: int = 1) -> list[Milestone]:
    """`count` ended milestones, each with issues for two people and one unassigned (a parent and 3 replies)."""
    today = timezone.localdate()
    f.current_milestone()
    people = [f.ic(username=f"ivy{n}") for n in range(2)]
    milestones = []
    for k in range(count):
        start = today - datetime.timedelta(days=400 - 3 * k)
        milestone = Milestone.objects.create(
            title=f"Faults {k}", start_date=start, due_date=start + datetime.timedelta(days=1)
        )
        for who in [*people, None]:
            for n in range(per_assignee):
                f.IssueFactory(milestone=milestone, stage=Stage.IN_PROGRESS, assignee=who, title=f"Work {k}.{n}")
        milestones.append(milestone)
    return milestones


@dataclass
class Tally:
    """What a kind of fault did across its runs."""

    kind: str
    faults: int = 0
    duplicated: int = 0
    lost: int = 0
    moved_twice: int = 0
    server_errors: int = 0
    notes: list[str] = field(default_factory=list)

    def check_slack(self, slack_api) -> None:
        """Every planned message of every rollover in Slack exactly once."""
        tags = Counter(match.groups() for m in slack_api.messages if (match := TAG.search(m["text"])))
        self.duplicated += sum(n - 1 for n in tags.values() if n > 1)
        for rollover in Rollover.objects.all():
            planned = 1 + rollover.replies.count()
            self.lost += sum(1 for number in range(planned) if (str(rollover.pk), str(number)) not in tags)
            self.lost += rollover.replies.filter(ts="").count() + (0 if rollover.parent_ts else 1)

    def check_moves(self) -> None:
        """Each issue moved once by its rollover: one record, one milestone event."""
        entries = Counter(RolloverEntry.objects.values_list("issue_id", flat=True))
        events = Counter(IssueEvent.objects.filter(kind=EventKind.MILESTONE_CHANGED).values_list("issue_id", flat=True))
        self.moved_twice += sum(1 for n in entries.values() if n > 1) + sum(1 for n in events.values() if n > 1)

    def report(self) -> str:
        line = (
            f"{self.kind}: {self.faults} faults injected · {self.duplicated} duplicated Slack messages · "
            f"{self.lost} lost messages · {self.moved_twice} issues moved twice · "
            f"{self.server_errors} server errors after a commit"
        )
        if self.notes:
            line += " · " + " · ".join(self.notes)
        FAULT_FIGURES.append(line)
        print(f"\n[faults] {line}")
        return line

    def assert_clean(self) -> None:
        assert (self.duplicated, self.lost, self.moved_twice, self.server_errors) == (0, 0, 0, 0), self.report()
