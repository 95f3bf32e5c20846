"""Printed serial numbers of records that are not vouchers (pledges, events): one global
counter row per series in `number_counter`, bumped by one UPDATE (a row lock on PostgreSQL, the
write lock on SQLite), so two writers at once never get the same number. The first use starts
the counter after the highest number already given."""

from __future__ import annotations

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import NumberCounter
from . import insert_or_find


def take(name: str, column) -> int:
    """The next number of the series `name`; `column` holds the numbers already given."""

    def bump():
        return db.session.execute(
            update(NumberCounter).where(NumberCounter.name == name)
            .values(last=NumberCounter.last + 1).returning(NumberCounter.last)
            .execution_options(synchronize_session=False)).scalar()

    last = bump()
    if last is None:
        start = db.session.scalar(select(func.max(column))) or 0
        insert_or_find(NumberCounter(name=name, last=start),
                       lambda: db.session.get(NumberCounter, name))
        last = bump()
    return int(last)
