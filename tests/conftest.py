import os
import shutil

import pytest
from django.conf import settings
from django.db import connections

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


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached roles or a current milestone belong to another test's rows."""
    from django.core.cache import cache

    cache.clear()


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


# Debian's Chromium, headless; without the background-networking flags it tries to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _watch_content_security_policy(chromium) -> list[str]:
    """Collect the console's CSP reports of every page the tests open (inline script, eval, other origins)."""
    violations: list[str] = []

    def watch(page):
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    new_page, new_context = chromium.new_page, chromium.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("page", watch)
        return context

    chromium.new_page = lambda *args, **kwargs: watch(new_page(*args, **kwargs))
    chromium.new_context = watched_context
    return violations


@pytest.fixture
def browser(chromium_path, monkeypatch):
    """A headless Chromium driven by Playwright; never a browser Playwright downloads itself."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("Playwright for Python")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        violations = _watch_content_security_policy(chromium)
        try:
            yield chromium
            # Every browser test also checks that the page ran under the Content-Security-Policy untouched.
            assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)
        finally:
            chromium.close()
            # The test's own queries ran while Playwright's event loop was live, on connections the usual
            # teardown does not see; left open, they stop PostgreSQL from dropping the test database.
            connections.close_all()


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


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def broker_down():
    """A broker nothing listens on (Redis down), and tasks sent to it rather than run in-process."""
    from mktgops_portal.celery import app

    def forget_connections():
        app._pool = None
        app.amqp._producer_pool = None  # its producers hold connections to the broker used before

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    forget_connections()
    try:
        yield app
    finally:
        app.conf.update(saved)
        forget_connections()


# Figures the fault-injection suite (tests/faults) measured, printed at the end of the run.
FAULT_FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if FAULT_FIGURES:
        terminalreporter.section("fault injection: figures")
        for line in FAULT_FIGURES:
            terminalreporter.write_line(line)
