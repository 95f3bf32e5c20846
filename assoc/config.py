"""Configuration. Everything that differs between machines comes from the environment."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into instance/ (never committed)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    INSTANCE.mkdir(exist_ok=True)
    key_file = INSTANCE / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'assoc.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BTN_SIZE = "md"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Idle timeout: a session not used for this long ends (the signed cookie carries its age
    # and the server refuses an older one). "Remember me" is the only way to outlast it.
    PERMANENT_SESSION_LIFETIME = 60 * int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
    # ASSOC_PRODUCTION=1 (served over HTTPS) switches on Secure cookies and HSTS (__init__).
    PRODUCTION = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS_SECONDS = 0
    # Behind a reverse proxy, the number of proxies whose X-Forwarded-For is trusted (0: none).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Jobs (imports, exports…): RQ workers on this Redis when set (`make worker`), else a
    # background thread of the web process. Login throttling counts live there too.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_KEY_PREFIX = "assoc"
    # Login throttling: attempts per client address, failed attempts per account, and an
    # exponential delay per account and client after LOGIN_DELAY_AFTER failures in a row.
    LOGIN_THROTTLE = True
    LOGIN_LIMIT_PER_CLIENT = "30 per minute; 300 per hour"
    LOGIN_LIMIT_PER_ACCOUNT = "60 per hour"
    LOGIN_DELAY_AFTER = 3
    LOGIN_DELAY_MAX_SECONDS = 300
    # The per-account count never holds back a browser holding a successful login of the
    # account from the last LOGIN_TRUSTED_DAYS days (a signed device cookie) — unless that
    # cookie has itself failed LOGIN_DEVICE_FAILURES times in an hour — nor an address the
    # account logged in from in those days (assoc/throttle.py).
    LOGIN_TRUSTED_DAYS = 30
    LOGIN_DEVICE_FAILURES = 10
    WTF_CSRF_TIME_LIMIT = None  # forms left open for a long meeting must still submit
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    PER_PAGE = 50
    # The address printed in QR codes (vouchers, member cards): the site as the public reaches
    # it. Never taken from the request's Host header.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # E-mail reminders (flask send-reminders, Flask-Mailman over SMTP). Without MAIL_SERVER the
    # command prints what it would send.
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _flag("MAIL_USE_SSL")
    MAIL_TIMEOUT = 30
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER",
                                         "Hội Khuyến học <khuyenhoc@localhost>")

    def __init__(self):
        self.SECRET_KEY = _secret_key()
        if _flag("ASSOC_PRODUCTION"):
            self.PRODUCTION = True
            self.SESSION_COOKIE_SECURE = self.REMEMBER_COOKIE_SECURE = True
            self.HSTS_SECONDS = 60 * 60 * 24 * 365


class TestConfig(Config):
    __test__ = False  # not a pytest test class

    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    PUBLIC_BASE_URL = "https://khuyenhoc.test"
    LOGIN_THROTTLE = False  # tests of throttling switch it on for themselves
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = ""  # jobs in threads unless a test asks for RQ

    def __init__(self):
        pass
