"""The Sales Systems queue in Debian's Chromium: what only a layout shows."""

import pytest

from tests import factories as f
from tests.sales_systems.test_sales_systems import make_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_at_laptop_width_the_fast_track_kind_shows_its_whole_text(browser, live_server, prio_labels):
    ic = f.ic(username="ivy")
    make_request(prio_labels, ic, title="Permission set for the SDR team in EMEA and the Americas")
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/sales-systems/")
    page.fill("#id_username", "ivy")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/sales-systems/")

    select = page.locator("select[name=fast_track]")
    assert select.evaluate("s => s.options[s.selectedIndex].text") == "Not fast track (prioritised on the weekly call)"
    # The widest option, set in the select's own font, fits inside the select (less its arrow and padding).
    needed, room = select.evaluate(
        """s => {
          const probe = document.createElement("span");
          probe.style.font = getComputedStyle(s).font;
          probe.style.whiteSpace = "pre";
          document.body.append(probe);
          const widest = Math.max(...Array.from(s.options, o => (probe.textContent = o.text, probe.offsetWidth)));
          probe.remove();
          return [widest, s.clientWidth - 2 * parseFloat(getComputedStyle(s).paddingLeft) - 16];
        }"""
    )
    assert needed <= room
    assert page.get_by_role("button", name="Save the fast-track kind").is_visible()
