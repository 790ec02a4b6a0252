"""Read a project from a GitLab instance's REST API (python-gitlab), page by page.

Pages follow `X-Next-Page` (the total comes from `X-Total`). Every response passes through one hook that
honours GitLab's rate limiting and retries transient failures:
- 429: waits `Retry-After` seconds (else until `RateLimit-Reset`), then asks again;
- 500/502/503/504: waits GITLAB_IMPORT_BACKOFF_SECONDS × 2^attempt, then asks again;
- a success with `RateLimit-Remaining: 0`: waits until `RateLimit-Reset` before the next request;
up to GITLAB_IMPORT_MAX_RETRIES tries; any single wait is capped at GITLAB_IMPORT_MAX_WAIT_SECONDS.
Then python-gitlab raises, and the importer reports the API as unavailable.
"""

import time
from collections.abc import Iterator
from urllib.parse import quote

import gitlab
import requests
from django.conf import settings

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

RETRY_STATUSES = {429, 500, 502, 503, 504}
# Module-level so a test can record the waits instead of sleeping through them.
sleep = time.sleep


class GitLabApiError(Exception):
    """The API refused or kept failing; the message says which request and what it answered."""


def _wait_for(response: requests.Response, attempt: int) -> float:
    headers = response.headers
    if response.status_code == 429 and headers.get("Retry-After", "").strip().isdigit():
        wait = float(headers["Retry-After"])
    elif response.status_code == 429 and headers.get("RateLimit-Reset", "").strip().isdigit():
        wait = float(headers["RateLimit-Reset"]) - time.time()
    else:
        wait = settings.GITLAB_IMPORT_BACKOFF_SECONDS * 2**attempt
    return max(0.0, min(wait, settings.GITLAB_IMPORT_MAX_WAIT_SECONDS))


def retrying_hook(response: requests.Response, *args, **kwargs) -> requests.Response:
    """A requests response hook: ask again after a 429 or a 5xx as GitLab's headers say (see module doc)."""
    attempt = 0
    send_kwargs = {k: v for k, v in kwargs.items() if k in ("timeout", "verify", "cert", "proxies", "stream")}
    while response.status_code in RETRY_STATUSES and attempt < settings.GITLAB_IMPORT_MAX_RETRIES:
        sleep(_wait_for(response, attempt))
        attempt += 1
        response = response.connection.send(response.request, **send_kwargs)
    remaining = response.headers.get("RateLimit-Remaining", "").strip()
    reset = response.headers.get("RateLimit-Reset", "").strip()
    if remaining == "0" and reset.isdigit():
        sleep(max(0.0, min(float(reset) - time.time(), settings.GITLAB_IMPORT_MAX_WAIT_SECONDS)))
    return response


class GitLabProject:
    """A project read through the API: `labels()`, `milestones()`, `issues()` like ExportFile."""

    def __init__(self, *, url: str, project: str, token: str = "", per_page: int | None = None) -> None:
        session = requests.Session()
        session.hooks["response"].append(retrying_hook)
        self.gl = gitlab.Gitlab(
            url,
            private_token=token or None,
            session=session,
            timeout=settings.GITLAB_IMPORT_TIMEOUT_SECONDS,
            retry_transient_errors=False,
        )
        self.project = project
        self.where = f"{url.rstrip('/')}/api/v4/projects/{quote(project, safe='')}"
        self.per_page = per_page or settings.GITLAB_IMPORT_PER_PAGE
        self.total: int | None = None
        self.bad: list[BadInput] = []

    def __enter__(self) -> "GitLabProject":
        return self

    def __exit__(self, *exc) -> None:
        self.gl.session.close()

    def project_path(self) -> str:
        return self.project

    def _path(self, tail: str = "") -> str:
        return f"/projects/{quote(self.project, safe='')}{tail}"

    def _pages(self, tail: str, query: dict | None = None) -> Iterator[tuple[int, list]]:
        """(page number, items) for each page, following X-Next-Page."""
        page = 1
        while page:
            try:
                response = self.gl.http_request(
                    "get",
                    self._path(tail),
                    query_data={**(query or {}), "page": page, "per_page": self.per_page},
                    obey_rate_limit=False,
                )
            except gitlab.GitlabError as exc:
                raise GitLabApiError(f"GET {self.where}{tail} page {page}: {exc}") from exc
            except requests.RequestException as exc:
                raise GitLabApiError(f"GET {self.where}{tail} page {page}: {exc}") from exc
            if tail == "/issues" and response.headers.get("X-Total", "").isdigit():
                self.total = int(response.headers["X-Total"])
            try:
                items = response.json()
            except ValueError:
                self.bad.append(BadInput(f"{self.where}{tail}", page, "the page is not JSON"))
                items = []
            yield page, items if isinstance(items, list) else []
            nxt = response.headers.get("X-Next-Page", "").strip()
            page = int(nxt) if nxt.isdigit() else 0

    def _all(self, tail: str) -> Iterator[dict]:
        for _, items in self._pages(tail):
            yield from (item for item in items if isinstance(item, dict))

    def count_issues(self) -> int | None:
        return self.total

    def members(self) -> dict:
        return {}  # the API names people by username on every record

    def labels(self) -> Iterator[SourceLabel]:
        for obj in self._all("/labels"):
            if obj.get("name"):
                yield SourceLabel(str(obj["name"]), str(obj.get("color") or ""), str(obj.get("description") or ""))

    def milestones(self) -> Iterator[SourceMilestone]:
        for obj in self._all("/milestones"):
            try:
                yield SourceMilestone(
                    iid=number(obj.get("iid"), "milestone iid"),
                    title=str(obj.get("title") or ""),
                    start_date=day(obj.get("start_date"), "milestone start_date"),
                    due_date=day(obj.get("due_date"), "milestone due_date"),
                    state=str(obj.get("state") or "active"),
                    updated_at=when(obj.get("updated_at"), "milestone updated_at", required=False),
                )
            except RecordError as exc:
                self.bad.append(BadInput(f"{self.where}/milestones", 0, str(exc)))

    def issues(self, *, updated_after=None) -> Iterator[SourceIssue | BadInput]:
        query = {"order_by": "created_at", "sort": "asc", "scope": "all"}
        if updated_after is not None:
            query["updated_after"] = updated_after.isoformat()
        for page, items in self._pages("/issues", query):
            for index, obj in enumerate(items, start=1):
                try:
                    yield self._issue(obj)
                except RecordError as exc:
                    yield BadInput(f"{self.where}/issues?page={page}", index, str(exc))

    def _issue(self, obj: dict) -> SourceIssue:
        if not isinstance(obj, dict):
            raise RecordError("not a JSON object")
        iid = number(obj.get("iid"), "iid")
        if iid is None or not str(obj.get("title") or "").strip():
            raise RecordError("an issue without an iid or a title")
        tail = f"/issues/{iid}"
        notes = [
            SourceNote(
                str(n.get("id")),
                str(n.get("body") or ""),
                _person(n.get("author")),
                when(n.get("created_at"), f"issue {iid}: a note's created_at"),
                bool(n.get("system")),
            )
            for n in self._all(f"{tail}/notes?sort=asc")
        ]
        label_events = [
            SourceEvent(
                str(e.get("id")),
                str(e.get("action")),
                str((e.get("label") or {}).get("name") or ""),
                _person(e.get("user")),
                when(e.get("created_at"), f"issue {iid}: a label event's created_at"),
            )
            for e in self._all(f"{tail}/resource_label_events")
        ]
        milestone_events = [
            SourceEvent(
                str(e.get("id")),
                str(e.get("action")),
                str((e.get("milestone") or {}).get("title") or ""),
                _person(e.get("user")),
                when(e.get("created_at"), f"issue {iid}: a milestone event's created_at"),
            )
            for e in self._all(f"{tail}/resource_milestone_events")
        ]
        milestone = obj.get("milestone") or None
        raw = {
            **obj,
            "notes": [n.__dict__ for n in notes],
            "label_events": [e.__dict__ for e in label_events],
            "milestone_events": [e.__dict__ for e in milestone_events],
        }
        return SourceIssue(
            iid=iid,
            title=str(obj["title"]),
            description=str(obj.get("description") or ""),
            state=str(obj.get("state") or "opened"),
            created_at=when(obj.get("created_at"), f"issue {iid}: created_at"),
            updated_at=when(obj.get("updated_at") or obj.get("created_at"), f"issue {iid}: updated_at"),
            closed_at=when(obj.get("closed_at"), f"issue {iid}: closed_at", required=False),
            author=_person(obj.get("author")),
            assignees=[p for a in obj.get("assignees") or [] if (p := _person(a))],
            labels=[str(name) for name in obj.get("labels") or []],
            milestone=str(milestone["title"]) if isinstance(milestone, dict) and milestone.get("title") else None,
            weight=number(obj.get("weight"), f"issue {iid}: weight"),
            due_date=day(obj.get("due_date"), f"issue {iid}: due_date"),
            confidential=bool(obj.get("confidential")),
            web_url=str(obj.get("web_url") or ""),
            notes=notes,
            label_events=label_events,
            milestone_events=milestone_events,
            raw=raw,
        )


def _person(obj) -> Person | None:
    if not isinstance(obj, dict) or not obj.get("username"):
        return None
    return Person(str(obj["username"]), str(obj.get("name") or ""))
