"""Kefu settings, read from the environment.

Every setting a deployment may change is listed here, each read by a small typed helper that
fails loudly on a bad value. Product tunables (ticket types, routing, time limits) are data,
edited in the admin, not settings.

| variable | default | meaning |
|---|---|---|
| KEFU_DATA_DIR | ./var | where the embedded database, huey queue and uploads live |
| DATABASE_URL | sqlite:///<data dir>/kefu.sqlite3 | postgres://user@host:5432/db for PostgreSQL |
| REDIS_URL | (unset) | redis://127.0.0.1:6379/0: huey and channels use Redis when set |
| KEFU_SECRET_KEY | (required unless KEFU_DEBUG=1) | Django's secret key; deploy/kefu.env's placeholder (change-me…) is refused |
| KEFU_DEBUG | 0 | 1 only for development: tracebacks in the browser (the demo runs without) |
| KEFU_ALLOWED_HOSTS | 127.0.0.1,localhost | comma-separated host names |
| KEFU_CSRF_TRUSTED_ORIGINS | (unset) | comma-separated origins (https://kefu.example.cn) a form may be posted from, when not the host itself |
| KEFU_HTTPS | 1 unless KEFU_DEBUG=1 | the center is reached over HTTPS: the default of the four below; 0 for plain HTTP (an intranet without TLS) |
| KEFU_SSL_REDIRECT | KEFU_HTTPS | redirect http:// to https:// (0 when the proxy in front already does) |
| KEFU_HSTS_SECONDS | 31536000 with KEFU_HTTPS, else 0 | how long browsers keep to HTTPS once they have seen it (Strict-Transport-Security; sent over HTTPS only) |
| KEFU_HSTS_SUBDOMAINS | 1 | HSTS covers the host's subdomains too (includeSubDomains) |
| KEFU_HSTS_PRELOAD | 0 | 1 adds "preload" (only for a domain its owner submits to the browsers' preload list) |
| KEFU_SECURE_COOKIES | KEFU_HTTPS | the session and CSRF cookies are sent over HTTPS only |
| KEFU_PROXY_SSL_HEADER | (unset) | e.g. X-Forwarded-Proto: the header the reverse proxy that ends TLS sets to "https" (it must overwrite the client's); unset: a request is HTTPS only if it reached Kefu over TLS |
| KEFU_TIME_ZONE | Asia/Shanghai | the center's time zone |
| KEFU_LANGUAGE | zh-hans | default UI language (zh-hans or en) |
| KEFU_DEFAULT_AREA_CODE | (unset) | e.g. 010: prefixed to 7-8 digit landline numbers given without area code |
| KEFU_CTI_TOKEN | (unset) | the secret in the CTI endpoint URL /api/v1/cti/<token>; CTI is off when unset |
| KEFU_HUEY_IMMEDIATE | 0 | 1 runs background tasks inline (tests) |
| KEFU_MAX_UPLOAD_MB | 20 | largest attachment accepted |
| KEFU_DB_POOL_MIN, KEFU_DB_POOL_MAX | 2, 10 | PostgreSQL connections each server process keeps ready / opens at most |
| KEFU_SITE_URL | http://127.0.0.1:8000 | the address staff and customers open; links in e-mail and SMS start with it |
| KEFU_EMAIL_HOST | (unset) | SMTP server for notification e-mail; unset: e-mail is off and each e-mail is logged as failed ("未配置邮件服务器") |
| KEFU_EMAIL_PORT | 25 | SMTP port (587 with KEFU_EMAIL_TLS=1 is usual) |
| KEFU_EMAIL_USER, KEFU_EMAIL_PASSWORD | (unset) | SMTP login, when the server asks for one |
| KEFU_EMAIL_TLS | 0 | 1 to STARTTLS after connecting |
| KEFU_EMAIL_FROM | kefu@localhost | the From address of notification e-mail |
| KEFU_SMS_BACKEND | log | log: each SMS goes to the log and to <data dir>/sms.log, nothing is sent; http: a generic HTTP gateway |
| KEFU_SMS_HTTP_URL | (required with http) | the gateway's URL; Kefu POSTs JSON to it (4xx = refused for good, 5xx/timeout = tried again) |
| KEFU_SMS_HTTP_TEMPLATE | {"phone": "{phone}", "text": "{text}"} | the JSON body; {phone} {text} {signature} {id} are replaced inside its strings ({id}: the message's number in Kefu, the same on every try, also sent as the X-Kefu-Delivery header) |
| KEFU_SMS_HTTP_IDEMPOTENT | 0 | 1 only when the gateway discards a second message with the same {id} (its client reference or idempotency key): an SMS whose send was cut off (the worker stopped, no answer came) is then sent again with the same {id}; 0: it is never sent again by itself but marked 待核实 for a person to check |
| KEFU_SMS_SIGNATURE | (unset) | the SMS signature (【某某水务】) while the admin's 中心信息 sets none |
| KEFU_SMS_INBOUND_SECRET | (unset) | the secret the gateway signs inbound SMS with (POST /api/v1/sms/inbound, header X-Kefu-Signature: sha256=<hex HMAC-SHA256 of the raw body>, as Kefu's outgoing webhooks); unset: every inbound SMS is refused (503) |
| KEFU_CALLBACK_WITHIN_MINUTES | 120 | a missed or abandoned call is called back within this many minutes of the day's first one (the plain clock: the hotline is staffed around the clock) |
| KEFU_SERVICE_LEVEL_SECONDS, KEFU_SERVICE_LEVEL_PERCENT | 20, 80 | the service level the floor measures and staffing plans for: 80 % of calls answered within 20 s |
| KEFU_LADDER_WAITING | 5,10 | the emergency-staffing ladder starts when more than the first number of callers wait (for KEFU_LADDER_MINUTES) and calls the back office above the second |
| KEFU_LADDER_MINUTES | 5 | how long the queue stays above the first threshold before the ladder's first step, and between steps |
| KEFU_NIGHT_HOURS | 22-8 | the night (every non-phone person joins at the ladder's first step); two equal hours: no night |
| KEFU_ATTENDANCE_GRACE_MINUTES | 5 | minutes after a shift's start before a sign-in is late (迟到), and before its end that leaving is early (早退) |
| KEFU_CLICK_TO_DIAL_URL | (unset) | the PBX's click-to-dial address for outbound lists (外呼): Kefu sends it a GET with {number}, {agent} (工号) and {username} filled in, e.g. http://pbx.local/dial?ext={agent}&to={number}; unset: the page dials through tel: links |
| KEFU_PHONE_LINES | 0 | trunk lines, for the wall's line occupancy (0: not shown) |
| KEFU_LOST_FOUND_DAYS | 15 | found items nobody claimed are handed to finance (移交财务) this many days after they were registered |
| KEFU_NOTICE_SMS_PER_MINUTE | 600 | notice SMS queued per minute at most (batches of KEFU_NOTICE_SMS_BATCH, 100, spaced to keep this rate) |
| KEFU_PG_BIN | (unset) | the folder of pg_dump, pg_restore and psql for `kefu backup`/`restore` on PostgreSQL; unset: /usr/lib/postgresql/<server version>/bin (Debian), else the PATH |
| KEFU_NOTIFY_TIMEOUT | 10 | seconds to wait for an SMTP server, SMS gateway or webhook receiver |
| KEFU_LOGIN_FAILURES | 5 | wrong passwords (or 2FA codes) for one account, from anywhere, before the account is locked |
| KEFU_LOGIN_ADDRESS_FAILURES | 20 | failed sign-ins from one address, whatever the accounts, before the address is locked; 0: no lock by address (a center whose staff all reach Kefu through one address) |
| KEFU_LOGIN_LOCKOUT_MINUTES | 15 | how long a lock lasts after the last failed attempt (an administrator unlocks sooner in 登录安全) |
| KEFU_TRUSTED_PROXIES | (unset) | addresses or networks (10.0.0.0/8) of reverse proxies whose X-Forwarded-For names the client; unset: the client is REMOTE_ADDR and X-Forwarded-For is ignored |
| KEFU_2FA_REQUIRED | 0 | 1: administrators, general managers and supervisors must sign in with a 6-digit code from an authenticator app (enrolled at their first sign-in) |
| KEFU_NOTIFY_LEASE | 60 (or 4 × KEFU_NOTIFY_TIMEOUT if more) | seconds a worker holds a message it is sending; one still 发送中 after that is taken over (its worker stopped): at least 3 × KEFU_NOTIFY_TIMEOUT |
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
from pathlib import Path
from typing import Any, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


@overload
def env_str(name: str) -> str | None: ...
@overload
def env_str(name: str, default: str) -> str: ...
def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 0/1, true/false, yes/no or on/off, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATA_DIR = Path(env_str("KEFU_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DEBUG = env_bool("KEFU_DEBUG", False)
SECRET_KEY = env_str("KEFU_SECRET_KEY") or (
    "insecure-development-key-do-not-use-in-production" if DEBUG else None
)
if SECRET_KEY is None:
    raise ImproperlyConfigured("KEFU_SECRET_KEY must be set when KEFU_DEBUG is off")
if SECRET_KEY.startswith("change-me"):  # deploy/kefu.env's placeholder, copied as it stands
    raise ImproperlyConfigured("KEFU_SECRET_KEY is still the example's placeholder: make one")
ALLOWED_HOSTS = env_list("KEFU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("KEFU_CSRF_TRUSTED_ORIGINS", [])

# HTTPS: on unless debugging. A center reached over plain HTTP (an intranet without TLS, the
# demo) sets KEFU_HTTPS=0; one whose reverse proxy ends TLS keeps it on and names the proxy's
# header (KEFU_PROXY_SSL_HEADER), or lets the proxy redirect (KEFU_SSL_REDIRECT=0).
HTTPS = env_bool("KEFU_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("KEFU_SSL_REDIRECT", HTTPS)
# A load balancer's health check may come over plain HTTP, straight to the server.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]
SECURE_HSTS_SECONDS = env_int("KEFU_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("KEFU_HSTS_SECONDS must be >= 0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KEFU_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("KEFU_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("KEFU_SECURE_COOKIES", HTTPS)
_proxy_header = env_str("KEFU_PROXY_SSL_HEADER")
if _proxy_header:
    if not _proxy_header.replace("-", "").replace("_", "").isalnum():
        raise ImproperlyConfigured(
            f"KEFU_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto, "
            f"not {_proxy_header!r}"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SILENCED_SYSTEM_CHECKS = [
    # The preload list takes a whole registrable domain (example.cn, not kefu.example.cn) and
    # is hard to leave: the domain's owner decides it, not Kefu (KEFU_HSTS_PRELOAD=1).
    "security.W021",
    # Covering indexes (INCLUDE) serve the member analyses on PostgreSQL; SQLite builds the
    # same indexes without the included columns, which is all it needs.
    "models.W040",
]

TIME_ZONE = env_str("KEFU_TIME_ZONE", "Asia/Shanghai")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"KEFU_TIME_ZONE {TIME_ZONE!r} is not a known time zone")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = env_str("KEFU_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
if LANGUAGE_CODE not in {code for code, _ in LANGUAGES}:
    raise ImproperlyConfigured("KEFU_LANGUAGE must be zh-hans or en")
LOCALE_PATHS = [BASE_DIR / "locale"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "csp",
    "huey.contrib.djhuey",
    "channels",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # In layer order, lowest first (README, Development): the kernel calls the hooks the
    # domains register in their ready() in this order.
    "kefu.core",
    "kefu.accounts",
    "kefu.customers",
    "kefu.business",
    "kefu.tickets",
    "kefu.notify",
    "kefu.triage",
    "kefu.sla",
    "kefu.complaints",
    "kefu.followups",
    "kefu.dispatch",
    "kefu.notices",
    "kefu.telephony",
    "kefu.knowledge",
    "kefu.workforce",
    "kefu.outbound",
    "kefu.frontdesk",
    "kefu.training",
    "kefu.notebooks",
    "kefu.quality",
    "kefu.desk",
    "kefu.conversations",
    "kefu.mail",
    "kefu.sms",
    "kefu.chat",
    "kefu.reports",
    "kefu.dashboard",
    "kefu.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kefu.core.csp.PolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kefu.core.middleware.DatabaseUnavailableMiddleware",
    "kefu.core.idempotency.IdempotencyMiddleware",
    "kefu.accounts.middleware.TwoFactorRequired",
    # Last: it turns a sign-in refused by the lockout into the page that says so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kefu.urls"
WSGI_APPLICATION = "kefu.wsgi.application"
ASGI_APPLICATION = "kefu.asgi.application"

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
                "kefu.core.context_processors.center",
                "kefu.accounts.context_processors.staff",
                "kefu.notify.context_processors.bell",
                "kefu.reports.context_processors.reports",
                "kefu.chat.context_processors.chat",
            ],
        },
    }
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kefu.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite, with this process's writers queued on a lock (kefu/core/db/sqlite3).
    _db["ENGINE"] = "kefu.core.db.sqlite3"
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at the
        # start of a transaction, so two writers queue instead of failing half-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request runs in a thread of its own, so a persistent connection would
    # be opened anew for each request; a pool per process hands them out instead.
    _db["CONN_MAX_AGE"] = 0
    # The pool checks a connection before it hands it out: after PostgreSQL restarts, the
    # broken ones are replaced instead of failing a request each (bench/faults.py).
    _db["CONN_HEALTH_CHECKS"] = True
    # Server-side binding lets psycopg prepare the statements a process runs again and again,
    # so PostgreSQL plans the queue's many-join query once, not on every page view.
    _db.setdefault("OPTIONS", {})["server_side_binding"] = True
    _db["OPTIONS"]["prepare_threshold"] = 2
    _db["OPTIONS"]["pool"] = {
        "min_size": env_int("KEFU_DB_POOL_MIN", 2),
        "max_size": env_int("KEFU_DB_POOL_MAX", 10),
        "timeout": 10,
    }
else:
    raise ImproperlyConfigured("DATABASE_URL must be sqlite:// or postgres://")
DATABASES = {"default": _db}
PG_BIN = env_str("KEFU_PG_BIN", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
HUEY_IMMEDIATE = env_bool("KEFU_HUEY_IMMEDIATE", False)
HUEY: dict[str, Any]
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "kefu",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": False,  # crontabs read in the center's time (Django sets the process TZ)
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kefu",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "utc": False,  # crontabs read in the center's time (Django sets the process TZ)
        # SQLite storage is polled: an idle worker looks again at least every second (huey's
        # default backs off to 10 s), so a dispatch SMS queued in a quiet minute leaves within
        # about a second, not ten (bench/dispatch.py).
        "consumer": {"workers": 2, "worker_type": "thread", "max_delay": 1.0},
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# What a page may load and run (django-csp; kefu/core/csp.py adds the page's websocket host):
# Kefu's own scripts, styles, images and fonts, no inline script or style, no eval, no CDN;
# framed by no other site (the chat window, kefu.chat.views.embed, by any).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# Sign-in protection (README, Sign-in): locks by account and by address (django-axes, counted
# in the database, so they hold across server processes), and a second step with a TOTP code
# (django-otp) for the roles in kefu.accounts.two_factor.TWO_FACTOR_ROLES.
LOGIN_FAILURES = env_int("KEFU_LOGIN_FAILURES", 5)
LOGIN_ADDRESS_FAILURES = env_int("KEFU_LOGIN_ADDRESS_FAILURES", 20)
LOGIN_LOCKOUT_MINUTES = env_int("KEFU_LOGIN_LOCKOUT_MINUTES", 15)
if LOGIN_FAILURES < 1 or LOGIN_ADDRESS_FAILURES < 0 or LOGIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured(
        "KEFU_LOGIN_FAILURES and KEFU_LOGIN_LOCKOUT_MINUTES must be >= 1, "
        "KEFU_LOGIN_ADDRESS_FAILURES >= 0"
    )
TRUSTED_PROXIES = env_list("KEFU_TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"KEFU_TRUSTED_PROXIES: {_proxy!r} is not an address or network")
TWO_FACTOR_REQUIRED = env_bool("KEFU_2FA_REQUIRED", False)
AUTHENTICATION_BACKENDS = [
    # Refuses every password check while the account or the address is locked; it needs the
    # request (the address), so code that checks a password passes it to authenticate().
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "kefu.accounts.lockout.LoginGuard"
AXES_FAILURE_LIMIT = LOGIN_FAILURES
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "kefu.core.clients.client_address"
AXES_LOCKOUT_CALLABLE = "kefu.accounts.views.locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the failures stay listed after an unlock
AXES_ENABLE_ADMIN = False  # kefu.accounts.admin shows them read-only: unlocking is audited
AXES_SENSITIVE_PARAMETERS = ["code"]  # the password is never kept; a wrong 2FA code neither
AXES_VERBOSE = False  # no start-up banner on every kefu command
OTP_TOTP_ISSUER = "Kefu"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "kefu.core.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
MAX_UPLOAD_MB = env_int("KEFU_MAX_UPLOAD_MB", 20)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_MB * 1024 * 1024 + 1024 * 1024

DEFAULT_AREA_CODE = env_str("KEFU_DEFAULT_AREA_CODE")
CTI_TOKEN = env_str("KEFU_CTI_TOKEN")

SITE_URL = env_str("KEFU_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
NOTIFY_EMAIL_HOST = env_str("KEFU_EMAIL_HOST", "")
NOTIFY_EMAIL_PORT = env_int("KEFU_EMAIL_PORT", 25)
NOTIFY_EMAIL_USER = env_str("KEFU_EMAIL_USER", "")
NOTIFY_EMAIL_PASSWORD = env_str("KEFU_EMAIL_PASSWORD", "")
NOTIFY_EMAIL_TLS = env_bool("KEFU_EMAIL_TLS", False)
NOTIFY_EMAIL_FROM = env_str("KEFU_EMAIL_FROM", "kefu@localhost")
NOTIFY_SMS_BACKEND = env_str("KEFU_SMS_BACKEND", "log")
if NOTIFY_SMS_BACKEND not in {"log", "http"}:
    raise ImproperlyConfigured(f"KEFU_SMS_BACKEND must be log or http, not {NOTIFY_SMS_BACKEND!r}")
NOTIFY_SMS_HTTP_URL = env_str("KEFU_SMS_HTTP_URL", "")
if NOTIFY_SMS_BACKEND == "http" and not NOTIFY_SMS_HTTP_URL:
    raise ImproperlyConfigured("KEFU_SMS_HTTP_URL must be set when KEFU_SMS_BACKEND is http")
try:
    NOTIFY_SMS_HTTP_TEMPLATE = json.loads(
        env_str("KEFU_SMS_HTTP_TEMPLATE", '{"phone": "{phone}", "text": "{text}"}')
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"KEFU_SMS_HTTP_TEMPLATE is not JSON: {exc}")
NOTIFY_SMS_SIGNATURE = env_str("KEFU_SMS_SIGNATURE", "")
SMS_INBOUND_SECRET = env_str("KEFU_SMS_INBOUND_SECRET", "")
NOTIFY_SMS_HTTP_IDEMPOTENT = env_bool("KEFU_SMS_HTTP_IDEMPOTENT", False)
NOTIFY_HTTP_TIMEOUT = env_int("KEFU_NOTIFY_TIMEOUT", 10)
# A send waits at most the timeout to connect, to send and for the answer: a worker holding a
# message longer than the lease has stopped (kefu.notify.services, "What sending guarantees").
NOTIFY_LEASE = env_int("KEFU_NOTIFY_LEASE", max(60, 4 * NOTIFY_HTTP_TIMEOUT))
if NOTIFY_LEASE < 3 * NOTIFY_HTTP_TIMEOUT:
    raise ImproperlyConfigured(
        "KEFU_NOTIFY_LEASE must be at least 3 × KEFU_NOTIFY_TIMEOUT "
        f"({3 * NOTIFY_HTTP_TIMEOUT} s): a send may wait that long to connect, send and be answered"
    )
TELEPHONY_CALLBACK_WITHIN_MINUTES = env_int("KEFU_CALLBACK_WITHIN_MINUTES", 120)
if TELEPHONY_CALLBACK_WITHIN_MINUTES < 1:
    raise ImproperlyConfigured("KEFU_CALLBACK_WITHIN_MINUTES must be >= 1")
# The telephone floor (DOMAIN §8): service level 80/20, the emergency ladder's thresholds.
TELEPHONY_SERVICE_SECONDS = env_int("KEFU_SERVICE_LEVEL_SECONDS", 20)
TELEPHONY_SERVICE_PERCENT = env_int("KEFU_SERVICE_LEVEL_PERCENT", 80)
if TELEPHONY_SERVICE_SECONDS < 1 or not 1 <= TELEPHONY_SERVICE_PERCENT <= 100:
    raise ImproperlyConfigured(
        "KEFU_SERVICE_LEVEL_SECONDS must be >= 1 and KEFU_SERVICE_LEVEL_PERCENT 1-100"
    )
try:
    TELEPHONY_LADDER_BUSY, TELEPHONY_LADDER_SURGE = (
        int(n) for n in env_str("KEFU_LADDER_WAITING", "5,10").split(",")
    )
except ValueError:
    raise ImproperlyConfigured("KEFU_LADDER_WAITING must be two numbers, e.g. 5,10")
if not 0 <= TELEPHONY_LADDER_BUSY < TELEPHONY_LADDER_SURGE:
    raise ImproperlyConfigured("KEFU_LADDER_WAITING: the first number must be below the second")
try:
    TELEPHONY_LADDER_MINUTES = float(env_str("KEFU_LADDER_MINUTES", "5"))
except ValueError:
    raise ImproperlyConfigured("KEFU_LADDER_MINUTES must be a number of minutes")
try:
    TELEPHONY_NIGHT_FROM, TELEPHONY_NIGHT_TO = (
        int(h) for h in env_str("KEFU_NIGHT_HOURS", "22-8").split("-")
    )
except ValueError:
    raise ImproperlyConfigured("KEFU_NIGHT_HOURS must be two hours, e.g. 22-8")
if not 0 < TELEPHONY_LADDER_MINUTES <= 240 or not (
    0 <= TELEPHONY_NIGHT_FROM <= 23 and 0 <= TELEPHONY_NIGHT_TO <= 23
):
    raise ImproperlyConfigured("KEFU_LADDER_MINUTES must be 0-240; KEFU_NIGHT_HOURS hours 0-23")
WORKFORCE_GRACE_MINUTES = env_int("KEFU_ATTENDANCE_GRACE_MINUTES", 5)
if not 0 <= WORKFORCE_GRACE_MINUTES <= 120:
    raise ImproperlyConfigured("KEFU_ATTENDANCE_GRACE_MINUTES must be 0-120")
TELEPHONY_LINES = env_int("KEFU_PHONE_LINES", 0)
OUTBOUND_DIAL_URL = env_str("KEFU_CLICK_TO_DIAL_URL", "")
if OUTBOUND_DIAL_URL and not OUTBOUND_DIAL_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("KEFU_CLICK_TO_DIAL_URL must start with http:// or https://")
LOST_FOUND_DAYS = env_int("KEFU_LOST_FOUND_DAYS", 15)
NOTICE_SMS_PER_MINUTE = env_int("KEFU_NOTICE_SMS_PER_MINUTE", 600)
NOTICE_SMS_BATCH = env_int("KEFU_NOTICE_SMS_BATCH", 100)
if NOTICE_SMS_PER_MINUTE < 1 or NOTICE_SMS_BATCH < 1:
    raise ImproperlyConfigured("KEFU_NOTICE_SMS_PER_MINUTE and KEFU_NOTICE_SMS_BATCH must be >= 1")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KEFU_LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
