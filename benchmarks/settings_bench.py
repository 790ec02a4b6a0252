"""Settings for `make bench`: production settings (DEBUG off) plus a trivial JSON view to compare against."""

from mktgops_portal.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Plain HTTP on loopback: no redirect to HTTPS.
SECURE_SSL_REDIRECT = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # Several gunicorn workers write: take the write lock up front and wait for it, as a deployment would.
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
