"""The searchable label picker (Tom Select, vendored) in Debian's Chromium: labels are picked by typing."""

import pytest
from playwright.sync_api import expect

from labels.models import Label
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["Marketo", "Bizible", "Demandbase", "Drift", "LeanData", "ZoomInfo", "MktgOps - bug", "MktgOps - FYI"]


@pytest.fixture
def page(browser, live_server):
    for name in NAMES:
        Label.objects.create(name=name)
    factories.ic(username="ivy")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ivy")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_an_ic_adds_labels_on_the_issue_page_by_typing(page, live_server):
    issue = factories.IssueFactory(title="Sync the webinar leads")
    page.goto(f"{live_server.url}/issues/{issue.pk}/")
    box = page.locator("#triage .ts-control input")
    box.click()
    box.type("lean")
    options = page.locator("#triage .ts-dropdown .option")
    expect(options).to_have_text(["LeanData"])  # the list narrows to what was typed
    page.keyboard.press("Enter")
    page.keyboard.type("mark")
    expect(options).to_have_text(["Marketo"])
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.locator("#triage button.primary").click()
    page.wait_for_load_state()
    assert sorted(issue.labels.values_list("name", flat=True)) == ["LeanData", "Marketo"]
    # Shown again as picked, with a button to take each off.
    expect(page.locator("#triage .ts-control .item")).to_have_text(["LeanData×", "Marketo×"])


def test_the_board_filters_by_a_label_found_by_typing(page, live_server):
    drift = factories.IssueFactory(title="Route Drift chats")
    drift.labels.add(Label.objects.get(name="Drift"))
    other = factories.IssueFactory(title="Something else")
    page.goto(f"{live_server.url}/board/")
    box = page.locator(".board-filters .ts-control input")
    box.click()
    box.type("dri")
    page.locator(".board-filters .ts-dropdown .option", has_text="Drift").click()
    page.locator(".board-filters button.primary").click()
    page.wait_for_url("**label=Drift**")
    assert page.locator(f"#card-{drift.pk}").count() == 1
    assert page.locator(f"#card-{other.pk}").count() == 0
