import os
import shutil

import pytest
from django.conf import settings

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(what: str) -> None:
    """CI (REQUIRE_SERVICES=1) fails when a service a test needs is missing; elsewhere it skips."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but is not available.")
    pytest.skip(f"{what} is not available")


@pytest.fixture(autouse=True)
def _private_media(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def requires_postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def requires_redis():
    url = os.environ.get("REDIS_URL") or settings.REDIS_URL
    if not url:
        service_missing("Redis (set REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        service_missing(f"Redis at {url}")
    return url


@pytest.fixture
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        service_missing("Debian's chromium")
    return path


@pytest.fixture
def requester_user(db):
    return factories.requester(username="riley")


@pytest.fixture
def other_requester(db):
    return factories.requester(username="sam")


@pytest.fixture
def ic_user(db):
    return factories.ic(username="ivy")


@pytest.fixture
def manager_user(db):
    return factories.manager(username="maya")


@pytest.fixture
def slack_api(settings):
    """A Slack Web API test server on 127.0.0.1; the portal posts to it with a bot token."""
    from tests.slack_messages.slack_web_api import SlackWebAPI

    with SlackWebAPI() as api:
        settings.SLACK_BOT_TOKEN = "xoxb-test-token"
        settings.SLACK_API_URL = api.url
        yield api
