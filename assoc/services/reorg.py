"""Reorganisation: merge, split, dissolve, move and rename units on an effective date, as the
2025 reform did — losing no member, no đồng and no number.

A plan is a list of operations applied in order, all or nothing: the caller commits after
`apply_plan` returns, or rolls back (a dry run applies the plan, reads the summary and rolls
back, so the preview is exactly what a real run would do).

What an absorbed unit (merged into, or dissolved into, a successor) hands over:
- its open sub-units move under the successor;
- its active members move (a MemberTransfer each, and a line in each member's history);
- each fund's cash and bank balances go over by a pair of vouchers: a payment voucher out of
  the old book and a receipt into the successor's fund of the same code, both dated the
  effective date (same amount, "Bàn giao quỹ do sáp nhập"), after which its books close;
- the unit itself closes the day before the effective date;
- officers' posts end that day; users' roles end that day and, if asked, start at the successor;
- open work moves: open pledges (with their donors), planned events, officer records; draft
  nominations and unlocked remuneration sheets are listed as items to settle by hand;
- newer records: open learning-model entries (this year or later, not recognised) move, and
  draft periodic reports for a period starting on or after the effective date move when the
  successor has none; recognised entries, submitted reports and drafts of periods under way
  stay with the old unit (listed when something is left to do).

A split unit hands over the same way to several successors: `assign` lines give each its
sub-units, the unit's own members (by number) and an amount of each fund (the amounts add up
to the balance; each goes over cash first, then bank); open work goes to the first successor.

A big plan (JOB_OPERATIONS / JOB_MEMBERS) is applied by a job (job_handlers.reorg_apply) with
the same function, reporting progress after each operation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    LEVELS,
    AuditEntry,
    Donor,
    Event,
    Fund,
    LearningEntry,
    Member,
    MemberTransfer,
    Nomination,
    Officer,
    PeriodicReport,
    Pledge,
    Position,
    RemunerationSheet,
    ReorgPlan,
    RoleAssignment,
    Unit,
    UnitChange,
    User,
    Voucher,
    as_of,
    local_day,
    today,
    utcnow,
)
from ..money import format_money, parse_amount
from ..text import clean
from . import DomainError, audit, tally, treasury, units

PLAN_HEADER = ("action", "old_codes", "new_code", "new_name", "new_level", "new_parent_code")
ACTIONS = ("merge", "dissolve", "move", "rename", "split")
HANDOVER_REASON = "Bàn giao quỹ do sáp nhập"
SPLIT_REASON = "Bàn giao quỹ do chia tách"
DISSOLVE_REASON = "Bàn giao quỹ do giải thể"
# `assign` lines are not operations: each gives a split's successor its share (sub-units,
# members of the split unit itself by number, fund amounts as CODE=amount).
ASSIGN = "assign"


class PlanError(DomainError):
    """A plan that cannot be applied; `errors` lists (line, message), line 0 for the plan."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{_('line')} {n}: {m}" if n else m for n, m in errors))


@dataclass
class Operation:
    line: int
    action: str
    old_codes: list[str]
    new_code: str = ""
    new_name: str = ""
    new_level: str = ""
    new_parent_code: str = ""
    # split only: (line, items, successor code) of the plan's `assign` lines for this split.
    assignments: list[tuple[int, list[str], str]] = field(default_factory=list)


@dataclass
class Handover:
    """What one successor received: printed on its handover record (biên bản bàn giao)."""

    successor: Unit
    predecessors: list[Unit] = field(default_factory=list)
    members: int = 0
    # Plain data (names as they were, keys for what to label), rendered in the reader's
    # language on screen and in Vietnamese on the printed record.
    sub_units: list[str] = field(default_factory=list)
    funds: list[dict] = field(default_factory=list)  # from, fund, method, amount, payment, receipt
    moved_items: list[dict] = field(default_factory=list)  # what, count, from
    open_items: list[dict] = field(default_factory=list)  # what (nominations|sheet|cash), …
    posts_ended: list[dict] = field(default_factory=list)  # officer, title, title_text, unit
    roles: list[dict] = field(default_factory=list)  # user, role, to (None: ended)
    splits: list[dict] = field(default_factory=list)  # code, name, successors (names)
    # Filled in once the whole plan is applied (finish()): the members who now belong to the
    # successor (its own and those of its sub-units) and those who came with the sub-units it
    # received; warnings; who signs for each side (names as they are on the effective date).
    members_total: int = 0
    members_with_units: int = 0
    sub_unit_ids: list[int] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    signers: dict[str, str] = field(default_factory=dict)  # unit name -> signer's name

    def as_dict(self) -> dict:
        return {
            "successor": {"id": self.successor.id, "code": self.successor.code,
                          "name": self.successor.name},
            "predecessors": [{"id": u.id, "code": u.code, "name": u.name}
                             for u in self.predecessors],
            "members": self.members, "sub_units": self.sub_units, "funds": self.funds,
            "moved_items": self.moved_items, "open_items": self.open_items,
            "posts_ended": self.posts_ended, "roles": self.roles, "splits": self.splits,
            "members_total": self.members_total, "members_with_units": self.members_with_units,
            "warnings": self.warnings, "signers": self.signers,
        }


# ---------------------------------------------------------------------------------------------
# Reading a plan
# ---------------------------------------------------------------------------------------------


def parse_plan(data: str | bytes) -> list[Operation]:
    """Operations of a PLAN.csv (header `action,old_codes,new_code,new_name,new_level,
    new_parent_code`); every malformed line is reported, nothing is looked up yet."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(data))
    rows = list(reader)
    if not rows or tuple(c.strip().lower() for c in rows[0]) != PLAN_HEADER:
        raise PlanError([(1, _("The first line must be: %(h)s", h=",".join(PLAN_HEADER)))])
    ops, errors = [], []
    assigns: list[tuple[int, list[str], str]] = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        row = [clean(c) for c in row] + [""] * (len(PLAN_HEADER) - len(row))
        action, old, new_code, new_name, new_level, parent = row[: len(PLAN_HEADER)]
        action = action.lower()
        if action == ASSIGN:
            items = [c.strip() for c in old.split(";") if c.strip()]
            target = new_code.strip().upper().replace(" ", "-")
            if not items or not target or ";" in target:
                errors.append((n, _("An assign line names what goes (sub-unit codes, member "
                                    "numbers, FUND=amount) in old_codes and one successor in "
                                    "new_code.")))
            else:
                assigns.append((n, items, target))
            continue
        if action not in ACTIONS:
            errors.append((n, _("Unknown action “%(a)s” (merge, split, dissolve, move, rename, "
                                "assign).", a=action)))
            continue
        codes = [c.strip().upper() for c in old.split(";") if c.strip()]
        if not codes:
            errors.append((n, _("Name the unit(s) in old_codes.")))
            continue
        if action == "split":
            # Several successors: codes, names (and levels, parents) joined by ";".
            new_code, new_level, parent = (
                ";".join(p.strip().upper().replace(" ", "-") for p in text.split(";"))
                for text in (new_code, new_level, parent))
            ops.append(Operation(n, action, codes, new_code, new_name, new_level.lower(),
                                 parent))
            continue
        ops.append(Operation(n, action, codes, new_code.upper().replace(" ", "-"), new_name,
                             new_level.lower(), parent.upper()))
    for line, items, target in assigns:
        owners = [op for op in ops if op.action == "split" and target in _parts(op.new_code)]
        if not owners:
            errors.append((line, _("%(c)s is not a successor named on a split line.",
                                   c=target)))
        else:
            owners[0].assignments.append((line, items, target))
    if errors:
        raise PlanError(sorted(errors))
    if not ops:
        raise PlanError([(0, _("The plan has no operations."))])
    return ops


def _parts(text: str) -> list[str]:
    """The `;`-separated parts of a split line's cell, blanks kept in place (positional)."""
    return [p.strip() for p in text.split(";")] if text else []


@dataclass
class Successor:
    """One successor of a split line: an existing unit, or a new one with name, level, parent."""

    code: str
    name: str = ""
    level: str = ""
    parent_code: str = ""


def split_successors(op: Operation) -> list[Successor]:
    """The split line's successors; a single level or parent applies to all of them."""
    codes = [c for c in _parts(op.new_code)]
    names, levels, parents = (_parts(op.new_name), _parts(op.new_level),
                              _parts(op.new_parent_code))

    def nth(values: list[str], i: int) -> str:
        if len(values) == 1:
            return values[0]
        return values[i] if i < len(values) else ""

    return [Successor(code, names[i] if i < len(names) else "", nth(levels, i), nth(parents, i))
            for i, code in enumerate(codes)]


def assign_lines(data: bytes, filename: str = "") -> str:
    """`assign` lines from an uploaded list of members (.csv/.xlsx: member number, successor
    code; a header row is skipped), one line per successor, to add to a plan with a split."""
    from .imports import read_grid

    try:
        grid = read_grid(data, filename)
    except DomainError as e:
        raise PlanError([(0, _("Member list: %(e)s", e=str(e)))]) from e
    by_successor: dict[str, list[str]] = {}
    errors: list[tuple[int, str]] = []
    for n, row in enumerate(grid, start=1):
        cells = [clean(str(c)) if c is not None else "" for c in row[:2]] + ["", ""]
        number, target = _member_number(cells[0]), cells[1].upper().replace(" ", "-")
        if not cells[0] and not target:
            continue
        if number is None or not target:
            if n == 1:
                continue  # the header
            errors.append((0, _("Member list, row %(n)s: give a member number (HV-000123) and "
                                "the successor's code.", n=n)))
            continue
        by_successor.setdefault(target, []).append(f"HV-{number:06d}")
    if errors:
        raise PlanError(errors[:20])
    if not by_successor:
        raise PlanError([(0, _("Member list: no rows with a member number and a successor."))])
    return "".join(f"assign,{';'.join(numbers)},{target},,,\n"
                   for target, numbers in by_successor.items())


# ---------------------------------------------------------------------------------------------
# Checking a plan against the tree
# ---------------------------------------------------------------------------------------------


def _by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(func.upper(Unit.code) == code.upper()))


def _closed(code: str, effective: date) -> bool:
    """Whether `code` names an existing unit that is not active on the effective date (a
    closed unit never takes work or sub-units)."""
    unit = _by_code(code)
    return unit is not None and not unit.is_active(effective)


def _last_voucher_date(unit: Unit) -> date | None:
    return db.session.scalar(select(func.max(Voucher.voucher_date))
                             .where(Voucher.unit_id == unit.id))


def check_plan(ops: list[Operation], effective: date) -> list[tuple[int, str]]:
    """Every problem the plan has before anything is written: unknown codes, a unit in two
    operations that conflict, closed successors, a date before an affected unit's last voucher
    or inside its closed period."""
    errors: list[tuple[int, str]] = []
    if effective > today():
        errors.append((0, _("The effective date cannot be in the future: apply a plan on or "
                            "after the day it takes effect.")))
    ended: dict[str, int] = {}  # code of a unit that ends → line that ends it
    created: set[str] = set()
    for op in ops:
        olds = []
        for code in op.old_codes:
            unit = _by_code(code)
            if unit is None and code not in created:
                errors.append((op.line, _("Unknown unit code %(c)s.", c=code)))
            elif code in ended:
                errors.append((op.line, _("%(c)s already ends on line %(n)s.", c=code,
                                          n=ended[code])))
            elif unit is not None:
                if unit.valid_to is not None or not unit.is_active(effective - timedelta(days=1)):
                    # The real cause, alone: its books and dates follow from its closing.
                    errors.append((op.line, _("%(c)s is closed.", c=code)))
                else:
                    olds.append(unit)
        if op.action == "merge":
            if len(op.old_codes) < 2 and op.new_code in op.old_codes:
                errors.append((op.line, _("A merge needs at least two units.")))
            if not op.new_code:
                errors.append((op.line, _("A merge needs new_code (a new code or one of the "
                                          "merged units).")))
            target = _by_code(op.new_code) if op.new_code else None
            if op.new_code and target is None and op.new_code not in created:
                if not op.new_name or op.new_level not in LEVELS or not op.new_parent_code:
                    errors.append((op.line, _("A new unit needs new_name, new_level (%(l)s) and "
                                              "new_parent_code.", l=", ".join(LEVELS))))
                elif _by_code(op.new_parent_code) is None and op.new_parent_code not in created:
                    errors.append((op.line, _("Unknown unit code %(c)s.", c=op.new_parent_code)))
                created.add(op.new_code)
            elif target is not None and (op.new_code in ended
                                         or _closed(op.new_code, effective)):
                errors.append((op.line, _("The successor %(c)s is closed.", c=op.new_code)))
            for code in op.old_codes:
                if code != op.new_code:
                    ended[code] = op.line
        elif op.action == "dissolve":
            if len(op.old_codes) != 1:
                errors.append((op.line, _("Dissolve one unit per line.")))
            if not op.new_code or not op.new_parent_code:
                errors.append((op.line, _("A dissolution needs new_parent_code (where its "
                                          "sub-units go) and new_code (who takes its members, "
                                          "funds and open work).")))
            for code in (op.new_code, op.new_parent_code):
                if code and (code in ended or code in op.old_codes
                             or _closed(code, effective)):
                    errors.append((op.line, _("The successor %(c)s is closed.", c=code)))
                elif code and _by_code(code) is None and code not in created:
                    errors.append((op.line, _("Unknown unit code %(c)s.", c=code)))
            ended.update({c: op.line for c in op.old_codes})
        elif op.action == "move":
            if len(op.old_codes) != 1 or not op.new_parent_code:
                errors.append((op.line, _("Move one unit per line, under new_parent_code.")))
            elif op.new_parent_code in ended or _closed(op.new_parent_code, effective):
                errors.append((op.line, _("The successor %(c)s is closed.",
                                          c=op.new_parent_code)))
            elif _by_code(op.new_parent_code) is None and op.new_parent_code not in created:
                errors.append((op.line, _("Unknown unit code %(c)s.", c=op.new_parent_code)))
        elif op.action == "split":
            errors += _check_split(op, ended, created, effective)
        elif op.action == "rename" and (len(op.old_codes) != 1
                                        or not (op.new_name or op.new_code)):
            errors.append((op.line, _("Rename one unit per line, giving new_name and/or "
                                      "new_code.")))
        for unit in olds:
            if op.action in ("merge", "dissolve", "split") and unit.code != op.new_code:
                last = _last_voucher_date(unit)
                if last is not None and last > effective:
                    errors.append((op.line, _(
                        "%(c)s has vouchers dated %(d)s, after the effective date.",
                        c=unit.code, d=last.strftime("%d/%m/%Y"))))
                closed = treasury.settings_for(unit).books_closed_through
                if closed is not None and closed >= effective:
                    errors.append((op.line, _(
                        "The books of %(c)s are closed through %(d)s: the handover on the "
                        "effective date cannot be written.",
                        c=unit.code, d=closed.strftime("%d/%m/%Y"))))
    return errors


def _check_split(op: Operation, ended: dict[str, int], created: set[str], effective: date
                 ) -> list[tuple[int, str]]:
    """A split line's own checks: one unit, at least two distinct open or new successors."""
    errors: list[tuple[int, str]] = []
    successors = split_successors(op)
    codes = [s.code for s in successors]
    if len(op.old_codes) != 1:
        errors.append((op.line, _("Split one unit per line.")))
    if len(successors) < 2 or not all(codes):
        errors.append((op.line, _("A split needs at least two successor codes in new_code, "
                                  "joined by ;.")))
    elif len(set(codes)) != len(codes):
        errors.append((op.line, _("A successor is named twice.")))
    old = _by_code(op.old_codes[0]) if op.old_codes else None
    for s in successors:
        if not s.code:
            continue
        if s.code in op.old_codes:
            errors.append((op.line, _("%(c)s cannot be its own successor.", c=s.code)))
            continue
        unit = _by_code(s.code)
        if s.code in ended or (unit is not None and not unit.is_active(effective)):
            errors.append((op.line, _("The successor %(c)s is closed.", c=s.code)))
        elif unit is not None:
            if old is not None and unit.path.startswith(old.path):
                errors.append((op.line, _("%(a)s cannot go into its own sub-unit %(b)s.",
                                          a=old.code, b=unit.code)))
        elif s.code not in created:
            if not s.name or s.level not in LEVELS or not s.parent_code:
                errors.append((op.line, _("A new unit needs new_name, new_level (%(l)s) and "
                                          "new_parent_code.", l=", ".join(LEVELS))))
            elif s.parent_code in ended or s.parent_code in op.old_codes:
                errors.append((op.line, _("The successor %(c)s is closed.", c=s.parent_code)))
            elif _by_code(s.parent_code) is None and s.parent_code not in created:
                errors.append((op.line, _("Unknown unit code %(c)s.", c=s.parent_code)))
            created.add(s.code)
    ended.update({c: op.line for c in op.old_codes})
    return errors


def touched_units(ops: list[Operation]) -> tuple[list[Unit], list[Unit]]:
    """(units the plan moves or closes, units it renames or hands work to) that exist now —
    what the access rule checks before a plan is previewed or applied."""
    restructured, edited = {}, {}
    for op in ops:
        for code in op.old_codes:
            unit = _by_code(code)
            if unit is not None:
                (edited if op.action == "rename" else restructured)[unit.id] = unit
        targets = [op.new_code, op.new_parent_code]
        if op.action == "split":
            targets = [*_parts(op.new_code), *_parts(op.new_parent_code)]
        for code in targets:
            unit = _by_code(code) if code else None
            if unit is not None and unit.id not in restructured:
                edited[unit.id] = unit
    return list(restructured.values()), list(edited.values())


def common_ancestor(units_: list[Unit]) -> Unit | None:
    """The deepest unit whose sub-tree holds all of `units_`."""
    if not units_:
        return None
    ids = units_[0].ancestor_ids
    for unit in units_[1:]:
        other = unit.ancestor_ids
        n = 0
        while n < min(len(ids), len(other)) and ids[n] == other[n]:
            n += 1
        ids = ids[:n]
    return db.session.get(Unit, ids[-1]) if ids else None


# ---------------------------------------------------------------------------------------------
# Big plans run as a job (assoc.jobs) with a progress page
# ---------------------------------------------------------------------------------------------

# A plan with more operations than this, or moving more members, is applied by a job; the
# settings REORG_JOB_OPERATIONS and REORG_JOB_MEMBERS override them.
JOB_OPERATIONS = 20
JOB_MEMBERS = 2000


def plan_size(ops: list[Operation]) -> tuple[int, int]:
    """(operations, members the plan moves): the members of every unit it closes."""
    closing = {code for op in ops if op.action in ("merge", "dissolve", "split")
               for code in op.old_codes if code != op.new_code}
    ids = [u.id for u in map(_by_code, closing) if u is not None]
    members = db.session.scalar(select(func.count()).select_from(Member).where(
        Member.unit_id.in_(ids), Member.status == "active")) if ids else 0
    return len(ops), int(members or 0)


def is_big(ops: list[Operation], max_operations: int = JOB_OPERATIONS,
           max_members: int = JOB_MEMBERS) -> bool:
    operations, members = plan_size(ops)
    return operations > max_operations or members > max_members


# ---------------------------------------------------------------------------------------------
# Applying a plan
# ---------------------------------------------------------------------------------------------


def apply_plan(actor: User | None, ops: list[Operation], effective: date, *,
               carry_roles: bool = True, title: str = "",
               progress: Callable[[int, int, str], None] | None = None,
               preview: bool = False) -> ReorgPlan:
    """A `preview` (the caller rolls back) of a plan for a later day runs as on that day, so a
    plan can be checked before it takes effect; only applying it waits for the day."""
    if preview and effective > today():
        with as_of(effective):
            return _apply_plan(actor, ops, effective, carry_roles=carry_roles, title=title,
                               progress=progress)
    return _apply_plan(actor, ops, effective, carry_roles=carry_roles, title=title,
                       progress=progress)


def _apply_plan(actor: User | None, ops: list[Operation], effective: date, *,
                carry_roles: bool = True, title: str = "",
                progress: Callable[[int, int, str], None] | None = None) -> ReorgPlan:
    """Apply the operations in order (flushes; the caller commits or rolls back). A job passes
    `progress(done, total, phase)`, called after each operation.

    The tree is locked first (units.lock_tree) and the plan checked inside the lock against
    the tree as it now stands: of two overlapping plans applied at once, the second waits and
    is refused as if it had come later."""
    units.lock_tree()
    errors = check_plan(ops, effective)
    if errors:
        raise PlanError(errors)
    restructured, edited = touched_units(ops)
    scope = common_ancestor(restructured + edited)
    plan = ReorgPlan(effective=effective, title=clean(title), summary={}, status="applied",
                     unit_id=scope.id if scope else None,
                     created_by_id=getattr(actor, "id", None))
    db.session.add(plan)
    db.session.flush()
    run = _Run(actor, plan, effective, carry_roles)
    for done, op in enumerate(ops, start=1):
        try:
            getattr(run, op.action)(op)
        except PlanError:
            raise
        except DomainError as e:
            raise PlanError([(op.line, str(e))]) from e
        if progress is not None:
            progress(done, len(ops), "reorganising")
    run.finish()
    entry = audit.record(actor, "reorg.apply", plan, unit=scope,
                         data={"effective": effective, "operations": len(ops),
                               "successors": [h.successor.code for h in run.handovers.values()]})
    plan.summary = {"handovers": [h.as_dict() for h in run.handovers.values()],
                    "operations": len(ops), "undo": {**run.undo, "audit_mark": entry.id}}
    db.session.flush()
    return plan


class _Run:
    """The state of one plan being applied: the handover records it fills in."""

    def __init__(self, actor, plan: ReorgPlan, effective: date, carry_roles: bool):
        self.actor, self.plan, self.effective = actor, plan, effective
        self.last_day = effective - timedelta(days=1)
        self.carry_roles = carry_roles
        self.handovers: dict[int, Handover] = {}
        # What an undo on the same day needs to put back (kept in plan.summary["undo"]).
        self.undo: dict[str, list] = {"created": [], "books": [], "posts": [], "roles": [],
                                      "granted": [], "vouchers": [], "moved": []}
        # (successor id, role) -> [(user's name, unit it came from)] of roles carried over.
        self.carried: dict[tuple[int, str], list[tuple[str, str]]] = {}

    def finish(self) -> None:
        """What each successor's record says once the whole plan is applied: members now in it
        (own and with its sub-units), those who came with the sub-units it received, two
        holders of one role carried into it, and the signers."""
        db.session.flush()
        active = Member.status == "active"
        for record in self.handovers.values():
            unit = record.successor
            record.members_total = db.session.scalar(
                select(func.count()).select_from(Member).join(Unit, Member.unit_id == Unit.id)
                .where(active, Unit.path.startswith(unit.path, autoescape=True))) or 0
            paths = db.session.scalars(select(Unit.path).where(
                Unit.id.in_(record.sub_unit_ids))).all() if record.sub_unit_ids else []
            record.members_with_units = sum(db.session.scalar(
                select(func.count()).select_from(Member).join(Unit, Member.unit_id == Unit.id)
                .where(active, Unit.path.startswith(path, autoescape=True))) or 0
                for path in paths)
            for (to_id, role), holders in self.carried.items():
                if to_id == unit.id and len(holders) > 1:
                    record.warnings.append({"what": "two_holders", "role": role,
                                            "holders": [h for h, _u in holders],
                                            "units": [u for _h, u in holders]})
            record.signers = self.signers(record)

    def signers(self, record: Handover) -> dict[str, str]:
        """Who signs for each side: the chair whose post (else whose role) ended at each
        outgoing unit; for the successor its chair on the effective date, or the chairs carried
        over to it."""
        names: dict[str, str] = {}
        for old in record.predecessors:
            chairs = [p["officer"] for p in record.posts_ended
                      if p["unit"] == old.name and p["title"] == "chair"] or [
                r["user"] for r in record.roles if r.get("unit") == old.name
                and r["role"] == "chair"]
            if chairs:
                names[old.name] = ", ".join(dict.fromkeys(chairs))
        unit = record.successor
        chairs = db.session.scalars(select(Officer.full_name).join(
            Position, Position.officer_id == Officer.id).where(
            Position.unit_id == unit.id, Position.title == "chair",
            Position.start_date <= self.effective,
            Position.end_date.is_(None) | (Position.end_date >= self.effective))).all()
        if not chairs:
            chairs = [h for h, _u in self.carried.get((unit.id, "chair"), [])]
        if not chairs:
            chairs = db.session.scalars(select(User.full_name).join(
                RoleAssignment, RoleAssignment.user_id == User.id).where(
                RoleAssignment.unit_id == unit.id, RoleAssignment.role == "chair",
                RoleAssignment.valid_from <= self.effective,
                RoleAssignment.valid_to.is_(None)
                | (RoleAssignment.valid_to >= self.effective))).all()
        if chairs:
            names[unit.name] = ", ".join(dict.fromkeys(chairs))
        return names

    def unit(self, code: str) -> Unit:
        unit = _by_code(code)
        if unit is None:
            raise DomainError(_("Unknown unit code %(c)s.", c=code))
        return unit

    def handover(self, successor: Unit) -> Handover:
        return self.handovers.setdefault(successor.id, Handover(successor))

    def note(self, unit: Unit, action: str, successor: Unit | None = None) -> None:
        db.session.add(UnitChange(plan_id=self.plan.id, unit_id=unit.id, action=action,
                                  effective=self.effective, old_name=unit.name,
                                  old_code=unit.code, old_parent_id=unit.parent_id,
                                  successor_id=successor.id if successor else None))

    # -- operations ------------------------------------------------------------------------

    def successor(self, code: str, name: str, parent_code: str, level: str) -> Unit:
        """The unit that takes the work: an existing one (renamed when the plan names it
        differently) or a new one, remembered for undo."""
        unit = _by_code(code)
        if unit is None:
            unit = units.create_unit(self.actor, parent=self.unit(parent_code), level=level,
                                     code=code, name=name, valid_from=self.effective)
            self.undo["created"].append(unit.id)
        elif name and name != unit.name:
            self.note(unit, "rename")
            units.update_unit(self.actor, unit, name=name)
        return unit

    def merge(self, op: Operation) -> None:
        target = self.successor(op.new_code, op.new_name, op.new_parent_code, op.new_level)
        reason = _("Merged into %(u)s", u=target.name)
        for code in op.old_codes:
            old = self.unit(code)
            if old.id != target.id:
                self.note(old, "merge", target)
                self.absorb(old, target, reason)

    def dissolve(self, op: Operation) -> None:
        old = self.unit(op.old_codes[0])
        parent, successor = self.unit(op.new_parent_code), self.unit(op.new_code)
        self.note(old, "dissolve", successor)
        for child in _open_children(old, self.effective):
            self.note(child, "move")
            units.move_unit(self.actor, child, parent)
            self.handover(parent).sub_units.append(child.name)
            self.handover(parent).sub_unit_ids.append(child.id)
        self.absorb(old, successor, _("Dissolved; work goes to %(u)s", u=successor.name),
                    funds_reason=DISSOLVE_REASON)

    def split(self, op: Operation) -> None:
        """One unit into several: each successor takes the sub-units, own members and fund
        amounts its `assign` lines give it; open work, learning entries and draft reports go
        to the first successor; posts end and roles carry over to every successor."""
        old = self.unit(op.old_codes[0])
        successors = [self.successor(spec.code, spec.name, spec.parent_code, spec.level)
                      for spec in split_successors(op)]
        first = self.handover(successors[0])
        amounts = _handover_amounts(old, first)
        shares = self.split_shares(op, old, successors, amounts)
        names = [u.name for u in successors]
        for unit in successors:
            self.note(old, "split", unit)
            record = self.handover(unit)
            record.predecessors.append(old)
            record.splits.append({"code": old.code, "name": old.name, "successors": names})
        for unit in successors:
            record, share = self.handover(unit), shares[unit.id]
            for child in share.sub_units:
                self.note(child, "move")
                units.move_unit(self.actor, child, unit)
                record.sub_units.append(child.name)
                record.sub_unit_ids.append(child.id)
            record.members += self.move_members(
                old, unit, "", ids=share.members,
                text=_("Moved by the split of %(a)s into %(b)s", a=old.name, b=unit.name))
        # Each successor's amount of a fund comes out of cash first, then the bank, never more
        # than a method holds: no book goes below zero.
        left: dict[int, list[list]] = {}
        for fund, method, balance in amounts:
            left.setdefault(fund.id, []).append([method, balance])
        for unit in successors:
            for fund, amount in shares[unit.id].funds:
                for part in left.get(fund.id, []):
                    take = min(amount, part[1])
                    if take > 0:
                        self.voucher_pair(old, unit, fund, part[0], take, self.handover(unit),
                                          SPLIT_REASON)
                        part[1] -= take
                        amount -= take
        self.move_open_work(old, successors[0], first)
        self.end_posts_and_roles(old, successors[0], first, also=successors[1:])
        settings = treasury.settings_for(old)
        self.undo["books"].append([old.id, _iso(settings.books_closed_through)])
        settings.books_closed_through = self.effective
        db.session.add(settings)
        units.close_unit(self.actor, old, on=max(self.last_day, old.valid_from),
                         reason=_("Split into %(u)s", u=", ".join(names)),
                         successor=successors[0])

    def split_shares(self, op: Operation, old: Unit, successors: list[Unit],
                     amounts: list[tuple[Fund, str, int]]) -> dict[int, _Share]:
        """What each successor takes, from the `assign` lines; every problem is listed with
        its line: unknown items, items given twice, sub-units or own members nobody takes,
        fund amounts that do not add up to the balance."""
        by_code = {spec.code: unit for spec, unit in zip(split_successors(op), successors,
                                                          strict=True)}
        children = {c.code.upper(): c for c in _open_children(old, self.effective)}
        own = dict(db.session.execute(select(Member.number, Member.id).where(
            Member.unit_id == old.id, Member.status == "active")).all())
        funds = {f.code.upper(): f for f in treasury.funds_of(old)}
        shares = {u.id: _Share() for u in successors}
        errors: list[tuple[int, str]] = []
        seen: dict[tuple, int] = {}

        def once(key: tuple, line: int, item: str) -> bool:
            if key in seen:
                errors.append((line, _("%(i)s is assigned twice (also on line %(n)s).", i=item,
                                       n=seen[key])))
                return False
            seen[key] = line
            return True

        for line, items, target in op.assignments:
            share = shares[by_code[target].id]
            for item in items:
                if "=" in item:
                    code, _eq, text = item.partition("=")
                    fund = funds.get(code.strip().upper())
                    try:
                        amount = parse_amount(text)
                    except ValueError:
                        errors.append((line, _("“%(i)s”: write a fund's share as CODE=amount in "
                                               "đồng, such as KH=2500000.", i=item)))
                        continue
                    if fund is None:
                        errors.append((line, _("%(u)s has no fund with code %(c)s.", u=old.code,
                                               c=code.strip().upper())))
                    elif once(("fund", fund.id, target), line, item):
                        share.funds.append((fund, amount))
                    continue
                code = item.upper().replace(" ", "-")
                number = _member_number(item)
                if code in children:
                    if once(("unit", code), line, item):
                        share.sub_units.append(children[code])
                elif number is not None and number in own:
                    if once(("member", number), line, item):
                        share.members.append(own[number])
                else:
                    errors.append((line, _("%(i)s is neither an open sub-unit of %(u)s nor the "
                                           "number of one of its own members.", i=item,
                                           u=old.code)))
        left = [c.code for key, c in children.items() if ("unit", key) not in seen]
        if left:
            errors.append((op.line, _("Sub-units of %(u)s that no successor takes: %(list)s.",
                                      u=old.code, list=", ".join(left))))
        nobody = sorted(n for n in own if ("member", n) not in seen)
        if nobody:
            listed = ", ".join(f"HV-{n:06d}" for n in nobody[:10])
            errors.append((op.line, _(
                "%(n)s members of %(u)s itself are not assigned to a successor (%(list)s): "
                "assign them by number, or move them into a branch that is assigned.",
                n=len(nobody), u=old.code, list=listed + (", …" if len(nobody) > 10 else ""))))
        balances: dict[int, int] = {}
        for fund, _method, balance in amounts:
            balances[fund.id] = balances.get(fund.id, 0) + balance
        for fund in funds.values():
            given = sum(a for share in shares.values() for f, a in share.funds if f.id == fund.id)
            if given != balances.get(fund.id, 0):
                errors.append((op.line, _(
                    "%(f)s of %(u)s: the amounts assigned add up to %(a)s, but its balance to "
                    "hand over is %(b)s.", f=fund.name, u=old.code, a=format_money(given),
                    b=format_money(balances.get(fund.id, 0)))))
        if errors:
            raise PlanError(sorted(errors))
        return shares

    def move(self, op: Operation) -> None:
        unit, parent = self.unit(op.old_codes[0]), self.unit(op.new_parent_code)
        self.note(unit, "move")
        units.move_unit(self.actor, unit, parent)

    def rename(self, op: Operation) -> None:
        unit = self.unit(op.old_codes[0])
        self.note(unit, "rename")
        values = {}
        if op.new_name:
            values["name"] = op.new_name
        if op.new_code:
            values["code"] = op.new_code
        units.update_unit(self.actor, unit, **values)

    # -- what an absorbed unit hands over ---------------------------------------------------

    def absorb(self, old: Unit, target: Unit, reason: str, *,
               funds_reason: str = HANDOVER_REASON) -> None:
        if target.path.startswith(old.path):
            raise DomainError(_("%(a)s cannot go into its own sub-unit %(b)s.", a=old.code,
                                b=target.code))
        record = self.handover(target)
        record.predecessors.append(old)
        for child in _open_children(old, self.effective):
            if child.id != target.id:
                self.note(child, "move")
                units.move_unit(self.actor, child, target)
                record.sub_units.append(child.name)
                record.sub_unit_ids.append(child.id)
        record.members += self.move_members(old, target, reason)
        self.hand_over_funds(old, target, record, funds_reason)
        self.move_open_work(old, target, record)
        self.end_posts_and_roles(old, target, record)
        settings = treasury.settings_for(old)
        self.undo["books"].append([old.id, _iso(settings.books_closed_through)])
        settings.books_closed_through = self.effective
        db.session.add(settings)
        units.close_unit(self.actor, old, on=max(self.last_day, old.valid_from), reason=reason,
                         successor=target)

    def move_members(self, old: Unit, target: Unit, reason: str, *,
                     ids: list[int] | None = None, text: str = "") -> int:
        if ids is None:
            ids = db.session.scalars(select(Member.id).where(Member.unit_id == old.id,
                                                             Member.status == "active")).all()
        if not ids:
            return 0
        actor_id, now = getattr(self.actor, "id", None), utcnow()
        text = text or _("Moved by the merger of %(a)s into %(b)s", a=old.name, b=target.name)
        db.session.execute(insert(MemberTransfer), [
            {"member_id": i, "unit_id": target.id, "from_unit_id": old.id, "on": self.effective,
             "reason": text[:300], "plan_id": self.plan.id, "created_by_id": actor_id,
             "created_at": now} for i in ids])
        db.session.execute(insert(AuditEntry), [
            {"at": now, "user_id": actor_id, "unit_id": target.id, "action": "member.transfer",
             "object_type": "member", "object_id": i,
             "data": {"from": old.code, "to": target.code, "on": self.effective.isoformat(),
                      "reason": text, "plan": self.plan.id}} for i in ids])
        for start in range(0, len(ids), 5000):
            db.session.execute(update(Member).where(Member.id.in_(ids[start:start + 5000]))
                               .values(unit_id=target.id)
                               .execution_options(synchronize_session=False))
        tally.touch(unit_ids=[old.id, target.id])
        return len(ids)

    def hand_over_funds(self, old: Unit, target: Unit, record: Handover,
                        reason: str = HANDOVER_REASON) -> None:
        for fund, method, balance in _handover_amounts(old, record):
            self.voucher_pair(old, target, fund, method, balance, record, reason)

    def voucher_pair(self, old: Unit, target: Unit, fund: Fund, method: str, amount: int,
                     record: Handover, reason: str) -> None:
        """A payment voucher out of `old`'s fund and a receipt into `target`'s, same amount:
        one handover (link_type "handover", each the other's pair), never income or spending,
        voided only together."""
        into = _successor_fund(self.actor, fund, target)
        out = treasury.issue_voucher(
            self.actor, old, kind="payment", amount=amount, party_name=target.name,
            reason=f"{reason} vào {target.name}", voucher_date=self.effective,
            method=method, fund=fund, allow_overdraw=True)
        into_voucher = treasury.issue_voucher(
            self.actor, target, kind="receipt", amount=amount, party_name=old.name,
            reason=f"{reason} từ {old.name}", voucher_date=self.effective,
            method=method, fund=into)
        out.link_type = into_voucher.link_type = "handover"
        out.pair_id, into_voucher.pair_id = into_voucher.id, out.id
        db.session.flush()
        self.undo["vouchers"] += [out.id, into_voucher.id]
        record.funds.append({"from": old.code, "from_name": old.name, "fund": fund.name,
                             "into": into.name,
                             "method": method, "amount": amount,
                             "payment": out.display_number,
                             "receipt": into_voucher.display_number})

    def move_open_work(self, old: Unit, target: Unit, record: Handover) -> None:
        moved = {
            "pledges": (Pledge, Pledge.status == "open"),
            "events": (Event, Event.status == "planned"),
            "donors": (Donor, True),
            "officers": (Officer, True),
        }
        for what, (model, condition) in moved.items():
            ids = db.session.scalars(select(model.id).where(model.unit_id == old.id,
                                                            condition)).all()
            if not ids:
                continue
            db.session.execute(update(model).where(model.id.in_(ids)).values(unit_id=target.id)
                               .execution_options(synchronize_session=False))
            self.undo["moved"].append([what, old.id, ids])
            record.moved_items.append({"what": what, "count": len(ids), "from": old.name})
        tally.touch(unit_ids=[old.id, target.id])
        drafts = db.session.scalar(select(func.count()).select_from(Nomination).where(
            Nomination.unit_id == old.id, Nomination.status == "draft"))
        if drafts:
            record.open_items.append({"what": "nominations", "count": drafts, "unit": old.name})
        sheets = db.session.scalars(select(RemunerationSheet).where(
            RemunerationSheet.unit_id == old.id, RemunerationSheet.status == "draft")).all()
        for sheet in sheets:
            record.open_items.append({"what": "sheet", "month": sheet.month, "year": sheet.year,
                                      "unit": old.name})
        self.carry_learning(old, target, record)
        self.carry_reports(old, target, record)

    def carry_learning(self, old: Unit, target: Unit, record: Handover) -> None:
        """Open learning-model entries (this year or later, not recognised) go to the
        successor; recognised ones and earlier years stay with the old unit's history. An
        entry the successor already has (same household, model and year) stays, listed."""
        entries = db.session.execute(select(
            LearningEntry.id, LearningEntry.model, LearningEntry.year,
            LearningEntry.identity_key).where(
            LearningEntry.unit_id == old.id, LearningEntry.year >= self.effective.year,
            LearningEntry.recognition_id.is_(None))).all()
        if not entries:
            return
        taken = set(db.session.execute(select(
            LearningEntry.model, LearningEntry.year, LearningEntry.identity_key).where(
            LearningEntry.unit_id == target.id,
            LearningEntry.year >= self.effective.year)).all())
        ids, clashes = [], 0
        for entry_id, model, year, key in entries:
            if (model, year, key) in taken:
                clashes += 1
            else:
                ids.append(entry_id)
                taken.add((model, year, key))
        if ids:
            db.session.execute(update(LearningEntry).where(LearningEntry.id.in_(ids))
                               .values(unit_id=target.id)
                               .execution_options(synchronize_session=False))
            self.undo["moved"].append(["learning", old.id, ids])
            record.moved_items.append({"what": "learning", "count": len(ids), "from": old.name})
        if clashes:
            record.open_items.append({"what": "learning", "count": clashes, "unit": old.name,
                                      "to": target.name})

    def carry_reports(self, old: Unit, target: Unit, record: Handover) -> None:
        """Periodic reports: submitted and accepted ones stay (history). A draft (or returned)
        report for a period that starts on or after the effective date goes to the successor
        when it takes part and has no report of its own yet; any other draft stays with the
        old unit and is listed (the successor's report of that period covers the old unit's
        figures; see periodic.py on closed units)."""
        from . import periodic

        moved = []
        for report in db.session.scalars(select(PeriodicReport).where(
                PeriodicReport.unit_id == old.id,
                PeriodicReport.status.in_(("draft", "returned")))
                .order_by(PeriodicReport.id)).all():
            template = report.template
            if (template.period_start >= self.effective and report.version == 1
                    and periodic.takes_part(template, target)
                    and periodic.current_report(template, target) is None):
                report.unit_id = target.id
                db.session.flush()
                moved.append(report.id)
                continue
            record.open_items.append({"what": "report", "title": template.title,
                                      "unit": old.name, "status": report.status})
        if moved:
            self.undo["moved"].append(["reports", old.id, moved])
            record.moved_items.append({"what": "reports", "count": len(moved),
                                       "from": old.name})

    def end_posts_and_roles(self, old: Unit, target: Unit, record: Handover,
                            also: list[Unit] | tuple = ()) -> None:
        """Posts end the day before (listed on every successor's record, for re-appointment
        there); roles end and carry over to each successor of the same level (`target` and,
        for a split, the other successors `also`)."""
        records = [record, *(self.handover(u) for u in also)]
        for post in db.session.scalars(select(Position).where(
                Position.unit_id == old.id, Position.end_date.is_(None)
                | (Position.end_date > self.last_day))).all():
            self.undo["posts"].append([post.id, _iso(post.start_date), _iso(post.end_date)])
            # A post or role that had not started yet never starts (dates kept consistent).
            post.start_date = min(post.start_date, self.last_day)
            post.end_date = self.last_day
            for each in records:
                each.posts_ended.append({"post_id": post.id, "officer": post.officer.full_name,
                                         "title": post.title, "title_text": post.title_text,
                                         "unit": old.name, "level": old.level})
        for role in db.session.scalars(select(RoleAssignment).where(
                RoleAssignment.unit_id == old.id, RoleAssignment.valid_to.is_(None)
                | (RoleAssignment.valid_to > self.last_day))).all():
            self.undo["roles"].append([role.id, _iso(role.valid_from), _iso(role.valid_to)])
            role.valid_from = min(role.valid_from, self.last_day)
            role.valid_to = self.last_day
            audit.record(self.actor, "role.revoke", role, unit=old,
                         data={"user": role.user.username, "role": role.role,
                               "plan": self.plan.id})
            # Roles carry over only to a unit of the same level (wards merging into a ward):
            # a district approver must not become a city approver because the district ended.
            for to, each in zip([target, *also], records, strict=True):
                held = db.session.scalar(select(RoleAssignment.id).where(
                    RoleAssignment.user_id == role.user_id, RoleAssignment.unit_id == to.id,
                    RoleAssignment.role == role.role, RoleAssignment.valid_to.is_(None)
                    | (RoleAssignment.valid_to >= self.effective)))
                carried = self.carry_roles and to.level == old.level and held is None
                if carried:
                    self.undo["granted"].append(units.grant_role(
                        self.actor, role.user, to, role.role, valid_from=self.effective).id)
                each.roles.append({"user": role.user.full_name, "role": role.role,
                                   "to": to.name if carried else None, "unit": old.name})
                if carried:
                    self.carried.setdefault((to.id, role.role), []).append(
                        (role.user.full_name, old.name))
        db.session.flush()


@dataclass
class _Share:
    """What one successor of a split takes."""

    sub_units: list[Unit] = field(default_factory=list)
    members: list[int] = field(default_factory=list)
    funds: list[tuple[Fund, int]] = field(default_factory=list)


def _member_number(text: str) -> int | None:
    """123 from "HV-000123", "hv123" or "123"; None when it is not a member number."""
    digits = text.strip().upper().removeprefix("HV-").removeprefix("HV")
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _open_children(unit: Unit, effective: date) -> list[Unit]:
    return [c for c in db.session.scalars(select(Unit).where(Unit.parent_id == unit.id)).all()
            if c.valid_to is None or c.valid_to >= effective]


def _handover_amounts(unit: Unit, record: Handover) -> list[tuple[Fund, str, int]]:
    """What to hand over of each fund, cash and bank apart. A method whose balance is negative
    (old records: a cash payment funded by a transfer receipt) is netted against the fund's
    other method and listed as an item to settle; a fund below zero in total stops the plan."""
    by_fund: dict[int, dict[str, int]] = {}
    funds: dict[int, Fund] = {}
    for fund, method, balance in _balances_by_method(unit):
        funds[fund.id] = fund
        by_fund.setdefault(fund.id, {})[method] = balance
    amounts = []
    for fund_id, methods in by_fund.items():
        fund, total = funds[fund_id], sum(methods.values())
        if total < 0:
            raise DomainError(_("%(f)s of %(u)s is below zero (%(b)s): correct its books "
                                "before the handover.", f=fund.name, u=unit.code,
                                b=format_money(total)))
        shortfall = -sum(b for b in methods.values() if b < 0)
        if shortfall:
            record.open_items.append({"what": "negative", "fund": fund.name, "unit": unit.name,
                                      "amount": shortfall})
        for method, balance in sorted(methods.items()):
            if balance <= 0:
                continue
            take = min(balance, shortfall)
            balance, shortfall = balance - take, shortfall - take
            if balance:
                amounts.append((fund, method, balance))
    return amounts


def _balances_by_method(unit: Unit) -> list[tuple[Fund, str, int]]:
    """(fund, method, balance) of every fund of the unit, cash and bank apart."""
    signed = case((Voucher.kind == "receipt", Voucher.amount), else_=-Voucher.amount)
    rows = db.session.execute(
        select(Voucher.fund_id, Voucher.method, func.sum(signed))
        .where(Voucher.unit_id == unit.id, Voucher.status == "valid")
        .group_by(Voucher.fund_id, Voucher.method)
        .order_by(Voucher.fund_id, Voucher.method)).all()
    funds = {f.id: f for f in treasury.funds_of(unit)}
    return [(funds[fund_id], method, int(total or 0)) for fund_id, method, total in rows]


def _successor_fund(actor, fund: Fund, target: Unit) -> Fund:
    """The successor's fund that takes `fund`'s money: its general fund for a general fund,
    else its fund of the same code (created like the old one when it has none)."""
    if fund.kind == "general":
        return treasury.general_fund(target)
    found = db.session.scalar(select(Fund).where(Fund.unit_id == target.id,
                                                 Fund.code == fund.code))
    if found is not None:
        return found
    return treasury.create_fund(actor, target, code=fund.code, name=fund.name,
                                sponsor=fund.sponsor)


def plan_for_unit(unit: Unit) -> dict[str, list[UnitChange]]:
    """Predecessors (units whose work went to `unit`) and what happened to `unit` itself."""
    rows = db.session.scalars(select(UnitChange).where(
        (UnitChange.successor_id == unit.id) | (UnitChange.unit_id == unit.id))
        .options(joinedload(UnitChange.plan))
        .order_by(UnitChange.effective, UnitChange.id)).all()  # one query: on every unit page
    return {"predecessors": [c for c in rows if c.successor_id == unit.id],
            "changes": [c for c in rows if c.unit_id == unit.id]}


def reappoint(actor: User | None, plan: ReorgPlan, successor: Unit, post_id: int, *,
              across_levels: bool = False) -> Position:
    """One click after a merger: the officer takes the same post at the successor from the
    effective date. Only a post this plan ended for this successor can be re-appointed.
    At a unit of another level (a district chair into the city) only by an explicit choice
    (`across_levels`), which the audit entry records with both levels."""
    records = [h for h in plan.summary.get("handovers", []) if h["successor"]["id"] == successor.id]
    if not any(p.get("post_id") == post_id for h in records for p in h["posts_ended"]):
        raise DomainError(_("This post was not ended by this plan for this unit."))
    post = db.session.get(Position, post_id)
    if post is None:
        raise DomainError(_("This post was not ended by this plan for this unit."))
    level_changes = post.unit.level != successor.level
    if level_changes and not across_levels:
        # A district chair does not become a city chair by one click without saying so.
        raise DomainError(_("%(who)s held the post at %(unit)s, a unit of another level than "
                            "%(successor)s: one-click re-appointment keeps the level. Tick "
                            "“appoint at another level” if that is what was decided, or "
                            "appoint at %(successor)s by hand.",
                            who=post.officer.full_name, unit=post.unit.name,
                            successor=successor.name))
    from . import officers

    position = officers.add_position(actor, post.officer, unit=successor, title=post.title,
                                     start_date=plan.effective, term=post.term,
                                     full_time=post.full_time, title_text=post.title_text)
    if level_changes:
        audit.record(actor, "position.reappoint_level", position, unit=successor, data={
            "officer": post.officer.full_name, "former_level": post.unit.level,
            "level": successor.level})
    return position


# ---------------------------------------------------------------------------------------------
# Undo (the same day, while nothing new was written to the units the plan touched)
# ---------------------------------------------------------------------------------------------

UNDO_REASON = "Hủy phương án sắp xếp áp dụng nhầm"
MOVABLE = {"pledges": Pledge, "events": Event, "donors": Donor, "officers": Officer,
           "learning": LearningEntry, "reports": PeriodicReport}


def _affected_unit_ids(plan: ReorgPlan) -> set[int]:
    ids = {c.unit_id for c in plan.changes} | {c.successor_id for c in plan.changes
                                               if c.successor_id}
    ids |= set(plan.summary.get("undo", {}).get("created", []))
    return ids


# Audit entries that record a read, not a write: a download's entry (member.export,
# report.export, unit.export, learning.export_rates…), signing in and out. They never block
# an undo (reads never block).
NOT_WRITES = (AuditEntry.action.not_like("%.export"),
              AuditEntry.action.not_like("%.export!_%", escape="!"),
              AuditEntry.action.not_like("auth.%"))


def undo_blockers(plan: ReorgPlan) -> list[AuditEntry]:
    """What stops an undo: later business writes in the units the plan touched (every write is
    in the audit log; downloads and sign-ins are not writes). An empty list means nothing was
    written since."""
    undo = plan.summary.get("undo")
    if plan.status != "applied" or undo is None:
        return []
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.id > undo["audit_mark"],
                                 AuditEntry.unit_id.in_(_affected_unit_ids(plan)),
                                 *NOT_WRITES)
        .order_by(AuditEntry.id).limit(20)).all()


def can_undo(plan: ReorgPlan) -> bool:
    return (plan.status == "applied" and "undo" in plan.summary
            and local_day(plan.created_at) == today()
            and not undo_blockers(plan))


def undo_plan(actor: User | None, plan: ReorgPlan) -> ReorgPlan:
    """Put everything back as it was before the plan; the handover vouchers are voided (their
    numbers stay), members and records go back, units reopen. Flushes; the caller commits.
    Under the tree's lock, checked again inside it (two undos at once: one undoes)."""
    units.lock_tree()
    if plan.status != "applied" or "undo" not in plan.summary:
        raise DomainError(_("This plan cannot be undone."))
    blockers = undo_blockers(plan)
    if blockers:
        raise DomainError(_("Records were written after the plan in the units it changed "
                            "(%(n)s or more), so it cannot be undone: reverse it with a new "
                            "plan instead.", n=len(blockers)))
    if not can_undo(plan):
        raise DomainError(_("A plan can be undone only on the day it was applied."))
    undo = plan.summary["undo"]
    affected = _affected_unit_ids(plan)
    for unit_id, closed in undo["books"]:
        settings = treasury.settings_for(db.session.get(Unit, unit_id))
        settings.books_closed_through = _day(closed)
        db.session.add(settings)
    db.session.flush()
    for voucher in db.session.scalars(select(Voucher).where(Voucher.id.in_(undo["vouchers"]))
                                      .order_by(Voucher.id)).all():
        if not voucher.is_void:  # the other half of a pair goes void with the first
            treasury.void_voucher(actor, voucher, UNDO_REASON, restoring=True)
    transfers = db.session.execute(select(MemberTransfer.member_id, MemberTransfer.from_unit_id)
                                   .where(MemberTransfer.plan_id == plan.id)).all()
    for from_unit, members in _group(transfers).items():
        for start in range(0, len(members), 5000):
            db.session.execute(update(Member).where(Member.id.in_(members[start:start + 5000]))
                               .values(unit_id=from_unit)
                               .execution_options(synchronize_session=False))
    db.session.execute(MemberTransfer.__table__.delete().where(
        MemberTransfer.plan_id == plan.id))
    for what, old_id, ids in undo["moved"]:
        model = MOVABLE[what]
        db.session.execute(update(model).where(model.id.in_(ids)).values(unit_id=old_id)
                           .execution_options(synchronize_session=False))
    for post_id, start, end in undo["posts"]:
        post = db.session.get(Position, post_id)
        post.start_date, post.end_date = _day(start), _day(end)
    for role_id, start, end in undo["roles"]:
        role = db.session.get(RoleAssignment, role_id)
        role.valid_from, role.valid_to = _day(start), _day(end)
    for role in db.session.scalars(select(RoleAssignment).where(
            RoleAssignment.id.in_(undo["granted"]))):
        audit.record(actor, "role.revoke", role, unit=role.unit,
                     data={"user": role.user.username, "role": role.role, "plan": plan.id})
        db.session.delete(role)
    db.session.flush()
    changes = sorted(plan.changes, key=lambda c: c.id, reverse=True)
    for change in changes:  # reopen first: sub-units move back under open units
        if change.action in ("merge", "dissolve", "split"):
            unit = db.session.get(Unit, change.unit_id)
            if unit.valid_to is None:
                continue  # a split unit has one change per successor
            unit.valid_to, unit.closed_reason, unit.successor_id = None, "", None
            audit.record(actor, "unit.reopen", unit, data={"plan": plan.id})
    for change in changes:
        unit = db.session.get(Unit, change.unit_id)
        if change.action == "move" and change.old_parent_id:
            units.move_unit(actor, unit, db.session.get(Unit, change.old_parent_id))
        elif change.action == "rename":
            units.update_unit(actor, unit, name=change.old_name, code=change.old_code)
    for unit in db.session.scalars(select(Unit).where(Unit.id.in_(undo["created"]))):
        # Vouchers are never deleted, so a unit the plan created stays, as one that never
        # existed: it ends the day before it began (active on no day, so no coverage, count
        # or report row has it), and its code is freed for a plan applied again.
        unit.valid_to = unit.valid_from - timedelta(days=1)
        unit.closed_reason = UNDO_REASON
        unit.code = f"{unit.code[:30]}~{plan.id}"
        audit.record(actor, "unit.update", unit, data={"plan": plan.id,
                                                       "closed_reason": UNDO_REASON})
    tally.touch(unit_ids=affected)
    plan.status = "undone"
    db.session.flush()
    audit.record(actor, "reorg.undo", plan, unit=plan.unit, data={"effective": plan.effective})
    return plan


def _group(pairs) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for member_id, from_unit in pairs:
        grouped.setdefault(from_unit, []).append(member_id)
    return grouped
