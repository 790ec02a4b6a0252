"""The list-import CSV checker: one test per way a file is refused, and a large valid file accepted."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from requests_app import list_import
from requests_app.list_import import check_list_import
from requests_app.models import Attachment, Issue
from tests.requests_app.conftest import HEADER, csv_bytes, lead

SOURCES = {
    "Conference": "Active",
    "Owned Event": "Active",
    "Webcast": "Active",
    "Web Chat": "Inactive",
    "Promotion": "Inactive",
}


def check(data: bytes, **kwargs):
    return check_list_import(data, initial_sources=SOURCES, **kwargs)


def messages(result):
    return [(p.row, p.column, p.message) for p in result.errors]


def test_a_valid_file_passes_with_its_row_count():
    result = check(csv_bytes([lead(1), lead(2)]))
    assert result.ok
    assert result.row_count == 2
    assert result.encoding == "UTF-8"
    assert result.errors == []
    assert result.file_error == ""


def test_a_valid_10000_row_file_is_accepted_quickly():
    data = csv_bytes([lead(n) for n in range(10_000)])
    started = time.perf_counter()
    result = check(data)
    assert result.ok, result.errors[:3]
    assert result.row_count == 10_000
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("missing", ["First Name", "Last Name", "Email", "Company", "Initial Source"])
def test_each_required_column_is_required(missing):
    header = [h for h in HEADER if h != missing]
    rows = [[v for h, v in zip(HEADER, lead(1), strict=True) if h != missing]]
    result = check(csv_bytes(rows, header=header))
    assert not result.ok
    assert result.file_error.startswith(f"Missing required column: {missing}.")


def test_header_spellings_are_matched_loosely():
    header = ["first_name", "LastName", "E-mail", "company name", "Person Source"]
    result = check(csv_bytes([["Ada", "Lovelace", "ada@example.com", "Acme", "Conference"]], header=header))
    assert result.ok
    assert result.columns["Email"] == "E-mail"
    assert result.columns["Initial Source"] == "Person Source"


def test_an_inactive_initial_source_is_refused_naming_the_value_and_the_row():
    result = check(csv_bytes([lead(1), lead(2), lead(3, source="Web Chat")]))
    assert not result.ok
    assert messages(result) == [
        (4, "Initial Source", "“Web Chat” is an Inactive Initial Source and can't be imported. Use an Active value.")
    ]


def test_an_unknown_initial_source_is_refused_naming_the_value_and_the_row():
    result = check(csv_bytes([lead(1, source="Trade Show")]))
    assert [(p.row, p.value) for p in result.errors] == [(2, "Trade Show")]
    assert "not an Initial Source value" in result.errors[0].message


def test_an_empty_cell_in_a_required_column_is_refused():
    row = lead(1)
    row[3] = ""
    result = check(csv_bytes([row]))
    assert messages(result) == [(2, "Company", "Company is empty.")]


@pytest.mark.parametrize("email", ["ada.example.com", "ada@", "ada@@example.com", "ada @example.com", "@x.com"])
def test_a_malformed_email_is_refused(email):
    result = check(csv_bytes([lead(1), lead(2, email=email)]))
    assert [(p.row, p.column, p.value) for p in result.errors] == [(3, "Email", email)]
    assert "not a well-formed e-mail address" in result.errors[0].message


def test_duplicate_emails_within_the_file_are_refused_naming_the_first_row():
    result = check(csv_bytes([lead(1), lead(2), lead(3, email="ADA1@example.com")]))
    assert messages(result) == [(4, "Email", "Duplicate e-mail: ADA1@example.com is already on row 2.")]


def test_test_leads_are_flagged_but_not_refused():
    result = check(csv_bytes([lead(1), lead(2, title="Test"), lead(3, title="test")]))
    assert result.ok
    assert [(w.row, w.column) for w in result.warnings] == [(3, "Job Title"), (4, "Job Title")]
    assert "Test lead" in result.warnings[0].message


def test_only_the_first_hundred_errors_are_listed_and_the_rest_counted():
    result = check(csv_bytes([lead(n, email=f"bad{n}") for n in range(250)]))
    assert len(result.errors) == list_import.MAX_REPORTED == 100
    assert result.error_count == 250
    assert result.errors_not_shown == 150
    assert result.errors[0].row == 2
    assert result.errors[-1].row == 101


def test_an_empty_file_is_refused():
    assert check(b"").file_error.startswith("The file is empty.")
    assert check(b"  \r\n\n").file_error.startswith("The file is empty.")


def test_a_header_without_leads_is_refused():
    assert check(csv_bytes([])).file_error == "The file has a header row but no leads."


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-a-workbook", "Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel workbook (.xls)"),
        (b"%PDF-1.7\n", "a PDF"),
        (b"First Name,Email\x00\x00\x01", "binary data"),
        (b"Dear MktgOps,\nplease import the attached leads.\n", "does not look like a CSV list of leads"),
        (b"hello world\n", "does not look like a CSV list of leads"),
    ],
)
def test_a_file_that_is_not_csv_is_refused(data, says):
    result = check(data)
    assert not result.ok
    assert says in result.file_error


def test_a_utf8_file_with_a_byte_order_mark_is_read_and_says_so():
    result = check(csv_bytes([["Zoë", "Müller", "zoe@example.com", "Café GmbH", "Conference", ""]], bom=True))
    assert result.ok
    assert result.encoding == "UTF-8 with BOM"
    assert result.columns["First Name"] == "First Name"  # the BOM is not part of the first header
    assert any("byte-order mark" in note for note in result.notes)


def test_a_bom_file_that_is_not_utf8_after_the_bom_is_refused():
    data = b"\xef\xbb\xbf" + csv_bytes([["Zo\xeb", "M", "z@example.com", "C", "Conference", ""]], encoding="latin-1")
    result = check(data)
    assert result.file_error.startswith(
        "The file starts with a UTF-8 byte-order mark but is not UTF-8: byte 0xEB on row 2"
    )


def test_a_file_over_10_mb_is_refused():
    padding = "x" * 200
    rows = [[f"Ada{n}", padding, f"a{n}@example.com", "Acme", "Conference", ""] for n in range(49_000)]
    data = csv_bytes(rows)
    assert len(data) > list_import.MAX_BYTES
    result = check(data)
    assert result.file_error.startswith(f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is 10 MB.")


def test_a_file_over_50000_rows_is_refused():
    data = csv_bytes([["A", "B", f"a{n}@x.io", "C", "Conference", ""] for n in range(50_001)])
    assert len(data) < list_import.MAX_BYTES
    result = check(data)
    assert result.file_error.startswith("The file has more than 50,000 rows.")


def test_exactly_50000_rows_are_accepted():
    data = csv_bytes([["A", "B", f"a{n}@x.io", "C", "Conference", ""] for n in range(50_000)])
    result = check(data)
    assert result.ok
    assert result.row_count == 50_000


def test_a_broken_quote_is_refused_with_its_row():
    data = b'First Name,Last Name,Email,Company,Initial Source\n"Ada,Lovelace,ada@x.io,Acme,Conference\n'
    result = check(data)
    assert result.file_error.startswith("Row 2 can't be read as CSV")


def test_rows_that_differ_from_the_lists_initial_source_are_flagged():
    result = check(csv_bytes([lead(1), lead(2, source="Webcast")]), list_source="Conference")
    assert result.ok
    assert [(w.row, w.column) for w in result.warnings] == [(3, "Initial Source")]


# Through the form: what the requester sees.
@pytest.fixture
def signed_in(client, requester_user, taxonomy):
    client.force_login(requester_user)
    return client


FORM = {
    "title": "Booth scans",
    "event_or_source": "DevOpsDays",
    "initial_source": "Conference",
    "consent_basis": "opt_in",
}


def _upload(client, data: bytes, name="leads.csv"):
    return client.post("/requests/new/list-import/", {**FORM, "csv_file": SimpleUploadedFile(name, data)})


@pytest.mark.django_db
def test_form_accepts_a_valid_10000_row_file(signed_in):
    response = _upload(signed_in, csv_bytes([lead(n) for n in range(10_000)]))
    assert response.status_code == 302
    assert Attachment.objects.get().row_count == 10_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "The submitted file is empty."),  # Django refuses an empty upload before the checker
        (b"\xef\xbb\xbfFirst Name,Last Name,Email,Company,Initial Source\r\nZo\xe9,M,z@x.io,C,Conference\r\n", "0xE9"),
        (b"PK\x03\x04workbook", "Excel workbook"),
    ],
)
def test_form_explains_a_refused_file_and_files_nothing(signed_in, data, says):
    response = _upload(signed_in, data)
    assert response.status_code == 200
    assert says in " ".join(response.context["form"].errors["csv_file"])
    assert not Issue.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_form_refuses_an_upload_over_10_mb_before_reading_it(signed_in, monkeypatch):
    monkeypatch.setattr(list_import, "MAX_BYTES", 1000)
    response = _upload(signed_in, csv_bytes([lead(n) for n in range(100)]))
    assert "the limit is 0 MB" in " ".join(response.context["form"].errors["csv_file"])
    assert not Issue.objects.exists()


@pytest.mark.django_db
def test_form_lists_the_first_hundred_row_errors_and_counts_the_rest(signed_in):
    response = _upload(signed_in, csv_bytes([lead(n, email=f"bad{n}") for n in range(130)]))
    html = response.content.decode()
    assert "130 problems in the file" in html
    assert html.count("not a well-formed e-mail address") == 100
    assert "… and 30 more problems not listed here." in html


@pytest.mark.django_db
def test_refused_then_fixed_file_is_filed(signed_in):
    bad = csv_bytes([lead(1), lead(2, source="Promotion")])
    assert _upload(signed_in, bad).status_code == 200
    fixed = csv_bytes([lead(1), lead(2, source="Owned Event")])
    assert _upload(signed_in, fixed).status_code == 302
    issue = Issue.objects.get()
    assert issue.attachments.get().file.read() == fixed
