"""Reads: what a user may see and do, and the query shapes pages and the API use."""

import datetime
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, NamedTuple, cast

from django.db import connection, models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import Truncator

from labels.models import Label
from milestones.models import Milestone
from mktgops_portal.compiled_queries import CompiledQuery
from requests_app.cards import card_badge_possible, issue_card_badge, issues_annotate_for_cards
from requests_app.metrics import done_q, issue_is_done
from requests_app.models import Issue, IssueTransition, Stage
from requests_app.policy import epics_visible_to, issue_epic_for_user, issues_visible_to

__all__ = ["epics_visible_to", "issue_epic_for_user"]  # asked of policy.py, re-exported for the views


def issues_with_card_data(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    """The related rows a card or a list row shows, fetched in a constant number of queries, with what the
    badges of apps above issues need (`requests_app.cards`: the Sales Systems SLA), annotated in the same query."""
    return issues_annotate_for_cards(
        issues.select_related("requester", "assignee", "milestone").prefetch_related(
            Prefetch("labels", queryset=Label.objects.order_by("name"))
        )
    )


def issues_attach_labels(issues: list[Issue]) -> list[Issue]:
    """The labels of issues already in memory (e.g. just moved), as `issues_with_card_data` orders them."""
    prefetch_related_objects(issues, Prefetch("labels", queryset=Label.objects.order_by("name")))
    return issues


def issue_get_visible(user, pk) -> Issue | None:
    """The bare issue row if `user` may see it (no related rows): for writes that re-read it themselves."""
    return issues_visible_to(user).filter(pk=pk).first()


def issue_get_for_user(user, pk) -> Issue | None:
    """The issue if `user` may see it; None both when it is missing and when it is hidden (no leak)."""
    return (
        issues_with_card_data(issues_visible_to(user))
        .select_related("business_owner", "signed_off_by", "closed_in_milestone", "rollover_reason_by", "epic")
        .filter(pk=pk)
        .first()
    )


def issue_column(stage: str) -> QuerySet[Issue]:
    """A board column in its persisted order."""
    return Issue.objects.filter(stage=stage, closed_at__isnull=True).order_by("position", "pk")


CHANGELOG_LABELS = ["MktgOps - changelog", "SMOps/Systems - Changelog"]


def changelog_entries(user) -> QuerySet[Issue]:
    """Completed issues carrying a changelog label, newest completion first, with when they completed."""
    from django.db.models import OuterRef, Subquery

    from requests_app.models import IssueTransition

    completed = IssueTransition.objects.filter(issue=OuterRef("pk"), to_stage=Stage.COMPLETED).order_by("-at")
    return (
        issues_with_card_data(issues_visible_to(user))
        .filter(stage=Stage.COMPLETED, labels__name__in=CHANGELOG_LABELS)
        .distinct()
        .annotate(completed_at=Subquery(completed.values("at")[:1]))
        .order_by("-completed_at", "-pk")
    )


def epic_progress(user, epic) -> dict:
    """An epic's visible issues with progress by stage and total weight (two queries)."""
    from django.db.models import Count

    issues = list(issues_with_card_data(issues_visible_to(user)).filter(epic=epic).order_by("stage", "position"))
    counts = dict(
        issues_visible_to(user).filter(epic=epic).values_list("stage").annotate(n=Count("pk")).values_list("stage", "n")
    )
    total = len(issues)
    done = sum(1 for i in issues if issue_is_done(i))
    return {
        "issues": issues,
        "by_stage": [(stage, counts.get(stage.value, 0)) for stage in Stage],
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else 0,
        "weight": sum(i.weight or 0 for i in issues),
        "weight_done": sum(i.weight or 0 for i in issues if issue_is_done(i)),
    }


def epic_get_for_user(user, pk):
    """The epic if `user` may see it; None both when it is missing and when it is hidden."""
    return epics_visible_to(user).select_related("created_by").filter(pk=pk).first()


def epic_list(user):
    """The epics `user` may see with counts of their issues `user` may see (hidden ones are not counted)."""
    visible = Q(issues__in=issues_visible_to(user))
    return (
        epics_visible_to(user)
        .annotate(
            issue_count=Count("issues", filter=visible),
            done_count=Count("issues", filter=visible & done_q("issues__")),
        )
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "transition", "event" or "comment"
    item: object


def issue_timeline(issue: Issue, user=None) -> list[TimelineEntry]:
    """Stage moves, events and comments of one issue in time order, with the comments' files, the edits'
    previous text and the linked issues: four queries, whatever their number.

    With `user`, an event naming an issue `user` may not see carries `other_visible = False` (the page reads
    "a confidential issue" instead of its number and title).
    """
    from requests_app.models import Attachment, Comment, IssueEvent, IssueTransition
    from requests_app.policy import issue_can_see

    transitions = IssueTransition.objects.filter(issue=issue).select_related("by")
    events: Iterable[IssueEvent] = IssueEvent.objects.filter(issue=issue).select_related(
        "by", "other_issue", "revision"
    )
    comments = (
        Comment.objects.filter(issue=issue)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
    )
    events = list(events)
    for event in events:
        event.other_visible = event.other_issue is not None and (user is None or issue_can_see(user, event.other_issue))
    entries = [
        *(TimelineEntry(t.at, "transition", t) for t in transitions),
        *(TimelineEntry(e.at, "event", e) for e in events),
        *(TimelineEntry(c.created_at, "comment", c) for c in comments),
    ]
    return sorted(entries, key=lambda e: e.at)


def issue_files(issue: Issue) -> list:
    """The files filed with the request itself (not those on comments), oldest first: one query."""
    from requests_app.models import Attachment

    return list(Attachment.objects.filter(issue=issue, comment__isnull=True).order_by("uploaded_at", "pk"))


@dataclass(frozen=True)
class LinkView:
    """One link as `issue`'s page shows it: `label` read from this end, the `other` issue or None when the
    viewer may not see it ("a confidential issue")."""

    pk: int
    label: str
    other: Issue | None


# How a stored link reads from its source and from its target.
LINK_LABELS = {
    "relates": ("relates to", "relates to"),
    "blocks": ("blocks", "is blocked by"),
    "duplicate_of": ("duplicate of", "has duplicate"),
}


def issue_links_for(user, issue: Issue) -> list[LinkView]:
    """Links of `issue` both ways, masked where `user` may not see the other end: one query."""
    from requests_app.models import IssueLink
    from requests_app.policy import issue_can_see

    links = IssueLink.objects.filter(Q(source=issue) | Q(target=issue)).select_related("source", "target")
    views = []
    for link in links.order_by("kind", "pk"):
        outgoing = link.source_id == issue.pk
        other = link.target if outgoing else link.source
        label = LINK_LABELS[link.kind][0 if outgoing else 1]
        views.append(LinkView(link.pk, label, other if issue_can_see(user, other) else None))
    return views


# --- Needed-by dates (issue 13) ------------------------------------------------------------------------------
DUE_CHOICES = [
    ("overdue", "Overdue"),
    ("week", "Due within 7 days"),
    ("set", "Has a date"),
    ("none", "No date"),
]


def issues_due(issues: QuerySet[Issue], due: str) -> QuerySet[Issue]:
    """Filter by needed-by date: overdue (open, date before today), week (today … 7 days on), set, none."""
    import datetime

    today = timezone.localdate()
    if due == "overdue":
        return issues.filter(needed_by__lt=today, closed_at__isnull=True)
    if due == "week":
        return issues.filter(needed_by__gte=today, needed_by__lte=today + datetime.timedelta(days=7))
    if due == "set":
        return issues.filter(needed_by__isnull=False)
    if due == "none":
        return issues.filter(needed_by__isnull=True)
    return issues


# --- The board -------------------------------------------------------------------------------------

# Cards a column shows before "Load more"; the board's cost is bounded by this, not by the open issues.
BOARD_PAGE_SIZE = 20
NOT_STARTED = [Stage.TRIAGE, Stage.NEEDS_INFO, Stage.READY, Stage.ASSIGNED]
# With swimlanes every person has nine cells: a shorter first page keeps the page as light as the plain board.
BOARD_LANE_PAGE_SIZE = 5
PRIORITY_SCOPE = "MktgOpsPriority"
UNASSIGNED_LANE = "none"


@dataclass(frozen=True)
class BoardFilters:
    """What the board shows, read from its URL.

    `milestone`: "current" (the default: the current milestone's issues, the unplanned ones and the work not
    started yet, 00–03, whatever milestone it is slotted into), "any", "none", or a milestone id.
    """

    milestone: str = "current"
    assignee: str = ""  # a username, or "none"
    label: str = ""
    priority: str = ""  # the value of the MktgOpsPriority:: label: High, Medium, Low
    request_type: str = ""
    q: str = ""
    lanes: bool = False  # swimlanes by assignee
    due: str = ""  # a DUE_CHOICES value: overdue, week, set, none


@dataclass
class BoardColumn:
    stage: str
    label: str
    lane: str
    count: int
    cards: list
    cards_html: str = ""  # the cards' markup, rendered by the board view

    @property
    def has_more(self) -> bool:
        return self.count > len(self.cards)


@dataclass
class BoardLane:
    key: str  # "all" without swimlanes; an assignee's id, or UNASSIGNED_LANE
    name: str  # the assignee's name, "Unassigned", or "" for "all"
    columns: list[BoardColumn]

    @property
    def count(self) -> int:
        return sum(c.count for c in self.columns)


@dataclass
class Board:
    lanes: list[BoardLane]
    totals: dict[str, int]


def issue_sla(issue: Issue):
    """The badge of a card or list row (`requests_app.cards`: the Sales Systems SLA), or None."""
    return issue_card_badge(issue)


def board_issues(user, filters: BoardFilters, *, current_milestone=None) -> QuerySet[Issue]:
    """The open issues `user` may see that match the board's filters (unordered)."""
    issues = issues_visible_to(user).filter(closed_at__isnull=True)
    milestone = filters.milestone
    if milestone == "none":
        issues = issues.filter(milestone__isnull=True)
    elif milestone.isdigit():
        issues = issues.filter(milestone_id=int(milestone))
    elif milestone != "any":
        planned_now = Q(milestone=current_milestone) if current_milestone else Q(pk__in=[])
        # 03 means "slotted into a coming milestone": without these the Assigned column would always be empty,
        # and a card would vanish from the board as soon as its future milestone is set for the move to 03.
        not_started = Q(stage__in=NOT_STARTED) | Q(stage=Stage.BLOCKED, blocked_from__in=NOT_STARTED)
        issues = issues.filter(planned_now | Q(milestone__isnull=True) | not_started)
    if filters.assignee == UNASSIGNED_LANE:
        issues = issues.filter(assignee__isnull=True)
    elif filters.assignee:
        issues = issues.filter(assignee__username=filters.assignee)
    if filters.label:
        issues = issues.filter(labels__name=filters.label)
    if filters.priority:
        issues = issues.filter(labels__name=f"{PRIORITY_SCOPE}::{filters.priority}")
    if filters.request_type:
        issues = issues.filter(request_type=filters.request_type)
    if filters.due:
        issues = issues_due(issues, filters.due)
    text = filters.q.strip()
    if text:
        number = issue_number(text)
        match = Q(title__icontains=text) | Q(description__icontains=text)
        issues = issues.filter(match if number is None else match | Q(pk=number))
    return issues


# "#123" or "123" typed in a search box. ASCII digits only ("²".isdigit() is true, int("²") fails) and at
# most 18 of them, so the number always fits a 64-bit database integer.
ISSUE_NUMBER = re.compile(r"#?([0-9]{1,18})")


def issue_number(text: str) -> int | None:
    """The issue number a search text names, or None when it is not one."""
    match = ISSUE_NUMBER.fullmatch(text.strip())
    return int(match.group(1)) if match else None


def _lane_key(assignee_id) -> str:
    return str(assignee_id) if assignee_id is not None else UNASSIGNED_LANE


def _latest_block():
    return IssueTransition.objects.filter(issue=OuterRef("pk"), to_stage=Stage.BLOCKED).order_by("-at", "-pk")


def issues_with_blocked_since(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    """What a blocked card waits on and since when: the reason and time of its latest move into 07, annotated in
    the cards' own query (`blocked_reason`, `blocked_at`; None outside 07), not looked up card by card."""
    blocked = Q(stage=Stage.BLOCKED)
    return issues.annotate(
        blocked_reason=Case(
            When(blocked, then=Subquery(_latest_block().values("reason")[:1])), output_field=TextField()
        ),
        blocked_at=Case(When(blocked, then=Subquery(_latest_block().values("at")[:1])), output_field=DateTimeField()),
    )


def blocked_age(delta) -> str:
    """How long a card has been blocked, as a glance reads it: "< 1 h", "5 h", "3 d" (whole units, rounded down).

    Minutes are noise on a board (ICs read "blocked 0m" as a glitch), so the first hour is "< 1 h".
    """
    hours = max(int(delta.total_seconds() // 3600), 0)
    if hours >= 24:
        return f"{hours // 24} d"
    return f"{hours} h" if hours else "< 1 h"


class CardLabel(NamedTuple):
    name: str
    color: str
    scope: str  # "" for an unscoped label
    value: str  # the part after "scope::", or the whole name


@dataclass(slots=True)
class BoardCard:
    """One card as the board shows it: plain values read in the cards' own query, no model instance.

    `labels` are `CardLabel`s by name, without the priority label, whose value is `priority`; `blocked_for` reads
    like "3 d" (see `blocked_age`); `sla` is the Sales Systems badge or None; the URLs and `move_targets`
    are filled in by the board view.
    """

    pk: int
    title: str
    stage: str
    confidential: bool
    weight: int | None
    signed_off_at: object
    blocked_from: str
    assignee_id: int | None
    assignee_name: str
    milestone_id: int | None
    milestone: object  # an unsaved Milestone with its dates: what the policy's guards read for the move options
    requester_id: int
    business_owner_id: int | None  # whose sign-off 05 -> 06 waits for (policy)
    blocked_reason: str | None = None
    blocked_at: object = None
    blocked_for: str = ""
    blocked_since: str = ""  # "Mon 3 Nov, 14:05", local time
    blocked_reason_short: str = ""  # at most 70 characters, "…" when cut
    priority: str | None = None
    labels: list = field(default_factory=list)
    sla: object = None
    detail_url: str = ""
    move_url: str = ""
    move_targets: list = field(default_factory=list)
    move_target_codes: str = ""
    move_needs: str = ""
    closed_at: object = None  # the board shows open issues only
    _pending_reason: str = ""  # as on Issue: the guards read it
    _today: object = None  # as on Issue: the milestone guards judge by this day when set (issue_move(now=))
    reply_waiting: bool = False  # the requester answered 01's question; MktgOps has not acted since
    needed_by: datetime.date | None = None

    @property
    def is_overdue(self) -> bool:
        """As `Issue.is_overdue`: needed before today (the site's time zone); cards are open issues."""
        return self.needed_by is not None and self.needed_by < timezone.localdate()

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label


# What a card shows, read as plain values (an Issue instance per card costs more than its SQL on a full board).
CARD_VALUES = (
    "pk",
    "title",
    "stage",
    "confidential",
    "weight",
    "signed_off_at",
    "blocked_from",
    "assignee_id",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "requester_id",
    "business_owner_id",
    "milestone_id",
    "milestone__start_date",
    "milestone__due_date",
    "blocked_reason",
    "blocked_at",
    "reply_waiting",
    "needed_by",
)


def _person_name(first: str, last: str, username: str) -> str:
    """As `User.get_full_name() or get_username()`, from the values alone."""
    return f"{first or ''} {last or ''}".strip() or username or ""


def board_cards(issues: QuerySet[Issue], *, limit: int | None = None) -> list[BoardCard]:
    """The first `limit` (default all) cards of `issues` in board order (position, then id): one query for the
    rows (with the blocked reason and time and the SLA fields annotated), one for their labels. Raises nothing."""
    annotated = issues_annotate_for_cards(issues_with_blocked_since(issues))
    contributed, related = _contributed_values(annotated)
    query = annotated.order_by("position", "pk").values(*CARD_VALUES, *contributed)
    rows = list(query[:limit] if limit is not None else query)
    labels_by_issue = _card_labels([row["pk"] for row in rows])
    now = timezone.now()
    milestones: dict[int, Milestone] = {}
    cards = []
    for row in rows:
        badge_source = SimpleNamespace(**{name: row[name] for name in contributed if "__" not in name})
        for rel, fields in related.items():
            values = {field: row[f"{rel}__{field}"] for field in fields}
            setattr(
                badge_source, rel, SimpleNamespace(**values) if any(v is not None for v in values.values()) else None
            )
        cards.append(
            _card(
                row,
                labels_by_issue.get(row["pk"], []),
                sla=issue_card_badge(badge_source),
                now=now,
                milestones=milestones,
            )
        )
    return cards


def _card_labels_query(issues: Q) -> QuerySet:
    """(issue id, label name, colour) rows of the `issues` the condition picks, by label name."""
    through = Issue.labels.through.objects.filter(issues)
    return through.order_by("label__name").values_list("issue_id", "label__name", "label__color")


# The card a move answers with reads one issue's labels: compiled once (see mktgops_portal.compiled_queries).
ONE_CARD_LABELS = CompiledQuery(lambda issue_id: _card_labels_query(Q(issue_id=issue_id)))


def _card_labels(issue_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Each issue's labels as (name, colour), by name: one query on the through table (none for no ids)."""
    labels_by_issue: dict[int, list[tuple[str, str]]] = {}
    if len(issue_ids) == 1:
        rows = ONE_CARD_LABELS.fetch(issue_ids[0])
    else:
        rows = list(_card_labels_query(Q(issue_id__in=issue_ids))) if issue_ids else []
    for issue_id, name, color in rows:
        labels_by_issue.setdefault(issue_id, []).append((name, color))
    return labels_by_issue


def _card(
    row: Mapping[str, Any], labels: list[tuple[str, str]], *, sla: object, now, milestones: dict[int, Milestone]
) -> BoardCard:
    """The one place that decides what a card shows, from its `CARD_VALUES`, its labels by name and its badge:
    the priority label split off, the blocked text, the assignee's name, the milestone the guards read (one
    unsaved `Milestone` per id, shared through `milestones`)."""
    milestone = None
    if row["milestone_id"] is not None:
        milestone = milestones.get(row["milestone_id"])
        if milestone is None:
            milestone = milestones[row["milestone_id"]] = Milestone(
                pk=row["milestone_id"], start_date=row["milestone__start_date"], due_date=row["milestone__due_date"]
            )
    blocked_at = row["blocked_at"] if row["stage"] == Stage.BLOCKED else None
    return BoardCard(
        pk=row["pk"],
        title=row["title"],
        stage=row["stage"],
        confidential=row["confidential"],
        weight=row["weight"],
        signed_off_at=row["signed_off_at"],
        blocked_from=row["blocked_from"],
        assignee_id=row["assignee_id"],
        assignee_name=_person_name(row["assignee__first_name"], row["assignee__last_name"], row["assignee__username"]),
        milestone_id=row["milestone_id"],
        milestone=milestone,
        requester_id=row["requester_id"],
        business_owner_id=row["business_owner_id"],
        blocked_reason=row["blocked_reason"],
        blocked_at=blocked_at,
        blocked_for=blocked_age(now - blocked_at) if blocked_at else "",
        blocked_since=date_format(timezone.localtime(blocked_at), "D j M, H:i") if blocked_at else "",
        blocked_reason_short=Truncator(row["blocked_reason"] or "").chars(70),
        reply_waiting=row["reply_waiting"],
        needed_by=row["needed_by"],
        priority=next((name.rpartition("::")[2] for name, _ in labels if _scope(name) == PRIORITY_SCOPE), None),
        labels=[
            CardLabel(name, color, _scope(name), name.rpartition("::")[2])
            for name, color in labels
            if _scope(name) != PRIORITY_SCOPE
        ],
        sla=sla,
    )


def _contributed_values(issues: QuerySet[Issue]) -> tuple[list[str], dict[str, list[str]]]:
    """What the apps contributing card badges (`requests_app.cards`) added to `issues`, as `values()` names: their
    annotations, and the fields of the relations they select (rebuilt as plain objects for their badge)."""
    own = {"blocked_reason", "blocked_at"}
    names = [name for name in issues.query.annotations if name not in own]
    related: dict[str, list[str]] = {}
    if isinstance(issues.query.select_related, dict):
        for rel in issues.query.select_related:
            model = cast("type[models.Model]", Issue._meta.get_field(rel).related_model)
            related[rel] = [f.attname for f in model._meta.concrete_fields]
    return [*names, *(f"{rel}__{field}" for rel, fields in related.items() for field in fields)], related


def _scope(name: str) -> str:
    return name.rpartition("::")[0]


def board_card(issue_id: int) -> BoardCard | None:
    """One card, read as the board reads it: two queries (None if there is no such issue)."""
    cards = board_cards(Issue.objects.filter(pk=issue_id))
    return cards[0] if cards else None


def board_card_from_issue(issue: Issue) -> BoardCard | None:
    """The card of `issue` as `board_card(issue.pk)` reads it, built from the instance: `issue` must have its
    `assignee` and `milestone` loaded (as `services.issue_move` returns it), and its labels are read (one query).

    A blocked card (the reason and time of its latest move into 07) or one an app above issues may give a badge
    (`requests_app.cards.card_badge_possible`) needs the annotated read: `board_card`, as rare as those cards are.
    """
    if issue.stage == Stage.BLOCKED:
        return board_card(issue.pk)
    labels = _card_labels([issue.pk]).get(issue.pk, [])
    if card_badge_possible([name for name, _ in labels]):
        return board_card(issue.pk)
    return _card(_card_values_of(issue), labels, sla=None, now=timezone.now(), milestones={})


def _card_values_of(issue: Issue) -> dict[str, Any]:
    """`CARD_VALUES` read off a loaded instance as the cards' query reads them from the database: relations
    followed (`assignee__username`: None without an assignee), choices as their plain codes (the FSM leaves a
    `Stage` on the instance), the blocked annotations None (outside 07, as `issues_with_blocked_since` gives)."""
    row: dict[str, Any] = {"blocked_reason": None, "blocked_at": None}
    for name in CARD_VALUES:
        if name in row:
            continue
        value: Any = issue
        for part in name.split("__"):
            value = None if value is None else getattr(value, part)
        row[name] = value.value if isinstance(value, enum.Enum) else value
    return row


def board_page_size(filters: BoardFilters) -> int:
    return BOARD_LANE_PAGE_SIZE if filters.lanes else BOARD_PAGE_SIZE


def board_counts(user, filters: BoardFilters, *, current_milestone=None) -> dict[str, dict[str, int]]:
    """{lane key: {stage: open issues}} in one aggregate query; lane "all" without swimlanes.

    A plain COUNT is right: the only joins the filters add match one row per issue (one label name, one user).
    The partial index on open issues' (stage, position) answers it without reading closed issues.
    """
    issues = board_issues(user, filters, current_milestone=current_milestone).order_by()
    counts: dict[str, dict[str, int]] = {}
    if filters.lanes:
        rows: Iterable[Mapping[str, Any]] = issues.values("assignee_id", "stage").annotate(n=Count("pk"))
        for row in rows:
            counts.setdefault(_lane_key(row["assignee_id"]), {})[row["stage"]] = row["n"]
    else:
        rows = issues.values("stage").annotate(n=Count("pk"))
        counts["all"] = {row["stage"]: row["n"] for row in rows}
    return counts


def _first_pages(issues: QuerySet[Issue], filters: BoardFilters, counts: dict) -> QuerySet[Issue]:
    """The ids of every non-empty cell's first page, as one `UNION ALL` of per-cell top-N subqueries, each of
    which the (stage, position) index answers by reading about a page of rows, however long the column."""
    pages = []
    for lane, by_stage in counts.items():
        cell = issues
        if filters.lanes:
            cell = cell.filter(assignee__isnull=True) if lane == UNASSIGNED_LANE else cell.filter(assignee_id=int(lane))
        for stage, count in by_stage.items():
            if count:
                page = cell.filter(stage=stage).order_by("position", "pk").values("pk")[: board_page_size(filters)]
                if not connection.features.supports_slicing_ordering_in_compound:
                    page = Issue.objects.filter(pk__in=page).order_by().values("pk")  # SQLite: no LIMIT inside a UNION
                pages.append(page)
    if not pages:
        return Issue.objects.none()
    ids = pages[0].union(*pages[1:], all=True) if len(pages) > 1 else pages[0]
    if connection.vendor == "postgresql":
        # `id = ANY(ARRAY(…))`: the ids first, then one primary-key lookup each. With `id IN (…)` the planner
        # hashes the ids and scans every issue against them, a cost that grows with the table.
        in_ids = Func(F("pk"), Subquery(ids), arg_joiner=" = ANY(ARRAY", template="%(expressions)s)")
        return Issue.objects.filter(ExpressionWrapper(in_ids, output_field=BooleanField()))
    return Issue.objects.filter(pk__in=ids)


def board_columns(user, filters: BoardFilters, *, current_milestone=None) -> Board:
    """Every column's count and its first BOARD_PAGE_SIZE cards, in three queries at any size.

    Counts: one aggregate. Cards: one query for the first pages of all columns (see `_first_pages`), read as
    plain rows (`board_cards`), plus one for their labels. (A ROW_NUMBER() window would rank every open issue.)
    """
    counts = board_counts(user, filters, current_milestone=current_milestone)
    issues = board_issues(user, filters, current_milestone=current_milestone)
    cards = board_cards(_first_pages(issues, filters, counts))
    by_cell: dict[tuple[str, str], list[BoardCard]] = {}
    names = {}
    for card in cards:
        lane = _lane_key(card.assignee_id) if filters.lanes else "all"
        by_cell.setdefault((lane, card.stage), []).append(card)
        names[lane] = card.assignee_name
    if filters.lanes:
        # People first, by name; the unassigned lane last. A lane exists only where it holds issues.
        keys = sorted((k for k in counts if k != UNASSIGNED_LANE), key=lambda k: names[k].lower())
        keys += [UNASSIGNED_LANE] if UNASSIGNED_LANE in counts else []
    else:
        keys = ["all"]
    lanes = [
        BoardLane(
            key=key,
            name=names.get(key, "") if key != UNASSIGNED_LANE else "Unassigned",
            columns=[
                BoardColumn(
                    stage=stage.value,
                    label=stage.label,
                    lane=key,
                    count=counts.get(key, {}).get(stage.value, 0),
                    cards=by_cell.get((key, stage.value), []),
                )
                for stage in Stage
            ],
        )
        for key in keys
    ]
    totals = {stage.value: sum(c.get(stage.value, 0) for c in counts.values()) for stage in Stage}
    return Board(lanes=lanes, totals=totals)


def board_column_page(
    user,
    filters: BoardFilters,
    *,
    stage: str,
    lane: str = "all",
    after_id: int | None = None,
    current_milestone=None,
) -> tuple[list[BoardCard], bool]:
    """The next BOARD_PAGE_SIZE cards of one column after card `after_id` (keyset), and whether more follow."""
    issues = board_issues(user, filters, current_milestone=current_milestone).filter(stage=stage)
    if filters.lanes and lane != "all":
        issues = (
            issues.filter(assignee__isnull=True) if lane == UNASSIGNED_LANE else issues.filter(assignee_id=int(lane))
        )
    if after_id is not None:
        # Only a card the user may see: paging after a hidden one must not reveal where it sits.
        after = issues_visible_to(user).filter(pk=after_id).values_list("position", flat=True).first()
        if after is not None:
            issues = issues.filter(Q(position__gt=after) | Q(position=after, pk__gt=after_id))
    size = board_page_size(filters)
    page = board_cards(issues, limit=size + 1)
    return page[:size], len(page) > size


def mktgops_members() -> QuerySet:
    """People who can be assigned: the MktgOps team (ICs and managers)."""
    from django.contrib.auth import get_user_model

    from accounts.roles import MANAGERS_GROUP, MKTGOPS_GROUP

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[MKTGOPS_GROUP, MANAGERS_GROUP])
        .distinct()
        .order_by("first_name", "username")
    )


def attachment_get_for_user(user, issue_pk, pk):
    """The attachment when `user` may see its issue; None when either is missing or hidden."""
    from requests_app.models import Attachment

    return Attachment.objects.filter(pk=pk, issue__in=issues_visible_to(user).filter(pk=issue_pk)).first()


def initial_source_statuses() -> dict[str, str]:
    """Every Initial Source value and its status, for the list-import check."""
    from labels.models import InitialSource

    return dict(InitialSource.objects.values_list("name", "status"))


def issues_unfinished_in(milestone):
    """The issues of `milestone` that are not done (`metrics.done_q`): what its rollover moves."""
    from requests_app.metrics import done_q

    return Issue.objects.filter(milestone=milestone).exclude(done_q())
