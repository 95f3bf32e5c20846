"""Demo step for events: a piggy-bank festival (counting sheets → receipts) and a fundraising
walk with donors, gifts in kind and a pledge in Phường Khánh Hội; a planned reading-culture day in
Phường Xóm Chiếu. Idempotent: an event that exists (same unit and title) is left alone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..demo import STEPS
from ..extensions import db
from ..models import Event, Unit, User, today
from ..services import events as svc

VN = ZoneInfo("Asia/Ho_Chi_Minh")

FESTIVAL = "Ngày hội khui heo đất khuyến học năm học 2025–2026"
WALK = "Đi bộ gây quỹ khuyến học hưởng ứng Ngày Khuyến học Việt Nam 2/10"
READING = "Ngày hội văn hóa đọc phường Xóm Chiếu"

# class, counts per denomination
PIGGY_BANKS = [
    ("Lớp 6A1", {"n100000": 3, "n50000": 12, "n20000": 25, "n10000": 48, "n5000": 30,
                 "n2000": 41, "n1000": 26, "c500": 14}),
    ("Lớp 6A2", {"n200000": 1, "n50000": 9, "n20000": 31, "n10000": 52, "n5000": 44,
                 "n2000": 37, "c1000": 12}),
    ("Lớp 7A1", {"n500000": 1, "n100000": 2, "n20000": 18, "n10000": 60, "n5000": 21,
                 "n1000": 55}),
    ("Lớp 7A3", {"n50000": 15, "n20000": 22, "n10000": 39, "n5000": 28, "n2000": 50,
                 "c500": 30, "c200": 25}),
    ("Lớp 8A2", {"n100000": 4, "n50000": 10, "n10000": 44, "n5000": 36, "n2000": 20}),
    ("Lớp 9A1", {"n200000": 2, "n100000": 1, "n20000": 27, "n10000": 33, "n1000": 70}),
]

# name, kind, phone, tax code, method, amount or estimated value, items, quantity
WALK_GIFTS = [
    ("Công ty CP Cảng Sài Gòn", "organisation", "", "0300123456", "transfer", 15_000_000, "", 0),
    ("Ngân hàng TMCP Á Châu – PGD Khánh Hội", "organisation", "", "0301452948", "transfer",
     10_000_000, "", 0),
    ("Nguyễn Văn Phúc", "person", "0903125478", "", "cash", 2_000_000, "", 0),
    ("Trần Thị Ngọc Lan", "person", "0918456123", "", "cash", 1_000_000, "", 0),
    ("Lê Hoàng Minh", "person", "0987654321", "", "cash", 500_000, "", 0),
    ("Phạm Thị Hồng", "person", "0909888777", "", "cash", 300_000, "", 0),
    ("Võ Văn Tám", "person", "", "", "cash", 200_000, "", 0),
    ("Nhà sách Phương Nam – chi nhánh Quận 4", "organisation", "", "0304567891", "in_kind",
     6_000_000, "Sách tham khảo và truyện thiếu nhi", 300),
    ("Cửa hàng xe đạp Thống Nhất", "organisation", "02839401234", "", "in_kind", 12_000_000,
     "Xe đạp cho học sinh nghèo vượt khó", 8),
    ("Huỳnh Thị Mỹ", "person", "0935222111", "", "transfer", 1_500_000, "", 0),
]


def _at(days_ago: int, hour: int = 7) -> datetime:
    day = today() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, 0), VN).astimezone(UTC)


def _exists(unit: Unit, title: str) -> bool:
    return db.session.scalar(select(Event.id).where(Event.unit_id == unit.id,
                                                     Event.title == title)) is not None


def seed_events(units: dict[str, Unit], users: dict[str, User]) -> None:
    ward = units["HCM-Q4-KH"]
    chair, treasurer = users["chutich.khanhhoi"], users["thuquy.khanhhoi"]
    if not _exists(ward, FESTIVAL):
        event = svc.create_event(
            chair, ward, kind="piggy_bank", title=FESTIVAL, starts_at=_at(20),
            place="Sân Trường THCS Khánh Hội A", organiser="Hội Khuyến học Phường Khánh Hội",
            partners="Trường THCS Khánh Hội A, Liên đội TNTP Hồ Chí Minh",
            target_amount=5_000_000,
            description="Các lớp nuôi heo đất khuyến học suốt năm học; tiền khui heo dùng "
                        "trao học bổng cho học sinh có hoàn cảnh khó khăn.")
        svc.set_status(chair, event, "held")
        svc.record_participation(chair, event, students=412, members=35, residents=60)
        for group, counts in PIGGY_BANKS:
            svc.record_counting_sheet(chair, event, group_name=group, counts=counts,
                                      counter_1="Lê Thị Hoa", counter_2="Phạm Văn Nam")
        svc.receipt_counting_sheets(treasurer, event, mode="group")
    if not _exists(ward, WALK):
        event = svc.create_event(
            chair, ward, kind="walk", title=WALK, starts_at=_at(50, 6),
            place="Công viên Khánh Hội, Bến Vân Đồn", organiser="Hội Khuyến học Phường Khánh Hội",
            partners="UBND Phường Khánh Hội, Đoàn Thanh niên phường, Hội Cựu chiến binh",
            target_amount=50_000_000,
            description="Đi bộ 3 km dọc Bến Vân Đồn; mỗi bước chân góp một suất học bổng.")
        svc.set_status(chair, event, "held")
        svc.record_participation(chair, event, students=150, members=120, residents=230)
        gift_day = today() - timedelta(days=50)
        for name, kind, phone, tax, method, value, items, qty in WALK_GIFTS:
            donor = svc.register_donor(treasurer, ward, name=name, kind=kind, phone=phone,
                                       tax_code=tax)
            if method == "in_kind":
                svc.record_donation(chair, ward, method=method, donor=donor, event=event,
                                    items=items, quantity=qty, estimated_value=value,
                                    received_on=gift_day)
            else:
                svc.record_donation(treasurer, ward, method=method, donor=donor, event=event,
                                    amount=value, received_on=gift_day)
        svc.record_donation(treasurer, ward, method="cash", anonymous=True, event=event,
                            amount=3_450_000, received_on=gift_day,
                            note="Thùng quyên góp tại điểm xuất phát")
        sponsor = svc.register_donor(treasurer, ward, name="Công ty TNHH Vận tải Biển Xanh",
                                     kind="organisation", tax_code="0312345678")
        pledge = svc.create_pledge(treasurer, ward, donor=sponsor, amount=20_000_000,
                                   due_on=today() + timedelta(days=30), event=event,
                                   note="Cam kết tại lễ xuất phát")
        svc.record_donation(treasurer, ward, method="transfer", amount=8_000_000, pledge=pledge,
                            received_on=today() - timedelta(days=10))
    xc = units["HCM-Q4-XC"]
    if not _exists(xc, READING):
        svc.create_event(
            users["chutich.xomchieu"], xc, kind="reading_day", title=READING,
            starts_at=_at(-25, 8), place="Nhà văn hóa phường Xóm Chiếu",
            organiser="Hội Khuyến học Phường Xóm Chiếu", partners="Thư viện Quận 4",
            target_amount=3_000_000, description="Quyên góp sách cho tủ sách lớp học.")
    db.session.flush()


STEPS.append(seed_events)
