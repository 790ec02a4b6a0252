"""Sessions read from the cache (Redis) and written through to the database; the database alone while Redis is down.

Django's cached_db store already falls back to the database when a read misses; here a cache that fails
(Redis down or hung: a ConnectionError or timeout) is a miss too, and a failed cache write is skipped,
so every signed-in page keeps working on the database while Redis is away.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from mktgops_portal.caching import QuietCache


class SessionStore(CachedDBStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = QuietCache(self._cache)
