"""The "done when" walk in a real browser: a manager imports an export file, watches its progress, and finds
the issues on the board, their history on the issue page, and the past milestone's report filled in."""

import pytest

from gitlab_import.models import ImportRun
from gitlab_import.services import import_run_execute
from milestones.models import Milestone
from requests_app.models import Issue
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_imports_watches_the_progress_and_finds_the_history(browser, live_server, team_export, monkeypatch):
    factories.manager(username="maya")
    # No worker in this test: the run waits, queued, until the test plays the worker below.
    monkeypatch.setattr("gitlab_import.tasks.gitlab_import_task.delay", lambda run_id: None)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "maya")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")

    page.click("nav >> text=Import")
    page.set_input_files("#id_export_file", str(team_export))
    page.click("text=Start import")
    page.wait_for_selector("#run-progress >> text=Queued")

    import_run_execute(run_id=ImportRun.objects.get().pk)  # the worker
    # The page polls every second: the summary arrives without a reload.
    page.wait_for_selector("#run-progress >> text=Done, with skipped input", timeout=10_000)
    summary = page.inner_text(".import-summary")
    assert "tree/project/issues.ndjson:5: not JSON" in summary
    assert page.locator("#run-progress[hx-trigger]").count() == 0  # finished: polling stops

    page.goto(f"{live_server.url}/board/?milestone=any")
    assert page.locator("text=Marketo webinar program for Q2").count() == 1
    page.goto(f"{live_server.url}{Issue.objects.get(title='Marketo webinar program for Q2').get_absolute_url()}")
    timeline = page.inner_text("#timeline")
    assert "The program template is ready for review." in timeline
    assert "Imported in" in timeline
    page.goto(f"{live_server.url}/milestones/{Milestone.objects.get(title='Sprint 2025-03-31').pk}/report/")
    assert "Marketo webinar program for Q2" in page.inner_text("main")
