"""The same input gets the same refusal — message, status and code — through the issue page's form, the API and
the admin, because each only asks the service."""

import datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from requests_app.models import Issue, Stage
from tests import factories


@pytest.fixture
def staff_manager(db):
    user = factories.manager(username="stella")
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


def _closed_milestone():
    # Closed while it would still be current: only its being closed refuses it.
    return factories.current_milestone(closed_at=timezone.now())


def _ended_milestone():
    return factories.past_milestone()


def _via_form(client, issue, milestone):
    response = client.post(f"/issues/{issue.pk}/triage/", {"milestone": milestone.pk})
    return response.status_code, response["X-Error-Code"], unescape(response.content.decode())


def _via_api(user, issue, milestone):
    api = APIClient()
    api.force_authenticate(user)
    response = api.patch(f"/api/issues/{issue.pk}/", {"milestone": milestone.pk}, format="json")
    return response.status_code, response.json()["code"], response.json()["detail"]


def _via_admin(client, issue, milestone):
    url = reverse("admin:requests_app_issue_change", args=[issue.pk])
    data = {
        "title": issue.title,
        "description": issue.description,
        "request_type": issue.request_type,
        "milestone": milestone.pk,
        "assignee": issue.assignee_id or "",
        "business_owner": "",
        "weight": "",
        "epic": "",
        "rollover_reason": "",
        **{f"{prefix}-{k}": v for prefix in ("transitions", "events", "comments") for k, v in _empty_inline().items()},
    }
    response = client.post(url, data)
    form = response.context["adminform"].form
    error = form.errors.as_data()["milestone"][0]
    return response.status_code, error.code, error.message


def _empty_inline():
    return {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


@pytest.mark.parametrize(
    ("make_milestone", "code"), [(_ended_milestone, "milestone_ended"), (_closed_milestone, "milestone_closed")]
)
def test_a_milestone_that_takes_no_issues_is_refused_alike_everywhere(client, staff_manager, make_milestone, code):
    factories.current_milestone() if code == "milestone_ended" else None
    milestone = make_milestone()
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    client.force_login(staff_manager)
    answers = [
        _via_form(client, issue, milestone),
        _via_api(staff_manager, issue, milestone),
        _via_admin(client, issue, milestone),
    ]
    statuses = {a[0] for a in answers}
    codes = {a[1] for a in answers}
    assert statuses == {409}
    assert codes == {code}
    message = answers[1][2]
    assert milestone.title in message
    assert all(message in a[2] for a in answers)
    issue.refresh_from_db()
    assert issue.milestone_id is None


def test_a_completed_issue_of_an_ended_milestone_does_not_go_back_to_in_progress(client, staff_manager):
    factories.current_milestone()
    ic = factories.ic(username="ines")
    issue = factories.IssueFactory(stage=Stage.COMPLETED, assignee=ic, milestone=factories.past_milestone())
    client.force_login(staff_manager)
    form = client.post(f"/issues/{issue.pk}/move/", {"to_stage": "04"})
    api = APIClient()
    api.force_authenticate(staff_manager)
    via_api = api.post(f"/api/issues/{issue.pk}/move/", {"stage": "04"}, format="json")
    admin = client.post(reverse("admin:requests_app_issue_move", args=[issue.pk]), {"stage": "04", "reason": ""})
    admin_error = admin.context["form"].non_field_errors().as_data()[0]
    assert (form.status_code, via_api.status_code, admin.status_code) == (409, 409, 409)
    assert form["X-Error-Code"] == via_api.json()["code"] == admin_error.code == "move_guard_failed"
    detail = via_api.json()["detail"]
    assert "it is not in the current milestone" in detail
    assert detail in unescape(form.content.decode())
    assert detail == admin_error.message
    assert Issue.objects.get(pk=issue.pk).stage == Stage.COMPLETED


def test_a_sign_off_by_someone_who_is_not_the_owner_is_forbidden_everywhere(client, db):
    ic = factories.ic(username="ivan")
    ic.is_staff = True  # may use the admin, is still not the business owner nor a manager
    ic.save()
    from django.contrib.auth.models import Permission

    ic.user_permissions.add(*Permission.objects.filter(codename__in=["change_issue", "view_issue"]))
    issue = factories.IssueFactory(stage=Stage.REVIEW, assignee=ic, milestone=factories.current_milestone())
    client.force_login(ic)
    form = client.post(f"/issues/{issue.pk}/sign-off/")
    api = APIClient()
    api.force_authenticate(ic)
    via_api = api.post(f"/api/issues/{issue.pk}/sign-off/")
    admin = client.post(reverse("admin:requests_app_issue_sign_off", args=[issue.pk]))
    assert (form.status_code, via_api.status_code, admin.status_code) == (403, 403, 403)
    assert form["X-Error-Code"] == via_api.json()["code"] == admin.context["error"].code == "sign_off_not_owner"
    detail = via_api.json()["detail"]
    assert detail in unescape(form.content.decode())
    assert detail == admin.context["error"].message
    issue.refresh_from_db()
    assert issue.signed_off_at is None


def test_a_manager_records_the_sign_off_on_the_owners_behalf_and_the_timeline_says_so(client, manager_user):
    owner = factories.requester(username="olga")
    issue = factories.IssueFactory(
        stage=Stage.REVIEW, requester=owner, assignee=factories.ic(), milestone=factories.current_milestone()
    )
    client.force_login(manager_user)
    assert client.post(f"/issues/{issue.pk}/sign-off/").status_code == 302
    issue.refresh_from_db()
    assert issue.signed_off_by == owner
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "maya" in page
    assert "on behalf of <strong>olga</strong>" in page


def test_the_owner_signs_off_in_their_own_name(client, db):
    owner = factories.requester(username="otto")
    issue = factories.IssueFactory(stage=Stage.REVIEW, requester=owner)
    client.force_login(owner)
    assert client.post(f"/issues/{issue.pk}/sign-off/").status_code == 302
    issue.refresh_from_db()
    assert issue.signed_off_by == owner
    assert "signed off as the business owner" in client.get(f"/issues/{issue.pk}/").content.decode()


def test_demo_style_past_planning_uses_the_services_clock(ic_user):
    """Services take `now=`: planning into a milestone as on a day it was running is allowed."""
    from requests_app.services import issue_update

    ended = factories.past_milestone()
    issue = factories.IssueFactory()
    then = timezone.now() - datetime.timedelta(days=10)
    issue_update(issue=issue, by=ic_user, milestone=ended, now=then)
    issue.refresh_from_db()
    assert issue.milestone == ended
    assert issue.events.get(kind="milestone_changed").data == {"old_id": None, "new_id": ended.pk}
