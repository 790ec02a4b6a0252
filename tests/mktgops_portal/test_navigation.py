"""The top bar: the phone menu's toggle is a real control."""

import re

import pytest

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
