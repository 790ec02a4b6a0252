"""The importer sits above issues: it may import requests_app, labels and milestones; nothing imports it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["labels", "milestones", "requests_app", "sales_systems", "slack_messages", "mktgops_portal"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_app_imports_the_importer():
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "gitlab_import" in imported_modules(path)
    ]
    assert offenders == []


def test_the_importer_imports_only_downward():
    allowed = {"requests_app", "labels", "milestones", "mktgops_portal", "gitlab_import"}
    # Apps at its level or above (and Slack, which an import never posts to).
    not_allowed = {"sales_systems", "slack_messages", "board", "rollover"}
    used = set().union(*(imported_modules(p) for p in (ROOT / "gitlab_import").rglob("*.py")))
    assert not used & not_allowed
    assert {name for name in used if name in allowed | not_allowed} <= allowed
