"""Settings for the ruian portal.

Every value comes from the environment (django-environ), so the same code runs the demo on a laptop, the
test suite and the docker-compose deployment. A `.env` file at the project root is read when present.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    # Only a development server may run with a key everybody can read.
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: production refuses to start without one

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    # django-import-export is used for its resources only (catalogs, grids): not installed as an app, whose
    # admin module would load every spreadsheet format (openpyxl, 14 MB) into each web worker at start.
    "ruian",
    "catalogs",
    "approvals",
    "enforcement",
    "grids",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ruian.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ruian.middleware.DatabaseUnavailableMiddleware",
    # axes last, as its documentation asks, so it sees the outcome of authentication
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ruian.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ruian.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "ruian.wsgi.application"

# --- database -------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/ruian"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    # The portal's prepared statements (ruian/prepared.py: the signed-in user, the items a township holds) are
    # planned once per connection. Left to choose, PostgreSQL re-plans a statement at each execution whenever
    # it estimates the generic plan dearer than the custom ones, and planning the user's load (with its data
    # scope) costs more than running it. Only server-side prepared statements are affected: psycopg2 prepares
    # nothing else, and no PL/pgSQL function of the schema runs a query.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c plan_cache_mode=force_generic_plan")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- authentication -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ruian.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Failed-login lockout (django-axes): after AXES_FAILURE_LIMIT failures for one user name from one
# address, that pair is locked for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: the public sees only published data

# --- internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files ----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
STORAGES = {
    # Attachments live outside any web root and are only served through a permission-checking view.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(env.path("ATTACHMENT_ROOT", default=BASE_DIR / "var" / "attachments"))},
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        ),
    },
}
# Attachments: the largest file accepted, and the types accepted (checked on the file's content).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- e-mail ---------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ruian <noreply@ruian.localhost>")

# --- Redis, cache and Celery ----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        # Cache and throttling state only: nothing durable is kept in Redis (it keeps nothing on disk).
        # Django's Redis backend, with one client per connection pool (ruian/cache.py).
        "BACKEND": "ruian.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if env.bool("USE_REDIS_CACHE", default=True)
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
# A cache outage must not take the API down: the throttles in ruian.api.throttling let a request
# through when Redis cannot be reached.

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None  # results are not kept: tasks record what they did in PostgreSQL
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "max_retries": 1}
CELERY_TIMEZONE = TIME_ZONE
# Periodic sweeps. Each task is idempotent (it may run twice, or late, without harm): the state it
# acts on (deadlines, thresholds reached, notices sent) is in PostgreSQL.
SWEEP_INTERVAL_SECONDS = env.int("SWEEP_INTERVAL_SECONDS", default=60)
# At most this many clocks move in one sweep (one transaction): a backlog, such as every working-day limit
# of a province running out at the same midnight, is moved by sweeps run back to back, each holding its
# locks for a second or so rather than one holding half a million for a minute (ruian.clocks). A clock
# whose crossing acts (a deemed acceptance, an escalation) costs several times one that only changes colour,
# so a batch's time varies with its mix: at 5,000, one sweep of a province's midnight took 5.95 s against the
# 5-second goal (the mean was 1.6 s).
DEADLINE_SWEEP_BATCH = env.int("DEADLINE_SWEEP_BATCH", default=2000)
# REST clients' Idempotency-Keys are kept this long (ruian.idempotency); a retry comes within minutes.
IDEMPOTENCY_KEY_DAYS = env.int("IDEMPOTENCY_KEY_DAYS", default=7)
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {
        "task": "ruian.tasks.sweep_deadlines",
        "schedule": SWEEP_INTERVAL_SECONDS,
    },
    "relay-outbox": {
        "task": "ruian.tasks.relay_outbox",
        "schedule": env.int("OUTBOX_RELAY_SECONDS", default=30),
    },
    "extend-working-day-calendar": {
        "task": "ruian.tasks.seed_calendar",
        "schedule": crontab(hour=3, minute=17),
    },
    "warn-long-secondments": {
        "task": "ruian.tasks.warn_long_secondments",
        "schedule": crontab(hour=6, minute=7),
    },
    "purge-idempotency-keys": {
        "task": "ruian.tasks.purge_idempotency_keys",
        "schedule": crontab(hour=3, minute=37),
    },
    # Certificates nearing expiry, grid hand-overs still pending.
    "enforcement-daily": {
        "task": "enforcement.tasks.daily",
        "schedule": crontab(hour=6, minute=41),
    },
}

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ruian.api.auth.ClientTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "ruian.api.auth.HasScope",
    ],
    "DEFAULT_PAGINATION_CLASS": "ruian.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ruian.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "ruian.api.throttling.UserRateThrottle",
        "ruian.api.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="6000/min"),
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ruian API",
    "DESCRIPTION": "乡镇(街道)审批服务执法一体化门户的接口: 目录、审批、执法与网格。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # the interactive page's assets come from drf-spectacular-sidecar, never from a CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several workflows have a `status` field with different choices: name each enum after its workflow.
    # (catalogs adds its own in CatalogsConfig.ready.)
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "approvals.states.Status",
        "PledgeStatusEnum": "approvals.states.PledgeStatus",
        "FollowUpStatusEnum": "approvals.states.FollowUpStatus",
        "InspectionKindEnum": "catalogs.models.InspectionKind",
    },
}

# --- security -------------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Read from Redis, kept in PostgreSQL, still working while Redis is down (ruian/sessions.py).
SESSION_ENGINE = "ruian.sessions"
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto; a plain-HTTP benchmark sets it to 0.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- domain settings ([practice] values of DOMAIN.md are settings, not constants) ------------------
# Width of the grid sequence appended to a 12-digit community code (14 or 15 digits in all).
GRID_SEQUENCE_WIDTH = env.int("GRID_SEQUENCE_WIDTH", default=3)
# Share of a clock's time after which it shows yellow.
CLOCK_YELLOW_SHARE = env.float("CLOCK_YELLOW_SHARE", default=0.8)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="ruian-demo-2026")
# Dual management of stationed units: the least share the township's score carries in their assessment
# (Rudong 0.5, Dezhou 0.6); and the days a township employee may be seconded upward in a calendar year
# (Jiangsu plan: three months).
TOWNSHIP_ASSESSMENT_SHARE = env.float("TOWNSHIP_ASSESSMENT_SHARE", default=0.5)
SECONDMENT_YEARLY_LIMIT_DAYS = env.int("SECONDMENT_YEARLY_LIMIT_DAYS", default=90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
