"""Domain operations. Functions take plain values and the acting user, validate, write,
flush and audit. They never commit: the request (or CLI command) commits once."""


class DomainError(Exception):
    """A rule of the domain was broken; the message is shown to the user as is.

    `field` names the form field the problem belongs to, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


def insert_or_find(obj, finder):
    """Insert `obj` in a savepoint; if a concurrent request inserted the same row first, return
    that one instead."""
    from sqlalchemy.exc import IntegrityError

    from ..extensions import db

    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
        return obj
    except IntegrityError:
        found = finder()
        if found is None:
            raise
        return found
