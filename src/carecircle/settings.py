"""One settings module for every environment, configured from the environment.

Every setting a deployment may change is read here with a helper that fails loudly on a bad value;
README.md lists them. SQLite under ./data is the default; DATABASE_URL selects PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from carecircle.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent


DEBUG = env_bool("DEBUG", False)
DEVELOPMENT_SECRET = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET)
if SECRET_KEY == DEVELOPMENT_SECRET and not (DEBUG or env_bool("CARECIRCLE_DEMO", False)):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
        "(or DEBUG=true / CARECIRCLE_DEMO=true for a local demo)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # The API docs page serves Swagger UI from the site (the security policy blocks a CDN).
    "ninja",
    "template_partials",
    "django_tasks",
    "django_tasks.backends.database",
    "carecircle.audit",
    "carecircle.people",
    "carecircle.circles",
    "carecircle.notifications",
    "carecircle.plans",
    "carecircle.rota",
    "carecircle.visits",
    "carecircle.alerts",
    "carecircle.safeguarding",
    "carecircle.outcomes",
    "carecircle.oversight",
    "carecircle.money",
    "carecircle.interop",
    "carecircle.simulation",
    "carecircle.web",
    "carecircle.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "carecircle.web.middleware.NoStoreMiddleware",
    "carecircle.web.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

if env_bool("SERVED_BY_HEADER", False):  # README "Running on several machines"
    MIDDLEWARE.insert(0, "carecircle.web.served_by.ServedByMiddleware")

ROOT_URLCONF = "carecircle.urls"
WSGI_APPLICATION = "carecircle.wsgi.application"
ASGI_APPLICATION = "carecircle.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carecircle.web.context.navigation",
                "carecircle.web.check_warnings.check_warnings_context",
            ],
        },
    }
]


def _database_config() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'carecircle.sqlite3'}"
    if not url.startswith(("sqlite:", "postgres:", "postgresql:", "pgsql:")):
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r}: use sqlite:///path/to/file.db or postgres://user@host/db"
        )
    config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN so two racing writers queue instead of failing with "database is locked".
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first; older hashes are upgraded to it at the next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
# Sign-in throttling (README "Security"): failures per username and IP address, in the database.
AUTHENTICATION_BACKENDS = ["carecircle.people.auth_backends.ThrottledModelBackend"]
LOGIN_THROTTLE_ATTEMPTS = env_int("LOGIN_THROTTLE_ATTEMPTS", 5, minimum=1)
LOGIN_THROTTLE_WINDOW_S = env_int("LOGIN_THROTTLE_WINDOW_S", 15 * 60, minimum=60)
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en-gb")
LANGUAGES = [("en-gb", "English"), ("pl", "Polski"), ("ro", "Română")]
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content security policy (django-csp). Scripts and styles come only from our own static files;
# an inline script would need the per-request nonce ({{ request.csp_nonce }}). Style attributes
# are allowed (a progress bar's width): they cannot run code.
CONTENT_SECURITY_POLICY = {
    "REPORT_ONLY": False,
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks.backends.database.DatabaseBackend"),
    }
}

# Rota engine: solver limits (see README "How the rota engine weighs things").
ROTA_TIME_LIMIT_S = env_int("ROTA_TIME_LIMIT_S", 10, minimum=1)
ROTA_WORKERS = env_int("ROTA_WORKERS", 2, minimum=1)
# How far ahead every client with an agreed plan has visits (rota.services.horizon). More than 26
# weeks would make a year of visits nobody can yet staff and slow every change that follows a plan.
ROTA_HORIZON_WEEKS = env_int("ROTA_HORIZON_WEEKS", 8, minimum=1, maximum=26)
# How often the circle worker tops up the horizon (idempotent: a run with nothing to add is cheap).
HORIZON_TICK_SECONDS = env_int("HORIZON_TICK_SECONDS", 3600, minimum=60)

# Notifications (README "Notifications"): e-mail over SMTP, Web Push, an SMS gateway over HTTP.
# A local demo without a mail server prints e-mails to the terminal instead.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if env_bool("CARECIRCLE_DEMO", False) and not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "carecircle <carecircle@localhost>")
WEB_PUSH_CONTACT = env_str("WEB_PUSH_CONTACT", "mailto:carecircle@localhost")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")  # empty: SMS is not offered
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
SMS_SENDER = env_str("SMS_SENDER", "carecircle")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5, minimum=1)

# Checks and training (README "Security and safeguarding"): skills an expired background check
# takes away, and how far ahead expiring checks are flagged.
BACKGROUND_CHECK_SKILLS = env_list(
    "BACKGROUND_CHECK_SKILLS", ["personal_care", "medication", "hoist"]
)
CHECK_WARNING_WEEKS = env_int("CHECK_WARNING_WEEKS", 6, minimum=0)

# Safeguarding signals (README "Security and safeguarding").
SIGNAL_LOOKBACK_DAYS = env_int("SIGNAL_LOOKBACK_DAYS", 14, minimum=1)
SIGNAL_LATE_MINUTES = env_int("SIGNAL_LATE_MINUTES", 30, minimum=1)
SIGNAL_MISSED_GRACE_MINUTES = env_int("SIGNAL_MISSED_GRACE_MINUTES", 60, minimum=0)
SIGNAL_REFUSALS = env_int("SIGNAL_REFUSALS", 3, minimum=2)
SIGNAL_EXPENSE_FACTOR = env_int("SIGNAL_EXPENSE_FACTOR", 3, minimum=2)
SIGNAL_EXPENSE_LIMIT = env_int("SIGNAL_EXPENSE_LIMIT", 50, minimum=1)

# Self-management (README "The circle runs itself").
ESCALATE_TEAM_LEADERS_HOURS = env_int("ESCALATE_TEAM_LEADERS_HOURS", 12, minimum=1)
ESCALATE_MANAGER_HOURS = env_int("ESCALATE_MANAGER_HOURS", 4, minimum=0)
CIRCLE_HEALTH_THRESHOLD = env_int("CIRCLE_HEALTH_THRESHOLD", 70, minimum=0)
COVER_TIME_LIMIT_S = env_int("COVER_TIME_LIMIT_S", 5, minimum=1)
TICK_SECONDS = env_int("TICK_SECONDS", 60, minimum=1)

# Help now (README "Help now: distress alerts").
ALERT_WAVE_SIZE = env_int("ALERT_WAVE_SIZE", 3, minimum=1)
ALERT_WAVE_SECONDS = env_int("ALERT_WAVE_SECONDS", 60, minimum=1)
ALERT_ESCALATE_SECONDS = env_int("ALERT_ESCALATE_SECONDS", 180, minimum=1)
ALERT_MANAGER_SECONDS = env_int("ALERT_MANAGER_SECONDS", 300, minimum=1)
ALERT_TICK_SECONDS = env_int("ALERT_TICK_SECONDS", 5, minimum=1)
ALERT_SPEED_KMH = env_int("ALERT_SPEED_KMH", 20, minimum=1)
# Skills a visit may not be left for (personal care in progress); two-carer visits never are.
ALERT_UNINTERRUPTIBLE_SKILLS = env_list("ALERT_UNINTERRUPTIBLE_SKILLS", ["personal_care", "hoist"])
ALERT_ON_SCENE_MINUTES = env_int("ALERT_ON_SCENE_MINUTES", 60, minimum=0)
ALERT_LATE_GRACE_MINUTES = env_int("ALERT_LATE_GRACE_MINUTES", 10, minimum=0)
LIVE_STREAM_SECONDS = env_int("LIVE_STREAM_SECONDS", 25, minimum=1)
# Live screens re-render this often anyway (ETAs count down), and poll this often when server-sent
# events are unavailable.
LIVE_REFRESH_SECONDS = env_int("LIVE_REFRESH_SECONDS", 15, minimum=1)
LIVE_FALLBACK_POLL_SECONDS = env_int("LIVE_FALLBACK_POLL_SECONDS", 10, minimum=1)

# Visit recording (README "Recording a visit (offline)").
VISITS_RECEIPT_MAX_BYTES = env_int("VISITS_RECEIPT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
