"""The board page, its "load more" pages and its move endpoint."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from mktgops_portal.compiled_queries import statement_sql
from requests_app.models import EventKind, Issue, IssueEvent, IssueTransition, Stage
from requests_app.selectors import BOARD_PAGE_SIZE, blocked_age
from tests import factories

pytestmark = pytest.mark.django_db

MOVE_HEADERS = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def ic_client(client, ic_user):
    client.force_login(ic_user)
    return client


def _board_queries(client, url="/board/") -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _move(client, issue, **data):
    return client.post(f"/board/issues/{issue.pk}/move/", data, **MOVE_HEADERS)


def test_board_has_one_column_per_stage_with_its_exact_label_and_count(ic_client):
    factories.IssueFactory.create_batch(3, stage=Stage.TRIAGE)
    factories.IssueFactory(stage=Stage.READY)
    response = ic_client.get("/board/")
    html = response.content.decode()
    for stage in Stage:
        assert f'aria-label="{stage.label}"' in html
        assert f'<span class="scope">MktgOps::</span>{stage.label[9:]}</h2>' in html
    columns = {c.stage: c.count for c in response.context["board"].lanes[0].columns}
    assert columns["00"] == 3
    assert columns["02"] == 1
    assert columns["04"] == 0


def test_card_shows_iid_title_assignee_priority_labels_weight_and_lock(ic_client, ic_user):
    current = factories.current_milestone()
    high = factories.LabelFactory(name="MktgOpsPriority::High")
    marketo = factories.LabelFactory(name="Marketo")
    issue = factories.IssueFactory(
        stage=Stage.IN_PROGRESS,
        title="Fix the lead score",
        assignee=ic_user,
        milestone=current,
        weight=5,
        confidential=True,
    )
    issue.labels.add(high, marketo)
    html = ic_client.get("/board/").content.decode()
    card = html[html.index(f'id="card-{issue.pk}"') :]
    card = card[: card.index("</article>")]
    assert f"#{issue.pk}" in card
    assert "Fix the lead score" in card
    assert ic_user.get_full_name() in card
    assert "prio-high" in card
    assert "Marketo" in card
    assert "w5" in card
    assert 'aria-label="Confidential"' in card


def test_board_by_default_shows_the_current_milestone_and_unplanned_issues(ic_client):
    current, future = factories.current_milestone(), factories.future_milestone()
    in_current = factories.IssueFactory(stage=Stage.IN_PROGRESS, milestone=current, title="now")
    unplanned = factories.IssueFactory(stage=Stage.TRIAGE, title="untriaged")
    # Started work slotted into a later milestone (a 04 after a milestone change) is not "current".
    in_future = factories.IssueFactory(stage=Stage.IN_PROGRESS, milestone=future, title="later")
    html = ic_client.get("/board/").content.decode()
    assert f'id="card-{in_current.pk}"' in html
    assert f'id="card-{unplanned.pk}"' in html
    assert f'id="card-{in_future.pk}"' not in html
    html = ic_client.get("/board/?milestone=any").content.decode()
    assert f'id="card-{in_future.pk}"' in html
    html = ic_client.get(f"/board/?milestone={future.pk}").content.decode()
    assert f'id="card-{in_future.pk}"' in html
    assert f'id="card-{unplanned.pk}"' not in html
    html = ic_client.get("/board/?milestone=none").content.decode()
    assert f'id="card-{unplanned.pk}"' in html
    assert f'id="card-{in_current.pk}"' not in html


def test_board_shows_only_open_issues(ic_client, ic_user):
    closed = factories.IssueFactory(stage=Stage.TRIAGE)
    Issue.objects.filter(pk=closed.pk).update(closed_at="2026-01-01T00:00:00Z")
    assert f'id="card-{closed.pk}"' not in ic_client.get("/board/").content.decode()


def test_a_board_url_without_filters_reads_as_every_filter_left_empty(rf):
    from requests_app.views.board import _filters

    # No query string skips the form (every move asks): its defaults must be the form's reading of empty filters.
    empty = "milestone=&assignee=&label=&priority=&request_type=&q=&lanes=&due="
    assert _filters(rf.get("/board/")) == _filters(rf.get(f"/board/?{empty}"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("assignee=ivy", "mine"),
        ("assignee=none", "nobody"),
        ("label=Marketo", "mine"),
        ("priority=High", "nobody"),
        ("request_type=bug", "nobody"),
        ("q=lead+score", "mine"),
    ],
)
def test_board_filters_come_from_the_url(ic_client, ic_user, query, expected):
    current = factories.current_milestone()
    mine = factories.IssueFactory(stage=Stage.IN_PROGRESS, title="Lead score", assignee=ic_user, milestone=current)
    mine.labels.add(factories.LabelFactory(name="Marketo"))
    nobody = factories.IssueFactory(stage=Stage.TRIAGE, title="Broken form", request_type="bug")
    nobody.labels.add(factories.LabelFactory(name="MktgOpsPriority::High"))
    html = ic_client.get(f"/board/?{query}").content.decode()
    shown, hidden = (mine, nobody) if expected == "mine" else (nobody, mine)
    assert f'id="card-{shown.pk}"' in html
    assert f'id="card-{hidden.pk}"' not in html


def test_malformed_filters_are_ignored_not_fatal(ic_client):
    assert ic_client.get("/board/?milestone=drop+table&priority=Urgent&lanes=x").status_code == 200


HUGE = "9" * 30  # beyond any database integer


@pytest.mark.parametrize("q", ["%C2%B2", "%23%C2%B2", HUGE])  # "²" is a digit to str.isdigit, not to int()
def test_a_search_that_is_almost_an_issue_number_is_a_text_search(ic_client, q):
    assert ic_client.get(f"/board/?q={q}").status_code == 200


def test_an_out_of_range_milestone_id_is_ignored_not_fatal(ic_client):
    assert ic_client.get(f"/board/?milestone={HUGE}").status_code == 200
    assert ic_client.get(f"/board/column/00/?milestone={HUGE}").status_code == 200


@pytest.mark.parametrize("query", [f"lanes=assignee&lane={HUGE}", f"after={HUGE}", "after=-3", "lane=-1"])
def test_load_more_answers_bad_input_with_a_page_or_a_400(ic_client, query):
    factories.IssueFactory(stage=Stage.TRIAGE)
    assert ic_client.get(f"/board/column/00/?{query}").status_code in (200, 400)


def test_load_more_after_a_hidden_issue_reveals_nothing_about_it(client, requester_user, other_requester):
    """Paging after a card the user may not see starts from the top, as after a missing one."""
    for position in (10, 20, 30):
        factories.IssueFactory(stage=Stage.TRIAGE, requester=requester_user, position=position)
    hidden = factories.IssueFactory(stage=Stage.TRIAGE, confidential=True, requester=other_requester, position=25)
    client.force_login(requester_user)
    after_hidden = client.get(f"/board/column/00/?after={hidden.pk}").content.decode()
    after_missing = client.get(f"/board/column/00/?after={hidden.pk + 1000}").content.decode()
    assert after_hidden == after_missing


def _issues(n, current):
    label = factories.LabelFactory(name="Marketo")
    people = [factories.ic(username=f"ic{i}") for i in range(3)]
    stages = [Stage.TRIAGE, Stage.READY, Stage.IN_PROGRESS, Stage.REVIEW, Stage.COMPLETED]
    issues = [
        factories.IssueFactory(
            stage=stages[i % len(stages)],
            position=i,
            assignee=people[i % 3],
            milestone=current if stages[i % len(stages)] not in (Stage.TRIAGE, Stage.READY) else None,
        )
        for i in range(n)
    ]
    for issue in issues[::2]:
        issue.labels.add(label)
    return issues


@pytest.mark.parametrize("lanes", ["", "?lanes=assignee"])
def test_board_runs_the_same_number_of_queries_for_20_and_500_issues(ic_client, lanes):
    current = factories.current_milestone()
    _issues(20, current)
    ic_client.get("/board/")  # the first request caches the user's roles and today's milestone, as in production
    small = _board_queries(ic_client, f"/board/{lanes}")
    _issues(480, current)
    assert Issue.objects.count() == 500
    large = _board_queries(ic_client, f"/board/{lanes}")
    assert small == large
    # session, user, counts, first pages of every column (one UNION ALL), their labels, milestones, members, labels
    assert large == 8


def test_columns_show_their_first_page_and_load_the_rest_on_demand(ic_client):
    issues = [factories.IssueFactory(stage=Stage.TRIAGE, position=i) for i in range(BOARD_PAGE_SIZE * 2 + 5)]
    response = ic_client.get("/board/")
    triage = response.context["board"].lanes[0].columns[0]
    assert [c.pk for c in triage.cards] == [i.pk for i in issues[:BOARD_PAGE_SIZE]]
    assert triage.count == len(issues)
    assert 'class="btn small load-more"' in response.content.decode()

    page = ic_client.get(f"/board/column/00/?lane=all&after={issues[BOARD_PAGE_SIZE - 1].pk}")
    assert [c.pk for c in page.context["cards"]] == [i.pk for i in issues[BOARD_PAGE_SIZE : BOARD_PAGE_SIZE * 2]]
    assert "load-more" in page.content.decode()
    last = ic_client.get(f"/board/column/00/?lane=all&after={issues[BOARD_PAGE_SIZE * 2 - 1].pk}")
    assert [c.pk for c in last.context["cards"]] == [i.pk for i in issues[BOARD_PAGE_SIZE * 2 :]]
    assert "load-more" not in last.content.decode()
    assert 'hx-swap-oob="true"' in last.content.decode()


def test_load_more_runs_the_same_number_of_queries_at_any_depth(ic_client):
    issues = [factories.IssueFactory(stage=Stage.TRIAGE, position=i) for i in range(200)]
    ic_client.get("/board/")  # caches roles and today's milestone
    shallow = _board_queries(ic_client, f"/board/column/00/?after={issues[19].pk}")
    deep = _board_queries(ic_client, f"/board/column/00/?after={issues[179].pk}")
    assert shallow == deep


def test_swimlanes_group_cards_by_assignee_with_unassigned_last(ic_client):
    current = factories.current_milestone()
    ann = factories.ic(username="ann", first_name="Ann")
    bob = factories.ic(username="bob", first_name="Bob")
    factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=bob, milestone=current)
    factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ann, milestone=current)
    factories.IssueFactory(stage=Stage.TRIAGE)
    response = ic_client.get("/board/?lanes=assignee")
    lanes = response.context["board"].lanes
    assert [lane.name for lane in lanes] == ["Ann", "Bob", "Unassigned"]
    assert [lane.count for lane in lanes] == [1, 1, 1]
    assert 'class="board board-lanes"' in response.content.decode()


def test_requesters_see_a_read_only_board_without_confidential_issues_of_others(client, requester_user):
    public = factories.IssueFactory(stage=Stage.TRIAGE)
    secret = factories.IssueFactory(stage=Stage.TRIAGE, confidential=True)
    own_secret = factories.IssueFactory(stage=Stage.TRIAGE, confidential=True, requester=requester_user)
    client.force_login(requester_user)
    html = client.get("/board/").content.decode()
    assert f'id="card-{public.pk}"' in html
    assert f'id="card-{own_secret.pk}"' in html
    assert f'id="card-{secret.pk}"' not in html
    assert secret.title not in html
    assert 'data-can-move="0"' in html
    assert "move-menu" not in html
    counts = client.get("/board/").context["board"].totals
    assert counts["00"] == 2


def test_board_requires_sign_in(client):
    response = client.get("/board/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- The move endpoint the board's script calls ------------------------------------------------------


def test_board_move_accepted_returns_the_new_card_and_no_recount(ic_client, ic_user):
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.READY, assignee=ic_user, milestone=current)
    response = _move(ic_client, issue, stage="04", expected_stage="02")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["stage"] == "04"
    assert 'data-stage="04"' in data["card"]
    # The script moves the counts by one itself: the response carries no recount of every column.
    assert set(data) == {"id", "stage", "stage_label", "detail", "card"}
    issue.refresh_from_db()
    assert issue.stage == Stage.IN_PROGRESS
    assert IssueTransition.objects.filter(issue=issue, from_stage="02", to_stage="04").count() == 1


def test_board_move_refused_says_why_and_what_to_do(ic_client):
    issue = factories.IssueFactory(stage=Stage.READY)
    response = _move(ic_client, issue, stage="04", expected_stage="02")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "it has no assignee" in detail
    assert "Assign someone and put it in the current milestone first." in detail
    assert response.json()["stage"] == "02"
    issue.refresh_from_db()
    assert issue.stage == Stage.READY
    assert not IssueTransition.objects.exists()


def test_board_move_by_a_requester_is_forbidden(client, requester_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, requester=requester_user)
    client.force_login(requester_user)
    response = _move(client, issue, stage="02")
    assert response.status_code == 403
    assert "Only MktgOps" in response.json()["detail"]
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE


def test_board_reorder_by_a_requester_is_forbidden(client, requester_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, requester=requester_user, position=10)
    other = factories.IssueFactory(stage=Stage.TRIAGE, position=5)
    client.force_login(requester_user)
    response = _move(client, issue, stage="00", before_id=other.pk)
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.position == 10


def test_board_move_of_a_hidden_issue_is_not_found(client, requester_user):
    secret = factories.IssueFactory(stage=Stage.TRIAGE, confidential=True)
    client.force_login(requester_user)
    assert _move(client, secret, stage="02").status_code == 404
    assert _move(client, secret, stage="06", sign_off="1").status_code == 404
    secret.refresh_from_db()
    assert (secret.stage, secret.signed_off_at) == (Stage.TRIAGE, None)


def test_board_move_with_a_malformed_body_is_a_bad_request(ic_client):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = _move(ic_client, issue, stage="99", after_id="x")
    assert response.status_code == 400
    assert "stage" in response.json()["detail"]


def test_board_move_after_someone_else_moved_it_tells_the_current_stage(ic_client):
    issue = factories.IssueFactory(stage=Stage.NEEDS_INFO)
    response = _move(ic_client, issue, stage="01", expected_stage="00")
    assert response.status_code == 409
    assert "moved by someone else: it is now in MktgOps::01: Needs More Information" in response.json()["detail"]


def test_dropping_between_two_cards_writes_only_the_dropped_card(ic_client):
    column = [factories.IssueFactory(stage=Stage.TRIAGE, position=p) for p in (0, 65536, 131072, 196608)]
    moved = column[3]
    with CaptureQueriesContext(connection) as ctx:
        response = _move(
            ic_client, moved, stage="00", expected_stage="00", after_id=column[0].pk, before_id=column[1].pk
        )
    assert response.status_code == 200, response.content
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert [card.pk for card in ic_client.get("/board/").context["board"].lanes[0].columns[0].cards] == [
        column[0].pk,
        moved.pk,
        column[1].pk,
        column[2].pk,
    ]


def test_dropping_into_a_filtered_column_lands_next_to_the_visible_neighbour(ic_client, ic_user):
    current = factories.current_milestone()
    visible = factories.IssueFactory(stage=Stage.IN_PROGRESS, position=100, milestone=current, assignee=ic_user)
    hidden = factories.IssueFactory(stage=Stage.IN_PROGRESS, position=200, milestone=current)
    last = factories.IssueFactory(stage=Stage.IN_PROGRESS, position=300, milestone=current, assignee=ic_user)
    issue = factories.IssueFactory(stage=Stage.READY, assignee=ic_user, milestone=current)
    # The board filtered by assignee shows `visible` and `last`; the drop lands between them, after `visible`.
    response = ic_client.post(
        f"/board/issues/{issue.pk}/move/?assignee=ivy",
        {"stage": "04", "after_id": visible.pk, "before_id": last.pk},
        **MOVE_HEADERS,
    )
    assert response.status_code == 200, response.content
    issue.refresh_from_db()
    assert visible.position < issue.position < hidden.position


def test_blocking_from_the_board_needs_a_reason(ic_client):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    refused = _move(ic_client, issue, stage="07", expected_stage="00")
    assert refused.status_code == 409
    assert "no reason was given" in refused.json()["detail"]
    accepted = _move(ic_client, issue, stage="07", expected_stage="00", reason="Waiting on Legal")
    assert accepted.status_code == 200
    assert IssueTransition.objects.get(issue=issue, to_stage="07").reason == "Waiting on Legal"


def test_ready_to_deploy_from_the_board_records_the_owners_sign_off_with_the_move(ic_client, ic_user):
    """The business owner (here an IC who owns the request) signs off in the drop's dialog, with the move."""
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.REVIEW, assignee=ic_user, milestone=current, business_owner=ic_user)
    refused = _move(ic_client, issue, stage="06", expected_stage="05")
    assert refused.status_code == 409
    assert "sign-off" in refused.json()["detail"]
    accepted = _move(ic_client, issue, stage="06", expected_stage="05", sign_off="on")
    assert accepted.status_code == 200, accepted.content
    issue.refresh_from_db()
    assert issue.stage == Stage.READY_TO_DEPLOY
    assert issue.signed_off_by == ic_user


def test_an_ic_cannot_sign_off_for_the_business_owner_from_the_board(ic_client, ic_user):
    issue = factories.IssueFactory(stage=Stage.REVIEW, assignee=ic_user, milestone=factories.current_milestone())
    refused = _move(ic_client, issue, stage="06", expected_stage="05", sign_off="on")
    assert refused.status_code == 403
    assert refused.json()["code"] == "sign_off_not_owner"
    issue.refresh_from_db()
    assert (issue.stage, issue.signed_off_at) == (Stage.REVIEW, None)


def test_a_refused_move_leaves_no_sign_off_behind(ic_client):
    issue = factories.IssueFactory(stage=Stage.REVIEW)
    response = _move(ic_client, issue, stage="06", expected_stage="04", sign_off="on")
    assert response.status_code == 409
    issue.refresh_from_db()
    assert issue.signed_off_at is None


def test_move_menu_without_script_redirects_back_with_the_message(ic_client):
    issue = factories.IssueFactory(stage=Stage.READY)
    response = ic_client.post(f"/board/issues/{issue.pk}/move/?lanes=assignee", {"stage": "04"}, follow=True)
    assert response.redirect_chain[-1][0] == "/board/?lanes=assignee"
    assert "it has no assignee" in response.content.decode()
    ok = ic_client.post(f"/board/issues/{issue.pk}/move/", {"stage": "00"}, follow=False)
    assert ok.status_code == 302


def test_move_menu_offers_the_workflow_moves_from_the_card_stage(ic_client):
    issue = factories.IssueFactory(stage=Stage.READY)
    html = ic_client.get("/board/").content.decode()
    card = html[html.index(f'id="card-{issue.pk}"') :]
    card = card[: card.index("</article>")]
    offered = [part.split('"')[0] for part in card.split('name="stage" value="')[1:]]
    assert offered == ["03", "04", "07"]
    assert 'data-targets="03 04 07"' in card


def test_board_move_response_is_json_even_for_html_errors(ic_client):
    response = ic_client.post("/board/issues/999999/move/", {"stage": "02"}, **MOVE_HEADERS)
    assert response.status_code == 404
    assert json.loads(response.content)["detail"]


def test_board_move_to_needs_information_requires_the_question_for_the_requester(ic_client, mailoutbox):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = _move(ic_client, issue, stage="01", expected_stage="00", reason="  ")
    assert response.status_code == 409
    assert "Say what information you need from the requester" in response.json()["detail"]
    assert response.json()["stage"] == Stage.TRIAGE  # where the card goes back to
    issue.refresh_from_db()
    assert issue.stage == Stage.TRIAGE
    assert not IssueTransition.objects.exists()
    assert mailoutbox == []

    response = _move(ic_client, issue, stage="01", expected_stage="00", reason="Which form is it?")
    assert response.status_code == 200, response.content
    issue.refresh_from_db()
    assert issue.stage == Stage.NEEDS_INFO
    assert IssueTransition.objects.get(issue=issue).reason == "Which form is it?"


def test_board_move_to_needs_information_by_a_requester_stays_forbidden(client, requester_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, requester=requester_user)
    client.force_login(requester_user)
    response = _move(client, issue, stage="01")
    assert response.status_code == 403


def test_board_by_default_shows_work_not_started_whatever_milestone_it_is_slotted_into(ic_client):
    future, past = factories.future_milestone(), factories.past_milestone()
    assigned = factories.IssueFactory(stage=Stage.ASSIGNED, milestone=future)
    ready_with_future = factories.IssueFactory(stage=Stage.READY, milestone=future)  # about to be dragged to 03
    blocked_from_assigned = factories.IssueFactory(stage=Stage.BLOCKED, blocked_from=Stage.ASSIGNED, milestone=future)
    blocked_in_progress = factories.IssueFactory(stage=Stage.BLOCKED, blocked_from=Stage.IN_PROGRESS, milestone=past)
    response = ic_client.get("/board/")
    html = response.content.decode()
    for issue in (assigned, ready_with_future, blocked_from_assigned):
        assert f'id="card-{issue.pk}"' in html
    assert f'id="card-{blocked_in_progress.pk}"' not in html
    columns = {c.stage: c.count for c in response.context["board"].lanes[0].columns}
    assert columns["03"] == 1
    assert columns["07"] == 1


def test_a_card_moved_to_assigned_is_counted_in_its_column(ic_client, ic_user):
    future = factories.future_milestone()
    issue = factories.IssueFactory(stage=Stage.READY, assignee=ic_user, milestone=future)
    response = _move(ic_client, issue, stage="03", expected_stage="02")
    assert response.status_code == 200, response.content
    # The script counts it +1 in 03: the board, reloaded, agrees.
    assigned = ic_client.get("/board/").context["board"].lanes[0].columns[3]
    assert (assigned.stage, assigned.count, [c.pk for c in assigned.cards]) == ("03", 1, [issue.pk])


def test_a_plain_drop_reads_the_card_row_once_under_its_lock_and_shows_it_from_there(
    ic_client, ic_user, django_assert_num_queries
):
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ic_user, milestone=current)
    for user in (issue.requester, ic_user):  # as the services leave it: requester and assignee watch it
        factories.WatchFactory(issue=issue, user=user)
    ic_client.get("/board/")  # roles and the current milestone are cached from here on, as between real requests
    # session, user, savepoint, the locked read, the update (which computes the column's end), the log row, the
    # watchers with their preferences and the notifications (issue 13), release, the card's labels
    with django_assert_num_queries(10) as captured:
        assert _move(ic_client, issue, stage="05", expected_stage="04").status_code == 200
    sql = [statement_sql(q["sql"]) for q in captured.captured_queries]  # prepared statements as their SQL
    reads_by_id = [q for q in sql if q.startswith("SELECT") and 'WHERE "requests_app_issue"."id" = ' in q]
    assert len(reads_by_id) == 1  # under the lock: the card is built from that row, not read again
    assert sql[-1].startswith('SELECT "requests_app_issue_labels"')  # its labels, after the commit
    assert not any("COUNT(" in q for q in sql)  # no recount of the columns
    assert not any("auth_group" in q for q in sql)  # roles: cached
    assert not any(q.startswith('SELECT "milestones_milestone"') for q in sql)  # current milestone: cached


def _blocked(reason, days_ago, **kwargs):
    issue = factories.IssueFactory(stage=Stage.BLOCKED, blocked_from=Stage.TRIAGE, **kwargs)
    at = timezone.now() - datetime.timedelta(days=days_ago)
    IssueTransition.objects.create(issue=issue, from_stage="00", to_stage="07", reason=reason, at=at)
    return issue


def _card(html, issue):
    card = html[html.index(f'id="card-{issue.pk}"') :]
    return card[: card.index("</article>")]


def test_a_blocked_card_says_what_it_waits_on_and_for_how_long(ic_client):
    long_reason = "Waiting on Legal to approve the new consent wording for the EMEA webinar forms, then on the DPO"
    issue = _blocked("Waiting on the vendor's API key", days_ago=9)
    now = timezone.now()
    IssueTransition.objects.create(issue=issue, from_stage="07", to_stage="00", at=now - datetime.timedelta(days=5))
    IssueTransition.objects.create(
        issue=issue, from_stage="00", to_stage="07", reason=long_reason, at=now - datetime.timedelta(days=3, hours=2)
    )
    working = factories.IssueFactory(stage=Stage.TRIAGE)
    IssueTransition.objects.create(issue=working, from_stage="00", to_stage="07", reason="Old block")
    html = ic_client.get("/board/").content.decode()

    card = _card(html, issue)
    assert ">blocked 3 d</span>" in card  # since the latest move into 07, not the first
    assert f'title="{escape(long_reason)}"' in card
    assert f">{escape(long_reason[:69])}…</span>" in card
    assert "vendor" not in card
    assert "blocked" not in _card(html, working)
    assert "Old block" not in _card(html, working)


def test_a_card_just_moved_to_blocked_says_so(ic_client):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = _move(ic_client, issue, stage="07", expected_stage="00", reason="Waiting on Legal")
    assert ">blocked &lt; 1 h</span>" in response.json()["card"]
    assert ">Waiting on Legal</span>" in response.json()["card"]


@pytest.mark.parametrize(
    ("elapsed", "reads"),
    [
        (datetime.timedelta(0), "< 1 h"),
        (datetime.timedelta(minutes=59, seconds=59), "< 1 h"),
        (datetime.timedelta(hours=1), "1 h"),
        (datetime.timedelta(hours=23, minutes=59), "23 h"),
        (datetime.timedelta(days=1), "1 d"),
        (datetime.timedelta(days=3, hours=20), "3 d"),
        (datetime.timedelta(seconds=-30), "< 1 h"),  # a clock a little ahead of the database's
    ],
)
def test_blocked_time_reads_in_whole_hours_or_days(elapsed, reads):
    assert blocked_age(elapsed) == reads


def test_blocked_cards_keep_the_board_and_load_more_query_counts_constant(ic_client):
    for i in range(3):
        _blocked(f"Reason {i}", days_ago=i)
    ic_client.get("/board/")  # caches roles and today's milestone
    few, few_more = _board_queries(ic_client), _board_queries(ic_client, "/board/column/07/?lane=all")
    for i in range(60):
        _blocked(f"Reason {i}", days_ago=i)
    assert _board_queries(ic_client) == few == 8
    assert _board_queries(ic_client, "/board/column/07/?lane=all") == few_more


# --- Drops into another swimlane reassign --------------------------------------------------------


def test_a_drop_into_a_colleagues_lane_reassigns_and_logs_it_with_the_move(ic_client, ic_user):
    bob = factories.ic(username="bob", first_name="Bob")
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ic_user, milestone=current)
    response = _move(ic_client, issue, stage="05", expected_stage="04", assignee=str(bob.pk))
    assert response.status_code == 200, response.content
    assert response.json()["detail"] == f"#{issue.pk} is now in MktgOps::05: Business Owner Review, assigned to Bob."
    issue.refresh_from_db()
    assert (issue.stage, issue.assignee) == (Stage.REVIEW, bob)
    event = IssueEvent.objects.get(issue=issue, kind=EventKind.ASSIGNEE_CHANGED)
    assert (event.old_value, event.new_value) == ("ivy", "bob")


def test_a_drop_into_a_lane_in_the_same_stage_only_reassigns(ic_client, ic_user):
    bob = factories.ic(username="bob")
    issue = factories.IssueFactory(stage=Stage.TRIAGE, assignee=ic_user)
    response = _move(ic_client, issue, stage="00", expected_stage="00", assignee=str(bob.pk))
    assert response.status_code == 200, response.content
    issue.refresh_from_db()
    assert (issue.stage, issue.assignee) == (Stage.TRIAGE, bob)
    assert not IssueTransition.objects.filter(issue=issue).exists()


def test_a_drop_into_the_unassigned_lane_unassigns(ic_client, ic_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, assignee=ic_user)
    assert _move(ic_client, issue, stage="00", expected_stage="00", assignee="none").status_code == 200
    issue.refresh_from_db()
    assert issue.assignee is None


def test_the_new_assignee_counts_for_the_moves_guard(ic_client, ic_user):
    # 02 → 03 needs an assignee: dropping an unassigned card into Ivy's lane supplies it.
    issue = factories.IssueFactory(stage=Stage.READY, milestone=factories.future_milestone())
    response = _move(ic_client, issue, stage="03", expected_stage="02", assignee=str(ic_user.pk))
    assert response.status_code == 200, response.content
    issue.refresh_from_db()
    assert (issue.stage, issue.assignee) == (Stage.ASSIGNED, ic_user)


def test_a_drop_into_the_lane_of_someone_outside_mktgops_is_refused_and_changes_nothing(ic_client, ic_user):
    former = factories.ic(username="cy")
    former.groups.clear()
    issue = factories.IssueFactory(stage=Stage.TRIAGE, assignee=ic_user)
    response = _move(ic_client, issue, stage="01", expected_stage="00", reason="Which list?", assignee=str(former.pk))
    assert response.status_code == 400
    assert response.json()["code"] == "not_assignable"
    assert "only active MktgOps team members can be assigned" in response.json()["detail"]
    issue.refresh_from_db()
    assert (issue.stage, issue.assignee) == (Stage.TRIAGE, ic_user)
    assert not IssueEvent.objects.filter(issue=issue).exists()


@pytest.mark.parametrize("assignee", ["999999", "bob", "-1", "1" * 19])
def test_a_drop_naming_no_such_lane_is_a_bad_request_not_a_500(ic_client, assignee):
    issue = factories.IssueFactory(stage=Stage.TRIAGE)
    response = _move(ic_client, issue, stage="00", expected_stage="00", assignee=assignee)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_requester_cannot_reassign_by_dropping(client, requester_user, ic_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, requester=requester_user)
    client.force_login(requester_user)
    response = _move(client, issue, stage="00", expected_stage="00", assignee=str(ic_user.pk))
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.assignee is None


def test_reassigning_a_closed_issue_is_refused(ic_client, ic_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, closed_at=timezone.now())
    response = _move(ic_client, issue, stage="00", expected_stage="00", assignee=str(ic_user.pk))
    assert response.status_code == 409
    issue.refresh_from_db()
    assert issue.assignee is None


def test_cards_alike_share_their_move_options_and_each_gets_what_it_would_alone(ic_user, manager_user):
    from requests_app import policy

    current = factories.current_milestone()
    cards = [
        factories.IssueFactory(stage=Stage.READY),
        factories.IssueFactory(stage=Stage.READY, assignee=ic_user, milestone=current),
        factories.IssueFactory(stage=Stage.READY, assignee=ic_user, milestone=current),
        factories.IssueFactory(stage=Stage.REVIEW, assignee=ic_user, milestone=current),
        factories.IssueFactory(stage=Stage.REVIEW, assignee=ic_user, milestone=current, requester=ic_user),
        factories.IssueFactory(stage=Stage.BLOCKED, blocked_from=Stage.IN_PROGRESS, milestone=current),
        factories.IssueFactory(stage=Stage.BLOCKED, blocked_from=Stage.TRIAGE),
        factories.IssueFactory(stage=Stage.COMPLETED, assignee=ic_user, milestone=current),
    ]
    for user in (ic_user, manager_user):
        many = policy.issue_move_options_many(user, cards)
        alone = [policy.issue_move_options(user, card) for card in cards]
        assert [[(o.to_stage, o.needs, bool(o.refusal)) for o in options] for options in many] == [
            [(o.to_stage, o.needs, bool(o.refusal)) for o in options] for options in alone
        ]


def test_a_title_with_markup_is_shown_as_text_on_the_card(ic_client):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, title='<img src=x onerror="alert(1)">')
    html = ic_client.get("/board/").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=" in _card(html, issue)
