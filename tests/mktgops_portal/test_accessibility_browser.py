"""axe-core in Chromium: the board, the issue page, the request forms and the milestone report have no serious or
critical accessibility violations, for a MktgOps IC and for a requester; the board works from the keyboard alone."""

import pytest

from requests_app.models import IssueTransition, Stage
from tests import factories
from tests.a11y import serious_violations, with_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    ivy = factories.ic(username="ivy", first_name="Ivy")
    factories.manager(username="max", first_name="Max")
    rae = factories.requester(username="rae", first_name="Rae")
    current = factories.current_milestone()
    past = factories.past_milestone()
    issues = [
        factories.IssueFactory(stage=Stage.TRIAGE, requester=rae, title="Import the webinar leads"),
        factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ivy, milestone=current, weight=5),
        factories.IssueFactory(stage=Stage.REVIEW, assignee=ivy, milestone=current, confidential=True),
        factories.IssueFactory(stage=Stage.BLOCKED, blocked_from=Stage.TRIAGE, title="Waiting on Legal"),
        factories.IssueFactory(stage=Stage.COMPLETED, assignee=ivy, milestone=past),
    ]
    IssueTransition.objects.create(issue=issues[3], from_stage="00", to_stage="07", reason="Consent wording")
    return {"issues": issues, "past": past}


def _page(browser, live_server, username, width=1366):
    page = with_axe(browser.new_page(viewport={"width": width, "height": 900}))
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize("username", ["ivy", "rae"])
def test_pages_have_no_serious_accessibility_violations(browser, live_server, world, username):
    page = _page(browser, live_server, username)
    issue = world["issues"][0]
    paths = [
        "/board/",
        "/board/?lanes=assignee",
        f"/issues/{issue.pk}/",
        "/requests/new/",
        "/requests/new/bug/",
        "/requests/new/list-import/",
        f"/milestones/{world['past'].pk}/report/",
    ]
    found = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if violations := serious_violations(page):
            found[path] = violations
    assert found == {}


def test_a_form_shown_again_with_its_errors_has_no_serious_violations(browser, live_server, world):
    page = _page(browser, live_server, "rae")
    page.goto(f"{live_server.url}/requests/new/bug/")
    page.locator("form button[type=submit], form button.primary").last.click()  # nothing filled in
    page.wait_for_load_state()
    assert page.locator(".errorlist").count() > 0
    assert serious_violations(page) == []


def test_the_board_with_an_open_move_menu_and_dialog_has_no_serious_violations(browser, live_server, world):
    page = _page(browser, live_server, "ivy")
    page.goto(f"{live_server.url}/board/")
    card = world["issues"][0]
    page.focus(f"#card-{card.pk} summary")
    page.keyboard.press("Enter")  # the "Move to…" menu opens from the keyboard
    assert serious_violations(page) == []
    page.locator(f"#card-{card.pk} button[name=stage][value='07']").focus()
    page.keyboard.press("Enter")
    page.locator("#move-dialog[open]").wait_for()
    assert serious_violations(page) == []
    page.keyboard.type("Waiting on the vendor")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # Cancel, then Move
    page.keyboard.press("Enter")
    page.locator("#board-status").filter(has_text="is now in MktgOps::07: Blocked").wait_for()
    # Focus comes back to the moved card's menu, so the next key press carries on from there.
    assert page.evaluate("document.activeElement.closest('.board-card').id") == f"card-{card.pk}"


def test_the_board_can_be_used_from_the_keyboard_alone(browser, live_server, world):
    page = _page(browser, live_server, "ivy")
    page.goto(f"{live_server.url}/board/")
    # Tab from the top of the page reaches the filters, the searchable label picker and then the cards' menus.
    where = """(() => { const a = document.activeElement;
      return a.tagName === 'SUMMARY' ? 'menu' : a.closest('.board-filters') ? 'filter' : a.tagName; })()"""
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(where))
        if reached[-1] == "menu":
            break
    assert "filter" in reached
    assert reached[-1] == "menu"
    focused = page.evaluate("document.activeElement.closest('.board-card').id")
    page.keyboard.press("Enter")
    assert page.locator(f"#{focused} details.move-menu[open]").count() == 1
    page.keyboard.press("Escape")
    assert page.locator(f"#{focused} details.move-menu[open]").count() == 0
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"  # focus stays on the card's menu
