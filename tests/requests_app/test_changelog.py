import csv
import io

import pytest

from requests_app.services import issue_move, labels_attach
from tests import factories as f


@pytest.fixture
def completed_changelog(db, ic_user):
    label = f.LabelFactory(name="MktgOps - changelog")
    sm = f.LabelFactory(name="SMOps/Systems - Changelog")
    current = f.current_milestone()

    def make(title, labels, confidential=False, complete=True):
        issue = f.IssueFactory(title=title, stage="04", assignee=ic_user, milestone=current, confidential=confidential)
        labels_attach(issue=issue, labels=labels, by=ic_user)
        if complete:
            issue_move(issue_id=issue.pk, to_stage="08", by=ic_user)
        return issue

    return {
        "done": make("Switched lead routing to LeanData", [label]),
        "sm": make("New SFDC field", [sm]),
        "secret": make("Purged opted-out contacts", [label], confidential=True),
        "open": make("Still in progress", [label], complete=False),
        "unlabelled": make("Fixed a typo", []),
    }


def test_changelog_lists_completed_labelled_issues(client, completed_changelog, ic_user):
    client.force_login(ic_user)
    page = client.get("/changelog/").content.decode()
    for title in ["Switched lead routing to LeanData", "New SFDC field", "Purged opted-out contacts"]:
        assert title in page
    assert "Still in progress" not in page
    assert "Fixed a typo" not in page


def test_changelog_hides_confidential_issues_from_requesters(client, completed_changelog, requester_user):
    client.force_login(requester_user)
    page = client.get("/changelog/").content.decode()
    assert "Switched lead routing to LeanData" in page
    assert "Purged opted-out contacts" not in page
    rows = list(csv.reader(io.StringIO(client.get("/changelog/changelog.csv").content.decode())))
    assert all("Purged opted-out contacts" not in row for row in rows)
    assert {row[3] for row in rows[1:]} == {"Switched lead routing to LeanData", "New SFDC field"}


def test_changelog_csv_has_month_and_labels(client, completed_changelog, ic_user):
    client.force_login(ic_user)
    response = client.get("/changelog/changelog.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    by_title = {row["title"]: row for row in rows}
    assert by_title["New SFDC field"]["labels"] == "SMOps/Systems - Changelog"
    assert by_title["New SFDC field"]["month"]


@pytest.mark.parametrize("title", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"])
def test_spreadsheet_text_keeps_formulas_as_text(title):
    from mktgops_portal.spreadsheet import spreadsheet_text

    assert spreadsheet_text(title) == f"'{title}"
    assert spreadsheet_text("Plain title") == "Plain title"


def test_changelog_csv_keeps_titles_and_usernames_from_running_as_formulas(client, db):
    label = f.LabelFactory(name="MktgOps - changelog")
    ic = f.ic(username="+ops")
    issue = f.IssueFactory(title="-2+3", stage="04", assignee=ic, milestone=f.current_milestone())
    labels_attach(issue=issue, labels=[label], by=ic)
    issue_move(issue_id=issue.pk, to_stage="08", by=ic)
    client.force_login(ic)
    (row,) = csv.DictReader(io.StringIO(client.get("/changelog/changelog.csv").content.decode()))
    assert (row["title"], row["assignee"]) == ("'-2+3", "'+ops")
