"""The handbook's taxonomy as data: labels, Slack channel rules, Initial Source values, lead statuses.

Copied from the Marketing Operations handbook page (Labeling, Handbook Updates, Tool usage, Initial Source
and Lead and Contact Statuses sections). Names are facts and match the handbook letter for letter; the
seed service (`labels.services.taxonomy_seed`) loads them. Kept as literals so the app never reads the
handbook at run time.
"""

from dataclasses import dataclass

from labels.models import LabelKind, SourceStatus


@dataclass(frozen=True)
class LabelSeed:
    name: str
    kind: str
    description: str
    color: str
    timeframe: str = ""


# One colour per kind; priorities and stages get one per value so the board reads at a glance.
KIND_COLORS: dict[str, str] = {
    LabelKind.CATEGORY: "#1f75cb",
    LabelKind.TOOL: "#6e49cb",
    LabelKind.TEAM: "#0b8a8a",
    LabelKind.SALES_SYSTEMS: "#b35a00",
    LabelKind.OKR: "#217645",
    LabelKind.HANDBOOK_UPDATE: "#9b2c6f",
    LabelKind.OTHER: "#6b7280",
}

PRIORITY_COLORS = {"High": "#dd2b0e", "Medium": "#e67e22", "Low": "#f2c94c"}

STAGE_COLORS = {
    "00": "#6b7280",
    "01": "#e67e22",
    "02": "#8e6fd8",
    "03": "#1f75cb",
    "04": "#0b8a8a",
    "05": "#c0398d",
    "06": "#2da160",
    "07": "#dd2b0e",
    "08": "#217645",
}


def _labels(kind: str, rows: list[tuple[str, str]]) -> list[LabelSeed]:
    return [LabelSeed(name=name, kind=kind, description=text, color=KIND_COLORS[kind]) for name, text in rows]


CATEGORY_LABELS = [
    *_labels(
        LabelKind.CATEGORY,
        [
            (
                "MktgOps - FYI",
                "Issue is not directly related to operations, no action items for MktgOps but need to be aware of "
                "the issue",
            ),
            (
                "MktgOps - List Import",
                "Used for list imports of any kind - event or general/ad hoc (do not also use To Be Triaged scoped "
                "label)",
            ),
            ("MktgOps - bug", "A bug issue to be addressed or identified by MktgOps"),
            (
                "MktgOps - changelog",
                "Used to track issues or epics that would need to be logged in the marketing changelog to track "
                "major changes across marketing",
            ),
            (
                "SMOps/Systems - Changelog",
                "Used to track changelog issues that will impact Sales Operations or Systems",
            ),
            ("MktgOps-Support", "Internal label used by MktgOps team to track non-issue work and support"),
        ],
    ),
    LabelSeed(
        name="MktgOps-Future Feature",
        kind=LabelKind.CATEGORY,
        description="Something to consider for a future project as time allows.",
        color=KIND_COLORS[LabelKind.CATEGORY],
        timeframe="As time allows",
    ),
]

TEAM_LABELS = _labels(
    LabelKind.TEAM,
    [
        (name, "Used on issues created by these teams for easier tracking of their requests.")
        for name in ("dg-campaigns", "ABM", "lifecycle-mktg")
    ],
)

TOOL_NAMES = [
    "Marketo",
    "Bizible",
    "Demandbase",
    "Drift",
    "LeanData",
    "LinkedIn Sales Navigator",
    "Outreach-io",
    "PathFactory",
    "ZoomInfo",
    "Smartling",
    "On24",
]

TOOL_LABELS = _labels(LabelKind.TOOL, [(name, "used to highlight one of our tech stack tools") for name in TOOL_NAMES])

SALES_SYSTEMS_LABELS = _labels(
    LabelKind.SALES_SYSTEMS,
    [
        ("MktgOps/Systems-Request", "Used on issues that require Sales Systems support"),
        ("MktgOpsPrio::00: Requested", "Issues that are ready for prioritization with Sales Systems"),
        ("MktgOpsPrio::01: In Queue", "Added to prioritization call agenda or `fast track` slack channel"),
        (
            "MktgOpsPrio::02: Actioned",
            "Discussed in prioritization and added to a future milestone - refer to Sales Systems labels moving "
            "forward for issue status",
        ),
    ],
)

PRIORITY_LABELS = [
    LabelSeed(
        name="MktgOpsPriority::High",
        kind=LabelKind.PRIORITY,
        description="Issue that is related to a breaking change, OKR focus, any other prioritized project by "
        "MktgOps leadership. This category will be limited because not everything can be a priority.",
        color=PRIORITY_COLORS["High"],
        timeframe="Immediate",
    ),
    LabelSeed(
        name="MktgOpsPriority::Medium",
        kind=LabelKind.PRIORITY,
        description="Issue has a specific action item for MktgOps to be completed as it is an OKR.",
        color=PRIORITY_COLORS["Medium"],
        timeframe="Within weeks",
    ),
    LabelSeed(
        name="MktgOpsPriority::Low",
        kind=LabelKind.PRIORITY,
        description="Issue is a feature to help the team or a specific action item for MktgOps that would be "
        "helpful, but can be pushed for other issues.",
        color=PRIORITY_COLORS["Low"],
        timeframe="Within months",
    ),
]

# Names equal requests_app.models.Stage labels (the handbook's trailing space after "Ready for
# Assignment" dropped); descriptions are the handbook's, typos included.
STAGE_DESCRIPTIONS = [
    (
        "00",
        "MktgOps::00: Triage",
        "General label for any issue that needs MktgOps attention, request for work and/or involvement",
    ),
    (
        "01",
        "MktgOps::01: Needs More Information",
        "Issues awaiting for information from the requester, needs more clarity in requirements, no milestone, "
        "and not assigned to MktgOps team member yet",
    ),
    (
        "02",
        "MktgOps::02: Ready for Assignment",
        "Issues that are acknowledged (in review), gathering requirements, no milestone, and not assigned to "
        "MktgOps team membe",
    ),
    (
        "03",
        "MktgOps::03: Assigned",
        "Issues that are ready to move forward, slotted to a milestone (not current), and assigned to MktgOps team "
        "member's queue",
    ),
    (
        "04",
        "MktgOps::04: In Progress",
        "Issues that are in the current milestone, assigned to MktgOps team member, and are actively being worked",
    ),
    (
        "05",
        "MktgOps::05: Business Owner Review",
        "Issues in current milestone that are near the finish line, needs to be reviewed and demoed to the "
        "business owner(s) to sign-off",
    ),
    (
        "06",
        "MktgOps::06: Ready to Deploy",
        "Issues in current milestones, sign-off(s) given by business owner, ready to be deployed by MktgOps team "
        "member",
    ),
    (
        "07",
        "MktgOps::07: Blocked",
        "Issue is blocked and no other actions can be taken by MktgOps. Waiting for someone else/another team to "
        "complete an action item before being able to proceed. May also be blocked due to external party such as "
        "a vendor to complete an action before closing.",
    ),
    (
        "08",
        "MktgOps::08: Completed",
        "MktgOps has completed their task on this issue although the issue may not be closed.",
    ),
]

STAGE_LABELS = [
    LabelSeed(name=name, kind=LabelKind.STAGE, description=text, color=STAGE_COLORS[code])
    for code, name, text in STAGE_DESCRIPTIONS
]

OKR_LABELS = _labels(
    LabelKind.OKR,
    [
        ("MktgOps-Current-OKR", "Current OKR that the MktgOps team owns"),
        ("MktgOps-Proposed-OKR", "Proposed OKR for the future, used to help track and plan for next quarter"),
        ("MktgOps-Support-OKR", "Current OKR for another team, but MktgOps is highly involved in supporting it"),
    ],
)

# The handbook-update table: label → the Slack channels a merged MR carrying it is pushed to.
HANDBOOK_UPDATE_CHANNELS = {
    "MktgOps - HB Update": ["#hbupdate-mktgops", "#mktgops"],
    "FMM-HB Update": ["#fieldmarketing-FYI"],
    "SDR-HB Update": ["#hbupdate-sdr"],
    "ABM-HB Update": ["#hbupdate-abm"],
}

_HB_PAGES = {
    "MktgOps - HB Update": "MOps",
    "FMM-HB Update": "FMM",
    "SDR-HB Update": "SDR",
    "ABM-HB Update": "ABM",
}

HANDBOOK_UPDATE_LABELS = _labels(
    LabelKind.HANDBOOK_UPDATE,
    [
        (
            name,
            f"Add to a merge request that updates the {_HB_PAGES[name]} handbook pages (or sub-pages): when merged, "
            f"the MR is pushed to {' '.join(channels)}.",
        )
        for name, channels in HANDBOOK_UPDATE_CHANNELS.items()
    ],
)

OTHER_LABELS = _labels(
    LabelKind.OTHER,
    [
        (
            "Mktg Tool Audit",
            "Issues holding the user-activity reports of the marketing tool audits (quarterly, bi-quarterly and "
            "monthly); members inactive for 45 days (30 for ZoomInfo) lose access.",
        ),
        ("mktgops-highlights", "Quarterly highlights trackers: the key results Marketing Operations accomplished."),
    ],
)

LABELS: list[LabelSeed] = [
    *CATEGORY_LABELS,
    *TEAM_LABELS,
    *TOOL_LABELS,
    *SALES_SYSTEMS_LABELS,
    *PRIORITY_LABELS,
    *STAGE_LABELS,
    *OKR_LABELS,
    *HANDBOOK_UPDATE_LABELS,
    *OTHER_LABELS,
]


@dataclass(frozen=True)
class InitialSourceSeed:
    name: str
    bucket: str
    definition: str
    status: str


_A, _I = SourceStatus.ACTIVE, SourceStatus.INACTIVE

# (Source, Source Bucket, Definition and/or transition plan) as the handbook's tables give them.
_ACTIVE_SOURCES = [
    ("CE Download", "core", "Downloaded CE version of GitLab"),
    ("CE Usage Ping", "core", "Created from CE Usage Ping data"),
    ("CORE Check-Up", "core", "Created from In-App Contact us (Handraise PQL/In-App Health Check)"),
    ("Demo", "inbound", "Filled out form to watch demo of GitLab"),
    ("Education", "inbound", "Filled out form applying to the Educational license program"),
    ("Email Request", "inbound", "Used when an email was received through an alias (_will be deprecated_)"),
    (
        "Email Subscription",
        "inbound",
        "Subscribed to our opt-in list either in preference center or various email capture field on GitLab website",
    ),
    (
        "Gated Content - General",
        "inbound",
        "Download an asset that does not fit into the other Gated Content categories",
    ),
    ("Gated Content - eBook", "inbound", "Download a digital asset categorized as an eBook"),
    ("Gated Content - Report", "inbound", "Download a gated report"),
    ("Gated Content - Video", "inbound", "Watch a gated video asset"),
    ("Gated Content - Whitepaper", "inbound", "Download a white paper"),
    ("GitLab.com", "inbound", "Registered for GitLab.com account"),
    ("Newsletter", "inbound", ""),
    ("OSS", "inbound", "Open Source Project records related to the OSS offer for free licensing"),
    ("Request - Contact", "inbound", "Filled out contact request form on GitLab website"),
    (
        "Request - Professional Services",
        "inbound",
        "Any type of request that comes in requesting to engage with our Professional Services team",
    ),
    ("Security Newsletter", "inbound", "Signed up for security alerts"),
    ("Trial - Enterprise", "trial", "In-product or web request for self-managed Enterprise license"),
    ("Trial - GitLab.com", "trial", "In-product SaaS trial request"),
    ("Web", "inbound", ""),
    ("Drift", "inbound", ""),
    ("Request - Community", "inbound", ""),
    ("Request - Public Sector", "inbound", ""),
    ("Other", "Other", ""),
    ("AE Generated", "outbound", "Sourced by an Account Executive through networking or professional groups"),
    ("LinkedIn", "outbound", ""),
    ("Prospecting", "outbound", ""),
    ("Prospecting - General", "outbound", ""),
    ("SDR Generated", "outbound", "Sourced by an SDR through networking or professional groups"),
    ("Zoominfo", "outbound", "Sourced by SDR/BDR/AE/SAL/ASM"),
    ("Cognism", "outbound", "Sourced by SDR/BDR"),
    ("Conference", "paid demand gen", "Stopped by our booth or received through event sponsorship"),
    ("Owned Event", "paid demand gen", "Events that are created, owned, run by GitLab"),
    ("Virtual Sponsorship", "paid demand gen", ""),
    ("Purchased List", "purchased list", ""),
    ("Employee Referral", "referral", ""),
    ("Partner Qualified Lead", "referral", "GitLab partner sourced, previously `partner` or `Channel Qualified Lead`"),
    ("Word of Mouth", "referral", ""),
    ("Existing Client", "referral", ""),
    ("External Referral", "referral", ""),
    ("Webcast", "virtual event", "Register for any online webcast (not incl `Demo`)"),
    ("Workshop", "virtual event", ""),
    (
        "Web Direct",
        "web direct",
        "Created when purchase is made direct through the portal (check for duplicates & merge record if found)",
    ),
    (
        "Investor",
        "outbound",
        "Sourced by our investors (i.e. - GV, Khosla, ICONIQ). The `Investor` value is coupled with the "
        "`Investor Name` custom field",
    ),
    (
        "GitLab DataMart",
        "core",
        "Created by the GitLab Marketing Database data pump. Contains leads from various internal sources",
    ),
    # The handbook's row has one cell too few (no bucket): its definition sits in the bucket column.
    ("GitLab Subscription Portal", "", "Signed up for customers portal account, but did not upgrade"),
    ("Free Registration", "core", "Sign up via Free User registration"),
    ("Paid Social", "inbound", "Sourced from Paid Social Campaigns"),
]

_INACTIVE_SOURCES = [
    ("Web Chat", "inbound", "Engaged with us through website chat bot"),
    ("Startup Application", "inbound", ""),
    ("Consultancy Request", "inbound", ""),
    ("Promotion", "paid demand gen", ""),
]

INITIAL_SOURCES: list[InitialSourceSeed] = [
    InitialSourceSeed(name, bucket, definition, _A) for name, bucket, definition in _ACTIVE_SOURCES
] + [InitialSourceSeed(name, bucket, definition, _I) for name, bucket, definition in _INACTIVE_SOURCES]


# The Lead and Contact Statuses table, in the handbook's order (the lifecycle's order).
LEAD_STATUSES: list[tuple[str, str]] = [
    ("Raw", "Untouched prospect, default status"),
    ("Inquiry", "Action was taken by the record to specifically give their contact information to GitLab"),
    ("MQL", "Marketing Qualified through systematic means"),
    ("Accepted", "Actively working to get in touch with the lead/contact"),
    ("Qualifying", "In 2-way conversation with lead/contact"),
    ("Qualified", "Progressing to next step of sales funnel (typically SAO created & hand off to Sales team)"),
    ("Disqualified", "Contact information is not now or ever valid in future; Spam form fill-out"),
    ("Recycle", "Record is not ready for our services or buying conversation now, possibly later"),
    ("Bad Data", "Incorrect data - to potentially be researched to find correct data to contact by other means"),
    ("Ineligible", "All leads/contacts that are ineligible to go through the sales process after an initial review"),
]
