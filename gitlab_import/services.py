"""Writes: bring a GitLab project's history in (issues, labels, milestones, notes, events, memberships).

`gitlab_import(...)` reads a source (ExportFile or GitLabProject) and imports each issue in its own
transaction, so a bad record costs that record only. Every write to another app's tables goes through that
app's import services (requests_app `issue_import_upsert` / `issue_stage_import` / `issue_history_import`,
labels `label_import_get_or_create` / `labels_import_set`, milestones `milestone_import_upsert` /
`milestone_history_import`). A dry run does the same work and rolls each issue back. Reading the next record
(an API page) happens between transactions, never inside one.
"""

import datetime
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.db import connection, transaction
from django.utils import timezone

from accounts.roles import user_is_manager
from gitlab_import import gitlab_api
from gitlab_import.errors import ImportErrorCode
from gitlab_import.export_file import ExportFile, ExportFileError
from gitlab_import.label_map import LabelMap
from gitlab_import.models import ImportedIssue, ImportedRecord, ImportRun, RecordKind, RunStatus, SourceKind
from gitlab_import.records import BadInput, Person, SourceIssue, SourceMilestone
from labels.models import STAGE_SCOPE, label_scope
from labels.services import label_import_get_or_create, labels_import_set
from milestones.models import Milestone
from milestones.selectors import cadence_period
from mktgops_portal.errors import Forbidden, Invalid, PortalError, Unavailable
from requests_app.models import EventKind, MembershipEntered, MembershipLeft, Stage
from requests_app.services import issue_history_import, issue_import_upsert, issue_stage_import
from rollover.services import milestone_history_import, milestone_import_finish, milestone_import_upsert

logger = logging.getLogger(__name__)
User = get_user_model()

# GitLab's stand-in for a deleted account; an issue whose author is gone is requested by it.
GHOST = Person("ghost", "Ghost User")
# A milestone change and the end of the previous milestone this close together read as a rollover.
ROLLOVER_WINDOW = datetime.timedelta(minutes=5)
EXAMPLES_KEPT = 5


class _DryRun(Exception):
    """Raised at the end of a dry-run issue's transaction to roll it back."""


@dataclass
class ImportSummary:
    """What a run did (or would do): counts per kind and outcome, the decisions it took, what it skipped."""

    dry_run: bool = False
    counts: dict[str, Counter] = field(default_factory=dict)
    decisions: dict[str, dict] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        if n:
            self.counts.setdefault(kind, Counter())[outcome] += n

    def decide(self, decision: str, example: str = "") -> None:
        """Record a mapping decision once per kind of decision, with its first few examples."""
        row = self.decisions.setdefault(decision, {"count": 0, "examples": []})
        row["count"] += 1
        if example and len(row["examples"]) < EXAMPLES_KEPT:
            row["examples"].append(example)

    def skip(self, what: str) -> None:
        self.skipped.append(what)
        self.count("input", "skipped")

    @property
    def skipped_count(self) -> int:
        return len(self.skipped)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "counts": {kind: dict(c) for kind, c in self.counts.items()},
            "decisions": self.decisions,
            "skipped": self.skipped[:1000],
            "skipped_count": self.skipped_count,
        }

    def table(self) -> str:
        """The summary as a plain-text table (the command prints it)."""
        return summary_table(self.as_dict())


OUTCOMES = ["created", "updated", "unchanged", "older", "skipped"]


def summary_table(summary: dict) -> str:
    """A stored summary (`ImportSummary.as_dict()`) as a plain-text table, then decisions and skipped lines."""
    verb = "would be " if summary.get("dry_run") else ""
    counts = summary.get("counts", {})
    heads = [f"{verb}{o}" if o in ("created", "updated") else o for o in OUTCOMES]
    widths = [max(12, *(len(k) for k in counts))] + [max(len(h), 7) for h in heads]
    lines = ["  ".join(h.ljust(w) for h, w in zip(["", *heads], widths, strict=True))]
    for kind, row in counts.items():
        cells = [kind, *(str(row.get(o, 0)) for o in OUTCOMES)]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    if summary.get("decisions"):
        lines += ["", "Decisions:"]
        for text, row in summary["decisions"].items():
            examples = f" (e.g. {', '.join(row['examples'])})" if row.get("examples") else ""
            lines.append(f"  {row['count']:>5} × {text}{examples}")
    if summary.get("skipped"):
        lines += ["", f"Skipped ({summary.get('skipped_count', len(summary['skipped']))}):"]
        lines += [f"  {line}" for line in summary["skipped"]]
    return "\n".join(lines)


def _digest(record: SourceIssue, label_map: LabelMap) -> str:
    text = json.dumps([record.raw, label_map.mapping], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _as_datetime(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


class Importer:
    """One import of one source. `run()` returns the ImportSummary; `progress(processed, total)` is called
    after each issue."""

    def __init__(
        self,
        *,
        reader,
        instance: str,
        project: str = "",
        dry_run: bool = False,
        since: datetime.date | None = None,
        label_map: LabelMap | None = None,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> None:
        self.reader = reader
        self.instance = instance
        self.project = project
        self.dry_run = dry_run
        self.since = since
        self.label_map = label_map or LabelMap()
        self.progress = progress or (lambda processed, total: None)
        self.summary = ImportSummary(dry_run=dry_run)
        self.source_labels: dict = {}
        self.source_milestones: dict[str, SourceMilestone] = {}
        # Caches of rows by name. What an issue's transaction created is listed in `created_now` and dropped
        # from the caches when that transaction rolls back (a failure, or any dry-run issue).
        self.created_now: list[tuple[dict, str]] = []
        self.users: dict[str, object] = {}
        self.labels: dict[str, object] = {}
        self.milestones: dict[str, Milestone | None] = {}
        self.would_create: set[tuple[str, str]] = set()
        self.touched_milestones: set[int] = set()
        self.digests: dict[int, str] = {}

    # --- the run --------------------------------------------------------------------------------------
    def run(self) -> ImportSummary:
        with self.reader as reader:
            self.project = self.project or reader.project_path() or "project"
            reader.members()
            self.source_labels = {label.title: label for label in reader.labels()}
            for milestone in reader.milestones():
                self.source_milestones[milestone.title] = milestone
            self._import_milestones()
            # iid → digest of what was last imported: an unchanged issue costs no query (about 100 bytes an issue).
            self.digests = dict(
                ImportedIssue.objects.filter(source=self.instance, project=self.project).values_list("iid", "digest")
            )
            total = reader.count_issues()
            # Reading the next record may fetch an API page: it happens here, outside any transaction.
            for processed, record in enumerate(reader.issues(updated_after=self.since), start=1):
                if isinstance(record, BadInput):
                    self.summary.skip(str(record))
                else:
                    self._import_one(record)
                self.progress(processed, total or getattr(reader, "total", None))
            for bad in reader.bad:
                self.summary.skip(str(bad))
        if not self.dry_run and self.touched_milestones:
            milestone_import_finish(milestone_ids=sorted(self.touched_milestones))
        return self.summary

    def _import_one(self, record: SourceIssue) -> None:
        ref = f"{self.project}#{record.iid}"
        if self.since and record.updated_at.date() < self.since:
            self.summary.count("issues", "older")
            return
        digest = _digest(record, self.label_map)
        if self.digests.get(record.iid) == digest:
            self.summary.count("issues", "unchanged")
            return
        link = (
            ImportedIssue.objects.select_related("issue", "issue__requester", "issue__assignee", "issue__milestone")
            .filter(source=self.instance, project=self.project, iid=record.iid)
            .first()
        )
        if link is not None and link.digest == digest:  # imported meanwhile by another run
            self.summary.count("issues", "unchanged")
            return
        self.created_now = []
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # One commit per issue need not wait for the disk: a crash loses at most the last few
                    # issues' commits, and re-running the import (idempotent) brings them in again.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                outcome = self._write_issue(record, link, digest, ref)
                if self.dry_run:
                    raise _DryRun
        except _DryRun:
            self._forget_created()
        except (PortalError, ValueError, KeyError, TypeError) as exc:
            self._forget_created()
            logger.warning("GitLab import: %s skipped: %s", ref, exc)
            self.summary.skip(f"{ref}: {exc}")
            return
        except Exception as exc:
            # One issue's failure loses nothing else: its transaction is rolled back, the run goes on.
            self._forget_created()
            logger.exception("GitLab import: %s failed", ref)
            self.summary.skip(f"{ref}: {type(exc).__name__}: {exc}")
            return
        self.summary.count("issues", outcome)

    def _forget_created(self) -> None:
        """The issue's transaction rolled back: the rows it created are gone, so are their cache entries."""
        for cache, key in self.created_now:
            cache.pop(key, None)
        self.created_now = []

    # --- people, labels, milestones -------------------------------------------------------------------
    def _user(self, person: Person | None):
        person = person or GHOST
        user = self.users.get(person.username)
        if user is not None:
            return user
        user = User.objects.filter(username=person.username).first()
        if user is None:
            # Created inactive and without a usable password: a record of who did what, not an account.
            user = User(username=person.username[:150], first_name=person.name[:150], is_active=False)
            user.set_unusable_password()
            user.save()
            if ("user", person.username) not in self.would_create:
                self.would_create.add(("user", person.username))
                self.summary.count("users", "created")
                self.summary.decide("user created inactive, without a password", person.username)
            self.created_now.append((self.users, person.username))
        self.users[person.username] = user
        return user

    def _label(self, name: str):
        label = self.labels.get(name)
        if label is not None:
            return label
        source = self.source_labels.get(name)
        label, created = label_import_get_or_create(
            name=name, color=getattr(source, "color", ""), description=getattr(source, "description", "")
        )
        if created:
            if ("label", name) not in self.would_create:
                self.would_create.add(("label", name))
                self.summary.count("labels", "created")
                self.summary.decide("unknown label created and marked imported", name)
            self.created_now.append((self.labels, name))
        self.labels[name] = label
        return label

    def _milestone_dates(self, source: SourceMilestone) -> tuple[datetime.date, datetime.date] | None:
        length = datetime.timedelta(days=settings.MILESTONE_LENGTH_DAYS - 1)
        start, due = source.start_date, source.due_date
        if start is None and due is None:
            return None
        # Not both None (above): the one missing is counted from the other.
        return (start or cast(datetime.date, due) - length), (due or cast(datetime.date, start) + length)

    def _milestone_write(self, source: SourceMilestone) -> tuple[Milestone | None, str]:
        dates = self._milestone_dates(source)
        if dates is None:
            self.summary.decide("milestone without dates not imported (its issues keep no milestone)", source.title)
            return None, "skipped"
        start, due = dates
        if due < start:
            self.summary.decide("milestone due before it starts not imported", source.title)
            return None, "skipped"
        closed_at = (source.updated_at or _as_datetime(due)) if source.state == "closed" else None
        milestone, outcome = milestone_import_upsert(title=source.title, start=start, due=due, closed_at=closed_at)
        if outcome == "matched":
            self.summary.decide("milestone matched to the portal's milestone over the same days", source.title)
            outcome = "unchanged"
        elif cadence_period(start) != (start, due):
            self.summary.decide("milestone kept with its own dates (off the cadence), marked imported", source.title)
        return milestone, outcome

    def _import_milestones(self) -> None:
        """All the source's milestones first (issues refer to them by title), in one transaction."""
        try:
            with transaction.atomic():
                for source in self.source_milestones.values():
                    milestone, outcome = self._milestone_write(source)
                    self.summary.count("milestones", outcome)
                    self.milestones[source.title] = milestone
                    if milestone is not None and outcome == "created":
                        self.would_create.add(("milestone", source.title))
                if self.dry_run:
                    raise _DryRun
        except _DryRun:
            # Rolled back: each dry-run issue writes the milestones it needs again, inside its own rollback.
            self.milestones = {}

    def _milestone(self, title: str | None, ref: str) -> Milestone | None:
        if not title:
            return None
        if title in self.milestones:
            return self.milestones[title]
        source = self.source_milestones.get(title)
        if source is None:
            self.summary.decide("milestone not in the source's list (a group milestone?): left out", title)
            return None
        milestone, outcome = self._milestone_write(source)
        if outcome == "created":
            self.created_now.append((self.milestones, title))
        self.milestones[title] = milestone
        return milestone

    # --- one issue -------------------------------------------------------------------------------------
    def _write_issue(self, record: SourceIssue, link: ImportedIssue | None, digest: str, ref: str) -> str:
        stage, stage_label, stage_at, blocked_from = self._stage(record, link, ref)
        kept = self._other_labels(record, ref)
        assignees = [self._user(p) for p in record.assignees]
        milestone = self._milestone(record.milestone, ref)
        closed_at = (record.closed_at or record.updated_at) if record.state == "closed" else None
        if record.confidential:
            self.summary.decide("confidential issue kept confidential", ref)
        values = {
            "requester": self._user(record.author),
            "assignee": assignees[0] if assignees else None,
            "title": record.title,
            "description": record.description,
            "weight": record.weight if record.weight is None or 0 <= record.weight <= 1000 else None,
            "due_date": record.due_date,
            "milestone": milestone,
            "closed_at": closed_at,
            "confidential": record.confidential,
            "created_at": record.created_at,
        }
        issue, changed = issue_import_upsert(issue=link.issue if link else None, values=values)
        new = changed == ["created"]
        outcome = "created" if new else ("updated" if changed else "unchanged")
        reason = f"Imported from GitLab {ref}: " + (f"label {stage_label}" if stage_label else "no stage label")
        transition = issue_stage_import(
            issue=issue, stage=stage, at=stage_at, reason=reason, blocked_from=blocked_from, new=new
        )
        if transition is not None:
            self.summary.count("stage transitions", "created")
            outcome = "updated" if outcome == "unchanged" else outcome
        if labels_import_set(issue=issue, labels=[self._label(name) for name in kept], new=new):
            outcome = "updated" if outcome == "unchanged" else outcome
        if link is None:
            link = ImportedIssue.objects.create(
                source=self.instance, project=self.project, iid=record.iid, issue=issue, web_url=record.web_url[:500],
                digest=digest,
            )  # fmt: skip
        else:
            link.digest, link.imported_at = digest, timezone.now()
            link.save(update_fields=["digest", "imported_at"])
        if self._history(record, link, issue, assignees, ref, new=new) and outcome == "unchanged":
            outcome = "updated"
        if milestone_history_import(issue_id=issue.pk, new=new, **self._stays(record, issue, ref)):
            self.summary.count("milestone histories", "updated" if outcome != "created" else "created")
            outcome = "updated" if outcome == "unchanged" else outcome
        return outcome

    def _stage(self, record: SourceIssue, link, ref: str) -> tuple[str, str, datetime.datetime, str]:
        """(stage, the label that said so, when it was set, where a Blocked issue returns to)."""
        stages = [(name, code) for name in record.labels if (code := self._stage_of(name))]
        # When each stage label was last added, from the label events: the latest one wins a conflict.
        added_at = {
            e.name: e.created_at
            for e in sorted(record.label_events, key=lambda e: e.created_at)
            if e.action == "add" and self._stage_of(e.name)
        }
        history = [
            cast(str, self._stage_of(e.name))  # not None: filtered below
            for e in sorted(record.label_events, key=lambda e: e.created_at)
            if e.action == "add" and self._stage_of(e.name)
        ]
        previous = [code for code in history if code != Stage.BLOCKED]
        blocked_from = previous[-1] if previous else Stage.TRIAGE
        if len(stages) > 1:
            stages.sort(key=lambda s: added_at.get(s[0], record.created_at))
            self.summary.decide("more than one stage label: the latest added kept", ref)
        if stages:
            name, code = stages[-1]
            if name != Stage(code).label:
                self.summary.decide(f"older stage label {name} read as {Stage(code).label}", ref)
            return code, name, added_at.get(name, record.updated_at), blocked_from
        if record.state != "closed":
            self.summary.decide("open issue without a stage label: 00: Triage", ref)
            return Stage.TRIAGE, "", record.created_at, blocked_from
        if history:
            self.summary.decide("closed issue without a stage label: its last stage label kept", ref)
            return history[-1], "", record.updated_at, blocked_from
        if link is not None:
            self.summary.decide("closed issue without a stage label: its stage in the portal kept", ref)
            return link.issue.stage, "", record.updated_at, blocked_from
        self.summary.decide("closed issue with no stage ever: 00: Triage (no later stage known)", ref)
        return Stage.TRIAGE, "", record.created_at, blocked_from

    def _stage_of(self, name: str) -> str | None:
        kind, value = self.label_map.resolve(name)
        return value if kind == "stage" else None

    def _other_labels(self, record: SourceIssue, ref: str) -> list[str]:
        """The issue's non-stage labels, renamed by the label map, one per scope (the latest added wins)."""
        added_at = {
            e.name: e.created_at for e in sorted(record.label_events, key=lambda e: e.created_at) if e.action == "add"
        }
        by_scope: dict[str, list[tuple[datetime.datetime, str, str]]] = {}
        plain = []
        for name in record.labels:
            kind, target = self.label_map.resolve(name)
            if kind == "stage":
                continue
            if label_scope(target) == STAGE_SCOPE:
                self.summary.decide(f"unknown stage label {target} left out (add it to the label map)", ref)
                continue
            if label_scope(target):
                by_scope.setdefault(label_scope(target), []).append(
                    (added_at.get(name, record.created_at), name, target)
                )
            elif target not in plain:
                plain.append(target)
        kept = []
        for scope, rows in by_scope.items():
            rows.sort()
            if len({target for _, _, target in rows}) > 1:
                dropped = ", ".join(target for _, _, target in rows[:-1])
                self.summary.decide(
                    f"scoped labels in conflict ({scope}::): the latest added kept, {dropped} dropped", ref
                )
            kept.append(rows[-1][2])
        return plain + kept

    def _history(self, record: SourceIssue, link: ImportedIssue, issue, assignees: list, ref: str, new: bool) -> bool:
        """Notes → comments, system notes and label events → timeline events; each once (by its source id)."""
        have = set() if new else set(link.records.values_list("kind", "external_id"))
        comments, events, keys = [], [], []
        for note in record.notes:
            kind = RecordKind.SYSTEM_NOTE if note.system else RecordKind.NOTE
            if (kind, note.id) in have:
                continue
            keys.append((kind, note.id))
            if note.system:
                events.append(
                    {
                        "by": self._user(note.author),
                        "kind": EventKind.GITLAB_NOTE,
                        "new_value": note.body,
                        "at": note.created_at,
                    }
                )
            elif note.body.strip():
                comments.append(
                    {
                        "author": self._user(note.author),
                        "body": note.body,
                        "created_at": note.created_at,
                        "is_system": False,
                    }
                )
        for event in record.label_events:
            if (RecordKind.LABEL_EVENT, event.id) in have or not event.name:
                continue
            keys.append((RecordKind.LABEL_EVENT, event.id))
            _, target = self.label_map.resolve(event.name)
            stage = self._stage_of(event.name)
            shown = Stage(stage).label if stage else target
            added = event.action == "add"
            events.append(
                {
                    "by": self._user(event.user),
                    "kind": EventKind.LABEL_ADDED if added else EventKind.LABEL_REMOVED,
                    "old_value": "" if added else shown,
                    "new_value": shown if added else "",
                    "at": event.created_at,
                }
            )
        if len(assignees) > 1:
            names = ", ".join(f"@{u.get_username()}" for u in assignees[1:])
            if (RecordKind.ASSIGNEES, names[:64]) not in have:
                keys.append((RecordKind.ASSIGNEES, names[:64]))
                comments.append(
                    {
                        "author": None,
                        "is_system": True,
                        "created_at": record.updated_at,
                        "body": f"Imported from GitLab {ref}: also assigned there to {names} "
                        f"(the portal keeps one assignee, @{assignees[0].get_username()}).",
                    }
                )
                self.summary.decide("more than one assignee: the first kept, the rest listed in a comment", ref)
        if not keys:
            return False
        issue_history_import(issue=issue, comments=comments, events=events)
        ImportedRecord.objects.bulk_create(
            [ImportedRecord(imported_issue=link, kind=kind, external_id=ext[:64]) for kind, ext in keys]
        )
        self.summary.count("comments", "created", len(comments))
        self.summary.count("timeline events", "created", len(events))
        return True

    def _stays(self, record: SourceIssue, issue, ref: str) -> dict:
        """The issue's stays in milestones, from its milestone events: {"stays": [...], "rollovers": [...]}."""
        stays: list[dict] = []
        rollovers: list[dict] = []
        open_stay: dict | None = None
        last_removed: tuple[dict, datetime.datetime] | None = None
        events = sorted(record.milestone_events, key=lambda e: (e.created_at, e.action == "add"))
        for event in events:
            milestone = self._milestone(event.name, ref)
            if milestone is None:
                continue
            if event.action == "remove":
                if open_stay is not None and open_stay["milestone"].pk == milestone.pk:
                    open_stay.update(left_at=event.created_at, left_how=MembershipLeft.REMOVED)
                    last_removed, open_stay = (open_stay, event.created_at), None
                continue
            if event.action != "add":
                continue
            previous = None
            if open_stay is not None:
                open_stay.update(left_at=event.created_at, left_how=MembershipLeft.REMOVED)
                previous = open_stay
            elif last_removed is not None and event.created_at - last_removed[1] <= ROLLOVER_WINDOW:
                previous = last_removed[0]
            stay = {
                "milestone": milestone,
                "entered_at": event.created_at,
                "entered_how": MembershipEntered.PLANNED,
                "left_at": None,
                "left_how": "",
            }
            if previous is not None:
                before = previous["milestone"]
                if event.created_at.date() >= before.due_date and milestone.start_date > before.due_date:
                    previous["left_how"] = MembershipLeft.ROLLED_OUT
                    stay["entered_how"] = MembershipEntered.ROLLED_IN
                    if all(r["from_id"] != before.pk for r in rollovers):
                        rollovers.append(
                            {
                                "from_id": before.pk,
                                "to_id": milestone.pk,
                                "at": event.created_at,
                                "stage": issue.stage,
                                "assignee_id": issue.assignee_id,
                                "confidential": issue.confidential,
                            }
                        )
            stays.append(stay)
            open_stay, last_removed = stay, None
        current = issue.milestone
        if open_stay is not None and (current is None or open_stay["milestone"].pk != current.pk):
            open_stay.update(left_at=record.updated_at, left_how=MembershipLeft.REMOVED)
            open_stay = None
        if current is not None and open_stay is None:
            entered = record.updated_at if stays else min(record.created_at, _as_datetime(current.start_date))
            stays.append(
                {
                    "milestone": current,
                    "entered_at": entered,
                    "entered_how": MembershipEntered.PLANNED,
                    "left_at": None,
                    "left_how": "",
                }
            )
        self.touched_milestones.update(s["milestone"].pk for s in stays)
        return {
            "stays": [
                {**{k: v for k, v in s.items() if k != "milestone"}, "milestone_id": s["milestone"].pk} for s in stays
            ],
            "rollovers": rollovers,
        }


# --- runs (the page, the task, the command) ------------------------------------------------------------


def import_reader(*, kind: str, path: str = "", url: str = "", project: str = "", token: str = ""):
    """The reader for a source. Raises Invalid (no_source / no_token)."""
    if kind == SourceKind.EXPORT:
        if not path:
            raise Invalid("Choose a GitLab export file (.tar.gz).", code=ImportErrorCode.NO_SOURCE)
        return ExportFile(path)
    if not url or not project:
        raise Invalid("The API needs the instance URL and the project path.", code=ImportErrorCode.NO_SOURCE)
    return gitlab_api.GitLabProject(url=url, project=project, token=token)


def gitlab_import(
    *,
    reader,
    instance: str,
    project: str = "",
    dry_run: bool = False,
    since: datetime.date | None = None,
    label_map: dict[str, str] | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportSummary:
    """Import (or, with `dry_run`, rehearse) a GitLab project from `reader`; returns the summary.

    Issues are keyed by (instance, project, iid): a second run updates, never duplicates, and an unchanged
    issue is not touched. Raises Invalid (not_an_export) for a file that is not an export, Unavailable
    (gitlab_unavailable) when the API keeps failing; a bad record is skipped and listed, never half-written.
    """
    importer = Importer(
        reader=reader,
        instance=instance,
        project=project,
        dry_run=dry_run,
        since=since,
        label_map=LabelMap(label_map),
        progress=progress,
    )
    try:
        return importer.run()
    except ExportFileError as exc:
        raise Invalid(str(exc), code=ImportErrorCode.NOT_AN_EXPORT) from exc
    except gitlab_api.GitLabApiError as exc:
        raise Unavailable(f"GitLab did not answer: {exc}", code=ImportErrorCode.API_UNAVAILABLE) from exc


def import_run_create(
    *,
    by,
    kind: str,
    upload=None,
    url: str = "",
    project: str = "",
    instance: str = "",
    since: datetime.date | None = None,
    dry_run: bool = False,
    label_map: dict[str, str] | None = None,
) -> ImportRun:
    """A manager asks for an import: record the run (with its file, in private storage) and queue the task
    after the commit. Raises Forbidden (import_managers_only) for anyone else, Invalid for a missing source."""
    if not user_is_manager(by):
        raise Forbidden("Only MktgOps managers import from GitLab.", code=ImportErrorCode.NOT_MANAGER)
    if kind == SourceKind.EXPORT and upload is None:
        raise Invalid("Choose a GitLab export file (.tar.gz).", code=ImportErrorCode.NO_SOURCE)
    if kind == SourceKind.API and not (url and project):
        raise Invalid("The API needs the instance URL and the project path.", code=ImportErrorCode.NO_SOURCE)
    if kind == SourceKind.API and not settings.GITLAB_TOKEN:
        raise Invalid("Set GITLAB_TOKEN on the server to import through the API.", code=ImportErrorCode.NO_TOKEN)
    with transaction.atomic():
        run = ImportRun(
            kind=kind,
            url=url,
            project=project,
            since=since,
            dry_run=dry_run,
            label_map=label_map or {},
            instance=instance or (_host(url) if url else settings.GITLAB_IMPORT_INSTANCE),
            created_by=by,
            original_name=getattr(upload, "name", "")[:255],
        )
        if upload is not None:
            run.file.save("export.tar.gz", File(upload), save=False)
        run.save()
        from gitlab_import.tasks import gitlab_import_task

        transaction.on_commit(lambda: gitlab_import_task.delay(run.pk))
    return run


def _host(url: str) -> str:
    from urllib.parse import urlparse

    return urlparse(url).netloc or url


PROGRESS_EVERY_SECONDS = 1.0


def import_run_execute(*, run_id: int) -> ImportRun:
    """Run a recorded import (the task calls this): progress on the run row as it goes, the summary at the end.

    A finished run is left as it is. A run left "running" by a worker that died is run again when its task is
    redelivered: the import is idempotent, so what the first worker wrote is found unchanged.
    """
    run = ImportRun.objects.get(pk=run_id)
    if run.is_finished:
        return run
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    last = [0.0]

    def progress(processed: int, total: int | None) -> None:
        now = timezone.now().timestamp()
        if now - last[0] >= PROGRESS_EVERY_SECONDS or processed == total:
            last[0] = now
            ImportRun.objects.filter(pk=run.pk).update(processed=processed, total=total)

    try:
        reader = import_reader(
            kind=run.kind,
            path=run.file.path if run.file else "",
            url=run.url,
            project=run.project,
            token=settings.GITLAB_TOKEN,
        )
        summary = gitlab_import(
            reader=reader,
            instance=run.instance,
            project=run.project,
            dry_run=run.dry_run,
            since=run.since,
            label_map=run.label_map,
            progress=progress,
        )
    except PortalError as exc:
        ImportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=exc.message, finished_at=timezone.now()
        )
        run.refresh_from_db()
        return run
    except Exception as exc:
        # Not a refusal (the database went away, a bug): the page says so instead of "running" for ever.
        ImportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            error=f"The import stopped: {type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )
        raise
    status = RunStatus.DONE_WITH_SKIPS if summary.skipped_count else RunStatus.DONE
    data = summary.as_dict()
    processed = sum(data["counts"].get("issues", {}).values()) + summary.skipped_count
    ImportRun.objects.filter(pk=run.pk).update(
        status=status,
        summary=data,
        finished_at=timezone.now(),
        processed=processed,
        total=max(processed, run.total or 0),
        file="",
    )
    # The export holds confidential issues: once read to the end it is not kept (upload it again to re-run).
    if run.file:
        run.file.delete(save=False)
    run.refresh_from_db()
    return run
