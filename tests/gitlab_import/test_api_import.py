"""The API path: python-gitlab against a GitLab stand-in on 127.0.0.1 (pagination, rate limits, 429, 502)."""

import time

import pytest

from gitlab_import import gitlab_api
from gitlab_import.errors import ImportErrorCode
from gitlab_import.models import ImportedIssue
from gitlab_import.services import gitlab_import
from mktgops_portal.errors import Unavailable
from requests_app.models import Issue, MembershipLeft, MilestoneMembership, Stage
from tests.gitlab_import.gitlab_standin import GitLabStandIn

pytestmark = pytest.mark.django_db

PROJECT = "/projects/marketing%2Fops"
MILESTONES = [
    {"id": 101, "iid": 1, "project_id": 5, "title": "Sprint 2025-03-03", "description": "", "state": "closed",
     "created_at": "2025-01-06T09:00:00.000Z", "updated_at": "2025-03-17T09:00:00.000Z",
     "start_date": "2025-03-03", "due_date": "2025-03-16", "expired": True},
    {"id": 102, "iid": 2, "project_id": 5, "title": "Sprint 2025-03-17", "description": "", "state": "active",
     "created_at": "2025-01-06T09:00:00.000Z", "updated_at": "2025-03-17T09:00:00.000Z",
     "start_date": "2025-03-17", "due_date": "2025-03-30", "expired": True},
]  # fmt: skip


def api_issue(iid: int, title: str, labels: list[str], **fields) -> dict:
    issue = {
        "id": 400 + iid, "iid": iid, "project_id": 5, "title": title, "description": f"{title}.",
        "state": "opened", "created_at": "2025-03-01T10:00:00.000Z", "updated_at": "2025-03-20T10:00:00.000Z",
        "closed_at": None, "closed_by": None, "labels": labels, "milestone": None,
        "assignees": [], "author": {"id": 2, "username": "bob", "name": "Bob"}, "user_notes_count": 0,
        "due_date": None, "confidential": False, "weight": None,
        "web_url": f"https://gitlab.example.com/marketing/ops/-/issues/{iid}",
    }  # fmt: skip
    issue.update(fields)
    return issue


@pytest.fixture
def gitlab(settings):
    settings.GITLAB_IMPORT_BACKOFF_SECONDS = 0.01
    settings.GITLAB_IMPORT_MAX_WAIT_SECONDS = 5
    settings.GITLAB_IMPORT_MAX_RETRIES = 3
    with GitLabStandIn() as standin:
        standin.pages[f"{PROJECT}/labels"] = [[{"id": 7, "name": "Marketo", "color": "#6e49cb", "description": None}]]
        standin.pages[f"{PROJECT}/milestones"] = [MILESTONES]
        standin.pages[f"{PROJECT}/issues"] = [
            [
                api_issue(1, "Webinar program", ["MktgOps::04: In Progress", "Marketo"],
                          assignees=[{"id": 1, "username": "alice", "name": "Alice"}], weight=5,
                          milestone=MILESTONES[1]),
                api_issue(2, "Lead list upload", ["MktgOps::0 - To Be Triaged"], confidential=True),
            ],
            [api_issue(3, "Routing rule", [], state="closed", closed_at="2025-03-25T16:00:00.000Z")],
        ]  # fmt: skip
        for iid in (1, 2, 3):
            standin.pages[f"{PROJECT}/issues/{iid}/notes"] = [[]]
            standin.pages[f"{PROJECT}/issues/{iid}/resource_label_events"] = [[]]
            standin.pages[f"{PROJECT}/issues/{iid}/resource_milestone_events"] = [[]]
        standin.pages[f"{PROJECT}/issues/1/notes"] = [
            [{"id": 11, "body": "Template ready.", "author": {"username": "bob"}, "created_at": "2025-03-05T12:00:00Z",
              "system": False, "noteable_type": "Issue", "noteable_iid": 1}],
            [{"id": 12, "body": "changed the description", "author": {"username": "alice"},
              "created_at": "2025-03-06T08:00:00Z", "system": True, "noteable_type": "Issue", "noteable_iid": 1}],
        ]  # fmt: skip
        standin.pages[f"{PROJECT}/issues/1/resource_milestone_events"] = [
            [
                {"id": 31, "user": {"username": "alice"}, "created_at": "2025-03-01T11:00:00Z",
                 "resource_type": "Issue",
                 "resource_id": 401, "milestone": {"id": 101, "iid": 1, "title": "Sprint 2025-03-03"},
                 "action": "add", "state": "active"},
                {"id": 32, "user": {"username": "alice"}, "created_at": "2025-03-17T09:00:00Z",
                 "resource_type": "Issue",
                 "resource_id": 401, "milestone": {"id": 102, "iid": 2, "title": "Sprint 2025-03-17"},
                 "action": "add", "state": "active"},
            ]
        ]  # fmt: skip
        yield standin


@pytest.fixture
def waits(monkeypatch):
    """The importer's waits, recorded instead of slept through."""
    recorded: list[float] = []
    monkeypatch.setattr(gitlab_api, "sleep", recorded.append)
    return recorded


def run(standin, **kwargs):
    reader = gitlab_api.GitLabProject(url=standin.url, project="marketing/ops", token="glpat-test", per_page=2)
    return gitlab_import(reader=reader, instance="gitlab.example.com", **kwargs)


def test_the_api_import_follows_the_pages_and_maps_like_the_export(gitlab, waits):
    progress = []
    summary = run(gitlab, progress=lambda done, total: progress.append((done, total)))

    assert summary.counts["issues"] == {"created": 3}
    assert gitlab.served(f"{PROJECT}/issues") == [1, 2]  # X-Next-Page 2, then "" on the last page
    assert progress[-1] == (3, 3)  # the total from X-Total
    stages = dict(ImportedIssue.objects.values_list("iid", "issue__stage"))
    assert stages == {1: Stage.IN_PROGRESS, 2: Stage.TRIAGE, 3: Stage.TRIAGE}
    one = ImportedIssue.objects.get(iid=1).issue
    assert (one.assignee.username, one.weight, one.milestone.title) == ("alice", 5, "Sprint 2025-03-17")
    assert list(one.comments.values_list("body", flat=True)) == ["Template ready."]  # two pages of notes
    assert one.events.filter(kind="gitlab_note").count() == 1
    assert list(MilestoneMembership.objects.filter(issue=one).values_list("milestone__title", "left_how")) == [
        ("Sprint 2025-03-03", MembershipLeft.ROLLED_OUT),
        ("Sprint 2025-03-17", ""),
    ]
    assert ImportedIssue.objects.get(iid=2).issue.confidential
    assert all(headers.get("PRIVATE-TOKEN") == "glpat-test" for _, _, headers in gitlab.requests)


def test_a_429_waits_retry_after_and_a_502_is_retried_with_backoff(gitlab, waits):
    gitlab.failures[(f"{PROJECT}/issues", 1)] = [(429, {"Retry-After": "3", "RateLimit-Remaining": "0"})]
    gitlab.failures[(f"{PROJECT}/issues", 2)] = [(502, {}), (502, {})]

    summary = run(gitlab)

    assert summary.counts["issues"] == {"created": 3}
    assert gitlab.served(f"{PROJECT}/issues") == [1, 1, 2, 2, 2]
    assert waits == [3.0, 0.01, 0.02]  # Retry-After as said; then the configured backoff, doubling


def test_rate_limit_remaining_zero_waits_until_the_reset(gitlab, waits):
    gitlab.rate_limit_remaining[(f"{PROJECT}/issues", 1)] = 0

    run(gitlab)

    assert len(waits) == 1
    assert 0 < waits[0] <= 2.0  # until RateLimit-Reset (two seconds ahead), not a fixed pause


def test_a_gitlab_that_keeps_failing_is_reported_unavailable_and_nothing_is_half_imported(gitlab, waits):
    gitlab.failures[(f"{PROJECT}/issues", 2)] = [(502, {})] * 10

    with pytest.raises(Unavailable) as exc:
        run(gitlab)

    assert exc.value.code == ImportErrorCode.API_UNAVAILABLE
    assert "502" in exc.value.message
    # The first page's issues are in, each whole; the third was never read, so it is not there at all.
    assert sorted(Issue.objects.values_list("title", flat=True)) == ["Lead list upload", "Webinar program"]
    assert len(waits) == 3  # GITLAB_IMPORT_MAX_RETRIES


def test_api_runs_twice_change_nothing(gitlab, waits):
    run(gitlab)
    summary = run(gitlab)
    assert summary.counts["issues"] == {"unchanged": 3}
    assert Issue.objects.count() == 3


def test_a_very_long_retry_after_is_capped(gitlab, waits):
    started = time.monotonic()
    gitlab.failures[(f"{PROJECT}/issues", 1)] = [(429, {"Retry-After": "30"})]
    run(gitlab)
    assert waits[0] == 5  # capped at GITLAB_IMPORT_MAX_WAIT_SECONDS
    assert time.monotonic() - started < 10


def test_the_command_reads_the_api_with_the_token_from_the_environment(gitlab, waits, settings, capsys):
    from django.core.management import call_command

    settings.GITLAB_TOKEN = "glpat-from-env"
    call_command("import_gitlab", "api", "--url", gitlab.url, "--project", "marketing/ops")

    assert Issue.objects.count() == 3
    assert (
        ImportedIssue.objects.filter(
            source=f"127.0.0.1:{gitlab.url.rsplit(':', 1)[1]}", project="marketing/ops"
        ).count()
        == 3
    )
    assert {headers.get("PRIVATE-TOKEN") for _, _, headers in gitlab.requests} == {"glpat-from-env"}
    assert "issues" in capsys.readouterr().out
