"""
Settings for the gas safety device progress dashboard.

One module, every deployment value read from the environment through the small
typed helpers below, which fail loudly on a value they cannot read.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from pathlib import Path

import dj_database_url
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", "false")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not DEBUG:
    # Django's own security.W009 rule, enforced at start instead of warned about: a short or
    # repetitive key signs sessions and password-reset links that can be guessed.
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    if (
        len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith("django-insecure-")
    ):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be at least 50 characters with at least 5 different ones "
            "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
elif not SECRET_KEY:
    # Only for a developer's machine: `make run` sets DJANGO_DEBUG=true.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tables2",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "installs",
]

MIDDLEWARE = [
    # The data revision's token read once per request, however many kept things it uses.
    "installs.revision.RevisionPerRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise: static files get neither the policy nor "no-store".
    "csp.middleware.CSPMiddleware",
    "installs.security.PrivateResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "installs.password_change_required.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages (it leaves one) and before any view: LoginRequiredMiddleware
    # checks in process_view, so it sends a session this one ended to the login page.
    "installs.security.AbsoluteSessionLifetimeMiddleware",
    "installs.security.IdleSessionRefreshMiddleware",
    # ?area=<code> outside the account's subtree: a 404 on every page (installs.areas).
    "installs.middleware.AreaChoiceMiddleware",
    # Before anything reads the body (the CSRF check reads the form in process_view).
    "installs.middleware.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware last, as its documentation asks.
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "installs.context_processors.role",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Eleven districts save at once on a Monday morning: IMMEDIATE transactions
    # and a busy timeout turn "database is locked" errors into short waits.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests get a file of their own, not SQLite's shared-cache memory database: there a
    # second connection fails at once ("database table is locked") instead of waiting
    # like the real file does, and tests/test_concurrency.py must see the real behaviour.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"gas-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_from_url(url: str) -> dict:
    """
    CACHE_URL as one of Django's cache backends. Empty or ``locmem://``: memory of each
    process (a developer's machine, one server). ``redis://host:port/db`` (or
    ``rediss://``): one Redis shared by every process of every app server.
    """
    if url in ("", "locmem://"):
        # Room for one entry per city and week (installs.revision.memoised_per_city: a
        # nation's 310 cities) beside the pages: Django's default of 300 entries made the
        # nation's table evict its own cities' sums. Least recently used go first.
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            # Django's, with one Redis client per pool instead of one per call.
            "BACKEND": "installs.redis_cache.RedisCache",
            "LOCATION": url,
            # A Redis that does not answer costs a page a second at most: the computed
            # week is then computed (installs/revision.py), sessions read from the database.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    raise ImproperlyConfigured(
        f"CACHE_URL must be empty, locmem:// or redis://host:port/db, not {url!r}"
    )


# The computed weeks (installs/revision.py), and with Redis the sessions too.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
# The prefix keeps apart two sites (or a test run) sharing one Redis database.
CACHES = {
    "default": {
        **cache_from_url(CACHE_URL),
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "gasdash"),
    }
}
CACHE_SHARED = CACHES["default"]["BACKEND"].endswith("RedisCache")
# With Redis, sessions are read from it and written to both: a flushed or restarted Redis
# logs nobody out (Django falls back to the database, and logs a failed cache write).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_SHARED
    else "django.contrib.sessions.backends.db"
)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the profile joined to the user (one query a page).
    # Sessions signed in under an older release's ModelBackend end once: sign in again.
    "installs.backends.ProfileBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# A bureau PC is shared: sessions end after 8 idle hours, not Django's two weeks.
SESSION_COOKIE_AGE = envint("DJANGO_SESSION_COOKIE_AGE", str(8 * 3600))
# Idle time counts from the last request, to the minute: a session in use is written again
# (its expiry moved on) once a minute at most, not on every request as Django's
# SESSION_SAVE_EVERY_REQUEST would (a database write per page: installs.security).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = envint("DJANGO_SESSION_REFRESH_SECONDS", "60")
# ... and, however busy, 12 hours after the login (installs.security): a session kept
# alive by a page left open on a shared PC does not last for days. 0 turns this off.
SESSION_ABSOLUTE_AGE = envint("DJANGO_SESSION_MAX_AGE_ABSOLUTE", str(12 * 3600))

# Every office sits behind one NAT address: lock on username and address together,
# and lift the lock after a while instead of forever.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", "15") / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = envbool("AXES_ENABLED", "true")
# The addresses of the reverse proxies in front of the app (e.g. nginx). Only a request
# coming from one of them has its client address taken from X-Forwarded-For; any other
# sender could write whatever it likes there (installs/client_address.py).
TRUSTED_PROXIES = envlist("DJANGO_TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"DJANGO_TRUSTED_PROXIES must list addresses or networks, not {_proxy!r}"
        ) from None
AXES_CLIENT_IP_CALLABLE = "installs.client_address.client_address"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as 9月5日, not Django's 09月5日 (config/formats/zh_Hans/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "DJANGO_STATICFILES_STORAGE",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
if DEBUG:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# The official table's title, as the bureau prints it.
PROGRESS_TABLE_TITLE = os.environ.get(
    "PROGRESS_TABLE_TITLE", "焦作市燃气居民用户安全装置加装情况进度表"
)

# Uploads are official weekly tables of a few dozen kilobytes.
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", str(5 * 1024 * 1024))
# A request body larger than this is refused before any of it is read
# (installs.middleware.RequestSizeLimitMiddleware): the upload plus its form.
REQUEST_MAX_BYTES = UPLOAD_MAX_BYTES + 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES  # every accepted upload stays in memory
# Reading an upload: a child process per workbook with this much address space
# and this many seconds, at most IMPORT_SLOTS of them at once on the machine
# (lock files in IMPORT_SLOTS_DIR, shared by every worker; keep it on a local disk).
IMPORT_MEMORY_BYTES = envint("IMPORT_MEMORY_BYTES", str(256 * 1024 * 1024))
IMPORT_TIMEOUT_SECONDS = envint("IMPORT_TIMEOUT_SECONDS", "4")
IMPORT_SLOTS = envint("IMPORT_SLOTS", "2")
# pg_dump, pg_restore and psql of manage.py backup/restore: stopped after this many
# seconds (a damaged archive can make pg_restore spin without end).
BACKUP_TOOL_TIMEOUT_SECONDS = envint("BACKUP_TOOL_TIMEOUT_SECONDS", "3600")
IMPORT_SLOTS_DIR = os.environ.get(
    "IMPORT_SLOTS_DIR",
    os.path.join(tempfile.gettempdir(), f"gasdash-import-slots-{os.getuid()}"),
)

# The history of a province or of the nation is built in the background (a task of
# the worker) into this directory, and each file is deleted with its job after
# HISTORY_EXPORT_RETENTION_DAYS. Give every app server and worker the same directory.
HISTORY_EXPORT_DIR = Path(
    os.environ.get("HISTORY_EXPORT_DIR", str(BASE_DIR / "var" / "history_exports"))
)
HISTORY_EXPORT_RETENTION_DAYS = envint("HISTORY_EXPORT_RETENTION_DAYS", "7")
# A job that has shown no progress (taken by a worker, a city built) for this many
# minutes has lost its worker: it is shown as failed and a new request starts afresh.
# Longer than one city's build and than a job may wait behind others in the queue.
HISTORY_EXPORT_STALL_MINUTES = envint("HISTORY_EXPORT_STALL_MINUTES", "10")

DJANGO_TABLES2_TEMPLATE = "installs/progress_table.html"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# HTTPS. On by default whenever DEBUG is off: secure cookies, a redirect from http://
# and HSTS. DJANGO_HTTPS=false is the explicit switch for an intranet served over plain
# HTTP (cookies then travel in clear text on the office network).
HTTPS = envbool("DJANGO_HTTPS", "false" if DEBUG else "true")
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", str(HTTPS))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", str(HTTPS))
# SecurityMiddleware sends HSTS only in answers over HTTPS, so a plain-HTTP site never
# gets it. A year is the usual value; try DJANGO_HSTS_SECONDS=3600 on a first roll-out.
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "true")
# Preload asks browsers' makers to build the host into their browsers: for public
# domains that apply for it, not for an intranet host; so off, and its warning
# (security.W021) silenced.
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", "false")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Behind a proxy that ends TLS, the app sees plain HTTP; the proxy says "https" in
# X-Forwarded-Proto. Only turn this on when the proxy always sets (overwrites) that
# header and the app cannot be reached but through the proxy.
if envbool("DJANGO_PROXY_SSL_HEADER", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, styles, images and fetches from this
# site only; no inline script, no inline style, no eval. plotly.js draws its charts
# within this (its figures come as JSON data blocks, static/js/plotly-figures.js).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        # plotly.js styles its charts (menu, hover labels, cursors) by appending an empty
        # <style> element and filling it through the CSSOM (insertRule), which the policy
        # does not govern. The hash is that of the empty text: it lets exactly an empty
        # <style> in, no inline style with content and no style attribute, so no
        # 'unsafe-inline' is needed.
        "style-src": [csp.SELF, "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"],
        # data:/blob: for the "download as PNG" button of plotly's chart menu.
        "img-src": [csp.SELF, "data:", "blob:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
# Browser features the dashboard never uses, refused to the page and anything in it.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# 填报截止时间: the default deadline of a new week, "<days after the report date> <HH:MM>"
# in Asia/Shanghai ("0 12:00": noon of the report date; "-1 17:00": 17:00 the day before).
DEADLINE_DEFAULT = os.environ.get("DEADLINE_DEFAULT", "0 12:00")
# 催报: when reminders go out, relative to the deadline ("-2h": two hours before; "+24h":
# a day after; m for minutes), only to regions not fully reported, once per occasion.
REMINDER_OFFSETS = os.environ.get("REMINDER_OFFSETS", "-2h,+0h,+24h")
# 一键催报 may be pressed again for a week after this many minutes.
REMINDER_MANUAL_COOLDOWN_MINUTES = envint("REMINDER_MANUAL_COOLDOWN_MINUTES", "30")

# The chat group robots, by name. The full webhook URL (its key is a secret) comes from
# the environment only; an empty value turns the robot off.
WECOM_ROBOTS = {
    "districts": os.environ.get("WECOM_WEBHOOK_DISTRICTS", ""),
    # The leadership's group: each published week's 进度通报 goes there.
    "leaders": os.environ.get("WECOM_WEBHOOK_LEADERS", ""),
}
DINGTALK_ROBOTS = {"districts": os.environ.get("DINGTALK_WEBHOOK_DISTRICTS", "")}
# DingTalk's 加签 secret (SEC…) of a robot that has it switched on.
DINGTALK_SECRETS = {"districts": os.environ.get("DINGTALK_SECRET_DISTRICTS", "")}
ROBOT_TIMEOUT_SECONDS = envint("ROBOT_TIMEOUT_SECONDS", "10")
# The outbox retries a failed message after 60 s, 120 s, 240 s, … (at most an hour apart).
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", "6")
OUTBOX_RETRY_BASE_SECONDS = envint("OUTBOX_RETRY_BASE_SECONDS", "60")

# E-mail: printed on the console for `make run` (DEBUG), sent by SMTP otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "false")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "20")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "gas-dashboard@localhost")

# Background work: django-tasks with its database backend (manage.py db_worker).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
