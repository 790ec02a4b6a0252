"""/issues/ and /issues/{id}/: the list with its filters, the page, its actions and their refusals."""

import datetime
import re

import pytest
from django.utils import timezone

from requests_app.models import ChecklistItem, Comment, Epic, EventKind, Issue, IssueEvent, IssueTransition, Stage
from requests_app.services import issue_move, request_submit
from tests import factories
from tests.factories import CommentFactory, IssueFactory

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


# --- /issues/ -------------------------------------------------------------------------------


def test_list_shows_open_issues_with_stage_and_labels(client, requester_user, taxonomy):
    issue = IssueFactory(requester=requester_user, title="Fix Bizible touchpoints", stage=Stage.READY)
    issue.labels.add(taxonomy["Bizible"])
    IssueFactory(title="Old closed one", closed_at=timezone.now())
    client.force_login(requester_user)
    html = body(client.get("/issues/"))
    assert "Fix Bizible touchpoints" in html
    assert "02: Ready for Assignment" in html
    assert "Bizible" in html
    assert "Old closed one" not in html
    assert "Old closed one" in body(client.get("/issues/?state=closed"))


def test_my_requests_lists_only_the_signed_in_requesters_issues(client, requester_user, other_requester):
    IssueFactory(requester=requester_user, title="Mine")
    IssueFactory(requester=other_requester, title="Theirs")
    client.force_login(requester_user)
    html = body(client.get("/issues/?mine=1"))
    assert "Mine" in html
    assert "Theirs" not in html
    assert "<h1>My requests</h1>" in html
    assert "Theirs" in body(client.get("/issues/"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stage=04", {"In progress"}),
        ("stage=00&stage=04", {"Triage one", "In progress"}),
        ("request_type=bug", {"A bug"}),
        ("label=Marketo", {"A bug"}),
        ("assignee=ivy", {"In progress"}),
        ("assignee=none", {"Triage one", "A bug", "Confidential one"}),
        ("confidential=true", {"Confidential one"}),
        ("q=bug", {"A bug"}),
        ("milestone=MILESTONE", {"In progress"}),
    ],
)
def test_list_filters(client, ic_user, taxonomy, query, expected):
    milestone = factories.current_milestone()
    IssueFactory(title="Triage one")
    IssueFactory(title="In progress", stage=Stage.IN_PROGRESS, assignee=ic_user, milestone=milestone)
    bug = IssueFactory(title="A bug", request_type="bug", stage=Stage.READY)
    bug.labels.add(taxonomy["Marketo"])
    IssueFactory(title="Confidential one", confidential=True, stage=Stage.NEEDS_INFO)
    client.force_login(ic_user)
    response = client.get(f"/issues/?{query.replace('MILESTONE', str(milestone.pk))}")
    shown = {issue.title for issue in response.context["page"].object_list}
    assert shown == expected


def test_filters_and_sort_are_kept_in_the_pagination_and_sort_links(client, ic_user):
    for n in range(30):
        IssueFactory(title=f"Issue {n:02}", request_type="bug")
    client.force_login(ic_user)
    response = client.get("/issues/?request_type=bug&sort=title")
    page = response.context["page"]
    assert [i.title for i in page.object_list][:3] == ["Issue 00", "Issue 01", "Issue 02"]
    assert len(page.object_list) == 25
    assert page.paginator.num_pages == 2
    html = body(response)
    assert 'href="?request_type=bug&amp;sort=title&amp;page=2"' in html
    assert 'href="?request_type=bug&amp;sort=-title"' in html  # the Title header reverses the sort
    second = client.get("/issues/?request_type=bug&sort=title&page=2")
    assert [i.title for i in second.context["page"].object_list] == [f"Issue {n}" for n in range(25, 30)]


@pytest.mark.parametrize("q", ["%C2%B2", "%23%C2%B2", "9" * 30])  # "²" is a digit to str.isdigit, not to int()
def test_a_search_that_is_almost_an_issue_number_is_a_text_search(client, ic_user, q):
    IssueFactory(title="Fix the x² lead score")
    client.force_login(ic_user)
    response = client.get(f"/issues/?q={q}")
    assert response.status_code == 200
    assert ("x² lead score" in body(response)) is (q == "%C2%B2")


def test_sort_descending_and_unknown_sort_falls_back_to_newest(client, ic_user):
    a = IssueFactory(title="Alpha", weight=3)
    b = IssueFactory(title="Beta", weight=8)
    client.force_login(ic_user)
    assert list(client.get("/issues/?sort=-weight").context["page"].object_list) == [b, a]
    assert list(client.get("/issues/?sort=drop+table").context["page"].object_list) == [b, a]


@pytest.mark.parametrize("count", [10, 200])
def test_list_runs_a_constant_number_of_queries(client, ic_user, taxonomy, django_assert_num_queries, count):
    milestone = factories.current_milestone()
    for n in range(count):
        issue = IssueFactory(title=f"I{n}", assignee=ic_user, milestone=milestone, requester=factories.requester())
        issue.labels.add(taxonomy["Marketo"], taxonomy["MktgOps - bug"])
    client.force_login(ic_user)
    client.get("/issues/")  # warm the session (and cache the user's roles)
    # session, user, count, page, labels prefetch, label/milestone/assignee pickers; the label filter
    # matches names in the issues' own query (a name no label has matches nothing, no lookup first)
    with django_assert_num_queries(8):
        response = client.get("/issues/?label=Marketo&sort=title")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)


# --- /issues/{id}/ ---------------------------------------------------------------------------


def test_page_shows_description_labels_stage_milestone_weight_and_one_timeline(client, ic_user, taxonomy):
    milestone = factories.current_milestone()
    issue = IssueFactory(
        description="### What happened\n\nThe **sync** broke.", weight=5, milestone=milestone, assignee=ic_user
    )
    issue.labels.add(taxonomy["Marketo"])
    issue_move(issue_id=issue.pk, to_stage=Stage.IN_PROGRESS, by=ic_user)
    CommentFactory(issue=issue, author=ic_user, body="Looking at it **now**.")
    IssueEvent.objects.create(issue=issue, by=ic_user, kind=EventKind.LABEL_ADDED, new_value="Marketo")
    client.force_login(ic_user)
    html = body(client.get(f"/issues/{issue.pk}/"))
    assert "<h3>What happened</h3>" in html
    assert "<strong>sync</strong>" in html
    assert "MktgOps::04: In Progress" in html
    assert milestone.title in html
    assert "<dd>5</dd>" in html
    timeline = html.split('id="timeline"', 1)[1]
    moved, commented, labelled = (timeline.index(s) for s in ("moved it from", "<strong>now</strong>", "added label"))
    assert moved < commented < labelled  # one timeline, in time order


def test_requester_sees_the_comment_form_and_none_of_the_triage_actions(client, requester_user):
    issue = IssueFactory(requester=requester_user)
    client.force_login(requester_user)
    response = client.get(f"/issues/{issue.pk}/")
    html = body(response)
    assert f'action="/issues/{issue.pk}/comment/"' in html
    assert f'action="/issues/{issue.pk}/close/"' in html
    for action in ("move", "triage", "promote", "sign-off"):
        assert f'action="/issues/{issue.pk}/{action}/"' not in html


def test_ic_sees_move_with_only_the_allowed_targets_and_triage(client, ic_user):
    issue = IssueFactory()
    client.force_login(ic_user)
    response = client.get(f"/issues/{issue.pk}/")
    choices = [value for value, _ in response.context["move_form"].fields["to_stage"].choices]
    assert choices == ["", "01", "02", "03", "04", "07"]
    assert response.context["triage_form"] is not None


def test_a_blocked_issue_offers_only_the_stage_it_came_from(client, ic_user):
    issue = IssueFactory(stage=Stage.BLOCKED, blocked_from=Stage.READY)
    client.force_login(ic_user)
    response = client.get(f"/issues/{issue.pk}/")
    assert [v for v, _ in response.context["move_form"].fields["to_stage"].choices] == ["", "02"]


def test_completed_issue_can_be_moved_back_only_by_a_manager(client, ic_user, manager_user):
    issue = IssueFactory(stage=Stage.COMPLETED)
    client.force_login(ic_user)
    assert client.get(f"/issues/{issue.pk}/").context["move_form"] is None
    client.force_login(manager_user)
    form = client.get(f"/issues/{issue.pk}/").context["move_form"]
    assert [v for v, _ in form.fields["to_stage"].choices] == ["", "04"]


def test_comment_is_added_to_the_timeline(client, requester_user):
    issue = IssueFactory(requester=requester_user)
    client.force_login(requester_user)
    response = client.post(f"/issues/{issue.pk}/comment/", {"body": "Any news?"})
    assert response.status_code == 302
    comment = Comment.objects.get(issue=issue)
    assert comment.body == "Any news?"
    # Straight to the new comment (its element's id), as notifications link to it.
    assert response["Location"] == f"/issues/{issue.pk}/#comment-{comment.pk}"


def test_empty_comment_re_renders_with_its_error(client, requester_user):
    issue = IssueFactory(requester=requester_user)
    client.force_login(requester_user)
    response = client.post(f"/issues/{issue.pk}/comment/", {"body": ""})
    assert response.status_code == 200
    assert response.context["comment_form"].errors["body"]
    assert not Comment.objects.exists()


def test_ic_moves_an_issue_with_a_reason(client, ic_user):
    issue = IssueFactory()
    client.force_login(ic_user)
    response = client.post(f"/issues/{issue.pk}/move/", {"to_stage": "01", "reason": "Which form?"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.stage == Stage.NEEDS_INFO
    assert IssueTransition.objects.get(issue=issue).reason == "Which form?"


@pytest.mark.parametrize("stage", ["01", "07"])
def test_move_that_needs_a_reason_re_renders_asking_for_it(client, ic_user, stage):
    issue = IssueFactory()
    client.force_login(ic_user)
    response = client.post(f"/issues/{issue.pk}/move/", {"to_stage": stage, "reason": " "})
    assert response.status_code == 200
    assert response.context["move_form"].errors["reason"]
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE


def test_refused_move_re_renders_with_the_domain_message_and_409(client, ic_user):
    issue = IssueFactory()
    client.force_login(ic_user)
    response = client.post(f"/issues/{issue.pk}/move/", {"to_stage": "04", "reason": ""})
    assert response.status_code == 409
    html = body(response)
    assert "it has no assignee and it is not in the current milestone" in html
    assert 'role="alert"' in html
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE
    assert not IssueTransition.objects.exists()


def test_requester_cannot_move_their_issue(client, requester_user):
    issue = IssueFactory(requester=requester_user)
    client.force_login(requester_user)
    response = client.post(f"/issues/{issue.pk}/move/", {"to_stage": "02"})
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE


def test_ic_triages_assignee_milestone_weight_and_labels(client, ic_user, taxonomy):
    milestone = factories.future_milestone()
    issue = IssueFactory()
    client.force_login(ic_user)
    response = client.post(
        f"/issues/{issue.pk}/triage/",
        {
            "assignee": ic_user.pk,
            "milestone": milestone.pk,
            "weight": "8",
            "labels": [taxonomy["Marketo"].pk, taxonomy["MktgOpsPriority::High"].pk],
        },
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.assignee, issue.milestone, issue.weight) == (ic_user, milestone, 8)
    assert set(issue.labels.values_list("name", flat=True)) == {"Marketo", "MktgOpsPriority::High"}
    kinds = set(IssueEvent.objects.filter(issue=issue).values_list("kind", flat=True))
    assert {"assignee_changed", "milestone_changed", "weight_changed", "label_added"} <= kinds


@pytest.mark.parametrize(
    "data", [{"labels": ["9" * 30]}, {"labels": ["x"]}, {"assignee": "9" * 30}, {"milestone": "9" * 30}]
)
def test_triage_with_an_id_that_is_no_id_re_renders_with_its_error(client, ic_user, data):
    issue = IssueFactory()
    client.force_login(ic_user)
    response = client.post(f"/issues/{issue.pk}/triage/", data)
    assert response.status_code == 200
    assert set(response.context["triage_form"].errors) == set(data)


def test_assignee_picker_offers_only_mktgops_users(client, ic_user, requester_user, manager_user):
    issue = IssueFactory()
    client.force_login(ic_user)
    offered = set(client.get(f"/issues/{issue.pk}/").context["triage_form"].fields["assignee"].queryset)
    assert offered == {ic_user, manager_user}
    response = client.post(f"/issues/{issue.pk}/triage/", {"assignee": requester_user.pk})
    assert response.status_code == 200
    assert "assignee" in response.context["triage_form"].errors


def test_milestone_picker_offers_open_milestones_only(client, ic_user):
    current, future, past = factories.current_milestone(), factories.future_milestone(), factories.past_milestone()
    issue = IssueFactory()
    client.force_login(ic_user)
    choices = client.get(f"/issues/{issue.pk}/").context["triage_form"].fields["milestone"].widget.choices
    offered = [value for value, _ in choices if value]
    assert offered == [current.pk, future.pk]
    assert past.pk not in offered


def test_two_labels_of_one_scope_are_refused_with_the_label_rule(client, ic_user, taxonomy):
    issue = IssueFactory()
    client.force_login(ic_user)
    response = client.post(
        f"/issues/{issue.pk}/triage/",
        {
            "labels": [taxonomy["MktgOpsPriority::High"].pk, taxonomy["MktgOpsPriority::Low"].pk],
        },
    )
    assert response.status_code == 400
    assert "share the scope MktgOpsPriority::" in body(response)
    assert not issue.labels.exists()


def test_business_owner_signs_off_in_review(client, requester_user, ic_user):
    issue = IssueFactory(requester=requester_user, stage=Stage.REVIEW, assignee=ic_user)
    client.force_login(requester_user)
    assert f'action="/issues/{issue.pk}/sign-off/"' in body(client.get(f"/issues/{issue.pk}/"))
    assert client.post(f"/issues/{issue.pk}/sign-off/").status_code == 302
    issue.refresh_from_db()
    assert issue.signed_off_by == requester_user
    assert issue.signed_off_at is not None


def test_sign_off_outside_review_is_refused(client, requester_user):
    issue = IssueFactory(requester=requester_user, stage=Stage.IN_PROGRESS)
    client.force_login(requester_user)
    response = client.post(f"/issues/{issue.pk}/sign-off/")
    assert response.status_code == 409
    assert response["X-Error-Code"] == "sign_off_wrong_stage"
    issue.refresh_from_db()
    assert issue.signed_off_at is None


def test_the_close_form_asks_first_with_a_script_and_still_posts_without_one(client, requester_user):
    issue = IssueFactory(requester=requester_user, title="Fix the webinar sync")
    client.force_login(requester_user)
    html = client.get(f"/issues/{issue.pk}/").content.decode()
    form = re.search(rf'<form method="post" action="/issues/{issue.pk}/close/".*?</form>', html, re.S).group(0)
    assert f'data-confirm="Close #{issue.pk} “Fix the webinar sync”? The MktgOps team stops working on it."' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<button class="btn danger">Close this request</button>' in form
    assert '<script src="/static/js/portal.js"></script>' in html


def test_requester_closes_and_reopens_in_the_same_milestone(client, requester_user):
    factories.current_milestone()
    issue = IssueFactory(requester=requester_user)
    client.force_login(requester_user)
    assert client.post(f"/issues/{issue.pk}/close/").status_code == 302
    issue.refresh_from_db()
    assert issue.closed_at is not None
    assert client.post(f"/issues/{issue.pk}/reopen/").status_code == 302
    issue.refresh_from_db()
    assert issue.closed_at is None


def test_issue_closed_in_a_previous_milestone_is_not_reopened_by_its_requester(client, requester_user):
    factories.current_milestone()
    issue = IssueFactory(
        requester=requester_user,
        closed_at=timezone.now() - datetime.timedelta(days=20),
        closed_in_milestone=factories.past_milestone(),
    )
    client.force_login(requester_user)
    html = body(client.get(f"/issues/{issue.pk}/"))
    assert f'action="/issues/{issue.pk}/reopen/"' not in html
    assert "ping the MktgOps DRI" in html
    response = client.post(f"/issues/{issue.pk}/reopen/", {"reason": "please"})
    assert response.status_code == 403
    assert "Comment on it with your question and ping the MktgOps DRI" in body(response)
    issue.refresh_from_db()
    assert issue.closed_at is not None


def test_manager_reopens_an_issue_from_a_previous_milestone_only_with_a_reason(client, manager_user):
    factories.current_milestone()
    issue = IssueFactory(
        closed_at=timezone.now() - datetime.timedelta(days=20), closed_in_milestone=factories.past_milestone()
    )
    client.force_login(manager_user)
    response = client.post(f"/issues/{issue.pk}/reopen/", {"reason": ""})
    assert "Give the reason it comes back: it was closed in a previous milestone." in body(response)
    assert client.post(f"/issues/{issue.pk}/reopen/", {"reason": "Regression"}).status_code == 302
    issue.refresh_from_db()
    assert issue.closed_at is None


@pytest.mark.parametrize(("weight", "offered"), [(20, False), (21, True)])
def test_promote_to_epic_is_offered_from_weight_21(client, ic_user, weight, offered):
    issue = IssueFactory(weight=weight)
    client.force_login(ic_user)
    html = body(client.get(f"/issues/{issue.pk}/"))
    assert (f'action="/issues/{issue.pk}/promote/"' in html) is offered
    response = client.post(f"/issues/{issue.pk}/promote/")
    assert response.status_code == (302 if offered else 403)
    assert Epic.objects.exists() is offered


def test_unknown_action_is_404_and_get_is_refused(client, ic_user):
    issue = IssueFactory()
    client.force_login(ic_user)
    assert client.post(f"/issues/{issue.pk}/explode/").status_code == 404
    assert client.get(f"/issues/{issue.pk}/close/").status_code == 405


def test_mktgops_ticks_an_evaluation_step_and_who_and_when_is_kept(client, requester_user, ic_user):
    issue = request_submit(requester=requester_user, request_type="tool_evaluation", title="Eval", description="x")
    step = ChecklistItem.objects.get(issue=issue, position=1)
    client.force_login(ic_user)
    html = body(client.get(f"/issues/{issue.pk}/"))
    assert "Discovery - understand the request" in html
    assert "Post-Implementation Review &amp; Retro" in html
    assert client.post(f"/issues/{issue.pk}/checklist/{step.pk}/", {"done": "1"}).status_code == 302
    step.refresh_from_db()
    assert step.done
    assert step.done_by == ic_user
    assert step.done_at is not None
    client.post(f"/issues/{issue.pk}/checklist/{step.pk}/", {"done": "0"})
    step.refresh_from_db()
    assert not step.done
    assert step.done_by is None


def test_requester_cannot_tick_an_evaluation_step(client, requester_user):
    issue = request_submit(requester=requester_user, request_type="tool_evaluation", title="Eval", description="x")
    step = ChecklistItem.objects.get(issue=issue, position=1)
    client.force_login(requester_user)
    assert f"/checklist/{step.pk}/" not in body(client.get(f"/issues/{issue.pk}/"))
    assert client.post(f"/issues/{issue.pk}/checklist/{step.pk}/", {"done": "1"}).status_code == 403
    step.refresh_from_db()
    assert not step.done


@pytest.mark.parametrize("count", [10, 200])
def test_page_runs_a_constant_number_of_queries(client, ic_user, taxonomy, django_assert_num_queries, count):
    milestone = factories.current_milestone()
    issue = IssueFactory(assignee=ic_user, milestone=milestone, weight=3)
    issue.labels.add(taxonomy["Marketo"])
    people = [factories.requester() for _ in range(5)]
    for n in range(count):
        Comment.objects.create(issue=issue, author=people[n % 5], body=f"comment **{n}**")
        IssueEvent.objects.create(issue=issue, by=people[n % 5], kind=EventKind.WEIGHT_CHANGED, new_value=str(n))
        IssueTransition.objects.create(issue=issue, by=ic_user, from_stage="00", to_stage="02")
    client.force_login(ic_user)
    client.get(f"/issues/{issue.pk}/")
    # session, user, groups, issue, labels, 3 timeline + the comments' files, checklist, the request's files,
    # links, whether the viewer watches, pickers (assignee, milestone, business owner, labels) and the
    # milestone the issue is in
    with django_assert_num_queries(16):
        response = client.get(f"/issues/{issue.pk}/")
    assert len(response.context["timeline"]) == 3 * count


def test_missing_issue_is_404(client, ic_user):
    client.force_login(ic_user)
    assert client.get("/issues/999999/").status_code == 404


def test_issue_model_count_untouched_by_page_views(client, ic_user):
    issue = IssueFactory()
    client.force_login(ic_user)
    client.get(f"/issues/{issue.pk}/")
    assert Issue.objects.count() == 1


def test_triage_form_names_people_as_the_board_does_and_marks_the_current_milestone(client, ic_user):
    current, future = factories.current_milestone(), factories.future_milestone()
    issue = IssueFactory(stage=Stage.READY)
    client.force_login(ic_user)
    html = body(client.get(f"/issues/{issue.pk}/"))
    assert f">{ic_user.get_full_name()}</option>" in html
    assert f">{current.title} (current)</option>" in html
    assert f">{future.title}</option>" in html
