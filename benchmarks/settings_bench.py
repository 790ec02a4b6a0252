"""Settings for `make bench`: production settings (DEBUG off) plus a trivial JSON view to compare against.

The database options (persistent connections; for SQLite WAL, synchronous=NORMAL and IMMEDIATE
transactions) are the production ones from mktgops_portal/settings.py: the bench measures what deploys.
"""

from mktgops_portal.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Plain HTTP on loopback: no redirect to HTTPS.
SECURE_SSL_REDIRECT = False
# No worker in the bench: the few tasks a move queues (none for 04 -> 05) would run inline.
CELERY_TASK_ALWAYS_EAGER = True
# The first middleware times the rest of the request (see benchmarks/server_timing.py).
MIDDLEWARE = ["benchmarks.server_timing.ServerTimingMiddleware", *MIDDLEWARE]  # noqa: F405
