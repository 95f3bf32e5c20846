"""Per-unit monthly roll-ups (UnitTally), kept in step with the records they count.

Whenever a flush adds, changes or deletes a member, dues payment, voucher, award, event or
donation, the units it touches are noted on the session; when the session commits (or a report
reads), those units' tallies are rebuilt from their records in the same transaction. A rebuild
recomputes the unit's rows from scratch, so a tally is never "adjusted" into a wrong state:
at worst it is rebuilt once too often. Statements that bypass the ORM (bulk imports, merges)
call `touch()` themselves.

On PostgreSQL, rebuilds of one unit are serialised by an advisory lock taken at commit time, so
two transactions writing to the same unit cannot each miss the other's rows.

Per level (SubtreeTally): each unit's sub-tree rows are the sum of the unit rows of its whole
sub-tree as it is now. A rebuild takes the difference between a unit's new rows and the rows it
replaces (read by the DELETE that removes them, after the unit's lock) and adds it to the unit's
and each ancestor's sub-tree rows in one upsert, in (unit, month) order: additions commute, so
concurrent writers below the same province never lose one another's figures, and rows locked in
one order cannot deadlock. A unit that moves (units.move_unit: reorganisations, their undoing)
changes whose sub-trees its rows belong to: its old and new ancestors' sub-tree rows are summed
again from the unit rows, under a table lock that waits for the writers in flight."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from itertools import chain
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, event, exists, func, insert, inspect, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    INTERNAL_LINKS,
    CountingSheet,
    Donation,
    DuesPayment,
    Event,
    Member,
    Nomination,
    SubtreeTally,
    TalliedUnit,
    Unit,
    UnitTally,
    Voucher,
    utcnow,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
AWARDED = ("approved", "paid")
HELD = ("held", "closed")
FIGURES = ("members", "dues_paid", "dues", "money_in", "money_out", "awards", "award_amount",
           "award_paid", "events", "event_target", "raised", "in_kind", "moved_in", "moved_out")
# The row of a unit that holds the sum of its other rows (all time; dues_paid, which is per
# year, is left 0): "members now" and balances read one row per unit instead of every month
# since the unit began. Above every yyyymm, so month ranges never include it.
TOTAL = 999_999
PENDING = "tally_pending"
BUILT = "tally_built_paths"  # sub-trees this session has seen fully built
# First key of pg_advisory_xact_lock(space, unit_id): advisory locks belong to the whole
# database, so the space is made from the schema too (installs or test runs in other schemas of
# the same database then never wait for, or deadlock with, each other's unit ids).
LOCK_SPACE = "tally:7301"
CHUNK = 500         # unit ids per IN list
LOCK_UNITS = 1000   # above this many units a rebuild locks the roll-up table, not each unit

# The columns whose change moves a figure; other edits (a phone number…) leave tallies alone.
RELEVANT = {
    Member: ("unit_id", "status", "joined_on"),
    DuesPayment: ("unit_id", "member_id", "year", "amount", "paid_on", "voucher_id"),
    Voucher: ("unit_id", "status", "kind", "amount", "voucher_date", "link_type"),
    Nomination: ("unit_id", "status", "amount", "decided_at"),
    Event: ("unit_id", "status", "starts_at", "target_amount"),
    Donation: ("unit_id", "event_id", "method", "amount", "estimated_value", "received_on"),
    CountingSheet: ("unit_id", "event_id", "total"),
}
# Money raised at events counts at the event's unit, in the event's month, for every event that
# is not cancelled: donations (cash, transfers, pledges fulfilled), counting sheets (piggy
# banks) and gifts in kind: the same rule as the events summary the dashboard links to.
RAISED_AT = ("planned", "held", "closed")


def month_of(day: date) -> int:
    return day.year * 100 + day.month


# Money by day: dues, money in and out also get a row per day (key yyyymmdd, above TOTAL and
# every yyyymm, so month ranges and TOTAL never include them): the cut days of a period report
# (15/01–10/06) at province or national scope read a few rows per sub-unit instead of every
# voucher and dues payment of those days. The other dated figures are few; they are read from
# their records.
DAY_FIGURES = ("dues", "money_in", "money_out", "moved_in", "moved_out")


def day_of(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def vn_month(moment: datetime) -> int:
    """yyyymm of a stored timestamp's Vietnamese calendar day (SQLite returns naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return month_of(moment.astimezone(VN).date())


# ---------------------------------------------------------------------------------------------
# Noting what changed
# ---------------------------------------------------------------------------------------------


def _pending(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(PENDING, {"units": set(), "members": set(),
                                             "vouchers": set(), "events": set(),
                                             "moved": set()})


def touch(unit_ids: Iterable[int] = (), member_ids: Iterable[int] = (),
          session: Session | None = None) -> None:
    """Note units (or the units of members) whose records changed behind the ORM's back."""
    pending = _pending(session or db.session())
    pending["units"].update(unit_ids)
    pending["members"].update(member_ids)


def _changed(obj, names: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    # A unit set through the relationship (member.unit = ward) shows in "unit", not "unit_id".
    return any(attrs[name].history.has_changes() for name in (*names, "unit"))


def _old_units(obj) -> list[int]:
    attrs = inspect(obj).attrs
    return [*(u for u in attrs.unit_id.history.deleted if u is not None),
            *(u.id for u in attrs.unit.history.deleted if u is not None)]


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, flush_context) -> None:
    # Runs with the pre-flush view of new/dirty/deleted and of each attribute's history.
    pending = None
    for obj in chain(session.dirty, session.deleted):
        if isinstance(obj, Unit):
            # A unit under a new parent: its old and new parents' sub-trees (and theirs above)
            # hold other rows now. (move_unit rewrites the paths below it in one UPDATE.)
            attrs = inspect(obj).attrs
            if obj in session.deleted or attrs.parent_id.history.has_changes() \
                    or attrs.parent.history.has_changes():
                pending = pending or _pending(session)
                pending["moved"].update(u for u in (
                    obj.parent_id, *attrs.parent_id.history.deleted,
                    *(p.id for p in attrs.parent.history.deleted if p is not None))
                    if u is not None)
    for obj in chain(session.new, session.dirty, session.deleted):
        names = RELEVANT.get(type(obj))
        if names is None:
            continue
        if obj in session.dirty and not _changed(obj, names):
            continue
        pending = pending or _pending(session)
        pending["units"].update(u for u in (obj.unit_id, *_old_units(obj)) if u is not None)
        if isinstance(obj, DuesPayment):
            # Dues paid counts by the member's own unit, which may not be the collecting one.
            pending["members"].add(obj.member_id)
            pending["members"].update(inspect(obj).attrs.member_id.history.deleted)
        elif isinstance(obj, (Donation, CountingSheet)):
            # Counted at the event's unit: note the event (old and new) too.
            pending["events"].update(e for e in (obj.event_id, *inspect(obj).attrs.event_id
                                                  .history.deleted) if e is not None)
        elif isinstance(obj, Voucher) and obj not in session.new:
            # Voiding a dues receipt un-pays its members.
            pending["vouchers"].add(obj.id)


@event.listens_for(Session, "before_commit")
def _rebuild_before_commit(session: Session) -> None:
    if session.info.get(PENDING) or session.dirty or session.new or session.deleted:
        refresh(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(BUILT, None)  # a rolled-back build is gone again


def refresh(session: Session | None = None) -> None:
    """Rebuild the tallies of the units this session has touched so far."""
    session = session or db.session()
    session.flush()  # so the pending changes are noted before we take them
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    units = set(pending["units"])
    for ids in _chunks(pending["members"]):
        units.update(session.scalars(select(Member.unit_id).where(Member.id.in_(ids))))
    for ids in _chunks(pending["vouchers"]):
        units.update(session.scalars(
            select(Member.unit_id).join(DuesPayment, DuesPayment.member_id == Member.id)
            .where(DuesPayment.voucher_id.in_(ids))))
    for ids in _chunks(pending.get("events", ())):
        units.update(session.scalars(select(Event.unit_id).where(Event.id.in_(ids))))
    moved = pending.get("moved")
    if moved and _postgresql(session):
        # Before any rebuild of this transaction writes: see resum().
        session.execute(text("LOCK TABLE unit_tally IN SHARE ROW EXCLUSIVE MODE"))
    rebuild(units, session)
    if moved:
        # The units above each parent a unit left or joined (the parents' current ancestors:
        # a parent that moved too is noted with its own old parent).
        above: set[int] = set()
        for ids in _chunks(moved):
            for (path,) in session.execute(select(Unit.path).where(Unit.id.in_(ids))):
                above.update(int(u) for u in path.strip("/").split("/"))
        resum(above, session)


UNBUILT = select(select(func.count()).select_from(Unit).scalar_subquery()
                 - select(func.count()).select_from(TalliedUnit).scalar_subquery())


def _all_built(session: Session) -> bool:
    """Whether every unit has its TalliedUnit row: two index counts in one statement (3 ms at
    national size)."""
    return not session.execute(UNBUILT).scalar()


def unchecked(unit: Unit, session: Session) -> bool:
    """Whether `ensure(unit)` would check the roll-ups in the database: no changes of this
    session pending, and the sub-tree not yet seen built. A reader may then ask UNBUILT in its
    own statement and call `seen_built` (one round trip less; services.members)."""
    session.flush()
    return not session.info.get(PENDING) and not any(
        unit.path.startswith(path) for path in session.info.get(BUILT, ()))


def seen_built(unit: Unit, session: Session) -> None:
    session.info.setdefault(BUILT, set()).add(unit.path)


def ensure(unit: Unit, session: Session | None = None) -> bool:
    """Make the tallies of `unit`'s sub-tree current for this session; returns True if units
    had to be built. Once a sub-tree is known to be built, later figures of the same request
    only apply the session's own pending changes.

    Units are built by the writes that make or change them (their commit); a unit without
    roll-ups (rows loaded by SQL behind the application's back, roll-ups dropped by a
    migration) is built here *inside the reader's transaction* so that its figures are right,
    and never committed by a read (a GET never writes): the reader's transaction ends in a
    rollback, and `flask rebuild-rollups` (or the unit's next write) keeps them."""
    session = session or db.session()
    refresh(session)
    built = session.info.setdefault(BUILT, set())
    if any(unit.path.startswith(path) for path in built):
        return False
    # "Every unit has a TalliedUnit row" (the usual case: units are built when they are written
    # to); only otherwise are the sub-tree's units matched one by one (~80 ms for the nation).
    missing = [] if _all_built(session) else session.scalars(select(Unit.id).where(
        Unit.path.startswith(unit.path, autoescape=True),
        ~exists().where(TalliedUnit.unit_id == Unit.id))).all()
    if missing:
        from flask import current_app, has_app_context

        if has_app_context():
            current_app.logger.warning(
                "%d units below %s have no roll-ups: computed for this read only; run "
                "`flask rebuild-rollups` to keep them", len(missing), unit.code)
        rebuild(missing, session)
    built.add(unit.path)
    return bool(missing)


# ---------------------------------------------------------------------------------------------
# Rebuilding from the records
# ---------------------------------------------------------------------------------------------


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def rebuild(unit_ids: Iterable[int], session: Session | None = None) -> None:
    session = session or db.session()
    ids = sorted(set(unit_ids))
    if not ids:
        return
    if _postgresql(session) and len(ids) > LOCK_UNITS:
        # A whole province or the nation (first build after an upgrade): one advisory lock
        # per unit would overflow the server's lock table ("out of shared memory"). Locking
        # the roll-up table instead makes every other rebuild wait at its first write to it,
        # so neither transaction misses the other's rows.
        session.execute(text("LOCK TABLE unit_tally IN SHARE ROW EXCLUSIVE MODE"))
    elif _postgresql(session):
        # One lock per unit, taken in id order so two rebuilding transactions cannot deadlock.
        session.execute(text(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || :space), u) FROM "
            "(SELECT unnest(CAST(:ids AS integer[])) AS u ORDER BY 1) AS units"),
            {"space": LOCK_SPACE, "ids": ids})
    # {(unit id, month): [row count, figures…]}: new rows minus the rows they replace. A rebuild
    # of more than LOCK_UNITS units (a province, the nation; the table is locked) sums the
    # sub-tree rows again instead, from the top of each rebuilt sub-tree (bounded memory).
    change: dict[tuple[int, int], list[int]] = {}
    big = len(ids) > LOCK_UNITS

    def count(key: tuple[int, int], sign: int, figures) -> None:
        if big:
            return
        diff = change.setdefault(key, [0] * (len(FIGURES) + 1))
        diff[0] += sign
        for i, value in enumerate(figures, start=1):
            diff[i] += sign * int(value or 0)

    for chunk in _chunks(ids):
        # The rows replaced, as they are once this unit's lock is held (a statement that
        # waited for a lock reads what was committed meanwhile).
        for unit_id, month, *figures in session.execute(
                delete(UnitTally).where(UnitTally.unit_id.in_(chunk)).returning(
                    UnitTally.unit_id, UnitTally.month,
                    *(getattr(UnitTally, name) for name in FIGURES))):
            count((unit_id, month), -1, figures)
        session.execute(delete(TalliedUnit).where(TalliedUnit.unit_id.in_(chunk)))
        rows = compute(chunk, session)
        if rows:
            session.execute(insert(UnitTally), [
                {"unit_id": unit_id, "month": month, **figures}
                for (unit_id, month), figures in rows.items()])
        for key, figures in rows.items():
            count(key, 1, (figures[name] for name in FIGURES))
        now = utcnow()
        session.execute(insert(TalliedUnit), [{"unit_id": u, "built_at": now} for u in chunk])
    if big:
        resum_below(session.scalars(select(Unit).where(Unit.id.in_(ids))).all()
                    if len(ids) <= 30_000 else None, session)
    else:
        _add_above({key: diff for key, diff in change.items() if any(diff)}, session)


def _ancestry(unit_ids: Iterable[int], session: Session) -> dict[int, list[int]]:
    """{unit id: the ids of the unit and every unit above it}, read from the paths."""
    found: dict[int, list[int]] = {}
    for ids in _chunks(unit_ids):
        for unit_id, path in session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(ids))):
            found[unit_id] = [int(u) for u in path.strip("/").split("/")]
    return found


def _add_above(change: dict[tuple[int, int], list[int]], session: Session) -> None:
    """Add each unit's change to its own and its ancestors' sub-tree rows."""
    if not change:
        return
    ancestry = _ancestry({unit_id for unit_id, _ in change}, session)
    total: dict[tuple[int, int], list[int]] = {}
    for (unit_id, month), diff in change.items():
        for ancestor in ancestry.get(unit_id, ()):
            sums = total.setdefault((ancestor, month), [0] * len(diff))
            for i, value in enumerate(diff):
                sums[i] += value
    rows = [{"unit_id": unit_id, "month": month, "unit_rows": sums[0],
             **dict(zip(FIGURES, sums[1:], strict=True))}
            for (unit_id, month), sums in sorted(total.items()) if any(sums)]
    if not rows:
        return
    dialect = postgresql if _postgresql(session) else sqlite
    table = SubtreeTally.__table__
    upsert = dialect.insert(table)
    upsert = upsert.on_conflict_do_update(
        index_elements=[table.c.unit_id, table.c.month],
        set_={name: table.c[name] + upsert.excluded[name] for name in ("unit_rows", *FIGURES)})
    for start in range(0, len(rows), 1000):
        session.execute(upsert, rows[start:start + 1000])
    emptied = sorted({row["unit_id"] for row in rows if row["unit_rows"] < 0})
    for ids in _chunks(emptied):
        session.execute(delete(SubtreeTally).where(SubtreeTally.unit_id.in_(ids),
                                                   SubtreeTally.unit_rows <= 0))


def resum(unit_ids: Iterable[int], session: Session | None = None) -> None:
    """Sum these units' sub-tree rows again from the unit rows of their sub-trees (after a
    move). On PostgreSQL the roll-up table is locked first (rebuilds elsewhere wait at their
    first write, and this waits for the ones in flight), so no other writer's change can land
    between the sums read here and the rows written."""
    session = session or db.session()
    ids = sorted(set(unit_ids))
    if not ids:
        return
    if _postgresql(session):
        session.execute(text("LOCK TABLE unit_tally IN SHARE ROW EXCLUSIVE MODE"))
    paths = dict(session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(ids))).all())
    for unit_id in ids:
        session.execute(delete(SubtreeTally).where(SubtreeTally.unit_id == unit_id))
        if unit_id not in paths:
            continue
        below = select(Unit.id).where(Unit.path.startswith(paths[unit_id], autoescape=True))
        session.execute(insert(SubtreeTally).from_select(
            ["unit_id", "month", "unit_rows", *FIGURES],
            select(literal(unit_id), UnitTally.month, func.count(),
                   *(func.sum(getattr(UnitTally, name)) for name in FIGURES))
            .where(UnitTally.unit_id.in_(below)).group_by(UnitTally.month)))


SPLIT = 5000  # a sub-tree of more units is summed sub-unit by sub-unit (bounded memory)


def resum_below(units_: list[Unit] | Unit | None = None, session: Session | None = None) -> None:
    """The sub-tree rows of every unit in these units' sub-trees (None: of every unit) summed
    again from all their unit rows, then those of the units above them (rebuild-rollups, big
    rebuilds)."""
    session = session or db.session()
    if _postgresql(session):
        session.execute(text("LOCK TABLE unit_tally IN SHARE ROW EXCLUSIVE MODE"))
    if units_ is None:
        units_ = session.scalars(select(Unit).where(Unit.parent_id.is_(None))).all()
    elif isinstance(units_, Unit):
        units_ = [units_]
    tops: list[Unit] = []
    for unit in sorted(units_, key=lambda u: u.path):  # parents first
        if not any(unit.path.startswith(top.path) for top in tops[-1:]):
            tops.append(unit)
    for top in tops:
        _resum_tree(top, session)
    inside = {top.id for top in tops}
    resum(sorted({a for top in tops for a in top.ancestor_ids[:-1]} - inside), session)


def _resum_tree(unit: Unit, session: Session) -> None:
    inside = select(Unit.id, Unit.path).where(Unit.path.startswith(unit.path, autoescape=True))
    size = session.scalar(select(func.count()).select_from(inside.subquery()))
    if size > SPLIT:
        for child in session.scalars(select(Unit).where(Unit.parent_id == unit.id)).all():
            _resum_tree(child, session)
        resum([unit.id], session)  # its own rows: one sum over its whole sub-tree
        return
    skip = len(unit.ancestor_ids) - 1  # the unit and those below
    ancestry = {unit_id: [int(u) for u in path.strip("/").split("/")][skip:]
                for unit_id, path in session.execute(inside)}
    for ids in _chunks(ancestry):
        session.execute(delete(SubtreeTally).where(SubtreeTally.unit_id.in_(ids)))
    sums: dict[tuple[int, int], list[int]] = {}
    for unit_id, month, *figures in session.execute(
            select(UnitTally.unit_id, UnitTally.month,
                   *(getattr(UnitTally, name) for name in FIGURES))
            .where(UnitTally.unit_id.in_(inside.with_only_columns(Unit.id)))):
        for ancestor in ancestry.get(unit_id, ()):
            row = sums.setdefault((ancestor, month), [0] * (len(FIGURES) + 1))
            row[0] += 1
            for i, value in enumerate(figures, start=1):
                row[i] += int(value or 0)
    values = [{"unit_id": unit_id, "month": month, "unit_rows": row[0],
               **dict(zip(FIGURES, row[1:], strict=True))}
              for (unit_id, month), row in sorted(sums.items())]
    for start in range(0, len(values), 5000):
        session.execute(insert(SubtreeTally), values[start:start + 5000])


def compute(unit_ids: list[int], session: Session) -> dict[tuple[int, int], dict[str, int]]:
    """{(unit id, yyyymm): figures} of these units' own records (seven grouped queries), with
    the TOTAL row and the money rows by day (yyyymmdd: DAY_FIGURES)."""
    rows: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))

    def add(unit_id: int, month: int, **figures: int) -> None:
        row = rows[unit_id, month]
        for name, value in figures.items():
            row[name] += int(value or 0)

    active = Member.status == "active"
    counted = ~exists().where(Voucher.id == DuesPayment.voucher_id, Voucher.status == "void")
    for unit_id, joined_on, n in session.execute(
            select(Member.unit_id, Member.joined_on, func.count())
            .where(Member.unit_id.in_(unit_ids), active)
            .group_by(Member.unit_id, Member.joined_on)):
        add(unit_id, month_of(joined_on) if joined_on else 0, members=n)
    for unit_id, year, n in session.execute(
            select(Member.unit_id, DuesPayment.year, func.count(func.distinct(Member.id)))
            .join(DuesPayment, DuesPayment.member_id == Member.id)
            .where(Member.unit_id.in_(unit_ids), active, counted)
            .group_by(Member.unit_id, DuesPayment.year)):
        add(unit_id, year * 100, dues_paid=n)
    by_day: list[tuple[int, date, dict[str, int]]] = []  # added after the TOTAL rows
    for unit_id, paid_on, amount in session.execute(
            select(DuesPayment.unit_id, DuesPayment.paid_on, func.sum(DuesPayment.amount))
            .where(DuesPayment.unit_id.in_(unit_ids), counted)
            .group_by(DuesPayment.unit_id, DuesPayment.paid_on)):
        add(unit_id, month_of(paid_on), dues=amount)
        by_day.append((unit_id, paid_on, {"dues": amount}))
    # Money moved between our own books (a handover, cash <-> bank: Voucher.link_type in
    # INTERNAL_LINKS) is neither money in nor money out: moved_in/moved_out, in the balance.
    internal = case((Voucher.link_type.in_(INTERNAL_LINKS), 1), else_=0)
    for unit_id, day, kind, moved, amount in session.execute(
            select(Voucher.unit_id, Voucher.voucher_date, Voucher.kind, internal,
                   func.sum(Voucher.amount))
            .where(Voucher.unit_id.in_(unit_ids), Voucher.status == "valid")
            .group_by(Voucher.unit_id, Voucher.voucher_date, Voucher.kind, internal)):
        if moved:
            money = {"moved_in" if kind == "receipt" else "moved_out": amount}
        else:
            money = {"money_in" if kind == "receipt" else "money_out": amount}
        add(unit_id, month_of(day), **money)
        by_day.append((unit_id, day, money))
    for unit_id, decided_at, status, amount in session.execute(
            select(Nomination.unit_id, Nomination.decided_at, Nomination.status,
                   Nomination.amount)
            .where(Nomination.unit_id.in_(unit_ids), Nomination.status.in_(AWARDED),
                   Nomination.decided_at.is_not(None))):
        add(unit_id, vn_month(decided_at), awards=1, award_amount=amount,
            award_paid=amount if status == "paid" else 0)
    for unit_id, starts_at, target in session.execute(
            select(Event.unit_id, Event.starts_at, Event.target_amount)
            .where(Event.unit_id.in_(unit_ids), Event.status.in_(HELD))):
        add(unit_id, vn_month(starts_at), events=1, event_target=target)
    for unit_id, starts_at, method, amount, value in session.execute(
            select(Event.unit_id, Event.starts_at, Donation.method,
                   func.sum(Donation.amount), func.sum(Donation.estimated_value))
            .join(Donation, Donation.event_id == Event.id)
            .where(Event.unit_id.in_(unit_ids), Event.status.in_(RAISED_AT))
            .group_by(Event.unit_id, Event.starts_at, Donation.method)):
        if method == "in_kind":
            add(unit_id, vn_month(starts_at), in_kind=value)
        else:
            add(unit_id, vn_month(starts_at), raised=amount)
    for unit_id, starts_at, total in session.execute(
            select(Event.unit_id, Event.starts_at, func.sum(CountingSheet.total))
            .join(CountingSheet, CountingSheet.event_id == Event.id)
            .where(Event.unit_id.in_(unit_ids), Event.status.in_(RAISED_AT))
            .group_by(Event.unit_id, Event.starts_at)):
        add(unit_id, vn_month(starts_at), raised=total)
    for (unit_id, _month), figures in list(rows.items()):
        add(unit_id, TOTAL, **{name: value for name, value in figures.items()
                               if name != "dues_paid"})
    for unit_id, day, figures in by_day:
        add(unit_id, day_of(day), **figures)
    return rows


def _chunks(ids: Iterable[int]):
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]
