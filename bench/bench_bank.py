"""Bank statements: how long reading, matching and booking a statement of N dues transfers
takes (each line a member's dues in bank noise, plus unmatched credits and fees), and how long
the second import of the same file takes (everything already imported), on a throw-away SQLite
database (or BENCH_DATABASE_URL). Prints numbers; never fails a build."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assoc import create_app  # noqa: E402
from assoc.config import TestConfig  # noqa: E402
from assoc.extensions import db  # noqa: E402
from assoc.models import today  # noqa: E402
from assoc.services import members, units  # noqa: E402


def main(n: int = 1000) -> None:
    config = TestConfig()
    tmp = tempfile.mkdtemp()
    config.SQLALCHEMY_DATABASE_URI = os.environ.get("BENCH_DATABASE_URL",
                                                    f"sqlite:///{tmp}/bench.db")
    app = create_app(config)
    with app.app_context(), app.test_request_context():
        from assoc.blueprints.bank import accounts
        from assoc.blueprints.bank.matching import book, match
        from assoc.blueprints.bank.statements import read
        from tests import bank_samples

        db.create_all()
        ward = units.create_unit(None, parent=None, level="commune", code="B-KH", name="Phường",
                                 valid_from=date(2020, 1, 1))
        year = today().year
        members.set_dues_rate(None, ward, year=year, amount=60_000)
        account = accounts.create_account(None, ward, bank_bin="970436",
                                          account_number="0071000123456", account_name="HKH")
        people = [members.create_member(None, ward, full_name=f"Nguyễn Văn {i}")
                  for i in range(n)]
        db.session.commit()
        first = today() - timedelta(days=60)
        noise = ["MBVCB.{r}.HV{n:06d} {y}.CT tu 0011001234567 NGUYEN VAN A",
                 "hv {n:06d}-{y} nop hoi phi", "NOP HOI PHI NAM {y} HV{n:06d}",
                 "IBFT HV{n:06d}.{y} {r}"]
        tx = [(first + timedelta(days=i * 50 // n), f"FT{i:08d}", 60_000,
               noise[i % 4].format(n=m.number, y=year, r=i)) for i, m in enumerate(people)]
        tx += [(first + timedelta(days=55), f"X{i}", 250_000, "chuyen tien ung ho")
               for i in range(n // 50)]
        tx += [(first + timedelta(days=58), f"F{i}", -11_000, "Phi quan ly")
               for i in range(n // 100)]
        data = bank_samples.vietcombank(tx)
        t0 = time.perf_counter()
        statement = read(data, "s.xlsx")
        t1 = time.perf_counter()
        preview = match(account, statement)
        t2 = time.perf_counter()
        summary = book(None, account, preview, filename="s.xlsx")
        db.session.commit()
        t3 = time.perf_counter()
        again = match(account, read(data, "s.xlsx"))
        t4 = time.perf_counter()
        print(f"{len(statement.lines)} lines ({len(data):,} bytes .xlsx): read {t1 - t0:.2f} s, "
              f"match {t2 - t1:.2f} s, book {summary['vouchers']} receipts {t3 - t2:.2f} s")
        print(f"  first: {preview.summary_line()}")
        print(f"  again: {again.summary_line()} (read + match {t4 - t3:.2f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
