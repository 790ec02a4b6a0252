"""Forms: one per request type (composed into the issue's Markdown description) and the issue page's actions."""

import re
from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from labels.models import InitialSource, Label, LabelKind, SourceStatus
from labels.selectors import labels_attachable
from labels.taxonomy import TOOL_NAMES
from milestones.models import Milestone
from milestones.selectors import milestones_open_for_planning
from requests_app import list_import, policy
from requests_app.models import (
    COMMENT_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SECTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    RequestType,
)
from requests_app.pii import personal_data_found
from requests_app.selectors import initial_source_statuses, mktgops_members

CONFIDENTIAL_HELP = (
    "Tick this when the request holds personal data (names, e-mail addresses, phone numbers, screenshots of "
    "records). A confidential request is seen only by you, its assignee and MktgOps."
)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by id: a value that is not an id a database integer holds is refused before it reaches the
    database (Django's own check lets such a number through to an `IN` query, which SQLite cannot bind)."""

    def _check_values(self, value):
        for pk in value:
            if not re.fullmatch(r"[0-9]{1,18}", str(pk)):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


def _text(**kwargs):
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=SECTION_MAX_LENGTH, **kwargs)


def _date_widget():
    return forms.DateInput(attrs={"type": "date"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files from one input (Django's documented pattern); their content is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp,.pdf,.xlsx,.xls,.ods,.csv"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


FILES_HELP = "Screenshots (PNG, JPEG, GIF, WebP), PDFs or spreadsheets; up to 10 MB each."


def files_read(uploads) -> list[tuple[str, bytes]]:
    """(name, bytes) of each upload, for the services that check and store them."""
    return [(upload.name, upload.read()) for upload in uploads or []]


def needed_by_field() -> forms.DateField:
    return forms.DateField(
        widget=_date_widget(), required=False, label="Needed by", help_text="Leave empty when there is no deadline."
    )


def needed_by_clean(day):
    """The form's side of `services.needed_by_check`: the same rule, said on the field."""
    if day is not None and day < timezone.localdate():
        raise forms.ValidationError("The needed-by date is in the past; choose today or a later day.")
    return day


class RequestForm(forms.Form):
    """Fields every request has; each type adds its own and says how they compose the description."""

    request_type: ClassVar[str]
    # (field name, heading in the description), in order.
    sections: ClassVar[list[tuple[str, str]]] = []

    title = forms.CharField(
        max_length=TITLE_MAX_LENGTH, help_text="One line MktgOps will recognise it by on the board."
    )
    needed_by = needed_by_field()
    attachments = FilesField(label="Files", help_text=FILES_HELP)
    confidential = forms.BooleanField(required=False, label="Confidential", help_text=CONFIDENTIAL_HELP)
    # Set once the requester has seen the personal-data suggestion and chose to file it as it is.
    pii_acknowledged = forms.BooleanField(required=False, widget=forms.HiddenInput)

    personal_data: list[str]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.personal_data = []
        # The title first, then the type's own fields, then confidentiality.
        self.order_fields(
            [
                "title",
                *[name for name, _ in self.sections],
                "needed_by",
                "attachments",
                "confidential",
                "pii_acknowledged",
            ]
        )

    def clean_needed_by(self):
        return needed_by_clean(self.cleaned_data.get("needed_by"))

    @property
    def always_confidential(self) -> bool:
        return policy.request_type_always_confidential(self.request_type)

    def clean(self):
        cleaned = super().clean()
        if self.always_confidential:
            cleaned["confidential"] = True
        if self.errors or cleaned.get("confidential") or cleaned.get("pii_acknowledged"):
            return cleaned
        text = "\n".join(str(v) for v in cleaned.values() if isinstance(v, str))
        self.personal_data = personal_data_found(text)
        if self.personal_data:
            raise forms.ValidationError(
                "Your request mentions personal data (%(found)s). Mark it confidential so only you, its assignee "
                "and MktgOps can see it, or file it as it is.",
                code="personal_data",
                params={"found": ", ".join(self.personal_data)},
            )
        return cleaned

    def description(self) -> str:
        parts = []
        for name, heading in self.sections:
            value = self._section_text(name, self.cleaned_data.get(name))
            parts.append(f"### {heading}\n\n{value or '_Not given._'}")
        return "\n\n".join(parts)

    def _section_text(self, name: str, value) -> str:
        if hasattr(value, "all") or isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value or "").strip()

    def labels(self) -> list[str]:
        return []

    def attachment(self) -> tuple[str, bytes] | None:
        return None

    def uploaded_files(self) -> list[tuple[str, bytes]]:
        return files_read(self.cleaned_data.get("attachments"))


class BugRequestForm(RequestForm):
    request_type = RequestType.BUG
    sections = [
        ("what_happened", "What happened"),
        ("expected", "What was expected"),
        ("steps", "Steps to reproduce"),
        ("affected_tools", "Affected tools"),
        ("started", "When it started"),
        ("business_impact", "Business impact"),
    ]

    what_happened = _text(label="What happened?")
    expected = _text(label="What did you expect to happen?")
    steps = _text(label="Steps to reproduce", help_text="Numbered steps someone else can follow, with links.")
    affected_tools = IdsChoiceField(
        queryset=Label.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Affected tools",
        help_text="Their labels go on the request.",
    )
    started = forms.CharField(
        max_length=200, label="When did it start?", help_text="A date and time, or “since the 3 May Marketo release”."
    )
    business_impact = _text(
        label="Business impact", help_text="Who is affected and what it costs: lost leads, a launch at risk, …"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["affected_tools"].queryset = Label.objects.filter(
            Q(kind=LabelKind.TOOL) | Q(name__in=TOOL_NAMES)
        ).order_by("name")

    def labels(self) -> list[str]:
        return [lbl.name for lbl in self.cleaned_data.get("affected_tools") or []]


class ProcessChangeRequestForm(RequestForm):
    request_type = RequestType.PROCESS_CHANGE
    sections = [
        ("current_process", "Current process"),
        ("proposed_change", "Proposed change"),
        ("teams_affected", "Teams affected"),
        ("desired_date", "Desired date"),
        ("why", "Why"),
    ]

    current_process = _text(label="How does it work today?")
    proposed_change = _text(label="What should change?")
    teams_affected = forms.CharField(max_length=255, label="Teams affected", help_text="e.g. SDRs, Field Marketing")
    desired_date = forms.DateField(widget=_date_widget(), label="Desired date")
    why = _text(label="Why?", help_text="The problem it solves or the result it brings.")

    def clean_desired_date(self):
        day = self.cleaned_data["desired_date"]
        if day < timezone.localdate():
            raise forms.ValidationError("The desired date is in the past; choose today or a later day.")
        return day


class ToolEvaluationRequestForm(RequestForm):
    request_type = RequestType.TOOL_EVALUATION
    sections = [
        ("problem", "The problem"),
        ("users", "Who would use it"),
        ("budget_owner", "Budget owner"),
        ("requirements", "Requirements"),
    ]

    problem = _text(label="What problem should the tool solve?")
    users = forms.CharField(max_length=255, label="Who would use it?", help_text="Teams and roughly how many people.")
    budget_owner = forms.CharField(max_length=255, label="Budget owner", help_text="The person whose budget pays.")
    requirements = _text(label="Requirements", help_text="Must-haves first; integrations with our stack.")


CONSENT_BASES = [
    ("", "Choose…"),
    ("opt_in", "Opt-in consent given on the form or at the event"),
    ("legitimate_interest", "Legitimate interest (e.g. booth scan, business card)"),
    ("existing_relationship", "Existing customer or business relationship"),
    ("purchased", "Purchased list with the vendor's consent record"),
]


def _active_sources():
    # Case-insensitively: binary order puts "CORE Check-Up" before "Cognism", "Whitepaper" before "eBook".
    return InitialSource.objects.filter(status=SourceStatus.ACTIVE).order_by(Lower("name"), "name")


# The list's file is checked as soon as it is chosen (and again when its Initial Source changes): the report and
# the summary per Initial Source come back into #csv-report before anything is filed. Without JavaScript the
# same report shows when the form is sent.
CSV_CHECK_ATTRS = {
    "hx-post": "/requests/new/list-import/check/",
    "hx-trigger": "change",
    "hx-target": "#csv-report",
    "hx-swap": "outerHTML",
    "hx-encoding": "multipart/form-data",
    # The newest check wins: a source picked and a file chosen in quick succession sent two checks, and the
    # first answer's swap left the second swapping into the replaced (detached) report, so nothing showed.
    "hx-sync": "closest form:replace",
}
CSV_HELP = (
    "CSV as Excel or Google Sheets saves it: “CSV UTF-8”, “CSV (Comma delimited)” or “Unicode Text”; commas, "
    "semicolons or tabs. At most 10 MB and 50,000 rows. Columns: First Name, Last Name, Email, Company, Initial "
    "Source (and Job Title, Country). Empty Initial Source cells take the list's."
)


def _read_and_check(form, upload) -> bytes:
    """Refuse an upload over the limit before reading it; else read it and keep the checker's result on `form`."""
    if upload.size > list_import.MAX_BYTES:
        raise forms.ValidationError(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{list_import.MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
    content = upload.read()
    source = form.cleaned_data.get("initial_source")
    form.check = list_import.check_list_import(
        content, initial_sources=initial_source_statuses(), list_source=source.name if source else ""
    )
    return content


class ListImportCheckForm(forms.Form):
    """The list's file checked on its own, before filing (the report, and the fixed CSV to download): row
    problems are reported on `check`, never raised."""

    initial_source = forms.ModelChoiceField(queryset=InitialSource.objects.none(), to_field_name="name", required=False)
    csv_file = forms.FileField(label="The list (CSV)")

    check: list_import.ListImportResult | None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = None
        self.fields["initial_source"].queryset = _active_sources()

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        _read_and_check(self, upload)
        return upload


class ListImportRequestForm(RequestForm):
    request_type = RequestType.LIST_IMPORT
    sections = [
        ("event_or_source", "Event or source"),
        ("initial_source", "Initial Source"),
        ("consent_basis", "Consent basis"),
    ]

    event_or_source = forms.CharField(
        max_length=255, label="Event or source", help_text="e.g. “AWS re:Invent 2026 booth scans”."
    )
    initial_source = forms.ModelChoiceField(
        queryset=InitialSource.objects.none(),
        to_field_name="name",
        empty_label="Choose…",  # as Consent basis says, rather than Django's "---------"
        label="Initial Source for the list",
        help_text="Active values of the handbook's Initial Source table.",
    )
    consent_basis = forms.ChoiceField(choices=CONSENT_BASES, label="Consent basis")
    csv_file = forms.FileField(
        label="The list (CSV)",
        help_text=CSV_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain", **CSV_CHECK_ATTRS}),
    )

    check: list_import.ListImportResult | None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = None
        self._content = b""
        self.fields["initial_source"].queryset = _active_sources()
        self.fields["initial_source"].widget.attrs.update(CSV_CHECK_ATTRS)
        del self.fields["confidential"]  # always confidential: the template says so instead of a checkbox
        self.order_fields(
            ["title", "event_or_source", "initial_source", "consent_basis", "csv_file", "needed_by", "attachments"]
        )

    def clean_consent_basis(self):
        value = self.cleaned_data["consent_basis"]
        return dict(CONSENT_BASES)[value]

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        content = _read_and_check(self, upload)
        if self.check.file_error:
            raise forms.ValidationError(self.check.file_error, code="file")
        if self.check.error_count:
            raise forms.ValidationError(
                "%(count)s in the file: fix the rows listed below and upload it again. Nothing was saved.",
                code="rows",
                params={"count": f"{self.check.error_count} problem{'s' if self.check.error_count != 1 else ''}"},
            )
        self._content = content
        return upload

    def description(self) -> str:
        text = super().description()
        check, upload = self.check, self.cleaned_data["csv_file"]
        assert check is not None  # set by clean_csv_file, which a valid form has passed
        lines = [
            f"### The list\n\n`{upload.name}`: {check.row_count} rows, {check.encoding}, separated by "
            f"{check.delimiter_name}, checked on upload."
        ]
        tests = sum(1 for w in check.warnings if w.column == "Job Title")
        if tests:
            lines.append(f"{tests} test lead{'s' if tests != 1 else ''} (Job Title = Test) flagged.")
        if check.normalised_count:
            lines.append(f"{check.normalised_count} value{'s' if check.normalised_count != 1 else ''} normalised.")
        if check.filled_count:
            lines.append(f"{check.filled_count} empty Initial Source cell{'s' if check.filled_count != 1 else ''} "
                         f"filled with {self.cleaned_data['initial_source'].name}.")  # fmt: skip
        summary = "\n".join(
            f"- {name}: {count} row{'s' if count != 1 else ''}" for name, count in check.sources_summary
        )
        return f"{text}\n\n{' '.join(lines)}\n\nRows per Initial Source:\n\n{summary}"

    def attachment(self) -> tuple[str, bytes] | None:
        return (self.cleaned_data["csv_file"].name, self._content)


class GeneralRequestForm(RequestForm):
    request_type = RequestType.GENERAL
    sections = [("details", "What is needed")]

    details = _text(label="What do you need?", help_text="Context, links, and what “done” looks like.")


@dataclass(frozen=True)
class RequestKind:
    slug: str
    request_type: str
    form_class: type[RequestForm]
    title: str
    when: str

    @property
    def always_confidential(self) -> bool:
        return policy.request_type_always_confidential(self.request_type)


REQUEST_KINDS = [
    RequestKind(
        "bug",
        RequestType.BUG,
        BugRequestForm,
        "Report a bug",
        "Something in Marketo, Bizible or another tool of our stack is broken, wrong or missing data.",
    ),
    RequestKind(
        "process-change",
        RequestType.PROCESS_CHANGE,
        ProcessChangeRequestForm,
        "Change a process",
        "A workflow, routing rule, field or hand-off should work differently from now on.",
    ),
    RequestKind(
        "tool-evaluation",
        RequestType.TOOL_EVALUATION,
        ToolEvaluationRequestForm,
        "Evaluate a new tool",
        "You want a tool added to the marketing tech stack; MktgOps runs the eight-step evaluation.",
    ),
    RequestKind(
        "list-import",
        RequestType.LIST_IMPORT,
        ListImportRequestForm,
        "Import a list",
        "You have leads from an event or another source to load; the CSV is checked before it is filed.",
    ),
    RequestKind(
        "general",
        RequestType.GENERAL,
        GeneralRequestForm,
        "Something else",
        "Questions, reports, help with a campaign set-up: anything that is none of the above.",
    ),
]
REQUEST_KINDS_BY_SLUG = {kind.slug: kind for kind in REQUEST_KINDS}


# The issue page's actions.
class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=COMMENT_MAX_LENGTH,
        label="Comment",
        required=False,
        help_text="Markdown is supported; @username notifies that person.",
    )
    attachments = FilesField(label="Files", help_text=FILES_HELP)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachments"):
            self.add_error("body", "Write a comment or attach a file.")
        return cleaned


class IssueEditForm(forms.Form):
    """The requester's (00/01) and MktgOps's edit of what was filed; the previous text is kept."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}), max_length=DESCRIPTION_MAX_LENGTH, required=False
    )
    needed_by = needed_by_field()
    confidential = forms.BooleanField(required=False, help_text=CONFIDENTIAL_HELP)

    def __init__(self, *args, issue, can_unset_confidential: bool, **kwargs):
        initial = {
            "title": issue.title,
            "description": issue.description,
            "needed_by": issue.needed_by,
            "confidential": issue.confidential,
        }
        super().__init__(*args, initial=initial, **kwargs)  # type: ignore[misc]  # mypy: *args might reach `initial`; callers pass data/files only
        self.issue = issue
        if issue.confidential and not can_unset_confidential:
            # Confidential → on only: a requester can't make it public again.
            self.fields["confidential"].disabled = True
            self.fields["confidential"].help_text = "Only MktgOps can make a confidential request public again."

    def clean_needed_by(self):
        day = self.cleaned_data.get("needed_by")
        return day if day == self.issue.needed_by else needed_by_clean(day)


LINK_CHOICES = [
    ("relates", "relates to"),
    ("blocks", "blocks"),
    ("blocked_by", "is blocked by"),
    ("duplicate_of", "is a duplicate of"),
]


def _issue_number_field(label: str) -> forms.CharField:
    return forms.CharField(max_length=20, label=label, help_text="Its number, e.g. #42.")


def _issue_number_clean(value: str) -> int:
    match = re.fullmatch(r"#?\s*([0-9]{1,18})", (value or "").strip())
    if not match:
        raise forms.ValidationError("Give the other issue's number, e.g. #42.")
    return int(match.group(1))


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=LINK_CHOICES, label="This issue")
    other = _issue_number_field("Issue")

    def clean_other(self):
        return _issue_number_clean(self.cleaned_data["other"])


class DuplicateForm(forms.Form):
    original = _issue_number_field("Duplicate of")

    def clean_original(self):
        return _issue_number_clean(self.cleaned_data["original"])


class MoveForm(forms.Form):
    """The issue page's "Move to…": the stages and what each asks for come from `policy.issue_move_options`."""

    to_stage = forms.ChoiceField(label="Move to")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX_LENGTH, required=False, label="Reason"
    )
    sign_off = forms.BooleanField(required=False, label="Record the business owner's sign-off with this move (05 → 06)")

    # What a move that needs words must say: what is asked of the requester (01), what blocks the issue (07).
    NEEDS_TEXT = {
        "question": "Say what information you need from the requester; it goes to them by e-mail.",
        "reason": "Say what the issue is waiting on.",
    }

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs = {option.to_stage: option.needs for option in options}
        # No stage preselected: a move is a decision, not a default.
        self.fields["to_stage"].choices = [("", "Choose a stage…"), *((o.to_stage, o.label) for o in options)]
        if "sign_off" not in self.needs.values():
            del self.fields["sign_off"]

    def clean(self):
        cleaned = super().clean()
        need = self.needs.get(cleaned.get("to_stage") or "", "")
        if need in self.NEEDS_TEXT and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", self.NEEDS_TEXT[need])
        if need == "sign_off" and not cleaned.get("sign_off"):
            self.add_error("sign_off", "Tick this to record the business owner's sign-off: 06 needs it.")
        return cleaned


class TriageForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Unassigned"
    )
    milestone: "forms.ModelChoiceField[Milestone]" = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No milestone"
    )
    weight = forms.IntegerField(min_value=0, max_value=1000, required=False)
    business_owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="The requester", label="Business owner"
    )
    labels = IdsChoiceField(
        queryset=Label.objects.none(),
        required=False,
        # Searchable with the script (static/js/label_picker.js); a plain multi-select without it.
        widget=forms.SelectMultiple(
            attrs={"size": 8, "data-label-picker": "", "data-placeholder": "Type to add a label"}
        ),
    )

    def __init__(self, *args, issue, **kwargs):
        initial = {
            "assignee": issue.assignee_id,
            "milestone": issue.milestone_id,
            "weight": issue.weight,
            "business_owner": issue.business_owner_id,
            "labels": [lbl.pk for lbl in issue.labels.all()],
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["assignee"].queryset = mktgops_members()
        # Names as the board shows them; the current milestone marked, since 03 and 04 depend on it.
        self.fields["assignee"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
        self.fields["milestone"].label_from_instance = lambda m: f"{m.title} (current)" if m.is_current else m.title
        # The menu offers what takes issues (and the issue's own milestone, so saving keeps it); any milestone is a
        # valid answer, and which ones take issues is the service's rule: its refusal is what the user reads.
        planning = milestones_open_for_planning()
        if issue.milestone_id:
            planning = planning | Milestone.objects.filter(pk=issue.milestone_id)
        field = self.fields["milestone"]
        field.queryset = Milestone.objects.all()
        field.widget.choices = [
            ("", field.empty_label),
            *((m.pk, field.label_from_instance(m)) for m in planning.order_by("start_date")),
        ]
        self.fields["business_owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["labels"].queryset = labels_attachable()


class ReopenForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX_LENGTH, required=False, label="Reason"
    )
