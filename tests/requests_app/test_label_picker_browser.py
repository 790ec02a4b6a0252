"""The searchable label picker (Tom Select, vendored) in Debian's Chromium: labels are picked by typing."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from labels.models import Label
from tests import factories
from tests.a11y import serious_violations, with_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["Marketo", "Bizible", "Demandbase", "Drift", "LeanData", "ZoomInfo", "MktgOps - bug", "MktgOps - FYI"]


@pytest.fixture
def page(browser, live_server):
    for name in NAMES:
        Label.objects.create(name=name)
    factories.ic(username="ivy")
    page = with_axe(browser.new_page(viewport={"width": 1366, "height": 900}))
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ivy")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


# What the box shows a person: each chosen label, then the typed text or else the placeholder, unless Tom Select has
# hidden its input (opacity 0, off to the side) because something is chosen and the box is not focused.
SHOWN = """control => Array.from(control.children).map(child => child.tagName !== 'INPUT' ? child.textContent
  : getComputedStyle(child).opacity === '0' ? '' : child.value || child.placeholder).join(' ').trim()"""


def _shown(page, form):
    return page.locator(f"{form} .ts-control").evaluate(SHOWN)


def _query(url):
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_an_ic_adds_labels_on_the_issue_page_by_typing(page, live_server):
    issue = factories.IssueFactory(title="Sync the webinar leads")
    page.goto(f"{live_server.url}/issues/{issue.pk}/")
    assert _shown(page, "#triage") == "Type to add a label"
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


def test_the_board_filter_reads_any_label_once_and_is_used_from_the_keyboard(page, live_server):
    # The empty <option> was an item beside the placeholder, and the box read "Any label Any label".
    drift = factories.IssueFactory(title="Route Drift chats")
    drift.labels.add(Label.objects.get(name="Drift"))
    other = factories.IssueFactory(title="Something else")
    page.goto(f"{live_server.url}/board/")
    assert _shown(page, ".board-filters").count("Any label") == 1
    # Named by its label's words alone, not also by the text of every label in the list.
    expect(page.locator(".board-filters .ts-control input")).to_have_accessible_name("Label")

    # Tab in from the select before it, type, Enter picks; Backspace takes it off and "Any label" is back.
    page.focus(".board-filters select[name=assignee]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.ts-control') !== null")
    page.keyboard.type("dri")
    expect(page.locator(".board-filters .ts-dropdown .option")).to_have_text(["Drift"])
    page.keyboard.press("Enter")
    assert _shown(page, ".board-filters") == "Drift×"
    page.keyboard.press("Backspace")
    assert _shown(page, ".board-filters") == "Any label"
    assert page.locator("select[name=label]").input_value() == ""
    page.keyboard.type("dri")
    expect(page.locator(".board-filters .ts-dropdown .option")).to_have_text(["Drift"])
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # the list is closed: Enter submits the filters
    page.wait_for_url("**label=Drift**")
    assert _query(page.url)["label"] == ["Drift"]
    assert page.locator(f"#card-{drift.pk}").count() == 1
    assert page.locator(f"#card-{other.pk}").count() == 0
    assert _shown(page, ".board-filters") == "Drift×"  # the filter in force, and no "Any label" beside it

    # Typing straight after a click replaces the chosen label (with Tom Select's hidePlaceholder the input was
    # hidden until a moment after the click and the first keys were lost); the open list passes axe.
    page.locator(".board-filters .ts-control").click()
    page.keyboard.type("mark")
    expect(page.locator(".board-filters .ts-dropdown .option")).to_have_text(["Marketo"])
    assert serious_violations(page) == []
    page.keyboard.press("Enter")
    assert page.locator("select[name=label]").input_value() == "Marketo"

    # With nothing chosen the form still sends an empty label, as the plain select did.
    page.goto(f"{live_server.url}/board/")
    page.locator(".board-filters button.primary").click()
    page.wait_for_url("**label=**")
    assert _query(page.url)["label"] == [""]
    assert page.locator(f"#card-{other.pk}").count() == 1
