"""Demo data: a believable MktgOps team, its milestones and ~80 requests, built through the real services.

Every issue is created, triaged, moved, commented and closed by the same functions the pages call, each told
when it happens (`now=`): the stage log, timeline, milestone memberships and rollovers are what the services
recorded, at the moments the work would have taken place, and the guards judge each move by its own day. Nothing
is re-dated afterwards. Run by `manage.py demo_data` on every `make run`: once the demo team exists it does
nothing.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.roles import MANAGERS_GROUP, MKTGOPS_GROUP
from labels.models import Label
from labels.services import PRIO_ORDER, taxonomy_seed
from milestones.models import Milestone
from milestones.selectors import cadence_period, milestone_current, milestone_next
from milestones.services import (
    milestone_close,
    milestone_create_for_period,
    milestone_record_handbook_mr,
    milestones_ensure_ahead,
)
from requests_app.models import Issue, RequestType, Stage
from requests_app.services import (
    comment_create,
    issue_close,
    issue_create,
    issue_move,
    issue_promote_to_epic,
    issue_sign_off,
    issue_update,
    labels_attach,
)
from rollover.services import milestone_rollover

User = get_user_model()


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str  # "ic", "manager" or "requester"
    team: str
    password: str

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


# Fixed demo passwords: printed on every run so whoever starts the app can sign in.
DEMO_USERS = [
    DemoUser("dana", "Dana", "Whitfield", "manager", "Marketing Operations (manager)", "dana-demo-pass"),
    DemoUser("priya", "Priya", "Raman", "ic", "Marketing Operations", "priya-demo-pass"),
    DemoUser("marco", "Marco", "Ruiz", "ic", "Marketing Operations", "marco-demo-pass"),
    DemoUser("hana", "Hana", "Sato", "ic", "Marketing Operations", "hana-demo-pass"),
    DemoUser("jordan", "Jordan", "Blake", "requester", "Field Marketing", "jordan-demo-pass"),
    DemoUser("alex", "Alex", "Okafor", "requester", "Sales Development", "alex-demo-pass"),
    DemoUser("sofia", "Sofia", "Lindqvist", "requester", "Account Based Marketing", "sofia-demo-pass"),
    DemoUser("theo", "Theo", "Marchetti", "requester", "Lifecycle Marketing", "theo-demo-pass"),
    DemoUser("kim", "Kim", "Nguyen", "requester", "Digital / Campaigns", "kim-demo-pass"),
]
IC_USERNAMES = [u.username for u in DEMO_USERS if u.role == "ic"]
MANAGER_USERNAME = "dana"


# Where an issue ends up. Current-milestone plans hold the guards' facts (assignee, current milestone);
# "ended_*" sit in the milestone that has ended but not yet been rolled over; "closed_*" were closed.
PLANS = (
    "00", "01", "02", "03", "04", "05", "06", "07", "08",
    "closed_current", "ended_open", "ended_blocked", "ended_completed", "closed_ended", "closed_old",
)  # fmt: skip


@dataclass(frozen=True)
class Spec:
    plan: str
    request_type: str
    title: str
    requester: str
    labels: tuple[str, ...] = ()
    assignee: str = ""  # default: the ICs in turn
    reason: str = ""  # 01: what is missing; 07: what it waits on
    blocked_from: str = ""  # 07: the stage it was blocked in
    rollover_reason: str = ""
    confidential: bool = False
    weight: int | None = None
    future: int = 1  # 03: which milestone ahead
    comments: tuple[tuple[str, str], ...] = ()  # (username, body) written while it is worked


B, PC, TE, LI, GR = (
    RequestType.BUG,
    RequestType.PROCESS_CHANGE,
    RequestType.TOOL_EVALUATION,
    RequestType.LIST_IMPORT,
    RequestType.GENERAL,
)

SPECS: list[Spec] = [
    # 00 Triage: just filed.
    Spec("00", B, "Marketo form 2104 drops UTM parameters on submit", "jordan", ("Marketo",)),
    Spec("00", LI, "List import: AWS re:Invent booth scans (1,240 leads)", "jordan", ("Marketo", "dg-campaigns")),
    Spec("00", GR, "Add Partner Qualified Leads to the Drift routing playbook", "alex", ("Drift",)),
    Spec("00", TE, "Evaluate a conversational marketing alternative to Drift", "theo", ("Drift",)),
    Spec("00", PC, "Standardise Salesforce campaign naming for field events", "jordan", ("MktgOps - changelog",)),
    Spec("00", B, "ZoomInfo enrichment overwrites Company Name on existing leads", "alex", ("ZoomInfo",),
         confidential=True),
    Spec("00", GR, "Outreach-io seats for three new SDR hires", "alex", ("Outreach-io",)),
    Spec("00", LI, "List import: DevOps Enterprise Summit virtual attendees", "kim", ("dg-campaigns",)),
    Spec("00", GR, "Smartling: translate the DevSecOps landing page into German and Japanese", "sofia",
         ("Smartling",)),
    Spec("00", B, "On24 webinar registrants not syncing to the Marketo program", "kim", ("On24", "Marketo")),
    # 01 Needs More Information.
    Spec("01", GR, "Nurture for trial users who never created a project", "theo", ("Marketo", "lifecycle-mktg"),
         reason="Which trial (SaaS or self-managed) and which persona should the nurture target?"),
    Spec("01", LI, "List import: partner webinar registrants", "kim", (),
         reason="The CSV has no Initial Source column; which Active source should these leads get?"),
    Spec("01", PC, "Lower the MQL threshold from 100 to 90 points", "alex", ("Marketo",),
         reason="What MQL volume change do you expect, and has Sales leadership approved it?"),
    Spec("01", B, "Bizible touchpoints missing for LinkedIn lead gen forms", "sofia", ("Bizible",),
         reason="Please share two example lead records and the LinkedIn campaign name.", confidential=True),
    Spec("01", GR, "Demandbase audience for EMEA public sector accounts", "sofia", ("Demandbase", "ABM"),
         reason="Please attach the target account list or the firmographic criteria."),
    Spec("01", TE, "Evaluate Cognism for EMEA phone data", "alex", (),
         reason="Who owns the budget, and is a proof-of-concept window agreed with the vendor?"),
    # 02 Ready for Assignment.
    Spec("02", PC, "LeanData: route Public Sector leads to the PubSec SDR queue", "alex", ("LeanData",)),
    Spec("02", GR, "PathFactory track for the CI/CD ebook series", "kim", ("PathFactory", "dg-campaigns")),
    Spec("02", GR, "Salesforce campaign and Marketo program for the Chicago roadshow", "jordan",
         ("Marketo", "dg-campaigns")),
    Spec("02", B, "LinkedIn Sales Navigator CRM sync failing for some users", "alex", ("LinkedIn Sales Navigator",)),
    Spec("02", PC, "Retire the Web Chat Initial Source from the picklist", "theo",
         ("MktgOps - changelog", "SMOps/Systems - Changelog")),
    Spec("02", GR, "Quarterly tool audit: Outreach and LinkedIn Sales Navigator", "dana",
         ("Mktg Tool Audit", "Outreach-io", "LinkedIn Sales Navigator")),
    Spec("02", TE, "Consolidate the EMEA and AMER Marketo instances", "theo", ("Marketo", "MktgOps-Proposed-OKR"),
         weight=34),
    # 03 Assigned to a milestone ahead.
    Spec("03", GR, "Marketo email templates for the 2027 brand guidelines", "theo", ("Marketo",), weight=5),
    Spec("03", PC, "LeanData round robin: add the new Commercial AE pod", "alex",
         ("LeanData", "MktgOps/Systems-Request", "MktgOpsPrio::01: In Queue"), weight=3),
    Spec("03", GR, "Bizible: add Paid Social as an online channel", "sofia", ("Bizible",), weight=2),
    Spec("03", GR, "Drift playbook for pricing page visitors", "kim", ("Drift",), weight=3),
    Spec("03", PC, "Reset the behaviour score when a lead moves to Recycle", "theo", ("Marketo",), weight=2),
    Spec("03", B, "Duplicate leads when Free Registration and a trial happen the same day", "alex", ("Marketo",),
         weight=5),
    Spec("03", GR, "Demandbase intent keywords for the AI-assisted DevSecOps launch", "sofia",
         ("Demandbase", "ABM"), weight=2, future=2),
    Spec("03", GR, "Smartling connector for Marketo landing pages", "jordan",
         ("Smartling", "Marketo", "MktgOps-Future Feature"), weight=8, future=2),
    # 04 In Progress in the current milestone.
    Spec("04", LI, "List import: KubeCon NA booth leads", "jordan", ("Marketo", "dg-campaigns"), weight=2,
         comments=(("jordan", "Uploaded the cleaned CSV; I filled in 14 missing countries from the badges."),)),
    Spec("04", B, "LeanData routing sends EMEA leads to AMER SDRs", "alex", ("LeanData",), weight=3,
         comments=(("alex", "Three more this morning, all from Germany."),)),
    Spec("04", GR, "Marketo program template for virtual workshops", "kim", ("Marketo",), weight=3),
    Spec("04", PC, "Add Cognism as an Active Initial Source", "alex",
         ("MktgOps/Systems-Request", "MktgOpsPrio::02: Actioned", "SMOps/Systems - Changelog"), weight=2),
    Spec("04", GR, "PathFactory: gate the DevOps Platform report after three assets", "kim", ("PathFactory",),
         weight=2),
    Spec("04", GR, "Outreach-io sequence sync for MQL follow-up", "alex", ("Outreach-io",), weight=5),
    Spec("04", GR, "OKR: fewer than 2% of MQLs unassigned after one hour", "dana",
         ("MktgOps-Current-OKR", "LeanData"), assignee="dana", weight=8),
    Spec("04", GR, "Update the MktgOps handbook page for the new triage flow", "priya", ("MktgOps - HB Update",),
         weight=1),
    Spec("04", B, "Webcast program statuses stuck at Registered after the event", "kim", ("On24", "Marketo"),
         weight=3),
    Spec("04", GR, "Sync Demandbase account lists to Salesforce", "sofia",
         ("Demandbase", "ABM", "MktgOps-Support-OKR"), weight=5),
    # 05 Business Owner Review.
    Spec("05", GR, "Preference center redesign with topic subscriptions", "theo", ("Marketo", "lifecycle-mktg"),
         weight=8),
    Spec("05", PC, "Lead acceptance SLA fields on the Lead object", "alex",
         ("MktgOps/Systems-Request", "MktgOpsPrio::02: Actioned"), weight=3),
    Spec("05", GR, "Field Marketing event request form in Marketo", "jordan", ("Marketo", "FMM-HB Update"),
         weight=3),
    Spec("05", GR, "Drift: route chats from target accounts to the account owner", "sofia", ("Drift", "ABM"),
         weight=3),
    Spec("05", GR, "Re-MQL workflow for leads in Recycle", "theo", ("Marketo", "lifecycle-mktg"), weight=5),
    # 06 Ready to Deploy (signed off).
    Spec("06", GR, "Bizible custom channel for partner co-marketing", "jordan", ("Bizible",), weight=2),
    Spec("06", PC, "SDR handbook: new lead follow-up cadence", "alex", ("SDR-HB Update",), weight=1),
    Spec("06", GR, "Smart campaign to flag leads with Job Title Test", "kim", ("Marketo",), weight=2),
    Spec("06", GR, "ABM handbook: Demandbase campaign launch checklist", "sofia", ("ABM-HB Update", "ABM"),
         weight=1),
    # 07 Blocked, from several stages.
    Spec("07", TE, "Evaluate a website personalisation tool", "theo", (), blocked_from="02",
         reason="Waiting on Legal's security review of the vendor; the DPA is not signed yet."),
    Spec("07", GR, "ZoomInfo WebSights on the pricing page", "sofia", ("ZoomInfo",), blocked_from="03", weight=2,
         reason="Waiting on the web team to add the ZoomInfo script to the site."),
    Spec("07", B, "Salesforce validation rule rejects imports with a blank State", "kim",
         ("MktgOps/Systems-Request", "MktgOpsPrio::00: Requested"), blocked_from="04", weight=2,
         reason="Waiting on Sales Systems to relax the State validation rule in Salesforce."),
    Spec("07", GR, "Lead scoring for executive roundtable events", "jordan", ("Marketo",), blocked_from="05",
         weight=3, reason="The business owner is out until next week; the demo is rescheduled."),
    Spec("07", B, "On24 API credentials expired", "kim", ("On24",), blocked_from="00",
         reason="Waiting on ON24 support to reissue the API key."),
    Spec("07", LI, "List import: Gartner Symposium leads", "jordan", ("dg-campaigns",), blocked_from="04", weight=2,
         reason="Waiting on the sponsor to send the opt-in column."),
    # 08 Completed, still open.
    Spec("08", GR, "Marketo webinar channel for On24 simulive events", "kim", ("Marketo", "On24"), weight=2),
    Spec("08", PC, "LeanData: auto-convert leads that match an existing account", "alex", ("LeanData",), weight=5),
    Spec("08", GR, "Q3 highlights tracker", "dana", ("mktgops-highlights",), assignee="dana", weight=1),
    Spec("08", GR, "Retire unused Outreach-io sequences", "alex", ("Outreach-io", "Mktg Tool Audit"), weight=2),
    # Closed in the current milestone.
    Spec("closed_current", B, "Unsubscribe link broken in the EMEA newsletter template", "theo", ("Marketo",),
         weight=1),
    Spec("closed_current", LI, "List import: customer advisory board attendees", "jordan", (), weight=1),
    # In the milestone that ended and has not been rolled over yet.
    Spec("ended_open", GR, "Sunset the legacy Marketo lead scoring model", "theo", ("Marketo", "MktgOps-Current-OKR"),
         weight=8, rollover_reason="Waiting on Sales to sign off the new scoring model; carries into the next "
         "milestone."),
    Spec("ended_open", GR, "Bizible: offline channel mapping for field events", "jordan", ("Bizible",), weight=5,
         rollover_reason="AMER mapping is done; EMEA and APAC are still to do."),
    Spec("ended_open", PC, "LeanData territory changes for FY28 planning", "alex",
         ("LeanData", "MktgOps/Systems-Request", "MktgOpsPrio::02: Actioned"), weight=5,
         rollover_reason="The territory file from Sales Ops arrived two days before the milestone ended."),
    Spec("ended_open", B, "PathFactory cookie consent blocks content tracking", "kim", ("PathFactory",), weight=3),
    Spec("ended_open", GR, "Drift bot copy refresh for the new pricing", "kim", ("Drift",), weight=2),
    Spec("ended_open", LI, "List import: DevOps World Tour London", "jordan", ("dg-campaigns",), weight=2,
         rollover_reason="De-duplicating against existing contacts took longer than planned; importing Monday."),
    Spec("ended_blocked", GR, "Demandbase: connect the new advertising account", "sofia", ("Demandbase", "ABM"),
         blocked_from="04", weight=2, reason="Waiting on the ads team for admin access to the new account."),
    Spec("ended_completed", GR, "Clean up the Q2 webinars program folder in Marketo", "theo",
         ("Marketo", "MktgOps-Support"), weight=1),
    # Closed in the ended milestone.
    Spec("closed_ended", B, "Leads with a blank country skipped by the LeanData router", "alex", ("LeanData",),
         weight=2),
    Spec("closed_ended", LI, "List import: Google Cloud Next booth scans", "jordan", ("dg-campaigns",), weight=2),
    Spec("closed_ended", GR, "UTM capture on every Marketo landing page form", "kim", ("Marketo",), weight=3),
    Spec("closed_ended", PC, "Initial Source: Paid Social counted in the inbound bucket", "theo",
         ("MktgOps - changelog",), weight=1),
    Spec("closed_ended", GR, "Outreach-io sequence for trial sign-ups", "alex", ("Outreach-io",), weight=2),
    Spec("closed_ended", GR, "Handbook: document the list import turnaround", "priya", ("MktgOps - HB Update",),
         weight=1),
    # Closed in the milestone before, which is itself closed.
    Spec("closed_old", B, "Marketo sync errors after a Salesforce field was deleted", "kim", ("Marketo",), weight=3),
    Spec("closed_old", GR, "ZoomInfo monthly license review", "alex", ("ZoomInfo", "Mktg Tool Audit"), weight=1),
    Spec("closed_old", GR, "Bizible reporting view for ABM accounts", "sofia", ("Bizible", "ABM"), weight=3),
    Spec("closed_old", LI, "List import: AWS Summit Berlin", "jordan", ("dg-campaigns",), weight=2),
    Spec("closed_old", TE, "Evaluate a survey tool for event feedback", "jordan", (), weight=5),
    Spec("closed_old", GR, "Lifecycle stage dashboard", "theo", ("MktgOps-Proposed-OKR", "lifecycle-mktg"),
         weight=5),
]  # fmt: skip

PRIORITIES = ["MktgOpsPriority::High", "MktgOpsPriority::Medium", "MktgOpsPriority::Low", None]

DESCRIPTIONS: dict[str, str] = {
    RequestType.BUG: "**What happens**\n{title}.\n\n**What should happen**\nThe data flows as documented in the "
    "handbook.\n\n**Since when / how often**\nNoticed this week; several records a day.",
    RequestType.PROCESS_CHANGE: "**The change**\n{title}.\n\n**Why**\nThe current process costs the team time "
    "every week and confuses reporting.\n\n**Who is affected**\nSDRs, Field Marketing and reporting in Sisense.",
    RequestType.TOOL_EVALUATION: "**What we want to evaluate**\n{title}.\n\n**Problem it solves**\nWe lack this "
    "capability today.\n\n**Budget owner**\nTo be confirmed.",
    RequestType.LIST_IMPORT: "**Event / source**\n{title}.\n\n**Rows**\nAbout 1,000.\n\n**Campaign**\nSalesforce "
    "campaign created; Initial Source: Conference.",
    RequestType.GENERAL: "**Request**\n{title}.\n\n**Goal**\nSupport the campaigns planned for next quarter.\n\n"
    "**Due**\nBy the end of the month if possible.",
}


@dataclass
class DemoResult:
    created: bool
    users: list[DemoUser] = field(default_factory=list)
    issues: int = 0
    milestones: int = 0


def demo_data_exists() -> bool:
    return User.objects.filter(username=MANAGER_USERNAME).exists()


def demo_data_load() -> DemoResult:
    """Build the demo once; when the demo team already exists, change nothing."""
    if demo_data_exists():
        return DemoResult(created=False, users=DEMO_USERS)
    now = timezone.now()  # the demo's present: every step it replays happened before it
    with transaction.atomic():
        if not Label.objects.filter(name="MktgOpsPriority::High").exists():
            taxonomy_seed()
        users = _users_create()
        milestones = _milestones_create()
        issues = [_issue_build(spec, i, users, milestones, now) for i, spec in enumerate(SPECS)]
        _history_create(users, milestones)
        _milestones_finish(milestones, users[MANAGER_USERNAME])
        _fast_tracks_set(users)
    return DemoResult(created=True, users=DEMO_USERS, issues=len(issues), milestones=Milestone.objects.count())


def _fast_tracks_set(users: dict) -> None:
    """Mark the open, not yet actioned Sales Systems requests as fast track, so SLAs show (one breached)."""
    from sales_systems.models import FastTrack
    from sales_systems.services import systems_request_set_fast_track

    waiting = (
        Issue.objects.filter(labels__name="MktgOps/Systems-Request", closed_at__isnull=True)
        .exclude(labels__name=PRIO_ORDER[2])
        .order_by("created_at")
    )
    kinds = [FastTrack.PERMISSION_SET, FastTrack.NEW_FIELD]
    for issue, kind in zip(waiting, kinds, strict=False):
        systems_request_set_fast_track(issue=issue, fast_track=kind, by=users[MANAGER_USERNAME])


def _users_create() -> dict[str, Any]:
    mktgops = Group.objects.get_or_create(name=MKTGOPS_GROUP)[0]
    managers = Group.objects.get_or_create(name=MANAGERS_GROUP)[0]
    users = {}
    for demo in DEMO_USERS:
        manager = demo.role == "manager"
        user = User.objects.create_user(
            username=demo.username, email=demo.email, password=demo.password, first_name=demo.first_name,
            last_name=demo.last_name, is_staff=manager, is_superuser=manager,
        )  # fmt: skip
        if demo.role in ("ic", "manager"):
            user.groups.add(mktgops)
        if manager:
            user.groups.add(managers)
        users[demo.username] = user
    return users


@dataclass
class DemoMilestones:
    old: Milestone  # closed
    ended: Milestone  # ended, not yet rolled over
    current: Milestone
    ahead: list[Milestone]

    @property
    def all(self) -> list[Milestone]:
        return [self.old, self.ended, self.current, *self.ahead]


def _milestones_create() -> DemoMilestones:
    milestones_ensure_ahead()
    current = milestone_current()
    assert current is not None  # milestones_ensure_ahead created it
    ended = milestone_create_for_period(**_period_before(current.start_date))
    old = milestone_create_for_period(**_period_before(ended.start_date))
    ahead, cursor = [], current
    for _ in range(2):
        cursor = cast(Milestone, milestone_next(cursor))  # milestones_ensure_ahead created MILESTONES_AHEAD (3)
        ahead.append(cursor)
    return DemoMilestones(old=old, ended=ended, current=current, ahead=ahead)


def _period_before(start: datetime.date) -> dict:
    begin, due = cadence_period(start - datetime.timedelta(days=1))
    return {"start": begin, "due": due}


# Earlier milestones' work, so reports have a past: (title, where it starts, where it is completed or None,
# assignee). The two that start three milestones back and are still open are the chronic roll-overs.
HISTORY = [
    ("Q2 webinar list clean-up in Marketo", 3, 3, "priya"),
    ("Retire the legacy Drift playbooks", 3, 2, "marco"),
    ("ZoomInfo enrichment schedule review", 2, 2, "hana"),
    ("Marketo instance consolidation: migrate legacy programs", 2, None, "priya"),
    ("Bizible touchpoint mapping overhaul", 2, None, "marco"),
    ("Outreach sequence governance guidelines", 1, 0, "hana"),
    ("LeanData audit of stale routing nodes", 1, 1, "priya"),
    ("Consolidate duplicate webcast programs", 0, None, "hana"),
]
HISTORY_REASONS = {
    "Marketo instance consolidation: migrate legacy programs": "Waiting on the Marketo admin seat from Procurement.",
    "Outreach sequence governance guidelines": "Sales leadership review moved to next week.",
}


def _history_create(users: dict, ms: DemoMilestones) -> None:
    """Three earlier milestones and their roll-overs, run as on the days they happened."""
    earlier: list[Milestone] = []
    cursor = ms.old
    for _ in range(3):
        cursor = milestone_create_for_period(**_period_before(cursor.start_date))
        earlier.insert(0, cursor)
    chain = [*earlier, ms.old]  # index 3 = ms.old, 2 = the one before, ...; HISTORY counts back from ms.old
    at_index = {3: chain[0], 2: chain[1], 1: chain[2], 0: chain[3]}
    manager = users[MANAGER_USERNAME]
    placed = []
    for title, start, done_in, who in HISTORY:
        ic, milestone = users[who], at_index[start]
        filed = _at(milestone.start_date - datetime.timedelta(days=3), 9)
        issue = issue_create(requester=users["jordan"], title=title, description=f"{title}.\n\nFiled for planning.",
                             request_type=RequestType.PROCESS_CHANGE, now=filed)  # fmt: skip
        # Planned before the milestone started, picked up on its first morning.
        issue_update(issue=issue, by=ic, assignee=ic, milestone=milestone, now=filed + datetime.timedelta(hours=6))
        issue_move(issue_id=issue.pk, to_stage=Stage.IN_PROGRESS, by=ic, now=_at(milestone.start_date, 9))
        placed.append((issue, done_in, ic))
    for back in (3, 2, 1, 0):
        milestone = at_index[back]
        for issue, done_in, ic in placed:
            issue.refresh_from_db()
            if done_in == back:
                done = _at(milestone.due_date - datetime.timedelta(days=2), 14)
                issue_move(issue_id=issue.pk, to_stage=Stage.COMPLETED, by=ic, reason="Done and verified.", now=done)
                issue_close(issue=issue, by=ic, now=done + datetime.timedelta(minutes=10))
            elif issue.milestone_id == milestone.pk and issue.title in HISTORY_REASONS and back <= 1:
                issue_update(
                    issue=issue, by=ic, rollover_reason=HISTORY_REASONS[issue.title],
                    now=_at(milestone.due_date - datetime.timedelta(days=1), 11),
                )  # fmt: skip
        next_start = milestone.due_date + datetime.timedelta(days=1)
        milestone_rollover(milestone=milestone, by=manager, day=next_start, now=_at(next_start, 7))
    for milestone in earlier:
        milestone_record_handbook_mr(milestone=milestone, url=_mr_url(70000 + milestone.pk), merged=True)
        milestone_close(milestone=milestone, by=manager, now=_at(milestone.due_date + datetime.timedelta(days=1), 10))


def _milestones_finish(ms: DemoMilestones, manager) -> None:
    # The old milestone's handbook MR was merged, so it could be closed; the ended one's is still open.
    milestone_record_handbook_mr(milestone=ms.old, url=_mr_url(71109), merged=True)
    milestone_close(milestone=ms.old, by=manager, now=_at(ms.old.due_date + datetime.timedelta(days=1), 10))
    milestone_record_handbook_mr(milestone=ms.ended, url=_mr_url(71342), merged=False)
    milestone_record_handbook_mr(milestone=ms.current, url=_mr_url(71518), merged=False)


def _mr_url(number: int) -> str:
    return f"https://gitlab.com/gitlab-com/www-gitlab-com/-/merge_requests/{number}"


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class _Clock:
    """When one issue's steps happen, in order: each call is the next step, some hours after the last one and
    always before `until` (so never in the demo's future); `enter` moves on to the milestone it is worked in."""

    GAP = datetime.timedelta(hours=19)  # about a working day, at a different hour each step

    def __init__(self, start: datetime.datetime, until: datetime.datetime, now: datetime.datetime):
        self.t, self.until, self.now = start, until, now

    def __call__(self) -> datetime.datetime:
        step = min(self.GAP, (self.until - self.t) / 2)
        self.t += max(step, datetime.timedelta(seconds=1))
        return self.t

    def enter(self, milestone: Milestone, *, late: bool = False) -> datetime.datetime:
        """The moment the issue is put into `milestone`: the afternoon before it starts, or a few days in when it
        is scope added late. The steps after it happen within the milestone's dates (the guards ask for them)."""
        start, end = _at(milestone.start_date, 9), min(_at(milestone.due_date, 17), self.now)
        midnight = _at(milestone.start_date, 0)
        if end <= start:  # the milestone began today, before working hours
            start, end = midnight, max(end, midnight + datetime.timedelta(minutes=1))
        added = _at(milestone.start_date + datetime.timedelta(days=3), 10)
        if late and self.t < added < end - datetime.timedelta(hours=2):
            planned = added
        else:
            planned = max(self(), _at(milestone.start_date - datetime.timedelta(days=1), 16))
        self.t, self.until = max(planned, start), end
        return planned


def _worked_in(spec: Spec, ms: DemoMilestones) -> Milestone | None:
    """The milestone an issue is worked in (moved to 04 and on), or None for one that never gets there."""
    plan = spec.plan
    if plan.startswith("ended") or plan == "closed_ended":
        return ms.ended
    if plan == "closed_old":
        return ms.old
    if plan in ("04", "05", "06", "08", "closed_current") or spec.blocked_from in ("04", "05"):
        return ms.current
    return None


def _clock_for(spec: Spec, index: int, ms: DemoMilestones, now: datetime.datetime) -> _Clock:
    """When the issue was filed (its clock's start) and until when it is triaged."""
    jitter = datetime.timedelta(days=index % 5, hours=(index * 7) % 9)
    milestone = _worked_in(spec, ms)
    if milestone is not None:
        start = milestone.start_date
        return _Clock(
            _at(start, 9) - datetime.timedelta(days=3) - jitter, _at(start - datetime.timedelta(days=1), 12), now
        )
    if spec.plan == "00":
        filed = now - datetime.timedelta(days=1 + index % 4, hours=(index * 5) % 11)
        return _Clock(filed, now - datetime.timedelta(hours=1), now)
    return _Clock(now - datetime.timedelta(days=6) - jitter, now - datetime.timedelta(hours=2 + index % 5), now)


def _issue_build(spec: Spec, index: int, users: dict, ms: DemoMilestones, now: datetime.datetime) -> Issue:
    requester = users[spec.requester]
    ic = users[spec.assignee or IC_USERNAMES[index % len(IC_USERNAMES)]]
    clock = _clock_for(spec, index, ms, now)
    issue = issue_create(
        requester=requester, title=spec.title, description=DESCRIPTIONS[spec.request_type].format(title=spec.title),
        request_type=spec.request_type, confidential=spec.confidential,
        labels=[name for name in spec.labels if name not in PRIO_ORDER], now=clock.t,
    )  # fmt: skip
    # Sales Systems prioritisation moves one step at a time, as the team would have moved it.
    held = [name for name in spec.labels if name in PRIO_ORDER]
    if held:
        for step in PRIO_ORDER[: PRIO_ORDER.index(held[0]) + 1]:
            labels_attach(issue=issue, labels=[Label.objects.get(name=step)], by=requester, now=clock())
    priority = PRIORITIES[index % len(PRIORITIES)]
    if priority and spec.plan != "00":
        labels_attach(issue=issue, labels=[Label.objects.get(name=priority)], by=ic, now=clock())
    plan = spec.plan
    if plan == "00":
        pass
    elif plan == "01":
        comment_create(issue=issue, author=ic, body=f"Thanks for the request! {spec.reason}", now=clock())
        issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic, reason=spec.reason, now=clock())
    elif plan == "02":
        _ready(issue, ic, clock)
        if (spec.weight or 0) >= 21:
            issue_update(issue=issue, by=ic, weight=spec.weight, now=clock())
            comment_create(issue=issue, author=ic, body="This is bigger than one milestone; promoting it to an epic.",
                           now=clock())  # fmt: skip
            issue_promote_to_epic(issue=issue, by=ic, now=clock())
    elif plan == "03":
        _assigned(issue, ic, spec, ms.ahead[spec.future - 1], clock)
    elif plan == "07":
        _blocked(issue, ic, spec, ms, requester, clock)
    else:
        _worked(issue, ic, spec, cast(Milestone, _worked_in(spec, ms)), requester, clock)  # the other plans all work
    for author, body in spec.comments:
        comment_create(issue=issue, author=users[author], body=body, now=clock())
    return issue


def _ready(issue: Issue, ic, clock: _Clock) -> None:
    comment_create(issue=issue, author=ic, body="Acknowledged; gathering requirements before we slot it.", now=clock())
    issue_move(issue_id=issue.pk, to_stage=Stage.READY, by=ic, now=clock())


def _assigned(issue: Issue, ic, spec: Spec, milestone: Milestone, clock: _Clock) -> None:
    _ready(issue, ic, clock)
    issue_update(issue=issue, by=ic, assignee=ic, milestone=milestone, weight=spec.weight, now=clock())
    issue_move(issue_id=issue.pk, to_stage=Stage.ASSIGNED, by=ic, now=clock())


def _in_progress(issue: Issue, ic, spec: Spec, milestone: Milestone, clock: _Clock) -> None:
    _ready(issue, ic, clock)
    # One issue in five was added after the milestone started (the report tells it from planned work).
    planned = clock.enter(milestone, late=issue.pk % 5 == 0)
    issue_update(issue=issue, by=ic, assignee=ic, milestone=milestone, weight=spec.weight, now=planned)
    issue_move(issue_id=issue.pk, to_stage=Stage.IN_PROGRESS, by=ic, now=clock())
    comment_create(issue=issue, author=ic, body="Picked this up; building it in the sandbox first.", now=clock())


def _review(issue: Issue, ic, requester, clock: _Clock) -> None:
    issue_update(issue=issue, by=ic, business_owner=requester, now=clock())
    issue_move(issue_id=issue.pk, to_stage=Stage.REVIEW, by=ic, now=clock())
    comment_create(
        issue=issue, author=ic,
        body=f"Demoed on our call. @{requester.username}, please review and sign off when you're happy.", now=clock(),
    )  # fmt: skip


def _signed_off(issue: Issue, ic, requester, clock: _Clock) -> None:
    _review(issue, ic, requester, clock)
    comment_create(issue=issue, author=requester, body="Looks great, signing off.", now=clock())
    issue_sign_off(issue=issue, by=requester, now=clock())
    issue_move(issue_id=issue.pk, to_stage=Stage.READY_TO_DEPLOY, by=ic, now=clock())


def _blocked(issue: Issue, ic, spec: Spec, ms: DemoMilestones, requester, clock: _Clock) -> None:
    stage = spec.blocked_from
    if stage == Stage.READY:
        _ready(issue, ic, clock)
    elif stage == Stage.ASSIGNED:
        _assigned(issue, ic, spec, ms.ahead[0], clock)
    elif stage == Stage.IN_PROGRESS:
        _in_progress(issue, ic, spec, ms.current, clock)
    elif stage == Stage.REVIEW:
        _in_progress(issue, ic, spec, ms.current, clock)
        _review(issue, ic, requester, clock)
    comment_create(issue=issue, author=ic, body=f"Blocked: {spec.reason}", now=clock())
    issue_move(issue_id=issue.pk, to_stage=Stage.BLOCKED, by=ic, reason=spec.reason, now=clock())


def _worked(issue: Issue, ic, spec: Spec, milestone: Milestone, requester, clock: _Clock) -> None:
    """Plans that pass through In Progress in `milestone` (current, ended or old), on days it was running."""
    plan = spec.plan
    _in_progress(issue, ic, spec, milestone, clock)
    if plan in ("05", "06"):
        (_review if plan == "05" else _signed_off)(issue, ic, requester, clock)
        return
    if plan == "ended_blocked":
        comment_create(issue=issue, author=ic, body=f"Blocked: {spec.reason}", now=clock())
        issue_move(issue_id=issue.pk, to_stage=Stage.BLOCKED, by=ic, reason=spec.reason, now=clock())
    if plan in ("08", "closed_current", "ended_completed", "closed_ended", "closed_old"):
        if plan in ("08", "closed_ended") and issue.pk % 2:
            _signed_off(issue, ic, requester, clock)
            issue_move(issue_id=issue.pk, to_stage=Stage.COMPLETED, by=ic, now=clock())
        else:
            issue_move(
                issue_id=issue.pk, to_stage=Stage.COMPLETED, by=ic, reason="Deployed and verified in production.",
                now=clock(),
            )  # fmt: skip
    if spec.rollover_reason:
        issue_update(issue=issue, by=ic, rollover_reason=spec.rollover_reason, now=clock())
    if plan.startswith("closed"):
        comment_create(issue=issue, author=ic, body="Done and verified; closing. Comment here if anything looks off.",
                       now=clock())  # fmt: skip
        issue_close(issue=issue, by=ic, now=clock())
