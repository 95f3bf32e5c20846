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
import threading
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


# ---------------------------------------------------------------------------------------------
# Officers and remuneration
# ---------------------------------------------------------------------------------------------


def build_base_salaries() -> None:
    """The known mức lương cơ sở (1.490.000 / 1.800.000 / 2.340.000 đ)."""
    from assoc.services import officers

    officers.ensure_known_base_salaries()
    db.session.commit()


def build_officer(unit: Unit, name: str = "Nguyễn Văn An", *posts, **kw):
    """build_officer(ward, "Lê Thị Hoa", ("chair", date(2020, 1, 1)), ("treasurer", start, end))
    — each post is (title, start[, end[, at_unit]])."""
    from assoc.services import officers

    officer = officers.create_officer(None, unit, full_name=name, **kw)
    for post in posts:
        title, start, end, at = (*post, None, None)[:4]
        officers.add_position(None, officer, unit=at or unit, title=title, start_date=start,
                              end_date=end)
    db.session.commit()
    return officer


def build_rule(unit: Unit, title: str, *, coefficient: int | None = None, amount: int | None = None,
               valid_from: date = date(2019, 1, 1), valid_to: date | None = None):
    """coefficient in thousandths (1500 = 1,5 × base salary) or a fixed monthly amount."""
    from assoc.services import officers

    rule = officers.add_allowance_rule(
        None, unit, title=title, kind="coefficient" if coefficient is not None else "fixed",
        coefficient_milli=coefficient, amount=amount, valid_from=valid_from, valid_to=valid_to)
    db.session.commit()
    return rule
# Events
# ---------------------------------------------------------------------------------------------


def build_event(unit: Unit, *, kind: str = "walk", title: str = "Đi bộ gây quỹ khuyến học",
                starts_at=None, target_amount: int = 50_000_000, status: str = "planned",
                **kw):
    from datetime import UTC, datetime

    from assoc.services import events

    event = events.create_event(
        None, unit, kind=kind, title=title,
        starts_at=starts_at or datetime(2026, 10, 2, 0, 30, tzinfo=UTC),
        target_amount=target_amount, place=kw.pop("place", "Công viên Khánh Hội"),
        organiser=kw.pop("organiser", unit.name), **kw)
    if status in ("held", "closed"):
        events.set_status(None, event, status)
    db.session.commit()
    return event


def build_donor(unit: Unit, name: str = "Công ty TNHH Sao Việt", **kw):
    from assoc.services import events

    donor = events.register_donor(None, unit, name=name, **kw)
    db.session.commit()
    return donor
# Scholarships
# ---------------------------------------------------------------------------------------------


def build_program(unit: Unit, *, quotas: dict | None = None, by: User | None = None,
                  **kw):
    """A program open today; quotas = {unit: count} or {unit: (count, budget)}."""
    from datetime import timedelta

    from assoc.models import today
    from assoc.services import scholarships

    values = {
        "name": "Học bổng Nguyễn Hữu Thọ 2026", "sponsor": "Công ty Cảng Sài Gòn",
        "amount_per_award": 2_000_000, "max_awards": 10, "budget": 20_000_000,
        "window_start": today() - timedelta(days=10), "window_end": today() + timedelta(days=20),
        "criteria": "Học sinh nghèo vượt khó, học lực khá trở lên",
        "priority_groups": ["poor", "orphan"],
    }
    values.update(kw)
    program = scholarships.create_program(by, unit, **values)
    if quotas:
        scholarships.set_quotas(by, program, {
            u.id: (v if isinstance(v, tuple) else (v, None)) for u, v in quotas.items()
        })
    db.session.commit()
    return program


_student_seq = itertools.count(1)
STUDENT_NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Cường", "Phạm Thị Dung",
                 "Huỳnh Minh Đức", "Võ Thị Giang", "Đặng Quốc Huy", "Bùi Thị Khánh"]


def build_nomination(program, unit: Unit, *, by: User | None = None, submit: bool = True,
                     status: str | None = None, **kw):
    """A nomination from `unit`; submitted unless submit=False; status="approved"/"rejected"
    decides it too (as a fresh approver)."""
    from assoc.services import scholarships

    n = next(_student_seq)
    values = {
        "student_name": kw.pop("student_name", STUDENT_NAMES[n % len(STUDENT_NAMES)] + f" {n}"),
        "birth_date": date(2012, 1 + n % 12, 1 + n % 28), "sex": "F" if n % 2 else "M",
        "school": "Trường THCS Khánh Hội A", "grade": "7", "academic_result": "Giỏi",
        "family_circumstance": "Hộ nghèo, mẹ đơn thân", "priority_groups": ["poor"],
        "guardian_name": "Nguyễn Thị Mai", "guardian_phone": "0903 123 456",
        "address": "12 Bến Vân Đồn", "reason": "Chăm ngoan, học giỏi", "attachments": 2,
    }
    values.update(kw)
    nomination = scholarships.create_nomination(by, program, unit, **values)
    if submit or status:
        scholarships.submit_nomination(by, nomination)
    if status in ("approved", "rejected"):
        scholarships.decide(None, program, [nomination],
                            "approve" if status == "approved" else "reject",
                            reason="" if status == "approved" else "Không đủ điều kiện")
    db.session.commit()
    return nomination
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


# ---------------------------------------------------------------------------------------------
# Concurrency
# ---------------------------------------------------------------------------------------------


def race(app, n, work):
    """Run work(i) in n threads started together, each in its own app context and session."""
    from assoc.extensions import db

    barrier = threading.Barrier(n)
    errors: list[BaseException] = []
    results: list = [None] * n

    def run(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = work(i)
                db.session.commit()
            except BaseException as e:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                errors.append(e)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


# ---------------------------------------------------------------------------------------------
# Periodic reports
# ---------------------------------------------------------------------------------------------


def build_periodic_template(unit: Unit, *, kind: str = "year_end", year: int | None = None,
                            levels=("district", "commune"), due_date: date | None = None,
                            **changes):
    """A ready-made six-month / year-end template at `unit` (a province)."""
    from assoc.models import today
    from assoc.services import periodic

    values = periodic.preset_values(kind, unit, year or today().year)
    values["levels"] = list(levels)
    if due_date is not None:
        values["due_date"] = due_date
    values.update(changes)
    template = periodic.create_template(None, unit, **values)
    db.session.commit()
    return template
