"""Extension objects, created unbound here and bound to the app in create_app()."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
# Rendered menus and unit tabs, per process: `{% cache %}` fragments keyed by everything they
# depend on (the language, the roles the user holds and where, the unit and its open tab) — no
# data they show changes otherwise, so no write has to drop them. Pages themselves are not
# cached (issue 30: under a mixed load a page cache served 0.5 % of views). A few KB each, at
# most 500 kept, the oldest dropped first.
fragments = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600,
                          "CACHE_THRESHOLD": 500})


def init_limiter(app) -> Limiter:
    """One Flask-Limiter per app (its storage belongs to the app's configuration): memory by
    default, Redis when REDIS_URL is set (RATELIMIT_STORAGE_URI). No default limits: the login
    form asks it for its own per-client and per-account counts (assoc/throttle.py), so no
    request is checked against limits on its way in (`auto_check=False`: that check found
    nothing to do and cost every page a lookup)."""
    limiter = Limiter(key_func=get_remote_address, app=app, auto_check=False)
    app.extensions["assoc_limiter"] = limiter
    return limiter


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, let readers work while one writer writes, wait for locks."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def init_engine_events(app) -> None:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
