"""Settings, all read from the environment (see .env.example for every variable).

With DEBUG on and nothing else set, the service runs on embedded defaults for local use:
SQLite, a local-memory cache and Celery tasks run in-process. With DEBUG off it refuses to
start on the example keys or without DATABASE_URL and REDIS_URL.
"""

from datetime import timedelta
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The example keys from .env.example: fine on a laptop, refused in production.
EXAMPLE_SECRET_KEY = "example-secret-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
EXAMPLE_CRYPTOGRAPHY_KEY = "example-cryptography-key-change-me-0123456789abcdef"
EXAMPLE_JWT_SIGNING_KEY = "example-jwt-signing-key-change-me-0123456789abcdef"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=EXAMPLE_SECRET_KEY)
CRYPTOGRAPHY_KEY = env.str("CRYPTOGRAPHY_KEY", default=EXAMPLE_CRYPTOGRAPHY_KEY)
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default=EXAMPLE_JWT_SIGNING_KEY)
# Set only while the keys are rotated (README, "Rotating the encryption key"): the keys being
# retired, with which values not yet re-encrypted by `manage.py rotate_encryption_key` are read.
CRYPTOGRAPHY_KEY_PREVIOUS = env.str("CRYPTOGRAPHY_KEY_PREVIOUS", default="")
SECRET_KEY_PREVIOUS = env.str("SECRET_KEY_PREVIOUS", default="")
# Sessions and other signatures made with the previous SECRET_KEY stay valid meanwhile too.
SECRET_KEY_FALLBACKS = [SECRET_KEY_PREVIOUS] if SECRET_KEY_PREVIOUS else []


def _refuse_example_keys() -> None:
    example_keys = {
        "SECRET_KEY": (SECRET_KEY, EXAMPLE_SECRET_KEY),
        "CRYPTOGRAPHY_KEY": (CRYPTOGRAPHY_KEY, EXAMPLE_CRYPTOGRAPHY_KEY),
        "JWT_SIGNING_KEY": (JWT_SIGNING_KEY, EXAMPLE_JWT_SIGNING_KEY),
    }
    unsafe = [name for name, (value, example) in example_keys.items() if value == example]
    if unsafe:
        raise ImproperlyConfigured(
            f"DEBUG is off but {', '.join(unsafe)} still hold the example values; "
            "set real secrets in the environment (or DEBUG=true for local use)."
        )


# Without them production would run on a SQLite file, a cache (and so platform rate limits)
# private to each process, and tasks run in the web process instead of by the workers.
_PRODUCTION_SERVICES = ("DATABASE_URL", "REDIS_URL")


def _refuse_missing_services() -> None:
    missing = [name for name in _PRODUCTION_SERVICES if not env.str(name, default="")]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise ImproperlyConfigured(
            f"DEBUG is off but {', '.join(missing)} {verb} not set; production needs PostgreSQL "
            "(DATABASE_URL) and a Redis shared by every process for the cache, the platform "
            "rate limits and the Celery broker (REDIS_URL). Set them in the environment "
            "(or DEBUG=true for local use on SQLite and local memory)."
        )


if not DEBUG:
    _refuse_example_keys()
    _refuse_missing_services()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies stand in front of the service; the client IP recorded in the
# audit log is read from X-Forwarded-For only as far as these proxies vouch for it.
# The sign-in throttles count attempts per that same address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)


def _admin_url_path(value: str) -> str:
    """The admin's path as urls.py mounts it: no leading slash, one trailing slash."""
    path = value.strip().strip("/")
    if not path or "//" in path:
        raise ImproperlyConfigured(
            f"ADMIN_URL_PATH {value!r} is not a path such as 'admin/' or 'staff-7f3k/'"
        )
    return f"{path}/"


# Where the admin is served. A path of your own keeps the admin's login page away from the
# scanners that try /admin/ on every host; it is no substitute for the login throttle.
ADMIN_URL_PATH = _admin_url_path(env.str("ADMIN_URL_PATH", default="admin/"))

INSTALLED_APPS = [
    # Django's admin on our own site: a throttled login (vchata_social.admin_site).
    "vchata_social.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "accounts",
    "analytics",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Before anything reads the query string or the body.
    "vchata_social.middleware.RequestCharsetMiddleware",
    "vchata_social.middleware.MethodNotAllowedEnvelopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "vchata_social.urls"
# A CSRF failure outside the admin answers in the API's error envelope.
CSRF_FAILURE_VIEW = "vchata_social.exceptions.csrf_failure_view"
APPEND_SLASH = False

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
            ],
        },
    },
]

WSGI_APPLICATION = "vchata_social.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

ACCOUNT_LIST_CACHE = "account-list"
STATS_CACHE = "account-stats"
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_SOCKET_TIMEOUT_SECONDS = env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=1.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="vchata"),
            # A Redis that hangs fails a call after this long instead of holding the request
            # (and the platform rate limiter, which counts in this cache).
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _in_process_cache(name: str, max_entries: int) -> dict:
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": name,
        "OPTIONS": {"MAX_ENTRIES": max_entries},
    }


# Pages of the account list, in each process's memory: a page is only served under the
# version of the organization's accounts read from PostgreSQL in the same request, so no
# process can serve one a write made stale, and a hit costs microseconds, not a Redis trip.
CACHES[ACCOUNT_LIST_CACHE] = _in_process_cache(
    ACCOUNT_LIST_CACHE, env.int("ACCOUNT_LIST_CACHE_ENTRIES", default=200)
)
# Account stats answers, the same way, under the account's stats version (analytics.stats_cache).
CACHES[STATS_CACHE] = _in_process_cache(STATS_CACHE, env.int("STATS_CACHE_ENTRIES", default=200))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Bodies larger than this are refused with 400 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)

# Browser front ends on these origins may call the API (the JWT travels in a header, so no
# cookies are shared).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(auth|social)/.*$"

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    # A request that reached the proxy over https says so in X-Forwarded-Proto and passes;
    # one that came over plain HTTP is redirected, whether or not the proxy redirects too. The
    # health check stays reachable over plain HTTP for the load balancer.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # Browsers then refuse plain HTTP to this host (and the hosts under it) for a year. The
    # header is sent on https answers only; preloading takes a submission to the browsers' list.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.OrganizationJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["vchata_social.permissions.HasOrganizationRole"],
    "DEFAULT_RENDERER_CLASSES": ["vchata_social.renderers.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["vchata_social.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "vchata_social.exceptions.envelope_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "vchata_social.schema.EnvelopeAutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("AUTH_THROTTLE_RATE", default="20/min"),
        # Sign-in attempts on one username, whichever addresses they come from.
        "auth_username": env.str("AUTH_USERNAME_THROTTLE_RATE", default="30/hour"),
        # The admin's login page, per client address (per username it shares "auth_username"
        # with the API's sign-in: one password, one count, whichever door is knocked on).
        "admin_login": env.str("ADMIN_LOGIN_THROTTLE_RATE", default="10/min"),
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "VChata Social API",
    "DESCRIPTION": "Connect an organization's social media accounts, keep their tokens "
    "fresh, and read their pages, posts and analytics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# --- Token refresh ---------------------------------------------------------------------
# How often the schedule looks for due tokens, and how long
# before expiry a token is due on each platform (access tokens live 1 hour on Google,
# 2 hours on X, 24 hours on TikTok, 60 days on LinkedIn, Facebook and Instagram).
TOKEN_REFRESH_INTERVAL_SECONDS = env.int("TOKEN_REFRESH_INTERVAL_SECONDS", default=300)
_DEFAULT_REFRESH_LEADS = {
    "FACEBOOK": 7 * 24 * 3600,
    "INSTAGRAM": 7 * 24 * 3600,
    "LINKEDIN": 7 * 24 * 3600,
    "TIKTOK": 60 * 60,
    "TWITTER": 20 * 60,
    "YOUTUBE": 15 * 60,
}
TOKEN_REFRESH_LEAD_SECONDS = {
    platform: env.int(f"TOKEN_REFRESH_LEAD_{platform}", default=lead)
    for platform, lead in _DEFAULT_REFRESH_LEADS.items()
}
# How far ahead a forced new login (Facebook data access ending, a refresh token dying) is
# flagged: the account list's ?status=REAUTH_SOON and the admin's filter.
REAUTH_WARNING_DAYS = env.int("REAUTH_WARNING_DAYS", default=7)

# --- Sync and analytics ----------------------------------------------------------------
# How long POST /sync waits for its run before answering 202 with a URL to poll.
SYNC_WAIT_SECONDS = env.float("SYNC_WAIT_SECONDS", default=10.0)
# At most this many posts of one page are read by one sync (newest first).
SYNC_MAX_POSTS = env.int("SYNC_MAX_POSTS", default=10_000)
# Posts written per upsert statement.
SYNC_BATCH_SIZE = env.int("SYNC_BATCH_SIZE", default=500)
# Days of daily figures a full sync asks the platform for (and a first incremental one).
SYNC_HISTORY_DAYS = env.int("SYNC_HISTORY_DAYS", default=90)
# A run RUNNING without a heartbeat (or, never taken, since its start) this long lost its
# worker: the next sync marks it failed.
SYNC_STALE_AFTER_SECONDS = env.int("SYNC_STALE_AFTER_SECONDS", default=3600)
# A running sync refreshes its claim (a heartbeat) as it stores posts and finishes pages; one
# whose heartbeat is older than this lost its worker, and the task delivered again takes it
# over. Well above the longest gap between two heartbeats: one platform call with its retries.
SYNC_CLAIM_TIMEOUT_SECONDS = env.int("SYNC_CLAIM_TIMEOUT_SECONDS", default=300)
# How often the schedule syncs every active account, spread over the interval.
SYNC_INTERVAL_SECONDS = env.int("SYNC_INTERVAL_SECONDS", default=6 * 3600)
# Daily history older than this is deleted by the daily clean-up.
METRICS_RETENTION_DAYS = env.int("METRICS_RETENTION_DAYS", default=730)
# Account stats are cached this long, and dropped when the account syncs.
STATS_CACHE_SECONDS = env.int("STATS_CACHE_SECONDS", default=1800)
# Pages of the account list are kept this long (and at most ACCOUNT_LIST_CACHE_ENTRIES of
# them a process); any write of an account drops its organization's pages at once
# (accounts/list_cache.py): these only bound their memory.
ACCOUNT_LIST_CACHE_SECONDS = env.int("ACCOUNT_LIST_CACHE_SECONDS", default=600)
# The longest date range the stats endpoint serves.
STATS_MAX_RANGE_DAYS = env.int("STATS_MAX_RANGE_DAYS", default=366)

# How often accounts whose webhook events ask for a sync (new posts, comments) are synced:
# every event of the interval is answered by one sync.
WEBHOOK_SYNC_DELAY_SECONDS = env.int("WEBHOOK_SYNC_DELAY_SECONDS", default=60)
# Raw webhook payloads (once processed) and records of refused deliveries are kept this
# many days; normalized events, which products catch up from, for EVENT_RETENTION_DAYS.
WEBHOOK_PAYLOAD_RETENTION_DAYS = env.int("WEBHOOK_PAYLOAD_RETENTION_DAYS", default=30)
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=365)
# A receipt still unprocessed this long after it came is queued for processing again.
WEBHOOK_REQUEUE_AFTER_SECONDS = env.int("WEBHOOK_REQUEUE_AFTER_SECONDS", default=600)
# YouTube's push notifications are WebSub subscriptions leased for this long (the hub may
# grant less, and says so when it verifies); a lease ending within the margin is renewed by
# the hourly schedule.
WEBSUB_LEASE_SECONDS = env.int("WEBSUB_LEASE_SECONDS", default=10 * 24 * 3600)
WEBSUB_RENEWAL_MARGIN_SECONDS = env.int("WEBSUB_RENEWAL_MARGIN_SECONDS", default=24 * 3600)

# Delivery of events to the organizations' notification endpoints. Each failed attempt is
# retried after a growing delay (DELIVERY_BACKOFF_* seconds, doubled each time, jittered) for
# DELIVERY_RETRY_WINDOW_SECONDS; after that the delivery is dead-lettered.
NOTIFICATION_ENDPOINTS_REQUIRE_HTTPS = env.bool(
    "NOTIFICATION_ENDPOINTS_REQUIRE_HTTPS", default=not DEBUG
)
NOTIFICATION_ENDPOINTS_PER_ORGANIZATION = env.int(
    "NOTIFICATION_ENDPOINTS_PER_ORGANIZATION", default=10
)
DELIVERY_TIMEOUT_SECONDS = env.float("DELIVERY_TIMEOUT_SECONDS", default=10.0)
DELIVERY_RETRY_WINDOW_SECONDS = env.int("DELIVERY_RETRY_WINDOW_SECONDS", default=24 * 3600)
DELIVERY_BACKOFF_BASE_SECONDS = env.int("DELIVERY_BACKOFF_BASE_SECONDS", default=30)
DELIVERY_BACKOFF_MAX_SECONDS = env.int("DELIVERY_BACKOFF_MAX_SECONDS", default=3600)
# How often due retries are sent; a delivery taken by a worker and still unsent this long
# after (the worker was lost) is sent again.
DELIVERY_DUE_CHECK_SECONDS = env.int("DELIVERY_DUE_CHECK_SECONDS", default=30)
DELIVERY_LOST_AFTER_SECONDS = env.int("DELIVERY_LOST_AFTER_SECONDS", default=300)

# --- Celery ----------------------------------------------------------------------------

# An empty variable (as .env.example leaves these) means "use REDIS_URL", like an unset one.
_CONFIGURED_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL
CELERY_BROKER_URL = _CONFIGURED_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or REDIS_URL or None
# Without a broker there is no worker to run tasks, so they run in the calling process.
# Only local use has no broker: with DEBUG off REDIS_URL is required above.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not _CONFIGURED_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# No code reads a task's result: what tasks did is in the service's own tables (sync runs,
# receipts, scheduled task runs). Stored, a beat entry's result would also list the id of
# every task it queued (a thousand for a sweep), and each `delay()` would subscribe to a
# result nobody waits for.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task taken by a worker and not acknowledged this long after (the worker was lost) is
# delivered again by Redis. A longer task is delivered twice: the sync claim makes that harmless.
# Redis counts a task sent with a countdown from when it was sent, and the schedule spreads
# syncs over SYNC_INTERVAL_SECONDS: the default outlasts the longest countdown, or a scheduled
# sync would be delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT_SECONDS", default=SYNC_INTERVAL_SECONDS + 3600
    )
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "refresh-due-tokens": {
        "task": "accounts.tasks.enqueue_due_token_refreshes",
        "schedule": TOKEN_REFRESH_INTERVAL_SECONDS,
    },
    "sync-active-accounts": {
        "task": "analytics.tasks.enqueue_scheduled_syncs",
        "schedule": SYNC_INTERVAL_SECONDS,
    },
    "sync-accounts-with-new-events": {
        "task": "webhooks.tasks.start_requested_syncs",
        "schedule": WEBHOOK_SYNC_DELAY_SECONDS,
    },
    "requeue-unprocessed-receipts": {
        "task": "webhooks.tasks.requeue_unprocessed_receipts",
        "schedule": WEBHOOK_REQUEUE_AFTER_SECONDS,
    },
    "renew-websub-leases": {
        "task": "webhooks.tasks.renew_websub_leases",
        "schedule": 3600,
    },
    "send-due-deliveries": {
        "task": "webhooks.tasks.send_due_deliveries",
        "schedule": DELIVERY_DUE_CHECK_SECONDS,
    },
    "delete-expired-webhook-data": {
        "task": "webhooks.tasks.delete_expired_webhook_data",
        "schedule": 24 * 3600,
    },
    "delete-expired-history": {
        "task": "analytics.tasks.delete_expired_history",
        "schedule": 24 * 3600,
    },
}

# --- Platforms -------------------------------------------------------------------------
# App credentials and base URLs of every platform, so that the clients can also run
# against a local stand-in server. Variables: SOCIAL_<PLATFORM>_<NAME>.


def _platform(name: str, scopes: tuple[str, ...] = (), **base_urls: str) -> dict:
    prefix = f"SOCIAL_{name}_"
    settings = {
        "CLIENT_ID": env.str(f"{prefix}CLIENT_ID", default=""),
        "CLIENT_SECRET": env.str(f"{prefix}CLIENT_SECRET", default=""),
        # What the browser connect flow asks the user to grant (comma-separated).
        "SCOPES": env.list(f"{prefix}SCOPES", default=list(scopes)),
    }
    for key, default in base_urls.items():
        settings[key] = env.str(f"{prefix}{key}", default=default).rstrip("/")
    return settings


SOCIAL_PLATFORMS = {
    "FACEBOOK": _platform(
        "FACEBOOK",
        scopes=(
            "email",
            "pages_show_list",
            "pages_read_engagement",
            "read_insights",
            "pages_manage_metadata",
            "pages_messaging",
        ),
        GRAPH_URL="https://graph.facebook.com/v23.0",
        AUTHORIZE_URL="https://www.facebook.com/v23.0/dialog/oauth",
    ),
    "INSTAGRAM": _platform(
        "INSTAGRAM",
        scopes=(
            "instagram_business_basic",
            "instagram_business_manage_insights",
            "instagram_business_manage_comments",
            "instagram_business_manage_messages",
        ),
        GRAPH_URL="https://graph.instagram.com/v23.0",
        AUTHORIZE_URL="https://www.instagram.com/oauth/authorize",
        # Where Business Login's authorization code is exchanged for a short-lived token.
        OAUTH_URL="https://api.instagram.com/oauth",
    ),
    "TIKTOK": _platform(
        "TIKTOK",
        scopes=("user.info.basic", "user.info.profile", "user.info.stats", "video.list"),
        API_URL="https://open.tiktokapis.com",
        AUTHORIZE_URL="https://www.tiktok.com/v2/auth/authorize/",
    ),
    "TWITTER": _platform(
        "TWITTER",
        scopes=("tweet.read", "users.read", "offline.access"),
        API_URL="https://api.x.com",
        AUTHORIZE_URL="https://x.com/i/oauth2/authorize",
    ),
    "LINKEDIN": _platform(
        "LINKEDIN",
        scopes=("rw_organization_admin", "r_organization_social"),
        API_URL="https://api.linkedin.com/rest",
        OAUTH_URL="https://www.linkedin.com/oauth/v2",
        AUTHORIZE_URL="https://www.linkedin.com/oauth/v2/authorization",
    ),
    "YOUTUBE": _platform(
        "YOUTUBE",
        scopes=(
            "https://www.googleapis.com/auth/youtube.readonly",
            "https://www.googleapis.com/auth/yt-analytics.readonly",
        ),
        OAUTH_URL="https://oauth2.googleapis.com",
        API_URL="https://www.googleapis.com/youtube/v3",
        ANALYTICS_URL="https://youtubeanalytics.googleapis.com/v2",
        # Where YouTube's push notifications are subscribed to (WebSub).
        WEBSUB_HUB_URL="https://pubsubhubbub.appspot.com/subscribe",
        AUTHORIZE_URL="https://accounts.google.com/o/oauth2/v2/auth",
    ),
}


def _is_https_or_loopback(url: str) -> bool:
    """Loopback addresses never leave the machine: a local stand-in for a platform."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def _refuse_plain_http_platform_urls() -> None:
    """Access tokens, refresh tokens and the apps' client secrets go to these addresses."""
    plain = [
        f"SOCIAL_{platform}_{key}"
        for platform, values in SOCIAL_PLATFORMS.items()
        for key, url in values.items()
        if key.endswith("_URL") and not _is_https_or_loopback(url)
    ]
    if plain:
        raise ImproperlyConfigured(
            f"DEBUG is off but {', '.join(plain)} {'is' if len(plain) == 1 else 'are'} not "
            "https; platform tokens and client secrets are only sent over https (plain http "
            "only to a loopback address)."
        )


if not DEBUG:
    _refuse_plain_http_platform_urls()

# The LinkedIn-Version header. LinkedIn's version table, as of August 2026, lists 202607
# (July 2026) as the latest, served until 2027-07-15
# (learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations); a newer one may
# exist since. accounts.checks warns once the configured version is more than 11 months old.
# X signs webhooks and CRC answers with the app's OAuth 1.0a API key secret (the "consumer
# secret"), a different value from the OAuth 2.0 client secret used for token refresh.
SOCIAL_TWITTER_CONSUMER_SECRET = env.str("SOCIAL_TWITTER_CONSUMER_SECRET", default="")
# The public address the platforms reach this service at (https://api.example.com); the
# default webhook URL of a subscription is built on it. Empty: the address of the request.
WEBHOOK_PUBLIC_BASE_URL = env.str("WEBHOOK_PUBLIC_BASE_URL", default="").rstrip("/")
# A TikTok webhook whose signed timestamp is further than this from now is refused (replays).
WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS = env.int("WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", default=300)
SOCIAL_LINKEDIN_API_VERSION = env.str("SOCIAL_LINKEDIN_API_VERSION", default="202607")

# --- Connecting accounts in the browser (OAuth) ------------------------------------------
# The public address the platforms send the browser back to: the callback URL registered with
# each platform is <OAUTH_CALLBACK_BASE_URL>/social/oauth/<platform>/callback. Empty: the
# address the connect flow was started on.
OAUTH_CALLBACK_BASE_URL = env.str(
    "OAUTH_CALLBACK_BASE_URL", default=WEBHOOK_PUBLIC_BASE_URL
).rstrip("/")
# The front-end pages a connect flow may send the browser back to (`redirectTo`), and the one
# used when none is asked for or the flow cannot tell whose it was.
OAUTH_ALLOWED_REDIRECT_URLS = env.list("OAUTH_ALLOWED_REDIRECT_URLS", default=[])
OAUTH_DEFAULT_REDIRECT_URL = env.str("OAUTH_DEFAULT_REDIRECT_URL", default="")
OAUTH_STATE_TTL_SECONDS = env.int("OAUTH_STATE_TTL_SECONDS", default=600)


def _refuse_plain_http_callback() -> None:
    """The callback URL carries the authorization code: a platform must send it over https."""
    if OAUTH_CALLBACK_BASE_URL and urlsplit(OAUTH_CALLBACK_BASE_URL).scheme != "https":
        raise ImproperlyConfigured(
            "DEBUG is off but OAUTH_CALLBACK_BASE_URL is not https; the platforms send "
            "authorization codes to it."
        )


if not DEBUG:
    _refuse_plain_http_callback()

# Outbound HTTP to the platforms.
PLATFORM_HTTP_CONNECT_TIMEOUT = env.float("PLATFORM_HTTP_CONNECT_TIMEOUT", default=3.05)
PLATFORM_HTTP_READ_TIMEOUT = env.float("PLATFORM_HTTP_READ_TIMEOUT", default=15.0)
PLATFORM_HTTP_MAX_RETRIES = env.int("PLATFORM_HTTP_MAX_RETRIES", default=3)
PLATFORM_HTTP_BACKOFF_SECONDS = env.float("PLATFORM_HTTP_BACKOFF_SECONDS", default=0.5)
PLATFORM_HTTP_MAX_BACKOFF_SECONDS = env.float("PLATFORM_HTTP_MAX_BACKOFF_SECONDS", default=30.0)
PLATFORM_RATE_LIMIT_PER_MINUTE = env.int("PLATFORM_RATE_LIMIT_PER_MINUTE", default=60)

# --- Logging ---------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # urllib3 logs whole request lines at DEBUG, query strings (and so Meta's tokens) included.
    "loggers": {"urllib3": {"level": "WARNING"}},
}
