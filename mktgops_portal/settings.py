"""All settings come from the environment (django-environ); see README "Configuration"."""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "accounts",
    "audit",
    "labels",
    "milestones",
    "requests_app",
    "sales_systems",
    "rollover",
    "mktgops_portal",
    "slack_messages",
    "notifications",
    "gitlab_import",
    "task_outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mktgops_portal.error_pages.PortalErrorPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "accounts.sessions.SessionLifetimeMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mktgops_portal.urls"
WSGI_APPLICATION = "mktgops_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "requests_app.context_processors.portal",
            ],
        },
    },
    # Only the board's card fragment (templates/jinja2/): rendered a couple of hundred times per page, where
    # Django's engine cost more than everything else on /board/ together. Autoescaped like Django templates.
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": True},
    },
]

# Without DATABASE_URL the embedded default is a SQLite file under var/.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Keep a worker's connection between requests (opening one costs more than a whole board move on
# PostgreSQL); checked before reuse so a restarted database server costs one failed check, not an error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default: readers don't block the writer (WAL), a commit doesn't wait for the disk
    # twice (synchronous=NORMAL is safe with WAL: a power cut can lose the last commits, never corrupt),
    # and a writer takes the lock when its transaction starts and waits for it rather than failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
elif "postgresql" in DATABASES["default"]["ENGINE"]:
    # Short OLTP queries: PostgreSQL's JIT compiles the board's many small subplans for longer (~0.7 s)
    # than they take to run (a few ms) once the planner's estimates pass jit_above_cost.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # A database host that does not answer costs seconds, not the OS's two minutes of SYN retries; the
    # keepalives notice a connection that died under an idle worker.
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3))
    DATABASES["default"]["OPTIONS"].setdefault("keepalives_idle", 30)
    DATABASES["default"]["OPTIONS"].setdefault("keepalives_interval", 10)
    DATABASES["default"]["OPTIONS"].setdefault("keepalives_count", 3)
    # The web process (mktgops_portal/wsgi.py sets PORTAL_PROCESS=web) also gets a statement timeout, so a
    # stuck query ends (with a 503) before gunicorn's timeout kills the worker. Workers and commands do not:
    # a rollover's batched moves may take longer, and nobody waits on them.
    if env("PORTAL_PROCESS", default="") == "web":
        timeout_ms = env.int("DATABASE_WEB_STATEMENT_TIMEOUT_MS", default=15_000)
        DATABASES["default"]["OPTIONS"]["options"] += f" -c statement_timeout={timeout_ms}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads (list-import CSVs hold PII) live outside any public URL; views stream them
# after an authorisation check. There is deliberately no MEDIA_URL route.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
# Files on requests and comments (issue 13): per-file size and per-issue count.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_PER_ISSUE = env.int("ATTACHMENT_MAX_PER_ISSUE", default=20)
# Bounded input (issue 12): a request body other than files (a form's fields, a JSON body) is refused past
# DATA_UPLOAD_MAX_MEMORY_SIZE (400, never read into memory); uploaded files are stopped while they arrive by
# mktgops_portal.uploads.BoundedUploadHandler, at FILE_UPLOAD_MAX_BYTES for one file and
# FILE_UPLOAD_MAX_REQUEST_BYTES for all of a request's files; files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a
# temporary file instead of memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
FILE_UPLOAD_MAX_BYTES = env.int("FILE_UPLOAD_MAX_BYTES", default=ATTACHMENT_MAX_BYTES)
FILE_UPLOAD_MAX_REQUEST_BYTES = env.int("FILE_UPLOAD_MAX_REQUEST_BYTES", default=5 * FILE_UPLOAD_MAX_BYTES)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_HANDLERS = [
    "mktgops_portal.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions (ASVS 3.3): signed out after SESSION_IDLE_TIMEOUT seconds without a request (default 8 hours) and,
# whatever the activity, SESSION_ABSOLUTE_LIFETIME seconds after signing in (default 12 hours); see
# mktgops_portal.sessions. The cookie itself expires with the idle timeout and is renewed on each request.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 60 * 60)
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = False  # the middleware renews the session at most once a minute
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Sign-in throttling (ASVS 2.2.1) with django-axes: after AXES_FAILURE_LIMIT failed sign-ins for one username
# from one address, that pair is locked out for AXES_COOLOFF_MINUTES (the portal's sign-in, /admin/login/ and
# anything else calling authenticate()). Managers unlock in the admin (Axes → Access attempts → delete) or with
# `manage.py axes_reset_username <name>`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a proxy that sets X-Forwarded-For, read the client address from it (the audit log does the same).
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if env.bool("TRUST_X_FORWARDED_FOR", default=False) else ["REMOTE_ADDR"]
)
AUDIT_TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)

# Content-Security-Policy (ASVS 14.4.3) with django-csp: scripts only from the portal's own static files (no
# inline script, no eval), images from the portal only (Markdown images are shown as links), no plugins, no
# framing, forms post to the portal only. Inline style attributes stay allowed: labels carry their colour.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# E-mail: console by default, SMTP when EMAIL_URL is set (smtp://user:pass@host:587/?tls=True).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="MktgOps Portal <mktgops-portal@localhost>")

# Celery: Redis is broker and result backend when REDIS_URL is set; otherwise tasks run eagerly.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL

# With Redis, sessions are read from it (written through to the database): every signed-in request
# reads its session, and Redis answers without a database query. Without Redis, the database alone;
# and when Redis is down, the database too (mktgops_portal.sessions): signed-in pages keep working.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mktgops",
            # A Redis that is down or hung costs a request half a second, not a hang.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    SESSION_ENGINE = "mktgops_portal.sessions"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A task whose worker was killed (SIGKILL, OOM, host lost) is redelivered after this many seconds (Redis
# transport; the default is an hour). Task retries wait less than this (CELERY_RETRY_COUNTDOWN_MAX_SECONDS),
# or a waiting retry would be redelivered as if lost.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
CELERY_RETRY_COUNTDOWN_MAX_SECONDS = max(CELERY_VISIBILITY_TIMEOUT - 60, 1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "health_check_interval": 25,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
# Publishing from a web request: a broker that is down fails fast (the task outbox keeps the task and
# the beat sweep sends it later) instead of retrying for 20 s while the user waits.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
# A worker started before Redis waits for it; one that loses Redis reconnects for ever. The tasks it was
# running finish (a rollover half-way through a Slack call is best left to end); their acknowledgement is
# lost with the connection, so the broker redelivers them after the visibility timeout, and the rerun
# finds the work done (leases and recorded progress).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE = {
    "milestones-ensure-ahead": {
        "task": "milestones.tasks.milestones_ensure_ahead_task",
        "schedule": 60 * 60 * 6,
    },
    # Every ended milestone not yet rolled over, shortly after midnight (the day after its due date).
    "milestones-rollover-due": {
        "task": "rollover.tasks.milestones_rollover_due_task",
        "schedule": crontab(hour=0, minute=30),
    },
    # The daily digest for those who chose it (notifications preferences), at NOTIFICATION_DIGEST_HOUR.
    "notifications-digest": {
        "task": "notifications.tasks.notifications_digest_task",
        "schedule": crontab(hour=env.int("NOTIFICATION_DIGEST_HOUR", default=7), minute=0),
    },
    # A rollover whose worker died (lease lapsed) or whose task was lost is queued again.
    "rollovers-resume-stalled": {
        "task": "rollover.tasks.rollovers_resume_stalled_task",
        "schedule": 60,
    },
    # Tasks recorded with a change but not yet handed to the broker (it was down) are sent again.
    "task-outbox-relay": {
        "task": "task_outbox.tasks.task_outbox_relay_task",
        "schedule": 60,
    },
}
# The rollover's Slack thread: a run holds a lease, renewed at each message, for this long; a run whose
# worker died is taken over when it lapses (plus ROLLOVER_STALL_SECONDS) by the sweep above.
ROLLOVER_LEASE_SECONDS = env.int("ROLLOVER_LEASE_SECONDS", default=90)
ROLLOVER_STALL_SECONDS = env.int("ROLLOVER_STALL_SECONDS", default=30)
# The task outbox: a pending task older than this is sent again by the sweep (the after-commit send failed).
TASK_OUTBOX_RESEND_AFTER_SECONDS = env.int("TASK_OUTBOX_RESEND_AFTER_SECONDS", default=30)

# Milestone cadence: two-week iterations starting on MILESTONE_START_WEEKDAY (0 = Monday),
# counted from MILESTONE_ANCHOR so every deployment agrees on which weeks start one.
MILESTONE_START_WEEKDAY = env.int("MILESTONE_START_WEEKDAY", default=0)
MILESTONE_LENGTH_DAYS = env.int("MILESTONE_LENGTH_DAYS", default=14)
MILESTONE_ANCHOR = datetime.date.fromisoformat(env("MILESTONE_ANCHOR", default="2026-01-05"))
MILESTONES_AHEAD = env.int("MILESTONES_AHEAD", default=3)

# Working days (milestones.calendar): SLAs count them. Public holidays of every place listed (ISO country codes,
# optionally with a subdivision: "US", "US,GB", "GB-ENG"), the working week (day names), and company days off /
# extra working days edited in the admin.
WORKING_CALENDAR = env.list("WORKING_CALENDAR", default=["US"])
WORKING_WEEK = env.list("WORKING_WEEK", default=["Mon", "Tue", "Wed", "Thu", "Fri"])

# Slack: with no token, messages go to the outbox stored in the database.
SLACK_BOT_TOKEN = env("SLACK_BOT_TOKEN", default="")
SLACK_API_URL = env("SLACK_API_URL", default="https://slack.com/api/")
SLACK_ROLLOVER_CHANNEL = env("SLACK_ROLLOVER_CHANNEL", default="#mktgops")
SLACK_TIMEOUT_SECONDS = env.int("SLACK_TIMEOUT_SECONDS", default=10)
# Slack's pace for one channel: about one message a second.
SLACK_MIN_INTERVAL_SECONDS = env.float("SLACK_MIN_INTERVAL_SECONDS", default=1.0)
# A 429 asking for at most this many seconds is waited out in the worker; longer waits retry the task.
SLACK_RETRY_INLINE_MAX_SECONDS = env.float("SLACK_RETRY_INLINE_MAX_SECONDS", default=5.0)
# 5xx and network errors: task retries with exponential backoff from this base, this many times.
SLACK_RETRY_BACKOFF_SECONDS = env.float("SLACK_RETRY_BACKOFF_SECONDS", default=5.0)
SLACK_MAX_RETRIES = env.int("SLACK_MAX_RETRIES", default=8)

# GitLab import (gitlab_import): the API token is read from the environment only, never stored in a run.
GITLAB_TOKEN = env("GITLAB_TOKEN", default="")
# The instance an export file came from: half of the (source, project, iid) key that makes re-runs update.
GITLAB_IMPORT_INSTANCE = env("GITLAB_IMPORT_INSTANCE", default="gitlab.com")
GITLAB_IMPORT_PER_PAGE = env.int("GITLAB_IMPORT_PER_PAGE", default=100)
GITLAB_IMPORT_TIMEOUT_SECONDS = env.float("GITLAB_IMPORT_TIMEOUT_SECONDS", default=30.0)
# A 5xx is asked again after BACKOFF × 2^attempt seconds; a 429 after its Retry-After; no wait above MAX_WAIT.
GITLAB_IMPORT_BACKOFF_SECONDS = env.float("GITLAB_IMPORT_BACKOFF_SECONDS", default=1.0)
GITLAB_IMPORT_MAX_WAIT_SECONDS = env.float("GITLAB_IMPORT_MAX_WAIT_SECONDS", default=120.0)
GITLAB_IMPORT_MAX_RETRIES = env.int("GITLAB_IMPORT_MAX_RETRIES", default=6)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in, JSON out: one body format, the one the OpenAPI document describes (a form-encoded body cannot
    # say null, so it was accepted by the schema and refused by the serializer).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "mktgops_portal.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MktgOps Portal API",
    "DESCRIPTION": "Requests, stages, labels and milestones of the Marketing Operations team.",
    "VERSION": "1.0.0",
    "ENUM_NAME_OVERRIDES": {"StageCodeEnum": ["00", "01", "02", "03", "04", "05", "06", "07", "08"]},
    # The API's description is for people who may use it, like every other page.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the drf-spectacular-sidecar package, served as our static files (the default is the
    # latest release from a CDN, whose script would run on the portal's origin, with the user's session).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The Error component and every operation's 400/401/403/404/409 (mktgops_portal.api_schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mktgops_portal.api_schema.document_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
