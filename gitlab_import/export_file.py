"""Read a GitLab project export (`.tar.gz`, GitLab's NDJSON layout) as a stream of records.

Layout (GitLab's project import/export format):
    tree/project.json                     the project's own attributes
    tree/project/labels.ndjson            one label per line
    tree/project/milestones.ndjson        one milestone per line
    tree/project/project_members.ndjson   one member per line, with its user {id, username}
    tree/project/issues.ndjson            one issue per line, with its label_links, notes,
                                          resource_label_events and resource_milestone_events

The archive is read member by member and each NDJSON file line by line: one issue is in memory at a time,
whatever the size of the project. A line that is not JSON, or lacks what an issue needs, comes out as a
`BadInput` naming the file and line; the rest of the file is still read.
"""

import json
import tarfile
from collections.abc import Iterator
from typing import IO, cast

from gitlab_import.records import (
    BadInput,
    Person,
    RecordError,
    SourceEvent,
    SourceIssue,
    SourceLabel,
    SourceMilestone,
    SourceNote,
    day,
    number,
    when,
)

TREE = "tree/project"
FILES = {
    "project": "tree/project.json",
    "labels": f"{TREE}/labels.ndjson",
    "milestones": f"{TREE}/milestones.ndjson",
    "members": f"{TREE}/project_members.ndjson",
    "issues": f"{TREE}/issues.ndjson",
}
PROJECT_JSON_MAX_BYTES = 10 * 1024 * 1024
MAX_LINE_BYTES = 32 * 1024 * 1024


class ExportFileError(Exception):
    """The file is not a GitLab project export (not a tar.gz, or without tree/project/issues.ndjson)."""


class ExportFile:
    """A GitLab export archive at `path`. Use as a context manager; read `labels()`, `milestones()`,
    `members()` before `issues()` (authors are resolved through the members)."""

    where = "export"

    def __init__(self, path: str) -> None:
        self.path = str(path)
        self._tar: tarfile.TarFile | None = None
        self._members: dict[str, tarfile.TarInfo] = {}
        self.users: dict[int, Person] = {}
        self.bad: list[BadInput] = []

    def __enter__(self) -> "ExportFile":
        try:
            self._tar = tarfile.open(self.path, "r:gz")  # noqa: SIM115 - closed in __exit__
            # Reads headers only (names, sizes, offsets), not contents.
            self._members = {info.name.removeprefix("./"): info for info in self._tar if info.isfile()}
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ExportFileError(f"{self.path} is not a GitLab export (.tar.gz): {exc}") from exc
        if FILES["issues"] not in self._members:
            raise ExportFileError(f"{self.path} has no {FILES['issues']}: is it a GitLab project export?")
        return self

    def __exit__(self, *exc) -> None:
        if self._tar is not None:
            self._tar.close()

    def project_path(self) -> str:
        """The project's path as project.json says it ("" when it does not)."""
        info = self._members.get(FILES["project"])
        if info is None or info.size > PROJECT_JSON_MAX_BYTES:
            return ""
        assert self._tar is not None  # opened in __enter__
        try:
            project = json.load(cast(IO[bytes], self._tar.extractfile(info)))
        except ValueError:
            return ""
        return str(project.get("path_with_namespace") or project.get("path") or project.get("name") or "")

    def _lines(self, key: str) -> Iterator[tuple[int, dict]]:
        """(line number, object) for each line of an NDJSON member; bad lines go to `self.bad`."""
        name = FILES[key]
        info = self._members.get(name)
        if info is None:
            return
        assert self._tar is not None  # opened in __enter__
        stream = cast(IO[bytes], self._tar.extractfile(info))  # a regular file (isfile()): never None
        for number_, raw in enumerate(iter(lambda: stream.readline(MAX_LINE_BYTES + 1), b""), start=1):
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                # One record this large is not an issue a person wrote: skip it without holding it.
                while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                self.bad.append(BadInput(name, number_, f"longer than {MAX_LINE_BYTES // 2**20} MB"))
                continue
            line = raw.decode("utf-8", errors="replace")
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                # Not every ValueError is a JSONDecodeError (an integer over the digit limit has no .msg).
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                self.bad.append(BadInput(name, number_, f"not JSON ({reason})"))
                continue
            if not isinstance(obj, dict):
                self.bad.append(BadInput(name, number_, "not a JSON object"))
                continue
            yield number_, obj

    def labels(self) -> Iterator[SourceLabel]:
        for line, obj in self._lines("labels"):
            if not obj.get("title"):
                self.bad.append(BadInput(FILES["labels"], line, "a label without a title"))
                continue
            yield SourceLabel(str(obj["title"]), str(obj.get("color") or ""), str(obj.get("description") or ""))

    def milestones(self) -> Iterator[SourceMilestone]:
        for line, obj in self._lines("milestones"):
            try:
                yield _milestone(obj)
            except RecordError as exc:
                self.bad.append(BadInput(FILES["milestones"], line, str(exc)))

    def members(self) -> dict[int, Person]:
        """GitLab user id → person, from project_members.ndjson (kept: authors and assignees refer to ids)."""
        for line, obj in self._lines("members"):
            user = obj.get("user") or {}
            if not user.get("username") or obj.get("user_id", user.get("id")) is None:
                self.bad.append(BadInput(FILES["members"], line, "a member without a user id and username"))
                continue
            # checked not None just above
            self.users[int(cast(int | str, obj.get("user_id", user.get("id"))))] = Person(
                str(user["username"]), str(user.get("name") or "")
            )
        return self.users

    def count_issues(self) -> int:
        """The number of lines of issues.ndjson (one streaming pass, for the progress bar)."""
        assert self._tar is not None  # opened in __enter__
        stream = cast(IO[bytes], self._tar.extractfile(self._members[FILES["issues"]]))
        return sum(1 for line in stream if line.strip())

    def issues(self, *, updated_after=None) -> Iterator[SourceIssue | BadInput]:
        """Each issue in file order; a malformed line yields a BadInput naming its file and line.

        `updated_after` is accepted for the reader's common shape; the file holds every issue, and the importer
        leaves out the older ones itself."""
        name = FILES["issues"]
        before = len(self.bad)
        for line, obj in self._lines("issues"):
            # A line that was not JSON at all was noted by _lines: hand it on in order.
            while len(self.bad) > before:
                yield self.bad.pop(before)
            try:
                yield self._issue(obj)
            except RecordError as exc:
                yield BadInput(name, line, str(exc))
        while len(self.bad) > before:
            yield self.bad.pop(before)

    def _person(self, user_id, name: str = "") -> Person | None:
        if user_id is None:
            return None
        try:
            return self.users.get(int(user_id)) or Person(f"gitlab-user-{int(user_id)}", name)
        except (TypeError, ValueError):
            raise RecordError(f"user id {user_id!r} is not a number") from None

    def _issue(self, obj: dict) -> SourceIssue:
        iid = number(obj.get("iid"), "iid")
        if iid is None:
            raise RecordError("iid is missing")
        if not str(obj.get("title") or "").strip():
            raise RecordError(f"issue {iid}: title is missing")
        milestone = obj.get("milestone") or None
        notes = [
            SourceNote(
                id=str(n.get("id")),
                body=str(n.get("note") or ""),
                author=self._person(n.get("author_id"), (n.get("author") or {}).get("name", "")),
                created_at=when(n.get("created_at"), f"issue {iid}: a note's created_at"),
                system=bool(n.get("system")),
            )
            for n in obj.get("notes") or []
        ]
        label_events = [
            SourceEvent(
                id=str(e.get("id")),
                action=str(e.get("action")),
                name=str((e.get("label") or {}).get("title") or ""),
                user=self._person(e.get("user_id")),
                created_at=when(e.get("created_at"), f"issue {iid}: a label event's created_at"),
            )
            for e in obj.get("resource_label_events") or []
        ]
        milestone_events = [
            SourceEvent(
                # The export carries no id for these: the event is known by what it says and when.
                id=str(
                    e.get("id") or f"{e.get('created_at')}:{e.get('action')}:{(e.get('milestone') or {}).get('title')}"
                ),
                action=str(e.get("action")),
                name=str((e.get("milestone") or {}).get("title") or ""),
                user=self._person(e.get("user_id")),
                created_at=when(e.get("created_at"), f"issue {iid}: a milestone event's created_at"),
            )
            for e in obj.get("resource_milestone_events") or []
        ]
        return SourceIssue(
            iid=iid,
            title=str(obj["title"]),
            description=str(obj.get("description") or ""),
            state=str(obj.get("state") or "opened"),
            created_at=when(obj.get("created_at"), f"issue {iid}: created_at"),
            updated_at=when(obj.get("updated_at") or obj.get("created_at"), f"issue {iid}: updated_at"),
            closed_at=when(obj.get("closed_at"), f"issue {iid}: closed_at", required=False),
            author=self._person(obj.get("author_id")),
            assignees=[p for a in obj.get("issue_assignees") or [] if (p := self._person(a.get("user_id")))],
            labels=[
                str((link.get("label") or {}).get("title"))
                for link in obj.get("label_links") or []
                if (link.get("label") or {}).get("title")
            ],
            milestone=str(milestone["title"]) if isinstance(milestone, dict) and milestone.get("title") else None,
            weight=number(obj.get("weight"), f"issue {iid}: weight"),
            due_date=day(obj.get("due_date"), f"issue {iid}: due_date"),
            confidential=bool(obj.get("confidential")),
            notes=notes,
            label_events=label_events,
            milestone_events=milestone_events,
            raw=obj,
        )


def _milestone(obj: dict) -> SourceMilestone:
    if not obj.get("title"):
        raise RecordError("a milestone without a title")
    return SourceMilestone(
        iid=number(obj.get("iid"), "milestone iid"),
        title=str(obj["title"]),
        start_date=day(obj.get("start_date"), f"milestone {obj['title']}: start_date"),
        due_date=day(obj.get("due_date"), f"milestone {obj['title']}: due_date"),
        state=str(obj.get("state") or "active"),
        updated_at=when(obj.get("updated_at"), "milestone updated_at", required=False),
    )
