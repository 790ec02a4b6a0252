"""With Redis, a signed-in request reads its session from Redis, not the database; sign-out still ends it."""

import os
import subprocess
import sys

import pytest
from django.test import override_settings

from tests import factories

pytestmark = pytest.mark.django_db


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
        # Through the sign-in page: django-axes needs the request that Client.login() does not pass.
        assert client.post("/accounts/login/", {"username": "cached-ic", "password": "pw"}).status_code == 302
        client.get("/sales-systems/")
        with django_assert_num_queries(3) as captured:  # user, groups, the queue: no session
            assert client.get("/sales-systems/").status_code == 200
        assert not any("django_session" in q["sql"] for q in captured.captured_queries)
        client.post("/accounts/logout/")
        response = client.get("/sales-systems/")
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.parametrize(
    ("redis_url", "engine"),
    [("redis://127.0.0.1:6379/0", "sessions RedisCache"), ("", "db LocMemCache")],  # sessions: cached_db, DB fallback
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
