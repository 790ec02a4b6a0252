import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from milestones.models import Milestone

# Today's current milestone is read by every board render and every move's guards: cached for a minute, keyed
# on the day (a new day is a new key), and dropped whenever a milestone is saved or deleted.
CURRENT_CACHE_SECONDS = 60


def _current_key(day: datetime.date) -> str:
    return f"milestone_current:{day.isoformat()}"


def milestone_current(day: datetime.date | None = None) -> Milestone | None:
    """The milestone whose two weeks contain `day` (today by default; today's answer is cached, see above)."""
    if day is not None:
        return Milestone.objects.filter(start_date__lte=day, due_date__gte=day).first()
    day = timezone.localdate()
    cached = cache.get(_current_key(day))
    if cached is not None:
        return cached[0]
    current = Milestone.objects.filter(start_date__lte=day, due_date__gte=day).first()
    cache.set(_current_key(day), (current,), CURRENT_CACHE_SECONDS)  # a tuple: "none current" is cached too
    return current


def milestone_current_forget(**kwargs) -> None:
    """Drop today's cached current milestone (a milestone changed)."""
    cache.delete(_current_key(timezone.localdate()))


def connect_milestone_cache_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(milestone_current_forget, sender=Milestone, dispatch_uid="milestone_current_saved")
    post_delete.connect(milestone_current_forget, sender=Milestone, dispatch_uid="milestone_current_deleted")


def milestone_next(milestone: Milestone) -> Milestone | None:
    return Milestone.objects.filter(start_date__gt=milestone.due_date).order_by("start_date").first()


def milestone_list() -> QuerySet[Milestone]:
    return Milestone.objects.order_by("-start_date")


def milestones_open_for_planning(day: datetime.date | None = None) -> QuerySet[Milestone]:
    """Milestones an issue can be slotted into: the current one and those ahead, not closed."""
    day = day or timezone.localdate()
    return Milestone.objects.filter(due_date__gte=day, closed_at__isnull=True).order_by("start_date")


MILESTONE_CLOSED = "milestone_closed"
MILESTONE_ENDED = "milestone_ended"


def milestone_planning_refusal(milestone: Milestone, day: datetime.date | None = None) -> tuple[str, str] | None:
    """Why no issue may be put into `milestone` now, as (code, message), or None when it may.

    The one place this rule lives (forms, the API, the admin and the services ask it): a closed milestone takes no
    issues, nor does one that has ended (its unfinished issues roll over; a late one would be missed and grow the
    report after the fact). `milestones_open_for_planning` lists the ones that pass.
    """
    day = day or timezone.localdate()
    if milestone.closed_at:
        return MILESTONE_CLOSED, f"{milestone.title} is closed; choose the current milestone or one ahead."
    if milestone.due_date < day:
        return (
            MILESTONE_ENDED,
            f"{milestone.title} ended on {milestone.due_date:%Y-%m-%d}; choose the current milestone or one ahead.",
        )
    return None


def cadence_period(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Start and due date of the cadence period containing `day`."""
    length = settings.MILESTONE_LENGTH_DAYS
    anchor = settings.MILESTONE_ANCHOR
    # Align the anchor to the configured weekday so a changed weekday still yields whole periods.
    anchor = anchor + datetime.timedelta(days=(settings.MILESTONE_START_WEEKDAY - anchor.weekday()) % 7)
    offset = (day - anchor).days // length
    start = anchor + datetime.timedelta(days=offset * length)
    return start, start + datetime.timedelta(days=length - 1)


def milestone_rollover_target(milestone: Milestone, day: datetime.date | None = None) -> Milestone | None:
    """Where a rollover moves the issues: the first open milestone after this one that has not ended.

    Normally the one right after it (now current). A rollover run late skips milestones that have ended
    too, so an issue never lands in a milestone whose own rollover may already have happened.
    """
    day = day or timezone.localdate()
    return (
        Milestone.objects.filter(start_date__gt=milestone.due_date, due_date__gte=day, closed_at__isnull=True)
        .order_by("start_date")
        .first()
    )


def rollover_candidates(milestone: Milestone):
    """The issues a rollover of `milestone` moves: open and not Completed."""
    from requests_app.models import Issue, Stage

    return Issue.objects.filter(milestone=milestone, closed_at__isnull=True).exclude(stage=Stage.COMPLETED)


def milestones_due_for_rollover(day: datetime.date | None = None) -> QuerySet[Milestone]:
    """Ended milestones whose rollover has not finished (never started, stopped half-way, or failed)."""
    from milestones.models import RolloverStatus

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
        row = counts.get(milestone.pk, {})
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
    from milestones.models import RolloverEntry

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
    issue: object
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
        return self.issue.title if self.visible else "Confidential issue"

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

    @property
    def carry_over_rate(self) -> float:
        return self.rolled_over / self.committed if self.committed > 0 else 0.0


@dataclass
class MilestoneReport:
    milestone: object
    rollover: object
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
    from milestones.models import MembershipEntered

    if membership.entered_how == MembershipEntered.ROLLED_IN:
        return "rolled_in"
    return "added" if membership.added_late else "planned"


def _outcome(membership, issue) -> str:
    from milestones.models import MembershipLeft
    from requests_app.models import Stage

    if membership.left_how == MembershipLeft.ROLLED_OUT:
        return "rolled_over"
    if membership.left_how == MembershipLeft.REMOVED:
        return "removed"
    if issue.stage == Stage.COMPLETED or issue.closed_at is not None:
        return "completed"
    return "open"


def milestone_report(user, milestone: Milestone) -> MilestoneReport:
    """Planned, added, completed, rolled over and removed work of a milestone, per person, with chronic
    roll-overs and their history: a fixed number of queries, whatever the number of issues."""
    from django.db.models import Count

    from milestones.models import MilestoneMembership, RolloverEntry
    from requests_app.policy import issue_can_see

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

    rows, people = [], {}
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
    from milestones.models import MembershipLeft, MilestoneMembership
    from requests_app.models import Issue

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

    @property
    def carry_over_rate(self) -> float | None:
        """None until the rollover has moved the unfinished issues: before that, nothing has rolled over yet, and
        0 would read as a perfect milestone."""
        if not self.rolled:
            return None
        total = self.completed + self.rolled_over
        return self.rolled_over / total if total else 0.0


def milestone_chart(day: datetime.date | None = None, count: int = 6) -> list[ChartPoint]:
    """Completed vs rolled over for the last `count` milestones that have started (two queries)."""
    from django.db.models import Count, Q

    from milestones.models import MembershipLeft, MilestoneMembership
    from requests_app.models import Stage

    day = day or timezone.localdate()
    recent = list(
        Milestone.objects.filter(start_date__lte=day).select_related("rollover").order_by("-start_date")[:count]
    )[::-1]
    tallies = {
        row["milestone"]: row
        for row in MilestoneMembership.objects.filter(milestone__in=recent)
        .values("milestone")
        .annotate(
            rolled=Count("pk", filter=Q(left_how=MembershipLeft.ROLLED_OUT)),
            done=Count(
                "pk",
                filter=Q(left_at__isnull=True) & (Q(issue__stage=Stage.COMPLETED) | Q(issue__closed_at__isnull=False)),
            ),
        )
        .order_by()
    }
    return [
        ChartPoint(
            m,
            tallies.get(m.pk, {}).get("done", 0),
            tallies.get(m.pk, {}).get("rolled", 0),
            rolled=m.rollover_or_none is not None and m.rollover_or_none.moved_at is not None,
        )
        for m in recent
    ]
