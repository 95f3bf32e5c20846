"""The per-level roll-ups (SubtreeTally) against a from-scratch sum of the unit rows."""

from __future__ import annotations

from sqlalchemy import select

from assoc.models import SubtreeTally, Unit, UnitTally
from assoc.services import tally


def summed_from_unit_rows(db, figures: tuple[str, ...] | None = None
                          ) -> dict[tuple[int, int], dict[str, int]]:
    """{(unit id, month): figures and row count} of every unit's sub-tree, computed here from
    the unit rows and the paths as they are now (`figures`: the columns a migration test's
    older schema has; all of them by default)."""
    figures = figures or tally.FIGURES
    paths = dict(db.session.execute(select(Unit.id, Unit.path)).all())
    sums: dict[tuple[int, int], dict[str, int]] = {}
    columns = [getattr(UnitTally, name) for name in figures]
    for unit, month, *values in db.session.execute(
            select(UnitTally.unit_id, UnitTally.month, *columns)):
        for unit_id, path in paths.items():
            if paths[unit].startswith(path):
                found = sums.setdefault((unit_id, month),
                                        dict.fromkeys(("unit_rows", *figures), 0))
                found["unit_rows"] += 1
                for name, value in zip(figures, values, strict=True):
                    found[name] += value
    return sums


def stored_levels(db, figures: tuple[str, ...] | None = None
                  ) -> dict[tuple[int, int], dict[str, int]]:
    names = ("unit_rows", *(figures or tally.FIGURES))
    return {(unit_id, month): dict(zip(names, values, strict=True))
            for unit_id, month, *values in db.session.execute(
                select(SubtreeTally.unit_id, SubtreeTally.month,
                       *(getattr(SubtreeTally, name) for name in names)))}


def assert_levels(db) -> None:
    """Every unit's sub-tree rows equal the sum of its sub-tree's unit rows (committed)."""
    db.session.commit()
    db.session.expire_all()
    assert stored_levels(db) == summed_from_unit_rows(db)
