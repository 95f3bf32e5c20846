"""Realistic demo data: TP. Hồ Chí Minh → Quận 4 and Huyện Củ Chi → wards/communes → branches
and boards, with a user for each journey. Idempotent: running it twice changes nothing.

Each feature area adds its own step to STEPS; a step receives the units by code and the users
by username and must itself be idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import Unit, User
from ..services import units, users

DEMO_PASSWORD = "khuyenhoc2026"

# (code, parent code, level, name, address)
TREE = [
    ("HCM", None, "province", "Hội Khuyến học TP. Hồ Chí Minh",
     "213 Lê Thánh Tôn, Phường Bến Thành, TP. Hồ Chí Minh"),
    ("HCM-Q4", "HCM", "district", "Hội Khuyến học Quận 4", "5 Đoàn Như Hài, Quận 4"),
    ("HCM-CC", "HCM", "district", "Hội Khuyến học Huyện Củ Chi", "Thị trấn Củ Chi, Huyện Củ Chi"),
    ("HCM-Q4-KH", "HCM-Q4", "commune", "Hội Khuyến học Phường Khánh Hội",
     "188 Bến Vân Đồn, Phường Khánh Hội, TP. Hồ Chí Minh"),
    ("HCM-Q4-XC", "HCM-Q4", "commune", "Hội Khuyến học Phường Xóm Chiếu",
     "9 Đoàn Văn Bơ, Phường Xóm Chiếu, TP. Hồ Chí Minh"),
    ("HCM-Q4-VH", "HCM-Q4", "commune", "Hội Khuyến học Phường Vĩnh Hội",
     "131 Tôn Thất Thuyết, Phường Vĩnh Hội, TP. Hồ Chí Minh"),
    ("HCM-CC-CC", "HCM-CC", "commune", "Hội Khuyến học Xã Củ Chi",
     "Tỉnh lộ 8, Xã Củ Chi, TP. Hồ Chí Minh"),
    ("HCM-CC-TAH", "HCM-CC", "commune", "Hội Khuyến học Xã Tân An Hội",
     "Ấp Thạnh An, Xã Tân An Hội, TP. Hồ Chí Minh"),
    ("HCM-CC-PHD", "HCM-CC", "commune", "Hội Khuyến học Xã Phú Hòa Đông",
     "Ấp Phú Lợi, Xã Phú Hòa Đông, TP. Hồ Chí Minh"),
    ("HCM-Q4-KH-KP1", "HCM-Q4-KH", "branch", "Chi hội Khu phố 1", "Khu phố 1, Phường Khánh Hội"),
    ("HCM-Q4-KH-KP2", "HCM-Q4-KH", "branch", "Chi hội Khu phố 2", "Khu phố 2, Phường Khánh Hội"),
    ("HCM-Q4-KH-THCS", "HCM-Q4-KH", "board", "Ban Khuyến học Trường THCS Khánh Hội A",
     "Bến Vân Đồn, Phường Khánh Hội"),
    ("HCM-Q4-KH-DHN", "HCM-Q4-KH", "board", "Ban Khuyến học Dòng họ Nguyễn Phước",
     "Phường Khánh Hội"),
    ("HCM-Q4-XC-KP3", "HCM-Q4-XC", "branch", "Chi hội Khu phố 3", "Phường Xóm Chiếu"),
    ("HCM-Q4-XC-TH", "HCM-Q4-XC", "board", "Ban Khuyến học Trường Tiểu học Xóm Chiếu",
     "Phường Xóm Chiếu"),
    ("HCM-Q4-VH-KP5", "HCM-Q4-VH", "branch", "Chi hội Khu phố 5", "Phường Vĩnh Hội"),
    ("HCM-Q4-VH-CTY", "HCM-Q4-VH", "board", "Ban Khuyến học Công ty Cảng Sài Gòn",
     "Phường Vĩnh Hội"),
    ("HCM-CC-CC-AP1", "HCM-CC-CC", "branch", "Chi hội Ấp Bàu Tròn", "Xã Củ Chi"),
    ("HCM-CC-CC-DHT", "HCM-CC-CC", "board", "Ban Khuyến học Dòng họ Trần Văn", "Xã Củ Chi"),
    ("HCM-CC-TAH-AP", "HCM-CC-TAH", "branch", "Chi hội Ấp Thạnh An", "Xã Tân An Hội"),
    ("HCM-CC-TAH-THPT", "HCM-CC-TAH", "board", "Ban Khuyến học Trường THPT Trung Phú",
     "Xã Tân An Hội"),
    ("HCM-CC-PHD-AP", "HCM-CC-PHD", "branch", "Chi hội Ấp Phú Lợi", "Xã Phú Hòa Đông"),
    ("HCM-CC-PHD-CT", "HCM-CC-PHD", "board", "Ban Khuyến học Hợp tác xã Phú Hòa Đông",
     "Xã Phú Hòa Đông"),
]

# (username, full name, role, unit code, what they do in the demo)
USERS = [
    ("admin", "Lê Minh Quân", "admin", "HCM", "city administrator"),
    ("chutich.khanhhoi", "Nguyễn Thị Thu", "chair", "HCM-Q4-KH", "ward chair, Phường Khánh Hội"),
    ("thuquy.khanhhoi", "Trần Văn Bình", "treasurer", "HCM-Q4-KH",
     "ward treasurer, Phường Khánh Hội"),
    ("duyet.quan4", "Phạm Đức Hải", "approver", "HCM-Q4", "district approver, Quận 4"),
    ("thuquy.quan4", "Đỗ Thị Ngọc Hân", "treasurer", "HCM-Q4", "district treasurer, Quận 4"),
    ("chutich.xomchieu", "Võ Thị Lan", "chair", "HCM-Q4-XC", "ward chair, Phường Xóm Chiếu"),
    ("chutich.cuchi", "Huỳnh Văn Tâm", "chair", "HCM-CC", "district chair, Huyện Củ Chi"),
]

Step = Callable[[dict[str, Unit], dict[str, User]], None]
STEPS: list[Step] = []


def seed_demo() -> list[tuple[str, str, str]]:
    """Create (or complete) the demo data. Returns the logins to print: (username, password,
    description)."""
    by_code = {u.code: u for u in db.session.scalars(select(Unit))}
    for code, parent, level, name, address in TREE:
        if code not in by_code:
            by_code[code] = units.create_unit(
                None, parent=by_code[parent] if parent else None, level=level, code=code,
                name=name, address=address, valid_from=date(2020, 1, 1),
            )
    by_username = {u.username: u for u in db.session.scalars(select(User))}
    for username, full_name, role, unit_code, _what in USERS:
        user = by_username.get(username)
        if user is None:
            user = users.create_user(None, username=username, full_name=full_name,
                                     password=DEMO_PASSWORD)
            by_username[username] = user
            units.grant_role(None, user, by_code[unit_code], role,
                             valid_from=date(2025, 1, 1))
    from ..services import treasury as books_service

    # Each step writes its own past months, so the vouchers arrive out of date order; they are
    # numbered by date afterwards, as a book kept day by day would be.
    with books_service.loading_history() as books:
        for step in STEPS:
            step(by_code, by_username)
        db.session.flush()
        books_service.renumber_by_date(books)
    return [(u, DEMO_PASSWORD, what) for u, _n, _r, _c, what in USERS]
# Each module registers its step; steps run in import order (money before what uses it).
from . import treasury  # noqa: E402,F401,I001
from . import bank  # noqa: E402,F401,I001
from . import members  # noqa: E402,F401,I001
from . import officers  # noqa: E402,F401,I001
from . import events  # noqa: E402,F401,I001
from . import scholarships  # noqa: E402,F401,I001
from . import learning  # noqa: E402,F401,I001
from . import periodic  # noqa: E402,F401,I001
from ..blueprints.inbox import demo as _inbox_demo  # noqa: E402,I001

STEPS.append(_inbox_demo.seed_inbox)
