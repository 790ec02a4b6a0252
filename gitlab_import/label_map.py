"""Which source label means what here: a stage, another portal label, or itself.

The defaults map the stage labels (`MktgOps::00: Triage` … `MktgOps::08: Completed`) and the spellings the
team used before them (the handbook still names `MktgOps::0 - To Be Triaged`). A label map file adds to or
overrides them: a JSON object {"source label": "portal label"}, e.g.
    {"MktgOps::3 - Scheduled": "MktgOps::03: Assigned", "MktgOps - Bug": "MktgOps - bug"}
A target that is a stage label sets the stage; any other target renames the label.
"""

import json

from gitlab_import.errors import ImportErrorCode
from mktgops_portal.errors import Invalid
from requests_app.models import Stage

STAGE_BY_LABEL = {stage.label: stage.value for stage in Stage}

# Older spellings of the stage labels (the handbook's own `MktgOps::0 - To Be Triaged`, and the numbered
# single-digit forms that preceded the two-digit ones).
DEFAULT_MAP = {
    "MktgOps::0 - To Be Triaged": Stage.TRIAGE.label,
    "MktgOps::0 - Triage": Stage.TRIAGE.label,
    "MktgOps::1 - Needs More Information": Stage.NEEDS_INFO.label,
    "MktgOps::2 - Ready for Assignment": Stage.READY.label,
    "MktgOps::3 - Assigned": Stage.ASSIGNED.label,
    "MktgOps::4 - In Progress": Stage.IN_PROGRESS.label,
    "MktgOps::5 - Business Owner Review": Stage.REVIEW.label,
    "MktgOps::6 - Ready to Deploy": Stage.READY_TO_DEPLOY.label,
    "MktgOps::7 - Blocked": Stage.BLOCKED.label,
    "MktgOps::8 - Completed": Stage.COMPLETED.label,
}


class LabelMap:
    """`resolve(name)` → ("stage", "04") or ("label", name to use)."""

    def __init__(self, extra: dict[str, str] | None = None) -> None:
        self.mapping = {**DEFAULT_MAP, **(extra or {})}
        self.extra = dict(extra or {})

    def resolve(self, name: str) -> tuple[str, str]:
        target = self.mapping.get(name.strip(), name.strip())
        # The handbook's labels carry a stray space now and then ("02: Ready for Assignment "): compare trimmed.
        stage = STAGE_BY_LABEL.get(" ".join(target.split()))
        return ("stage", stage) if stage else ("label", target)


def label_map_parse(text: str | bytes, *, where: str = "label map") -> dict[str, str]:
    """The {"source": "portal"} object of a label map file. Raises Invalid (code bad_label_map) otherwise."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise Invalid(f"{where} is not JSON: {exc}", code=ImportErrorCode.BAD_LABEL_MAP) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise Invalid(
            f'{where} must be one JSON object of label names, {{"old label": "new label", …}}.',
            code=ImportErrorCode.BAD_LABEL_MAP,
        )
    return {k.strip(): v.strip() for k, v in data.items() if k.strip() and v.strip()}
