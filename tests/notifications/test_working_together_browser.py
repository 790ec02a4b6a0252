"""Issue 13's "done when", walked in Debian's Chromium as new users would: a bug with a screenshot, a question in 01
answered by e-mail link and comment, an @mention followed from the bell, a duplicate closed into the original."""

import io
import re

import pytest
from django.core import mail
from PIL import Image

from notifications.models import Kind, Notification
from requests_app.models import Attachment, Issue, Stage
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, username):
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/accounts/login/" not in page.url
    return page


def bell_count(page) -> str:
    page.wait_for_selector("#bell")
    count = page.locator("[data-testid=bell-count]")
    count.wait_for()
    return count.inner_text()


def test_working_together_on_a_request(browser, live_server, tmp_path):
    factories.requester(username="rae", email="rae@example.com", first_name="Rae")
    factories.ic(username="ivy", email="ivy@example.com", first_name="Ivy")
    factories.ic(username="cole", email="cole@example.com", first_name="Cole")
    sam = factories.requester(username="sam", email="sam@example.com", first_name="Sam")

    # 1. Rae files a bug with a screenshot.
    shot = tmp_path / "screenshot.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (20, 120, 200)).save(buffer, format="PNG")
    shot.write_bytes(buffer.getvalue() + b"<script>alert(1)</script>")
    rae_page = sign_in(browser, live_server, "rae")
    rae_page.goto(f"{live_server.url}/requests/new/bug/")
    rae_page.fill("#id_title", "Lead form drops UTM parameters")
    rae_page.fill("#id_what_happened", "Leads arrive without utm_source.")
    rae_page.fill("#id_expected", "utm_source is stored.")
    rae_page.fill("#id_steps", "1. Open /pricing?utm_source=x 2. Submit")
    rae_page.fill("#id_started", "Since Monday")
    rae_page.fill("#id_business_impact", "Attribution is wrong.")
    rae_page.set_input_files("#id_attachments", str(shot))
    rae_page.click("text=File the request")
    assert "is filed" in rae_page.inner_text(".messages")
    issue = Issue.objects.get(title="Lead form drops UTM parameters")
    thumb = rae_page.locator(f"#files img[src='/issues/{issue.pk}/attachments/{Attachment.objects.get().pk}/']")
    thumb.wait_for()
    # The re-encoded image loads inline (waited for: under load the element is there before its bytes are).
    rae_page.wait_for_function("img => img.complete", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth") == 64

    # 2. Ivy asks a question: the issue goes to 01 and Rae gets the e-mail.
    ivy_page = sign_in(browser, live_server, "ivy")
    ivy_page.goto(f"{live_server.url}/issues/{issue.pk}/")
    ivy_page.select_option("#id_to_stage", "01")
    ivy_page.fill("#id_reason", "Which form: pricing or demo?")
    ivy_page.click("#move button")
    ivy_page.wait_for_load_state()
    assert Issue.objects.get(pk=issue.pk).stage == Stage.NEEDS_INFO
    [question] = [m for m in mail.outbox if m.to == ["rae@example.com"]]
    assert "Which form: pricing or demo?" in question.body
    link = re.search(r"http://testserver(/issues/\d+/#move-\d+)", question.body).group(1)

    # 3. Rae follows the e-mail's link and answers in a comment: back in Triage, Ivy told.
    rae_page.goto(f"{live_server.url}{link}")
    rae_page.fill("#id_body", "The pricing page form.")
    rae_page.click("#comment button")
    rae_page.wait_for_load_state()
    assert Issue.objects.get(pk=issue.pk).stage == Stage.TRIAGE
    assert "reply waiting" in rae_page.inner_text(".issue-head")
    assert Notification.objects.filter(recipient__username="ivy", kind=Kind.REPLIED).count() == 1
    ivy_page.goto(f"{live_server.url}/board/")
    assert "reply waiting" in ivy_page.inner_text(f"#card-{issue.pk}")
    assert bell_count(ivy_page) == "1"

    # 4. Ivy @mentions Cole; Cole sees the bell count and follows it to the comment.
    ivy_page.goto(f"{live_server.url}/issues/{issue.pk}/")
    ivy_page.fill("#id_body", "@cole can you check the Marketo side?")
    ivy_page.click("#comment button")
    ivy_page.wait_for_load_state()
    cole_page = sign_in(browser, live_server, "cole")
    assert bell_count(cole_page) == "1"
    cole_page.click("#bell")
    cole_page.wait_for_url(f"{live_server.url}/notifications/")
    cole_page.click("text=mentioned you")
    cole_page.wait_for_url(re.compile(rf".*/issues/{issue.pk}/#comment-\d+$"))
    anchor = cole_page.url.rsplit("#", 1)[1]
    assert "can you check the Marketo side?" in cole_page.inner_text(f"#{anchor}")
    cole_page.goto(f"{live_server.url}/notifications/bell/")
    assert "bell-count" not in cole_page.content()  # read once followed

    # 5. Sam files the same problem; Ivy closes it as a duplicate of Rae's and Sam is told.
    duplicate = factories.IssueFactory(requester=sam, title="Form loses UTM")
    ivy_page.goto(f"{live_server.url}/issues/{duplicate.pk}/")
    ivy_page.fill("#id_original", f"#{issue.pk}")
    ivy_page.once("dialog", lambda dialog: dialog.accept())
    ivy_page.click("#duplicate-form button")
    ivy_page.wait_for_load_state()
    assert "Closed as a duplicate" in ivy_page.inner_text(".messages")
    assert Issue.objects.get(pk=duplicate.pk).closed_at is not None
    assert any(m.to == ["sam@example.com"] and f"#{duplicate.pk}" in m.subject for m in mail.outbox)
    sam_page = sign_in(browser, live_server, "sam")
    assert bell_count(sam_page) == "1"
    sam_page.goto(f"{live_server.url}/notifications/")
    assert f"duplicate of #{issue.pk}" in sam_page.inner_text(".notifications")
    sam_page.goto(f"{live_server.url}/issues/{issue.pk}/")
    assert "has duplicate" in sam_page.inner_text("#links")
