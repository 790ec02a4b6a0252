"""Sessions read from the cache (Redis) and written through to the database; the database alone while Redis is down.

Django's cached_db store already falls back to the database when a read misses; here a cache that fails
(Redis down or hung: a ConnectionError or timeout) is a miss too, and a failed cache write is skipped,
so every signed-in page keeps working on the database while Redis is away.
"""

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger(__name__)


class _QuietCache:
    """The cache with its failures logged and turned into misses (get) or no-ops (set, delete)."""

    def __init__(self, cache):
        self._cache = cache

    def _try(self, name, *args, default=None, **kwargs):
        try:
            return getattr(self._cache, name)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 — any cache failure means "use the database"
            logger.warning("Session cache %s failed (%s); using the database.", name, exc.__class__.__name__)
            return default

    def get(self, *args, **kwargs):
        return self._try("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._try("set", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._try("delete", *args, **kwargs)

    def __contains__(self, key):
        return bool(self._try("has_key", key, default=False))


class SessionStore(CachedDBStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _QuietCache(self._cache)
