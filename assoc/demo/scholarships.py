"""Demo step for scholarships: Quận 4's "Học bổng Nguyễn Hữu Thọ 2026" with quotas for its three
wards and a few nominations, plus the district treasurer who pays awards (thuquy.quan4).
Idempotent: nothing is added when the program already exists."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..demo import DEMO_PASSWORD, STEPS
from ..extensions import db
from ..models import ScholarshipProgram, Unit, User, today
from ..services import scholarships, treasury, units, users

PROGRAM_NAME = "Học bổng Nguyễn Hữu Thọ 2026"

# (ward code, student, birth date, sex, school, grade, result, circumstances, groups, guardian,
#  phone, address, status)
NOMINATIONS = [
    ("HCM-Q4-KH", "Nguyễn Thị Mai Anh", date(2012, 3, 14), "F", "Trường THCS Khánh Hội A", "8",
     "Học sinh giỏi, điểm TB 8,7", "Hộ nghèo, cha mất sớm, mẹ bán vé số",
     ["poor", "girl"], "Lê Thị Hoa", "0903 456 781", "45/3 Bến Vân Đồn, Phường Khánh Hội",
     "approved"),
    ("HCM-Q4-KH", "Trần Minh Khang", date(2010, 9, 2), "M", "Trường THPT Nguyễn Trãi", "10",
     "Học sinh giỏi", "Mồ côi cha mẹ, sống với bà ngoại", ["orphan"], "Phạm Thị Lài",
     "0918 223 344", "12 Hoàng Diệu, Phường Khánh Hội", "submitted"),
    ("HCM-Q4-XC", "Lê Hoàng Phúc", date(2013, 1, 20), "M", "Trường THCS Chi Lăng", "7",
     "Học sinh khá", "Hộ cận nghèo, cha bị tai nạn lao động", ["near_poor"], "Lê Văn Tư",
     "0937 112 908", "9 Đoàn Văn Bơ, Phường Xóm Chiếu", "submitted"),
    ("HCM-Q4-XC", "Huỳnh Ngọc Trâm", date(2011, 6, 8), "F", "Trường THCS Chi Lăng", "9",
     "Học sinh giỏi, giải Ba Toán cấp quận", "Hộ nghèo", ["poor", "girl"], "Huỳnh Văn Sáu",
     "0909 887 766", "27 Xóm Chiếu, Phường Xóm Chiếu", "submitted"),
    ("HCM-Q4-VH", "Thạch Thị Sa Rươne", date(2012, 11, 30), "F", "Trường THCS Vân Đồn", "8",
     "Học sinh khá", "Gia đình người Khmer, hộ nghèo", ["ethnic_minority", "poor", "girl"],
     "Thạch Sô Phanh", "0766 554 321", "131 Tôn Thất Thuyết, Phường Vĩnh Hội", "draft"),
]


def _user(by_username: dict[str, User], username: str, full_name: str, role: str,
          unit: Unit) -> User:
    user = by_username.get(username)
    if user is None:
        user = users.create_user(None, username=username, full_name=full_name,
                                 password=DEMO_PASSWORD)
        units.grant_role(None, user, unit, role, valid_from=date(2025, 1, 1))
        by_username[username] = user
    return user


def seed_scholarships(by_code: dict[str, Unit], by_username: dict[str, User]) -> None:
    district = by_code["HCM-Q4"]
    cashier = _user(by_username, "thuquy.quan4", "Đỗ Thị Ngọc Hân", "treasurer", district)
    if db.session.scalar(select(ScholarshipProgram.id).where(
            ScholarshipProgram.name == PROGRAM_NAME)) is not None:
        return
    approver = by_username.get("duyet.quan4")
    start = min(date(2026, 8, 1), today() - timedelta(days=30))
    end = max(date(2026, 12, 31), today() + timedelta(days=60))
    # The sponsor's money goes into an earmarked fund of the district; awards are paid from it.
    fund = treasury.create_fund(None, district, code="HB-NHT",
                                name="Quỹ học bổng Nguyễn Hữu Thọ",
                                sponsor="Công ty TNHH MTV Cảng Sài Gòn")
    treasury.issue_voucher(
        cashier, district, kind="receipt", amount=28_000_000, fund=fund,
        party_name="Công ty TNHH MTV Cảng Sài Gòn",
        party_address="3 Nguyễn Tất Thành, Phường Xóm Chiếu, TP. Hồ Chí Minh",
        reason="Tài trợ Học bổng Nguyễn Hữu Thọ năm 2026", method="transfer", attachments=1,
        voucher_date=min(start, today()))
    program = scholarships.create_program(
        approver, district, name=PROGRAM_NAME,
        sponsor="Công ty TNHH MTV Cảng Sài Gòn", amount_per_award=2_000_000,
        tiers=[2_000_000, 3_000_000], max_awards=12, budget=28_000_000,
        window_start=start, window_end=end, ceremony_date=end + timedelta(days=10),
        criteria="Học sinh THCS, THPT cư trú tại Quận 4, học lực khá trở lên, hoàn cảnh khó "
                 "khăn; ưu tiên học sinh mồ côi, hộ nghèo, cận nghèo, dân tộc thiểu số.",
        priority_groups=["poor", "near_poor", "orphan", "ethnic_minority", "girl",
                         "disability"],
        fund=fund,
    )
    scholarships.set_quotas(approver, program, {
        by_code["HCM-Q4-KH"].id: (5, 11_000_000),
        by_code["HCM-Q4-XC"].id: (4, 9_000_000),
        by_code["HCM-Q4-VH"].id: (3, 8_000_000),
    })
    nominators = {"HCM-Q4-KH": by_username.get("chutich.khanhhoi"),
                  "HCM-Q4-XC": by_username.get("chutich.xomchieu")}
    for (code, name, born, sex, school, grade, result, circumstances, groups, guardian, phone,
         address, status) in NOMINATIONS:
        n = scholarships.create_nomination(
            nominators.get(code), program, by_code[code], student_name=name, birth_date=born,
            sex=sex, school=school, grade=grade, academic_result=result,
            family_circumstance=circumstances, priority_groups=groups, guardian_name=guardian,
            guardian_phone=phone, address=address, reason="Chăm ngoan, vượt khó học tốt",
            attachments=3, amount=2_000_000)
        if status != "draft":
            scholarships.submit_nomination(nominators.get(code), n)
        if status == "approved":
            scholarships.decide(approver, program, [n], "approve")
            scholarships.pay_awards(cashier, program, [n], mode="each", method="transfer")


STEPS.append(seed_scholarships)
