"""Hamsaye settings: one file, every deployment value from the environment.

.env.example lists each variable; docs/operations.md explains them.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def load_dotenv(path):
    """KEY=VALUE lines of a local .env (made by `make run` with DEBUG=1); the real
    environment wins. Production sets its environment and has no .env."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


load_dotenv(BASE_DIR / ".env")


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment "
            "(or DEBUG=1 for local development only)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts.sites.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "django_ratelimit",
    "csp",  # django-csp: its system checks (issue 13, CSP)
    "messaging",
    "accounts",
    "exhibitors",
    "fairs",
    "matching",
    "outreach",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # --- csp: compression and security headers (issue 13) ---
    # Below WhiteNoise, which answers static files itself (precompressed); above
    # everything else, so that what they write to a response is compressed.
    "portal.middleware.CompressionMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    # --- end csp ---
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.staff_sessions.StaffSessionMiddleware",  # tokens: staff idle timeout (issue 13)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and a worker write at once: write-ahead logging lets
    # readers go on during a write, IMMEDIATE takes the write lock when a
    # transaction begins (no deadlock upgrading a read lock) and a writer waits
    # up to SQLITE_TIMEOUT seconds for the other one instead of failing with
    # "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_TIMEOUT", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # SSD-era page costs, so that the planner uses the trigram indexes for
    # search instead of scanning every row (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c random_page_cost={env('PG_RANDOM_PAGE_COST', '1.1')}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Persian first. The language comes from the cookie the switcher sets, never
# from Accept-Language: most browsers in Iran announce English.
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_ROOT = BASE_DIR / "static" / "root"  # /favicon.ico, /robots.txt at the site's root
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Counters that several app servers must share (rate limits, lock-outs): the
# database cache by default (`manage.py createcachetable`), Redis when set.
if env("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
        }
    }
else:
    CACHES = {
        "default": {
            # Django's, with an atomic incr (portal/lib/cache.py); room for the
            # counters of every number and client address, so that nobody can
            # reset a limit by filling the table (culling drops a third).
            "BACKEND": "portal.lib.cache.DatabaseCache",
            "LOCATION": "portal_cache",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }
RATELIMIT_USE_CACHE = "default"
# Parts of public pages kept in that cache (portal/lib/fragments.py: the fair
# page's hall lists, the plan's drawing), cleared by the writes that change
# them; this long at most.
FRAGMENT_SECONDS = env_int("FRAGMENT_SECONDS", 3600)

# django-ratelimit knows only memcached and Redis as supported; our database
# cache's incr is atomic (portal/lib/cache.py, tested in portal/tests/test_cache.py).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
# The client's address: REMOTE_ADDR, or behind a reverse proxy the address the
# last trusted proxy saw (accounts/clients.py); a header anyone can send is
# never believed on its own.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
RATELIMIT_IP_META_KEY = "accounts.clients.client_address"

# Background jobs (Django's Tasks API): the database backend, so that SQLite
# and PostgreSQL need no broker; `manage.py db_worker` runs them. Tests run
# them at once (conftest.py).
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "matching"],
    }
}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Hamsaye <noreply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("Admin", address) for address in env_list("ADMINS")]

# SMS, chosen like EMAIL_BACKEND (messaging/backends/): the console in
# development, Kavenegar in production.
SMS_BACKEND = env(
    "SMS_BACKEND",
    "messaging.backends.console.SMSBackend" if DEBUG else "messaging.backends.kavenegar.SMSBackend",
)
KAVENEGAR_API_KEY = env("KAVENEGAR_API_KEY")
KAVENEGAR_SENDER = env("KAVENEGAR_SENDER")
KAVENEGAR_URL = env("KAVENEGAR_URL", "https://api.kavenegar.com").rstrip("/")
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10)
# Non-urgent messages wait out these hours (Asia/Tehran), "HH:MM-HH:MM".
SMS_QUIET_HOURS = env("SMS_QUIET_HOURS", "21:00-08:00")
# A message still queued this long after it was due has lost its job (a worker
# killed between taking the job and sending): the sweeper gives it a new one.
MESSAGE_RESCUE_SECONDS = env_int("MESSAGE_RESCUE_SECONDS", 600)
# A message left "sending" this long was cut off mid-send: the sweeper marks it
# "unknown" for an organizer to decide on.
MESSAGE_LEASE_SECONDS = env_int("MESSAGE_LEASE_SECONDS", 300)
MESSAGE_ATTEMPTS = env_int("MESSAGE_ATTEMPTS", 5)
# Replies forwarded by the provider arrive at /messaging/inbound/<secret>/.
SMS_INBOUND_SECRET = env("SMS_INBOUND_SECRET")
# Codes by SMS (django-ratelimit's "count/period"): per number, per client address.
CODES_PER_NUMBER = env("CODES_PER_NUMBER", "3/10m")
CODES_PER_CLIENT = env("CODES_PER_CLIENT", "20/h")
# Codes typed (right or wrong) per client address, over every number.
CODE_CHECKS_PER_CLIENT = env("CODE_CHECKS_PER_CLIENT", "60/h")
# --- logins: throttled sign-ins, sign-up and reset limits (issue 13; accounts/throttle.py) ---
# Failed sign-ins (a wrong password or code) for one account as typed, from one
# client address; a success clears them. Beyond: the lock-out page (429).
LOGIN_FAILURES_PER_PAIR = env("LOGIN_FAILURES_PER_PAIR", "5/15m")
# Failed sign-ins from one client address over every account: high, since
# carriers and a venue's Wi-Fi put many people behind one address.
LOGIN_FAILURES_PER_CLIENT = env("LOGIN_FAILURES_PER_CLIENT", "100/15m")
# Sign-ups with an email from one client address (beyond: 429), and the mails
# those sign-ups send to one address (beyond: nothing sent, the same page).
SIGNUPS_PER_CLIENT = env("SIGNUPS_PER_CLIENT", "20/h")
SIGNUP_MAILS_PER_ADDRESS = env("SIGNUP_MAILS_PER_ADDRESS", "3/h")
# Password resets: mails to one address (beyond: nothing sent, the same page),
# and requests from one client address (beyond: 429).
RESET_MAILS_PER_ADDRESS = env("RESET_MAILS_PER_ADDRESS", "3/h")
RESET_MAILS_PER_CLIENT = env("RESET_MAILS_PER_CLIENT", "20/h")
# --- end logins ---

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- csp: Content-Security-Policy and Permissions-Policy (issue 13) ---
# django-csp 4's format. Everything from the portal's own origin, nothing
# inline: no <script> without src, no on…= handler, no style="" (a test checks
# every page, the admin's too). Media from another origin (MEDIA_URL a full
# address: S3-compatible storage) is allowed as images.
_csp_images = ["'self'", "data:"]
if MEDIA_URL.startswith(("https://", "http://")):
    _csp_images.append("/".join(MEDIA_URL.split("/", 3)[:3]))
_csp_policy = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": _csp_images,
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        # Where browsers send violation reports (none by default).
        "report-uri": env_list("CSP_REPORT_URI") or None,
    }
}
# CSP_REPORT_ONLY=1: browsers report what the policy would block and block
# nothing; for a first deployment, to see what a proxy or an extension adds.
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY = None, _csp_policy
else:
    CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy, None
# Features the portal never uses, denied to its pages and whatever they embed
# (portal.middleware.PermissionsPolicyMiddleware): {feature: allowed origins}.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# --- end csp ---

# The portal's own address, for links in emails (no request is at hand there).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Two booths whose rectangles are at most this far apart, edge to edge, are
# neighbours (docs/architecture.md, "Proximity tiers").
PORTAL_NEIGHBOUR_METRES = env_int("PORTAL_NEIGHBOUR_METRES", 3)
# A match recompute that fails is tried again (after 1, then 5 minutes) until
# it has failed this often; then it waits in the admin (Pending recomputes).
MATCHING_ATTEMPTS = env_int("MATCHING_ATTEMPTS", 3)

# Processes that score needs at once in a full rematch started by a write (a
# large import): one per core on a machine that does nothing else meanwhile.
# `manage.py rematch` uses one per core unless told (--workers).
MATCHING_WORKERS = env_int("MATCHING_WORKERS", 1)

# --- Outreach: campaigns to the registry, claimed profiles (issue 14) ---
# Registries and floor plans uploaded in the admin wait here for their
# organizer's confirmation: outside MEDIA_ROOT, never served.
IMPORT_ROOT = Path(env("IMPORT_ROOT", str(BASE_DIR / "var" / "imports")))
# The largest upload an import takes (all its files together), in bytes.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 30 * 1024 * 1024)
# A campaign's personal link claims its unit for this many days.
CLAIM_LINK_DAYS = env_int("CLAIM_LINK_DAYS", 30)
# A new campaign sends this many messages a second (its form may change it).
CAMPAIGN_RATE = env_int("CAMPAIGN_RATE", 5)
# What one SMS part costs, in the provider's currency (Kavenegar: rials), for
# the estimate beside the provider's remaining credit.
SMS_PRICE_PER_PART = env_int("SMS_PRICE_PER_PART", 1500)
# A sending campaign pauses itself, and tells its organizer, when the credit
# would fall below this after its next batch.
CAMPAIGN_MIN_CREDIT = env_int("CAMPAIGN_MIN_CREDIT", 0)

# --- tokens: expiring links, staff sessions, abuse limits (issue 13) ---
# An invitation link works this many days (its token is stored hashed:
# portal/lib/tokens.py).
INVITATION_DAYS = env_int("INVITATION_DAYS", 14)
# An organizer's or administrator's session ends after this many minutes
# without a request, and when the browser closes (portal/staff_sessions.py);
# other sessions last SESSION_COOKIE_AGE (two weeks).
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 120)
# What one account may start in 24 hours: units registered, requests for
# access to a unit, invitations sent, contact requests (over all its units; a
# unit sends at most matching.services.DAILY_REQUESTS as well).
UNITS_PER_USER_PER_DAY = env_int("UNITS_PER_USER_PER_DAY", 3)
ACCESS_REQUESTS_PER_USER_PER_DAY = env_int("ACCESS_REQUESTS_PER_USER_PER_DAY", 5)
INVITATIONS_PER_USER_PER_DAY = env_int("INVITATIONS_PER_USER_PER_DAY", 20)
CONTACT_REQUESTS_PER_USER_PER_DAY = env_int("CONTACT_REQUESTS_PER_USER_PER_DAY", 20)
# A unit's messages in a thread that follow its previous one within this many
# minutes are mailed together, in one digest this long after the first of
# them (0: every message mailed at once).
CONTACT_REPLY_DIGEST_MINUTES = env_int("CONTACT_REPLY_DIGEST_MINUTES", 5)
# --- end tokens ---

# --- images: every logo and product image, portal and admin (issue 13; portal/lib/images.py) ---
# An upload larger than this many bytes is refused unread (the message says
# whole MB); one whose header claims more pixels than this is refused before
# it is decoded (Pillow's own bomb check is set to the same); uploads per
# account (or client address), django-ratelimit's "count/period".
IMAGE_MAX_BYTES = env_int("IMAGE_MAX_BYTES", 5 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 25_000_000)
IMAGE_UPLOADS_PER_USER = env("IMAGE_UPLOADS_PER_USER", "30/h")
# --- end images ---

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
