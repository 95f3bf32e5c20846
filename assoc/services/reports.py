"""Roll-ups over a unit's sub-tree, computed in SQL with the materialised path.

Each figure is one aggregate query over the scope (the unit alone, or its whole sub-tree), or
one query grouped by the direct sub-unit a row falls under (`u.path LIKE child.path || '%'`).
A dashboard therefore costs a fixed number of queries whatever the size of the tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, extract, func, literal, select, union_all

from ..extensions import db
from ..models import (
    KEY_TITLES,
    LEVELS,
    Donation,
    DuesPayment,
    Event,
    Member,
    Nomination,
    Position,
    RoleAssignment,
    Unit,
    Voucher,
    today,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Units that are expected to have their own association and chair.
COVERED_LEVELS = ("district", "commune", "branch", "board")
AWARDED = ("approved", "paid")
HELD = ("held", "closed")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))


@dataclass(frozen=True)
class Scope:
    """The unit alone or its whole sub-tree, as a reusable SQL condition on a unit id column."""

    unit: Unit
    subtree: bool = True

    def ids(self):
        if not self.subtree:
            return select(literal(self.unit.id))
        return select(Unit.id).where(Unit.path.startswith(self.unit.path, autoescape=True))

    def covers(self, unit_id_column):
        if not self.subtree:
            return unit_id_column == self.unit.id
        return unit_id_column.in_(self.ids())


def active_on(table, on: date, start="valid_from", end="valid_to"):
    return and_(getattr(table, start) <= on,
                getattr(table, end).is_(None) | (getattr(table, end) >= on))


def utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's Vietnamese calendar days as a UTC [start, end) range, for timestamps."""
    start = datetime.combine(period.start, time(), VN).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(), VN).astimezone(UTC)
    return start, end


def within(column, period: Period):
    start, end = utc_bounds(period)
    return and_(column >= start, column < end)


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded half up, in integers."""
    return (part * 200 + whole) // (whole * 2) if whole else 0


# ---------------------------------------------------------------------------------------------
# The figures of a scope (one query each)
# ---------------------------------------------------------------------------------------------


def _current_member():
    # The same rule as the member list's "active" filter, so the figures match the list.
    return Member.status == "active"


def _dues_counted():
    """A dues payment counts unless its receipt was voided (as in the member list)."""
    return ~exists().where(Voucher.id == DuesPayment.voucher_id, Voucher.status == "void")


@dataclass
class MemberFigures:
    total: int = 0
    new: int = 0
    dues_paid: int = 0

    @property
    def dues_percent(self) -> int:
        return percent(self.dues_paid, self.total)


def member_figures(scope: Scope, period: Period) -> MemberFigures:
    paid = exists().where(DuesPayment.member_id == Member.id,
                          DuesPayment.year == period.end.year, _dues_counted())
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case(
                (Member.joined_on.between(period.start, period.end), 1), else_=0)), 0),
            func.coalesce(func.sum(case((paid, 1), else_=0)), 0),
        ).where(scope.covers(Member.unit_id), _current_member())
    ).one()
    return MemberFigures(*map(int, row))


@dataclass
class MoneyFigures:
    money_in: int = 0
    money_out: int = 0
    balance: int = 0  # all non-void vouchers up to the end of the period
    by_month: list[tuple[int, int, int]] = field(default_factory=list)  # (month, in, out)


def _signed_amount():
    return case((Voucher.kind == "receipt", Voucher.amount), else_=-Voucher.amount)


def money_figures(scope: Scope, period: Period) -> MoneyFigures:
    valid = and_(scope.covers(Voucher.unit_id), Voucher.status == "valid")
    in_period = Voucher.voucher_date.between(period.start, period.end)
    row = db.session.execute(select(
        func.coalesce(func.sum(case((and_(in_period, Voucher.kind == "receipt"),
                                     Voucher.amount), else_=0)), 0),
        func.coalesce(func.sum(case((and_(in_period, Voucher.kind == "payment"),
                                     Voucher.amount), else_=0)), 0),
        func.coalesce(func.sum(_signed_amount()), 0),
    ).where(valid, Voucher.voucher_date <= period.end)).one()
    month = extract("month", Voucher.voucher_date)
    months = db.session.execute(
        select(month,
               func.coalesce(func.sum(case((Voucher.kind == "receipt", Voucher.amount),
                                           else_=0)), 0),
               func.coalesce(func.sum(case((Voucher.kind == "payment", Voucher.amount),
                                           else_=0)), 0))
        .where(valid, in_period).group_by(month)
    ).all()
    by_month = {int(m): (int(i), int(o)) for m, i, o in months}
    return MoneyFigures(
        int(row[0]), int(row[1]), int(row[2]),
        [(m, *by_month.get(m, (0, 0))) for m in range(1, 13)
         if date(period.start.year, m, 1) <= period.end or m in by_month],
    )


@dataclass
class AwardFigures:
    count: int = 0
    amount: int = 0
    paid: int = 0


def award_figures(scope: Scope, period: Period) -> AwardFigures:
    decided_in = within(Nomination.decided_at, period)
    row = db.session.execute(select(
        func.count(),
        func.coalesce(func.sum(Nomination.amount), 0),
        func.coalesce(func.sum(case((Nomination.status == "paid", Nomination.amount),
                                    else_=0)), 0),
    ).where(scope.covers(Nomination.unit_id), Nomination.status.in_(AWARDED),
            Nomination.decided_at.is_not(None), decided_in)).one()
    return AwardFigures(*map(int, row))


@dataclass
class EventFigures:
    held: int = 0
    raised: int = 0      # cash and transfers received
    in_kind: int = 0     # estimated value of gifts in kind
    target: int = 0


def event_figures(scope: Scope, period: Period) -> EventFigures:
    held, target = db.session.execute(select(
        func.count(), func.coalesce(func.sum(Event.target_amount), 0),
    ).where(scope.covers(Event.unit_id), Event.status.in_(HELD),
            within(Event.starts_at, period))).one()
    raised, in_kind = db.session.execute(select(
        func.coalesce(func.sum(case((Donation.method != "in_kind", Donation.amount),
                                    else_=0)), 0),
        func.coalesce(func.sum(case((Donation.method == "in_kind", Donation.estimated_value),
                                    else_=0)), 0),
    ).where(scope.covers(Donation.unit_id), Donation.received_on.between(period.start,
                                                                          period.end))).one()
    return EventFigures(int(held), int(raised), int(in_kind), int(target))


@dataclass
class OfficerFigures:
    officers: int = 0
    posts: int = 0
    vacancies: list[tuple[Unit, list[str]]] = field(default_factory=list)


def officer_figures(scope: Scope, on: date | None = None) -> OfficerFigures:
    on = on or today()
    active_post = and_(Position.start_date <= on,
                       Position.end_date.is_(None) | (Position.end_date >= on))
    officers, posts = db.session.execute(select(
        func.count(func.distinct(Position.officer_id)), func.count(),
    ).where(scope.covers(Position.unit_id), active_post)).one()
    units = db.session.scalars(
        select(Unit).where(scope.covers(Unit.id), active_on(Unit, on),
                           Unit.level.in_(KEY_TITLES)).order_by(Unit.path)).all()
    filled: dict[int, set[str]] = {}
    for unit_id, title in db.session.execute(
            select(Position.unit_id, Position.title).where(
                scope.covers(Position.unit_id), active_post)):
        filled.setdefault(unit_id, set()).add(title)
    vacancies = [(u, [t for t in KEY_TITLES[u.level] if t not in filled.get(u.id, set())])
                 for u in units]
    return OfficerFigures(int(officers), int(posts), [(u, m) for u, m in vacancies if m])


# ---------------------------------------------------------------------------------------------
# Coverage: sub-units with an active association and a chair
# ---------------------------------------------------------------------------------------------


@dataclass
class CoverageLevel:
    level: str
    total: int = 0
    with_chair: int = 0

    @property
    def percent(self) -> int:
        return percent(self.with_chair, self.total)


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

    @property
    def percent(self) -> int:
        return percent(self.with_chair, self.total)


def chaired_unit_ids(on: date):
    """Units with a chair: a chair role in the system or a chair/head post among officers."""
    roles = select(RoleAssignment.unit_id).where(RoleAssignment.role == "chair",
                                                 active_on(RoleAssignment, on))
    posts = select(Position.unit_id).where(
        Position.title.in_(("chair", "branch_head", "board_head")),
        Position.start_date <= on, Position.end_date.is_(None) | (Position.end_date >= on))
    return union_all(roles, posts)


def coverage(unit: Unit, on: date | None = None) -> Coverage:
    """Share of the active units below `unit` that have a chair, per level, and the ones
    without (two queries)."""
    on = on or today()
    chaired = chaired_unit_ids(on).subquery()
    has_chair = Unit.id.in_(select(chaired.c[0]))
    below = and_(Unit.path.startswith(unit.path, autoescape=True), Unit.id != unit.id,
                 active_on(Unit, on), Unit.level.in_(COVERED_LEVELS))
    rows = db.session.execute(
        select(Unit.level, func.count(), func.sum(case((has_chair, 1), else_=0)))
        .where(below).group_by(Unit.level)).all()
    levels = sorted((CoverageLevel(lvl, n, int(c or 0)) for lvl, n, c in rows),
                    key=lambda c: LEVELS[c.level])
    missing = db.session.scalars(select(Unit).where(below, ~has_chair).order_by(Unit.path))
    return Coverage(levels, list(missing))


# ---------------------------------------------------------------------------------------------
# The period report: one row per direct sub-unit (rolled up over its sub-tree) and totals
# ---------------------------------------------------------------------------------------------

COLUMNS = ("members", "new_members", "dues", "money_in", "money_out", "awards",
           "award_amount", "events", "raised")


@dataclass
class ReportRow:
    unit: Unit | None  # None for the unit's own records (not in any sub-unit)
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))


def _by_child(parent: Unit, child_of: dict[int, int], unit_column, values, *where):
    """{direct sub-unit id (or the parent's own id): (values…)}.

    One query groups the rows by their unit over the parent's sub-tree; the (few hundred) unit
    groups are then added up under the direct sub-unit whose path they lie in."""
    rows = db.session.execute(
        select(unit_column, *values)
        .where(unit_column.in_(select(Unit.id).where(
            Unit.path.startswith(parent.path, autoescape=True))), *where)
        .group_by(unit_column))
    result: dict[int, list[int]] = {}
    for unit_id, *numbers in rows:
        key = child_of.get(unit_id, parent.id)
        sums = result.setdefault(key, [0] * len(numbers))
        for i, number in enumerate(numbers):
            sums[i] += int(number or 0)
    return {key: tuple(sums) for key, sums in result.items()}


def _child_map(parent: Unit) -> dict[int, int]:
    """{unit id: id of the direct sub-unit of `parent` it lies under}, read from the paths."""
    depth = len(parent.ancestor_ids)
    return {unit_id: int(path.strip("/").split("/")[depth])
            for unit_id, path in db.session.execute(
                select(Unit.id, Unit.path).where(
                    Unit.path.startswith(parent.path, autoescape=True), Unit.id != parent.id))}


def period_report(unit: Unit, period: Period) -> tuple[list[ReportRow], dict[str, int]]:
    children = db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id,
                           Unit.valid_to.is_(None) | (Unit.valid_to >= period.start))
        .order_by(Unit.name)).all()
    rows = {c.id: ReportRow(c) for c in children}
    rows[unit.id] = ReportRow(None)
    child_of = _child_map(unit)

    def put(result: dict, *names: str) -> None:
        for key, values in result.items():
            row = rows.setdefault(key, ReportRow(db.session.get(Unit, key)))
            for name, value in zip(names, values, strict=True):
                row.values[name] = value

    put(_by_child(unit, child_of, Member.unit_id, (
        func.count(),
        func.sum(case((Member.joined_on.between(period.start, period.end), 1), else_=0)),
    ), _current_member()), "members", "new_members")
    put(_by_child(unit, child_of, DuesPayment.unit_id, (func.sum(DuesPayment.amount),),
                  DuesPayment.paid_on.between(period.start, period.end), _dues_counted()),
        "dues")
    put(_by_child(unit, child_of, Voucher.unit_id, (
        func.sum(case((Voucher.kind == "receipt", Voucher.amount), else_=0)),
        func.sum(case((Voucher.kind == "payment", Voucher.amount), else_=0)),
    ), Voucher.status == "valid", Voucher.voucher_date.between(period.start, period.end)),
        "money_in", "money_out")
    put(_by_child(unit, child_of, Nomination.unit_id, (func.count(), func.sum(Nomination.amount)),
                  Nomination.status.in_(AWARDED),
                  within(Nomination.decided_at, period)),
        "awards", "award_amount")
    put(_by_child(unit, child_of, Event.unit_id, (func.count(),), Event.status.in_(HELD),
                  within(Event.starts_at, period)), "events")
    put(_by_child(unit, child_of, Donation.unit_id, (func.sum(Donation.amount),),
                  Donation.method != "in_kind",
                  Donation.received_on.between(period.start, period.end)), "raised")

    ordered = [rows[c.id] for c in children] + [r for k, r in rows.items()
                                                if k != unit.id and k not in
                                                {c.id for c in children}]
    own = rows[unit.id]
    if any(own.values.values()):
        ordered.append(own)
    totals = {name: sum(r.values[name] for r in ordered) for name in COLUMNS}
    return ordered, totals


