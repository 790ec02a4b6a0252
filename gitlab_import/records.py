"""The source's records in one shape, whichever way they were read (export file or API).

Times are aware datetimes (UTC), dates are `datetime.date`; people are GitLab usernames (or None).
"""

import datetime
from dataclasses import dataclass, field
from typing import Literal, overload

from django.utils.dateparse import parse_date, parse_datetime


@dataclass(frozen=True)
class Person:
    username: str
    name: str = ""


@dataclass
class SourceLabel:
    title: str
    color: str = ""
    description: str = ""


@dataclass
class SourceMilestone:
    iid: int | None
    title: str
    start_date: datetime.date | None
    due_date: datetime.date | None
    state: str = "active"  # "active" | "closed"
    updated_at: datetime.datetime | None = None


@dataclass
class SourceNote:
    id: str
    body: str
    author: Person | None
    created_at: datetime.datetime
    system: bool = False


@dataclass
class SourceEvent:
    """A resource label or milestone event: `action` is "add" or "remove"; `name` the label or milestone title."""

    id: str
    action: str
    name: str
    user: Person | None
    created_at: datetime.datetime


@dataclass
class SourceIssue:
    iid: int
    title: str
    description: str
    state: str  # "opened" | "closed"
    created_at: datetime.datetime
    updated_at: datetime.datetime
    closed_at: datetime.datetime | None
    author: Person | None
    assignees: list[Person]
    labels: list[str]
    milestone: str | None
    weight: int | None
    due_date: datetime.date | None
    confidential: bool
    web_url: str = ""
    notes: list[SourceNote] = field(default_factory=list)
    label_events: list[SourceEvent] = field(default_factory=list)
    milestone_events: list[SourceEvent] = field(default_factory=list)
    # The record as read, for the change digest.
    raw: dict = field(default_factory=dict, repr=False)


@dataclass
class BadInput:
    """A record that could not be read: which file (or API page), which line, why. It is skipped."""

    where: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.message}" if self.line else f"{self.where}: {self.message}"


class RecordError(ValueError):
    """A field of a record is missing or has the wrong shape; the message names it."""


@overload
def when(value, name: str, *, required: Literal[True] = True) -> datetime.datetime: ...
@overload
def when(value, name: str, *, required: bool) -> datetime.datetime | None: ...
def when(value, name: str, *, required: bool = True) -> datetime.datetime | None:
    if value in (None, ""):
        if required:
            raise RecordError(f"{name} is missing")
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise RecordError(f"{name} {value!r} is not a date and time")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def day(value, name: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        parsed = parse_date(str(value)[:10])
    except ValueError:
        parsed = None
    if parsed is None:
        raise RecordError(f"{name} {value!r} is not a date")
    return parsed


def number(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RecordError(f"{name} {value!r} is not a whole number")
    try:
        return int(value)
    except ValueError:
        raise RecordError(f"{name} {value!r} is not a whole number") from None
