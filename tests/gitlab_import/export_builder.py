"""Build GitLab project export files (.tar.gz) in GitLab's NDJSON layout, for the importer's tests and bench.

Byte for byte the shape GitLab writes: compact JSON, one object per line, `VERSION` at the root and the
tree under `tree/project/`. Records carry the fields GitLab's exports carry (ids, iids, author_id,
issue_assignees, label_links with their label, notes with `system`, resource_label_events,
resource_milestone_events); those the importer ignores are left out.
"""

import io
import json
import tarfile
import tempfile
from pathlib import Path


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def member(user_id: int, username: str, access_level: int = 30) -> dict:
    return {
        "id": 1000 + user_id, "access_level": access_level, "source_type": "Project", "user_id": user_id,
        "notification_level": 3, "created_at": "2025-01-06T09:00:00.000Z", "updated_at": "2025-01-06T09:00:00.000Z",
        "user": {"id": user_id, "public_email": f"{username}@example.com", "username": username},
    }  # fmt: skip


def label(label_id: int, title: str, color: str = "#428bca", description: str = "") -> dict:
    return {
        "id": label_id, "title": title, "color": color, "project_id": 5, "created_at": "2025-01-06T09:00:00.000Z",
        "updated_at": "2025-01-06T09:00:00.000Z", "template": False, "description": description, "type": "ProjectLabel",
    }  # fmt: skip


def milestone(iid: int, title: str, start: str | None, due: str | None, state: str = "active") -> dict:
    return {
        "id": 100 + iid, "title": title, "project_id": 5, "description": "", "due_date": due, "start_date": start,
        "created_at": "2025-01-06T09:00:00.000Z", "updated_at": "2025-04-14T09:00:00.000Z", "state": state, "iid": iid,
    }  # fmt: skip


def label_link(link_id: int, issue_id: int, lbl: dict) -> dict:
    return {
        "id": link_id, "label_id": lbl["id"], "target_id": issue_id, "target_type": "Issue",
        "created_at": lbl["created_at"], "updated_at": lbl["updated_at"], "label": lbl,
    }  # fmt: skip


def note(note_id: int, issue_id: int, author_id: int, body: str, at: str, *, system: bool = False) -> dict:
    return {
        "id": note_id, "note": body, "noteable_type": "Issue", "author_id": author_id, "created_at": at,
        "updated_at": at, "project_id": 5, "attachment": {"url": None}, "line_code": None, "commit_id": None,
        "noteable_id": issue_id, "system": system, "st_diff": None, "updated_by_id": None,
        "author": {"name": f"User {author_id}"}, "events": [],
    }  # fmt: skip


def label_event(event_id: int, issue_id: int, action: str, lbl: dict, user_id: int, at: str) -> dict:
    return {
        "id": event_id, "action": action, "issue_id": issue_id, "merge_request_id": None, "label_id": lbl["id"],
        "user_id": user_id, "created_at": at, "label": lbl,
    }  # fmt: skip


def milestone_event(action: str, ms: dict, user_id: int, at: str) -> dict:
    # GitLab's export carries no id for these.
    return {
        "user_id": user_id, "action": action, "state": "opened", "created_at": at,
        "milestone": {k: ms[k] for k in ("title", "description", "created_at", "updated_at", "state", "iid")},
    }  # fmt: skip


def write_export(
    path: Path,
    *,
    project: dict,
    labels: list[dict],
    milestones: list[dict],
    members: list[dict],
    issue_lines: list[str],
) -> Path:
    """Write the archive; `issue_lines` are raw lines (so a test can put a malformed one in)."""
    files = {
        "VERSION": "0.2.4",
        "GITLAB_VERSION": "17.5.0",
        "tree/project.json": dumps(project),
        "tree/project/labels.ndjson": "".join(dumps(x) + "\n" for x in labels),
        "tree/project/milestones.ndjson": "".join(dumps(x) + "\n" for x in milestones),
        "tree/project/project_members.ndjson": "".join(dumps(x) + "\n" for x in members),
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1735689600
            tar.addfile(info, io.BytesIO(data))
        # The issues line by line through a spooled file: a large generated export is never one string in memory.
        with tempfile.TemporaryFile() as issues:
            for line in issue_lines:
                issues.write(line.encode() + b"\n")
            info = tarfile.TarInfo("tree/project/issues.ndjson")
            info.size = issues.tell()
            info.mtime = 1735689600
            issues.seek(0)
            tar.addfile(info, issues)
    return path


def write_generated_export(path: Path, count: int) -> Path:
    """`count` generated issues (the bench): stage labels, a priority, a milestone, two notes each."""
    users = [member(i, f"user{i}") for i in range(1, 21)]
    stage_labels = [label(10 + i, name) for i, name in enumerate([
        "MktgOps::00: Triage", "MktgOps::02: Ready for Assignment", "MktgOps::04: In Progress",
        "MktgOps::08: Completed", "MktgOps::0 - To Be Triaged",
    ])]  # fmt: skip
    prio = label(30, "MktgOpsPriority::Medium")
    tool = label(31, "Marketo")
    milestones = [
        milestone(i + 1, f"Sprint {i + 1}", f"2025-{1 + i // 2:02d}-{1 + 14 * (i % 2):02d}",
                  f"2025-{1 + i // 2:02d}-{14 + 14 * (i % 2):02d}") for i in range(20)
    ]  # fmt: skip

    def lines():
        for n in range(1, count + 1):
            issue_id = 10_000 + n
            stage = stage_labels[n % len(stage_labels)]
            ms = milestones[n % len(milestones)]
            yield dumps({
                "id": issue_id, "iid": n, "title": f"Generated request {n}", "author_id": 1 + n % 20,
                "project_id": 5, "created_at": "2025-01-06T09:00:00.000Z", "updated_at": "2025-02-01T09:00:00.000Z",
                "closed_at": None, "description": "Please help with the campaign set-up. " * 4,
                "state": "opened", "confidential": n % 10 == 0, "weight": n % 8, "due_date": None,
                "issue_assignees": [{"user_id": 1 + (n * 7) % 20, "issue_id": issue_id}],
                "milestone": ms,
                "label_links": [label_link(n * 3 + i, issue_id, lbl) for i, lbl in enumerate((stage, prio, tool))],
                "notes": [note(n * 2, issue_id, 1 + n % 20, "Looking into it.", "2025-01-07T09:00:00.000Z"),
                          note(n * 2 + 1, issue_id, 1, "changed the description", "2025-01-08T09:00:00.000Z",
                               system=True)],
                "resource_label_events": [label_event(n, issue_id, "add", stage, 1, "2025-01-06T09:00:00.000Z")],
                "resource_milestone_events": [milestone_event("add", ms, 1, "2025-01-06T09:00:00.000Z")],
            })  # fmt: skip

    return write_export(
        path,
        project={"description": "Generated", "visibility_level": 0, "path": "generated"},
        labels=[*stage_labels, prio, tool],
        milestones=milestones,
        members=users,
        issue_lines=lines(),
    )
