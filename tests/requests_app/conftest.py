"""Fixtures for the intake and issue-page tests: the handbook labels and Initial Sources they need."""

import pytest

from labels.models import InitialSource, LabelKind, SourceStatus
from tests.factories import LabelFactory

TOOL_LABELS = ["Marketo", "Bizible", "Demandbase", "Drift", "LeanData", "ZoomInfo"]
HEADER = ["First Name", "Last Name", "Email", "Company", "Initial Source", "Job Title"]


@pytest.fixture
def taxonomy(db):
    """A slice of seed_taxonomy: category and tool labels, a priority scope, Active and Inactive sources."""
    labels = {
        name: LabelFactory(name=name, kind=LabelKind.TOOL, description=f"{name}, a tool of our stack")
        for name in TOOL_LABELS
    }
    for name in ["MktgOps - bug", "MktgOps - List Import", "MktgOps - FYI"]:
        labels[name] = LabelFactory(name=name, kind=LabelKind.CATEGORY)
    for name in ["MktgOpsPriority::High", "MktgOpsPriority::Low"]:
        labels[name] = LabelFactory(name=name, kind=LabelKind.PRIORITY)
    for name in ["Conference", "Owned Event", "Webcast"]:
        InitialSource.objects.create(name=name, bucket="paid demand gen", status=SourceStatus.ACTIVE)
    for name in ["Web Chat", "Promotion"]:
        InitialSource.objects.create(name=name, bucket="inbound", status=SourceStatus.INACTIVE)
    return labels


def csv_bytes(rows, header=HEADER, *, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def lead(n: int, *, source="Conference", email=None, title="Marketing Manager") -> list[str]:
    return [f"Ada{n}", f"Lovelace{n}", email or f"ada{n}@example.com", f"Acme {n}", source, title]
