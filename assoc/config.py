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
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # forms left open for a long meeting must still submit
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    PER_PAGE = 50
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # Jobs (imports, exports…): RQ workers on this Redis when set (`make worker`), else a
    # background thread of the web process.
    REDIS_URL = os.environ.get("REDIS_URL", "")

    def __init__(self):
        self.SECRET_KEY = _secret_key()


class TestConfig(Config):
    __test__ = False  # not a pytest test class

    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    REDIS_URL = ""  # jobs in threads unless a test asks for RQ

    def __init__(self):
        pass
