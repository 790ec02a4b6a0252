"""The "done when" walk in a real browser: file requests, fix a refused CSV, find it, an IC moves it, mail goes out."""

import pytest
from django.core import mail

from requests_app.models import Issue, Stage
from tests import factories
from tests.requests_app.conftest import csv_bytes, lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, username, width=1280):
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    return page


def test_requester_files_fixes_a_refused_csv_finds_it_and_gets_mail_when_an_ic_moves_it(
    browser, live_server, taxonomy, tmp_path
):
    factories.requester(username="rae", email="rae@example.com", first_name="Rae")
    factories.ic(username="ian", first_name="Ian", last_name="Ops")
    page = sign_in(browser, live_server, "rae", width=390)  # a phone

    page.goto(f"{live_server.url}/requests/new/")
    page.click("text=Something else")
    page.fill("#id_title", "Help with a nurture")
    page.fill("#id_details", "Three e-mails for the new ebook.")
    page.click("text=File the request")
    assert "is filed" in page.inner_text(".messages")

    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_bytes(
        csv_bytes([lead(1), lead(2, source="Web Chat"), lead(3, email="nope"), lead(4, email="ada1@example.com")])
    )
    good.write_bytes(csv_bytes([lead(1), lead(2), lead(3)]))
    page.goto(f"{live_server.url}/requests/new/list-import/")
    page.fill("#id_title", "Booth scans")
    page.fill("#id_event_or_source", "DevOpsDays")
    page.select_option("#id_initial_source", "Conference")
    page.select_option("#id_consent_basis", "opt_in")
    page.set_input_files("#id_csv_file", str(bad))
    page.click("text=File the request")
    report = page.inner_text("#csv-report")
    assert "3 problems in the file" in report
    assert "Inactive Initial Source" in report
    assert "not a well-formed e-mail address" in report
    # On the phone the report reads without a sideways scroll: no problem is cut off at the screen's edge.
    widths = page.locator("#csv-report .table-scroll").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1]
    assert page.input_value("#id_title") == "Booth scans"  # nothing typed is lost
    page.set_input_files("#id_csv_file", str(good))
    page.click("text=File the request")
    assert "is filed" in page.inner_text(".messages")

    page.goto(f"{live_server.url}/issues/?mine=1")
    titles = page.inner_text(".issue-table")
    assert "Help with a nurture" in titles
    assert "Booth scans" in titles

    issue = Issue.objects.get(title="Booth scans")
    ic = sign_in(browser, live_server, "ian")
    ic.goto(f"{live_server.url}/issues/{issue.pk}/")
    ic.fill("#id_body", "Looking at it.")
    ic.click("button:text('Comment')")
    ic.select_option("#id_to_stage", "01")
    ic.fill("#id_reason", "Did they opt in at the booth?")
    ic.click("button:text('Move')")
    assert "MktgOps::01: Needs More Information" in ic.inner_text(".side-facts")
    assert "Looking at it." in ic.inner_text("#timeline")

    issue.refresh_from_db()
    assert issue.stage == Stage.NEEDS_INFO
    # Rae hears of the comment on her request and of the question (issue 13), nobody else of either.
    assert [m.to for m in mail.outbox] == [["rae@example.com"], ["rae@example.com"]]
    assert "Looking at it." in mail.outbox[0].body
    assert "Did they opt in at the booth?" in mail.outbox[1].body
