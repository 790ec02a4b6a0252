"""Apps import downward only: a module may import its own layer's app or a layer below, never above, never a
sibling app of its own layer (so there are no cycles). README's architecture paragraph draws the same picture.

Layers are given by module prefix; the longest prefix wins. Every first-party package must have a layer, so a new
app cannot slip in unplaced.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Bottom to top.
LAYERS: dict[str, int] = {
    # The base: the error model, spreadsheet-safe text, a cache that never fails a request. Import nothing of the
    # portal. Then roles (who is in which MktgOps group).
    "mktgops_portal.errors": -1,
    "mktgops_portal.spreadsheet": -1,
    "mktgops_portal.caching": -1,
    "mktgops_portal.compiled_queries": -1,
    # Request plumbing any view may ask: a safe `next`, the upload limit's refusal (issue 12).
    "mktgops_portal.redirects": -1,
    "mktgops_portal.uploads": -1,
    "accounts": 0,
    # The audit log: every layer above writes to it; it knows only who is who (issue 12).
    "audit": 1,
    # Leaf services: Slack, and the task outbox (tasks recorded with a change, sent after its commit). They know
    # nothing of labels, milestones or issues.
    "slack_messages": 1,
    "task_outbox": 1,
    # The taxonomy and planning: labels, milestones and their cadence. Know nothing of issues.
    "labels": 2,
    "milestones": 2,
    # Issues: Issue, its FSM, policy, events, services, selectors, the issue pages, board and intake.
    "requests_app": 3,
    # Above issues: the Sales Systems queue, the rollover with its reports, notifications (they listen to the
    # issues' signals).
    "sales_systems": 4,
    "rollover": 4,
    "notifications": 4,
    # The GitLab importer: nothing imports it.
    "gitlab_import": 5,
    # The project's wiring: settings, URLs, the API's error handler, Celery, the demo data, health.
    "mktgops_portal": 9,
}


def _first_party() -> set[str]:
    return {p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name not in {"tests", "benchmarks"}}


def _layer(module: str) -> tuple[str, int] | None:
    best = None
    for prefix, layer in LAYERS.items():
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, layer)
    return best


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")[: -node.level] if path.name != "__init__.py" else module.split(".")
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            # `from a.b import c` names a.b.c (a module or a name in a.b): the longest layer prefix decides.
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def _violations() -> list[str]:
    first_party = _first_party()
    problems = []
    for package in sorted(first_party):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = _module_name(path)
            own = _layer(module)
            if own is None:
                problems.append(f"{module} has no layer in LAYERS")
                continue
            for lineno, imported in _imports(path, module):
                if imported.split(".")[0] not in first_party:
                    continue
                theirs = _layer(imported)
                if theirs is None:
                    problems.append(f"{module}:{lineno} imports {imported}, which has no layer")
                    continue
                same_app = theirs[0].split(".")[0] == own[0].split(".")[0]
                if theirs[1] > own[1] or (theirs[1] == own[1] and not same_app):
                    problems.append(f"{module}:{lineno} imports {imported} (layer {theirs[1]} over {own[1]})")
    return sorted(set(problems))


def test_apps_import_downward_only():
    assert _violations() == []


def test_the_check_catches_an_upward_import(tmp_path, monkeypatch):
    """The check itself fails when planning imports issues."""
    fake = tmp_path / "project"
    for package, body in {
        "milestones": "from requests_app.models import Issue\n",
        "requests_app": "from milestones.models import Milestone\n",
        "mktgops_portal": "",
    }.items():
        (fake / package).mkdir(parents=True)
        (fake / package / "__init__.py").write_text("")
        (fake / package / "models.py").write_text(body)
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", fake)
    assert _violations() == ["milestones.models:1 imports requests_app.models.Issue (layer 3 over 2)"]
