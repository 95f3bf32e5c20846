"""Rendered content of read-heavy pages (lists, unit page, dashboard, period report), cached
until the data change.

A page part is cached (per process, in `extensions.fragments`) under a key of everything it
depends on: the language, the user (with the session token that logging out replaces) and their
roles, the address with its query string, this session's CSRF token (forms inside carry it),
the day (posts and terms end with the day), and the **data version**, a token that changes
with every committed write:

- PostgreSQL: the current snapshot (`pg_current_snapshot()`): it changes when any transaction
  that wrote commits or starts writing, and is the same only while nothing was written. No row
  to update, so writers do not queue behind each other.
- SQLite: a random token in the one-row table `data_version`, replaced in the transaction of
  every connection that ran INSERT, UPDATE or DELETE (SQLite runs one writer at a time anyway).
  A random token, not a counter: emptied tables or a restored backup never bring back a value
  that stood for other data. The files' change times are added, for writes by other programs.

The values a cached part shows are computed only when it is not in the cache: views hand them
to the template as `deferred(...)`, which runs on first use. A view opts in by passing
`page_cache=PAGE_CACHE_SECONDS` (base.html caches its content block, GET only).

A one-time token (the double-click guard of a payment form) must differ on every view, so it is
never cached: the form carries `ONCE_SLOT`, and every time the content is shown each slot is
replaced by a fresh token (`fresh_tokens`, cached or not).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import uuid
from functools import cache

from flask import request, session
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event, select, text
from werkzeug.local import LocalProxy

from .extensions import db
from .models import DataVersion

# How long a cached page part may live at most. The data version makes it exact; the limit only
# bounds what a page shows that moves with the clock rather than the data (nothing does by the
# minute today) and the memory of parts nobody asks for again.
PAGE_CACHE_SECONDS = 300

# Where a one-time token goes. Random per process: never shown (always replaced), so no user
# text can spell it; ≤ 40 characters, as the token fields allow.
ONCE_SLOT = "once" + secrets.token_hex(16)

DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_WROTE = "assoc_wrote"
_PAGE_KEY = "assoc.page_key"


def deferred(compute):
    """A stand-in for `compute()`'s value that computes it on first use (once)."""
    return LocalProxy(cache(compute))


# SQLite's version token, built once (assoc/statements.py).
SQLITE_VERSION = select(DataVersion.token).limit(1)


def fresh_tokens(html: str) -> Markup:
    """The page content with a new one-time token in each `ONCE_SLOT` (base.html)."""
    if ONCE_SLOT not in html:
        return Markup(html)
    first, *rest = str(html).split(ONCE_SLOT)  # plain text: Markup + str would escape
    return Markup(first + "".join(uuid.uuid4().hex + part for part in rest))


def data_version() -> str:
    """A token for the data as committed now (see the module's note)."""
    session = db.session()
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return session.execute(text("SELECT pg_current_snapshot()::text")).scalar_one()
    from .statements import rows

    return f"{rows(SQLITE_VERSION).scalar()}:{_files_changed(bind.url.database)}"


def _files_changed(database: str | None) -> str:
    """When SQLite's files last changed: a write by a program other than this app (the sqlite3
    shell, a script) replaces no token, but appends to the write-ahead log (or, checkpointed,
    to the database file)."""
    stamps = []
    for path in (database, f"{database}-wal") if database and database != ":memory:" else ():
        try:
            found = os.stat(path)
        except OSError:
            continue
        stamps.append(f"{found.st_mtime_ns}.{found.st_size}")
    return ":".join(stamps)


def page_key() -> str:
    """The key of a cached page part (see the module's note); built once per request (a page's
    breadcrumbs and its content are two parts; a GET writes nothing in between)."""
    from flask_wtf.csrf import generate_csrf

    from . import models
    from .filters import fragment_key

    # Kept on the request, not on `g`: an app context may outlive a request (tests).
    key = request.environ.get(_PAGE_KEY)
    if key is None:
        generate_csrf()  # the session's raw token exists before it keys the part
        key = request.environ[_PAGE_KEY] = fragment_key(
            str(db.engine.url), current_user.get_id(), request.full_path,
            session.get("csrf_token", ""), models.today().isoformat(), data_version())
    return key


def wrote(session) -> bool:
    """Whether the session's transaction has written (its changes are in no data version)."""
    return bool(session.new or session.dirty or session.deleted
                or session.connection().info.get(_WROTE))


def install(engine) -> None:
    """Note on each connection whether its transaction wrote; on SQLite, a transaction that
    wrote also replaces the version token as it commits."""

    @event.listens_for(engine, "before_cursor_execute")
    def note_write(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:7].upper().startswith(DML):
            conn.info[_WROTE] = True

    @event.listens_for(engine, "rollback")
    def forget_write(conn):
        conn.info.pop(_WROTE, None)

    @event.listens_for(engine, "commit")
    def committed(conn):
        if conn.info.pop(_WROTE, False) and conn.dialect.name == "sqlite":
            _replace_sqlite_version(conn)


def _replace_sqlite_version(conn) -> None:
    # The DB-API cursor, under SQLAlchemy's own commit: the statement joins the transaction
    # being committed and fires no events of its own.
    cursor = conn.connection.dbapi_connection.cursor()
    token = secrets.randbits(62)
    try:
        cursor.execute("UPDATE data_version SET token = ?", (token,))
        if cursor.rowcount == 0:
            cursor.execute("INSERT INTO data_version (token) VALUES (?)", (token,))
    except sqlite3.OperationalError:  # before the migration that makes the table
        pass
    finally:
        cursor.close()
