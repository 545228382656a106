"""Recdesk settings: one file, every value from the environment (see .env.example)."""

import os
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_secret(name: str, default: str | None = None) -> str:
    """Read NAME, or the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    file_name = env.str(f"{name}_FILE", default="")
    if file_name:
        return Path(file_name).read_text().strip()
    if default is None:
        return env.str(name)
    return env.str(name, default=default)


DEBUG = env.bool("DEBUG", default=False)
# Insecure development-only values are accepted only with DEBUG on; production must set both.
# Without DEBUG there is no default: Django refuses any request with an empty SECRET_KEY, the
# console refuses to touch a secret without FIELD_ENCRYPTION_KEYS, and `check --deploy` names both
# (core/checks.py). Commands that need neither (makemigrations, collectstatic) still run.
SECRET_KEY = env_secret("SECRET_KEY", default="dev-insecure-secret-key" if DEBUG else "")
# A list so keys can be rotated: the first encrypts, all decrypt (`manage.py rotate_keys`).
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    default=["ZGV2LWluc2VjdXJlLWZpZWxkLWtleS0zMi1ieXRlcyE="] if DEBUG else [],
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "core",
    "accounts",
    "recordings",
    "storage_profiles",
    "playback",
    "monitoring",
    "api",
    "policies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "monitoring.middleware.FlushZegoCallCountsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.VaryOnHtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# Lets our own widget templates (templates/core/widgets) render form fields.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "config.wsgi.application"

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    # The embedded default: SQLite under var/ (created here so any manage.py command works).
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {"default": env.db_url_config(f"sqlite:///{BASE_DIR / 'var' / 'recdesk.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share one SQLite file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests on SQLite use a file, not Django's shared in-memory database: the browser tests' live
    # server answers the browser, ZEGO callbacks and polling on several threads, which in memory
    # share one connection ("database table is locked"); a file gives each its own, with WAL and
    # the busy timeout above. One file per test process, so two runs never meet.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"recdesk-test-{os.getpid()}.sqlite3")
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work goes through django.tasks; the worker (`manage.py db_worker`) runs it. Tests run
# tasks inline with TASKS_BACKEND=django.tasks.backends.immediate.ImmediateBackend.
TASKS = {
    "default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed-login lockout: after AXES_FAILURE_LIMIT failures for one username from one address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production serves hashed, compressed files (run `manage.py collectstatic` on deploy).
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STORAGES["staticfiles"]["BACKEND"].startswith("whitenoise")

# Django 6's CSP: nonces for our own scripts, no inline handlers, no CDNs. Media comes from the
# storage endpoints (presigned URLs), so media-src/connect-src allow them.
MEDIA_ORIGINS = env.list("MEDIA_ORIGINS", default=["http://127.0.0.1:8333"])
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *MEDIA_ORIGINS],
    "media-src": [CSP.SELF, "blob:", *MEDIA_ORIGINS],
    "connect-src": [CSP.SELF, *MEDIA_ORIGINS],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Files and playback: how long a presigned file URL lives (the player renews it before then), and
# how many seconds of HLS the player buffers ahead.
PLAYBACK_URL_TTL = env.int("PLAYBACK_URL_TTL", default=300)
PLAYBACK_HLS_BUFFER_SECONDS = env.int("PLAYBACK_HLS_BUFFER_SECONDS", default=30)

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
X_FRAME_OPTIONS = "DENY"

# Django 6.1's MAILERS; EMAIL_URL-style details go in OPTIONS (host, port, username, password...).
MAILERS = {
    "default": {
        "BACKEND": env.str(
            "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
        ),
        "OPTIONS": env.json("EMAIL_OPTIONS", default={}),
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="recdesk@localhost")

# The embedded defaults: the local ZEGO emulator and SeaweedFS started by `make run`.
ZEGO_DEFAULT_API_URL = env.str("ZEGO_DEFAULT_API_URL", default="http://127.0.0.1:8810")
ZEGO_DEFAULT_RTC_API_URL = env.str("ZEGO_DEFAULT_RTC_API_URL", default="http://127.0.0.1:8810")
# Callbacks go to <base>/callbacks/zego/<AppID>/ (given to ZEGO per task as CallbackUrl).
ZEGO_CALLBACK_BASE_URL = env.str("ZEGO_CALLBACK_BASE_URL", default=SITE_URL)
ZEGO_TIMEOUT = env.float("ZEGO_TIMEOUT", default=10.0)
# "database": one QPS budget per AppID shared by every process (recordings.ratelimit);
# "process": each process keeps its own (fine with a single process calling ZEGO).
ZEGO_RATE_LIMITER = env.str("ZEGO_RATE_LIMITER", default="database")
if ZEGO_RATE_LIMITER not in ("database", "process"):
    raise ImproperlyConfigured('ZEGO_RATE_LIMITER must be "database" or "process"')
S3_ENDPOINT = env.str("S3_ENDPOINT", default="http://127.0.0.1:8333")
S3_BUCKET = env.str("S3_BUCKET", default="recdesk")
S3_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default="recdesk")
S3_SECRET_ACCESS_KEY = env_secret("S3_SECRET_ACCESS_KEY", default="recdesk-local-secret")

DEFAULT_EXCEPTION_REPORTER_FILTER = "core.logging.SecretsExceptionReporterFilter"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "core.logging.RedactSecretsFilter"},
        "no_client_error_tracebacks": {"()": "core.logging.OmitClientErrorTracebacks"},
        "warnings_and_up": {"()": "core.logging.MinimumLevelFilter", "level": "WARNING"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets", "no_client_error_tracebacks"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default "django" logger has a console handler of its own, so every line of
        # django.* (requests, tasks) came out twice, once unformatted; they reach root instead,
        # as do runserver's access lines (Django gives those a handler and format of their own).
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "INFO"},
        # One line per finished background task every few seconds is noise; failures still show.
        # The filter holds where the level cannot: db_worker sets both loggers to INFO at start.
        "django.tasks": {"level": "WARNING", "filters": ["warnings_and_up"]},
        "django_tasks_db": {"level": "WARNING", "filters": ["warnings_and_up"]},
    },
}

# The demo app that `make run` registers against the local emulator (see Makefile/Procfile).
LOCAL_ZEGO_APP_ID = env.int("LOCAL_ZEGO_APP_ID", default=1000000001)
LOCAL_ZEGO_SERVER_SECRET = env_secret("LOCAL_ZEGO_SERVER_SECRET", default="")
LOCAL_ZEGO_CALLBACK_SECRET = env_secret("LOCAL_ZEGO_CALLBACK_SECRET", default="")

# Recording ledger: when an initialising task counts as stuck, and how long after ZEGO reports a
# task ended we wait for its callback before saying callbacks were missed.
RECORDING_STUCK_AFTER = env.int("RECORDING_STUCK_AFTER", default=120)
CALLBACK_GRACE_SECONDS = env.int("CALLBACK_GRACE_SECONDS", default=120)
# How far a callback's timestamp may be from our clock (ZEGO signs it; replays outside are refused).
CALLBACK_TIMESTAMP_WINDOW = env.int("CALLBACK_TIMESTAMP_WINDOW", default=600)
RECONCILE_INTERVAL = env.float("RECONCILE_INTERVAL", default=5.0)
# Above ZEGO's one stream-list query per room per 10 s, with room for a late or early pass: a
# room asked about less than 10 s ago is skipped (recordings.services.presence_refresh).
PRESENCE_INTERVAL = env.float("PRESENCE_INTERVAL", default=12.0)
PRESENCE_MAX_AGE = env.int("PRESENCE_MAX_AGE", default=15)
# A task page someone is watching asks ZEGO about its task at most this often.
WATCHED_TASK_POLL_SECONDS = env.int("WATCHED_TASK_POLL_SECONDS", default=3)

# Recording prices for the cost estimate at start and the usage page (recordings.pricing): a
# currency and tiers of [name, most pixels per frame (null: any larger), price per 1,000 minutes].
# These defaults are placeholders shaped like public cloud-recording price lists, not ZEGO's or
# your contract's prices: set RECORDING_PRICES to yours (checked at start-up, recdesk.E003).
RECORDING_PRICES = env.json(
    "RECORDING_PRICES",
    default={
        "currency": "USD",
        "tiers": [
            ["Audio", None, 0.99],
            ["HD (up to 720p)", 921600, 1.49],
            ["Full HD (up to 1080p)", 2073600, 5.99],
            ["2K (up to 1440p)", 3686400, 13.49],
            ["2K+", None, 23.99],
        ],
    },
)

# Monitoring: how often the scheduler enqueues alert evaluation, and the bearer token /metrics
# asks for (unset: /metrics answers 404).
ALERTS_INTERVAL = env.float("ALERTS_INTERVAL", default=30.0)
METRICS_TOKEN = env_secret("METRICS_TOKEN", default="")
# Alert webhooks reach public addresses only, plus these networks (CIDR, comma-separated), e.g. an
# internal chat server. Local development may post to this machine.
WEBHOOK_ALLOWED_NETWORKS = env.list(
    "WEBHOOK_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"] if DEBUG else []
)
