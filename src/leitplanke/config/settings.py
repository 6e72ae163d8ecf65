"""Django settings for Leitplanke, read from the environment only (12-factor).

Two modes, chosen with ``LEITPLANKE_MODE``:

* ``production`` (the default): a real ``SECRET_KEY`` is required, cookies are secure, HTTPS is
  enforced and HSTS is sent. ``manage.py check --deploy`` passes.
* ``development``: for a trial on one machine and for the test suite. A secret key is generated once
  and kept in the data directory; plain HTTP on localhost works.

Every setting an operator may change is listed in ``docs/operations.md``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from leitplanke.config.secret_key import weak_secret_key_reason


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable; accepts 1/0, true/false, yes/no, on/off."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a yes/no value, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    """Read a whole-number environment variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent.parent

MODE = os.environ.get("LEITPLANKE_MODE", "production").strip().lower()
if MODE not in {"production", "development"}:
    raise ImproperlyConfigured("LEITPLANKE_MODE must be 'production' or 'development'.")
PRODUCTION = MODE == "production"

DATA_DIR = Path(os.environ.get("LEITPLANKE_DATA_DIR", Path.cwd() / "data")).resolve()
if DATA_DIR.is_relative_to(PACKAGE_DIR):
    # The data directory holds the secret key and the database: never inside the installed code.
    raise ImproperlyConfigured(
        f"The data directory {DATA_DIR} lies inside the program's own files; set LEITPLANKE_DATA_DIR "
        "or start Leitplanke from another directory."
    )

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must not be switched on in production mode.")


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if PRODUCTION:
        weakness = weak_secret_key_reason(key)
        if weakness is not None:
            raise ImproperlyConfigured(
                f"Production mode needs a real SECRET_KEY (at least 50 random characters); this one is weak: "
                f"{weakness}. Make one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
            )
        return key
    if key:
        return key
    # Development: keep one generated key per data directory so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "leitplanke.accounts",
    "leitplanke.audit",
    "leitplanke.org",
    "leitplanke.catalog",
    "leitplanke.usecases",
    "leitplanke.guardrails",
    "leitplanke.literacy",
    "leitplanke.decisions",
    "leitplanke.impact",
    "leitplanke.notifications",
    "leitplanke.webhooks",
    "ninja",
    "leitplanke.api",
    "leitplanke.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "leitplanke.audit.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "leitplanke.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "leitplanke.web.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "leitplanke.config.urls"
WSGI_APPLICATION = "leitplanke.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leitplanke.web.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in the data directory unless DATABASE_URL names another database.
#: Seconds a write waits for a lock (PostgreSQL ``lock_timeout``, SQLite's busy timeout) before it
#: is rolled back and answered with 503 and Retry-After; see docs/decisions/ on the write order.
DATABASE_LOCK_TIMEOUT = env_int("LEITPLANKE_LOCK_TIMEOUT", 10)
_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "leitplanke.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers never deadlock on a lock upgrade; the busy timeout makes a writer wait its turn.
    # synchronous=FULL syncs the WAL at every commit: an acknowledged write survives the crash of
    # any process and a power loss too (NORMAL would lose the last commits on power loss); see
    # docs/decisions/0009-crash-safe-sqlite.md.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": DATABASE_LOCK_TIMEOUT,
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"),
        }
    )
    DATABASES["default"].setdefault("TEST", {})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Every write takes the write lock first (leitplanke.common.transactions), so a lock wait is a
    # queue, never a deadlock; lock_timeout bounds that queue (options from DATABASE_URL are kept).
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c lock_timeout={DATABASE_LOCK_TIMEOUT * 1000}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
#: Minutes a process trusts its last database integrity check (/readyz); leitplanke check always checks.
INTEGRITY_CHECK_MINUTES = env_int("LEITPLANKE_INTEGRITY_CHECK_MINUTES", 15)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failed logins (django-axes). The rule is in accounts/lockout.py: per
# user name and address plus per address when the client's address is known; per user name for
# one minute only when it is not (behind a proxy whose count is not set).
AXES_HANDLER = "leitplanke.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env_int("LEITPLANKE_LOGIN_FAILURE_LIMIT", 5)
LEITPLANKE_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LEITPLANKE_LOGIN_ADDRESS_FAILURE_LIMIT", 50)
LEITPLANKE_LOGIN_COOLOFF_SECONDS = 60 * env_int("LEITPLANKE_LOGIN_COOLOFF_MINUTES", 15)
LEITPLANKE_LOGIN_UNKNOWN_ADDRESS_COOLOFF_SECONDS = 60
AXES_COOLOFF_TIME = "leitplanke.accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = "leitplanke.accounts.lockout.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
# A failure while locked does not extend the lock: a stranger cannot prolong it by trying on.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "leitplanke.accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
#: Proxies in front that append to X-Forwarded-For; the client's address is the one they received.
LEITPLANKE_PROXY_COUNT = env_int("LEITPLANKE_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "leitplanke.accounts.lockout.client_address"
#: Whether the address a request comes from is the client's: nothing in front (development, or
#: production with LEITPLANKE_BEHIND_PROXY=false), or the number of proxies to skip is set.
LEITPLANKE_CLIENT_ADDRESS_KNOWN = LEITPLANKE_PROXY_COUNT > 0 or not (
    MODE == "production" and env_bool("LEITPLANKE_BEHIND_PROXY", True)
)

LANGUAGE_CODE = os.environ.get("LEITPLANKE_DEFAULT_LANGUAGE", "de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured("LEITPLANKE_DEFAULT_LANGUAGE must be 'de' or 'en'.")
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("LEITPLANKE_STATIC_ROOT", DATA_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
# Development serves static files straight from the packages; production from collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# E-mail: Django's SMTP backend (Django 6.1 mailers), configured from the environment. In
# development, without a configured backend, mails are written as files to DATA_DIR/mail.
_email_backend = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION or "EMAIL_HOST" in os.environ
    else "django.core.mail.backends.filebased.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": {"file_path": str(DATA_DIR / "mail")}
        if _email_backend.endswith("filebased.EmailBackend")
        else {}
        if not _email_backend.endswith("smtp.EmailBackend")
        else {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 25),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "use_ssl": env_bool("EMAIL_USE_SSL", False),
            "timeout": env_int("EMAIL_TIMEOUT", 30),
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "leitplanke@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. The Content-Security-Policy allows nothing inline and nothing from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("LEITPLANKE_SESSION_HOURS", 12) * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a deliberate, hard-to-undo choice for the whole domain; it stays opt-in.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("LEITPLANKE_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint (PDF documents) logs every rendering step at INFO; its warnings still show.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Background work (notifications, webhooks): Django's task framework, kept in the database
# and run by ``leitplanke worker``.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
#: The address the links in e-mails point to.
LEITPLANKE_BASE_URL = os.environ.get("LEITPLANKE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
#: Delivery attempts for one e-mail before it is marked failed (waiting 1, 2, 4, ... minutes between).
NOTIFICATION_EMAIL_ATTEMPTS = env_int("LEITPLANKE_EMAIL_ATTEMPTS", 5)
#: Delivery attempts for one webhook before it is marked failed (waiting 1, 2, 4, ... minutes between).
WEBHOOK_ATTEMPTS = env_int("LEITPLANKE_WEBHOOK_ATTEMPTS", 6)
#: Hours a webhook endpoint's previous secret still signs, beside the new one, after its secret was rotated.
WEBHOOK_SECRET_GRACE_HOURS = env_int("LEITPLANKE_WEBHOOK_SECRET_GRACE_HOURS", 24)
#: Days finished webhook deliveries stay in the log before the periodic job deletes them (0: kept for ever).
WEBHOOK_KEEP_DAYS = env_int("LEITPLANKE_WEBHOOK_KEEP_DAYS", 90)
#: Internal hosts webhooks may reach anyway: host names, addresses or networks (CIDR); none by default.
WEBHOOK_ALLOWED_HOSTS = env_list("LEITPLANKE_WEBHOOK_ALLOWED_HOSTS", [])
#: Minutes between two runs of the periodic job (deadlines, due obligations, re-certification).
PERIODIC_JOB_MINUTES = env_int("LEITPLANKE_PERIODIC_MINUTES", 15)
#: Seconds a task may stay "running" before the worker takes it for abandoned (its worker was killed)
#: and runs it again; longer than any task runs (an e-mail or webhook attempt times out after 30 s).
TASK_LEASE_SECONDS = env_int("LEITPLANKE_TASK_LEASE_SECONDS", 300)

# --- decisions ------------------------------------------------------------------------------------
#: Business days each review role has to decide (Monday to Friday; public holidays are not counted out).
REVIEW_DEADLINE_DAYS = {
    role: env_int(f"LEITPLANKE_REVIEW_DAYS_{role.upper()}", default)
    for role, default in (
        ("data_protection", 10),
        ("information_security", 5),
        ("works_council", 15),  # co-determination needs a council meeting (BetrVG §§ 29, 87)
        ("legal", 10),
        ("ai_governance", 5),
    )
}

#: Months an approval stands before re-certification is due, by risk class.
RECERTIFICATION_MONTHS = {
    risk: env_int(f"LEITPLANKE_RECERTIFY_MONTHS_{risk.upper()}", default)
    for risk, default in (("high", 6), ("limited", 12), ("minimal", 24))
}
#: Days before an approval expires that the owner is reminded; days before a review deadline
#: that the reviewers are; days before an obligation is due that its owner is.
RECERTIFICATION_REMINDER_DAYS = env_int("LEITPLANKE_RECERTIFY_REMINDER_DAYS", 30)
REVIEW_REMINDER_DAYS = env_int("LEITPLANKE_REVIEW_REMINDER_DAYS", 2)
OBLIGATION_REMINDER_DAYS = env_int("LEITPLANKE_OBLIGATION_REMINDER_DAYS", 7)
#: The company's hourly rate in euros: hours saved are worth this much (realised benefit).
LEITPLANKE_HOURLY_RATE_EUR = env_int("LEITPLANKE_HOURLY_RATE_EUR", 60)
#: Days without a measurement after which a KPI of a use case in production is stale (its owner is reminded).
LEITPLANKE_MEASUREMENT_STALE_DAYS = env_int("LEITPLANKE_MEASUREMENT_STALE_DAYS", 90)
#: Largest evidence file accepted, in megabytes.
EVIDENCE_MAX_MB = env_int("LEITPLANKE_EVIDENCE_MAX_MB", 20)

# --- guardrails: evaluating rules written by users ---------------------------------------------------
#: Evaluator processes per web or worker process: every bundle but the shipped one is evaluated there,
#: with a time and a memory limit, so that a pathological rule stops that process, never the application.
GUARDRAILS_EVALUATOR_PROCESSES = env_int("LEITPLANKE_EVALUATOR_PROCESSES", 2)
#: Milliseconds one evaluation request may take (one verdict, or 500 use cases of a what-if or publication).
GUARDRAILS_EVALUATOR_TIMEOUT_MS = env_int("LEITPLANKE_EVALUATOR_TIMEOUT_MS", 5000)
#: Megabytes of address space an evaluator process may use.
GUARDRAILS_EVALUATOR_MEMORY_MB = env_int("LEITPLANKE_EVALUATOR_MEMORY_MB", 1024)
#: Seconds the check of a candidate bundle (validation, trial run, its own tests) may take.
GUARDRAILS_CHECK_SECONDS = env_int("LEITPLANKE_RULE_CHECK_SECONDS", 30)
#: Whether validation refuses conditions beyond the static limits (macros, their nesting, the cost bound);
#: switched off, only the time and memory limit above stop a costly rule.
GUARDRAILS_STATIC_LIMITS = env_bool("LEITPLANKE_RULE_STATIC_LIMITS", True)
