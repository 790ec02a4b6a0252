"""Issue 14's "done when", in a real browser: a requester picks a UTF-16 file saved from Excel ("Unicode Text"),
sees it checked with rows per Initial Source before filing, and files it."""

import pytest

from requests_app.models import Issue
from tests import factories
from tests.requests_app.test_intake_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNICODE_TEXT = (
    "First Name\tLast Name\tEmail\tCompany\tInitial Source\tCountry\r\n"
    "Zoë\tMüller\tzoe@example.com\tCafé GmbH\tconference\tU.S.A.\r\n"
    "René\tRoy\trene@example.com\tAcme\t\tAtlantis\r\n"
    "Ada\tLovelace\tada@example.com\tAcme\tWebcast\tUK\r\n"
)


def test_a_utf16_file_from_excel_is_checked_on_choosing_it_and_filed(browser, live_server, taxonomy, tmp_path):
    factories.requester(username="rae")
    path = tmp_path / "leads.txt"
    path.write_bytes(b"\xff\xfe" + UNICODE_TEXT.encode("utf-16-le"))
    page = sign_in(browser, live_server, "rae")
    page.goto(f"{live_server.url}/requests/new/list-import/")
    page.fill("#id_title", "Booth scans")
    page.fill("#id_event_or_source", "DevOpsDays")
    page.select_option("#id_initial_source", "Conference")
    page.select_option("#id_consent_basis", "opt_in")
    page.set_input_files("#id_csv_file", str(path))

    page.wait_for_selector("#csv-report .csv-sources")  # the check came back without filing anything
    report = page.inner_text("#csv-report")
    assert "Read as UTF-16 LE with BOM, columns separated by tabs; 3 rows." in report
    assert "Conference\t2" in report
    assert "Webcast\t1" in report
    assert "“conference” → “Conference”" in report
    assert "“U.S.A.” → “United States”" in report
    assert "Row 3: Country “Atlantis”" in report
    assert not Issue.objects.exists()

    page.click("text=File the request")
    assert "is filed" in page.inner_text(".messages")
    assert "UTF-16 LE with BOM" in Issue.objects.get().description
