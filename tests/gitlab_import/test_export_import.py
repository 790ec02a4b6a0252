"""Importing the team's GitLab export: exact issues, stages, labels, milestones, comments and history."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from gitlab_import.export_file import ExportFile
from gitlab_import.models import ImportedIssue
from gitlab_import.records import BadInput
from gitlab_import.services import gitlab_import
from labels.models import Label
from milestones.models import Milestone
from requests_app.models import (
    Comment,
    EventKind,
    Issue,
    IssueEvent,
    IssueTransition,
    MembershipEntered,
    MembershipLeft,
    MilestoneMembership,
    Stage,
)
from rollover.models import Rollover, RolloverEntry, RolloverStatus
from rollover.selectors import milestone_report, milestones_due_for_rollover
from tests import factories
from tests.gitlab_import.conftest import write_team_export

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def _taxonomy_labels(db):
    # The handbook's labels the export uses, as seed_taxonomy makes them.
    for name in ("Marketo", "MktgOpsPriority::High", "MktgOpsPriority::Low"):
        factories.LabelFactory(name=name)


def run_import(path, **kwargs):
    return gitlab_import(reader=ExportFile(path), instance="gitlab.com", **kwargs)


def by_iid(iid: int) -> Issue:
    return ImportedIssue.objects.get(source="gitlab.com", project="marketing-operations", iid=iid).issue


def snapshot() -> dict:
    """Everything an import writes, row by row."""
    return {
        "issues": list(Issue.objects.order_by("pk").values()),
        "labels": list(Label.objects.order_by("pk").values()),
        "issue_labels": list(Issue.labels.through.objects.order_by("pk").values()),
        "milestones": list(Milestone.objects.order_by("pk").values()),
        "comments": list(Comment.objects.order_by("pk").values()),
        "events": list(IssueEvent.objects.order_by("pk").values()),
        "transitions": list(IssueTransition.objects.order_by("pk").values()),
        "memberships": list(MilestoneMembership.objects.order_by("pk").values()),
        "rollovers": list(Rollover.objects.order_by("pk").values()),
        "rollover_entries": list(RolloverEntry.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "username", "is_active", "password")),
    }


def test_export_is_read_line_by_line_and_a_malformed_line_names_its_file_and_line(team_export):
    with ExportFile(team_export) as export:
        export.members()
        records = list(export.issues())
    bad = [r for r in records if isinstance(r, BadInput)]
    assert [r.iid for r in records if not isinstance(r, BadInput)] == [1, 2, 3, 4]
    assert [(b.where, b.line) for b in bad] == [("tree/project/issues.ndjson", 5), ("tree/project/issues.ndjson", 6)]
    assert "not JSON" in bad[0].message
    assert "title is missing" in bad[1].message


def test_a_line_with_a_number_over_the_digit_limit_is_a_bad_line_not_a_crash(tmp_path):
    # json.loads raises a plain ValueError (no .msg) for an integer longer than Python's digit limit.
    from tests.gitlab_import import export_builder as eb

    path = eb.write_export(
        tmp_path / "huge.tar.gz", project={"path": "p"}, labels=[], milestones=[], members=[],
        issue_lines=['{"iid": ' + "1" * 5000 + "}"],
    )  # fmt: skip
    with ExportFile(str(path)) as export:
        records = list(export.issues())
    assert [(r.line, r.message.startswith("not JSON")) for r in records if isinstance(r, BadInput)] == [(1, True)]


def test_import_creates_the_issues_keyed_by_source_project_and_iid(team_export):
    summary = run_import(team_export)

    assert summary.counts["issues"] == {"created": 4}
    assert Issue.objects.count() == 4
    one = by_iid(1)
    assert one.title == "Marketo webinar program for Q2"
    assert one.description == "Marketo webinar program for Q2, in detail."
    assert one.requester.username == "bob"
    assert one.assignee.username == "alice"
    assert one.weight == 3
    assert one.due_date == datetime.date(2025, 4, 20)
    assert one.created_at == datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC)
    assert one.milestone.title == "Sprint 2025-03-31"
    assert one.closed_at is None
    three = by_iid(3)
    assert three.closed_at == datetime.datetime(2025, 3, 25, 16, tzinfo=datetime.UTC)
    assert three.closed_in_milestone == three.milestone


def test_stages_come_from_the_scoped_labels_through_an_imported_transition(team_export):
    run_import(team_export)

    assert {iid: by_iid(iid).stage for iid in (1, 2, 3, 4)} == {
        1: Stage.IN_PROGRESS,
        2: Stage.TRIAGE,  # the older spelling MktgOps::0 - To Be Triaged
        3: Stage.READY_TO_DEPLOY,  # closed without a stage label: its last known stage
        4: Stage.BLOCKED,
    }
    assert by_iid(4).blocked_from == Stage.ASSIGNED  # the stage label it had before Blocked
    for iid in (1, 2, 3, 4):
        log = list(by_iid(iid).transitions.values_list("from_stage", "to_stage", "imported"))
        assert log == [(Stage.TRIAGE, by_iid(iid).stage, True)]
    move = by_iid(1).transitions.get()
    assert move.at == datetime.datetime(2025, 3, 2, 10, tzinfo=datetime.UTC)
    assert "MktgOps::04: In Progress" in move.reason


def test_other_labels_one_per_scope_unknown_ones_created_and_marked_imported(team_export):
    summary = run_import(team_export)

    assert set(by_iid(1).labels.values_list("name", flat=True)) == {"MktgOpsPriority::High", "Marketo"}
    # High and Low share a scope: the one added last (Low) is kept, and the conflict is reported.
    assert set(by_iid(4).labels.values_list("name", flat=True)) == {"MktgOpsPriority::Low"}
    assert any("MktgOpsPriority::" in d and "MktgOpsPriority::High dropped" in d for d in summary.decisions)
    odd = Label.objects.get(name="Webinar follow-up")
    assert (odd.imported, odd.color) == (True, "#ff00aa")
    assert not Label.objects.get(name="Marketo").imported
    # Stage labels never become labels: the stage is the issue's FSM field.
    assert not Label.objects.filter(name__startswith="MktgOps::").exists()


def test_milestones_keep_their_dates_are_marked_imported_and_never_rolled_over_again(team_export):
    run_import(team_export)

    rows = {m.title: m for m in Milestone.objects.all()}
    assert set(rows) == {"Sprint 2025-03-03", "Sprint 2025-03-17", "Sprint 2025-03-31", "Q2 catch-up"}
    assert all(m.imported for m in rows.values())
    assert (rows["Q2 catch-up"].start_date, rows["Q2 catch-up"].due_date) == (
        datetime.date(2025, 4, 16),
        datetime.date(2025, 4, 25),
    )
    assert rows["Sprint 2025-03-03"].closed_at is not None
    assert rows["Sprint 2025-03-31"].closed_at is None
    # Ended long ago: their rollovers are recorded as done, without a Slack thread, so the daily job leaves them.
    assert not milestones_due_for_rollover().filter(imported=True).exists()
    assert set(Rollover.objects.values_list("status", "parent_ts")) == {(RolloverStatus.DONE, "")}


def test_notes_become_comments_and_system_notes_timeline_events(team_export):
    run_import(team_export)
    one = by_iid(1)

    comments = list(one.comments.values_list("author__username", "body", "created_at", "is_system"))
    assert comments[0] == (
        "bob",
        "The program template is ready for review.",
        datetime.datetime(2025, 3, 5, 12, tzinfo=datetime.UTC),
        False,
    )
    # Two assignees in GitLab: the portal keeps the first, and says who else was.
    assert comments[1][3] is True
    assert "@bob" in comments[1][1]
    note = one.events.get(kind=EventKind.GITLAB_NOTE)
    assert (note.by.username, note.new_value) == ("alice", "changed the description")
    labels = list(
        one.events.filter(kind__in=[EventKind.LABEL_ADDED, EventKind.LABEL_REMOVED]).values_list(
            "kind", "old_value", "new_value"
        )
    )
    assert labels == [
        (EventKind.LABEL_ADDED, "", "MktgOps::00: Triage"),
        (EventKind.LABEL_REMOVED, "MktgOps::00: Triage", ""),
        (EventKind.LABEL_ADDED, "", "MktgOps::04: In Progress"),
    ]


def test_milestone_events_become_the_membership_history_with_rollovers(team_export):
    run_import(team_export)
    one = by_iid(1)

    stays = list(
        MilestoneMembership.objects.filter(issue=one).values_list("milestone__title", "entered_how", "left_how")
    )
    assert stays == [
        ("Sprint 2025-03-03", MembershipEntered.PLANNED, MembershipLeft.ROLLED_OUT),
        ("Sprint 2025-03-17", MembershipEntered.ROLLED_IN, MembershipLeft.ROLLED_OUT),
        ("Sprint 2025-03-31", MembershipEntered.ROLLED_IN, ""),
    ]
    assert list(
        RolloverEntry.objects.filter(issue=one)
        .order_by("created_at")
        .values_list("from_milestone__title", "to_milestone__title")
    ) == [
        ("Sprint 2025-03-03", "Sprint 2025-03-17"),
        ("Sprint 2025-03-17", "Sprint 2025-03-31"),
    ]


def test_past_milestone_reports_fill_in(team_export):
    run_import(team_export)
    manager = factories.manager(username="maya")

    first = milestone_report(manager, Milestone.objects.get(title="Sprint 2025-03-03"))
    assert first.rolled
    assert [(r.issue.title, r.came_in, r.outcome) for r in first.rows] == [
        ("Marketo webinar program for Q2", "planned", "rolled_over")
    ]
    second = milestone_report(manager, Milestone.objects.get(title="Sprint 2025-03-17"))
    assert sorted((r.issue.title, r.came_in, r.outcome) for r in second.rows) == [
        ("Fix the lead routing rule", "added", "completed"),  # put in the day after it started
        ("Marketo webinar program for Q2", "rolled_in", "rolled_over"),
    ]
    third = milestone_report(manager, Milestone.objects.get(title="Sprint 2025-03-31"))
    assert [r.issue.title for r in third.chronic] == ["Marketo webinar program for Q2"]  # rolled over twice


def test_users_come_by_username_missing_ones_inactive_without_a_password(team_export):
    factories.ic(username="alice")
    run_import(team_export)

    assert User.objects.get(username="alice").is_active  # already here: used as is
    for username in ("bob", "carol", "gitlab-user-99"):
        user = User.objects.get(username=username)
        assert not user.is_active
        assert not user.has_usable_password()
    assert by_iid(4).requester.username == "gitlab-user-99"


def test_the_same_file_twice_changes_nothing(team_export):
    run_import(team_export)
    before = snapshot()

    summary = run_import(team_export)

    assert snapshot() == before
    assert summary.counts["issues"] == {"unchanged": 4}


def test_a_changed_issue_is_updated_not_duplicated_and_stays_confidential(tmp_path, team_export):
    run_import(team_export)
    from tests.gitlab_import import conftest as c

    lines = c.team_issues()
    notes = [
        c.eb.note(13, 402, c.CAROL, "The list has e-mail addresses in it.", "2025-03-10T09:00:00.000Z"),
        c.eb.note(14, 402, c.BOB, "Imported into Marketo.", "2025-03-12T09:00:00.000Z"),
    ]
    two = c.issue(
        402, 2, "Upload the attendee list (done)", author_id=c.CAROL, confidential=False,
        label_links=[c.eb.label_link(9, 402, c.L_IN_PROGRESS)], notes=notes,
    )  # fmt: skip
    lines[1] = c.eb.dumps(two)
    changed = write_team_export(tmp_path / "again.tar.gz", lines)

    summary = run_import(changed)

    assert Issue.objects.count() == 4
    assert summary.counts["issues"] == {"updated": 1, "unchanged": 3}
    issue = by_iid(2)
    assert issue.title == "Upload the attendee list (done)"
    assert issue.confidential  # once confidential, always: GitLab saying otherwise does not un-hide it
    assert issue.stage == Stage.IN_PROGRESS
    assert list(issue.transitions.values_list("to_stage", "imported")) == [
        (Stage.TRIAGE, True),
        (Stage.IN_PROGRESS, True),
    ]
    assert list(issue.comments.values_list("body", flat=True)) == [
        "The list has e-mail addresses in it.",
        "Imported into Marketo.",
    ]


def test_dry_run_changes_nothing_and_reports_what_it_would_do(team_export):
    before = snapshot()

    summary = run_import(team_export, dry_run=True)

    assert snapshot() == before
    assert summary.counts["issues"] == {"created": 4}
    assert summary.counts["milestones"] == {"created": 4}
    assert summary.counts["labels"] == {"created": 1}
    assert summary.skipped_count == 2
    assert "would be created" in summary.table()


def test_command_prints_the_summary_and_exits_non_zero_when_lines_were_skipped(team_export, capsys):
    with pytest.raises(CommandError) as exc:
        call_command("import_gitlab", str(team_export))

    assert exc.value.returncode == 1
    assert "2 record(s) skipped" in str(exc.value)
    out = capsys.readouterr().out
    assert "tree/project/issues.ndjson:5: not JSON" in out
    assert "tree/project/issues.ndjson:6:" in out
    assert Issue.objects.count() == 4  # the good issues are in


def test_command_dry_run_changes_nothing(team_export, capsys):
    with pytest.raises(CommandError):
        call_command("import_gitlab", str(team_export), "--dry-run")

    assert Issue.objects.count() == 0
    assert Milestone.objects.count() == 0
    assert "Dry run: nothing was changed." in capsys.readouterr().out


def test_command_with_a_label_map_reads_another_spelling(tmp_path, team_export):
    label_map = tmp_path / "map.json"
    label_map.write_text('{"Webinar follow-up": "MktgOps::02: Ready for Assignment"}')
    with pytest.raises(CommandError):
        call_command("import_gitlab", str(team_export), "--label-map", str(label_map))

    # Mapped to a stage, it is not a label; issue 2 carries two stage labels now, the older one read as 00.
    assert not Label.objects.filter(name="Webinar follow-up").exists()


def test_command_refuses_a_file_that_is_not_an_export(tmp_path):
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not a tarball")
    with pytest.raises(CommandError, match="not a GitLab export"):
        call_command("import_gitlab", str(bogus))


def test_command_refuses_a_label_map_that_is_not_an_object(tmp_path, team_export):
    label_map = tmp_path / "map.json"
    label_map.write_text('["MktgOps::0 - To Be Triaged"]')
    with pytest.raises(CommandError, match="one JSON object"):
        call_command("import_gitlab", str(team_export), "--label-map", str(label_map))


def test_since_leaves_older_issues_out(team_export):
    summary = run_import(team_export, since=datetime.date(2025, 5, 1))

    assert Issue.objects.count() == 0
    assert summary.counts["issues"] == {"older": 4}


def test_one_failing_issue_loses_nothing_else(team_export, monkeypatch):
    from requests_app import services as issue_services

    real = issue_services.issue_stage_import

    def failing(*, issue, **kwargs):
        if issue.title.startswith("Fix the lead"):
            raise RuntimeError("disk full")
        return real(issue=issue, **kwargs)

    monkeypatch.setattr("gitlab_import.services.issue_stage_import", failing)
    summary = run_import(team_export)

    assert Issue.objects.count() == 3
    assert not Issue.objects.filter(title="Fix the lead routing rule").exists()  # rolled back whole
    assert any("marketing-operations#3: RuntimeError: disk full" in s for s in summary.skipped)


def test_a_line_too_long_to_be_an_issue_is_skipped_without_holding_it(tmp_path, monkeypatch):
    from gitlab_import import export_file
    from tests.gitlab_import import conftest as c

    monkeypatch.setattr(export_file, "MAX_LINE_BYTES", 16_384)
    lines = c.team_issues()[:2]
    lines.insert(1, '{"iid": 9, "title": "' + "x" * 40_000 + '"}')
    path = write_team_export(tmp_path / "long.tar.gz", lines)

    summary = run_import(path)

    assert summary.counts["issues"] == {"created": 2}
    assert any(s.startswith("tree/project/issues.ndjson:2: longer than") for s in summary.skipped)


def test_a_failed_issue_does_not_leave_the_next_ones_pointing_at_rows_it_rolled_back(tmp_path, monkeypatch):
    from tests.gitlab_import import conftest as c

    # Issue 3 is the first to name dave, and it fails: the user created for it is rolled back with it.
    lines = [
        c.eb.dumps(c.issue(403, 3, "Fails", issue_assignees=[{"user_id": 7, "issue_id": 403}])),
        c.eb.dumps(c.issue(404, 4, "Fine", issue_assignees=[{"user_id": 7, "issue_id": 404}])),
    ]
    path = c.eb.write_export(
        tmp_path / "e.tar.gz", project={"path": "marketing-operations"}, labels=[], milestones=[],
        members=[c.eb.member(7, "dave")], issue_lines=lines,
    )  # fmt: skip
    from requests_app import services as issue_services

    real = issue_services.issue_stage_import

    def failing(*, issue, **kwargs):
        if issue.title == "Fails":
            raise RuntimeError("disk full")
        return real(issue=issue, **kwargs)

    monkeypatch.setattr("gitlab_import.services.issue_stage_import", failing)
    summary = run_import(path)

    assert summary.counts["issues"] == {"created": 1}
    assert by_iid(4).assignee.username == "dave"


def test_importing_history_notifies_nobody(team_export):
    from django.core import mail

    from slack_messages.models import SlackOutboxMessage

    run_import(team_export)

    assert mail.outbox == []  # no "your request moved" mail for moves made years ago in GitLab
    assert not SlackOutboxMessage.objects.exists()  # and no rollover threads for past milestones
