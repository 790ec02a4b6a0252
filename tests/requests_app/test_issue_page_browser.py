"""The issue page in Debian's Chromium: closing asks first."""

import pytest

from requests_app.models import Issue
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_requester_is_asked_before_closing_and_the_button_is_not_a_full_width_bar(browser, live_server):
    issue = factories.IssueFactory(requester=factories.requester(username="rae"), title="Fix the webinar sync")
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/issues/{issue.pk}/")
    page.fill("#id_username", "rae")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/issues/{issue.pk}/")

    close = page.get_by_role("button", name="Close this request")
    assert close.bounding_box()["width"] < page.locator(".side-actions").bounding_box()["width"] * 0.75
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    close.click()
    assert asked == [f"Close #{issue.pk} “Fix the webinar sync”? The MktgOps team stops working on it."]
    assert Issue.objects.get(pk=issue.pk).closed_at is None
    assert page.url == f"{live_server.url}/issues/{issue.pk}/"

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    with page.expect_navigation():
        close.click()
    assert len(asked) == 2
    assert Issue.objects.get(pk=issue.pk).closed_at is not None
