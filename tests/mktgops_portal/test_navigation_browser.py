"""The top bar's menu on a phone, in Debian's Chromium: a keyboard opens and closes it."""

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(10_000)
    return page


def test_on_a_phone_the_keyboard_opens_and_closes_the_menu(page, live_server):
    factories.requester(username="rae")
    page.goto(f"{live_server.url}/accounts/login/?next=/issues/")
    page.fill("#id_username", "rae")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/issues/")
    toggle = page.get_by_role("button", name="Menu")
    issues_link = page.locator("#main-nav a[href='/issues/']")
    assert not issues_link.is_visible()

    page.keyboard.press("Tab")  # the brand link, then the menu button
    page.keyboard.press("Tab")
    assert toggle.evaluate("t => t === document.activeElement")
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert issues_link.is_visible()

    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not issues_link.is_visible()
    assert toggle.evaluate("t => t === document.activeElement")
