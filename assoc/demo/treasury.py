"""Demo step for the treasury: funds and about fifteen vouchers of Phường Khánh Hội."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..demo import STEPS
from ..extensions import db
from ..models import Unit, User, Voucher, today
from ..services import treasury

# (days ago, kind, fund code, amount, party, address, reason, method, attachments)
VOUCHERS = [
    (300, "receipt", "KH", 5_000_000, "Công ty Cổ phần Cảng Sài Gòn", "3 Nguyễn Tất Thành, Phường Khánh Hội",
     "Ủng hộ quỹ khuyến học năm 2026", "transfer", 1),
    (290, "receipt", "HB-NP", 20_000_000, "Dòng họ Nguyễn Phước", "Phường Khánh Hội",
     "Tài trợ quỹ học bổng Nguyễn Phước năm học 2025–2026", "transfer", 1),
    (250, "receipt", "KH", 1_250_000, "Chi hội Khu phố 1", "Khu phố 1, Phường Khánh Hội",
     "Nộp hội phí quý I/2026 của hội viên Khu phố 1", "cash", 1),
    (245, "receipt", "KH", 980_000, "Chi hội Khu phố 2", "Khu phố 2, Phường Khánh Hội",
     "Nộp hội phí quý I/2026 của hội viên Khu phố 2", "cash", 1),
    (220, "payment", "KH", 1_500_000, "Nguyễn Thị Hồng", "Khu phố 2, Phường Khánh Hội",
     "Mua sách vở tặng học sinh khó khăn", "cash", 2),
    (200, "receipt", "KH", 3_500_000, "Trường THCS Khánh Hội A", "Bến Vân Đồn, Phường Khánh Hội",
     "Ủng hộ từ ngày hội khui heo đất", "cash", 1),
    (180, "payment", "HB-NP", 6_000_000, "Ban Khuyến học Trường THCS Khánh Hội A",
     "Bến Vân Đồn, Phường Khánh Hội", "Chi 6 suất học bổng Nguyễn Phước (1.000.000 đ/suất)",
     "transfer", 1),
    (150, "receipt", "KH", 2_000_000, "Ông Lê Văn Sáu", "12 Hoàng Diệu, Phường Khánh Hội",
     "Ủng hộ quỹ khuyến học", "cash", 0),
    (120, "payment", "KH", 850_000, "Trần Văn Bình", "Phường Khánh Hội",
     "Chi văn phòng phẩm, in giấy khen", "cash", 3),
    (90, "receipt", "KH", 1_100_000, "Chi hội Khu phố 1", "Khu phố 1, Phường Khánh Hội",
     "Nộp hội phí quý III/2026 của hội viên Khu phố 1", "cash", 1),
    (60, "payment", "KH", 2_400_000, "Phạm Thị Mai", "Khu phố 1, Phường Khánh Hội",
     "Chi khen thưởng học sinh giỏi năm học 2025–2026", "cash", 1),
    (45, "receipt", "KH", 500_000, "Bà Võ Thị Tư", "Khu phố 2, Phường Khánh Hội",
     "Ủng hộ quỹ khuyến học", "cash", 0),
    (30, "payment", "HB-NP", 4_000_000, "Ban Khuyến học Dòng họ Nguyễn Phước",
     "Phường Khánh Hội", "Chi 4 suất học bổng Nguyễn Phước đợt 2", "transfer", 1),
    (10, "receipt", "KH", 750_000, "Chi hội Khu phố 2", "Khu phố 2, Phường Khánh Hội",
     "Nộp hội phí quý III/2026 của hội viên Khu phố 2", "cash", 1),
    (3, "receipt", "KH", 300_000, "Ông Đặng Văn Lộc", "Khu phố 1, Phường Khánh Hội",
     "Ủng hộ quỹ khuyến học", "cash", 0),
]


def seed_treasury(units: dict[str, Unit], users: dict[str, User]) -> None:
    unit = units["HCM-Q4-KH"]
    treasurer = users["thuquy.khanhhoi"]
    if db.session.scalar(select(Voucher.id).where(Voucher.unit_id == unit.id).limit(1)):
        return
    treasury.update_settings(None, unit, head_name="Nguyễn Thị Thu",
                             accountant_name="Lê Thị Hoa", cashier_name="Trần Văn Bình")
    funds = {"KH": treasury.general_fund(unit)}
    funds["HB-NP"] = treasury.create_fund(None, unit, code="HB-NP",
                                          name="Quỹ học bổng Nguyễn Phước",
                                          sponsor="Dòng họ Nguyễn Phước")
    issued = []
    for ago, kind, code, amount, party, address, reason, method, att in VOUCHERS:
        issued.append(treasury.issue_voucher(
            treasurer, unit, kind=kind, amount=amount, party_name=party, party_address=address,
            reason=reason, voucher_date=today() - timedelta(days=ago), method=method,
            fund=funds[code], attachments=att))
    # A mistake corrected the proper way: voided, then issued again.
    wrong = treasury.issue_voucher(
        treasurer, unit, kind="receipt", amount=70_000, party_name="Bà Võ Thị Tư",
        party_address="Khu phố 2, Phường Khánh Hội", reason="Ủng hộ quỹ khuyến học",
        voucher_date=today() - timedelta(days=2))
    treasury.void_voucher(treasurer, wrong, "Ghi sai số tiền (700.000 đ), đã lập phiếu khác")
    treasury.issue_voucher(
        treasurer, unit, kind="receipt", amount=700_000, party_name="Bà Võ Thị Tư",
        party_address="Khu phố 2, Phường Khánh Hội", reason="Ủng hộ quỹ khuyến học",
        voucher_date=today() - timedelta(days=2))
    for code in ("HCM-Q4-XC", "HCM-Q4-VH", "HCM-Q4"):
        treasury.issue_voucher(
            None, units[code], kind="receipt", amount=2_000_000,
            party_name="Hội Khuyến học Quận 4" if code != "HCM-Q4" else "Ủy ban nhân dân Quận 4",
            reason="Kinh phí hỗ trợ hoạt động khuyến học", voucher_date=today() - timedelta(days=20))


STEPS.append(seed_treasury)
