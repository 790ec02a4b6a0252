"""/healthz answers within 2 s whatever is down; signed-in pages work while Redis is down."""

import socket
import threading
import time

import pytest
from django.test import override_settings

from mktgops_portal import health
from tests import factories


def test_healthz_says_ok_when_everything_answers(client, db, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    broker = "ok" if settings.REDIS_URL else "eager"  # no Redis: tasks run in-process
    assert response.json() == {"status": "ok", "database": "ok", "broker": broker, "down": []}


def test_a_database_that_never_answers_is_reported_within_two_seconds(client, db, monkeypatch):
    monkeypatch.setattr(health, "_database_check", lambda params: time.sleep(5) or "ok")
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["database"] == "timeout"
    assert response.json()["down"] == ["database"]


def test_a_broker_that_is_down_is_reported(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
    assert response.json()["down"] == ["broker"]


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never says a word (a hung database host)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.mark.postgres
def test_a_postgresql_host_that_accepts_and_never_answers_is_a_timeout_within_two_seconds(
    client, requires_postgres, silent_server, monkeypatch
):
    real = health._database_params
    monkeypatch.setattr(health, "_database_params", lambda: {**real(), "host": "127.0.0.1", "port": silent_server})
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["database"] in ("timeout", "unreachable")


@pytest.mark.django_db
def test_signed_in_pages_work_while_redis_is_down(client):
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    factories.ic(username="ivy")
    with override_settings(CACHES=down, SESSION_ENGINE="mktgops_portal.sessions"):
        # Through the sign-in page: django-axes needs the request that Client.login() does not pass.
        assert client.post("/accounts/login/", {"username": "ivy", "password": "pw"}).status_code == 302
        response = client.get("/sales-systems/")
        assert response.status_code == 200
        assert response.wsgi_request.user.username == "ivy"
        client.post("/accounts/logout/")
        assert client.get("/sales-systems/").status_code == 302
