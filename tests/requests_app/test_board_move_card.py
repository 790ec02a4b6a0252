"""The card the board's move answers with: built from the moved issue, the same card the board reads.

`board_card_from_issue` builds it from the issue `issue_move` returns plus one labels query; a blocked card and
one an app above issues may give a badge (the Sales Systems SLA) fall back to the full read (`board_card`).
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from labels.services import PRIO_ORDER, SYSTEMS_REQUEST
from requests_app import cards, selectors, services
from requests_app.models import IssueTransition, Stage
from sales_systems.models import FastTrack
from sales_systems.selectors import systems_sla_possible
from sales_systems.services import systems_request_advance, systems_request_set_fast_track
from tests import factories

pytestmark = pytest.mark.django_db

MOVE_HEADERS = {"HTTP_ACCEPT": "application/json"}


def _plain(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ic_user, milestone=factories.current_milestone())
    return issue, {"stage": "05", "expected_stage": "04"}


def _reassigned(ic_user, manager_user):
    bob = factories.ic(username="bob", first_name="Bob", last_name="Lee")
    issue = factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ic_user, milestone=factories.current_milestone())
    return issue, {"stage": "05", "expected_stage": "04", "assignee": str(bob.pk)}


def _reassigned_in_its_column(ic_user, manager_user):
    bob = factories.ic(username="bob", first_name="", last_name="")  # no name: the card shows the username
    issue = factories.IssueFactory(stage=Stage.TRIAGE, assignee=ic_user)
    return issue, {"stage": "00", "expected_stage": "00", "assignee": str(bob.pk)}


def _unassigned_by_a_drop(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, assignee=ic_user)
    return issue, {"stage": "00", "expected_stage": "00", "assignee": "none"}


def _labelled(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ic_user, milestone=factories.current_milestone())
    names = ["Marketo", "MktgOpsPriority::High", "Tool::Bizible", "bizible", "MktgOps - bug"]
    issue.labels.add(*[factories.LabelFactory(name=name, color=f"#00000{i}") for i, name in enumerate(names)])
    return issue, {"stage": "05", "expected_stage": "04"}


def _confidential(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, confidential=True, weight=3)
    return issue, {"stage": "02", "expected_stage": "00"}


def _reply_waiting(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, reply_waiting=True, assignee=ic_user)
    return issue, {"stage": "02", "expected_stage": "00"}  # 02 clears the planning and the reply badge


def _overdue(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, needed_by=timezone.localdate() - datetime.timedelta(days=2))
    return issue, {"stage": "01", "expected_stage": "00", "reason": "Which list?"}


def _needed_later(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, needed_by=timezone.localdate() + datetime.timedelta(days=9))
    return issue, {"stage": "02", "expected_stage": "00"}


def _signed_off(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.REVIEW, assignee=ic_user, milestone=factories.current_milestone())
    return issue, {"stage": "06", "expected_stage": "05", "sign_off": "on"}  # by the manager, on the owner's behalf


def _unblocked(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.BLOCKED, blocked_from=Stage.TRIAGE)
    IssueTransition.objects.create(issue=issue, from_stage="00", to_stage="07", reason="Waiting on Legal")
    return issue, {"stage": "00", "expected_stage": "07"}


FAST = [
    _plain,
    _reassigned,
    _reassigned_in_its_column,
    _unassigned_by_a_drop,
    _labelled,
    _confidential,
    _reply_waiting,
    _overdue,
    _needed_later,
    _signed_off,
    _unblocked,
]


def _blocked(ic_user, manager_user):
    issue = factories.IssueFactory(stage=Stage.TRIAGE, assignee=ic_user)
    issue.labels.add(factories.LabelFactory(name="MktgOpsPriority::Low"))
    return issue, {"stage": "07", "expected_stage": "00", "reason": "Waiting on the vendor's API key " * 4}


def _sales_systems_sla(ic_user, manager_user):
    prio = {name: factories.LabelFactory(name=name) for name in [SYSTEMS_REQUEST, *PRIO_ORDER]}
    issue = factories.IssueFactory(stage=Stage.TRIAGE, title="Permission set for SDRs")
    services.labels_attach(issue=issue, labels=[prio[SYSTEMS_REQUEST]], by=ic_user)
    systems_request_advance(issue=issue, to=PRIO_ORDER[0], by=ic_user)
    systems_request_set_fast_track(issue=issue, fast_track=FastTrack.PERMISSION_SET, by=ic_user)
    return issue, {"stage": "02", "expected_stage": "00"}


FALLBACK = [_blocked, _sales_systems_sla]


def _service_move(issue, data, by):
    kwargs = {"reason": data.get("reason", ""), "sign_off": bool(data.get("sign_off"))}
    if "assignee" in data:
        kwargs["assignee_id"] = None if data["assignee"] == "none" else int(data["assignee"])
    return services.issue_move(
        issue_id=issue.pk, to_stage=data["stage"], by=by, expected_stage=data["expected_stage"], **kwargs
    )


@pytest.mark.parametrize("case", FAST, ids=lambda case: case.__name__.strip("_"))
def test_the_moved_issues_card_is_the_full_reads_card_from_one_labels_query(
    case, ic_user, manager_user, django_assert_num_queries
):
    issue, data = case(ic_user, manager_user)
    moved = _service_move(issue, data, manager_user)
    with django_assert_num_queries(1):  # its labels
        card = selectors.board_card_from_issue(moved)
    assert card == selectors.board_card(issue.pk)


@pytest.mark.parametrize("case", FALLBACK, ids=lambda case: case.__name__.strip("_"))
def test_a_blocked_card_or_one_with_a_badge_is_the_full_read(case, ic_user, manager_user):
    issue, data = case(ic_user, manager_user)
    moved = _service_move(issue, data, manager_user)
    with CaptureQueriesContext(connection) as ctx:
        card = selectors.board_card_from_issue(moved)
    assert card is not None
    assert card == selectors.board_card(issue.pk)
    assert card.blocked_for or card.sla  # what only the annotated read knows
    assert any("requests_app_issuetransition" in q["sql"] or "sales_systems" in q["sql"] for q in ctx)


def _card_html(html: str, pk: int) -> str:
    """Card `pk`'s markup in `html`, its CSRF token left out (each read masks it afresh)."""
    card = html[html.index(f'id="card-{pk}"') :]
    card = card[: card.index("</article>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', card)


@pytest.mark.parametrize("case", FAST + FALLBACK, ids=lambda case: case.__name__.strip("_"))
def test_the_move_answers_with_the_card_the_board_then_shows(case, client, ic_user, manager_user):
    issue, data = case(ic_user, manager_user)
    client.force_login(manager_user)
    # A filtered board: the card's "Move to…" form keeps the filters, in the answer as on the page.
    response = client.post(f"/board/issues/{issue.pk}/move/?milestone=any", data, **MOVE_HEADERS)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer) == {"id", "stage", "stage_label", "detail", "card"}
    assert (answer["id"], answer["stage"]) == (issue.pk, data["stage"])
    board = client.get("/board/?milestone=any").content.decode()
    assert _card_html(answer["card"], issue.pk) == _card_html(board, issue.pk)


def test_only_a_label_a_badge_reads_sends_the_card_to_the_full_read(monkeypatch):
    monkeypatch.setattr(cards, "_CONTRIBUTIONS", [])
    assert not cards.card_badge_possible(["MktgOpsPrio::00: Requested"])  # no contributor, no badge

    def annotate(issues):
        return issues

    def badge(issue):
        return None

    cards.card_badge_register(annotate=annotate, badge=badge, may_badge=systems_sla_possible)
    cards.card_badge_register(annotate=annotate, badge=badge, may_badge=systems_sla_possible)  # once only
    assert len(cards._CONTRIBUTIONS) == 1
    assert cards.card_badge_possible(["Marketo", "MktgOpsPrio::01: In Queue"])
    assert not cards.card_badge_possible(["Marketo", "MktgOpsPriority::High", SYSTEMS_REQUEST])
    # A contributor that cannot tell from the labels may badge any card.
    cards.card_badge_register(annotate=annotate, badge=lambda issue: None)
    assert cards.card_badge_possible([])


@pytest.mark.parametrize(
    ("names", "possible"),
    [
        ([], False),
        ([SYSTEMS_REQUEST], False),
        (["MktgOpsPriority::High"], False),  # the board's priority, not the Sales Systems one
        ([PRIO_ORDER[0]], True),
        ([PRIO_ORDER[2]], True),
        (["mktgopsprio::00: requested"], True),  # SQLite's LIKE (the SLA's prio annotation) ignores case
    ],
)
def test_the_sla_badge_needs_a_sales_systems_priority_label(names, possible):
    assert systems_sla_possible(names) is possible
