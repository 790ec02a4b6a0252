"""Django's cache (Redis in production) with its failures turned into misses: a cache that is down or hung never
fails a request, and the caller reads the database instead (issue 17: Redis down must not turn pages into 500s).

`quiet_cache` wraps the default cache (roles, the current milestone); the session store wraps its own
(`mktgops_portal.sessions`).
"""

import logging

from django.core.cache import cache as default_cache

logger = logging.getLogger(__name__)


class QuietCache:
    """A cache whose failures are logged and turned into misses (get, has_key) or no-ops (set, delete)."""

    def __init__(self, cache):
        self._cache = cache

    def _try(self, name, *args, default=None, **kwargs):
        try:
            return getattr(self._cache, name)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 — any backend failure (refused, timeout) means "use the database"
            logger.warning("Cache %s failed (%s); using the database.", name, exc.__class__.__name__)
            return default

    def get(self, *args, **kwargs):
        return self._try("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._try("set", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._try("delete", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._try("delete_many", *args, **kwargs)

    def __contains__(self, key):
        return bool(self._try("has_key", key, default=False))


quiet_cache = QuietCache(default_cache)
