"""/healthz: is the database answering, and the broker when one is configured; within 2 s whatever is down.

Each check runs in its own thread on a connection of its own, with short connect and read timeouts, and
the answer waits for them at most HEALTH_DEADLINE_SECONDS in all: a database that accepts connections
and never answers shows as "timeout", not a request hanging until gunicorn kills it.
Answers 200 {"status": "ok", ...} or 503 {"status": "error", "database": ..., "broker": ...}, where each
part is "ok", "unreachable", "timeout" (and the broker "eager" when there is none).
"""

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

HEALTH_DEADLINE_SECONDS = 1.5
CHECK_TIMEOUT_SECONDS = 1

# Checks that hang stay in this pool's threads until their own timeouts end them; a few at most.
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


def _database_params() -> dict:
    """Connection parameters for the check: the portal's, with a short connect and statement timeout."""
    params = connection.get_connection_params()
    if connection.vendor == "postgresql":
        params["connect_timeout"] = CHECK_TIMEOUT_SECONDS
        params["options"] = f"{params.get('options', '')} -c statement_timeout={CHECK_TIMEOUT_SECONDS * 1000}"
    return params


def _database_check(params: dict) -> str:
    connection.get_connection_params()  # this thread's wrapper sets up its own state (SQLite's init commands)
    raw = connection.get_new_connection(params)  # its own connection: the request's may be the stuck one
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchone()
    finally:
        raw.close()
    return "ok"


def _broker_check() -> str:
    if not settings.REDIS_URL:
        return "eager"  # no broker: tasks run in-process
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _outcome(future, deadline: float) -> str:
    try:
        return future.result(timeout=max(deadline - time.monotonic(), 0))
    except FutureTimeout:
        return "timeout"
    except Exception:  # noqa: BLE001 — any failure means "not reachable"
        return "unreachable"


def healthz(request):
    deadline = time.monotonic() + HEALTH_DEADLINE_SECONDS
    database, broker = _pool.submit(_database_check, _database_params()), _pool.submit(_broker_check)
    parts = {"database": _outcome(database, deadline), "broker": _outcome(broker, deadline)}
    healthy = parts["database"] == "ok" and parts["broker"] in ("ok", "eager")
    down = [name for name, state in parts.items() if state not in ("ok", "eager")]
    return JsonResponse({"status": "ok" if healthy else "error", **parts, "down": down}, status=200 if healthy else 503)
