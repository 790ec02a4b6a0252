import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from labels.models import InitialSource, Label, LabelKind, LeadStatus, SlackChannelRule, SourceStatus
from labels.services import taxonomy_seed
from requests_app.models import Stage

pytestmark = pytest.mark.django_db


def _dump():
    """Every seeded row, every column: what a re-run must leave exactly as it was."""
    return {
        model.__name__: sorted((model_to_dict(row) for row in model.objects.all()), key=lambda d: d["id"])
        for model in (Label, SlackChannelRule, InitialSource, LeadStatus)
    }


def _names(kind):
    return list(Label.objects.filter(kind=kind).order_by("name").values_list("name", flat=True))


def test_seed_twice_leaves_every_row_as_the_first_run_wrote_it():
    taxonomy_seed()
    first = _dump()
    result = taxonomy_seed()
    assert _dump() == first
    assert not result.changed
    assert all(counts.created == counts.updated == 0 for counts in result.parts().values())


def test_second_command_run_reports_nothing_changed():
    out = io.StringIO()
    call_command("seed_taxonomy", stdout=out)
    assert "labels: 46 created" in out.getvalue()
    out = io.StringIO()
    call_command("seed_taxonomy", stdout=out)
    text = out.getvalue()
    assert "labels: 0 created, 0 updated, 46 unchanged" in text
    assert "initial sources: 0 created, 0 updated, 53 unchanged" in text
    assert "nothing changed" in text


def test_seed_repairs_an_edited_label_and_counts_it_as_updated():
    taxonomy_seed()
    Label.objects.filter(name="MktgOpsPriority::High").update(description="edited", color="#000000")
    result = taxonomy_seed()
    assert result.labels.updated == 1
    high = Label.objects.get(name="MktgOpsPriority::High")
    assert high.description.startswith("Issue that is related to a breaking change")
    assert high.color == "#dd2b0e"


def test_stage_labels_are_exactly_the_stage_fsm_labels():
    taxonomy_seed()
    assert _names(LabelKind.STAGE) == [
        "MktgOps::00: Triage",
        "MktgOps::01: Needs More Information",
        "MktgOps::02: Ready for Assignment",
        "MktgOps::03: Assigned",
        "MktgOps::04: In Progress",
        "MktgOps::05: Business Owner Review",
        "MktgOps::06: Ready to Deploy",
        "MktgOps::07: Blocked",
        "MktgOps::08: Completed",
    ]
    assert _names(LabelKind.STAGE) == [label for _, label in Stage.choices]


def test_priority_labels_carry_their_timeframes_and_red_for_high():
    taxonomy_seed()
    rows = list(Label.objects.filter(kind=LabelKind.PRIORITY).order_by("name").values_list("name", "timeframe"))
    assert rows == [
        ("MktgOpsPriority::High", "Immediate"),
        ("MktgOpsPriority::Low", "Within months"),
        ("MktgOpsPriority::Medium", "Within weeks"),
    ]
    assert Label.objects.get(name="MktgOpsPriority::High").color == "#dd2b0e"
    assert {lbl.scope for lbl in Label.objects.filter(kind=LabelKind.PRIORITY)} == {"MktgOpsPriority"}


def test_sales_systems_labels_are_exact():
    taxonomy_seed()
    assert _names(LabelKind.SALES_SYSTEMS) == [
        "MktgOps/Systems-Request",
        "MktgOpsPrio::00: Requested",
        "MktgOpsPrio::01: In Queue",
        "MktgOpsPrio::02: Actioned",
    ]


def test_category_tool_team_okr_and_handbook_labels_are_exact():
    taxonomy_seed()
    assert _names(LabelKind.CATEGORY) == sorted(
        [
            "MktgOps - FYI",
            "MktgOps - List Import",
            "MktgOps - bug",
            "MktgOps - changelog",
            "SMOps/Systems - Changelog",
            "MktgOps-Support",
            "MktgOps-Future Feature",
        ]
    )
    assert _names(LabelKind.TEAM) == sorted(["dg-campaigns", "ABM", "lifecycle-mktg"])
    assert _names(LabelKind.TOOL) == sorted(
        ["Marketo", "Bizible", "Demandbase", "Drift", "LeanData", "LinkedIn Sales Navigator", "Outreach-io",
         "PathFactory", "ZoomInfo", "Smartling", "On24"]
    )  # fmt: skip
    assert _names(LabelKind.OKR) == ["MktgOps-Current-OKR", "MktgOps-Proposed-OKR", "MktgOps-Support-OKR"]
    assert _names(LabelKind.HANDBOOK_UPDATE) == sorted(
        ["MktgOps - HB Update", "FMM-HB Update", "SDR-HB Update", "ABM-HB Update"]
    )
    assert _names(LabelKind.OTHER) == ["Mktg Tool Audit", "mktgops-highlights"]
    assert Label.objects.count() == 46


def test_every_label_has_the_handbooks_description():
    taxonomy_seed()
    assert not Label.objects.filter(description="").exists()
    assert Label.objects.get(name="MktgOps - FYI").description == (
        "Issue is not directly related to operations, no action items for MktgOps but need to be aware of the issue"
    )
    assert Label.objects.get(name="MktgOpsPrio::01: In Queue").description == (
        "Added to prioritization call agenda or `fast track` slack channel"
    )
    assert Label.objects.get(name="MktgOps-Future Feature").timeframe == "As time allows"


def test_handbook_update_labels_map_to_their_slack_channels():
    taxonomy_seed()
    rules = sorted(SlackChannelRule.objects.values_list("label__name", "channel"))
    assert rules == [
        ("ABM-HB Update", "#hbupdate-abm"),
        ("FMM-HB Update", "#fieldmarketing-FYI"),
        ("MktgOps - HB Update", "#hbupdate-mktgops"),
        ("MktgOps - HB Update", "#mktgops"),
        ("SDR-HB Update", "#hbupdate-sdr"),
    ]


def test_seed_keeps_slack_rules_an_admin_added():
    taxonomy_seed()
    label = Label.objects.get(name="SDR-HB Update")
    SlackChannelRule.objects.create(label=label, channel="#sdr-leadership")
    taxonomy_seed()
    assert SlackChannelRule.objects.filter(label=label, channel="#sdr-leadership").exists()


def test_initial_sources_active_and_inactive():
    taxonomy_seed()
    assert InitialSource.objects.filter(status=SourceStatus.ACTIVE).count() == 49
    inactive = sorted(InitialSource.objects.filter(status=SourceStatus.INACTIVE).values_list("name", flat=True))
    assert inactive == ["Consultancy Request", "Promotion", "Startup Application", "Web Chat"]
    assert InitialSource.objects.get(name="Web Chat").bucket == "inbound"
    assert InitialSource.objects.get(name="Conference").bucket == "paid demand gen"


def test_the_malformed_subscription_portal_row_has_no_bucket_and_keeps_its_definition():
    taxonomy_seed()
    row = InitialSource.objects.get(name="GitLab Subscription Portal")
    assert (row.bucket, row.definition, row.status) == (
        "",
        "Signed up for customers portal account, but did not upgrade",
        SourceStatus.ACTIVE,
    )


def test_lead_statuses_in_the_handbooks_order():
    taxonomy_seed()
    assert list(LeadStatus.objects.values_list("name", flat=True)) == [
        "Raw", "Inquiry", "MQL", "Accepted", "Qualifying", "Qualified", "Disqualified", "Recycle", "Bad Data",
        "Ineligible",
    ]  # fmt: skip
    assert LeadStatus.objects.get(name="MQL").definition == "Marketing Qualified through systematic means"


# The handbook page itself (vendored beside this test with its licence): the data module must say what the page
# says. The app never reads it; only this check does.
HANDBOOK = Path(__file__).resolve().parent / "handbook" / "marketing-operations.txt"


@pytest.fixture
def handbook():
    return HANDBOOK.read_text(encoding="utf-8")


def _section(text, start, end):
    return text[text.index(start) : text.index(end, text.index(start))]


def test_labeling_section_names_match_the_seeded_labels_letter_for_letter(handbook):
    labeling = _section(handbook, "### Labeling", "### Milestones")
    hb_table = _section(handbook, "| Label you add |", "#### Milestone MRs")
    named = {n.strip() for n in re.findall(r"^- `([^`]+)`", labeling, flags=re.M)}
    named |= set(re.findall(r"`([^`]+)`", re.search(r"^- `Marketo`.*$", labeling, flags=re.M).group(0)))
    named |= set(re.findall(r"`([^`]+)`", re.search(r"^- `dg-campaigns`.*$", labeling, flags=re.M).group(0)))
    named |= set(re.findall(r"^\| `([^`]+)` \|", hb_table, flags=re.M))
    named |= {"Mktg Tool Audit", "mktgops-highlights"}
    assert "Mktg Tool Audit" in handbook
    assert "mktgops-highlights" in handbook
    taxonomy_seed()
    assert set(Label.objects.values_list("name", flat=True)) == named


def test_initial_source_tables_match_the_seeded_rows(handbook):
    rows = re.findall(r"^\|(.+)\|\s*$", _section(handbook, "| Source | Source Bucket", "### A Note About Trials"), re.M)
    table = {}
    for row in rows:
        cells = [c.strip() for c in row.split("|")]
        if cells[0] in ("Source", "------"):
            continue
        if len(cells) == 3:  # the malformed row: no bucket cell
            cells = [cells[0], "", cells[1], cells[2]]
        table[cells[0]] = tuple(cells[1:4])
    taxonomy_seed()
    seeded = {s.name: (s.bucket, s.definition, s.status) for s in InitialSource.objects.all()}
    assert seeded == table
