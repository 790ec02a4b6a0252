"""Confidential imported issues pass the visibility matrix: requester, assignee and MktgOps only."""

import pytest

from gitlab_import.export_file import ExportFile
from gitlab_import.services import gitlab_import
from requests_app.models import Issue
from requests_app.policy import issue_can_see, issues_visible_to
from tests import factories
from tests.gitlab_import import conftest as c
from tests.gitlab_import import export_builder as eb

pytestmark = pytest.mark.django_db


@pytest.fixture
def confidential_issue(tmp_path):
    """Imported from GitLab, confidential there: requested by carol, assigned to bob."""
    factories.requester(username="carol")
    factories.ic(username="bob")
    line = eb.dumps(
        c.issue(402, 2, "Upload the attendee list from the booth", author_id=c.CAROL, confidential=True,
                issue_assignees=[{"user_id": c.BOB, "issue_id": 402}])
    )  # fmt: skip
    path = c.write_team_export(tmp_path / "export.tar.gz", [line])
    gitlab_import(reader=ExportFile(path), instance="gitlab.com")
    return Issue.objects.get()


@pytest.mark.parametrize(
    ("who", "sees"),
    [("carol", True), ("bob", True), ("ivy-ic", True), ("maya-manager", True), ("sam", False), ("anonymous", False)],
)
def test_confidential_imported_issue_visibility_matrix(client, confidential_issue, who, sees):
    from django.contrib.auth.models import AnonymousUser

    user = {
        "carol": lambda: factories.requester(username="carol"),
        "bob": lambda: factories.ic(username="bob"),
        "ivy-ic": lambda: factories.ic(username="ivy"),
        "maya-manager": lambda: factories.manager(username="maya"),
        "sam": lambda: factories.requester(username="sam"),
        "anonymous": AnonymousUser,
    }[who]()
    assert confidential_issue.confidential
    assert issue_can_see(user, confidential_issue) is sees
    assert issues_visible_to(user).filter(pk=confidential_issue.pk).exists() is sees
    if user.is_authenticated:
        client.force_login(user)
        assert client.get(confidential_issue.get_absolute_url()).status_code == (200 if sees else 404)
        listed = client.get("/issues/").content.decode()
        assert ("Upload the attendee list" in listed) is sees
        api = client.get("/api/issues/").json()
        titles = [row["title"] for row in api.get("results", api)]
        assert ("Upload the attendee list from the booth" in titles) is sees
