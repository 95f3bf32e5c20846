"""Events: how long recording donations (each with its treasury receipt) and computing totals
take, on a throw-away SQLite database (or DATABASE_URL). Prints numbers; never fails a build."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assoc import create_app  # noqa: E402
from assoc.config import TestConfig  # noqa: E402
from assoc.extensions import db  # noqa: E402
from assoc.services import events, units  # noqa: E402


def main() -> None:
    config = TestConfig()
    tmp = tempfile.mkdtemp()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.db"
    if os.environ.get("BENCH_DATABASE_URL"):
        config.SQLALCHEMY_DATABASE_URI = os.environ["BENCH_DATABASE_URL"]
    app = create_app(config)
    with app.app_context(), app.test_request_context():
        db.create_all()
        city = units.create_unit(None, parent=None, level="province", code="B-HCM", name="TP")
        wards = [units.create_unit(None, parent=city, level="commune", code=f"B-W{i}",
                                   name=f"Phường {i}") for i in range(20)]
        db.session.commit()
        ward = wards[0]
        walk = events.create_event(None, ward, kind="walk", title="Đi bộ gây quỹ",
                                   starts_at=datetime(2026, 10, 2, tzinfo=UTC))
        db.session.commit()
        n = 200
        start = time.perf_counter()
        for i in range(n):
            donor = events.register_donor(None, ward, name=f"Nhà hảo tâm {i}")
            events.record_donation(None, ward, method="cash" if i % 2 else "transfer",
                                   donor=donor, event=walk, amount=100_000 + i)
            db.session.commit()
        took = time.perf_counter() - start
        print(f"record {n} donations with receipts (one commit each): {took:.2f} s "
              f"({1000 * took / n:.1f} ms each)")
        for w in wards:
            for k in range(25):
                e = events.create_event(None, w, kind="reading_day", title=f"Ngày đọc {k}",
                                        starts_at=datetime(2026, 4, 21, tzinfo=UTC))
                events.record_donation(None, w, method="in_kind", anonymous=True, event=e,
                                       items="Sách", quantity=10, estimated_value=50_000)
        db.session.commit()
        all_events = db.session.scalars(events.events_query(city)).all()
        start = time.perf_counter()
        rows = events.subtree_summary(city, all_events)
        took = time.perf_counter() - start
        print(f"summary of {len(all_events)} events by {len(rows)} wards: {1000 * took:.1f} ms")
        start = time.perf_counter()
        assert events.event_totals(walk).money == events.receipted_amount(walk)
        print(f"totals + receipted check of a 200-donation event: "
              f"{1000 * (time.perf_counter() - start):.1f} ms")


if __name__ == "__main__":
    main()
