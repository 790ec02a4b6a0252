"""Rollover and report reads: milestone pages, the rollover's records and progress, the report and the chart."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from milestones.models import Milestone

if TYPE_CHECKING:
    from requests_app.models import Issue
    from rollover.models import Rollover


def milestone_next_step(milestone: Milestone) -> str:
    """What happens next to `milestone`, in one sentence for its page (the lifecycle: upcoming → current →
    ended → rolled over → closed)."""
    from milestones.models import MilestoneState
    from rollover.models import RolloverStatus

    state = milestone.state
    if state == MilestoneState.UPCOMING:
        return f"Starts {milestone.start_date:%a %d %b}. Plan issues into it; it becomes current on that day."
    if state == MilestoneState.CURRENT:
        from milestones.calendar import working_calendar

        left = working_calendar().working_days_between(timezone.localdate(), milestone.due_date)
        return (
            f"Running until {milestone.due_date:%a %d %b} ({left} working day{'s' if left != 1 else ''} left after "
            "today). After that day its unfinished issues roll over to the next milestone; only then can it be closed."
        )
    if state == MilestoneState.ENDED:
        rollover = milestone.rollover_or_none
        if rollover is None:
            return "Ended. Next: roll over its unfinished issues to the next milestone (a manager, or the nightly run)."
        if rollover.status == RolloverStatus.FAILED or rollover.last_error:
            return "Ended; the rollover stopped. Next: fix what the error says and resume the rollover."
        return "Ended; the rollover is running. Next, when it finishes: record the handbook merge request."
    if state == MilestoneState.ROLLED_OVER:
        if not milestone.handbook_mr_url:
            return "Rolled over. Next: record the handbook merge request, mark it merged, then close the milestone."
        if not milestone.handbook_mr_merged:
            return "Rolled over. Next: mark the handbook merge request merged, then close the milestone."
        return "Rolled over and the handbook merge request is merged. Next: close the milestone."
    return "Closed: nothing left to do. A manager can reopen it, with a reason."


def milestones_due_for_rollover(day: datetime.date | None = None) -> QuerySet[Milestone]:
    """Ended milestones whose rollover has not finished (never started, stopped half-way, or failed)."""
    from rollover.models import RolloverStatus

    day = day or timezone.localdate()
    return (
        Milestone.objects.filter(due_date__lt=day).exclude(rollover__status=RolloverStatus.DONE).order_by("start_date")
    )


def milestone_list_for(user) -> list[Milestone]:
    """All milestones, newest first, with their rollover and counts of the issues `user` may see."""
    from django.db.models import Count, Q

    from requests_app.models import Stage
    from requests_app.policy import issues_visible_to

    counts = {
        row["milestone"]: row
        for row in issues_visible_to(user)
        .filter(milestone__isnull=False)
        .values("milestone")
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(stage=Stage.COMPLETED) | Q(closed_at__isnull=False)),
        )
        .order_by()
    }
    milestones = list(Milestone.objects.select_related("rollover").order_by("-start_date"))
    for milestone in milestones:
        row: Mapping[str, Any] = counts.get(milestone.pk, {})
        milestone.issue_count = row.get("total", 0)
        milestone.completed_count = row.get("completed", 0)
        milestone.open_count = milestone.issue_count - milestone.completed_count
    return milestones


def milestone_get(pk) -> Milestone | None:
    return (
        Milestone.objects.select_related("rollover", "rollover__to_milestone", "rollover__triggered_by")
        .filter(pk=pk)
        .first()
    )


def milestone_issues_for(user, milestone: Milestone):
    from requests_app.policy import issues_visible_to
    from requests_app.selectors import issues_with_card_data

    return (
        issues_with_card_data(issues_visible_to(user).filter(milestone=milestone))
        .select_related("rollover_reason_by")
        .order_by("stage", "position", "pk")
    )


def rollover_entries(rollover):
    """A rollover's records for its report, in one query."""
    from rollover.models import RolloverEntry

    return (
        RolloverEntry.objects.filter(rollover=rollover)
        .select_related("issue", "from_milestone", "to_milestone", "assignee", "reason_by")
        .order_by("assignee__username", "issue_id")
    )


def rollover_progress(rollover) -> dict:
    """How far the Slack thread got: replies planned and posted."""
    from django.db.models import Count, Q

    return rollover.replies.aggregate(planned=Count("pk"), posted=Count("pk", filter=~Q(ts="")))


# --- The milestone report ------------------------------------------------------------------------

CHRONIC_ROLLOVERS = 2


@dataclass
class ReportRow:
    """One stay of an issue in the milestone, with how it came in and how it ended."""

    membership: object
    issue: "Issue"
    visible: bool
    came_in: str  # "planned", "added", "rolled_in"
    outcome: str  # "completed", "rolled_over", "removed", "open"
    assignee: object
    reason: str = ""
    reason_by: object = None
    times_rolled: int = 0
    history: list = field(default_factory=list)

    @property
    def title(self) -> str:
        from requests_app.policy import CONFIDENTIAL_TITLE

        return self.issue.title if self.visible else CONFIDENTIAL_TITLE

    @property
    def chronic(self) -> bool:
        return self.times_rolled >= CHRONIC_ROLLOVERS


@dataclass
class PersonRow:
    name: str
    planned: int = 0
    added: int = 0
    completed: int = 0
    rolled_over: int = 0
    removed: int = 0
    rolled_in: int = 0  # counted within `planned`: carried in at the start

    @property
    def committed(self) -> int:
        return self.planned + self.added - self.removed

    def carry_over_rate_once(self, rolled: bool) -> float | None:
        from requests_app.metrics import carry_over_rate

        return carry_over_rate(rolled_over=self.rolled_over, committed=self.committed, rolled=rolled)

    @property
    def carry_over_rate(self) -> float | None:
        return self.carry_over_rate_once(True)


@dataclass
class MilestoneReport:
    milestone: object
    rollover: "Rollover | None"
    rows: list
    totals: PersonRow
    people: list
    chronic: list
    slack_thread_url: str = ""

    @property
    def rolled(self) -> bool:
        """Whether the rollover has moved the unfinished issues: before that, a carry-over rate of 0 would read
        as a perfect milestone, so the report shows none."""
        return self.rollover is not None and self.rollover.moved_at is not None


def _came_in(membership) -> str:
    from requests_app.models import MembershipEntered

    if membership.entered_how == MembershipEntered.ROLLED_IN:
        return "rolled_in"
    return "added" if membership.added_late else "planned"


def _outcome(membership, issue) -> str:
    from requests_app.metrics import issue_is_done
    from requests_app.models import MembershipLeft

    if membership.left_how == MembershipLeft.ROLLED_OUT:
        return "rolled_over"
    if membership.left_how == MembershipLeft.REMOVED:
        return "removed"
    if issue_is_done(issue):
        return "completed"
    return "open"


def milestone_report(user, milestone: Milestone) -> MilestoneReport:
    """Planned, added, completed, rolled over and removed work of a milestone, per person, with chronic
    roll-overs and their history: a fixed number of queries, whatever the number of issues."""
    from django.db.models import Count

    from requests_app.models import MilestoneMembership
    from requests_app.policy import issue_can_see
    from rollover.models import RolloverEntry

    memberships = list(
        MilestoneMembership.objects.filter(milestone=milestone)
        .select_related("milestone", "issue", "issue__assignee")
        .order_by("issue_id", "entered_at", "pk")
    )
    rollover = milestone.rollover_or_none
    entries = {
        e.issue_id: e
        for e in RolloverEntry.objects.filter(from_milestone=milestone).select_related(
            "issue", "issue__assignee", "assignee", "reason_by"
        )
    }
    memberships += _memberships_unrecorded(milestone, {m.issue_id for m in memberships}, entries)
    issue_ids = {m.issue_id for m in memberships}
    times = dict(
        RolloverEntry.objects.filter(issue_id__in=issue_ids)
        .values_list("issue_id")
        .annotate(n=Count("pk"))
        .values_list("issue_id", "n")
    )
    chronic_ids = {pk for pk, n in times.items() if n >= CHRONIC_ROLLOVERS}
    histories: dict[int, list] = {}
    for m in (
        MilestoneMembership.objects.filter(issue_id__in=chronic_ids)
        .select_related("milestone")
        .order_by("entered_at", "pk")
    ):
        histories.setdefault(m.issue_id, []).append(m)

    rows: list[ReportRow] = []
    people: dict[Any, PersonRow] = {}
    totals = PersonRow(name="All")
    for m in memberships:
        issue, entry = m.issue, entries.get(m.issue_id)
        outcome = _outcome(m, issue)
        assignee = entry.assignee if entry and outcome == "rolled_over" else issue.assignee
        row = ReportRow(
            membership=m, issue=issue, visible=issue_can_see(user, issue), came_in=_came_in(m), outcome=outcome,
            assignee=assignee, reason=entry.reason if entry and outcome == "rolled_over" else "",
            reason_by=entry.reason_by if entry and outcome == "rolled_over" else None,
            times_rolled=times.get(issue.pk, 0), history=histories.get(issue.pk, []),
        )  # fmt: skip
        rows.append(row)
        name = assignee.get_full_name() or assignee.get_username() if assignee else "Unassigned"
        for tally in (totals, people.setdefault(name, PersonRow(name=name))):
            tally.rolled_in += row.came_in == "rolled_in"
            if row.came_in in ("planned", "rolled_in"):
                tally.planned += 1
            else:
                tally.added += 1
            tally.completed += outcome == "completed"
            tally.rolled_over += outcome == "rolled_over"
            tally.removed += outcome == "removed"
    return MilestoneReport(
        milestone=milestone,
        rollover=rollover,
        rows=rows,
        totals=totals,
        people=sorted(people.values(), key=lambda p: (p.name == "Unassigned", p.name)),
        chronic=[r for r in rows if r.chronic],
        slack_thread_url=_slack_thread_url(rollover),
    )


def _memberships_unrecorded(milestone: Milestone, recorded: set[int], entries: dict) -> list:
    """Stays that predate the membership history (or were written around the services), rebuilt from the
    issue's milestone and the rollover records so the report still counts them: one query."""
    from requests_app.models import Issue, MembershipLeft, MilestoneMembership

    start = timezone.make_aware(datetime.datetime.combine(milestone.start_date, datetime.time.min))
    rebuilt = [
        MilestoneMembership(issue=e.issue, milestone=milestone, entered_at=min(e.issue.created_at, start),
                            left_at=e.created_at, left_how=MembershipLeft.ROLLED_OUT)
        for pk, e in entries.items() if pk not in recorded
    ]  # fmt: skip
    current = (
        Issue.objects.filter(milestone=milestone).exclude(pk__in=recorded | set(entries)).select_related("assignee")
    )
    rebuilt += [
        MilestoneMembership(issue=issue, milestone=milestone, entered_at=min(issue.created_at, start))
        for issue in current
    ]
    return rebuilt


def _slack_thread_url(rollover) -> str:
    from django.conf import settings

    if rollover is None or not rollover.parent_ts:
        return ""
    if not settings.SLACK_BOT_TOKEN or not rollover.parent_channel_id:
        return f"/slack/outbox/#ts-{rollover.parent_ts}"
    return f"https://slack.com/archives/{rollover.parent_channel_id}/p{rollover.parent_ts.replace('.', '')}"


@dataclass
class ChartPoint:
    milestone: object
    completed: int
    rolled_over: int
    rolled: bool = True  # whether its rollover has moved its unfinished issues yet

    committed: int = 0  # planned + added - removed

    @property
    def carry_over_rate(self) -> float | None:
        """`requests_app.metrics.carry_over_rate`: None until the rollover has moved the unfinished issues."""
        from requests_app.metrics import carry_over_rate

        return carry_over_rate(rolled_over=self.rolled_over, committed=self.committed, rolled=self.rolled)


def milestone_chart(day: datetime.date | None = None, count: int = 6) -> list[ChartPoint]:
    """Completed vs rolled over for the last `count` milestones that have started (two queries)."""
    from django.db.models import Count, Q

    from requests_app.metrics import done_q
    from requests_app.models import MembershipLeft, MilestoneMembership

    day = day or timezone.localdate()
    recent = list(
        Milestone.objects.filter(start_date__lte=day).select_related("rollover").order_by("-start_date")[:count]
    )[::-1]
    tallies: dict[int, Mapping[str, Any]] = {
        row["milestone"]: row
        for row in MilestoneMembership.objects.filter(milestone__in=recent)
        .values("milestone")
        .annotate(
            rolled=Count("pk", filter=Q(left_how=MembershipLeft.ROLLED_OUT)),
            done=Count("pk", filter=Q(left_at__isnull=True) & done_q("issue__")),
            committed=Count("pk", filter=~Q(left_how=MembershipLeft.REMOVED)),
        )
        .order_by()
    }
    return [
        ChartPoint(
            m,
            tallies.get(m.pk, {}).get("done", 0),
            tallies.get(m.pk, {}).get("rolled", 0),
            rolled=m.rollover_or_none is not None and m.rollover_or_none.moved_at is not None,
            committed=tallies.get(m.pk, {}).get("committed", 0),
        )
        for m in recent
    ]
