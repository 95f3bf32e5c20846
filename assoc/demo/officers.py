"""Demo step of the officers area: base salaries, officers of Phường Khánh Hội and Quận 4 (some
holding three posts), allowance rates, and October's sheet for Khánh Hội, locked."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import Officer, RemunerationSheet, Unit, User
from ..services import officers

# unit code -> [(full name, birth year, phone, outside posts, [(title, unit code or None, start)])]
OFFICERS = {
    "HCM-Q4-KH": [
        ("Nguyễn Thị Thu", 1958, "0903123456", "Ủy viên Ủy ban MTTQ phường",
         [("chair", None, date(2020, 9, 1)), ("board_head", "HCM-Q4-KH-THCS", date(2021, 1, 1)),
          ("committee_member", "HCM-Q4", date(2020, 10, 1))]),
        ("Trần Văn Bình", 1962, "0918234567", "Bí thư chi bộ khu phố 2",
         [("treasurer", None, date(2020, 9, 1)), ("vice_chair", None, date(2020, 9, 1)),
          ("branch_head", "HCM-Q4-KH-KP2", date(2022, 3, 1))]),
        ("Lê Thị Mai", 1970, "0987345678", "",
         [("secretary", None, date(2020, 9, 1)), ("accountant", None, date(2023, 1, 1))]),
        ("Phạm Văn Hùng", 1955, "0909456789", "Trưởng ban điều hành khu phố 1",
         [("branch_head", "HCM-Q4-KH-KP1", date(2020, 9, 1)),
          ("inspection_head", None, date(2020, 9, 1))]),
        ("Võ Thị Hạnh", 1975, "", "",
         [("committee_member", None, date(2020, 9, 1))]),
    ],
    "HCM-Q4": [
        ("Đặng Quốc Việt", 1956, "0913567890", "",
         [("chair", None, date(2020, 10, 1)), ("standing_member", None, date(2020, 10, 1))]),
        ("Hoàng Thị Ngọc", 1968, "0937678901", "Phó trưởng phòng Giáo dục (nghỉ hưu)",
         [("vice_chair", None, date(2020, 10, 1)), ("secretary", None, date(2020, 10, 1)),
          ("standing_member", None, date(2020, 10, 1))]),
        ("Bùi Văn Tài", 1964, "0902789012", "",
         [("accountant", None, date(2021, 6, 1))]),
    ],
}

# unit code -> [(title, coefficient in thousandths or None, fixed amount or None)]
RULES = {
    "HCM-Q4-KH": [("chair", 1000, None), ("vice_chair", 700, None), ("secretary", 700, None),
                  ("treasurer", 500, None), ("accountant", None, 500_000),
                  ("inspection_head", None, 300_000)],
    "HCM-Q4": [("chair", 1500, None), ("vice_chair", 1200, None), ("secretary", 1000, None),
               ("accountant", 800, None), ("standing_member", None, 300_000)],
    "HCM-Q4-KH-KP1": [("branch_head", None, 300_000)],
    "HCM-Q4-KH-KP2": [("branch_head", None, 300_000)],
}


def seed_officers(by_code: dict[str, Unit], by_username: dict[str, User]) -> None:
    officers.ensure_known_base_salaries()
    for code, rules in RULES.items():
        unit = by_code[code]
        if db.session.scalars(officers.rules_query(unit)).first() is not None:
            continue
        for title, coefficient, amount in rules:
            officers.add_allowance_rule(
                None, unit, title=title, kind="coefficient" if coefficient else "fixed",
                coefficient_milli=coefficient, amount=amount, valid_from=date(2020, 1, 1))
    for code, people in OFFICERS.items():
        unit = by_code[code]
        known = set(db.session.scalars(select(Officer.full_name).where(Officer.unit_id == unit.id)))
        for name, born, phone, outside, posts in people:
            if name in known:
                continue
            officer = officers.create_officer(None, unit, full_name=name, birth_year=born,
                                              phone=phone, outside_posts=outside)
            for title, at, start in posts:
                officers.add_position(None, officer, unit=by_code[at] if at else unit,
                                      title=title, start_date=start, term="2020–2025")
    ward = by_code["HCM-Q4-KH"]
    exists = db.session.scalar(select(RemunerationSheet.id).where(
        RemunerationSheet.unit_id == ward.id, RemunerationSheet.year == 2026,
        RemunerationSheet.month == 10))
    if exists is None:
        treasurer = by_username.get("thuquy.khanhhoi")
        sheet = officers.create_sheet(treasurer, ward, year=2026, month=10)
        officers.lock_sheet(treasurer, sheet)


from ..demo import STEPS  # noqa: E402

STEPS.append(seed_officers)
