"""The per-level roll-ups (SubtreeTally) against a from-scratch sum of the unit rows."""

from __future__ import annotations

from sqlalchemy import select

from assoc.models import SubtreeTally, Unit, UnitTally
from assoc.services import tally


def summed_from_unit_rows(db) -> dict[tuple[int, int], dict[str, int]]:
    """{(unit id, month): figures and row count} of every unit's sub-tree, computed here from
    the unit rows and the paths as they are now."""
    paths = dict(db.session.execute(select(Unit.id, Unit.path)).all())
    sums: dict[tuple[int, int], dict[str, int]] = {}
    for row in db.session.scalars(select(UnitTally)):
        for unit_id, path in paths.items():
            if paths[row.unit_id].startswith(path):
                found = sums.setdefault((unit_id, row.month),
                                        dict.fromkeys(("unit_rows", *tally.FIGURES), 0))
                found["unit_rows"] += 1
                for name in tally.FIGURES:
                    found[name] += getattr(row, name)
    return sums


def stored_levels(db) -> dict[tuple[int, int], dict[str, int]]:
    return {(r.unit_id, r.month): {name: getattr(r, name)
                                   for name in ("unit_rows", *tally.FIGURES)}
            for r in db.session.scalars(select(SubtreeTally))}


def assert_levels(db) -> None:
    """Every unit's sub-tree rows equal the sum of its sub-tree's unit rows (committed)."""
    db.session.commit()
    db.session.expire_all()
    assert stored_levels(db) == summed_from_unit_rows(db)
