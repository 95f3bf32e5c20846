"""Roll-ups over a unit's sub-tree, computed in SQL with the materialised path.

Every figure is one aggregate query over the sub-tree, or one query grouped by the direct
sub-unit a row falls under (`u.path LIKE child.path || '%'`), so a page costs a fixed number of
queries whatever the size of the tree."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import LEVELS, RoleAssignment, Unit, today

# Units that are expected to have their own association and chair.
COVERED_LEVELS = ("district", "commune", "branch", "board")


def active_unit_clause(table=Unit, on=None):
    on = on or today()
    return and_(table.valid_from <= on, (table.valid_to.is_(None)) | (table.valid_to >= on))


@dataclass
class CoverageLevel:
    level: str
    total: int = 0
    with_chair: int = 0

    @property
    def percent(self) -> int:
        """Whole percent, rounded half up, in integers (100% only when truly all)."""
        if not self.total:
            return 0
        return (self.with_chair * 200 + self.total) // (self.total * 2)


@dataclass
class Coverage:
    levels: list[CoverageLevel] = field(default_factory=list)
    missing: list[Unit] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(level.total for level in self.levels)

    @property
    def with_chair(self) -> int:
        return sum(level.with_chair for level in self.levels)


def chair_unit_ids_query(on=None):
    """Ids of units with an active chair: a chair role in the system, or (when the officers
    module records positions) a chair position."""
    on = on or today()
    roles = select(RoleAssignment.unit_id).where(
        RoleAssignment.role == "chair",
        RoleAssignment.valid_from <= on,
        RoleAssignment.valid_to.is_(None) | (RoleAssignment.valid_to >= on),
    )
    for extra in CHAIR_SOURCES:
        roles = roles.union(extra(on))
    return roles


# Other modules add functions returning `select(unit_id)` of units with a chair on a date.
CHAIR_SOURCES: list = []


def coverage(unit: Unit, on=None) -> Coverage:
    """Share of active sub-units (below `unit`) that have a chair, per level, and the ones
    without — two queries."""
    on = on or today()
    chaired = chair_unit_ids_query(on).subquery()
    has_chair = Unit.id.in_(select(chaired.c[0]))
    rows = db.session.execute(
        select(Unit.level, func.count(), func.sum(has_chair.cast(db.Integer)))
        .where(Unit.path.startswith(unit.path, autoescape=True), Unit.id != unit.id,
               active_unit_clause(on=on), Unit.level.in_(COVERED_LEVELS))
        .group_by(Unit.level)
    ).all()
    by_level = {level: CoverageLevel(level, total, int(chairs or 0)) for level, total, chairs in rows}
    result = Coverage(levels=[by_level[lvl] for lvl in sorted(by_level, key=LEVELS.get)])
    result.missing = list(db.session.scalars(
        select(Unit)
        .where(Unit.path.startswith(unit.path, autoescape=True), Unit.id != unit.id,
               active_unit_clause(on=on), Unit.level.in_(COVERED_LEVELS), ~has_chair)
        .order_by(Unit.path)
    ))
    return result


def child_alias():
    return aliased(Unit, name="child")


def direct_children(unit: Unit, on=None) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, active_unit_clause(on=on))
        .order_by(Unit.name)
    ))
