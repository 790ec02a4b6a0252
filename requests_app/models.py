import datetime
import os
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from accounts.roles import user_is_manager, user_is_mktgops


class Stage(models.TextChoices):
    TRIAGE = "00", "MktgOps::00: Triage"
    NEEDS_INFO = "01", "MktgOps::01: Needs More Information"
    READY = "02", "MktgOps::02: Ready for Assignment"
    ASSIGNED = "03", "MktgOps::03: Assigned"
    IN_PROGRESS = "04", "MktgOps::04: In Progress"
    REVIEW = "05", "MktgOps::05: Business Owner Review"
    READY_TO_DEPLOY = "06", "MktgOps::06: Ready to Deploy"
    BLOCKED = "07", "MktgOps::07: Blocked"
    COMPLETED = "08", "MktgOps::08: Completed"

    @property
    def short(self) -> str:
        """`04: In Progress` — the label without its scope."""
        return self.label.rpartition("::")[2]


BLOCKABLE = [
    Stage.TRIAGE,
    Stage.NEEDS_INFO,
    Stage.READY,
    Stage.ASSIGNED,
    Stage.IN_PROGRESS,
    Stage.REVIEW,
    Stage.READY_TO_DEPLOY,
]


# Longest text accepted per field (ASVS 5.1.4): every form, serializer and service bounds its input by these, so
# no request makes the PII check, Markdown or the database work on megabytes. Titles are the column's length.
TITLE_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 50_000  # characters; a request form's sections together stay well under it
SECTION_MAX_LENGTH = 8_000  # one free-text section of a request form
COMMENT_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 2_000  # move, reopen and rollover reasons


class RequestType(models.TextChoices):
    BUG = "bug", "Bug request"
    PROCESS_CHANGE = "process_change", "Process-change request"
    TOOL_EVALUATION = "tool_evaluation", "Tool-evaluation request"
    LIST_IMPORT = "list_import", "List-import request"
    GENERAL = "general", "General request"


# Guards: pure functions of the instance (django-fsm conditions). Their failure messages live in
# requests_app.policy.GUARD_MESSAGES so the refusal says what would make the move allowed.
def has_assignee(issue: "Issue") -> bool:
    return issue.assignee_id is not None


def _today(issue: "Issue"):
    """The day the guards judge by: the move's own (`issue_move(now=...)` sets `_today`), else today."""
    return issue._today or timezone.localdate()


def in_future_milestone(issue: "Issue") -> bool:
    milestone = issue.milestone if issue.milestone_id is not None else None
    return milestone is not None and milestone.start_date > _today(issue)


def in_current_milestone(issue: "Issue") -> bool:
    return (
        issue.milestone_id is not None and issue.milestone is not None and issue.milestone.is_current_on(_today(issue))
    )


# 04, 05 and 06 are the work of the current milestone: entering them (from anywhere, for managers too) needs it.
ACTIVE_STAGES = ("04", "05", "06")


def returns_into_current_milestone(issue: "Issue") -> bool:
    """Unblocking returns to `blocked_from`; into 04/05/06 only in the current milestone."""
    return issue.blocked_from not in ACTIVE_STAGES or in_current_milestone(issue)


def is_signed_off(issue: "Issue") -> bool:
    return issue.signed_off_at is not None


def has_pending_reason(issue: "Issue") -> bool:
    return bool((issue._pending_reason or "").strip())


def has_question_for_requester(issue: "Issue") -> bool:
    """Moving to 01 asks the requester something: the reason is that question, e-mailed to them."""
    return has_pending_reason(issue)


def can_move(issue: models.Model, user) -> bool:
    return user_is_mktgops(user)


def can_reopen_completed(issue: models.Model, user) -> bool:
    return user_is_manager(user)


def is_requester_side(issue: "Issue", user) -> bool:
    """The requester or the business owner: whoever answers MktgOps's question in 01 (issue 13)."""
    return getattr(user, "pk", None) is not None and user.pk in (issue.requester_id, issue.business_owner_id)


# django-fsm-2 types a condition as Callable[[Model], bool] and a permission as Callable[[Model, user], bool]: not
# generic in the model, so it refuses a guard taking an Issue. The permissions above ignore the instance (typed as
# any Model); the guard lists are typed as plain callables, and the inline ones carry `type: ignore[list-item]`.
ASSIGNED_GUARDS: list[Callable[..., bool]] = [has_assignee, in_future_milestone]
IN_PROGRESS_GUARDS: list[Callable[..., bool]] = [has_assignee, in_current_milestone]


class Epic(models.Model):
    """A larger piece of work grouping issues; an issue weighted 21+ may be promoted to one."""

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    # Who may see it is decided from its issues when read (requests_app.policy.epics_visible_to), never from a
    # flag copied at promotion: an issue made confidential afterwards hides the epic at once.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("epic-detail", args=[self.pk])


class UpdatedAtField(models.DateTimeField):
    """`auto_now=True`, except while a service saves at its own clock (`now=`): then the instance's `_now`, or on
    insert the value it was created with."""

    def pre_save(self, model_instance, add):
        now = getattr(model_instance, "_now", None) or (getattr(model_instance, self.attname) if add else None)
        if now is None:
            return super().pre_save(model_instance, add)
        setattr(model_instance, self.attname, now)
        return now

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs  # the same column: no migration


class Issue(FSMModelMixin, models.Model):
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_issues")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_issues"
    )
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_issues"
    )
    request_type = models.CharField(max_length=20, choices=RequestType.choices, default=RequestType.GENERAL)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    confidential = models.BooleanField(default=False)
    weight = models.PositiveSmallIntegerField(null=True, blank=True)
    # Kept from GitLab imports (GitLab issues carry one); the portal's own forms do not set it.
    due_date = models.DateField(null=True, blank=True)
    milestone = models.ForeignKey(
        "milestones.Milestone", null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    labels = models.ManyToManyField("labels.Label", blank=True, related_name="issues")
    epic = models.ForeignKey(Epic, null=True, blank=True, on_delete=models.SET_NULL, related_name="issues")
    # Order within a board column; sparse so a drop rewrites one row, not the column.
    position = models.BigIntegerField(default=0)
    stage = FSMField(max_length=2, choices=Stage.choices, default=Stage.TRIAGE, protected=True)
    blocked_from = models.CharField(max_length=2, choices=Stage.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_in_milestone = models.ForeignKey(
        "milestones.Milestone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    rollover_reason = models.TextField(blank=True)
    # When the requester needs it done (a date, no time); past dates are refused on filing.
    needed_by = models.DateField(null=True, blank=True, db_index=True)
    # The requester answered in 01 and the issue came back to 00: the card says so until MktgOps acts.
    reply_waiting = models.BooleanField(default=False)
    rollover_reason_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = UpdatedAtField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["stage", "position"], name="issue_stage_position"),
            models.Index(fields=["milestone", "stage"], name="issue_milestone_stage"),
            # The board: open issues only. Its per-stage counts (GROUP BY stage) and every column's first page
            # (ORDER BY position, id LIMIT n) read this index; the included columns are what its default filter
            # and swimlanes look at, so PostgreSQL answers the counts from the index alone.
            models.Index(
                fields=["stage", "position", "id"],
                include=["milestone", "blocked_from", "assignee"],
                condition=models.Q(closed_at__isnull=True),
                name="issue_open_board",
            ),
        ]

    # Set by the move service for the duration of one transition (the reason a guard may need, the day it
    # happens on); `_now` by a service saving at its own clock (`updated_at` takes it).
    _pending_reason = ""
    _today: "datetime.date | None" = None
    _now: "datetime.datetime | None" = None

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("issue-detail", args=[self.pk])

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def stage_short(self) -> str:
        return Stage(self.stage).short

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def sla_badge(self):
        """The Sales Systems fast-track SLA, when the row was read with `issues_with_card_data`."""
        from requests_app.cards import issue_card_badge

        return issue_card_badge(self)

    @property
    def is_overdue(self) -> bool:
        """Open, and its needed-by date is before today (the site's time zone)."""
        return self.needed_by is not None and self.closed_at is None and self.needed_by < timezone.localdate()

    @property
    def web_url(self) -> str:
        return f"{settings.SITE_URL}{self.get_absolute_url()}"

    # One transition per allowed move of DESIGN.md. The service `issue_move` picks the method.
    @transition(
        field=stage,
        source=Stage.TRIAGE,
        target=Stage.NEEDS_INFO,
        conditions=[has_question_for_requester],  # type: ignore[list-item]  # fsm stub: Model guards
        permission=can_move,
    )
    def triage_to_needs_information(self):
        self._clear_planning()

    @transition(field=stage, source=Stage.TRIAGE, target=Stage.READY, permission=can_move)
    def triage_to_ready(self):
        self._clear_planning()

    @transition(
        field=stage, source=Stage.TRIAGE, target=Stage.ASSIGNED, conditions=ASSIGNED_GUARDS, permission=can_move
    )
    def triage_to_assigned(self):
        pass

    @transition(
        field=stage, source=Stage.TRIAGE, target=Stage.IN_PROGRESS, conditions=IN_PROGRESS_GUARDS, permission=can_move
    )
    def triage_to_in_progress(self):
        pass

    @transition(field=stage, source=Stage.NEEDS_INFO, target=Stage.TRIAGE, permission=can_move)
    def needs_information_to_triage(self):
        pass

    @transition(field=stage, source=Stage.NEEDS_INFO, target=Stage.TRIAGE, permission=is_requester_side)  # type: ignore[arg-type]  # django-fsm stubs: permission takes Model
    def requester_replied(self):
        """The requester (or business owner) answered the question: MktgOps picks it up again in 00."""
        self.reply_waiting = True

    @transition(field=stage, source=Stage.NEEDS_INFO, target=Stage.READY, permission=can_move)
    def needs_information_to_ready(self):
        pass

    @transition(field=stage, source=Stage.READY, target=Stage.ASSIGNED, conditions=ASSIGNED_GUARDS, permission=can_move)
    def ready_to_assigned(self):
        pass

    @transition(
        field=stage, source=Stage.READY, target=Stage.IN_PROGRESS, conditions=IN_PROGRESS_GUARDS, permission=can_move
    )
    def ready_to_in_progress(self):
        pass

    @transition(
        field=stage, source=Stage.ASSIGNED, target=Stage.IN_PROGRESS, conditions=IN_PROGRESS_GUARDS, permission=can_move
    )
    def assigned_to_in_progress(self):
        pass

    @transition(field=stage, source=Stage.ASSIGNED, target=Stage.READY, permission=can_move)
    def assigned_to_ready(self):
        self._clear_planning()

    @transition(
        field=stage, source=Stage.IN_PROGRESS, target=Stage.REVIEW, conditions=IN_PROGRESS_GUARDS, permission=can_move
    )
    def in_progress_to_review(self):
        pass

    @transition(field=stage, source=Stage.IN_PROGRESS, target=Stage.COMPLETED, permission=can_move)
    def in_progress_to_completed(self):
        pass

    @transition(field=stage, source=Stage.IN_PROGRESS, target=Stage.ASSIGNED, permission=can_move)
    def in_progress_to_assigned(self):
        pass

    @transition(
        field=stage,
        source=Stage.REVIEW,
        target=Stage.READY_TO_DEPLOY,
        conditions=[in_current_milestone, is_signed_off],  # type: ignore[list-item]  # fsm stub: Model guards
        permission=can_move,
    )
    def review_to_ready_to_deploy(self):
        pass

    @transition(
        field=stage,
        source=Stage.REVIEW,
        target=Stage.IN_PROGRESS,
        conditions=[in_current_milestone],  # type: ignore[list-item]  # fsm stub: Model guards
        permission=can_move,
    )
    def review_to_in_progress(self):
        pass

    @transition(field=stage, source=Stage.READY_TO_DEPLOY, target=Stage.COMPLETED, permission=can_move)
    def ready_to_deploy_to_completed(self):
        pass

    @transition(
        field=stage,
        source=BLOCKABLE,
        target=Stage.BLOCKED,
        conditions=[has_pending_reason],  # type: ignore[list-item]  # fsm stub: Model guards
        permission=can_move,
    )
    def block(self):
        self.blocked_from = self.stage

    @transition(
        field=stage,
        source=Stage.BLOCKED,
        target=RETURN_VALUE(*BLOCKABLE),
        conditions=[returns_into_current_milestone],  # type: ignore[list-item]  # fsm stub: Model guards
        permission=can_move,
    )
    def unblock(self):
        back_to, self.blocked_from = self.blocked_from, ""
        return back_to

    @transition(
        field=stage,
        source=Stage.COMPLETED,
        target=Stage.IN_PROGRESS,
        conditions=IN_PROGRESS_GUARDS,
        permission=can_reopen_completed,
    )
    def completed_to_in_progress(self):
        pass

    # Import only (gitlab_import): the stage GitLab's labels say, from any stage, recorded as an "imported"
    # transition by requests_app.services.issue_stage_import. No person moves an issue through it.
    @transition(field=stage, source="*", target=RETURN_VALUE(*Stage.values))
    def imported(self, stage: str):
        return stage

    def _clear_planning(self):
        # 01 and 02 hold "no milestone, no assignee" (handbook); the service records what was cleared.
        self.assignee = None
        self.milestone = None


class IssueTransition(models.Model):
    """The stage log: one row per accepted move."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="transitions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_stage = models.CharField(max_length=2, choices=Stage.choices)
    to_stage = models.CharField(max_length=2, choices=Stage.choices)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set by an import (GitLab): the stage came from the source's labels, not from a move in the portal.
    imported = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"#{self.issue_id} {self.from_stage}→{self.to_stage}"


class LabelRuleDelivery(models.Model):
    """One message of a label → Slack rule for one completion: its row makes the post happen once."""

    transition = models.ForeignKey(IssueTransition, on_delete=models.CASCADE, related_name="label_rule_deliveries")
    channel = models.CharField(max_length=80)
    ts = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table the labels app created; the model moved here, the rows did not.
        db_table = "labels_labelruledelivery"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["transition", "channel"], name="one_delivery_per_completion_channel"),
        ]

    def __str__(self) -> str:
        return f"#{self.transition.issue_id} → {self.channel}"


class MembershipEntered(models.TextChoices):
    PLANNED = "planned", "Put in"
    ROLLED_IN = "rolled_in", "Rolled in"


class MembershipLeft(models.TextChoices):
    REMOVED = "removed", "Removed"
    ROLLED_OUT = "rolled_out", "Rolled over"


class MilestoneMembership(models.Model):
    """One stay of an issue in a milestone: when it came in and how, when it left and how.

    A report tells planned work (in before the milestone started) from scope added later by comparing
    `entered_at` with the milestone's start.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="milestone_memberships")
    milestone = models.ForeignKey("milestones.Milestone", on_delete=models.CASCADE, related_name="memberships")
    entered_at = models.DateTimeField(default=timezone.now)
    entered_how = models.CharField(max_length=12, choices=MembershipEntered.choices, default=MembershipEntered.PLANNED)
    left_at = models.DateTimeField(null=True, blank=True)
    left_how = models.CharField(max_length=12, choices=MembershipLeft.choices, blank=True)

    class Meta:
        db_table = "milestones_milestonemembership"  # created by the milestones app; the rows stay where they are
        ordering = ["entered_at", "pk"]
        indexes = [models.Index(fields=["milestone", "issue"], name="membership_milestone_issue")]

    def __str__(self) -> str:
        return f"#{self.issue_id} in {self.milestone_id}"

    @property
    def added_late(self) -> bool:
        """Scope added after the milestone started (not planned at its start)."""
        return self.entered_how == MembershipEntered.PLANNED and (
            timezone.localdate(self.entered_at) > self.milestone.start_date
        )


class Comment(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    # System comments (the rollover reason) are written by the portal, not typed by a person.
    is_system = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment on #{self.issue_id}"


class EventKind(models.TextChoices):
    LABEL_ADDED = "label_added", "added label"
    LABEL_REMOVED = "label_removed", "removed label"
    MILESTONE_CHANGED = "milestone_changed", "changed milestone"
    ASSIGNEE_CHANGED = "assignee_changed", "changed assignee"
    WEIGHT_CHANGED = "weight_changed", "changed weight"
    SIGNED_OFF = "signed_off", "signed off"
    CLOSED = "closed", "closed"
    REOPENED = "reopened", "reopened"
    CONFIDENTIAL_CHANGED = "confidential_changed", "changed confidentiality"
    ROLLOVER_REASON = "rollover_reason", "gave rollover reason"
    PROMOTED = "promoted", "promoted to epic"
    CREATED = "created", "created"
    EDITED = "edited", "edited"
    NEEDED_BY_CHANGED = "needed_by_changed", "changed the needed-by date"
    LINKED = "linked", "linked"
    UNLINKED = "unlinked", "removed link"
    DUPLICATE = "duplicate", "closed as duplicate"
    # A GitLab system note ("changed the description", "mentioned in …") brought in by the importer.
    GITLAB_NOTE = "gitlab_note", "in GitLab"


class IssueEvent(models.Model):
    """Everything on an issue's timeline that is neither a stage move nor a comment."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    # The issue on the other end of a link event (None for the others); shown masked when hidden from the viewer.
    other_issue = models.ForeignKey("Issue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    other_visible: bool  # not a field: set per viewer by requests_app.selectors (the issue's timeline)
    # An edit's previous text (EDITED events only).
    revision = models.OneToOneField(
        "IssueRevision", null=True, blank=True, on_delete=models.SET_NULL, related_name="event"
    )
    # What happened, as data: ids and raw values (see requests_app.events); code reads this, never the text.
    data = models.JSONField(default=dict, blank=True)
    # The text the timeline shows, as it read then ("MktgOpsPriority::High", "MktgOps 2026-11-16 – 2026-11-29").
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"#{self.issue_id} {self.kind}"


class PrivateStorage(FileSystemStorage):
    """Uploads with personal data: a directory no URL maps to; only the download view reads it.

    The location is read from settings on each use (not once at import), so it follows
    PRIVATE_MEDIA_ROOT wherever it is set.
    """

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; link to the download view instead.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()


class AttachmentKind(models.TextChoices):
    CSV = "csv", "List-import CSV"
    IMAGE = "image", "Image"
    FILE = "file", "File"


def _attachment_path(instance: "Attachment", filename: str) -> str:
    # A random name on disk: the uploader's file name is kept in `original_name` only. The extension is the
    # checked type's, never the uploader's.
    return f"issues/{instance.issue_id}/{uuid.uuid4().hex}.{instance.extension or 'bin'}"


class Attachment(models.Model):
    """A file on a request or on one of its comments: the list-import CSV, a screenshot, a PDF, a spreadsheet.

    Stored privately; downloaded only by those who may see the issue. `content_type` is what the content was
    checked to be on upload (not what the name or the browser said).
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=8, choices=AttachmentKind.choices, default=AttachmentKind.CSV)
    content_type = models.CharField(max_length=100, default="text/csv")
    extension = models.CharField(max_length=8, default="csv")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(storage=private_storage, upload_to=_attachment_path, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    row_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("issue-attachment", args=[self.issue_id, self.pk])

    @property
    def is_image(self) -> bool:
        return self.kind == AttachmentKind.IMAGE


class IssueRevision(models.Model):
    """What an issue said before one edit: the timeline links the EDITED event to it (issue 13)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="revisions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # The values before the edit; {field: value} of the fields it changed (dates as ISO strings).
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"#{self.issue_id} revision {self.pk}"


class LinkKind(models.TextChoices):
    RELATES = "relates", "relates to"
    BLOCKS = "blocks", "blocks"
    DUPLICATE_OF = "duplicate_of", "duplicate of"


class IssueLink(models.Model):
    """One directed link: `source` relates to / blocks / is a duplicate of `target`. Read both ways: the target
    shows "is blocked by" and "has duplicate" for the inverse."""

    source = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_issue_link"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="issue_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"#{self.source_id} {self.kind} #{self.target_id}"


class ChecklistItem(models.Model):
    """One step of a checklist an issue carries (the tool evaluation's eight steps); MktgOps ticks them."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=255)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "position"], name="unique_checklist_position"),
        ]

    def __str__(self) -> str:
        return f"#{self.issue_id} {self.position}. {self.text}"
