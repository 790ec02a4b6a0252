"""/healthz: is the database reachable, and the broker when one is configured."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 — any failure means "not reachable"
        return False


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "eager"  # no broker: tasks run in-process
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        return "ok"
    except Exception:  # noqa: BLE001
        return "unreachable"


def healthz(request):
    database = "ok" if _database_ok() else "unreachable"
    broker = _broker_status()
    healthy = database == "ok" and broker != "unreachable"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "broker": broker}, status=200 if healthy else 503
    )
