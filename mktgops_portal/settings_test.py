"""Tests: the environment's settings (SQLite or DATABASE_URL), a fast hasher, mail kept in memory."""

import os

os.environ.setdefault("DEBUG", "1")

from mktgops_portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process in tests; the one test on a real worker switches this off itself.
CELERY_TASK_ALWAYS_EAGER = True
SLACK_BOT_TOKEN = ""
SLACK_MIN_INTERVAL_SECONDS = 0
SLACK_RETRY_BACKOFF_SECONDS = 0
SITE_URL = "http://testserver"
GITLAB_TOKEN = ""
GITLAB_IMPORT_BACKOFF_SECONDS = 0.01
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"  # noqa: F405
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Threads in tests (live server, concurrency tests, the Celery test worker) must not keep connections
# open past their work, or the test database cannot be dropped at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# The same session store on every machine, so pinned query counts hold with and without REDIS_URL; the
# Redis-backed session store has its own test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
