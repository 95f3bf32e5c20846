"""Make the world of a test in one line.

    tree = build_tree()                     # the standard tree below
    tree = build_tree("city>district_a>ward_a,ward_b>branch_a")
    user = build_user(role="chair", at=tree.ward_a)

A spec is levels separated by ">", siblings by ","; each level hangs under the first unit of the
level before. A unit's level comes from its name (city, district…, ward…, branch…, board…).

The standard tree (relations seen from ward_a):
    city ─┬─ district_a ─┬─ ward_a ─┬─ branch_a        own = ward_a, child = branch_a,
          │              │          └─ board_a         parent = district_a,
          │              └─ ward_b ─── branch_b        sibling = ward_b,
          └─ district_b ──── ward_c                    unrelated = ward_c
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from assoc.extensions import db
from assoc.models import Unit, User
from assoc.services import units, users

PASSWORD = "correct horse battery"
_seq = itertools.count(1)

LEVEL_BY_PREFIX = [
    ("national", "national"),
    ("city", "province"),
    ("province", "province"),
    ("district", "district"),
    ("ward", "commune"),
    ("commune", "commune"),
    ("branch", "branch"),
    ("board", "board"),
]


def level_for(name: str) -> str:
    for prefix, level in LEVEL_BY_PREFIX:
        if name.startswith(prefix):
            return level
    raise ValueError(f"cannot tell the level of {name!r}")


@dataclass
class Tree:
    units: dict[str, Unit] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Unit:
        try:
            return self.__dict__["units"][name]
        except KeyError:
            raise AttributeError(name) from None

    RELATIONS = {
        "own": "ward_a",
        "child": "branch_a",
        "parent": "district_a",
        "sibling": "ward_b",
        "unrelated": "ward_c",
    }

    def relative(self, where: str) -> Unit:
        """The unit standing in `where` relation to ward_a in the standard tree."""
        return self.units[self.RELATIONS[where]]


STANDARD = [
    ("city", None),
    ("district_a", "city"),
    ("district_b", "city"),
    ("ward_a", "district_a"),
    ("ward_b", "district_a"),
    ("ward_c", "district_b"),
    ("branch_a", "ward_a"),
    ("board_a", "ward_a"),
    ("branch_b", "ward_b"),
]


def build_unit(name: str, parent: Unit | None = None, level: str | None = None, **kw) -> Unit:
    return units.create_unit(
        None, parent=parent, level=level or level_for(name),
        code=kw.pop("code", f"{name}-{next(_seq)}".upper()),
        name=kw.pop("display_name", f"Hội Khuyến học {name.replace('_', ' ').title()}"),
        valid_from=kw.pop("valid_from", date(2020, 1, 1)), **kw,
    )


def build_tree(spec: str | None = None) -> Tree:
    tree = Tree()
    if spec is None:
        for name, parent in STANDARD:
            tree.units[name] = build_unit(name, tree.units.get(parent) if parent else None)
    else:
        previous: Unit | None = None
        for level_spec in spec.split(">"):
            first = None
            for name in (n.strip() for n in level_spec.split(",")):
                tree.units[name] = build_unit(name, previous)
                first = first or tree.units[name]
            previous = first
    db.session.commit()
    return tree


def build_user(role: str | None = None, at: Unit | None = None, *, username: str | None = None,
               full_name: str = "Nguyễn Văn Thử", password: str = PASSWORD) -> User:
    user = users.create_user(None, username=username or f"user{next(_seq)}",
                             full_name=full_name, password=password)
    if role:
        units.grant_role(None, user, at, role)
    db.session.commit()
    return user


# ---------------------------------------------------------------------------------------------
# Treasury
# ---------------------------------------------------------------------------------------------


def build_fund(unit: Unit, code: str = "HB", name: str = "Quỹ học bổng Nguyễn Phước",
               sponsor: str = "Dòng họ Nguyễn Phước"):
    from assoc.services import treasury

    fund = treasury.create_fund(None, unit, code=code, name=name, sponsor=sponsor)
    db.session.commit()
    return fund


def build_voucher(unit: Unit, kind: str = "receipt", amount: int = 500_000, *, actor=None,
                  commit: bool = True, **kw):
    """A voucher with sensible defaults (a receipt of 500.000 đ into the general fund)."""
    from assoc.services import treasury

    kw.setdefault("party_name", "Nguyễn Văn An")
    kw.setdefault("reason", "Ủng hộ quỹ khuyến học" if kind == "receipt" else "Chi học bổng")
    voucher = treasury.issue_voucher(actor, unit, kind=kind, amount=amount, **kw)
    if commit:
        db.session.commit()
    return voucher
# Members
# ---------------------------------------------------------------------------------------------


def build_member(unit: Unit, name: str = "Nguyễn Văn Á", **values):
    """A member registered through the service (so keys, number and audit are real)."""
    from assoc.services import members

    member = members.create_member(None, unit, full_name=name, **values)
    db.session.commit()
    return member


def build_workbook(rows: list[list], *, title_rows: list[list] | None = None) -> bytes:
    """An .xlsx with optional title rows above `rows` (the first of which is the header)."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in (title_rows or []) + rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
