"""Roles are read with the signed-in user, fresh on every request; with Redis, sessions are read from it."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import override_settings
from rest_framework.authtoken.models import Token

from requests_app.auth_backends import RoleAwareModelBackend
from requests_app.roles import MKTGOPS_GROUP, user_is_manager, user_is_mktgops
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("make", "mktgops", "manager"),
    [(factories.requester, False, False), (factories.ic, True, False), (factories.manager, True, True)],
)
def test_the_backend_reads_the_user_and_both_roles_in_one_query(make, mktgops, manager, django_assert_num_queries):
    user = make()
    with django_assert_num_queries(1):
        loaded = RoleAwareModelBackend().get_user(user.pk)
        assert (user_is_mktgops(loaded), user_is_manager(loaded)) == (mktgops, manager)


def test_a_superuser_is_a_manager_without_any_group():
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    loaded = RoleAwareModelBackend().get_user(admin.pk)
    assert user_is_manager(loaded)
    assert user_is_mktgops(loaded)


def test_an_inactive_or_missing_user_is_not_signed_in():
    gone = factories.ic(is_active=False)
    assert RoleAwareModelBackend().get_user(gone.pk) is None
    assert RoleAwareModelBackend().get_user(gone.pk + 1000) is None


def test_leaving_the_team_takes_effect_on_the_next_request(client):
    ic = factories.ic()
    issue = factories.IssueFactory()
    client.force_login(ic)
    assert b"Move to" in client.get(f"/issues/{issue.pk}/").content
    ic.groups.remove(Group.objects.get(name=MKTGOPS_GROUP))
    assert b"Move to" not in client.get(f"/issues/{issue.pk}/").content
    response = client.post(f"/api/issues/{issue.pk}/move/", {"stage": "02"}, content_type="application/json")
    assert response.status_code == 403


def test_a_token_signed_in_user_without_the_annotation_still_gets_its_roles(client):
    ic = factories.ic()
    issue = factories.IssueFactory()
    token = Token.objects.create(user=ic)
    response = client.post(
        f"/api/issues/{issue.pk}/move/",
        {"stage": "02"},
        content_type="application/json",
        headers={"authorization": f"Token {token.key}"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "02"


@pytest.mark.redis
def test_with_redis_a_request_reads_its_session_from_redis_and_sign_out_ends_it(
    client, requires_redis, django_assert_num_queries
):
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": requires_redis,
            "KEY_PREFIX": "mktgops-test",
        }
    }
    factories.ic(username="cached-ic")
    with override_settings(CACHES=redis_cache, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"):
        assert client.login(username="cached-ic", password="pw")
        client.get("/sales-systems/")
        with django_assert_num_queries(2) as captured:  # the user with its roles, the queue: no session
            assert client.get("/sales-systems/").status_code == 200
        assert not any("django_session" in q["sql"] for q in captured.captured_queries)
        client.post("/accounts/logout/")
        response = client.get("/sales-systems/")
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.parametrize(
    ("redis_url", "engine"),
    [("redis://127.0.0.1:6379/0", "cached_db RedisCache"), ("", "db LocMemCache")],
)
def test_production_settings_keep_sessions_in_redis_only_when_there_is_one(redis_url, engine):
    script = (
        "from django.conf import settings as s; "
        "print(s.SESSION_ENGINE.rsplit('.', 1)[1], s.CACHES['default']['BACKEND'].rsplit('.', 1)[1])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mktgops_portal.settings", "REDIS_URL": redis_url}
    env.pop("DEBUG", None)
    env["SECRET_KEY"] = "settings-test-" + "x" * 50
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == engine.split()
