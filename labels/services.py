"""The one place labels are put on and taken off issues: at most one label per scope."""

from dataclasses import dataclass, field
from enum import StrEnum

from django.db import transaction

from labels.models import STAGE_SCOPE, Label
from mktgops_portal.errors import PortalError


class LabelErrorCode(StrEnum):
    INVALID = "label_invalid"
    UNKNOWN = "label_unknown"
    PRIO_ORDER = "prio_order"


class LabelError(PortalError):
    """A label change the rules refuse (400); the message says which rule."""

    status = 400
    default_code = LabelErrorCode.INVALID


# Sales Systems prioritisation moves one step at a time, on issues that request Sales Systems support.
SYSTEMS_REQUEST = "MktgOps/Systems-Request"
PRIO_SCOPE = "MktgOpsPrio"
PRIO_ORDER = ["MktgOpsPrio::00: Requested", "MktgOpsPrio::01: In Queue", "MktgOpsPrio::02: Actioned"]


def _check_prio_order(current_names: set[str], labels: list[Label]) -> None:
    new = [lbl.name for lbl in labels if lbl.scope == PRIO_SCOPE and lbl.name not in current_names]
    if not new:
        return
    wanted = new[0]
    if SYSTEMS_REQUEST not in current_names | {lbl.name for lbl in labels}:
        raise LabelError(f"{wanted} is for Sales Systems requests: add {SYSTEMS_REQUEST} first.")
    held = [name for name in current_names if name in PRIO_ORDER]
    at = PRIO_ORDER.index(held[0]) if held else -1
    if wanted not in PRIO_ORDER:
        return
    step = PRIO_ORDER.index(wanted)
    if step != at + 1:
        expected = PRIO_ORDER[at + 1] if at + 1 < len(PRIO_ORDER) else None
        now = f"it is at {held[0]}" if held else "it has no prioritisation label yet"
        nxt = f"the next step is {expected}" if expected else "it is already actioned"
        raise LabelError(
            f"Sales Systems prioritisation goes {' → '.join(PRIO_ORDER)} in that order: {now}, so {nxt}.",
            code=LabelErrorCode.PRIO_ORDER,
        )


def _check_attachable(labels: list[Label]) -> None:
    stage = [lbl.name for lbl in labels if lbl.scope == STAGE_SCOPE]
    if stage:
        raise LabelError(
            f"{', '.join(stage)} is a stage label; stages change by moving the issue, not by labelling it."
        )
    seen: dict[str, str] = {}
    for lbl in labels:
        if lbl.is_scoped:
            if lbl.scope in seen and seen[lbl.scope] != lbl.name:
                raise LabelError(
                    f"{seen[lbl.scope]} and {lbl.name} share the scope {lbl.scope}::; an issue holds one of them."
                )
            seen[lbl.scope] = lbl.name


def labels_check(current_names: set[str], labels: list[Label]) -> None:
    """Raise `LabelError` unless an issue holding `current_names` may take `labels`: no stage labels (stages move
    through the FSM), one label per scope, and Sales Systems prioritisation one step at a time."""
    _check_attachable(labels)
    _check_prio_order(current_names, labels)


def labels_by_names(names: list[str]) -> list[Label]:
    """Labels for `names`, refusing unknown ones by name."""
    found = {lbl.name: lbl for lbl in Label.objects.filter(name__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        raise LabelError(
            f"Unknown label{'s' if len(missing) > 1 else ''}: {', '.join(missing)}.", code=LabelErrorCode.UNKNOWN
        )
    return [found[n] for n in names]


def labels_validate(labels: list[Label]) -> None:
    """Raise LabelError when `labels` could not be held by one issue (forms check before saving)."""
    _check_attachable(labels)


@dataclass
class SeedCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class TaxonomySeedResult:
    labels: SeedCounts = field(default_factory=SeedCounts)
    slack_rules: SeedCounts = field(default_factory=SeedCounts)
    initial_sources: SeedCounts = field(default_factory=SeedCounts)
    lead_statuses: SeedCounts = field(default_factory=SeedCounts)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.parts().values())

    def parts(self) -> dict[str, SeedCounts]:
        return {
            "labels": self.labels,
            "Slack channel rules": self.slack_rules,
            "initial sources": self.initial_sources,
            "lead statuses": self.lead_statuses,
        }


def _upsert(model, counts: SeedCounts, *, lookup: dict, values: dict):
    """Create the row, or write only the fields that differ; count which of the three happened."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        counts.created += 1
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        counts.updated += 1
    else:
        counts.unchanged += 1
    return obj


@transaction.atomic
def taxonomy_seed() -> TaxonomySeedResult:
    """Load the handbook's labels, Slack rules, Initial Sources and lead statuses; a re-run changes nothing.

    Rows are matched by name and brought back to the handbook's values; rows the handbook doesn't
    name (and extra Slack rules an admin added) are left alone.
    """
    from labels import taxonomy
    from labels.models import InitialSource, LeadStatus, SlackChannelRule

    result = TaxonomySeedResult()
    by_name = {}
    for seed in taxonomy.LABELS:
        by_name[seed.name] = _upsert(
            Label,
            result.labels,
            lookup={"name": seed.name},
            values={
                "kind": seed.kind,
                "description": seed.description,
                "color": seed.color,
                "timeframe": seed.timeframe,
            },
        )
    for name, channels in taxonomy.HANDBOOK_UPDATE_CHANNELS.items():
        for channel in channels:
            _upsert(
                SlackChannelRule, result.slack_rules, lookup={"label": by_name[name], "channel": channel}, values={}
            )
    for source in taxonomy.INITIAL_SOURCES:
        _upsert(
            InitialSource,
            result.initial_sources,
            lookup={"name": source.name},
            values={"bucket": source.bucket, "definition": source.definition, "status": source.status},
        )
    for order, (name, definition) in enumerate(taxonomy.LEAD_STATUSES, start=1):
        _upsert(
            LeadStatus, result.lead_statuses, lookup={"name": name}, values={"definition": definition, "order": order}
        )
    return result
