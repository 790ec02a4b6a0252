"""Issue 14's "done when", in a real browser: a manager cannot close a running milestone and is told why."""

import pytest

from milestones.models import Milestone, MilestoneState
from milestones.services import milestone_record_handbook_mr
from tests import factories
from tests.requests_app.test_intake_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_is_told_why_a_running_milestone_cannot_close(browser, live_server):
    factories.manager(username="dana")
    current = factories.current_milestone()
    milestone_record_handbook_mr(milestone=current, url="https://gitlab.com/h/-/merge_requests/9", merged=True)
    page = sign_in(browser, live_server, "dana")
    page.goto(f"{live_server.url}/milestones/{current.pk}/")
    lifecycle = page.inner_text("#lifecycle")
    assert "Running until" in lifecycle
    assert "Cannot be closed yet: it is still running until" in lifecycle
    assert page.locator("text=Close milestone…").count() == 0

    page.goto(f"{live_server.url}/milestones/{current.pk}/close/")
    assert "cannot be closed yet" in page.inner_text("#close-blockers")
    assert page.locator("input[name=confirm]").count() == 0
    assert Milestone.objects.get(pk=current.pk).state == MilestoneState.CURRENT
