"""Reads and writes of Django's cache (Redis in production) that never fail a request: a cache that is down is a
cache miss, and the caller reads the database instead (issue 17: Redis down must not turn pages into 500s)."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def cache_get(key: str):
    """The cached value, or None when it is missing or the cache is unreachable."""
    try:
        return cache.get(key)
    except Exception as exc:  # noqa: BLE001 — any backend error (connection refused, timeout) is a miss
        logger.warning("Cache get %s failed (%s); reading the database.", key, exc.__class__.__name__)
        return None


def cache_set(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception as exc:  # noqa: BLE001
        logger.warning("Cache set %s failed (%s).", key, exc.__class__.__name__)


def cache_delete_many(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception as exc:  # noqa: BLE001
        logger.warning("Cache delete failed (%s); entries lapse by their timeout.", exc.__class__.__name__)
