"""Under the Content-Security-Policy, in Debian's Chromium: the pages without a browser test of their own
still work (Swagger UI, the admin, the audit log, the password reset). The `browser` fixture fails any test
whose pages report a CSP violation, so the board, dialogs and HTMX tests check the policy too."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import MANAGERS_GROUP, MKTGOPS_GROUP
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    return page


def _sign_in(page, live_server, username, next_path):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_path}")


def test_swagger_ui_renders_its_operations_from_the_portals_own_scripts(page, live_server):
    factories.ic(username="ivy")
    _sign_in(page, live_server, "ivy", "/api/docs/")
    page.wait_for_selector(".opblock-summary-path")  # rendered by the script served at /api/docs/?script=
    assert page.locator(".opblock").count() >= 10


def test_the_admin_and_the_audit_log_work_for_a_manager(page, live_server):
    manager = factories.manager(username="maya", is_staff=True, is_superuser=True)
    for name in (MKTGOPS_GROUP, MANAGERS_GROUP):
        manager.groups.add(Group.objects.get_or_create(name=name)[0])
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "maya")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/audit/")
    assert page.locator("h1").inner_text() == "Audit log"
    assert "signed in" in page.locator("table").inner_text()


def test_the_password_reset_page_works(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("text=Forgot your password?")
    page.fill("#id_email", "someone@example.com")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/password-reset/sent/")
    assert "Check your e-mail" in page.content()
