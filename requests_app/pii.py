"""Spotting personal data in free text, so the request form can suggest marking it confidential.

Linear time in the length of the text (ASVS 5.1.5 / issue 12 case 4): every pattern can start only at the
beginning of a run of its characters (a lookbehind refuses starts inside a run) and takes the run
possessively, so no position of the text is scanned more than a constant number of times, whatever the
text holds (80,000 × "A" used to take 39 s).
"""

import re

# An address starts where a run of name characters starts; the run, the "@" and the domain are taken whole.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
# A phone number: an optional +country code or (area code), then digits in groups separated by spaces, dots,
# dashes or brackets. Found as the longest such run that does not follow a letter, digit or "/"; what
# follows is checked in Python (one cut back at most), never by backtracking.
PHONE_RUN = re.compile(r"(?<![\w/])[+(]?\d[\d\s().+-]*+")
SEPARATORS = " \t\r\n\f\v.()+-"
NOT_A_DIGIT = re.compile(r"\D")


def _phone_candidate(text: str, match: re.Match) -> str | None:
    """The run as a phone number: it must end on a digit not followed by a letter, digit or "/"."""
    run = match.group(0)
    end = match.end()
    if end < len(text) and (text[end].isalnum() or text[end] in "_/"):
        # The last group runs into a word ("4567a"): the number, if any, ends at the separator before it.
        cut = max(run.rfind(ch) for ch in SEPARATORS)
        run = run[:cut] if cut > 0 else ""
    run = run.rstrip(SEPARATORS)
    return run if run[-1:].isdigit() else None


def personal_data_found(text: str) -> list[str]:
    """E-mail addresses and phone numbers in `text` (at most five, in order of kind then position).

    `text`: any length; the work grows linearly with it (< 1 s for 1 MB of adversarial text, tested).
    """
    text = text or ""
    found = [m.group(0) for m in EMAIL.finditer(text)]
    without_emails = EMAIL.sub(" ", text)
    for match in PHONE_RUN.finditer(without_emails):
        number = _phone_candidate(without_emails, match)
        if number is None:
            continue
        digits = NOT_A_DIGIT.sub("", number)
        # A bare run of digits is more often an id than a phone number: ask for 10 digits then.
        least = 9 if number[0] in "+(" else 10
        if least <= len(digits) <= 15:
            found.append(number)
        if len(found) >= 50:
            break  # five are shown; enough to deduplicate without walking a pasted phone book
    return list(dict.fromkeys(found))[:5]
