"""List-import input as Excel and Google Sheets save it (issue 14): every encoding and delimiter, files made
byte for byte; normalisation to the handbook's spelling; the summary per Initial Source; the fixed CSV."""

import codecs
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from requests_app.list_import import check_list_import, fixed_csv
from requests_app.models import Attachment, Issue

SOURCES = {"Conference": "Active", "Owned Event": "Active", "Webcast": "Active", "Web Chat": "Inactive"}
HEADER = "First Name,Last Name,Email,Company,Initial Source"


def check(data: bytes, **kwargs):
    return check_list_import(data, initial_sources=SOURCES, **kwargs)


def first_row(result) -> list[str]:
    return result.rows[0][1]


# --- Encodings: each made byte for byte --------------------------------------------------------------------

UTF8_ROW = b"Zo\xc3\xab,M\xc3\xbcller,zoe@example.com,Caf\xc3\xa9 GmbH,Conference\r\n"  # Zoë, Müller, Café


def test_utf8_without_a_bom_is_read():
    result = check(HEADER.encode() + b"\r\n" + UTF8_ROW)
    assert result.ok, result.file_error
    assert result.encoding == "UTF-8"
    assert first_row(result)[:2] == ["Zoë", "Müller"]


def test_utf8_with_a_bom_is_read_and_the_bom_is_not_part_of_the_header():
    result = check(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n" + UTF8_ROW)
    assert result.ok
    assert result.encoding == "UTF-8 with BOM"
    assert result.columns["First Name"] == "First Name"


def _unicode_text(codec: str) -> bytes:
    """What Excel's "Unicode Text" writes: tab-separated, CRLF, UTF-16 (here without its BOM)."""
    text = HEADER.replace(",", "\t") + "\r\n" + "Zoë\tMüller\tzoe@example.com\tCafé GmbH\tConference\r\n"
    return text.encode(codec)


def test_utf16_le_with_a_bom_tab_separated_excel_unicode_text_is_read():
    data = b"\xff\xfe" + _unicode_text("utf-16-le")
    assert data[:8] == b"\xff\xfeF\x00i\x00r\x00"
    result = check(data)
    assert result.ok, result.file_error
    assert (result.encoding, result.delimiter) == ("UTF-16 LE with BOM", "\t")
    assert first_row(result) == ["Zoë", "Müller", "zoe@example.com", "Café GmbH", "Conference"]
    assert "Unicode Text" in " ".join(result.notes)


def test_utf16_be_with_a_bom_is_read():
    data = b"\xfe\xff" + _unicode_text("utf-16-be")
    assert data[:6] == b"\xfe\xff\x00F\x00i"
    result = check(data)
    assert result.ok, result.file_error
    assert result.encoding == "UTF-16 BE with BOM"
    assert first_row(result)[0] == "Zoë"


def test_utf16_without_a_bom_is_read_not_called_binary():
    result = check(_unicode_text("utf-16-le"))
    assert result.ok, result.file_error
    assert result.encoding == "UTF-16 LE without BOM"


def test_a_utf16_file_cut_short_is_refused_with_how_to_resave():
    data = b"\xff\xfe" + _unicode_text("utf-16-le") + b"Z"  # an odd byte at the end
    result = check(data)
    assert result.file_error.startswith("The file is UTF-16 LE (Excel's “Unicode Text”) but is cut short")
    assert "CSV UTF-8 (Comma delimited)" in result.file_error


def test_windows_1252_is_read_and_says_which_byte_was_not_utf8():
    # Excel's "CSV (Comma delimited)": O’Brien (0x92), Zoë (0xEB), 5 € (0x80).
    data = HEADER.encode() + b"\r\nZo\xeb,O\x92Brien,zoe@example.com,5 \x80 GmbH,Conference\r\n"
    result = check(data)
    assert result.ok, result.file_error
    assert result.encoding == "Windows-1252 (Latin-1)"
    assert first_row(result)[:4] == ["Zoë", "O’Brien", "zoe@example.com", "5 € GmbH"]
    assert "byte 0xEB on row 2 is not UTF-8 and reads as “ë”" in " ".join(result.notes)


def test_latin1_is_read():
    data = HEADER.encode() + b"\r\nRen\xe9,M\xfcller,rene@example.com,Acme,Conference\r\n"
    result = check(data)
    assert result.ok
    assert first_row(result)[:2] == ["René", "Müller"]


def test_a_utf8_bom_with_a_latin1_body_names_row_2_and_byte_0xe9():
    data = b"\xef\xbb\xbf" + HEADER.encode() + b"\r\nRen\xe9,Roy,rene@example.com,Acme,Conference\r\n"
    result = check(data)
    assert not result.ok
    assert result.file_error.startswith(
        "The file starts with a UTF-8 byte-order mark but is not UTF-8: byte 0xE9 on row 2 is not valid UTF-8 "
        "(in Windows-1252, Latin-1, it is “é”)."
    )
    assert "“CSV UTF-8 (Comma delimited) (*.csv)”" in result.file_error


# --- Delimiters, detected from the header ----------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "name"), [(b",", "commas"), (b";", "semicolons"), (b"\t", "tabs")])
def test_each_delimiter_is_detected_from_the_header(delimiter, name):
    data = delimiter.join([b"First Name", b"Last Name", b"Email", b"Company", b"Initial Source"]) + b"\r\n"
    data += delimiter.join([b"Ada", b"Lovelace", b"ada@example.com", b"Acme, Inc.", b"Conference"]) + b"\r\n"
    if delimiter == b",":
        data = data.replace(b"Acme, Inc.", b'"Acme, Inc."')
    result = check(data)
    assert result.ok, result.file_error
    assert result.delimiter_name == name
    assert first_row(result)[3] == "Acme, Inc."


# --- Normalisation -------------------------------------------------------------------------------------------------


def _file(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def test_initial_source_is_normalised_to_the_handbooks_spelling_and_reported():
    result = check(_file("A,B,a@x.io,C,conference", "D,E,d@x.io,F,  owned   EVENT "), list_source="Conference")
    assert result.ok
    assert [r[1][4] for r in result.rows] == ["Conference", "Owned Event"]
    assert [(n.row, n.column, n.message) for n in result.normalised] == [
        (2, "Initial Source", "“conference” → “Conference”"),
        (3, "Initial Source", "“owned   EVENT” → “Owned Event”"),
    ]
    assert [(w.row, w.message) for w in result.warnings] == [(3, "Differs from the list's Initial Source, Conference.")]


def test_the_forms_initial_source_fills_empty_cells_and_the_summary_counts_rows_per_source():
    result = check(_file("A,B,a@x.io,C,", "D,E,d@x.io,F,Webcast", "G,H,g@x.io,I,"), list_source="Conference")
    assert result.ok
    assert result.filled_count == 2
    assert result.sources_summary == [("Conference", 2), ("Webcast", 1)]
    assert "2 rows had no Initial Source: filled with Conference, the form's." in result.notes


def test_an_empty_initial_source_without_the_forms_is_refused():
    result = check(_file("A,B,a@x.io,C,"))
    assert [(p.row, p.message) for p in result.errors] == [(2, "Initial Source is empty.")]


def test_countries_are_normalised_to_iso_3166_names_and_unknown_ones_listed_row_by_row():
    header = HEADER + ",Country"
    result = check(
        _file("A,B,a@x.io,C,Webcast,U.S.A.", "D,E,d@x.io,F,Webcast,uk", "G,H,g@x.io,I,Webcast,Atlantis", header=header)
    )
    assert result.ok  # an unknown country is flagged, not refused
    assert [r[1][5] for r in result.rows] == ["United States", "United Kingdom", "Atlantis"]
    assert [(n.row, n.message) for n in result.normalised] == [
        (2, "“U.S.A.” → “United States”"),
        (3, "“uk” → “United Kingdom”"),
    ]
    assert [(w.row, w.column, w.value) for w in result.warnings] == [(4, "Country", "Atlantis")]
    assert "not a country ISO 3166 knows" in result.warnings[0].message


# --- The fixed CSV ----------------------------------------------------------------------------------------------------


def _read(data: bytes) -> list[list[str]]:
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


def test_the_fixed_csv_has_normalised_values_and_marks_problem_rows():
    result = check(
        _file("A,B,a@x.io,C,conference,usa", "D,E,not-an-email,F,Webcast,Atlantis", header=HEADER + ",Country"),
        list_source="Conference",
    )
    rows = _read(fixed_csv(result))
    assert rows[0] == [*HEADER.split(","), "Country", "Problems"]
    assert rows[1] == ["A", "B", "a@x.io", "C", "Conference", "United States", ""]
    assert rows[2][:6] == ["D", "E", "not-an-email", "F", "Webcast", "Atlantis"]
    assert "Email: “not-an-email” is not a well-formed e-mail address." in rows[2][6]
    assert "Country (flagged): “Atlantis” is not a country ISO 3166 knows" in rows[2][6]
    assert "Initial Source (flagged): Differs from the list's Initial Source, Conference." in rows[2][6]


@pytest.mark.parametrize("cell", ["=HYPERLINK(A1)", "+1 555", "-5", "@SUM(A1)"])
def test_the_fixed_csv_neutralises_formula_cells(cell):
    result = check(_file(f'"{cell}",B,a@x.io,C,Conference'))
    assert _read(fixed_csv(result))[1][0] == f"'{cell}"


def test_a_fixed_csv_reuploads_clean():
    result = check(_file("A,B,a@x.io,C,conference", "D,E,d@x.io,F,"), list_source="Conference")
    again = check(fixed_csv(result), list_source="Conference")
    assert again.ok
    assert (again.normalised_count, again.filled_count, again.warning_count) == (0, 0, 0)


# --- Through the pages ------------------------------------------------------------------------------------------------

FORM = {
    "title": "Booth scans",
    "event_or_source": "DevOpsDays",
    "initial_source": "Conference",
    "consent_basis": "opt_in",
}


@pytest.fixture
def signed_in(client, requester_user, taxonomy):
    client.force_login(requester_user)
    return client


@pytest.mark.django_db
def test_a_utf16_file_saved_from_excel_is_checked_and_filed(signed_in):
    data = b"\xff\xfe" + _unicode_text("utf-16-le")
    response = signed_in.post("/requests/new/list-import/", {**FORM, "csv_file": SimpleUploadedFile("l.txt", data)})
    assert response.status_code == 302, response.context["form"].errors
    issue = Issue.objects.get()
    assert issue.attachments.get().file.read() == data  # the file as uploaded
    assert "UTF-16 LE with BOM, separated by tabs" in issue.description
    assert "- Conference: 1 row" in issue.description
    assert Attachment.objects.get().row_count == 1


@pytest.mark.django_db
def test_choosing_the_file_shows_the_summary_per_initial_source_before_filing(signed_in):
    data = _file("A,B,a@x.io,C,conference", "D,E,d@x.io,F,Webcast", "G,H,g@x.io,I,")
    response = signed_in.post(
        "/requests/new/list-import/check/",
        {"initial_source": "Conference", "csv_file": SimpleUploadedFile("leads.csv", data)},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the partial alone
    assert '<td>Conference</td><td class="num">2</td>' in html
    assert '<td>Webcast</td><td class="num">1</td>' in html
    assert "Row 2, Initial Source: “conference” → “Conference”" in html
    assert "Row 3: Initial Source “Webcast”: Differs from the list" in html
    assert "Download the fixed CSV" in html
    assert not Issue.objects.exists()


@pytest.mark.django_db
def test_the_request_form_carries_the_check_on_its_file_input(signed_in):
    html = signed_in.get("/requests/new/list-import/").content.decode()
    assert 'hx-post="/requests/new/list-import/check/"' in html
    assert 'id="csv-report"' in html


@pytest.mark.django_db
def test_the_fixed_csv_downloads_from_the_form(signed_in):
    data = _file("A,B,a@x.io,C,conference", "D,E,bad,F,Webcast")
    response = signed_in.post(
        "/requests/new/list-import/fixed.csv", {**FORM, "csv_file": SimpleUploadedFile("booth scans.csv", data)}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="booth-scans-fixed.csv"'
    rows = _read(response.content)
    assert rows[1][4] == "Conference"
    assert "not a well-formed e-mail address" in rows[2][-1]
    assert not Issue.objects.exists()


@pytest.mark.django_db
def test_the_fixed_csv_without_a_file_shows_the_form_again_with_its_input(signed_in):
    response = signed_in.post("/requests/new/list-import/fixed.csv", FORM)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert 'value="Booth scans"' in html


@pytest.mark.django_db
def test_a_refused_file_shows_its_report_and_the_summary(signed_in):
    data = _file("A,B,a@x.io,C,Conference", "D,E,d@x.io,F,Web Chat")
    response = signed_in.post("/requests/new/list-import/", {**FORM, "csv_file": SimpleUploadedFile("l.csv", data)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "“Web Chat” is an Inactive Initial Source" in html
    assert "Rows per Initial Source" in html
    assert not Issue.objects.exists()


@pytest.mark.django_db
def test_changing_the_initial_source_before_choosing_a_file_checks_nothing(signed_in):
    response = signed_in.post("/requests/new/list-import/check/", {"initial_source": "Webcast"})
    assert response.status_code == 200
    assert "required" not in response.content.decode()
    assert 'id="csv-report"' in response.content.decode()


@pytest.mark.django_db
def test_a_refused_file_is_explained_once_on_the_form_and_in_the_check(signed_in):
    data = b"\xef\xbb\xbf" + HEADER.encode() + b"\r\nRen\xe9,Roy,rene@example.com,Acme,Conference\r\n"
    html = signed_in.post(
        "/requests/new/list-import/", {**FORM, "csv_file": SimpleUploadedFile("l.csv", data)}
    ).content.decode()
    assert html.count("byte 0xE9 on row 2") == 1
    partial = signed_in.post(
        "/requests/new/list-import/check/", {"csv_file": SimpleUploadedFile("l.csv", data)}
    ).content.decode()
    assert partial.count("byte 0xE9 on row 2") == 1
