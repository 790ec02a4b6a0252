import pytest

from tests.gitlab_import import export_builder as eb

ALICE, BOB, CAROL, GONE = 1, 2, 3, 99  # GONE: an author who is no longer a member

M1 = eb.milestone(1, "Sprint 2025-03-03", "2025-03-03", "2025-03-16", "closed")
M2 = eb.milestone(2, "Sprint 2025-03-17", "2025-03-17", "2025-03-30", "closed")
M3 = eb.milestone(3, "Sprint 2025-03-31", "2025-03-31", "2025-04-13")
M4 = eb.milestone(4, "Q2 catch-up", "2025-04-16", "2025-04-25")  # off the two-week cadence

L_TRIAGE = eb.label(1, "MktgOps::00: Triage")
L_ASSIGNED = eb.label(2, "MktgOps::03: Assigned")
L_IN_PROGRESS = eb.label(3, "MktgOps::04: In Progress")
L_DEPLOY = eb.label(4, "MktgOps::06: Ready to Deploy")
L_BLOCKED = eb.label(5, "MktgOps::07: Blocked")
L_OLD_TRIAGE = eb.label(6, "MktgOps::0 - To Be Triaged")
L_HIGH = eb.label(7, "MktgOpsPriority::High", "#dd2b0e")
L_LOW = eb.label(8, "MktgOpsPriority::Low", "#f2c94c")
L_MARKETO = eb.label(9, "Marketo")
L_ODD = eb.label(10, "Webinar follow-up", "#ff00aa", "A label the portal does not know")


def issue(issue_id, iid, title, **fields) -> dict:
    base = {
        "id": issue_id, "title": title, "author_id": ALICE, "project_id": 5,
        "created_at": "2025-03-01T10:00:00.000Z", "updated_at": "2025-04-01T10:00:00.000Z", "position": 0,
        "branch_name": None, "description": f"{title}, in detail.", "state": "opened", "iid": iid,
        "updated_by_id": None, "confidential": False, "due_date": None, "moved_to_id": None, "weight": None,
        "closed_at": None, "issue_assignees": [], "label_links": [], "notes": [], "resource_label_events": [],
        "resource_milestone_events": [],
    }  # fmt: skip
    base.update(fields)
    return base


def team_issues() -> list[str]:
    """The small project of the tests: four issues, a malformed line, an issue without a title."""
    one = issue(
        401, 1, "Marketo webinar program for Q2", author_id=BOB, weight=3, due_date="2025-04-20",
        issue_assignees=[{"user_id": ALICE, "issue_id": 401}, {"user_id": BOB, "issue_id": 401}],
        milestone=M3, label_links=[eb.label_link(1, 401, L_IN_PROGRESS), eb.label_link(2, 401, L_HIGH),
                                   eb.label_link(3, 401, L_MARKETO)],
        notes=[
            eb.note(11, 401, BOB, "The program template is ready for review.", "2025-03-05T12:00:00.000Z"),
            eb.note(12, 401, ALICE, "changed the description", "2025-03-06T08:00:00.000Z", system=True),
        ],
        resource_label_events=[
            eb.label_event(21, 401, "add", L_TRIAGE, BOB, "2025-03-01T10:00:00.000Z"),
            eb.label_event(22, 401, "remove", L_TRIAGE, ALICE, "2025-03-02T10:00:00.000Z"),
            eb.label_event(23, 401, "add", L_IN_PROGRESS, ALICE, "2025-03-02T10:00:00.000Z"),
        ],
        resource_milestone_events=[
            eb.milestone_event("add", M1, ALICE, "2025-03-01T11:00:00.000Z"),
            eb.milestone_event("add", M2, ALICE, "2025-03-17T09:00:00.000Z"),  # rolled over from M1
            eb.milestone_event("add", M3, ALICE, "2025-03-31T09:00:00.000Z"),  # and again from M2
        ],
    )  # fmt: skip
    two = issue(
        402, 2, "Upload the attendee list from the booth", author_id=CAROL, confidential=True,
        label_links=[eb.label_link(4, 402, L_OLD_TRIAGE), eb.label_link(5, 402, L_ODD)],
        notes=[eb.note(13, 402, CAROL, "The list has e-mail addresses in it.", "2025-03-10T09:00:00.000Z")],
    )  # fmt: skip
    three = issue(
        403, 3, "Fix the lead routing rule", state="closed", closed_at="2025-03-25T16:00:00.000Z", milestone=M2,
        issue_assignees=[{"user_id": BOB, "issue_id": 403}],
        resource_label_events=[
            eb.label_event(24, 403, "add", L_DEPLOY, BOB, "2025-03-20T10:00:00.000Z"),
            eb.label_event(25, 403, "remove", L_DEPLOY, BOB, "2025-03-25T16:00:00.000Z"),
        ],
        resource_milestone_events=[eb.milestone_event("add", M2, BOB, "2025-03-18T09:00:00.000Z")],  # added late
    )  # fmt: skip
    four = issue(
        404, 4, "Vendor contract for the intent data tool", author_id=GONE, milestone=M4,
        issue_assignees=[{"user_id": ALICE, "issue_id": 404}],
        label_links=[eb.label_link(6, 404, L_BLOCKED), eb.label_link(7, 404, L_HIGH), eb.label_link(8, 404, L_LOW)],
        resource_label_events=[
            eb.label_event(26, 404, "add", L_ASSIGNED, ALICE, "2025-04-02T10:00:00.000Z"),
            eb.label_event(27, 404, "add", L_HIGH, ALICE, "2025-04-02T10:00:00.000Z"),
            eb.label_event(28, 404, "add", L_LOW, ALICE, "2025-04-03T10:00:00.000Z"),
            eb.label_event(29, 404, "add", L_BLOCKED, ALICE, "2025-04-04T10:00:00.000Z"),
        ],
        resource_milestone_events=[eb.milestone_event("add", M4, ALICE, "2025-04-10T09:00:00.000Z")],
    )  # fmt: skip
    return [
        eb.dumps(one),
        eb.dumps(two),
        eb.dumps(three),
        eb.dumps(four),
        '{"id":405,"iid":5,"title":"A line cut short',
        eb.dumps(issue(406, 6, "")),
    ]


def write_team_export(path, issue_lines=None):
    return eb.write_export(
        path,
        project={"description": "Marketing Operations", "visibility_level": 0, "path": "marketing-operations"},
        labels=[L_TRIAGE, L_ASSIGNED, L_IN_PROGRESS, L_DEPLOY, L_BLOCKED, L_OLD_TRIAGE, L_HIGH, L_LOW, L_MARKETO,
                L_ODD],
        milestones=[M1, M2, M3, M4],
        members=[eb.member(ALICE, "alice", 40), eb.member(BOB, "bob"), eb.member(CAROL, "carol")],
        issue_lines=issue_lines if issue_lines is not None else team_issues(),
    )  # fmt: skip


@pytest.fixture
def team_export(tmp_path):
    """The team's GitLab project as an export file."""
    return write_team_export(tmp_path / "marketing-operations_export.tar.gz")
