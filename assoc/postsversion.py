"""A version of the posts: a random token that changes with every write to the tables the
officer figures and the coverage read (posts, role assignments, units), and only then.

Every dashboard is computed as it is asked for, and at national size its posts part alone reads
38,000 posts and 36,000 units. The posts change far more rarely than money and members:
`services.reports` keeps what it read of them under this token and the day.

Database triggers replace the token (`area_version`, row 'posts'), so every writer is seen: the
app, an import's bulk statements, a script, the psql or sqlite3 shell. A random token, not a
counter: emptied tables or a restored backup never bring back a value that stood for other data.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, text

from .models import AreaVersion

AREA = "posts"
TABLES = ("position", "role_assignment", "unit")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION assoc_posts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO area_version (area, token)
    VALUES ('posts', floor(random() * 4611686018427387903)::bigint)
    ON CONFLICT (area) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$"""
# One per statement on PostgreSQL (TRUNCATE included), one per row on SQLite (which has no
# statement triggers; posts, roles and units are written a few rows at a time).
_PG_TRIGGER = ("CREATE TRIGGER {table}_posts_changed AFTER INSERT OR UPDATE OR DELETE OR "
               "TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION assoc_posts_changed()")
_SQLITE_TRIGGER = ("CREATE TRIGGER IF NOT EXISTS {table}_posts_changed_{op} AFTER {event} ON "
                   "{table} BEGIN INSERT OR REPLACE INTO area_version (area, token) "
                   "VALUES ('posts', random()); END")
_SQLITE_OPS = {"i": "INSERT", "u": "UPDATE", "d": "DELETE"}

VERSION = select(AreaVersion.token).where(AreaVersion.area == AREA)


def posts_version() -> int | None:
    """The token as committed now (None until the first write after the table was emptied:
    then nothing is kept)."""
    from .statements import rows

    return rows(VERSION).scalar()


def install(connection) -> None:
    """Create the triggers (idempotent) and a first token: migration 0024 and databases made by
    create_all."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(_PG_FUNCTION))
        for table in TABLES:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_posts_changed ON {table}"))
            connection.execute(text(_PG_TRIGGER.format(table=table)))
    elif connection.dialect.name == "sqlite":
        for table in TABLES:
            for op, event in _SQLITE_OPS.items():
                connection.execute(text(_SQLITE_TRIGGER.format(table=table, op=op,
                                                               event=event)))
    else:
        return
    if connection.execute(VERSION).first() is None:
        connection.execute(AreaVersion.__table__.insert().values(
            area=AREA, token=secrets.randbits(62)))


def uninstall(connection) -> None:
    if connection.dialect.name == "postgresql":
        for table in TABLES:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_posts_changed ON {table}"))
        connection.execute(text("DROP FUNCTION IF EXISTS assoc_posts_changed()"))
    elif connection.dialect.name == "sqlite":
        for table in TABLES:
            for op in _SQLITE_OPS:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_posts_changed_{op}"))


def listen(metadata) -> None:
    from sqlalchemy import event

    event.listen(metadata, "after_create", lambda target, connection, **kw: install(connection))
