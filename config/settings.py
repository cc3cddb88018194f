"""Settings for the marketplace, all switched by environment variables.

Every setting is defined once here. ``DJANGO_ENV`` picks the mode:
``development`` (default: debug on, console email), ``test`` (used by the test
command) or ``production`` (HTTPS only, secure cookies, HSTS, CSP; passes
``manage.py check --deploy``). The README lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlparse

import environ
import structlog

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# pytest (8.2+) sets PYTEST_VERSION before anything is imported, so a plain
# `pytest` run gets test mode without a second settings module.
DJANGO_ENV = env.str("DJANGO_ENV", default="test" if "PYTEST_VERSION" in os.environ else "development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ValueError(f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"

DEBUG = env.bool("DJANGO_DEBUG", default=DJANGO_ENV == "development")
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    # Only development and test fall back to a fixed key; production must set one.
    default="" if PRODUCTION else "dev-only-secret-key-not-for-production-use-0123456789abcdef",
)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ValueError("DJANGO_SECRET_KEY must be set to at least 50 random characters in production")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = env.str("SITE_NAME", default="Outsource")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_countries",
    "csp",
    "core",
    "accounts",
    "marketplace",
    "contracts",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "core.request_context.RequestOriginMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ActingOrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees what views raise first: deadlocks and the like answer 503 "send it again".
    "core.conflicts.RetryLaterOnConflictMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        # Django's engine; .txt templates (plain-text emails) render without HTML escaping.
        "BACKEND": "core.template_backends.TextAwareDjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.acting_organization",
                "marketplace.context_processors.header_activity",
                "core.context_processors.site",
            ],
            # {% submit_token %} goes in every form that posts to a view marked core.idempotency.submit_once;
            # {% url %} is Django's, remembering the URLs of names without arguments.
            # {% form_field %} lays out a form's field (label, widget, errors, help text).
            "builtins": [
                "core.templatetags.submit_once",
                "core.templatetags.cached_url",
                "core.templatetags.form_fields",
            ],
        },
    },
]
# Django's renderer, with its input and text area templates written in Python (core.widgets).
FORM_RENDERER = "core.widgets.QuickRenderer"

# --- Database: PostgreSQL only (one SQL dialect everywhere) -----------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/marketplace"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Short OLTP queries: compiling a plan PostgreSQL costs above 100,000 (JIT) added
# 10-230 ms to task searches in docs/benchmarks.md and saved nothing. A common
# word's bitmap (200,000 tasks) outgrows the default 4 MB of work_mem and turns
# lossy, so ANDing it with a filter re-reads 100,000 rows: 32 MB keeps it exact.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off -c work_mem=32MB")
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("DATABASE_TEST_NAME", default="test_marketplace")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ValueError("DATABASE_URL must point at PostgreSQL: the product has no other SQL dialect")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker ------------------------------------------
# Tests default to their own Redis database: clearing it never touches a dev stack.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/15" if TESTING else "redis://127.0.0.1:6379/0")


def _celery_redis_url(url: str) -> str:
    """Kombu names a Unix-socket Redis ``redis+socket://`` and reads its database
    number from ``virtual_host`` (it ignores ``db`` there); redis-py says ``unix://...?db=N``."""
    parsed = urlparse(url)
    if parsed.scheme != "unix":
        return url
    query = urlencode([("virtual_host" if key == "db" else key, value) for key, value in parse_qsl(parsed.query)])
    return f"redis+socket://{parsed.path}" + (f"?{query}" if query else "")


# The cache holds only what can be lost (API throttles, allauth's rate limits,
# session copies, cached pages and fragments): when Redis is down it fails open
# with a warning instead of answering 500 (core/cache.py). Short socket
# timeouts: a Redis that stops answering costs a request at most half a second,
# and then nothing until the next retry. CACHE_URL may name a Redis of its own,
# as compose does: one that evicts (maxmemory + allkeys-lru) so that pages
# cached for anonymous visitors, keyed by their URL, can never fill the memory
# the broker's queued jobs need (the broker's Redis must never evict).
CACHE_URL = env.str("CACHE_URL", default=REDIS_URL)
CACHES = {
    "default": {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mkt"),
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_celery_redis_url(REDIS_URL))
CELERY_RESULT_BACKEND = None
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="marketplace")
# Tests run jobs in-process unless they start a real worker (tests/integration).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish that cannot reach the broker fails fast; the outbox keeps the job.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_connect_timeout": 2}

# --- Celery: a worker's death delays a job, never loses or repeats it ---------
# A job leaves Redis when its worker acks it, after running it (late ack); a
# child process killed mid-job gives it back at once. When the whole worker
# dies (SIGKILL, OOM, lost machine) its jobs stay out until the visibility
# timeout, then Redis hands them out again (any worker sweeps every 10 s).
# No job may still run by then, or a second worker would start it too: the
# hard time limit ends every job before, and the longest hold is an email's
# retry (countdown up to 600 s, then at most 90 s: core/tasks.py). Outbox jobs
# record their completion with their effect (core/jobs.py), so a job handed
# out again after it was done does nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
_visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=900)
if _visibility_timeout <= CELERY_TASK_TIME_LIMIT:
    raise ValueError("CELERY_TASK_TIME_LIMIT must be below CELERY_VISIBILITY_TIMEOUT, or running jobs are redelivered")
CELERY_BROKER_TRANSPORT_OPTIONS |= {
    "visibility_timeout": _visibility_timeout,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs. The DatabaseScheduler copies these into its tables when beat
# starts (admins can pause them there); a job that waited longer than its
# period expires instead of piling up behind a stopped worker.
CELERY_BEAT_SCHEDULE = {
    "drain-outbox": {"task": "core.drain_outbox", "schedule": 60.0, "options": {"expires": 55}},
    # Hourly: a new match reaches a supplier within the hour, in at most one email an hour per search.
    "saved-search-digests": {
        "task": "marketplace.send_saved_search_digests",
        "schedule": 3600.0,
        "options": {"expires": 3300},
    },
    # Hourly: form tokens and API Idempotency-Keys older than IDEMPOTENCY_TTL_HOURS.
    "purge-idempotency-records": {
        "task": "core.purge_idempotency_records",
        "schedule": 3600.0,
        "options": {"expires": 3300},
    },
    # Daily: outbox messages whose job completed more than OUTBOX_KEPT_DAYS ago.
    "prune-outbox": {"task": "core.prune_outbox", "schedule": 86400.0, "options": {"expires": 82800}},
    # Daily: files an upload left behind when its transaction rolled back.
    "sweep-orphan-attachments": {
        "task": "marketplace.sweep_orphan_attachments",
        "schedule": 86400.0,
        "options": {"expires": 82800},
    },
    # Daily: signature images, paper scans and PDFs a rolled-back request left behind.
    "sweep-orphan-contract-files": {
        "task": "contracts.sweep_orphan_files",
        "schedule": 86400.0,
        "options": {"expires": 82800},
    },
    # Daily: suppliers' stored reply times, as their 90-day window slides (answers refresh theirs at once).
    "refresh-reply-times": {
        "task": "marketplace.schedule_reply_time_refresh",
        "schedule": 86400.0,
        "options": {"expires": 82800},
    },
}
CELERY_TIMEZONE = "UTC"
OUTBOX_RETRY_AFTER_SECONDS = env.int("OUTBOX_RETRY_AFTER_SECONDS", default=30)
# A completed outbox message guards its job against a late second delivery; kept this long, then pruned.
OUTBOX_KEPT_DAYS = env.int("OUTBOX_KEPT_DAYS", default=7)
# How long a form token or an API Idempotency-Key keeps its first answer (core.idempotency).
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=24)
# Anonymous visitors' browse and task pages come from the cache for this long (0: never);
# see core.web.cached_for_anonymous. Tests render every page.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=0 if TESTING else 30)

# --- Contracts: the payment terms a new contract starts with (contracts.services.terms_from_bid) ---
# The platform's fee, percent of each released milestone, paid by the supplier: a decimal string.
PLATFORM_FEE_PERCENT = env.str("PLATFORM_FEE_PERCENT", default="10")
# Days a client has to review a delivered milestone before it counts as approved.
MILESTONE_REVIEW_DAYS = env.int("MILESTONE_REVIEW_DAYS", default=14)
# Days' notice a party gives to end an active contract whose terms name none in their termination clause
# (contracts.selectors.notice_days).
CONTRACT_NOTICE_DAYS = env.int("CONTRACT_NOTICE_DAYS", default=7)

# --- Contracts: the signed PDF (contracts.documents) -------------------------
# The platform's key and certificate (PEM files) that seal every signed contract PDF. Unset, they are
# a self-signed pair under var/signing/ that `manage.py ensure_signing_certificate` makes (bin/start
# runs it); production mounts a certificate of its own and points these at it.
CONTRACT_SIGNING_KEY = Path(env.str("CONTRACT_SIGNING_KEY", default=str(BASE_DIR / "var" / "signing" / "key.pem")))
CONTRACT_SIGNING_CERT = Path(env.str("CONTRACT_SIGNING_CERT", default=str(BASE_DIR / "var" / "signing" / "cert.pem")))
# An RFC 3161 timestamp authority: set, the seal carries its timestamp (PAdES B-T); empty, PAdES B-B.
CONTRACT_PDF_TSA_URL = env.str("CONTRACT_PDF_TSA_URL", default="")

# --- Auth: django-allauth with email login, verification and MFA ------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, each loading the user's memberships with the user (one query).
AUTHENTICATION_BACKENDS = [
    "accounts.auth_backends.ModelBackend",
    "accounts.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {  # the password rules as text (accounts.forms.PasswordRulesAsText)
    "signup": "accounts.forms.SignupForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.locmem.EmailBackend" if TESTING else "django.core.mail.backends.console.EmailBackend"
    ),
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# A mail server that stops answering fails the send (and the job retries) instead of holding the job.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Outsource <no-reply@outsource.test>")

# --- Files: static through whitenoise, uploads through the storage API ------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Outside production whitenoise serves straight from the app and static dirs.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
# Front-end packages come from the npm registry, pinned by package-lock.json (`npm ci --omit=dev`, which
# bin/start and bin/test run): only the files pages load are served, under static/vendor/.
NODE_MODULES = BASE_DIR / "node_modules"
VENDOR_STATIC = {
    "vendor/signature_pad": NODE_MODULES / "signature_pad" / "dist",
    "vendor/dancing-script": NODE_MODULES / "@fontsource" / "dancing-script" / "files",
}
STATICFILES_DIRS = [BASE_DIR / "static", *((prefix, path) for prefix, path in VENDOR_STATIC.items() if path.is_dir())]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
                "default_acl": None,
                "querystring_auth": True,
            },
        }
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-us"
# The product's own English for third-party text (allauth's headings in sentence case): locale/en.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    # Bounded by DATA_UPLOAD_MAX_MEMORY_SIZE and, for JSON, in nesting depth (core/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "core.api.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        # Fixed windows: one Redis round trip a request instead of a pickled history (core/api/throttling.py).
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1000/min"),
        "token_exchange": env.str("API_THROTTLE_TOKEN_EXCHANGE", default="10/min"),
    },
    # JSON only, as the schema says: a browser's Accept header still gets JSON (through */*), not
    # the browsable API's HTML pages, which no schema describes (Swagger UI is at /api/docs/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Tasks, bids, comparisons, messages and saved searches for outsourced work.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_shared_errors",
    ],
    # Choice sets shared by several fields (or fields of one name with different choices) get one clear name.
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "marketplace.models.TaskStatus",
        "BidStatusEnum": "marketplace.models.BidStatus",
        "BudgetTypeEnum": "marketplace.models.BudgetType",
        "ContractSideEnum": "contracts.api.serializers.SIDE_CHOICES",
        "ContractEndKindEnum": "contracts.models.EndKind",
        "TerminationKindEnum": "contracts.api.serializers.TERMINATION_CHOICES",
        "ContractLimitKindEnum": "contracts.terms.END_KINDS",
    },
}

# --- Security -----------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies of ours stand in front of the app, each appending the peer it saw to
# X-Forwarded-For: the client's address is the hop that many places from the right. 0 (the
# default): the header is ignored, since any client can write it. The audit log, the logs, the API
# throttles and allauth's rate limits (accounts.adapters) all read the address by this one rule.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Rows in the database (the truth), read through a copy in the cache kept a minute at most:
# one query less on every signed-in request (core/sessions.py).
SESSION_ENGINE = "core.sessions"
SESSION_CACHE_SECONDS = env.int("SESSION_CACHE_SECONDS", default=60)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=PRODUCTION)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# django-csp 4: same-origin everything; the swagger/redoc pages come from the
# sidecar package on our own origin, so no CDN is allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Logging: structured, with a request id on every line --------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING" if TESTING else "INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "console")
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# Log lines carry the client address the audit log records (core.request_context.client_ip, bound
# by core.apps), not a second guess by django-ipware's rules, which also cost 0.1 ms a request.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "structlog.stdlib.ProcessorFormatter",
            "processor": structlog.processors.JSONRenderer(),
        },
        "console": {
            "()": "structlog.stdlib.ProcessorFormatter",
            # A plain traceback: rich's (the default when rich is installed) prints each frame's locals, and
            # repr() of a queryset queries the database from inside the failed request (in an aborted
            # transaction each such query fails again, and buries the cause under its own errors).
            "processor": structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback),
        },
    },
    "handlers": {
        "default": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["default"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every step of every PDF at INFO, and fontTools every font it subsets.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django_structlog": {"level": LOG_LEVEL},
    },
}

from config.logging import configure_structlog  # noqa: E402

configure_structlog()
