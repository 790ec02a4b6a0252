"""The top bar: a real control opens the phone menu, and the menu lists the pages each role may see."""

import re

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_menu_toggle_is_a_button_with_a_name_and_its_state(client, requester_user):
    client.force_login(requester_user)
    page = client.get("/issues/").content.decode()

    toggle = re.search(r"<button[^>]*class=\"nav-toggle\"[^>]*>", page).group(0)
    assert 'aria-label="Menu"' in toggle
    assert 'aria-expanded="false"' in toggle
    assert 'aria-controls="main-nav"' in toggle
    assert 'aria-hidden="true"' not in toggle
    assert '<nav class="nav" id="main-nav"' in page
    assert 'id="nav-toggle"' not in page  # the hidden checkbox and its aria-hidden label are gone


EVERYONE = ["/requests/new/", "/issues/?mine=1", "/issues/", "/board/", "/milestones/", "/sales-systems/", "/epics/",
            "/changelog/"]  # fmt: skip
STAFF = ["/slack/outbox/", "/admin/"]


def _menu(client, user) -> list[str]:
    client.force_login(user)
    page = client.get("/issues/").content.decode()
    found = re.search(r'<nav class="nav" id="main-nav".*?</nav>', page, re.S)
    assert found is not None, "the page has no main navigation"
    nav = found.group(0)
    return re.findall(r'<a href="([^"]+)"', nav)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("requester", EVERYONE), ("ic", EVERYONE), ("manager", EVERYONE + STAFF), ("staff requester", EVERYONE + STAFF)],
)
def test_the_menu_lists_the_pages_readmes_table_lets_each_role_see(client, role, expected):
    # README: Sales Systems, Epics and Changelog are for everyone; the outbox and the admin for staff only.
    user = {
        "requester": lambda: factories.requester(username="rae"),
        "ic": lambda: factories.ic(username="ivy"),
        "manager": lambda: factories.manager(username="maya", is_staff=True),
        "staff requester": lambda: factories.requester(username="stu", is_staff=True),
    }[role]()
    assert _menu(client, user) == expected
    for href in expected:
        assert client.get(href).status_code == 200, href
