"""The work inbox ("Việc cần làm", issue 32): what waits for this user's roles, computed from the
records each time (no task table to keep in sync).

Every kind of item is one function `kind(ctx) -> list[Item]` making one query (two for a few
that need a second table), scoped through assoc/permissions.py by the user's sub-trees. Items
name what (a record's title, never a member's personal data), where (the unit), since when, the
due date, and the one page where the work is done.

A district does not get every ward's late item: late items of units below the user's own units
are shown as one count per unit directly below (`_late_below`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from ...extensions import db
from ...models import Unit, User, local_day, today
from ...permissions import can, granting_paths, scope_params, scope_query
from ...statements import rows as _rows
from .render import item_url


@dataclass
class Item:
    kind: str
    key: str                      # stable name of the item, for the reminders' record
    title: str                    # the record's title (no personal data of members)
    endpoint: str
    values: dict = field(default_factory=dict)
    unit_id: int | None = None
    unit_name: str = ""
    unit_path: str = ""
    since: date | None = None
    due: date | None = None
    count: int | None = None
    late: bool = False
    note: str = ""

    @property
    def url(self) -> str:
        return item_url(self.endpoint, self.values)  # one url_for per endpoint in a request

    @property
    def group(self) -> str:
        return KINDS[self.kind][0]

    @property
    def label(self):
        return KINDS[self.kind][1]


# kind -> (group, what the item asks for). The order is the order shown.
KINDS: dict[str, tuple[str, object]] = {
    "nomination_decide": ("scholarships", _l("Nominations to decide")),
    "nomination_draft": ("scholarships", _l("Draft nominations to submit")),
    "award_pay": ("scholarships", _l("Awards to pay")),
    "periodic_fill": ("periodic", _l("Report to fill in")),
    "periodic_returned": ("periodic", _l("Report returned with comments")),
    "periodic_review": ("periodic", _l("Reports waiting for your review")),
    "periodic_compile": ("periodic", _l("Accepted reports to compile")),
    "learning_score": ("learning", _l("Entries to score")),
    "learning_recognise": ("learning", _l("Scored entries to recognise")),
    "voucher_unprinted": ("treasury", _l("Vouchers issued but never printed")),
    "sheet_lock": ("treasury", _l("Remuneration sheet to lock")),
    "sheet_pay": ("treasury", _l("Remuneration sheet to pay")),
    "fund_negative": ("treasury", _l("Fund with a negative balance")),
    "pledge_overdue": ("treasury", _l("Pledges past their date and unpaid")),
    "dues_unpaid": ("members", _l("Members who have not paid this year's dues")),
    "member_duplicates": ("members", _l("Possible duplicate members to review")),
    "import_preview": ("members", _l("Import left at the preview")),
    "post_vacant": ("tree", _l("Unit without a key post")),
    "post_ending": ("tree", _l("Post ending within 30 days")),
    "reappoint": ("tree", _l("Re-appointments offered after a reorganisation")),
    "job_done": ("jobs", _l("My job finished")),
    "job_failed": ("jobs", _l("My job failed")),
    "late_below": ("below", _l("Late items of a unit below")),
}

GROUPS: dict[str, object] = {
    "below": _l("Units below: late items"),
    "scholarships": _l("Scholarships"),
    "periodic": _l("Periodic reports"),
    "learning": _l("Learning models"),
    "treasury": _l("Treasury"),
    "members": _l("Members"),
    "tree": _l("Units and officers"),
    "jobs": _l("My jobs"),
}


# The kinds' statements, built once per process and shape (how many scope prefixes, which
# branches) with every value a bound parameter: building and cache-keying an inline
# statement costs SQLAlchemy more Python than running it (assoc/statements.py).
_STATEMENTS: dict[tuple, object] = {}


def prepared(key: tuple, build: Callable[[], object]):
    """The statement `build()` makes, made once for `key` (the kind and its shape)."""
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = build()
    return statement


class Ctx:
    """What every kind needs: the user, the day, their units and their units' direct
    sub-units (read once, shared)."""

    def __init__(self, user: User, on: date | None = None):
        self.user = user
        self.on = on or today()
        self.assignments = list(user.active_assignments())
        self.units: dict[int, Unit] = {a.unit.id: a.unit for a in self.assignments}
        self._children: list[Unit] | None = None
        self.memo: dict = {}  # what several kinds read (one statement for them)
        self._own_paths: set[str] | None = None

    def paths(self, action: str) -> list[str]:
        return granting_paths(self.user, action)

    def scoped(self, query, action: str, column=Unit.path):
        return scope_query(query, self.user, action, column)

    def scope(self, action: str, name: str) -> dict[str, str]:
        """The bound prefixes of permissions.scope_clause(column, name, len(result))."""
        key = ("scope", action, name)
        if key not in self.memo:
            self.memo[key] = scope_params(self.user, action, name)
        return self.memo[key]

    def rows(self, key: tuple, build: Callable[[], object], params: dict) -> list:
        """Plain rows of the kind's prepared statement."""
        return _rows(prepared(key, build), params).all()

    def records(self, key: tuple, build: Callable[[], object], params: dict) -> list:
        """Records (ORM objects) of the kind's prepared statement."""
        return list(db.session.scalars(prepared(key, build), params))

    def can(self, action: str, unit: Unit) -> bool:
        return can(self.user, action, unit)

    @staticmethod
    def at(path: str):
        """A stand-in for the unit at `path` in an access check (the rule reads the path)."""
        return SimpleNamespace(path=path)

    def children(self) -> list[Unit]:
        """Open units directly below the user's units (one query, shared by the kinds)."""
        if self._children is None:
            self._children = self.records(("children",), lambda: (
                select(Unit).where(Unit.parent_id.in_(bindparam("ids", expanding=True)),
                                   Unit.valid_from <= bindparam("on"),
                                   Unit.valid_to.is_(None) | (Unit.valid_to >= bindparam("on")))
                .order_by(Unit.path)), {"ids": list(self.units), "on": self.on}) \
                if self.units else []
        return self._children

    def near_units(self) -> list[Unit]:
        """The user's units and the units directly below them."""
        seen = dict(self.units)
        for child in self.children():
            seen.setdefault(child.id, child)
        return sorted(seen.values(), key=lambda u: u.path)

    def is_own(self, path: str) -> bool:
        if self._own_paths is None:
            self._own_paths = {u.path for u in self.units.values()}
        return path in self._own_paths


def day_of(moment: datetime | date | None) -> date | None:
    if moment is None or isinstance(moment, date) and not isinstance(moment, datetime):
        return moment
    return local_day(moment)


def kinds() -> list[Callable[[Ctx], list[Item]]]:
    from . import records, work

    return [*work.KINDS, *records.KINDS]


@dataclass
class Inbox:
    items: list[Item]

    @property
    def count(self) -> int:
        return len(self.items)

    def groups(self) -> list[tuple[str, object, list[Item]]]:
        by_group: dict[str, list[Item]] = {}
        for item in self.items:
            by_group.setdefault(KINDS[item.kind][0], []).append(item)
        return [(group, label, by_group[group]) for group, label in GROUPS.items()
                if group in by_group]


def _late_below(ctx: Ctx, items: list[Item]) -> list[Item]:
    """Late items of units below the user's own units become one count per unit directly
    below (the ward), linking to that unit's page. Other items of units further down than
    that are the lower level's work and are left to it; the rest are kept as they are."""
    own = sorted(ctx.units.values(), key=lambda u: -len(u.path))
    children = {c.id: c for c in ctx.children()}
    kept: list[Item] = []
    below: dict[int, list[Item]] = {}
    for item in items:
        if not item.unit_path or ctx.is_own(item.unit_path):
            kept.append(item)
            continue
        top = next((u for u in own if item.unit_path.startswith(u.path)), None)
        if top is None:
            kept.append(item)
            continue
        ids = item.unit_path.strip("/").split("/")
        child_id = int(ids[top.depth + 1])
        child = children.get(child_id)
        if not item.late:
            if child is not None and child.path == item.unit_path:
                kept.append(item)  # a unit directly below: shown
            continue
        if child is None:
            kept.append(item)
            continue
        below.setdefault(child_id, []).append(item)
    for child_id, late in below.items():
        child = children[child_id]
        count = sum(i.count or 1 for i in late)
        kept.append(Item(
            "late_below", f"late_below:{child_id}", child.name, "units.show",
            {"unit_id": child_id}, child_id, child.name, child.path,
            since=min((i.due or i.since for i in late if i.due or i.since), default=None),
            count=count, late=True,
            note=", ".join(sorted({str(i.label) for i in late}))))
    return kept


def collect(user: User, on: date | None = None) -> Inbox:
    """Everything waiting for the user on `on` (today), grouped by kind, newest first."""
    ctx = Ctx(user, on)
    items: list[Item] = []
    if ctx.units:
        for kind in kinds():
            items.extend(kind(ctx))
    items = _late_below(ctx, items)
    order = {kind: n for n, kind in enumerate(KINDS)}
    items.sort(key=lambda i: (order[i.kind], -(i.since or date.min).toordinal(), i.key))
    return Inbox(items)
