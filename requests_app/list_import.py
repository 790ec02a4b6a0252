"""Checks a list-import CSV before anything is saved: a pure function of the file's bytes.

The handbook's rules: every row's `Initial Source` is an Active value of the Initial Source table
(Inactive ones are refused), e-mails are well formed, duplicate e-mails and test leads
(`Job Title` = `Test`) are reported row by row. Row numbers are the spreadsheet's: the header is
row 1, the first lead is row 2.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from mktgops_portal.spreadsheet import spreadsheet_text

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# The form shows this many row errors; the rest are counted.
MAX_REPORTED = 100

# Canonical column -> the header spellings accepted for it (compared lower-case, without spaces,
# underscores and hyphens, so "First Name", "first_name" and "FirstName" all match).
REQUIRED_COLUMNS = {
    "First Name": ["firstname", "first"],
    "Last Name": ["lastname", "last", "surname"],
    "Email": ["email", "emailaddress"],
    "Company": ["company", "companyname", "account", "accountname"],
    "Initial Source": ["initialsource", "personsource", "leadsource", "source"],
}
OPTIONAL_COLUMNS = {"Job Title": ["jobtitle", "title"]}

# Signatures of files people upload instead of a CSV.
BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF",
}


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    message: str


@dataclass
class ListImportResult:
    """What the checker found. `file_error` refuses the whole file; `errors` refuse rows; `warnings` only flag."""

    file_error: str = ""
    encoding: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # canonical name -> header as written
    row_count: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    error_count: int = 0
    warnings: list[RowProblem] = field(default_factory=list)
    warning_count: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_error and self.error_count == 0

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def warnings_not_shown(self) -> int:
        return self.warning_count - len(self.warnings)

    def add_error(self, row: int, column: str, value: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(RowProblem(row, column, value, message))

    def add_warning(self, row: int, column: str, value: str, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_REPORTED:
            self.warnings.append(RowProblem(row, column, value, message))


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def _decode(data: bytes, result: ListImportResult) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            result.file_error = _not_utf8_message(data, exc, with_bom=True)
            return None
        result.encoding = "UTF-8 with BOM"
        result.notes.append("Read as UTF-8 with a byte-order mark (as Excel saves “CSV UTF-8”).")
        return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        result.file_error = _not_utf8_message(data, exc, with_bom=False)
        return None
    result.encoding = "UTF-8"
    return text


def _not_utf8_message(data: bytes, exc: UnicodeDecodeError, *, with_bom: bool) -> str:
    row = data[: exc.start].count(b"\n") + 1
    byte = data[exc.start : exc.start + 1].hex().upper()
    start = "The file starts with a UTF-8 byte-order mark but is not UTF-8" if with_bom else "The file is not UTF-8"
    # Latin-1 decodes every byte; what it makes of the first bad one tells the requester where to look.
    guess = data[exc.start : exc.start + 1].decode("latin-1")
    return (
        f"{start}: byte 0x{byte} on row {row} is not valid UTF-8. It reads as Latin-1 (Windows-1252), where that "
        f"byte is “{guess}”. Save the file as “CSV UTF-8 (Comma delimited)” (Excel) or with UTF-8 encoding "
        "(Google Sheets exports UTF-8) and upload it again."
    )


def list_import_for_download(data: bytes) -> bytes:
    """A stored list-import CSV as it is downloaded: every cell a spreadsheet would read as a formula
    (`=`, `+`, `-`, `@`, tab, CR first) made text with a leading quote, the rule of every CSV export
    (mktgops_portal.spreadsheet; issue 12 case 5). UTF-8 with a byte-order mark (Excel reads it as UTF-8).

    `data`: the stored bytes (UTF-8, checked on upload; at most FILE_UPLOAD_MAX_BYTES). Linear in its size.
    """
    text = data.decode("utf-8-sig", errors="replace")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([spreadsheet_text(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _first_line(text: str) -> str:
    return text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")


def check_list_import(data: bytes, *, initial_sources: dict[str, str], list_source: str = "") -> ListImportResult:
    """Check a list-import CSV.

    `initial_sources` maps every known Initial Source value to its status ("Active"/"Inactive");
    `list_source` is the Initial Source the requester chose for the list (rows that differ are flagged).
    """
    result = ListImportResult()
    if not data or not data.strip():
        result.file_error = "The file is empty. Export the list with a header row and at least one lead."
        return result
    if len(data) > MAX_BYTES:
        result.file_error = (
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB. "
            "Split it into smaller files and file one request per file."
        )
        return result
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            result.file_error = f"This is not a CSV file: it looks like {what}. Save it as CSV and upload that."
            return result
    if b"\x00" in data[:4096]:
        result.file_error = "This is not a CSV file: it holds binary data. Export the list as CSV and upload that."
        return result

    text = _decode(data, result)
    if text is None:
        return result

    header_line = _first_line(text)
    if ";" in header_line and "," not in header_line:
        result.file_error = (
            "The columns are separated by semicolons (;). MktgOps imports comma-separated files: in Excel choose "
            "“CSV UTF-8 (Comma delimited)”, or change the list separator to a comma, and upload it again."
        )
        return result
    if "\t" in header_line and "," not in header_line:
        result.file_error = "The columns are separated by tabs. Save it as comma-separated CSV and upload it again."
        return result

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        result.file_error = f"This is not a readable CSV file: {exc}."
        return result
    positions = _map_columns(header, result)
    if result.file_error:
        return result

    email_rows: dict[str, int] = {}
    sources = {name.lower(): (name, status) for name, status in initial_sources.items()}
    row_number = 1
    try:
        for row_number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue  # blank lines (a trailing newline, a spacer row) are not leads
            result.row_count += 1
            if result.row_count > MAX_ROWS:
                result.file_error = (
                    f"The file has more than {MAX_ROWS:,} rows. Split it into files of at most {MAX_ROWS:,} leads "
                    "and file one request per file."
                )
                return result
            row = {canonical: (values[i].strip() if i < len(values) else "") for canonical, i in positions.items()}
            _check_row(row_number, row, result, email_rows, sources, list_source)
    except csv.Error as exc:
        result.file_error = f"Row {row_number + 1} can't be read as CSV ({exc}). Check its quotes and upload it again."
        return result
    if result.row_count == 0:
        result.file_error = "The file has a header row but no leads."
    return result


def _map_columns(header: list[str], result: ListImportResult) -> dict[str, int]:
    normalised = {_normalise_header(name): i for i, name in reversed(list(enumerate(header)))}
    positions: dict[str, int] = {}
    missing = []
    for canonical, spellings in {**REQUIRED_COLUMNS, **OPTIONAL_COLUMNS}.items():
        found = next((normalised[s] for s in spellings if s in normalised), None)
        if found is None:
            if canonical in REQUIRED_COLUMNS:
                missing.append(canonical)
            continue
        positions[canonical] = found
        result.columns[canonical] = header[found].strip()
    if missing:
        if len(missing) == len(REQUIRED_COLUMNS):
            result.file_error = (
                "This does not look like a CSV list of leads: its first row "
                f"(“{','.join(header)[:60]}”) names none of the columns First Name, Last Name, Email, Company, "
                "Initial Source. Export the list as comma-separated CSV with a header row."
            )
        else:
            result.file_error = (
                f"Missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
                f"The header row has: {', '.join(h.strip() for h in header if h.strip())[:300]}."
            )
    return positions


def _check_row(row_number, row, result, email_rows, sources, list_source) -> None:
    for canonical in REQUIRED_COLUMNS:
        if canonical != "Email" and not row[canonical]:
            result.add_error(row_number, canonical, "", f"{canonical} is empty.")
    email = row["Email"]
    if not email:
        result.add_error(row_number, "Email", "", "Email is empty.")
    else:
        try:
            validate_email(email)
        except ValidationError:
            result.add_error(row_number, "Email", email, f"“{email}” is not a well-formed e-mail address.")
        else:
            key = email.lower()
            if key in email_rows:
                result.add_error(
                    row_number, "Email", email, f"Duplicate e-mail: {email} is already on row {email_rows[key]}."
                )
            else:
                email_rows[key] = row_number
    source = row["Initial Source"]
    if source:
        known = sources.get(source.lower())
        if known is None:
            result.add_error(
                row_number,
                "Initial Source",
                source,
                f"“{source}” is not an Initial Source value. Use an Active value of the handbook's table.",
            )
        elif known[1] != "Active":
            result.add_error(
                row_number,
                "Initial Source",
                source,
                f"“{known[0]}” is an Inactive Initial Source and can't be imported. Use an Active value.",
            )
        elif list_source and known[0] != list_source:
            result.add_warning(
                row_number, "Initial Source", source, f"Differs from the list's Initial Source, {list_source}."
            )
    if row.get("Job Title", "").lower() == "test":
        result.add_warning(row_number, "Job Title", row["Job Title"], "Test lead (Job Title = Test).")
