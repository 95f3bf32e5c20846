"""How long a monthly remuneration sheet takes for a big unit: 300 officers, 2 posts each,
rates for every post, a base-salary change inside the month (day-by-day computation)."""

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assoc import create_app  # noqa: E402
from assoc.config import TestConfig  # noqa: E402
from assoc.extensions import db  # noqa: E402
from assoc.models import OFFICER_TITLES  # noqa: E402
from assoc.services import officers, units  # noqa: E402

N = 300


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "bench.db"
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{path}")
    app = create_app(config)
    with app.app_context():
        db.create_all()
        unit = units.create_unit(None, parent=None, level="commune", code="BENCH",
                                 name="Phường Thử", valid_from=date(2020, 1, 1))
        officers.ensure_known_base_salaries()
        officers.add_base_salary(None, effective_from=date(2030, 1, 16), amount=3_000_000)
        for i, title in enumerate(OFFICER_TITLES):
            officers.add_allowance_rule(None, unit, title=title, kind="coefficient",
                                        coefficient_milli=300 + 100 * i,
                                        valid_from=date(2020, 1, 1))
        for i in range(N):
            o = officers.create_officer(None, unit, full_name=f"Nguyễn Văn Thử {i}")
            for title in (OFFICER_TITLES[i % 12], OFFICER_TITLES[(i + 5) % 12]):
                officers.add_position(None, o, unit=unit, title=title,
                                      start_date=date(2020 + i % 11, 1 + i % 12, 1 + i % 28))
        db.session.commit()
        t0 = time.perf_counter()
        sheet = officers.create_sheet(None, unit, year=2030, month=1)
        db.session.commit()
        t1 = time.perf_counter()
        from assoc.pdf.remuneration import sheet_pdf

        with app.test_request_context():
            pdf = sheet_pdf(sheet)
        t2 = time.perf_counter()
        print(f"sheet for {len(sheet.lines)} officers ({2 * N} posts): {t1 - t0:.3f} s; "
              f"total {sheet.total:,} đ")
        print(f"PDF: {t2 - t1:.3f} s, {len(pdf) // 1024} KiB")
        db.drop_all()


if __name__ == "__main__":
    main()
