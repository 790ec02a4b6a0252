"""Spotting personal data in free text, so the request form can suggest marking it confidential."""

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number: an optional +country code and at least 9 digits in groups separated by spaces,
# dots, dashes or brackets. Dates (2026-01-05) and small numbers have fewer digits and don't match.
PHONE = re.compile(r"(?<![\w/])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d[\d\s.-]{5,}\d(?![\w/])")


def personal_data_found(text: str) -> list[str]:
    """E-mail addresses and phone numbers in `text` (at most five, in order)."""
    found = [m.group(0) for m in EMAIL.finditer(text or "")]
    for match in PHONE.finditer(EMAIL.sub(" ", text or "")):
        number = match.group(0).strip()
        digits = re.sub(r"\D", "", number)
        # A bare run of digits is more often an id than a phone number: ask for 10 digits then.
        least = 9 if number[0] in "+(" else 10
        if least <= len(digits) <= 15:
            found.append(number)
    return list(dict.fromkeys(found))[:5]
