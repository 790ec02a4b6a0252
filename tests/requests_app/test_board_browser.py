"""The board in Debian's Chromium (Playwright): drag, be refused, fix the issue, drag again, reload."""

import pytest

from requests_app import services
from requests_app.models import Issue, IssueTransition, Stage
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(10_000)
    return page


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/?next=/board/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/board/")


def _drag(page, card_selector, list_selector):
    """A pointer drag the way a person does it: press, move in steps, release over the target column."""
    card = page.locator(card_selector).bounding_box()
    target = page.locator(list_selector).bounding_box()
    page.mouse.move(card["x"] + card["width"] / 2, card["y"] + 12)
    page.mouse.down()
    page.mouse.move(card["x"] + card["width"] / 2 + 10, card["y"] + 20, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 20, steps=15)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 24, steps=3)
    page.mouse.up()


def test_ic_drags_a_card_is_refused_then_accepted_and_it_stays_after_reload(page, live_server):
    ic = factories.ic(username="ivy", first_name="Ivy")
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.READY, title="Import the webinar leads")
    card = f"#card-{issue.pk}"
    _sign_in(page, live_server, "ivy")

    page.wait_for_selector(f"#list-all-02 {card}")
    _drag(page, card, "#list-all-04")
    status = page.locator("#board-status")
    status.filter(has_text="Assign someone and put it in the current milestone first.").wait_for()
    assert "has no assignee" in status.inner_text()
    assert "is-error" in status.get_attribute("class")
    assert page.locator(f"#list-all-02 {card}").count() == 1
    assert page.locator(f"#list-all-04 {card}").count() == 0
    assert Issue.objects.get(pk=issue.pk).stage == Stage.READY

    services.issue_update(issue=issue, by=ic, assignee=ic, milestone=current)
    page.reload()
    page.wait_for_selector(f"#list-all-02 {card}")
    _drag(page, card, "#list-all-04")
    status.filter(has_text="is now in MktgOps::04: In Progress").wait_for()
    assert "is-success" in status.get_attribute("class")
    assert page.locator(f"#list-all-04 {card}").count() == 1
    assert page.locator('[data-count-lane="all"][data-count-stage="04"]').inner_text() == "1"
    assert page.locator('[data-count-lane="all"][data-count-stage="02"]').inner_text() == "0"

    page.reload()
    page.wait_for_selector(f"#list-all-04 {card}")
    assert page.locator(f"#list-all-02 {card}").count() == 0
    assert list(IssueTransition.objects.filter(issue=issue).values_list("from_stage", "to_stage")) == [("02", "04")]


def test_keyboard_move_to_blocked_asks_for_the_reason_and_reorder_persists(page, live_server):
    factories.ic(username="ivy")
    first = factories.IssueFactory(stage=Stage.TRIAGE, title="First", position=100)
    second = factories.IssueFactory(stage=Stage.TRIAGE, title="Second", position=200)
    _sign_in(page, live_server, "ivy")

    # Reorder with the keyboard: "Move to…" → "Up in this column".
    page.focus(f"#card-{second.pk} summary")
    page.keyboard.press("Enter")
    page.locator(f"#card-{second.pk} [data-reorder=up]").focus()
    page.keyboard.press("Enter")
    page.locator("#board-status").filter(has_text="reordered").wait_for()
    page.reload()
    ids = page.locator("#list-all-00 .board-card").evaluate_all("cards => cards.map(c => c.dataset.id)")
    assert ids == [str(second.pk), str(first.pk)]

    # Move to Blocked: the dialog asks what it is waiting on.
    page.focus(f"#card-{first.pk} summary")
    page.keyboard.press("Enter")
    page.locator(f"#card-{first.pk} button[name=stage][value='07']").focus()
    page.keyboard.press("Enter")
    page.locator("#move-dialog[open]").wait_for()
    page.keyboard.type("Waiting on Legal")
    page.locator("#move-dialog button[value=confirm]").click()
    page.locator("#board-status").filter(has_text="is now in MktgOps::07: Blocked").wait_for()
    assert page.locator(f"#list-all-07 #card-{first.pk}").count() == 1
    assert IssueTransition.objects.get(issue=first).reason == "Waiting on Legal"


def test_moving_to_needs_information_asks_the_question_the_requester_is_emailed(page, live_server, mailoutbox):
    factories.ic(username="ivy")
    requester = factories.requester(username="rae", email="rae@example.com")
    issue = factories.IssueFactory(stage=Stage.TRIAGE, requester=requester)
    _sign_in(page, live_server, "ivy")

    page.locator(f"#card-{issue.pk} summary").click()
    page.locator(f"#card-{issue.pk} button[name=stage][value='01']").click()
    page.locator("#move-dialog[open]").wait_for()
    assert page.locator("#move-dialog label:visible").inner_text() == "What do you need from the requester?"
    page.keyboard.type("Which Marketo program?")
    page.locator("#move-dialog button[value=confirm]").click()
    page.locator("#board-status").filter(has_text="is now in MktgOps::01").wait_for()
    assert IssueTransition.objects.get(issue=issue).reason == "Which Marketo program?"
    assert "Which Marketo program?" in mailoutbox[0].body


def test_on_a_phone_only_the_board_scrolls_sideways_and_the_answer_to_a_move_stays_in_sight(page, live_server):
    factories.ic(username="ivy")
    factories.current_milestone()  # its long title is in the milestone filter
    factories.IssueFactory.create_batch(8, stage=Stage.READY)
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server, "ivy")

    assert page.evaluate("document.documentElement.scrollWidth") == 390  # the filters fit the screen
    assert page.locator(".board-filters button.primary").bounding_box()["x"] + 10 < 390
    scroll_width, client_width = page.locator("#board").evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert scroll_width > client_width

    card = page.locator("#list-all-02 .board-card").last  # far down the page
    card.scroll_into_view_if_needed()
    card.locator("summary").click()
    card.locator("button[name=stage][value='04']").click()
    status = page.locator("#board-status")
    status.filter(has_text="Assign someone").wait_for()
    assert 0 <= status.bounding_box()["y"] < 844
    assert page.evaluate("window.scrollY") > 300  # the page is scrolled well past where the status sits


def test_swimlanes_keep_the_stage_row_in_sight_down_to_the_last_lane(page, live_server):
    # Lanes hide each column's own heading: without the stage row a card's stage can't be told from the screen.
    ivy = factories.ic(username="ivy")
    for name in ("ada", "bo", "cy"):
        factories.IssueFactory.create_batch(5, stage=Stage.TRIAGE, assignee=factories.ic(username=name))
    page.set_viewport_size({"width": 1366, "height": 800})
    _sign_in(page, live_server, ivy.username)
    page.goto(f"{live_server.url}/board/?lanes=assignee")

    last_lane = page.locator(".board-lane").last
    last_lane.locator(".board-card").last.scroll_into_view_if_needed()
    assert last_lane.bounding_box()["y"] > 0  # scrolled past the first lanes, not just to the page's top
    totals = page.locator(".board-totals").bounding_box()
    assert 0 <= totals["y"] < 800
    assert page.locator(".board-totals").inner_text().startswith("MktgOps::00: Triage")


def test_a_long_columns_heading_stays_in_sight_down_to_its_last_card(page, live_server):
    # Without it, a few cards down a column its stage and count are gone from the screen.
    factories.ic(username="ivy")
    factories.IssueFactory.create_batch(20, stage=Stage.TRIAGE)
    page.set_viewport_size({"width": 1366, "height": 800})
    _sign_in(page, live_server, "ivy")

    last = page.locator("#list-all-00 .board-card").last
    last.scroll_into_view_if_needed()
    first = page.locator("#list-all-00 .board-card").first.bounding_box()
    assert first["y"] + first["height"] < 0  # scrolled well past the column's first card
    head = page.locator('.board-column[data-stage="00"] .column-head')
    box = head.bounding_box()
    assert box["y"] >= 0
    assert box["y"] + box["height"] < 800
    assert head.inner_text().split() == ["MktgOps::00:", "Triage", "20"]
    # Nothing slides over the heading: the topmost element at its middle belongs to it.
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert head.evaluate(f"h => h.contains(document.elementFromPoint({x}, {y}))")


def test_a_long_column_scrolls_on_its_own_and_the_others_stay_where_they_are(page, live_server):
    # Before, the board scrolled as one block: after a long column, the others looked empty and drops went astray.
    factories.ic(username="ivy")
    factories.IssueFactory.create_batch(20, stage=Stage.TRIAGE)
    ready = factories.IssueFactory(stage=Stage.READY, title="Only card in Ready")
    page.set_viewport_size({"width": 1366, "height": 800})
    _sign_in(page, live_server, "ivy")

    before = page.locator(f"#card-{ready.pk}").bounding_box()
    triage = page.locator("#list-all-00")
    assert triage.evaluate("l => l.scrollHeight > l.clientHeight")  # the column is longer than the window
    box = triage.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 100)  # over the column's first cards
    page.mouse.wheel(0, 3000)
    page.wait_for_function("() => document.getElementById('list-all-00').scrollTop > 500")
    assert page.evaluate("window.scrollY") == 0
    assert page.locator("#board").evaluate("b => b.scrollTop") == 0
    assert page.locator(f"#card-{ready.pk}").bounding_box() == before  # the other column did not move
    head = page.locator('.board-column[data-stage="00"] .column-head').bounding_box()
    assert 0 <= head["y"] < 800


def _lanes_board(page, live_server):
    _sign_in(page, live_server, "ivy")
    page.goto(f"{live_server.url}/board/?lanes=assignee")


def test_dropping_a_card_into_a_colleagues_swimlane_reassigns_it(page, live_server):
    ivy = factories.ic(username="ivy", first_name="Ivy")
    bob = factories.ic(username="bob", first_name="Bob")
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ivy, milestone=current, title="Fix routing")
    factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=bob, milestone=current)
    page.set_viewport_size({"width": 1600, "height": 1000})
    _lanes_board(page, live_server)

    _drag(page, f"#card-{issue.pk}", f"#list-{bob.pk}-05")
    status = page.locator("#board-status")
    status.filter(has_text="assigned to Bob").wait_for()
    assert "is-success" in status.get_attribute("class")
    issue.refresh_from_db()
    assert (issue.stage, issue.assignee) == (Stage.REVIEW, bob)
    assert page.locator(f"#list-{bob.pk}-05 #card-{issue.pk}").count() == 1
    assert page.locator(f'[data-count-lane="{bob.pk}"][data-count-stage="05"]').inner_text() == "1"
    assert page.locator(f'[data-count-lane="{ivy.pk}"][data-count-stage="04"]').inner_text() == "0"
    assert page.locator(f'[data-count-lane-total="{bob.pk}"]').inner_text() == "2"
    assert page.locator('[data-count-total="05"]').inner_text() == "1"

    page.reload()
    page.wait_for_selector(f"#list-{bob.pk}-05 #card-{issue.pk}")


def test_dropping_into_the_lane_of_someone_who_left_the_team_is_refused_and_said(page, live_server):
    ivy = factories.ic(username="ivy", first_name="Ivy")
    cy = factories.ic(username="cy", first_name="Cy")
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=ivy, milestone=current)
    factories.IssueFactory(stage=Stage.IN_PROGRESS, assignee=cy, milestone=current)
    cy.groups.clear()  # left MktgOps; their issues still show their lane
    page.set_viewport_size({"width": 1600, "height": 1000})
    _lanes_board(page, live_server)

    _drag(page, f"#card-{issue.pk}", f"#list-{cy.pk}-04")
    status = page.locator("#board-status")
    status.filter(has_text="only active MktgOps team members can be assigned").wait_for()
    assert "is-error" in status.get_attribute("class")
    assert page.locator(f"#list-{ivy.pk}-04 #card-{issue.pk}").count() == 1  # back where it was
    issue.refresh_from_db()
    assert issue.assignee == ivy


# Every badge shows its whole text: the element is not cut by its own box, a scrolling parent or the screen.
BADGES_CLIPPED = """() => Array.from(document.querySelectorAll('.stage, .badge, .count')).filter(b => {
  if (!b.offsetParent) return false;
  // The board scrolls sideways a column at a time on a phone: its first column is the one on screen.
  const column = b.closest('.board-column');
  if (column && column !== document.querySelector('.board-column')) return false;
  const r = b.getBoundingClientRect();
  if (b.scrollWidth > b.clientWidth + 1 || r.left < 0 || r.right > window.innerWidth) return true;
  for (let p = b.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
    const q = p.getBoundingClientRect();
    if (s.overflowX !== 'visible' && p.scrollWidth > p.clientWidth) break;  // a sideways-scrolling board
    if (r.left < q.left - 1 || r.right > q.right + 1) return true;
  }
  return false;
}).map(b => b.textContent.trim())"""


def test_on_a_phone_no_stage_badge_is_clipped(page, live_server):
    ivy = factories.ic(username="ivy")
    current = factories.current_milestone()
    issue = factories.IssueFactory(stage=Stage.READY_TO_DEPLOY, assignee=ivy, milestone=current, weight=13)
    _blocked = factories.IssueFactory(stage=Stage.NEEDS_INFO, title="A request with a rather long title to wrap")
    page.set_viewport_size({"width": 360, "height": 740})
    _sign_in(page, live_server, "ivy")
    for path in ("/issues/", f"/issues/{issue.pk}/", f"/issues/{_blocked.pk}/", "/board/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate(BADGES_CLIPPED) == [], path
