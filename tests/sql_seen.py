"""The SQL statements a piece of test code issues (query-count and plan tests)."""

from __future__ import annotations

from sqlalchemy import event

from assoc.extensions import db


def statements(fn) -> list[str]:
    """The statements `fn()` sent to the database, in order."""
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return seen
