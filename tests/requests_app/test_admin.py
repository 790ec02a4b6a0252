import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.urls import reverse

from labels.models import InitialSource, Label, LeadStatus, SlackChannelRule
from labels.services import taxonomy_seed
from milestones.models import Milestone
from requests_app.models import Comment, Epic, Issue, IssueEvent, IssueTransition, Stage
from requests_app.services import comment_create, issue_move, issue_update
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def one_of_each(ic_user, requester_user):
    """At least one row of every model the admin shows, made the way the app makes them."""
    taxonomy_seed()
    current = factories.current_milestone()
    issue = factories.IssueFactory(requester=requester_user, title="LeanData routing for EMEA")
    issue_update(issue=issue, by=ic_user, assignee=ic_user, milestone=current,
                 labels=[Label.objects.get(name="LeanData")])  # fmt: skip
    issue_move(issue_id=issue.pk, to_stage=Stage.IN_PROGRESS, by=ic_user)
    comment_create(issue=issue, author=ic_user, body="On it.")
    Epic.objects.create(title="Marketo consolidation", created_by=ic_user)
    return issue


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_model_has_a_changelist_and_change_page(admin_client, one_of_each):
    ours = {Label, SlackChannelRule, InitialSource, LeadStatus, Milestone, Issue, IssueTransition, IssueEvent,
            Comment, Epic}  # fmt: skip
    assert ours <= set(admin.site._registry)
    for model in admin.site._registry:
        assert admin_client.get(_admin_url(model, "changelist")).status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            assert admin_client.get(_admin_url(model, "change", obj.pk)).status_code == 200, model


def test_changelists_search_and_filter(admin_client, one_of_each):
    page = admin_client.get(_admin_url(Issue, "changelist"), {"q": "LeanData", "stage__exact": Stage.IN_PROGRESS})
    assert page.status_code == 200
    assert "LeanData routing for EMEA" in page.content.decode()
    page = admin_client.get(_admin_url(Label, "changelist"), {"kind__exact": "handbook_update"})
    assert "#hbupdate-mktgops #mktgops" in page.content.decode()
    page = admin_client.get(_admin_url(Milestone, "changelist"), {"state": "current"})
    assert page.status_code == 200


def test_issue_change_page_shows_the_stage_log_and_comments_inline(admin_client, one_of_each):
    body = admin_client.get(_admin_url(Issue, "change", one_of_each.pk)).content.decode()
    assert "stage log" in body.lower()
    assert "On it." in body
    assert "Move to…" in body


def test_stage_is_not_an_editable_field_of_the_issue_form(admin_client, one_of_each):
    response = admin_client.get(_admin_url(Issue, "change", one_of_each.pk))
    form = response.context["adminform"].form
    assert "stage" not in form.fields
    assert 'name="stage"' not in response.content.decode()


def test_posting_a_stage_through_the_change_form_does_not_move_the_issue(admin_client, one_of_each):
    issue = one_of_each
    url = _admin_url(Issue, "change", issue.pk)
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["labels"] = [lbl.pk for lbl in issue.labels.all()]
    data.update({"stage": Stage.COMPLETED, "title": "LeanData routing for EMEA and APAC"})
    for prefix in ("transitions", "events", "comments"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    issue.refresh_from_db()
    assert issue.title == "LeanData routing for EMEA and APAC"
    assert issue.stage == Stage.IN_PROGRESS


def test_editing_the_assignee_in_the_admin_goes_through_issue_update(admin_client, one_of_each, manager_user):
    issue = one_of_each
    url = _admin_url(Issue, "change", issue.pk)
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["labels"] = [lbl.pk for lbl in issue.labels.all()]
    data["assignee"] = manager_user.pk
    for prefix in ("transitions", "events", "comments"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    assert admin_client.post(url, data).status_code == 302
    event = IssueEvent.objects.filter(issue=issue, kind="assignee_changed").last()
    assert (event.old_value, event.new_value) == ("ivy", "maya")


def _move_action(admin_client, issues, stage, reason=""):
    return admin_client.post(
        _admin_url(Issue, "changelist"),
        {"action": "move_issues", ACTION_CHECKBOX_NAME: [i.pk for i in issues], "apply": "Move", "stage": stage,
         "reason": reason},
        follow=True,
    )  # fmt: skip


def test_move_action_first_asks_for_the_target_stage(admin_client, one_of_each):
    response = admin_client.post(
        _admin_url(Issue, "changelist"), {"action": "move_issues", ACTION_CHECKBOX_NAME: [one_of_each.pk]}
    )
    assert response.status_code == 200
    assert 'name="stage"' in response.content.decode()
    one_of_each.refresh_from_db()
    assert one_of_each.stage == Stage.IN_PROGRESS


def test_move_action_moves_through_issue_move_and_logs_the_transition(admin_client, superuser, one_of_each):
    response = _move_action(admin_client, [one_of_each], Stage.BLOCKED, reason="Waiting on Sales Systems.")
    assert "Moved 1 issue to MktgOps::07: Blocked." in response.content.decode()
    one_of_each.refresh_from_db()
    assert (one_of_each.stage, one_of_each.blocked_from) == (Stage.BLOCKED, Stage.IN_PROGRESS)
    last = IssueTransition.objects.filter(issue=one_of_each).last()
    assert (last.from_stage, last.to_stage, last.by, last.reason) == (
        Stage.IN_PROGRESS, Stage.BLOCKED, superuser, "Waiting on Sales Systems."
    )  # fmt: skip


def test_move_action_refuses_a_guarded_move_with_the_domain_message(admin_client, requester_user):
    # Into In Progress needs an assignee and the current milestone: neither is there.
    issue = factories.IssueFactory(requester=requester_user)
    response = _move_action(admin_client, [issue], Stage.IN_PROGRESS)
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert (
        "error",
        f"Can't move #{issue.pk} to MktgOps::04: In Progress: it has no assignee and it is not in the current "
        "milestone. Assign someone and put it in the current milestone first.",
    ) in messages
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE
    assert not IssueTransition.objects.filter(issue=issue).exists()


def test_move_action_moves_the_allowed_and_reports_each_refusal(admin_client, requester_user):
    allowed = factories.IssueFactory(requester=requester_user)
    refused = factories.IssueFactory(requester=requester_user, stage=Stage.COMPLETED)
    response = _move_action(admin_client, [allowed, refused], Stage.READY)
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("success", "Moved 1 issue to MktgOps::02: Ready for Assignment.") in messages
    assert any(level == "error" and f"#{refused.pk}" in text and "not part of the workflow" in text
               for level, text in messages)  # fmt: skip
    allowed.refresh_from_db()
    refused.refresh_from_db()
    assert (allowed.stage, refused.stage) == (Stage.READY, Stage.COMPLETED)


def test_blocking_without_a_reason_is_refused_in_the_admin(admin_client, requester_user):
    issue = factories.IssueFactory(requester=requester_user)
    response = _move_action(admin_client, [issue], Stage.BLOCKED)
    assert any("no reason was given" in str(m) for m in response.context["messages"])
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE


def test_change_page_move_form_offers_only_the_workflows_targets_and_moves(admin_client, one_of_each):
    url = reverse("admin:requests_app_issue_move", args=[one_of_each.pk])
    form = admin_client.get(url).context["form"]
    assert [value for value, _ in form.fields["stage"].choices] == ["03", "05", "07", "08"]
    response = admin_client.post(url, {"stage": Stage.COMPLETED, "reason": "Deployed."})
    assert response.status_code == 302
    one_of_each.refresh_from_db()
    assert one_of_each.stage == Stage.COMPLETED
    assert IssueTransition.objects.filter(issue=one_of_each, to_stage=Stage.COMPLETED, reason="Deployed.").exists()


def test_admin_move_needs_staff(client, ic_user, one_of_each):
    client.force_login(ic_user)  # in MktgOps, but not staff: the admin is not theirs
    url = reverse("admin:requests_app_issue_move", args=[one_of_each.pk])
    assert client.post(url, {"stage": Stage.COMPLETED}).status_code == 302
    one_of_each.refresh_from_db()
    assert one_of_each.stage == Stage.IN_PROGRESS


def test_close_milestone_action_closes_a_merged_one_and_reports_refusals(admin_client):
    merged = factories.rolled_over_milestone(handbook_mr_url="https://gitlab.com/mr/1", handbook_mr_merged=True)
    unmerged = factories.rolled_over_milestone(ended_days_ago=18, handbook_mr_url="https://gitlab.com/mr/2")
    response = admin_client.post(
        _admin_url(Milestone, "changelist"),
        {"action": "close_milestones", ACTION_CHECKBOX_NAME: [merged.pk, unmerged.pk]},
        follow=True,
    )
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("success", "Closed 1 milestone.") in messages
    assert ("error", f"{unmerged.title} cannot be closed: it cannot be closed until its handbook merge request is "
            "merged; mark the merge request as merged first.") in messages  # fmt: skip
    merged.refresh_from_db()
    unmerged.refresh_from_db()
    assert merged.closed_at is not None
    assert unmerged.closed_at is None


def test_slack_channel_rules_are_edited_inline_on_the_label(admin_client):
    taxonomy_seed()
    label = Label.objects.get(name="SDR-HB Update")
    response = admin_client.get(_admin_url(Label, "change", label.pk))
    assert "#hbupdate-sdr" in response.content.decode()
    assert "slack_rules-TOTAL_FORMS" in response.content.decode()
