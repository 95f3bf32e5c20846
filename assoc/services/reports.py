"""Roll-ups over a unit's sub-tree, computed in SQL with the materialised path.

Each figure is one aggregate query over the scope (the unit alone, or its whole sub-tree), or
one query grouped by the direct sub-unit a row falls under (`u.path LIKE child.path || '%'`).
A dashboard therefore costs a fixed number of queries whatever the size of the tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, literal, or_, select, true, union_all

from ..extensions import db
from ..models import (
    KEY_TITLES,
    LEVELS,
    CountingSheet,
    Donation,
    DuesPayment,
    Event,
    Member,
    Nomination,
    Position,
    RoleAssignment,
    Unit,
    UnitTally,
    Voucher,
    today,
)
from . import tally
from .members import payment_counts

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

    @cached_property
    def everything(self) -> bool:
        """The sub-tree of the only root is every unit: no condition to test (a national
        figure then reads its rows without matching them to 36,000 unit ids)."""
        if not self.subtree or self.unit.parent_id is not None:
            return False
        roots = db.session.scalars(select(Unit.id).where(Unit.parent_id.is_(None)).limit(2))
        return roots.all() == [self.unit.id]

    def covers(self, unit_id_column):
        if not self.subtree:
            return unit_id_column == self.unit.id
        if self.everything:
            return true()
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
# The figures of a scope, read from the monthly roll-ups (services.tally): one query each over
# at most a few hundred rows per unit, whatever the number of members and vouchers below.
# ---------------------------------------------------------------------------------------------


def prepare(unit: Unit) -> bool:
    """Bring the roll-ups of `unit`'s sub-tree up to date; True if some had to be built (they
    are worth committing, so the next reader does not build them again)."""
    return tally.ensure(unit)


def whole_months(period: Period) -> bool:
    return period.start.day == 1 and (period.end + timedelta(days=1)).day == 1


def _months(period: Period):
    """The roll-up rows of the period's months (year rows yyyy00 hold no monthly figures)."""
    if not whole_months(period):
        raise ValueError("roll-ups hold whole months")
    return UnitTally.month.between(tally.month_of(period.start), tally.month_of(period.end))


def _from(month: int):
    """The rows from `month` on, TOTAL rows included: one range of each unit's key, so a
    sub-tree's rows are read unit by unit on the primary key (an OR of month conditions made
    PostgreSQL read the month's rows of the whole nation, then keep the sub-tree's)."""
    return UnitTally.month >= month


def _sum(column, when=None):
    return func.coalesce(func.sum(column if when is None else case((when, column), else_=0)), 0)


def _tally(scope: Scope, *columns, months=None):
    tally.ensure(scope.unit)
    where = [scope.covers(UnitTally.unit_id)]
    if months is not None:
        where.append(months)
    return db.session.execute(select(*columns).where(*where)).one()


@dataclass
class MemberFigures:
    total: int = 0
    new: int = 0
    dues_paid: int = 0

    @property
    def dues_percent(self) -> int:
        return percent(self.dues_paid, self.total)


def member_figures(scope: Scope, period: Period) -> MemberFigures:
    """Active members now (as the member list counts them), those who joined in the period,
    and those who paid dues for the period's last year."""
    year_row = UnitTally.month == period.end.year * 100
    row = _tally(scope, _sum(UnitTally.members, UnitTally.month == tally.TOTAL),
                 _sum(UnitTally.members, _months(period)), _sum(UnitTally.dues_paid, year_row),
                 months=_from(min(tally.month_of(period.start), period.end.year * 100)))
    return MemberFigures(*map(int, row))


@dataclass
class MoneyFigures:
    money_in: int = 0
    money_out: int = 0
    balance: int = 0  # all non-void vouchers up to the end of the period
    by_month: list[tuple[int, int, int]] = field(default_factory=list)  # (month, in, out)


def money_figures(scope: Scope, period: Period) -> MoneyFigures:
    months = _months(period)
    # Balance at the end: everything (the TOTAL rows) less what came after the period.
    net = UnitTally.money_in - UnitTally.money_out
    row = _tally(scope, _sum(UnitTally.money_in, months), _sum(UnitTally.money_out, months),
                 _sum(net, UnitTally.month == tally.TOTAL),
                 _sum(net, and_(UnitTally.month > tally.month_of(period.end),
                                UnitTally.month != tally.TOTAL)),
                 months=_from(tally.month_of(period.start)))
    month = UnitTally.month % 100
    by_month = {int(m): (int(i), int(o)) for m, i, o in db.session.execute(
        select(month, _sum(UnitTally.money_in), _sum(UnitTally.money_out))
        .where(scope.covers(UnitTally.unit_id), months, month != 0).group_by(month))}
    return MoneyFigures(
        int(row[0]), int(row[1]), int(row[2]) - int(row[3]),
        [(m, *by_month.get(m, (0, 0))) for m in range(1, 13)
         if date(period.start.year, m, 1) <= period.end or m in by_month],
    )


@dataclass
class AwardFigures:
    count: int = 0
    amount: int = 0
    paid: int = 0


def award_figures(scope: Scope, period: Period) -> AwardFigures:
    """Awards approved or paid, by the month they were decided."""
    row = _tally(scope, _sum(UnitTally.awards), _sum(UnitTally.award_amount),
                 _sum(UnitTally.award_paid), months=_months(period))
    return AwardFigures(*map(int, row))


@dataclass
class EventFigures:
    held: int = 0
    raised: int = 0      # cash and transfers received
    in_kind: int = 0     # estimated value of gifts in kind
    target: int = 0


def event_figures(scope: Scope, period: Period) -> EventFigures:
    row = _tally(scope, _sum(UnitTally.events), _sum(UnitTally.raised), _sum(UnitTally.in_kind),
                 _sum(UnitTally.event_target), months=_months(period))
    return EventFigures(*map(int, row))


@dataclass
class OfficerFigures:
    officers: int = 0
    posts: int = 0
    vacancies: list[tuple[Unit, list[str]]] = field(default_factory=list)  # the first `limit`
    vacant: int = 0  # units with a vacant key post, all of them


LIST_LIMIT = 100  # units named on a dashboard (vacant posts, no chair); the count is whole


def officer_figures(scope: Scope, on: date | None = None, *,
                    limit: int | None = LIST_LIMIT) -> OfficerFigures:
    """Officers and posts held in the scope, the number of units with a vacant key post and
    the first `limit` of them (by path) with the titles they miss. Counted in SQL: a national
    scope has 36,000 units."""
    on = on or today()
    active_post = and_(Position.start_date <= on,
                       Position.end_date.is_(None) | (Position.end_date >= on))
    officers, posts = db.session.execute(select(
        func.count(func.distinct(Position.officer_id)), func.count(),
    ).where(scope.covers(Position.unit_id), active_post)).one()
    key_post = or_(*(and_(Unit.level == level, Position.title.in_(titles))
                     for level, titles in KEY_TITLES.items()))
    filled = (select(Position.unit_id.label("unit_id"),
                     func.count(func.distinct(Position.title)).label("n"))
              .join(Unit, Unit.id == Position.unit_id)
              .where(scope.covers(Position.unit_id), active_post, key_post)
              .group_by(Position.unit_id).subquery())
    needed = case(*((Unit.level == level, len(titles)) for level, titles in KEY_TITLES.items()),
                  else_=0)
    vacant = (select(Unit).outerjoin(filled, filled.c.unit_id == Unit.id)
              .where(scope.covers(Unit.id), active_on(Unit, on), Unit.level.in_(KEY_TITLES),
                     func.coalesce(filled.c.n, 0) < needed))
    found = db.session.execute(vacant.with_only_columns(Unit.id, Unit.path)).all()
    first = [unit_id for unit_id, _ in sorted(found, key=lambda r: r[1])[:limit]]
    units = db.session.scalars(select(Unit).where(Unit.id.in_(first)).order_by(Unit.path)).all()
    count = len(found)
    held: dict[int, set[str]] = {}
    for unit_id, title in db.session.execute(
            select(Position.unit_id, Position.title).where(
                Position.unit_id.in_([u.id for u in units]), active_post)):
        held.setdefault(unit_id, set()).add(title)
    vacancies = [(u, [t for t in KEY_TITLES[u.level] if t not in held.get(u.id, set())])
                 for u in units]
    return OfficerFigures(int(officers), int(posts), vacancies, int(count or 0))


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
    missing: list[Unit] = field(default_factory=list)  # the first `limit` without a chair

    @property
    def total(self) -> int:
        return sum(level.total for level in self.levels)

    @property
    def with_chair(self) -> int:
        return sum(level.with_chair for level in self.levels)

    @property
    def percent(self) -> int:
        return percent(self.with_chair, self.total)


def chaired_unit_ids(on: date, within: Unit | None = None):
    """Units with a chair: a chair role in the system or a chair/head post among officers
    (in `within`'s sub-tree only, when given: a commune does not read the nation's posts)."""
    roles = select(RoleAssignment.unit_id).where(RoleAssignment.role == "chair",
                                                 active_on(RoleAssignment, on))
    posts = select(Position.unit_id).where(
        Position.title.in_(("chair", "branch_head", "board_head")),
        Position.start_date <= on, Position.end_date.is_(None) | (Position.end_date >= on))
    if within is not None:
        below = select(Unit.id).where(Unit.path.startswith(within.path, autoescape=True))
        roles = roles.where(RoleAssignment.unit_id.in_(below))
        posts = posts.where(Position.unit_id.in_(below))
    return union_all(roles, posts)


def coverage(unit: Unit, on: date | None = None, *, only=None,
             limit: int | None = None) -> Coverage:
    """Share of the active units below `unit` that have a chair, per level, and the ones
    without (two queries; the first `limit` of them, by path; their number is total −
    with_chair). `only` (unit ids) restricts the count to those units below."""
    on = on or today()
    chaired = chaired_unit_ids(on, within=unit).subquery()
    has_chair = Unit.id.in_(select(chaired.c[0]))
    below = and_(Unit.path.startswith(unit.path, autoescape=True), Unit.id != unit.id,
                 active_on(Unit, on), Unit.level.in_(COVERED_LEVELS))
    if only is not None:
        below = and_(below, Unit.id.in_(list(only)))
    rows = db.session.execute(
        select(Unit.level, func.count(), func.sum(case((has_chair, 1), else_=0)))
        .where(below).group_by(Unit.level)).all()
    levels = sorted((CoverageLevel(lvl, n, int(c or 0)) for lvl, n, c in rows),
                    key=lambda c: LEVELS[c.level])
    missing = db.session.scalars(select(Unit).where(below, ~has_chair).order_by(Unit.path)
                                 .limit(limit))
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


def _child_path(parent: Unit):
    """SQL: the path of the direct sub-unit of `parent` that `Unit.path` lies in (the parent's
    own path for the parent itself): "/1/7/42/9/" under "/1/" is "/1/7/"."""
    n = len(parent.path)
    find = func.strpos if db.session.get_bind().dialect.name == "postgresql" else func.instr
    return func.substr(Unit.path, 1, n + find(func.substr(Unit.path, n + 1), "/"))


def _by_child(scope: Scope, unit_column, values, *where, join=None):
    """{direct sub-unit id (or the parent's own id): (values…)}: the records are summed per
    unit first (an integer key), then those sums per sub-unit, grouped on the path prefix of
    the sub-unit they lie in; a national report adds 34 groups, not the 36,000 units of the
    tree in Python. `values` are aggregates whose per-unit results add up (count, sum)."""
    per_unit = select(unit_column.label("unit_id"),
                      *(v.label(f"v{i}") for i, v in enumerate(values)))
    if join is not None:
        per_unit = per_unit.join(*join)
    parent = scope.unit
    per_unit = per_unit.where(scope.covers(unit_column), *where).group_by(
        unit_column).subquery()
    child = _child_path(parent).label("child")
    rows = db.session.execute(
        select(child, *(func.sum(per_unit.c[f"v{i}"]) for i in range(len(values))))
        .select_from(per_unit).join(Unit, Unit.id == per_unit.c.unit_id).group_by(child))
    return {int(path.strip("/").split("/")[-1]): tuple(int(n or 0) for n in numbers)
            for path, *numbers in rows}


def period_report(unit: Unit, period: Period) -> tuple[list[ReportRow], dict[str, int]]:
    children = db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id,
                           Unit.valid_to.is_(None) | (Unit.valid_to >= period.start))
        .order_by(Unit.name)).all()
    rows = {c.id: ReportRow(c) for c in children}
    rows[unit.id] = ReportRow(None)

    def put(result: dict, *names: str) -> None:
        for key, values in result.items():
            row = rows.setdefault(key, ReportRow(db.session.get(Unit, key)))
            for name, value in zip(names, values, strict=True):
                row.values[name] += value

    # Whole months from the roll-ups (and members now, whatever the range); the days of a
    # month the range cuts, straight from the records.
    tally.ensure(unit)
    months, edges = split_months(period)
    in_months = _months(months) if months else false()
    total = UnitTally.month == tally.TOTAL
    scope = Scope(unit)
    put(_by_child(scope, UnitTally.unit_id, (
        _sum(UnitTally.members, total), _sum(UnitTally.members, in_months),
        _sum(UnitTally.dues, in_months), _sum(UnitTally.money_in, in_months),
        _sum(UnitTally.money_out, in_months), _sum(UnitTally.awards, in_months),
        _sum(UnitTally.award_amount, in_months), _sum(UnitTally.events, in_months),
        _sum(UnitTally.raised, in_months)),
        _from(tally.month_of(months.start) if months else tally.TOTAL)), *COLUMNS)
    for edge in edges:
        _put_direct(scope, edge, put)
    ordered = [rows[c.id] for c in children] + [r for k, r in rows.items()
                                                if k != unit.id and k not in
                                                {c.id for c in children}]
    own = rows[unit.id]
    if any(own.values.values()):
        ordered.append(own)
    totals = {name: sum(r.values[name] for r in ordered) for name in COLUMNS}
    return ordered, totals


def split_months(period: Period) -> tuple[Period | None, list[Period]]:
    """The whole months inside `period` (None if there are none) and the days left over at
    either end: 15 Jan – 10 Jun is Feb–May plus 15–31 Jan and 1–10 Jun."""
    first = period.start if period.start.day == 1 else \
        (period.start.replace(day=1) + timedelta(days=32)).replace(day=1)
    after = period.end + timedelta(days=1)
    last = period.end if after.day == 1 else period.end.replace(day=1) - timedelta(days=1)
    if first > last:
        return None, [period]
    edges = []
    if period.start < first:
        edges.append(Period(period.start, first - timedelta(days=1)))
    if last < period.end:
        edges.append(Period(last + timedelta(days=1), period.end))
    return Period(first, last), edges


def _put_direct(scope: Scope, period: Period, put) -> None:
    """The period report's dated figures straight from the records (for days the roll-ups'
    whole months do not cover); a few days' records, found through the date indexes."""

    def dated(unit_column, values, *where):
        return _by_child(scope, unit_column, values, *where)

    put(dated(Member.unit_id, (func.count(),), Member.status == "active",
                  Member.joined_on.between(period.start, period.end)), "new_members")
    put(dated(DuesPayment.unit_id, (func.sum(DuesPayment.amount),),
                  DuesPayment.paid_on.between(period.start, period.end), payment_counts()),
        "dues")
    put(dated(Voucher.unit_id, (
        func.sum(case((Voucher.kind == "receipt", Voucher.amount), else_=0)),
        func.sum(case((Voucher.kind == "payment", Voucher.amount), else_=0)),
    ), Voucher.status == "valid", Voucher.voucher_date.between(period.start, period.end)),
        "money_in", "money_out")
    put(dated(Nomination.unit_id, (func.count(), func.sum(Nomination.amount)),
                  Nomination.status.in_(AWARDED),
                  within(Nomination.decided_at, period)),
        "awards", "award_amount")
    put(dated(Event.unit_id, (func.count(),), Event.status.in_(HELD),
                  within(Event.starts_at, period)), "events")
    # Raised at events: at the event's unit and date, as the roll-ups count it.
    at_event = and_(Event.status.in_(tally.RAISED_AT), within(Event.starts_at, period))
    put(_by_child(scope, Event.unit_id, (func.sum(Donation.amount),),
                  at_event, Donation.method != "in_kind",
                  join=(Donation, Donation.event_id == Event.id)), "raised")
    put(_by_child(scope, Event.unit_id, (func.sum(CountingSheet.total),),
                  at_event, join=(CountingSheet, CountingSheet.event_id == Event.id)), "raised")


