"""The managers' import page: start an import from an export file, watch its progress, find the issues."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gitlab_import.models import ImportRun, RunStatus, SourceKind
from gitlab_import.services import import_run_execute
from milestones.models import Milestone
from requests_app.models import Issue, Stage
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/import/gitlab/"


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/gzip")


@pytest.mark.parametrize("who", ["requester", "ic"])
def test_only_managers_reach_the_import_page(client, who):
    client.force_login(factories.requester(username="rey") if who == "requester" else factories.ic(username="ike"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"kind": "export"}).status_code == 403
    assert not ImportRun.objects.exists()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_manager_imports_an_export_file_and_finds_the_issues_on_the_board(
    client, team_export, django_capture_on_commit_callbacks, settings
):
    manager = factories.manager(username="maya")
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):  # the Celery task runs eagerly after the commit
        response = client.post(URL, {"kind": SourceKind.EXPORT, "export_file": upload(team_export)})

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("gitlab-import-run", args=[run.pk])
    assert run.status == RunStatus.DONE_WITH_SKIPS  # the two bad lines
    assert (run.processed, run.total) == (6, 6)
    assert not run.file  # the export (confidential issues in it) is not kept once read
    assert not list((settings.PRIVATE_MEDIA_ROOT / "gitlab-imports").iterdir())
    page = client.get(response["Location"]).content.decode()
    assert "tree/project/issues.ndjson:5: not JSON" in page
    assert "every 1s" not in page  # finished: the page stops polling
    # The default board: the current milestone's work and what is not planned yet (issue 2, in Triage).
    assert "Upload the attendee list from the booth" in client.get("/board/").content.decode()
    # Issue 1 is In Progress in a milestone that ended long ago: on the board of any milestone.
    assert "Marketo webinar program for Q2" in client.get("/board/?milestone=any").content.decode()
    issue = Issue.objects.get(title="Marketo webinar program for Q2")
    assert issue.stage == Stage.IN_PROGRESS
    detail = client.get(issue.get_absolute_url()).content.decode()
    assert "The program template is ready for review." in detail
    assert "<strong>Imported</strong> in" in detail  # the imported transition, with the label that said so
    assert "Imported from GitLab marketing-operations#1: label MktgOps::04: In Progress" in detail
    assert "Apr 20, 2025" in detail  # the due date kept from GitLab
    report = client.get(reverse("milestone-report", args=[Milestone.objects.get(title="Sprint 2025-03-03").pk]))
    assert "Marketo webinar program for Q2" in report.content.decode()


def test_a_running_import_is_polled_and_the_poll_gets_the_partial(client):
    manager = factories.manager(username="maya")
    client.force_login(manager)
    run = ImportRun.objects.create(kind=SourceKind.EXPORT, status=RunStatus.RUNNING, processed=40, total=100)

    page = client.get(reverse("gitlab-import-run", args=[run.pk])).content.decode()
    partial = client.get(reverse("gitlab-import-run", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()

    assert 'hx-trigger="every 1s"' in page
    assert "40 of 100" in page
    assert partial.lstrip().startswith('<section id="run-progress"')
    assert "<html" not in partial
    assert '<progress max="100" value="40"' in partial


def test_the_form_re_renders_with_its_errors_and_keeps_what_was_typed(client):
    client.force_login(factories.manager(username="maya"))

    response = client.post(URL, {"kind": SourceKind.EXPORT, "since": "2025-01-01", "dry_run": "on"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose the export file to import." in body
    assert 'value="2025-01-01"' in body
    assert not ImportRun.objects.exists()


def test_a_label_map_that_is_not_json_is_a_form_error(client, team_export):
    client.force_login(factories.manager(username="maya"))
    bad_map = SimpleUploadedFile("map.json", b"{not json", content_type="application/json")

    response = client.post(URL, {"kind": SourceKind.EXPORT, "export_file": upload(team_export), "label_map": bad_map})

    assert response.status_code == 400
    assert "is not JSON" in response.content.decode()


def test_the_api_needs_the_server_token(client, settings):
    settings.GITLAB_TOKEN = ""
    client.force_login(factories.manager(username="maya"))

    response = client.post(URL, {"kind": SourceKind.API, "url": "https://gitlab.example.com", "project": "a/b"})

    assert response.status_code == 400
    assert "Set GITLAB_TOKEN" in response.content.decode()


def test_a_run_that_is_not_an_export_fails_with_its_reason(tmp_path, manager_user):
    from django.core.files.base import ContentFile

    run = ImportRun(kind=SourceKind.EXPORT, created_by=manager_user)
    run.file.save("bogus.tar.gz", ContentFile(b"not a tarball"), save=True)

    run = import_run_execute(run_id=run.pk)

    assert run.status == RunStatus.FAILED
    assert "is not a GitLab export" in run.error


def test_the_page_lists_runs_in_the_same_queries_for_few_and_many(client, django_assert_num_queries):
    manager = factories.manager(username="maya")
    client.force_login(manager)
    ImportRun.objects.create(kind=SourceKind.EXPORT, created_by=manager)
    client.get(URL)  # warm the session and the user's groups

    with django_assert_num_queries(3) as few:  # session, user, runs with their creators (roles cached)
        client.get(URL)
    ImportRun.objects.bulk_create([ImportRun(kind=SourceKind.API, created_by=manager) for _ in range(15)])
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(URL)


def test_an_imported_milestone_says_its_rollover_came_from_gitlab(client, team_export):
    from gitlab_import.export_file import ExportFile
    from gitlab_import.services import gitlab_import

    gitlab_import(reader=ExportFile(team_export), instance="gitlab.com")
    client.force_login(factories.manager(username="maya"))

    page = client.get(reverse("milestone-detail", args=[Milestone.objects.get(title="Sprint 2025-03-03").pk]))

    assert "From GitLab: its issues moved there; no Slack thread was posted here." in page.content.decode()
