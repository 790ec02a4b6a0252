"""Checks a list-import CSV before anything is saved: a pure function of the file's bytes.

The handbook's rules: every row's `Initial Source` is an Active value of the Initial Source table
(Inactive ones are refused), e-mails are well formed, duplicate e-mails and test leads
(`Job Title` = `Test`) are reported row by row. Row numbers are the spreadsheet's: the header is
row 1, the first lead is row 2.

Whatever Excel produces is read (issue 14): UTF-8 with or without a byte-order mark, UTF-16 LE/BE with a
byte-order mark (Excel's "Unicode Text"), Windows-1252/Latin-1; commas, semicolons or tabs, detected from the
header. Values are normalised to the handbook's spelling (Initial Source: case and spaces; Country: the ISO 3166
name, with pycountry) and each change is reported; the form's Initial Source fills empty cells. `fixed_csv`
gives the result back as a CSV the requester can correct and upload again.
"""

import codecs
import csv
import functools
import io
import re
from collections import Counter
from dataclasses import dataclass, field

import pycountry
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
OPTIONAL_COLUMNS = {"Job Title": ["jobtitle", "title"], "Country": ["country", "countryname", "countryregion"]}

DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs"}
RESAVE = (
    "In Excel choose File → Save As → “CSV UTF-8 (Comma delimited) (*.csv)”; in Google Sheets File → Download → "
    "“Comma-separated values”; then upload it again."
)
# Country spellings ISO 3166 (and so pycountry) does not know, as people write them.
COUNTRY_ALIASES = {
    "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northern ireland": "GB", "america": "US", "united states of america": "US", "south korea": "KR",
    "korea": "KR", "north korea": "KP", "russia": "RU", "holland": "NL", "the netherlands": "NL", "uae": "AE",
    "czech republic": "CZ", "turkey": "TR", "vietnam": "VN", "iran": "IR", "taiwan": "TW", "bolivia": "BO",
    "venezuela": "VE", "tanzania": "TZ", "laos": "LA", "syria": "SY", "moldova": "MD", "ivory coast": "CI",
}  # fmt: skip

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
    delimiter: str = ","
    # Values changed to the handbook's spelling: (row, column, as written, message); all of them are counted.
    normalised: list[RowProblem] = field(default_factory=list)
    normalised_count: int = 0
    filled_count: int = 0  # empty Initial Source cells filled with the form's
    source_counts: dict[str, int] = field(default_factory=dict)  # Initial Source (normalised) -> rows
    # For the fixed CSV: the header as written, every row with its normalised values, and each row's problems.
    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    row_problems: dict[int, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.file_error and self.error_count == 0

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def warnings_not_shown(self) -> int:
        return self.warning_count - len(self.warnings)

    @property
    def normalised_not_shown(self) -> int:
        return self.normalised_count - len(self.normalised)

    @property
    def delimiter_name(self) -> str:
        return DELIMITERS.get(self.delimiter, repr(self.delimiter))

    @property
    def sources_summary(self) -> list[tuple[str, int]]:
        """Rows per Initial Source, most rows first: what the requester confirms before filing."""
        return sorted(self.source_counts.items(), key=lambda item: (-item[1], item[0]))

    def add_error(self, row: int, column: str, value: str, message: str) -> None:
        self.error_count += 1
        self.row_problems.setdefault(row, []).append(f"{column}: {message}")
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(RowProblem(row, column, value, message))

    def add_warning(self, row: int, column: str, value: str, message: str) -> None:
        self.warning_count += 1
        self.row_problems.setdefault(row, []).append(f"{column} (flagged): {message}")
        if len(self.warnings) < MAX_REPORTED:
            self.warnings.append(RowProblem(row, column, value, message))

    def add_normalised(self, row: int, column: str, value: str, message: str) -> None:
        self.normalised_count += 1
        if len(self.normalised) < MAX_REPORTED:
            self.normalised.append(RowProblem(row, column, value, message))


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def _row_of(data: bytes, offset: int) -> int:
    """The spreadsheet row of byte `offset` of the file (the header is row 1)."""
    return data[:offset].count(b"\n") + 1


def _bad_byte_message(data: bytes, offset: int, start: str) -> str:
    """Name the real row and byte, what that byte reads as in Windows-1252, and how to re-save."""
    byte = data[offset : offset + 1]
    guess = byte.decode("cp1252", errors="replace")
    return (
        f"{start}: byte 0x{byte.hex().upper()} on row {_row_of(data, offset)} is not valid UTF-8 (in Windows-1252, "
        f"Latin-1, it is “{guess}”). {RESAVE}"
    )


def _looks_like_utf16(data: bytes) -> str:
    """ "utf-16-le"/"utf-16-be" for UTF-16 text saved without a byte-order mark (NUL in every other byte), or ""."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return ""
    if all(b == 0 for b in sample[1::2]):
        return "utf-16-le"
    if all(b == 0 for b in sample[0::2]):
        return "utf-16-be"
    return ""


def _decode(data: bytes, result: ListImportResult) -> str | None:
    """The file's text, or None with `result.file_error` saying why it cannot be read and how to re-save it."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            # Offsets count from the whole file, BOM included, so the row and byte are the real ones.
            result.file_error = _bad_byte_message(
                data,
                len(codecs.BOM_UTF8) + exc.start,
                "The file starts with a UTF-8 byte-order mark but is not UTF-8",
            )
            return None
        result.encoding = "UTF-8 with BOM"
        result.notes.append("Read as UTF-8 with a byte-order mark (as Excel saves “CSV UTF-8”).")
        return text
    for bom, codec, name in (
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
    ):
        if data.startswith(bom):
            return _decode_utf16(data, len(bom), codec, f"{name} with BOM", result)
    if b"\x00" in data[:4096]:
        codec = _looks_like_utf16(data)
        if codec:
            return _decode_utf16(data, 0, codec, f"{codec.upper().replace('UTF-16-', 'UTF-16 ')} without BOM", result)
        result.file_error = "This is not a CSV file: it holds binary data. Export the list as CSV and upload that."
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Not UTF-8: Excel's "CSV (Comma delimited)" writes Windows-1252, which Latin-1 covers byte for byte.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        byte = data[exc.start : exc.start + 1]
        result.encoding = "Windows-1252 (Latin-1)"
        result.notes.append(
            f"Read as Windows-1252 (Latin-1), as Excel saves “CSV (Comma delimited)”: byte 0x{byte.hex().upper()} on "
            f"row {_row_of(data, exc.start)} is not UTF-8 and reads as “{byte.decode('cp1252', errors='replace')}”. "
            "If accented names look wrong below, save the file as “CSV UTF-8” and upload it again."
        )
        return text
    result.encoding = "UTF-8"
    return text


def _decode_utf16(data: bytes, skip: int, codec: str, name: str, result: ListImportResult) -> str | None:
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        result.file_error = (
            f"The file is {name.split(' with')[0]} (Excel's “Unicode Text”) but is cut short or damaged at byte "
            f"{offset} (row {data[:offset].decode(codec, errors='replace').count(chr(10)) + 1}). {RESAVE}"
        )
        return None
    result.encoding = name
    result.notes.append(f"Read as {name} (as Excel saves “Unicode Text”).")
    return text


def _first_line(text: str) -> str:
    return text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")


def _delimiter(header_line: str) -> str:
    """The header's separator: the most frequent of comma, semicolon and tab (a comma on a tie or none)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _source_key(value: str) -> str:
    """Initial Source values compared as the handbook spells them, ignoring case and spaces."""
    return re.sub(r"\s+", "", value).casefold()


@functools.lru_cache(maxsize=4096)
def country_name(value: str) -> str:
    """The ISO 3166 name of a country as written (name, official or common name, alpha-2/3 code, with or
    without dots: "U.S.A." → "United States"), or "" when ISO 3166 does not know it."""
    text = re.sub(r"\s+", " ", value).strip()
    for candidate in (text, text.replace(".", "")):
        alias = COUNTRY_ALIASES.get(candidate.casefold())
        try:
            country = pycountry.countries.lookup(alias or candidate)
        except LookupError:
            continue
        return country.name
    return ""


def check_list_import(data: bytes, *, initial_sources: dict[str, str], list_source: str = "") -> ListImportResult:
    """Check a list-import CSV.

    `initial_sources` maps every known Initial Source value to its status ("Active"/"Inactive");
    `list_source` is the Initial Source the requester chose for the list: it fills empty cells, and rows
    with another value are flagged. Returns a ListImportResult (never raises for bad input).
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

    text = _decode(data, result)
    if text is None:
        return result
    if not text.strip():
        result.file_error = "The file is empty. Export the list with a header row and at least one lead."
        return result

    result.delimiter = _delimiter(_first_line(text))
    if result.delimiter != ",":
        result.notes.append(f"Columns separated by {result.delimiter_name}, read from the header row.")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=result.delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        result.file_error = f"This is not a readable CSV file: {exc}."
        return result
    result.header = header
    positions = _map_columns(header, result)
    if result.file_error:
        return result

    email_rows: dict[str, int] = {}
    sources = {_source_key(name): (name, status) for name, status in initial_sources.items()}
    counts: Counter = Counter()
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
            values = [v.strip() for v in values]
            values += [""] * (len(header) - len(values))
            row = {canonical: values[i] for canonical, i in positions.items()}
            _normalise_row(row_number, row, result, sources, list_source)
            for canonical, i in positions.items():
                values[i] = row[canonical]
            _check_row(row_number, row, result, email_rows, sources, list_source)
            if row["Initial Source"]:
                counts[row["Initial Source"]] += 1
            result.rows.append((row_number, values))
    except csv.Error as exc:
        result.file_error = f"Row {row_number + 1} can't be read as CSV ({exc}). Check its quotes and upload it again."
        return result
    if result.row_count == 0:
        result.file_error = "The file has a header row but no leads."
    result.source_counts = dict(counts)
    if result.filled_count:
        result.notes.append(
            f"{result.filled_count} row{'s' if result.filled_count != 1 else ''} had no Initial Source: filled with "
            f"{list_source}, the form's."
        )
    return result


def _normalise_row(row_number, row, result, sources, list_source) -> None:
    """Spell Initial Source and Country as the handbook and ISO 3166 do; fill an empty Initial Source."""
    source = row["Initial Source"]
    if not source and list_source:
        row["Initial Source"] = list_source
        result.filled_count += 1
    elif source:
        known = sources.get(_source_key(source))
        if known is not None and known[0] != source:
            row["Initial Source"] = known[0]
            result.add_normalised(row_number, "Initial Source", source, f"“{source}” → “{known[0]}”")
    country = row.get("Country", "")
    if country:
        name = country_name(country)
        if not name:
            result.add_warning(
                row_number,
                "Country",
                country,
                f"“{country}” is not a country ISO 3166 knows; write its name, e.g. “United States”.",
            )
        elif name != country:
            row["Country"] = name
            result.add_normalised(row_number, "Country", country, f"“{country}” → “{name}”")


def fixed_csv(result: ListImportResult) -> bytes:
    """The checked file with normalised values and a `Problems` column naming each row's problems, as UTF-8 with a
    byte-order mark (Excel opens it as UTF-8), comma-separated. Cells that a spreadsheet would run as a formula
    (=, +, -, @ at the start) are neutralised as in every export (mktgops_portal.spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_text(h) for h in result.header] + ["Problems"])
    for row_number, values in result.rows:
        problems = "; ".join(result.row_problems.get(row_number, []))
        writer.writerow([spreadsheet_text(v) for v in values] + [spreadsheet_text(problems)])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


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
        known = sources.get(_source_key(source))
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
