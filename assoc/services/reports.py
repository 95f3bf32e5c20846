"""Roll-ups over a unit's sub-tree, computed in SQL with the materialised path.

Each figure is one aggregate query over the scope (the unit alone, or its whole sub-tree), or
one query grouped by the direct sub-unit a row falls under (`u.path LIKE child.path || '%'`).
A dashboard therefore costs a fixed number of queries whatever the size of the tree."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, event, exists, false, func, literal, or_, select, true, union_all
from sqlalchemy.orm import Session, aliased

from .. import postsversion
from ..extensions import db
from ..models import (
    KEY_TITLES,
    LEVELS,
    CountingSheet,
    Donation,
    DuesPayment,
    Event,
    Member,
    MemberTransfer,
    Nomination,
    Position,
    ReorgPlan,
    RoleAssignment,
    SubtreeTally,
    TalliedUnit,
    Unit,
    UnitChange,
    UnitTally,
    Voucher,
    today,
)
from . import tally

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
    """The unit alone or its whole sub-tree, as a reusable SQL condition on a unit id column.

    With `on`, the sub-tree is the one the unit had that day (see `Tree`): a district dissolved
    since still covers the wards it had, a ward merged since covers itself only. The figure
    functions below read every scope on the last day of their period, and cut a period at
    each effective date inside it (each piece read with the tree of its days)."""

    unit: Unit
    subtree: bool = True
    on: date | None = None

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
        if self.everything:  # the only root: every unit, then and now
            return true()
        condition = unit_id_column.in_(self.ids())
        below = self.below
        if below is None or not below.historic:
            return condition
        if below.removed:
            condition = and_(condition, unit_id_column.not_in(below.removed))
        if below.extra:
            condition = or_(condition, unit_id_column.in_(below.extra))
        return condition

    @cached_property
    def below(self) -> Below | None:
        """The sub-tree on `on` when it differs from today's (None when nothing moved since:
        the path condition alone is right, and nothing is read)."""
        if self.on is None or not self.subtree:
            return None
        tree = Tree(self.on)
        return tree.below(self.unit) if tree.moved else None

    @property
    def levels(self) -> int | None:
        """The unit whose per-level roll-ups (SubtreeTally) hold exactly this scope's records:
        its sub-tree as it is today, when no unit has moved since the day it is read on (None:
        sum the unit rows of the units it covers)."""
        return self.unit.id if self.subtree and self.below is None else None

    def at(self, day: date) -> Scope:
        """The same scope read on `day` (kept if it already names its day)."""
        return self if self.on is not None else replace(self, on=day)

    def keys(self, tree: Tree) -> Keys:
        """The scope in `tree` as keys for the dated figures: 0 for every unit it covers."""
        unit_id = self.unit.id
        if not self.subtree:
            return Keys(lambda u: 0 if u == unit_id else None, lambda c: c == unit_id)
        below = tree.below(self.unit)
        return Keys(lambda u: 0 if below.contains(u) else None, below.condition, below.extra)


# ---------------------------------------------------------------------------------------------
# History: the tree as it stood on a day. A reorganisation records, for every unit it changed,
# the unit's parent, name and code just before (UnitChange); the earliest change after a day
# therefore holds the unit as it was that day. Records never move (a voucher keeps the unit
# that issued it), so reading them against the tree of their day puts them where they were;
# members do move, and their transfers (MemberTransfer) say where each one was.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Was:
    parent_id: int | None
    name: str
    code: str


class Below:
    """A unit's sub-tree on a day: {unit id: the direct sub-unit it lay under} (the unit
    itself not included), and how that differs from the sub-tree now.

    Without `child_of` the sub-tree is today's (not `historic`): the map is read from the
    paths only when asked for; `learn` reads just the units a query found, so a report that
    reads the sub-units' per-level rows never loads the 36,000 units of the nation."""

    def __init__(self, unit: Unit, child_of: dict[int, int] | None = None,
                 historic: bool = False, extra: tuple[int, ...] = (),
                 removed: tuple[int, ...] = ()):
        self.unit, self.historic = unit, historic
        self.extra = extra      # below the unit then, elsewhere now
        self.removed = removed  # below the unit now, not then
        self._child_of = child_of
        self._known: dict[int, int | None] = {}

    @property
    def child_of(self) -> dict[int, int]:
        if self._child_of is None:
            depth = len(self.unit.ancestor_ids)
            self._child_of = {
                unit_id: int(path.strip("/").split("/")[depth])
                for unit_id, path in db.session.execute(select(Unit.id, Unit.path).where(
                    Unit.path.startswith(self.unit.path, autoescape=True),
                    Unit.id != self.unit.id))}
        return self._child_of

    def learn(self, unit_ids) -> None:
        """Read the direct sub-unit of these units (today's tree) from their paths."""
        if self._child_of is not None:
            return
        depth = len(self.unit.ancestor_ids)
        wanted = sorted(set(unit_ids) - set(self._known) - {self.unit.id})
        if len(wanted) > 500:  # many units (records found by date): the whole map at once
            self.child_of  # noqa: B018 - reads it
            return
        for start in range(0, len(wanted), 500):
            for unit_id, path in db.session.execute(select(Unit.id, Unit.path).where(
                    Unit.id.in_(wanted[start:start + 500]))):
                self._known[unit_id] = int(path.strip("/").split("/")[depth]) \
                    if path.startswith(self.unit.path) else None
        for unit_id in wanted:
            self._known.setdefault(unit_id, None)  # no such unit

    def key(self, unit_id: int) -> int | None:
        """The row a unit's records go to: the unit's own, a direct sub-unit's, or none."""
        if unit_id == self.unit.id:
            return unit_id
        if self._child_of is None and unit_id in self._known:
            return self._known[unit_id]
        return self.child_of.get(unit_id)  # a unit not learnt: the whole map, read once

    def contains(self, unit_id: int) -> bool:
        return self.key(unit_id) is not None

    def condition(self, unit_id_column):
        """SQL that keeps (at least) the sub-tree's units; `key` drops the rest."""
        now = unit_id_column.in_(select(Unit.id).where(
            Unit.path.startswith(self.unit.path, autoescape=True)))
        return or_(now, unit_id_column.in_(self.extra)) if self.extra else now


LATEST = "reorg_latest_change"


def latest_change() -> date | None:
    """The last day an applied plan took effect (read once a transaction): reports for days
    from then on read the tree as it is, without looking further."""
    info = db.session.info
    if LATEST not in info:
        info[LATEST] = db.session.scalar(
            select(func.max(UnitChange.effective))
            .join(ReorgPlan, ReorgPlan.id == UnitChange.plan_id)
            .where(ReorgPlan.status == "applied"))
    return info[LATEST]


@event.listens_for(Session, "after_flush")
def _plans_written(session: Session, flush_context) -> None:
    if any(isinstance(obj, (ReorgPlan, UnitChange))
           for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(LATEST, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_latest(session: Session) -> None:
    session.info.pop(LATEST, None)  # another transaction may have applied a plan since


class Tree:
    """The unit tree as it stood on `on` (None: as it is now), from the applied plans' records
    of what they changed after that day."""

    def __init__(self, on: date | None):
        self.on = on
        self.was: dict[int, Was] = {}
        latest = latest_change() if on is not None else None
        if latest is not None and latest > on:
            for unit_id, parent_id, name, code_ in db.session.execute(
                    select(UnitChange.unit_id, UnitChange.old_parent_id, UnitChange.old_name,
                           UnitChange.old_code)
                    .join(ReorgPlan, ReorgPlan.id == UnitChange.plan_id)
                    .where(ReorgPlan.status == "applied", UnitChange.effective > on)
                    .order_by(UnitChange.effective, UnitChange.id)):
                self.was.setdefault(unit_id, Was(parent_id, name, code_))
        self._moved: dict[int, tuple[int | None, str]] | None = None
        self._below: dict[int, Below] = {}

    def name(self, unit: Unit) -> str:
        was = self.was.get(unit.id)
        return was.name if was and was.name else unit.name

    def code(self, unit: Unit) -> str:
        was = self.was.get(unit.id)
        return was.code if was and was.code else unit.code

    @property
    def moved(self) -> dict[int, tuple[int | None, str]]:
        """{unit id: (parent then, path now)} of the units whose parent has changed since."""
        if self._moved is None:
            self._moved = {}
            if self.was:
                for unit_id, parent_id, path in db.session.execute(
                        select(Unit.id, Unit.parent_id, Unit.path)
                        .where(Unit.id.in_(list(self.was)))):
                    if self.was[unit_id].parent_id != parent_id:
                        self._moved[unit_id] = (self.was[unit_id].parent_id, path)
        return self._moved

    def below(self, unit: Unit) -> Below:
        if unit.id not in self._below:
            self._below[unit.id] = self._read_below(unit)
        return self._below[unit.id]

    def _read_below(self, unit: Unit) -> Below:
        if not self.moved:
            return Below(unit)  # today's tree: read from the paths when needed
        # The units that may have been below `unit` then: those below it now and those below
        # a moved unit; each one's chain of parents then decides.
        roots: list[str] = []
        for path in sorted({unit.path, *(path for _, path in self.moved.values())}):
            if not any(path.startswith(r) for r in roots[-1:]):  # sorted: parents first
                roots.append(path)
        parent: dict[int, int | None] = {}
        now: set[int] = set()
        for unit_id, parent_id, path in db.session.execute(
                select(Unit.id, Unit.parent_id, Unit.path).where(
                    or_(*(Unit.path.startswith(r, autoescape=True) for r in roots)))):
            parent[unit_id] = parent_id
            if path.startswith(unit.path):
                now.add(unit_id)
        for unit_id, (parent_then, _) in self.moved.items():
            if unit_id in parent:
                parent[unit_id] = parent_then
        child_of: dict[int, int | None] = {unit.id: None}

        def child(unit_id: int) -> int | None:
            chain = []
            while unit_id not in child_of:
                chain.append(unit_id)
                up = parent.get(unit_id)
                if up is None:  # a root, or outside the units read: not below `unit`
                    found = None
                    break
                if up == unit.id:
                    child_of[unit_id] = unit_id
                    chain.pop()
                    found = unit_id
                    break
                unit_id = up
            else:
                found = child_of[unit_id]
            for u in chain:
                child_of[u] = found
            return found

        for unit_id in parent:
            if unit_id != unit.id:
                child(unit_id)
        kept = {u: c for u, c in child_of.items() if c is not None and u != unit.id}
        return Below(unit, kept, historic=True,
                     extra=tuple(sorted(set(kept) - now)),
                     removed=tuple(sorted(now - set(kept) - {unit.id})))


def change_days(period: Period) -> list[date]:
    """The days inside the period (after its first) on which an applied plan took effect."""
    latest = latest_change()
    if latest is None or latest <= period.start:
        return []
    return sorted(db.session.scalars(
        select(UnitChange.effective).distinct()
        .join(ReorgPlan, ReorgPlan.id == UnitChange.plan_id)
        .where(ReorgPlan.status == "applied", UnitChange.effective > period.start,
               UnitChange.effective <= period.end)))


def pieces(period: Period) -> list[tuple[Period, Tree]]:
    """The period cut at each day a plan took effect, each piece with the tree it had."""
    starts = [period.start, *change_days(period)]
    ends = [d - timedelta(days=1) for d in starts[1:]] + [period.end]
    return [(Period(a, b), Tree(b)) for a, b in zip(starts, ends, strict=True)]


def member_shift(on: date, key, *where) -> dict[int, int]:
    """Active members whose unit has changed since `on` (a merger or a transfer moved them),
    counted back where they were: {key: +n for the unit then, −n for the unit now}, where
    `key(unit id)` names the row a unit counts in (None: not counted). `where` narrows the
    members (joined in a period…)."""
    later = aliased(MemberTransfer)
    first = ~exists().where(later.member_id == MemberTransfer.member_id, later.on > on,
                            or_(later.on < MemberTransfer.on,
                                and_(later.on == MemberTransfer.on,
                                     later.id < MemberTransfer.id)))
    shift: dict[int, int] = {}
    moves = db.session.execute(
        select(Member.unit_id, MemberTransfer.from_unit_id, func.count())
        .join(Member, Member.id == MemberTransfer.member_id)
        .where(MemberTransfer.on > on, first, Member.status == "active", *where)
        .group_by(Member.unit_id, MemberTransfer.from_unit_id)).all()
    below = getattr(key, "__self__", None)
    if isinstance(below, Below):  # read the units' places in one go
        below.learn({u for now, then, _ in moves for u in (now, then) if u is not None})
    for now, then, n in moves:
        for unit_id, sign in ((then, 1), (now, -1)):
            k = key(unit_id)
            if k is not None:
                shift[k] = shift.get(k, 0) + sign * int(n)
    return {k: v for k, v in shift.items() if v}


def _scope_key(scope: Scope):
    """`key` for member_shift: 0 for the units the scope covers (read from the database)."""
    def key(unit_id: int) -> int | None:
        if unit_id not in known:
            known[unit_id] = db.session.scalar(
                select(func.count()).where(Unit.id == unit_id, scope.covers(Unit.id))) > 0
        return 0 if known[unit_id] else None

    known: dict[int, bool] = {}
    return key


@dataclass
class Keys:
    """Where a unit's records count: `key(unit id)` names the row (None: not counted);
    `condition(unit id column)` is SQL that keeps at least the counted units."""

    key: Callable[[int], int | None]
    condition: Callable
    extra: tuple[int, ...] = ()  # units whose roll-ups may lie outside the scope's sub-tree


# The dated figures, each from its roll-up column (`members` of a month: those who joined).
FLOW_TALLY = {"new_members": "members", "dues": "dues", "money_in": "money_in",
              "money_out": "money_out", "awards": "awards", "award_amount": "award_amount",
              "award_paid": "award_paid", "events": "events", "event_target": "event_target",
              "raised": "raised", "in_kind": "in_kind", "moved_in": "moved_in",
              "moved_out": "moved_out"}


def _flows(parts: list[tuple[Period, Tree]], keys_of, *, by_month: bool = False,
           members_now: bool = False) -> dict:
    """{key: {figure: value}} of the dated figures of the pieces of a period, each piece
    counted with the tree of its days (`keys_of(tree)` → Keys): whole months from the
    roll-ups, the days of a month a piece cuts straight from the records, and members who
    joined in a piece counted where they were at its end. With `by_month`, money in and out
    also by month of the year, under ("in", month) and ("out", month). With `members_now`,
    the members now (in the tree of the last piece, as they are today) under "members"."""
    result: dict = {}

    def put(found: dict, *names) -> None:
        for key, values in found.items():
            figures = result.setdefault(key, {})
            for name, value in zip(names, values, strict=True):
                figures[name] = figures.get(name, 0) + int(value or 0)

    for n, (part, tree) in enumerate(parts, start=1):
        keys = keys_of(tree)
        if keys.extra:
            _ensure_ids(keys.extra)
        months, edges = split_months(part)
        if members_now and n == len(parts):  # one query: this piece's months and the members
            # (Per level, only the rows summed are read: each sub-tree with rows has a TOTAL.)
            put(_rolled_up(keys, lambda t, m=months: (
                _sum(t.members, t.month == tally.TOTAL), *(
                    _sum(getattr(t, c), _months(m, t) if m else false())
                    for c in FLOW_TALLY.values())),
                # One key range from the period's first month to TOTAL (the sums above pick
                # their rows; years' rows add nothing): the unit's rows by day, above TOTAL,
                # are not read, where "TOTAL or these months" read them all.
                levels_where=lambda t, m=months: t.month.between(
                    tally.month_of(m.start) if m else tally.TOTAL, tally.TOTAL)),
                "members", *FLOW_TALLY)
        elif months:
            put(_rolled_up(keys, lambda t: tuple(_sum(getattr(t, c))
                                                 for c in FLOW_TALLY.values()),
                           lambda t, m=months: _months(m, t)), *FLOW_TALLY)
        if months and by_month:
            for unit_id, month, money_in, money_out in _rolled_up(
                    keys, lambda t: (_sum(t.money_in), _sum(t.money_out)),
                    lambda t, m=months: _months(m, t), by_month=True):
                key = keys.key(unit_id)
                if key is not None and month % 100:
                    put({key: (money_in, money_out)}, ("in", month % 100), ("out", month % 100))
        # Both cut ends of a piece (15–31 Jan and 1–10 Jun) in one reading, unless money is
        # wanted by month too.
        for cut in ([[edge] for edge in edges] if by_month else [edges] if edges else []):
            found = _direct(keys, cut)
            for names, values in found:
                put(values, *names)
            if by_month:
                for names, values in found:
                    if names == ("money_in", "money_out"):
                        put(values, ("in", cut[0].start.month), ("out", cut[0].start.month))
        if part.end < today():
            put({k: (n,) for k, n in member_shift(part.end, keys.key, Member.joined_on.between(
                part.start, part.end)).items()}, "new_members")
    return result


def _rolled_up(keys, values, where=None, *, by_month: bool = False, levels_where=None):
    """The roll-ups of `keys`' units grouped by unit (and month): {key: (values…)}, or with
    `by_month` the rows (unit id, month, values…). `values(table)` and `where(table)` name
    the columns of the roll-up table read.

    A sub-tree as it is today (a Below not `historic`) reads the per-level rows of its direct
    sub-units and the unit rows of the unit itself: each sub-unit's row holds exactly the sum
    of the unit rows below it (`levels_where` may narrow what it reads to the rows `values`
    sum, leaving the keys found the same). Otherwise every unit row of the units `keys`
    covers."""
    if USE_LEVELS and isinstance(keys, Below) and not keys.historic:
        def part(table, condition):
            columns = (table.unit_id, table.month) if by_month else (table.unit_id,)
            query = select(*columns, *values(table)).where(condition)
            for narrow in (where, levels_where):
                if narrow is not None:
                    query = query.where(narrow(table))
            return query.group_by(*columns)

        children = select(Unit.id).where(Unit.parent_id == keys.unit.id)
        query = union_all(part(SubtreeTally, SubtreeTally.unit_id.in_(children)),
                          part(UnitTally, UnitTally.unit_id == keys.unit.id))
        if by_month:
            return sorted(db.session.execute(query).all())
        return dict(sorted(_by_child(None, keys, None, None, query=query).items()))
    if by_month:
        return db.session.execute(
            select(UnitTally.unit_id, UnitTally.month, *values(UnitTally))
            .where(keys.condition(UnitTally.unit_id), where(UnitTally))
            .group_by(UnitTally.unit_id, UnitTally.month)).all()
    return _by_child(None, keys, UnitTally.unit_id, values(UnitTally),
                     *(() if where is None else (where(UnitTally),)))


def _scope_flows(scope: Scope, period: Period) -> dict | None:
    """The scope's dated figures when a plan took effect inside the period (each piece of the
    period read with the tree of its days); None otherwise, when one aggregate query over the
    scope of the period's last day gives each figure."""
    parts = pieces(period)
    if len(parts) == 1:
        return None
    return _flows(parts, scope.keys, by_month=True).get(0, {})


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
    """Bring the roll-ups of `unit`'s sub-tree up to date for this transaction; True if some
    had to be built (a read does not commit them: services.tally.ensure)."""
    return tally.ensure(unit)


def whole_months(period: Period) -> bool:
    return period.start.day == 1 and (period.end + timedelta(days=1)).day == 1


def _months(period: Period, table=UnitTally):
    """The roll-up rows of the period's months (year rows yyyy00 hold no monthly figures)."""
    if not whole_months(period):
        raise ValueError("roll-ups hold whole months")
    return table.month.between(tally.month_of(period.start), tally.month_of(period.end))


def _sum(column, when=None):
    return func.coalesce(func.sum(column if when is None else case((when, column), else_=0)), 0)


def _ready(scope: Scope) -> None:
    """The roll-ups the scope reads are current (a past tree may reach outside its sub-tree)."""
    tally.ensure(scope.unit)
    if scope.below is not None and scope.below.extra:
        _ensure_ids(scope.below.extra)


# Read the per-level rows (SubtreeTally) where they hold exactly the figures asked for; off
# (tests), every figure is summed from the unit rows as before.
USE_LEVELS = True


def _source(scope: Scope):
    """(roll-up table, condition) that a scope's figures are summed from: the unit's own
    sub-tree rows when the scope is its sub-tree as it is today (no unit has moved since the
    day the scope is read on: `below` is None), else the unit rows of the units it covers."""
    _ready(scope)
    if USE_LEVELS and scope.levels is not None:
        return SubtreeTally, SubtreeTally.unit_id == scope.levels
    return UnitTally, scope.covers(UnitTally.unit_id)


def _tally(scope: Scope, columns, months: Period | None = None):
    """One row of `columns(table)` over the scope's roll-ups (of the period's months)."""
    table, where = _source(scope)
    query = select(*columns(table)).where(where)
    if months is not None:
        query = query.where(_months(months, table))
    return db.session.execute(query).one()


@dataclass
class MemberFigures:
    total: int = 0
    new: int = 0
    dues_paid: int = 0
    dues: int = 0  # dues collected in the period

    @property
    def dues_percent(self) -> int:
        return percent(self.dues_paid, self.total)


def member_figures(scope: Scope, period: Period) -> MemberFigures:
    """Active members now (as the member list counts them), those who joined in the period,
    and those who paid dues for the period's last year — each counted at the unit they
    belonged to at the end of the period (a merger or a transfer since does not move them)."""
    scope = scope.at(period.end)
    # Members now: each unit's TOTAL roll-up row (not every month's since the beginning).
    row = _tally(scope, lambda t: (
        _sum(t.members, t.month == tally.TOTAL), _sum(t.members, _months(period, t)),
        _sum(t.dues_paid, t.month == period.end.year * 100), _sum(t.dues, _months(period, t))))
    figures = MemberFigures(*map(int, row))
    flows = _scope_flows(scope, period)
    if flows is not None:
        figures.new, figures.dues = flows.get("new_members", 0), flows.get("dues", 0)
    if period.end < today():
        key = _scope_key(scope)
        figures.total += member_shift(period.end, key).get(0, 0)
        figures.dues_paid += member_shift(period.end, key, paid_dues(period.end.year)).get(0, 0)
        if flows is None:
            figures.new += member_shift(period.end, key, Member.joined_on.between(
                period.start, period.end)).get(0, 0)
    return figures


def paid_dues(year: int):
    """Members with a (not voided) dues payment for `year`, as the roll-ups count them."""
    return exists().where(DuesPayment.member_id == Member.id, DuesPayment.year == year,
                          ~exists().where(Voucher.id == DuesPayment.voucher_id,
                                          Voucher.status == "void"))


def _ensure_ids(unit_ids) -> None:
    """Build the roll-ups of these units if they have none yet (units outside the sub-tree
    `tally.ensure` reads, which a past tree puts inside)."""
    missing = set(unit_ids) - set(db.session.scalars(
        select(TalliedUnit.unit_id).where(TalliedUnit.unit_id.in_(list(unit_ids)))))
    if missing:
        tally.rebuild(missing)


@dataclass
class MoneyFigures:
    money_in: int = 0  # receipts, money moved between our own books (handovers…) apart
    money_out: int = 0  # payments, the same
    balance: int = 0  # all non-void vouchers up to the end of the period, moves included
    by_month: list[tuple[int, int, int]] = field(default_factory=list)  # (month, in, out)
    # Money moved between our own books in the period ("Bàn giao quỹ": handovers, cash <->
    # bank): received from and handed to other books of ours; never income or spending.
    moved_in: int = 0
    moved_out: int = 0


def _balance(t):
    """What a roll-up row adds to a balance: money in and out, and money moved in and out."""
    return t.money_in - t.money_out + t.moved_in - t.moved_out


def money_figures(scope: Scope, period: Period) -> MoneyFigures:
    scope = scope.at(period.end)
    _months(period)  # whole months only
    flows = _scope_flows(scope, period)
    if flows is not None:
        (balance,) = _tally(scope, lambda t: (_sum(
            _balance(t), t.month <= tally.month_of(period.end)),))
        money_in, money_out = flows.get("money_in", 0), flows.get("money_out", 0)
        moved_in, moved_out = flows.get("moved_in", 0), flows.get("moved_out", 0)
        by_month = {m: (flows.get(("in", m), 0), flows.get(("out", m), 0))
                    for m in range(1, 13) if ("in", m) in flows}
    else:
        # One query: the period's money by month of the year, and the balance at its end.
        t, where = _source(scope)
        months, month = _months(period, t), t.month % 100
        rows = db.session.execute(
            select(month, _sum(t.money_in, months), _sum(t.money_out, months),
                   _sum(_balance(t)), _sum(literal(1), months), _sum(t.moved_in, months),
                   _sum(t.moved_out, months))
            .where(where, t.month <= tally.month_of(period.end)).group_by(month)).all()
        balance = sum(int(r[3]) for r in rows)
        money_in, money_out = sum(int(r[1]) for r in rows), sum(int(r[2]) for r in rows)
        moved_in, moved_out = sum(int(r[5]) for r in rows), sum(int(r[6]) for r in rows)
        by_month = {int(m): (int(i), int(o)) for m, i, o, _, n, *_moved in rows if m and n}
    return MoneyFigures(
        int(money_in), int(money_out), int(balance),
        [(m, *by_month.get(m, (0, 0))) for m in range(1, 13)
         if date(period.start.year, m, 1) <= period.end or m in by_month],
        int(moved_in), int(moved_out),
    )


@dataclass
class AwardFigures:
    count: int = 0
    amount: int = 0
    paid: int = 0


def award_figures(scope: Scope, period: Period) -> AwardFigures:
    """Awards approved or paid, by the month they were decided."""
    scope = scope.at(period.end)
    flows = _scope_flows(scope, period)
    if flows is not None:
        return AwardFigures(*(flows.get(n, 0) for n in ("awards", "award_amount", "award_paid")))
    row = _tally(scope, lambda t: (_sum(t.awards), _sum(t.award_amount), _sum(t.award_paid)),
                 months=period)
    return AwardFigures(*map(int, row))


@dataclass
class EventFigures:
    held: int = 0
    raised: int = 0      # cash and transfers received
    in_kind: int = 0     # estimated value of gifts in kind
    target: int = 0


def event_figures(scope: Scope, period: Period) -> EventFigures:
    scope = scope.at(period.end)
    flows = _scope_flows(scope, period)
    if flows is not None:
        return EventFigures(*(flows.get(n, 0) for n in ("events", "raised", "in_kind",
                                                        "event_target")))
    row = _tally(scope, lambda t: (_sum(t.events), _sum(t.raised), _sum(t.in_kind),
                                   _sum(t.event_target)), months=period)
    return EventFigures(*map(int, row))


def raised_by_kind(scope: Scope, period: Period) -> dict[str, int]:
    """{event kind: money raised} counted as `EventFigures.raised` counts it (the roll-ups'
    rule, tally.RAISED_AT): donations in cash and transfers plus counting sheets, at the
    event's unit, for the events that start in the period. One grouped query over the events
    of the scope (their gifts summed through the event index)."""
    raised = (_of_event(Donation.amount, Donation.method != "in_kind")
              + _of_event(CountingSheet.total))
    rows = db.session.execute(
        select(Event.kind, func.coalesce(func.sum(raised), 0))
        .where(scope.at(period.end).covers(Event.unit_id), Event.status.in_(tally.RAISED_AT),
               within(Event.starts_at, period))
        .group_by(Event.kind))
    return {kind: int(amount) for kind, amount in rows}


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
    return officers_and_coverage(scope, on, limit=limit, coverage_too=False)[0]


HEAD_TITLES = ("chair", "branch_head", "board_head")  # a chair post of a unit or a branch


def _unit_posts(scope: Scope, on: date, *, coverage_too: bool):
    """One row per active unit of the scope with `vacant` (a key post of its level is not
    held) and `chaired` (a chair role, or a chair or head post): the posts held today read once
    and grouped by unit (at national size one pass over 38,000 posts and 36,000 units; each
    figure's own query used to read them again)."""
    titles = sorted({t for ts in KEY_TITLES.values() for t in ts} | set(HEAD_TITLES))
    held = (select(Position.unit_id, *(
        func.max(case((Position.title == t, 1), else_=0)).label(t) for t in titles))
        .where(Position.start_date <= on,
               Position.end_date.is_(None) | (Position.end_date >= on),
               Position.title.in_(titles), scope.covers(Position.unit_id))
        .group_by(Position.unit_id).subquery("held"))

    def has(title):
        return func.coalesce(held.c[title], 0) == 1

    vacant = case(*((Unit.level == level, or_(*(~has(t) for t in ts)))
                    for level, ts in KEY_TITLES.items()), else_=false())
    columns = [Unit.id, Unit.level, Unit.path, vacant.label("vacant")]
    query = select().select_from(Unit).outerjoin(held, held.c.unit_id == Unit.id)
    if coverage_too:
        roles = (select(RoleAssignment.unit_id).where(RoleAssignment.role == "chair",
                                                      active_on(RoleAssignment, on))
                 .distinct().subquery("chair_roles"))
        chaired = or_(roles.c.unit_id.is_not(None), *(has(t) for t in HEAD_TITLES))
        columns.append(chaired.label("chaired"))
        query = query.outerjoin(roles, roles.c.unit_id == Unit.id)
    return (query.with_only_columns(*columns)
            .where(scope.covers(Unit.id), active_on(Unit, on)).cte("unit_posts"))


@dataclass(frozen=True)
class _PostsRead:
    """What `_read_posts` found, as plain values (kept between requests: no ORM objects)."""
    vacant: int
    vacancies: tuple[tuple[int, tuple[str, ...]], ...]  # (unit id, titles missing), by path
    officers: int
    posts: int
    levels: tuple[tuple[str, int, int], ...]  # (level, units, with a chair)
    missing: tuple[int, ...]  # unit ids without a chair, by path


# What was read of the posts, per process, under the posts version and the day
# (assoc/postsversion.py): a receipt or a new member leaves it as it is. The oldest entry goes
# first beyond POSTS_KEPT.
_posts_kept: OrderedDict = OrderedDict()
POSTS_KEPT = 256


def officers_and_coverage(scope: Scope, on: date | None = None, *, limit: int | None = LIST_LIMIT,
                          coverage_too: bool = True, officers_too: bool = True, only=None,
                          ) -> tuple[OfficerFigures | None, Coverage | None]:
    """The officer figures and (with `coverage_too`, for a sub-tree) the coverage of the units
    below (only those in `only`, when given), from one reading of the posts (`_read_posts`),
    kept until the posts, roles or units change (or the day does)."""
    on = on or today()
    coverage_too = coverage_too and scope.subtree
    args = (limit, coverage_too, officers_too, None if only is None else frozenset(only))
    # A scope of another day reads the tree's history, which this version does not follow.
    version = postsversion.posts_version() if scope.on is None else None
    key = (str(db.engine.url), version, scope.unit.id, scope.subtree, on, args)
    read = _posts_kept.get(key) if version is not None else None
    if read is None:
        read = _read_posts(scope, on, *args)
        if version is not None:
            _posts_kept[key] = read
            while len(_posts_kept) > POSTS_KEPT:
                _posts_kept.popitem(last=False)
    wanted = [u for u, _ in read.vacancies] + list(read.missing)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(wanted)))}
    figures = coverage = None
    if officers_too:
        figures = OfficerFigures(read.officers, read.posts,
                                 [(units[u], list(titles)) for u, titles in read.vacancies],
                                 read.vacant)
    if coverage_too:
        coverage = Coverage([CoverageLevel(*level) for level in read.levels],
                            [units[u] for u in read.missing])
    return figures, coverage


def _read_posts(scope: Scope, on: date, limit: int | None, coverage_too: bool,
                officers_too: bool, only) -> _PostsRead:
    """One statement for the counts and the first `limit` units named by each (from
    `_unit_posts`), then the titles those vacant units miss and the officers and posts held."""
    active_post = and_(Position.start_date <= on,
                       Position.end_date.is_(None) | (Position.end_date >= on))
    posts_cte = _unit_posts(scope, on, coverage_too=coverage_too)
    c = posts_cte.c
    keyed = c.level.in_(KEY_TITLES)
    below = and_(c.id != scope.unit.id, c.level.in_(COVERED_LEVELS))
    if only is not None:
        below = and_(below, c.id.in_(list(only)))
    # (part, level, total, with a chair, unit id, path): the counts, then the units to name.
    parts, named = [], []
    if officers_too:
        parts.append(select(literal("vacant"), literal(""), func.count(), literal(0),
                            literal(0), literal("")).where(keyed, c.vacant))
        named.append(select(literal("vacant_unit"), c.level, literal(0), literal(0), c.id,
                            c.path).where(keyed, c.vacant).order_by(c.path).limit(limit))
    if coverage_too:
        parts.append(select(literal("level"), c.level, func.count(),
                            func.sum(case((c.chaired, 1), else_=0)), literal(0), literal(""))
                     .where(below).group_by(c.level))
        named.append(select(literal("missing_unit"), literal(""), literal(0), literal(0), c.id,
                            c.path).where(below, ~c.chaired).order_by(c.path).limit(limit))
    rows = db.session.execute(union_all(*parts, *(q.subquery().select() for q in named))).all()
    vacant = sum(int(n or 0) for part, _, n, *_ in rows if part == "vacant")
    vacant_units = sorted(((path, unit_id, level) for part, level, _, _, unit_id, path in rows
                           if part == "vacant_unit"))
    vacancies, officers, posts = (), 0, 0
    if officers_too:
        held: dict[int, set[str]] = {}
        for unit_id, title in db.session.execute(
                select(Position.unit_id, Position.title).where(
                    Position.unit_id.in_([u for _, u, _ in vacant_units]), active_post)):
            held.setdefault(unit_id, set()).add(title)
        vacancies = tuple((u, tuple(t for t in KEY_TITLES[level] if t not in held.get(u, ())))
                          for _, u, level in vacant_units)
        officers, posts = db.session.execute(select(
            func.count(func.distinct(Position.officer_id)), func.count(),
        ).where(scope.covers(Position.unit_id), active_post)).one()
    levels = tuple(sorted(((level, int(n), int(chaired or 0))
                           for part, level, n, chaired, _, _ in rows if part == "level"),
                          key=lambda level: LEVELS[level[0]]))
    missing = tuple(u for _, u in sorted((path, unit_id) for part, _, _, _, unit_id, path in rows
                                         if part == "missing_unit"))
    return _PostsRead(vacant, vacancies, int(officers), int(posts), levels, missing)


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
    def without_chair(self) -> int:
        return self.total - self.with_chair

    @property
    def percent(self) -> int:
        return percent(self.with_chair, self.total)


def coverage(unit: Unit, on: date | None = None, *, only=None,
             limit: int | None = None) -> Coverage:
    """Share of the active units below `unit` that have a chair (a chair role, or a chair or
    head post), per level, and the first `limit` without one, by path (their number is total −
    with_chair). `only` (unit ids) restricts it to those units below."""
    return officers_and_coverage(Scope(unit), on, limit=limit, only=only,
                                 officers_too=False)[1]


# ---------------------------------------------------------------------------------------------
# The period report: one row per direct sub-unit (rolled up over its sub-tree) and totals
# ---------------------------------------------------------------------------------------------

COLUMNS = ("members", "new_members", "dues", "money_in", "money_out", "awards",
           "award_amount", "events", "raised")


@dataclass
class ReportRow:
    unit: Unit | None  # None for the unit's own records (not in any sub-unit)
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    name: str = ""  # the unit's name in the period (its old name before a renaming)

    def __post_init__(self):
        if not self.name and self.unit is not None:
            self.name = self.unit.name


def _by_child(parent: Unit | None, below: Below | Keys, unit_column, values, *where,
              by_date: bool = False, join=None, query=None):
    """{direct sub-unit id (or the parent's own id): (values…)}, the sub-units being those of
    `below` (the parent's sub-tree now, or on a past day).

    One query groups the rows by their unit over the parent's sub-tree; the (few hundred) unit
    groups are then added up under the direct sub-unit whose path they lie in. With `by_date`
    the query filters on the (few days') date condition and, below a root, on the sub-tree
    too; units outside it are dropped here.
    A ready `query` (rows of unit id, values…) replaces the one built here."""
    given = query is not None
    if not given:
        query = _per_unit(below, unit_column, values, *where, by_date=by_date, join=join)
    rows = db.session.execute(query).all()
    if given and isinstance(below, Below):  # the per-level rows: a few sub-units to place
        below.learn(row[0] for row in rows)
    result: dict[int, list[int]] = {}
    for unit_id, *numbers in rows:
        key = below.key(unit_id)
        if key is None:
            continue
        sums = result.setdefault(key, [0] * len(numbers))
        for i, number in enumerate(numbers):
            sums[i] += int(number or 0)
    return {key: tuple(sums) for key, sums in result.items()}


def _per_unit(below, unit_column, values, *where, by_date: bool = False, join=None,
              anywhere: bool = False):
    """SELECT unit, values… of the records `where` selects in `below`, grouped by unit (with
    `anywhere`, in every unit: the caller keeps those of `below`)."""
    query = select(unit_column, *values)
    if join is not None:
        query = query.join(*join)
    # Records found by date are kept to the sub-tree in SQL (a commune's few units: the
    # (unit, date) indexes), except at a root, whose sub-tree is (nearly) every unit: there
    # the date index alone is cheaper and `key` drops what lies outside.
    scope_unit = below.unit if isinstance(below, Below) else None
    at_root = by_date and scope_unit is not None and scope_unit.parent_id is None
    return query.where(*(() if at_root or anywhere else (below.condition(unit_column),)),
                       *where).group_by(unit_column)


WIDEST = 3  # values of the widest dated figure group (awards: count, amount, paid)
SQL_CHILDREN = True  # off (tests): a few days' records placed under the sub-units in Python


def _by_child_in_sql(parent: Unit, parts: list) -> list[dict[int, tuple[int, ...]]]:
    """PostgreSQL, today's tree: the per-unit groups of several record queries (unit id,
    values…) added up under the direct sub-units of `parent` in one statement — a sub-unit's id
    is the part of a unit's path after the parent's — so a province's or the nation's few days
    of records come back as a few dozen rows, not one per unit and figure to place in Python
    (national: ~30,000 rows per figure, ~280 ms of Python, and one join to the units per
    figure). Returns one {key: values} per query, as `_by_child` would."""
    tagged = [select(literal(n).label("part"), *q.subquery().c,
                     *(literal(0) for _ in range(WIDEST + 1 - len(q.selected_columns))))
              for n, q in enumerate(parts)]
    groups = union_all(*tagged).subquery()
    part, unit_id, *values = groups.c
    child = func.split_part(Unit.path, "/", len(parent.ancestor_ids) + 2)
    found: list[dict[int, tuple[int, ...]]] = [{} for _ in parts]
    for n, sub, *sums in db.session.execute(
            select(part, child, *(func.sum(v) for v in values))
            .select_from(groups.join(Unit, Unit.id == unit_id))
            .where(Unit.path.startswith(parent.path, autoescape=True)).group_by(part, child)):
        width = len(parts[n].selected_columns) - 1
        found[n][int(sub) if sub else parent.id] = tuple(int(v or 0) for v in sums[:width])
    return found


def _child_map(parent: Unit, on: date | None = None) -> dict[int, int]:
    """{unit id: id of the direct sub-unit of `parent` it lies under} (on `on`: as it lay
    then), read from the paths and the reorganisations since."""
    return Tree(on).below(parent).child_of


def period_report(unit: Unit, period: Period) -> tuple[list[ReportRow], dict[str, int]]:
    """One row per direct sub-unit, and the unit's own records. A reorganisation inside the
    period cuts it in pieces: each piece's records go to the sub-units of the tree of its
    days (old units under their old names), so a period across the date shows the old units
    and the new ones, each with its own days, and the totals add up; the members now count
    where they were at the end of the period."""
    tally.ensure(unit)
    rows: dict[int, ReportRow] = {unit.id: ReportRow(None)}
    listed: dict[int, Unit] = {}

    def put(result: dict, *names: str) -> None:
        for key, values in result.items():
            row = rows.setdefault(key, ReportRow(db.session.get(Unit, key)))
            for name, value in zip(names, values, strict=True):
                row.values[name] += value

    parts = pieces(period)
    for part, tree in parts:
        _list_children(unit, part, tree, tree.below(unit), listed, rows)
    for key, figures in _flows(parts, lambda tree: tree.below(unit), members_now=True).items():
        put({key: tuple(figures.get(name, 0) for name in COLUMNS)}, *COLUMNS)
    last = parts[-1][1]
    below = last.below(unit)
    if period.end < today():
        put({k: (n,) for k, n in member_shift(period.end, below.key).items()}, "members")
    for key, row in rows.items():
        if row.unit is not None and key not in listed:
            row.name = last.name(row.unit)
    # Units not listed appear when they hold figures (members counted back where they were
    # leave a zero behind at their unit of today).
    ordered = [rows[k] for k in listed] + [r for k, r in rows.items() if k != unit.id
                                           and k not in listed and any(r.values.values())]
    own = rows[unit.id]
    if any(own.values.values()):
        ordered.append(own)
    totals = {name: sum(r.values[name] for r in ordered) for name in COLUMNS}
    return ordered, totals


def _list_children(unit: Unit, part: Period, tree: Tree, below: Below,
                   listed: dict[int, Unit], rows: dict[int, ReportRow]) -> None:
    """The direct sub-units of the piece's tree open during it get a row (under the name
    they had), figures or not."""
    # (A unit whose plan was undone ends before it began: it never existed, no row.)
    query = select(Unit).where(Unit.valid_to.is_(None) | (
        (Unit.valid_to >= part.start) & (Unit.valid_to >= Unit.valid_from)))
    if below.historic:
        query = query.where(Unit.id.in_(set(below.child_of.values())),
                            Unit.valid_from <= part.end)
    else:
        query = query.where(Unit.parent_id == unit.id)
    for child in db.session.scalars(query.order_by(Unit.name)):
        listed[child.id] = child
        row = rows.setdefault(child.id, ReportRow(child))
        row.name = tree.name(child)


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


def _of_event(column, *where):
    """The sum of `column` over the event's records (0 for none), per event row."""
    return func.coalesce(select(func.sum(column)).where(
        column.class_.event_id == Event.id, *where).scalar_subquery(), 0)


def _direct(keys, cut: list[Period]) -> list[tuple[tuple[str, ...], dict]]:
    """The dated figures of the days (`cut`: one or more runs of days) the roll-ups' whole
    months do not cover, counted as the roll-ups count them: dues and money from the roll-ups'
    rows by day, the others (few records) straight from the records through the date indexes:
    [(figure names, {key: values})], a figure listed once per run of days (they add up). On
    PostgreSQL, for today's tree, one statement adds them all up under the sub-units
    (`_by_child_in_sql`)."""

    def dated(unit_column, values, *where, join=None):
        return unit_column, values, where, join

    def specs(days: Period) -> list[tuple[tuple[str, ...], tuple]]:
        # Raised at events: at the event's unit and date, as the roll-ups count it.
        at_event = and_(Event.status.in_(tally.RAISED_AT), within(Event.starts_at, days))
        return [
            (("new_members",), dated(Member.unit_id, (func.count(),), Member.status == "active",
                                     Member.joined_on.between(days.start, days.end))),
            (("awards", "award_amount", "award_paid"), dated(Nomination.unit_id, (
                func.count(), func.sum(Nomination.amount),
                func.sum(case((Nomination.status == "paid", Nomination.amount), else_=0))),
                Nomination.status.in_(AWARDED), within(Nomination.decided_at, days))),
            (("events", "event_target"), dated(Event.unit_id, (
                func.count(), func.sum(Event.target_amount)),
                Event.status.in_(HELD), within(Event.starts_at, days))),
            # Each event's gifts summed through the event's index: a join made PostgreSQL
            # read every donation of the nation for a few hundred events.
            (("raised", "in_kind"), dated(Event.unit_id, (
                func.sum(_of_event(Donation.amount, Donation.method != "in_kind")
                         + _of_event(CountingSheet.total)),
                func.sum(_of_event(Donation.estimated_value, Donation.method == "in_kind"))),
                at_event)),
        ]

    # Dues and money, the many records of a day, from the roll-ups' rows by day (tally.day_of).
    money = _rolled_up(keys, lambda t: (_sum(t.dues), _sum(t.money_in), _sum(t.money_out),
                                        _sum(t.moved_in), _sum(t.moved_out)),
                       lambda t: or_(*(t.month.between(tally.day_of(days.start),
                                                       tally.day_of(days.end))
                                       for days in cut)))
    from_rollups = [(("dues",), {k: v[:1] for k, v in money.items()}),
                    (("money_in", "money_out"), {k: v[1:3] for k, v in money.items()}),
                    (("moved_in", "moved_out"), {k: v[3:] for k, v in money.items()})]
    # Each run of days its own queries (a date range each, read from the indexes alone).
    every = [spec for days in cut for spec in specs(days)]
    if (SQL_CHILDREN and isinstance(keys, Below) and not keys.historic and not keys.extra
            and db.session.get_bind().dialect.name == "postgresql"):
        # A province's or the nation's records of a few days are found by date alone: the
        # statement keeps those under the scope as it places them (a province's sub-tree
        # condition made PostgreSQL merge its 1,700 units with each figure's records).
        wide = keys.unit.level in ("national", "province")
        queries = [_per_unit(keys, column, values, *where, by_date=True, join=join,
                             anywhere=wide) for _names, (column, values, where, join) in every]
        return from_rollups + list(zip([names for names, _ in every],
                                       _by_child_in_sql(keys.unit, queries), strict=True))
    return from_rollups + [
        (names, _by_child(None, keys, column, values, *where, by_date=True, join=join))
        for names, (column, values, where, join) in every]
