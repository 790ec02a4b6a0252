import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from labels.models import Label
from labels.services import PRIO_ORDER, SYSTEMS_REQUEST, LabelError
from mktgops_portal.errors import Forbidden, Invalid
from requests_app.services import labels_attach
from sales_systems.models import FastTrack
from sales_systems.services import systems_request_advance, systems_request_set_fast_track
from sales_systems.sla import add_business_days, sla_for
from tests import factories as f

UTC = ZoneInfo("UTC")


@pytest.fixture
def systems_issue(prio_labels, ic_user):
    issue = f.IssueFactory(title="New lead field for ABM tier")
    labels_attach(issue=issue, labels=[prio_labels[SYSTEMS_REQUEST]], by=ic_user)
    return issue


def prio_of(issue):
    return list(issue.labels.filter(name__startswith="MktgOpsPrio::").values_list("name", flat=True))


def test_prio_moves_in_order(systems_issue, ic_user):
    for step in PRIO_ORDER:
        systems_request_advance(issue=systems_issue, to=step, by=ic_user)
        assert prio_of(systems_issue) == [step]


def test_advancing_to_a_label_that_was_never_seeded_is_refused_with_what_to_do(systems_issue, ic_user):
    Label.objects.filter(name=PRIO_ORDER[0]).delete()
    with pytest.raises(Invalid, match="seed the taxonomy"):
        systems_request_advance(issue=systems_issue, to=PRIO_ORDER[0], by=ic_user)
    assert prio_of(systems_issue) == []


def test_skipping_a_step_is_refused(systems_issue, ic_user):
    with pytest.raises(LabelError) as exc:
        systems_request_advance(issue=systems_issue, to=PRIO_ORDER[1], by=ic_user)
    assert "it has no prioritisation label yet, so the next step is MktgOpsPrio::00: Requested" in str(exc.value)
    assert prio_of(systems_issue) == []


def test_going_back_is_refused(systems_issue, ic_user):
    systems_request_advance(issue=systems_issue, to=PRIO_ORDER[0], by=ic_user)
    systems_request_advance(issue=systems_issue, to=PRIO_ORDER[1], by=ic_user)
    with pytest.raises(LabelError, match="it is at MktgOpsPrio::01: In Queue, so the next step is MktgOpsPrio::02"):
        systems_request_advance(issue=systems_issue, to=PRIO_ORDER[0], by=ic_user)
    assert prio_of(systems_issue) == [PRIO_ORDER[1]]


def test_nothing_after_actioned(systems_issue, ic_user):
    for step in PRIO_ORDER:
        systems_request_advance(issue=systems_issue, to=step, by=ic_user)
    with pytest.raises(LabelError, match="already actioned"):
        labels_attach(issue=systems_issue, labels=[f.LabelFactory(name=PRIO_ORDER[0])], by=ic_user)


def test_prio_needs_the_systems_request_label(prio_labels, ic_user):
    issue = f.IssueFactory()
    with pytest.raises(LabelError, match="add MktgOps/Systems-Request first"):
        labels_attach(issue=issue, labels=[prio_labels[PRIO_ORDER[0]]], by=ic_user)


def test_requesters_cannot_advance(systems_issue, requester_user):
    with pytest.raises(Forbidden, match="Only MktgOps"):
        systems_request_advance(issue=systems_issue, to=PRIO_ORDER[0], by=requester_user)
    assert prio_of(systems_issue) == []


# --- SLA ---------------------------------------------------------------------------------------

FRIDAY_10 = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_permission_set_sla_skips_the_weekend(db):
    assert add_business_days(FRIDAY_10, 3) == datetime.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday


def test_new_field_sla_is_a_working_week(db, settings):
    settings.WORKING_CALENDAR = []  # weekends only: the US calendar's Thanksgiving (Thu 26 Nov) is tested below
    assert add_business_days(FRIDAY_10, 5) == datetime.datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # next Friday


def test_new_field_sla_skips_thanksgiving_in_the_us_calendar(db, settings):
    settings.WORKING_CALENDAR = ["US"]
    assert add_business_days(FRIDAY_10, 5) == datetime.datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday


def test_request_on_a_saturday_counts_from_monday(db, settings):
    settings.WORKING_CALENDAR = []
    saturday = datetime.datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    assert add_business_days(saturday, 3) == datetime.datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


def test_sla_exact_boundary_is_not_breached(db):
    due = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert sla_for(FastTrack.PERMISSION_SET, FRIDAY_10, due).state == "due"
    assert sla_for(FastTrack.PERMISSION_SET, FRIDAY_10, due + datetime.timedelta(microseconds=1)).state == "breached"


def test_sla_states(db):
    monday = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert sla_for(FastTrack.PERMISSION_SET, FRIDAY_10, monday).state == "ok"
    assert sla_for(FastTrack.PERMISSION_SET, FRIDAY_10, monday + datetime.timedelta(days=1, hours=1)).state == "due"
    assert sla_for(FastTrack.NONE, FRIDAY_10, monday) is None
    assert sla_for(FastTrack.PERMISSION_SET, FRIDAY_10, monday, actioned=True) is None


# --- the queue page ------------------------------------------------------------------------------


def make_request(
    prio_labels, ic, *, confidential=False, title="Permission set for SDRs", fast=FastTrack.NONE, requester=None
):
    issue = f.IssueFactory(title=title, confidential=confidential, **({"requester": requester} if requester else {}))
    labels_attach(issue=issue, labels=[prio_labels[SYSTEMS_REQUEST]], by=ic)
    systems_request_advance(issue=issue, to=PRIO_ORDER[0], by=ic)
    if fast:
        systems_request_set_fast_track(issue=issue, fast_track=fast, by=ic)
    return issue


def test_queue_leaves_out_confidential_requests_the_viewer_may_not_see(
    client, prio_labels, ic_user, requester_user, other_requester
):
    # Issue 12 case 3: no row, step, kind, request time or SLA badge tells a requester a hidden request exists.
    secret = make_request(
        prio_labels, ic_user, confidential=True, title="Import VIP contact list", fast=FastTrack.NEW_FIELD
    )
    client.force_login(other_requester)
    for tab in ("", "requested", "in-queue", "actioned"):
        page = client.get(f"/sales-systems/?step={tab}").content.decode()
        assert f"#{secret.pk}" not in page
        assert "Import VIP contact list" not in page
        assert "badge" not in page  # no SLA badge of a row that is not there
        assert "No open Sales Systems requests here." in page

    secret.requester = requester_user
    secret.save(update_fields=["requester"])
    client.force_login(requester_user)  # its own requester sees it whole
    assert "Import VIP contact list" in client.get("/sales-systems/").content.decode()

    client.force_login(ic_user)
    assert "Import VIP contact list" in client.get("/sales-systems/").content.decode()


def test_in_queue_view_is_the_call_agenda(client, prio_labels, ic_user):
    queued = make_request(prio_labels, ic_user, title="Queued one")
    make_request(prio_labels, ic_user, title="Only requested")
    systems_request_advance(issue=queued, to=PRIO_ORDER[1], by=ic_user)
    client.force_login(ic_user)
    page = client.get("/sales-systems/?step=in-queue").content.decode()
    assert "Queued one" in page
    assert "Only requested" not in page


def test_breached_request_is_highlighted(client, prio_labels, ic_user):
    from requests_app.models import IssueEvent

    issue = make_request(prio_labels, ic_user, title="Old permission set", fast=FastTrack.PERMISSION_SET)
    IssueEvent.objects.filter(issue=issue, new_value=PRIO_ORDER[0]).update(
        at=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    )
    client.force_login(ic_user)
    page = client.get("/sales-systems/").content.decode()
    assert "row-breached" in page
    assert "SLA breached" in page


def test_advance_view_refusal_is_shown(client, prio_labels, ic_user):
    issue = make_request(prio_labels, ic_user)
    client.force_login(ic_user)
    response = client.post(f"/sales-systems/{issue.pk}/advance/", {"to": PRIO_ORDER[2]}, follow=True)
    assert "in that order" in response.content.decode()
    assert prio_of(issue) == [PRIO_ORDER[0]]


def test_requester_cannot_post_to_the_queue(client, prio_labels, ic_user, requester_user):
    issue = make_request(prio_labels, ic_user, requester=requester_user)
    client.force_login(requester_user)
    assert client.post(f"/sales-systems/{issue.pk}/advance/", {"to": PRIO_ORDER[1]}).status_code == 403
    assert prio_of(issue) == [PRIO_ORDER[0]]


@pytest.mark.parametrize("count", [3, 30])
def test_queue_runs_constant_queries(client, prio_labels, ic_user, django_assert_num_queries, count):
    for i in range(count):
        make_request(prio_labels, ic_user, title=f"Request {i}", fast=FastTrack.NEW_FIELD, confidential=i % 2 == 0)
    client.force_login(ic_user)
    client.get("/sales-systems/")  # warm the session (and cache the user's roles)
    with django_assert_num_queries(4):  # + the working calendar's company days, once per request
        response = client.get("/sales-systems/")
    assert response.content.decode().count("SLA") >= count


def test_breached_sla_shows_on_the_board_and_in_the_list(client, prio_labels, ic_user):
    from requests_app.models import IssueEvent

    issue = make_request(prio_labels, ic_user, title="Old permission set", fast=FastTrack.PERMISSION_SET)
    IssueEvent.objects.filter(issue=issue, new_value=PRIO_ORDER[0]).update(
        at=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    )
    fresh = make_request(prio_labels, ic_user, title="Fresh permission set", fast=FastTrack.PERMISSION_SET)
    client.force_login(ic_user)
    for url in ["/board/?milestone=any", "/issues/"]:
        page = client.get(url).content.decode()
        assert page.count("SLA breached") == 1, url
        assert f"#{fresh.pk}" in page
    board = client.get("/board/?milestone=any").content.decode()
    assert 'class="badge sla danger"' in board


@pytest.mark.parametrize(
    "target", ["https://evil.example/phish", "//evil.example/phish", "/\\evil.example", "javascript:alert(1)"]
)
@pytest.mark.parametrize("action", ["advance", "fast-track"])
def test_queue_actions_never_redirect_off_site(client, systems_issue, ic_user, action, target):
    client.force_login(ic_user)
    data = {"to": PRIO_ORDER[0], "fast_track": FastTrack.PERMISSION_SET, "next": target}
    response = client.post(f"/sales-systems/{systems_issue.pk}/{action}/", data)
    assert response.status_code == 302
    assert response["Location"] == "/sales-systems/"


def test_queue_actions_return_to_the_tab_they_came_from(client, systems_issue, ic_user):
    client.force_login(ic_user)
    data = {"to": PRIO_ORDER[0], "next": "/sales-systems/?step=requested"}
    response = client.post(f"/sales-systems/{systems_issue.pk}/advance/", data)
    assert response["Location"] == "/sales-systems/?step=requested"


@pytest.mark.parametrize("action", ["advance", "fast-track"])
def test_queue_actions_answer_404_for_a_hidden_request_and_403_for_a_visible_one(
    client, prio_labels, ic_user, requester_user, other_requester, action
):
    """A hidden request answers as a missing one does, so its existence does not leak."""
    hidden = f.IssueFactory(requester=other_requester, confidential=True)
    visible = f.IssueFactory(requester=other_requester)
    for issue in (hidden, visible):
        labels_attach(issue=issue, labels=[prio_labels[SYSTEMS_REQUEST]], by=ic_user)
    client.force_login(requester_user)
    data = {"to": PRIO_ORDER[0], "fast_track": FastTrack.NEW_FIELD}
    assert client.post(f"/sales-systems/{hidden.pk}/{action}/", data).status_code == 404
    assert client.post(f"/sales-systems/{visible.pk + 1000}/{action}/", data).status_code == 404
    assert client.post(f"/sales-systems/{visible.pk}/{action}/", data).status_code == 403
    assert prio_of(hidden) == prio_of(visible) == []


def test_fast_track_is_saved_by_its_button_not_on_change(client, prio_labels, ic_user):
    # WCAG 3.2.2: arrowing through the options must not submit the form.
    issue = make_request(prio_labels, ic_user)
    client.force_login(ic_user)
    page = client.get("/sales-systems/").content.decode()
    form = re.search(rf'<form[^>]*action="/sales-systems/{issue.pk}/fast-track/".*?</form>', page, re.S).group(0)
    assert "onchange" not in form
    assert "<noscript>" not in form
    assert f'<button class="btn small" aria-label="Save the fast-track kind of #{issue.pk}">Save</button>' in form

    response = client.post(
        f"/sales-systems/{issue.pk}/fast-track/", {"fast_track": FastTrack.NEW_FIELD, "next": "/sales-systems/"}
    )
    assert response.status_code == 302
    issue.systems_request.refresh_from_db()
    assert issue.systems_request.fast_track == FastTrack.NEW_FIELD
