"""Filing each of the five request types through /requests/new/."""

import datetime
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from labels.models import InitialSource, SourceStatus
from requests_app.models import Attachment, ChecklistItem, Issue, RequestType, Stage
from requests_app.services import TOOL_EVALUATION_STEPS
from tests.requests_app.conftest import csv_bytes, lead

pytestmark = pytest.mark.django_db

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

VALID = {
    "bug": {
        "title": "Marketo form drops UTM parameters",
        "what_happened": "Leads from the pricing page arrive without utm_source.",
        "expected": "utm_source is stored on the lead.",
        "steps": "1. Open /pricing?utm_source=x\n2. Submit the form\n3. Look at the lead in Marketo",
        "started": "Since the 3 May release",
        "business_impact": "Paid campaign attribution is wrong for a week of spend.",
    },
    "process-change": {
        "title": "Route EMEA event leads to the EMEA SDR queue",
        "current_process": "All event leads go to the global queue.",
        "proposed_change": "EMEA event leads go to the EMEA queue.",
        "teams_affected": "SDRs, Field Marketing",
        "desired_date": TOMORROW,
        "why": "Leads wait two days today.",
    },
    "tool-evaluation": {
        "title": "Evaluate a webinar platform",
        "problem": "On24 is too expensive for small webcasts.",
        "users": "Field Marketing, about 12 people",
        "budget_owner": "Head of Field Marketing",
        "requirements": "Marketo integration, registration pages.",
    },
    "list-import": {
        "title": "Import booth scans from DevOpsDays",
        "event_or_source": "DevOpsDays Berlin booth scans",
        "initial_source": "Conference",
        "consent_basis": "legitimate_interest",
    },
    "general": {
        "title": "Help with a nurture programme",
        "details": "We need a three-step nurture for the new ebook.",
    },
}
TYPES = {
    "bug": RequestType.BUG,
    "process-change": RequestType.PROCESS_CHANGE,
    "tool-evaluation": RequestType.TOOL_EVALUATION,
    "list-import": RequestType.LIST_IMPORT,
    "general": RequestType.GENERAL,
}
REQUIRED = [(kind, field) for kind, data in VALID.items() for field in data] + [("list-import", "csv_file")]


def _post(client, kind, data, csv=None):
    payload = dict(data)
    if kind == "list-import":
        payload.setdefault(
            "csv_file", SimpleUploadedFile("leads.csv", csv or csv_bytes([lead(1), lead(2)]), content_type="text/csv")
        )
    return client.post(reverse("request-new-kind", args=[kind]), payload)


@pytest.fixture
def signed_in(client, requester_user, taxonomy):
    client.force_login(requester_user)
    return client


def test_chooser_lists_the_five_request_types_with_when_to_use_each(signed_in):
    response = signed_in.get("/requests/new/")
    assert response.status_code == 200
    html = response.content.decode()
    for kind in VALID:
        assert f'href="/requests/new/{kind}/"' in html
    assert "Something in Marketo" in html
    assert "anything that is none of the above" in html


def test_filing_needs_a_signed_in_user(client, taxonomy):
    response = client.post("/requests/new/general/", VALID["general"])
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Issue.objects.exists()


def test_unknown_request_type_is_404(signed_in):
    assert signed_in.get("/requests/new/holiday/").status_code == 404


@pytest.mark.parametrize("kind", list(VALID))
def test_valid_submission_files_the_issue_in_triage_for_the_signed_in_requester(signed_in, requester_user, kind):
    response = _post(signed_in, kind, VALID[kind])
    issue = Issue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/issues/{issue.pk}/"
    assert issue.stage == Stage.TRIAGE
    assert issue.requester == requester_user
    assert issue.request_type == TYPES[kind]
    assert issue.title == VALID[kind]["title"]
    # Every answer is composed into the Markdown description under its heading.
    for field, value in VALID[kind].items():
        if field not in ("title", "initial_source", "consent_basis"):
            assert value.strip() in issue.description, field
    assert issue.description.startswith("### ")


def test_bug_request_carries_the_bug_label_and_the_affected_tool_labels(signed_in, taxonomy):
    data = {**VALID["bug"], "affected_tools": [taxonomy["Marketo"].pk, taxonomy["Bizible"].pk]}
    _post(signed_in, "bug", data)
    issue = Issue.objects.get()
    assert sorted(issue.labels.values_list("name", flat=True)) == ["Bizible", "Marketo", "MktgOps - bug"]
    assert "Bizible, Marketo" in issue.description


def test_bug_form_offers_the_tool_labels(signed_in):
    html = signed_in.get("/requests/new/bug/").content.decode()
    for name in ["Marketo", "Bizible", "ZoomInfo"]:
        assert f" {name}</label>" in html


def test_list_import_is_confidential_labelled_and_keeps_its_checked_csv_privately(signed_in, settings):
    content = csv_bytes([lead(1), lead(2), lead(3)])
    _post(signed_in, "list-import", VALID["list-import"], csv=content)
    issue = Issue.objects.get()
    assert issue.confidential is True
    assert list(issue.labels.values_list("name", flat=True)) == ["MktgOps - List Import"]
    attachment = Attachment.objects.get(issue=issue)
    assert attachment.original_name == "leads.csv"
    assert attachment.row_count == 3
    path = Path(attachment.file.path)
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert path.read_bytes() == content
    assert "leads.csv" not in path.name  # stored under a random name
    assert "Conference" in issue.description
    assert "3 rows" in issue.description


def test_list_import_ignores_an_attempt_to_file_it_public(signed_in):
    _post(signed_in, "list-import", {**VALID["list-import"], "confidential": ""})
    assert Issue.objects.get().confidential is True


def test_tool_evaluation_carries_the_handbooks_eight_steps_unticked(signed_in):
    _post(signed_in, "tool-evaluation", VALID["tool-evaluation"])
    steps = list(ChecklistItem.objects.filter(issue=Issue.objects.get()).order_by("position"))
    assert [s.text for s in steps] == TOOL_EVALUATION_STEPS
    assert steps[0].text.startswith("Discovery")
    assert steps[-1].text.startswith("Post-Implementation Review")
    assert not any(s.done for s in steps)


@pytest.mark.parametrize(("kind", "field"), REQUIRED)
def test_missing_field_re_renders_with_its_error_and_files_nothing(signed_in, kind, field):
    data = {k: v for k, v in VALID[kind].items() if k != field}
    payload = dict(data)
    if kind == "list-import" and field != "csv_file":
        payload["csv_file"] = SimpleUploadedFile("leads.csv", csv_bytes([lead(1)]), content_type="text/csv")
    response = signed_in.post(reverse("request-new-kind", args=[kind]), payload)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "This field is required." in response.content.decode()
    assert not Issue.objects.exists()
    # What was typed is kept.
    for value in data.values():
        if field != "title" and isinstance(value, str) and len(value) > 20:
            assert value.split("\n")[0] in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "changes", "field", "message"),
    [
        ("process-change", {"desired_date": "2001-01-01"}, "desired_date", "in the past"),
        ("process-change", {"desired_date": "next tuesday"}, "desired_date", "Enter a valid date"),
        ("list-import", {"initial_source": "Web Chat"}, "initial_source", "Select a valid choice"),
        ("list-import", {"initial_source": "Made Up"}, "initial_source", "Select a valid choice"),
        ("list-import", {"consent_basis": "because"}, "consent_basis", "Select a valid choice"),
        ("bug", {"affected_tools": ["999999"]}, "affected_tools", "Select a valid choice"),
        ("bug", {"affected_tools": ["9" * 30]}, "affected_tools", "is not a valid value"),  # beyond any integer
        ("bug", {"affected_tools": ["-1"]}, "affected_tools", "is not a valid value"),
        ("general", {"needed_by": "soon"}, "needed_by", "Enter a valid date"),
        ("general", {"title": "x" * 256}, "title", "at most 255 characters"),
    ],
)
def test_bad_field_re_renders_with_its_error_and_files_nothing(signed_in, kind, changes, field, message):
    response = _post(signed_in, kind, {**VALID[kind], **changes})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert not Issue.objects.exists()


def test_confidential_checkbox_files_a_confidential_request(signed_in):
    _post(signed_in, "general", {**VALID["general"], "confidential": "on"})
    assert Issue.objects.get().confidential is True


def test_text_with_an_email_address_suggests_confidential_before_saving(signed_in):
    data = {**VALID["general"], "details": "Please fix the record of jane.doe@acme.com."}
    response = _post(signed_in, "general", data)
    assert response.status_code == 200
    assert not Issue.objects.exists()
    html = response.content.decode()
    assert "mentions personal data (jane.doe@acme.com)" in html
    assert "Mark confidential and file" in html
    assert 'name="pii_acknowledged" value="on"' in html


def test_text_with_a_phone_number_suggests_confidential_before_saving(signed_in):
    data = {**VALID["bug"], "what_happened": "The lead +44 20 7946 0958 was routed twice."}
    response = _post(signed_in, "bug", data)
    assert "+44 20 7946 0958" in response.content.decode()
    assert not Issue.objects.exists()


def test_requester_may_file_it_as_it_is_after_the_suggestion(signed_in):
    data = {**VALID["general"], "details": "Call me on +1 415 555 0100.", "pii_acknowledged": "on"}
    _post(signed_in, "general", data)
    assert Issue.objects.get().confidential is False


def test_requester_may_take_the_suggestion_and_file_it_confidential(signed_in):
    data = {
        **VALID["general"],
        "details": "Call me on +1 415 555 0100.",
        "pii_acknowledged": "on",
        "confidential": "on",
    }
    _post(signed_in, "general", data)
    assert Issue.objects.get().confidential is True


def test_refused_csv_re_renders_its_problems_row_by_row_and_files_nothing(signed_in):
    content = csv_bytes([lead(1), lead(2, source="Web Chat"), lead(3, email="not-an-email")])
    response = _post(signed_in, "list-import", VALID["list-import"], csv=content)
    assert response.status_code == 200
    assert not Issue.objects.exists()
    assert not Attachment.objects.exists()
    html = response.content.decode()
    assert "2 problems in the file" in html
    assert '<td data-label="Row">3</td><td data-label="Column">Initial Source</td>' in html
    assert "Web Chat" in html
    assert "Inactive" in html
    assert '<td data-label="Row">4</td><td data-label="Column">Email</td>' in html
    # The other answers are kept for the second try.
    assert VALID["list-import"]["event_or_source"] in html


def test_list_import_page_says_it_is_always_confidential(signed_in):
    html = signed_in.get("/requests/new/list-import/").content.decode()
    assert "A list import holds personal data" in html
    assert '<input type="checkbox" name="confidential"' not in html


def test_list_import_dropdowns_start_alike_and_sources_sort_case_insensitively(signed_in):
    for name in ["Cognism", "CORE Check-Up", "Gated Content - eBook", "Gated Content - Whitepaper"]:
        InitialSource.objects.create(name=name, status=SourceStatus.ACTIVE)
    html = signed_in.get("/requests/new/list-import/").content.decode()
    source = re.search(r'<select name="initial_source".*?</select>', html, re.S).group(0)
    consent = re.search(r'<select name="consent_basis".*?</select>', html, re.S).group(0)
    assert re.findall(r">([^<]*)</option>", source)[0] == re.findall(r">([^<]*)</option>", consent)[0] == "Choose…"
    assert "---------" not in html
    assert re.findall(r">([^<]*)</option>", source)[1:] == [
        "Cognism", "Conference", "CORE Check-Up", "Gated Content - eBook", "Gated Content - Whitepaper",
        "Owned Event", "Webcast",
    ]  # fmt: skip
