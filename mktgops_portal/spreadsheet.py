"""CSV exports are opened in spreadsheets: keep user text from being read as a formula."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """`value` as a cell that stays text (OWASP's CSV-injection advice: prefix a quote)."""
    return f"'{value}" if value[:1] in FORMULA_STARTS else value
