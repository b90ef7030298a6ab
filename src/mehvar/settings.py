"""Mehvar settings: everything comes from MEHVAR_* environment variables with safe defaults.

Every variable is listed in docs/operations/settings.md (a test keeps the two in sync).
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from mehvar.core.env import (
    database_config,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    secret_key,
)

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("MEHVAR_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("MEHVAR_DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("MEHVAR_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("MEHVAR_CSRF_TRUSTED_ORIGINS", [])

DATABASES = {
    "default": database_config(
        env_str("MEHVAR_DATABASE_URL", f"sqlite:///{VAR_DIR / 'mehvar.sqlite3'}"),
        conn_max_age=env_int("MEHVAR_DB_CONN_MAX_AGE", 60),
        health_checks=env_bool("MEHVAR_DB_HEALTH_CHECKS", False),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "mehvar.core",
    "mehvar.accounts",
    "mehvar.customers",
    "mehvar.conversations",
    "mehvar.channels",
    "mehvar.service_levels",
    "mehvar.feedback",
    "mehvar.intelligence",
    "mehvar.demo",
    "mehvar.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mehvar.web.middleware.AgentPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mehvar.urls"
WSGI_APPLICATION = "mehvar.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.Agent"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "signin"
LOGIN_REDIRECT_URL = "inbox"  # agents start their day in the inbox
LOGOUT_REDIRECT_URL = "signin"

LANGUAGE_CODE = env_str("MEHVAR_LANGUAGE", "en")
LANGUAGES = [("en", "English"), ("ar", "العربية"), ("fa", "فارسی"), ("el", "Ελληνικά")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("MEHVAR_TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEHVAR_MEDIA_ROOT", str(VAR_DIR / "media")))

SESSION_COOKIE_SECURE = env_bool("MEHVAR_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Background work: the Tasks API (django.tasks in Django 6) with the database backend.
TASKS = {
    "default": {
        "BACKEND": env_str("MEHVAR_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# Finished background task results are kept this many days, then pruned (0: kept forever).
MEHVAR_TASK_RESULTS_KEEP_DAYS = env_int("MEHVAR_TASK_RESULTS_KEEP_DAYS", 7)

# Limits on what the API and channels accept.
MEHVAR_MAX_ATTACHMENT_BYTES = env_int("MEHVAR_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024)
MEHVAR_MAX_MESSAGE_CHARS = env_int("MEHVAR_MAX_MESSAGE_CHARS", 200_000)
MEHVAR_DEFAULT_PHONE_REGION = env_str("MEHVAR_DEFAULT_PHONE_REGION", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = MEHVAR_MAX_ATTACHMENT_BYTES + 1024 * 1024

# Customer value: what one contact (conversation) and one agent reply cost, in the company's
# currency; a value that is not a number stops the process at start-up.
MEHVAR_COST_PER_CONTACT = Decimal(env_str("MEHVAR_COST_PER_CONTACT", "2.00"))
MEHVAR_COST_PER_AGENT_REPLY = Decimal(env_str("MEHVAR_COST_PER_AGENT_REPLY", "1.50"))
# Where customers reach this Mehvar (links in survey invitations); no trailing slash.
MEHVAR_PUBLIC_URL = env_str("MEHVAR_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
MEHVAR_SURVEY_FATIGUE_DAYS = env_int("MEHVAR_SURVEY_FATIGUE_DAYS", 30)
MEHVAR_SURVEY_LINK_DAYS = env_int("MEHVAR_SURVEY_LINK_DAYS", 14)
MEHVAR_SURVEY_EDIT_HOURS = env_int("MEHVAR_SURVEY_EDIT_HOURS", 24)

# Intelligence: every message is enriched (language, sentiment, emotion, intent) in the
# background; an intent below this confidence is "unknown"; satisfaction prediction switches
# on once this many good and this many bad ratings exist.
MEHVAR_ENRICHMENT = env_bool("MEHVAR_ENRICHMENT", True)
MEHVAR_INTENT_MIN_CONFIDENCE = env_float("MEHVAR_INTENT_MIN_CONFIDENCE", 0.4)
MEHVAR_SATISFACTION_MIN_RATINGS = env_int("MEHVAR_SATISFACTION_MIN_RATINGS", 200)
# A company's own models from a local path (intelligence/backends.py): "onnx:<dir>" for
# sentiment or intent; a sentence-transformers directory for embeddings (intent training).
MEHVAR_SENTIMENT_MODEL = env_str("MEHVAR_SENTIMENT_MODEL", "")
MEHVAR_INTENT_MODEL = env_str("MEHVAR_INTENT_MODEL", "")
MEHVAR_EMBEDDINGS_MODEL = env_str("MEHVAR_EMBEDDINGS_MODEL", "")
# Feedback to product: the conversation tag that marks feedback, and the outgoing webhook.
MEHVAR_FEEDBACK_TAG = env_str("MEHVAR_FEEDBACK_TAG", "feedback")
MEHVAR_WEBHOOK_TIMEOUT_SECONDS = env_int("MEHVAR_WEBHOOK_TIMEOUT_SECONDS", 10)
MEHVAR_WEBHOOK_RETRY_SECONDS = env_int("MEHVAR_WEBHOOK_RETRY_SECONDS", 60)
MEHVAR_WEBHOOK_MAX_ATTEMPTS = env_int("MEHVAR_WEBHOOK_MAX_ATTEMPTS", 8)
# Webhooks to hosts on private networks (the server's own) are refused unless allowed.
MEHVAR_WEBHOOK_ALLOW_PRIVATE = env_bool("MEHVAR_WEBHOOK_ALLOW_PRIVATE", False)
MEHVAR_COST_PER_CALL_MINUTE = Decimal(env_str("MEHVAR_COST_PER_CALL_MINUTE", "1.00"))

# Channels: inbound envelopes are retried with backoff, then parked for an admin.
MEHVAR_INBOUND_RETRY_SECONDS = env_int("MEHVAR_INBOUND_RETRY_SECONDS", 60)
MEHVAR_INBOUND_MAX_ATTEMPTS = env_int("MEHVAR_INBOUND_MAX_ATTEMPTS", 5)
MEHVAR_INBOUND_RATE_LIMIT_PER_HOUR = env_int("MEHVAR_INBOUND_RATE_LIMIT_PER_HOUR", 60)
MEHVAR_OUTBOUND_RETRY_SECONDS = env_int("MEHVAR_OUTBOUND_RETRY_SECONDS", 60)
MEHVAR_OUTBOUND_MAX_ATTEMPTS = env_int("MEHVAR_OUTBOUND_MAX_ATTEMPTS", 8)
# A new message on a messaging channel continues the customer's latest conversation there
# unless it was solved longer ago than this.
MEHVAR_MESSAGING_REOPEN_DAYS = env_int("MEHVAR_MESSAGING_REOPEN_DAYS", 7)
MEHVAR_MAIL_POLL_SECONDS = env_int("MEHVAR_MAIL_POLL_SECONDS", 60)
MEHVAR_IMAP_DELETE_AFTER_READ = env_bool("MEHVAR_IMAP_DELETE_AFTER_READ", False)
# Web chat: which sites may embed the widget (empty: any), and its abuse limits (0: off).
MEHVAR_WEBCHAT_ALLOWED_ORIGINS = env_str("MEHVAR_WEBCHAT_ALLOWED_ORIGINS", "")
MEHVAR_WEBCHAT_MESSAGES_PER_MINUTE = env_int("MEHVAR_WEBCHAT_MESSAGES_PER_MINUTE", 30)
MEHVAR_WEBCHAT_SESSIONS_PER_HOUR = env_int("MEHVAR_WEBCHAT_SESSIONS_PER_HOUR", 100)
# Messaging providers: a channel is on when its credentials are set (its webhook answers 404
# otherwise). The base URLs point at the providers; tests point them at a local fake.
MEHVAR_SMS_BASE_URL = env_str("MEHVAR_SMS_BASE_URL", "https://api.twilio.com")
MEHVAR_SMS_ACCOUNT_SID = env_str("MEHVAR_SMS_ACCOUNT_SID", "")
MEHVAR_SMS_AUTH_TOKEN = env_str("MEHVAR_SMS_AUTH_TOKEN", "")
MEHVAR_SMS_FROM = env_str("MEHVAR_SMS_FROM", "")
MEHVAR_SMS_STATUS_CALLBACK_URL = env_str("MEHVAR_SMS_STATUS_CALLBACK_URL", "")
MEHVAR_WHATSAPP_BASE_URL = env_str("MEHVAR_WHATSAPP_BASE_URL", "https://graph.facebook.com/v21.0")
MEHVAR_WHATSAPP_TOKEN = env_str("MEHVAR_WHATSAPP_TOKEN", "")
MEHVAR_WHATSAPP_APP_SECRET = env_str("MEHVAR_WHATSAPP_APP_SECRET", "")
MEHVAR_WHATSAPP_VERIFY_TOKEN = env_str("MEHVAR_WHATSAPP_VERIFY_TOKEN", "")
MEHVAR_WHATSAPP_PHONE_NUMBER_ID = env_str("MEHVAR_WHATSAPP_PHONE_NUMBER_ID", "")
MEHVAR_TELEGRAM_BASE_URL = env_str("MEHVAR_TELEGRAM_BASE_URL", "https://api.telegram.org")
MEHVAR_TELEGRAM_BOT_TOKEN = env_str("MEHVAR_TELEGRAM_BOT_TOKEN", "")
MEHVAR_TELEGRAM_SECRET_TOKEN = env_str("MEHVAR_TELEGRAM_SECRET_TOKEN", "")
# Outbound e-mail: the sender when a conversation has no mailbox, and the SMTP relay.
MEHVAR_EMAIL_FROM = env_str("MEHVAR_EMAIL_FROM", "support@localhost")
EMAIL_BACKEND = env_str("MEHVAR_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("MEHVAR_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("MEHVAR_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("MEHVAR_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("MEHVAR_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_str("MEHVAR_SMTP_SECURITY", "none") == "starttls"
EMAIL_USE_SSL = env_str("MEHVAR_SMTP_SECURITY", "none") == "ssl"
EMAIL_TIMEOUT = env_int("MEHVAR_SMTP_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = MEHVAR_EMAIL_FROM

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MEHVAR_LOG_LEVEL", "INFO")},
}

# Under pytest: a fast hasher and tasks run at once (after a JSON round trip of their arguments).
TESTING = "pytest" in sys.modules
if TESTING:
    STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    if env_str("MEHVAR_TEST_DATABASE_URL", ""):
        DATABASES["default"] = database_config(env_str("MEHVAR_TEST_DATABASE_URL", ""),
                                               conn_max_age=0)
    else:  # an in-memory SQLite database per test process
        DATABASES["default"] = database_config("sqlite://", conn_max_age=0)
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
