"""Demo members: about forty realistic members across the branches and boards of Phường Khánh
Hội, with the 2026 dues amount and some dues paid. Idempotent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..demo import STEPS
from ..extensions import db
from ..models import Member, Unit, User
from ..services import members as svc

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Lý"]
MIDDLE_M = ["Văn", "Minh", "Hữu", "Đức", "Quốc", "Thanh"]
MIDDLE_F = ["Thị", "Ngọc", "Thị Thu", "Thị Kim", "Thanh"]
GIVEN_M = ["An", "Bảo", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Phúc", "Quang",
           "Sơn", "Tài", "Thắng", "Tuấn", "Việt"]
GIVEN_F = ["Anh", "Bích", "Chi", "Dung", "Hà", "Hạnh", "Hồng", "Lan", "Liên", "Mai", "Nga",
           "Oanh", "Phượng", "Thảo", "Yến"]
STREETS = ["Bến Vân Đồn", "Hoàng Diệu", "Tôn Đản", "Đoàn Như Hài", "Nguyễn Tất Thành",
           "Lê Quốc Hưng", "Khánh Hội"]
JOBS = ["Hưu trí", "Giáo viên", "Buôn bán", "Công nhân", "Nội trợ", "Kỹ sư", "Y tá",
        "Cán bộ hưu trí", "Kinh doanh"]
PLACES = [("HCM-Q4-KH-KP1", 12), ("HCM-Q4-KH-KP2", 12), ("HCM-Q4-KH-THCS", 7),
          ("HCM-Q4-KH-DHN", 6), ("HCM-Q4-KH", 2)]
COLLECTIVE = [
    ("HCM-Q4-KH-THCS", "Trường THCS Khánh Hội A", "Lê Thị Hồng Vân", "Hiệu trưởng, 028 3940 1234"),
    ("HCM-Q4-KH", "Công ty TNHH Vận tải Khánh Hội", "Phan Minh Tâm", "Giám đốc, 0903 456 789"),
    ("HCM-Q4-KH-DHN", "Dòng họ Nguyễn Phước", "Nguyễn Phước Lộc", "Trưởng tộc, 0913 222 444"),
]


def seed_members(units: dict[str, Unit], users: dict[str, User]) -> None:
    ward = units.get("HCM-Q4-KH")
    if ward is None:
        return
    if db.session.scalar(select(Member.id).join(Unit).where(
            Unit.path.startswith(ward.path)).limit(1)) is not None:
        return
    chair = users.get("chutich.khanhhoi")
    svc.set_dues_rate(chair, ward, year=2025, amount=50_000)
    svc.set_dues_rate(chair, ward, year=2026, amount=60_000)
    n = 0
    created = []
    for code, count in PLACES:
        for _i in range(count):
            female = n % 2 == 1
            family = FAMILY[(n * 5) % len(FAMILY)]
            middle = (MIDDLE_F if female else MIDDLE_M)[n % 5]
            given = (GIVEN_F if female else GIVEN_M)[(n * 7) % 15]
            year = 1950 + (n * 3) % 45
            birth = (f"{(n % 27) + 1:02d}/{(n % 12) + 1:02d}/{year}" if n % 3 else str(year))
            sex_digit = (0 if year < 2000 else 2) + (1 if female else 0)
            cccd = f"079{sex_digit}{year % 100:02d}{100000 + n * 7919 % 900000:06d}" if n % 4 else ""
            phone = f"09{(n * 37) % 10}{1000000 + n * 104729 % 9000000:07d}"
            member = svc.create_member(
                chair, units[code], full_name=f"{family} {middle} {given}", birth=birth,
                sex="F" if female else "M", cccd=cccd, phone=phone,
                address=f"{10 + n * 3} {STREETS[n % len(STREETS)]}, Phường Khánh Hội",
                occupation=JOBS[n % len(JOBS)],
                joined_on=date(2008 + n % 17, (n % 12) + 1, 1), honorary=(n == 3),
                notes="Nguyên Chủ tịch Hội" if n == 3 else "",
            )
            created.append(member)
            n += 1
    for code, name, rep, contact in COLLECTIVE:
        svc.create_member(chair, units[code], kind="collective", full_name=name,
                          representative=rep, contact=contact, joined_on=date(2015, 10, 2))
    treasurer = users.get("thuquy.khanhhoi")
    for i, member in enumerate(created):
        if i % 4 != 3:
            svc.pay_dues(treasurer, member, year=2025, paid_on=date(2025, 3, 15))
        if i % 2 == 0:
            svc.pay_dues(treasurer, member, year=2026)
    db.session.flush()


STEPS.append(seed_members)
