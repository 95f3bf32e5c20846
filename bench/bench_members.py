"""Members performance on SQLite (or DATABASE_URL): import 100,000 generated rows, list/search
pages at 100,000 members, a PDF of 1,000 cards. Prints numbers; never fails on time.

    python bench/bench_members.py [ROWS]
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assoc import create_app  # noqa: E402
from assoc.config import TestConfig  # noqa: E402
from assoc.extensions import db  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thu", "Đức", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phúc",
         "Quang", "Sơn", "Thảo", "Tuấn", "Yến"]


def generated_csv(n: int) -> bytes:
    out = io.StringIO()
    out.write("STT,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Điện thoại,Địa chỉ,Ngày vào hội\n")
    for i in range(n):
        name = f"{FAMILY[i % 10]} {MIDDLE[(i // 10) % 8]} {GIVEN[(i // 80) % 16]} {i}"
        year = 1940 + i % 60
        sex = i % 2
        cccd = f"079{sex}{year % 100:02d}{i:06d}"
        out.write(f"{i + 1},{name},{(i % 28) + 1}/{(i % 12) + 1}/{year},"
                  f"{'Nữ' if sex else 'Nam'},{cccd},09{i:08d},{i} Bến Vân Đồn,{2000 + i % 25}\n")
    return out.getvalue().encode("utf-8")


def timed(label: str, fn, repeat: int = 1):
    best = None
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label:<58} {best * 1000:9.1f} ms")
    return result


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'b.db'}"
    config.IMPORT_MAX_BYTES = 100 * 1024 * 1024
    config.SERVER_NAME = "bench.local"
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        from assoc.services import imports, units, users
        from assoc.services import members as svc

        city = units.create_unit(None, parent=None, level="province", code="B", name="Thành phố")
        district = units.create_unit(None, parent=city, level="district", code="B-D", name="Quận")
        ward = units.create_unit(None, parent=district, level="commune", code="B-D-W",
                                 name="Phường Khánh Hội")
        user = users.create_user(None, username="bench", full_name="Bench", password="x" * 12)
        units.grant_role(None, user, district, "chair")
        db.session.commit()

        data = generated_csv(ROWS)
        print(f"members bench: {ROWS:,} rows, {len(data) / 1e6:.1f} MB CSV, "
              f"{db.engine.dialect.name}")
        preview = timed("parse + normalise + duplicate check (in memory)",
                        lambda: imports.parse(data, "bench.csv", ward))
        assert preview.summary()["valid"] == ROWS, preview.summary()

        def write():
            summary = imports.commit(user, ward, preview)
            db.session.commit()
            return summary

        summary = timed("import: bulk insert + commit (after parsing)", write)
        assert summary["imported"] == ROWS

        client = app.test_client()
        with client.session_transaction() as s:
            s["_user_id"] = user.get_id()
            s["_fresh"] = True

        def page(url):
            def run():
                r = client.get(url)
                assert r.status_code == 200, (url, r.status_code)
            return run

        base = f"/members/unit/{district.id}"
        timed("list page 1 (sub-tree, sorted by given name)", page(base), 5)
        timed("list page 1000", page(base + "?page=1000"), 5)
        timed("search name 'nguyen thi lan'", page(base + "?q=nguyen+thi+lan"), 5)
        timed("search phone '+84 90 000 1234'", page(base + "?q=%2B84+90+000+1234"), 5)
        timed("search CCCD (lost zero) '79019000019'", page(base + "?q=79019000019"), 5)
        timed("filter dues unpaid 2026", page(base + "?dues=unpaid&year=2026"), 5)
        timed("dues page (unpaid list)", page(f"/members/unit/{ward.id}/dues"), 3)
        timed("duplicates page", page(f"/members/unit/{ward.id}/duplicates"), 1)

        from assoc.models import Member
        from assoc.pdf.member_cards import member_cards_pdf

        members = db.session.scalars(
            svc.member_query(None, ward, svc.ListFilters()).limit(1000)).all()
        for m in members:
            _ = m.unit
        pdf = timed("PDF of 1,000 cards", lambda: member_cards_pdf(
            members, check_url=lambda m: f"https://hoikhuyenhoc.vn/members/check/{m.card_token}",
            valid_from=2026, valid_to=2030))
        print(f"{'  (PDF size)':<58} {len(pdf) / 1e6:9.2f} MB")
        timed("export 100,000 to .xlsx", lambda: imports.export_xlsx(
            db.session.scalars(svc.member_query(None, ward, svc.ListFilters())).all(), ward))
        assert db.session.query(Member).count() == ROWS


if __name__ == "__main__":
    main()
