"""Learning-model rates of a province with 168 communes × 10 branches and N registered
households (default 300,000) for the year, on SQLite (a temporary file). Prints numbers; never
fails on time.

    python bench/bench_learning.py [ENTRIES]
"""

from __future__ import annotations

import secrets
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from assoc import create_app  # noqa: E402
from assoc.config import TestConfig  # noqa: E402
from assoc.extensions import db  # noqa: E402
from assoc.models import LearningDenominator, LearningEntry, Unit  # noqa: E402
from assoc.services import learning  # noqa: E402

ENTRIES = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
YEAR = date.today().year
COMMUNES, BRANCHES = 168, 10


def timed(fn, runs=5):
    times = []
    for _ in range(runs):
        db.session.expire_all()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    config = TestConfig()
    path = Path(tempfile.mkdtemp()) / "learning.db"
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    app = create_app(config)
    with app.app_context():
        db.create_all()
        units = [{"id": 1, "parent_id": None, "level": "province", "code": "P", "name": "Tỉnh",
                  "path": "/1/", "valid_from": date(2020, 1, 1)}]
        branches = []
        nid = 2
        for c in range(COMMUNES):
            cid = nid
            nid += 1
            units.append({"id": cid, "parent_id": 1, "level": "commune", "code": f"C{c}",
                          "name": f"Xã {c}", "path": f"/1/{cid}/", "valid_from": date(2020, 1, 1)})
            for b in range(BRANCHES):
                units.append({"id": nid, "parent_id": cid, "level": "branch",
                              "code": f"C{c}B{b}", "name": f"Ấp {b}",
                              "path": f"/1/{cid}/{nid}/", "valid_from": date(2020, 1, 1)})
                branches.append(nid)
                nid += 1
        db.session.execute(insert(Unit), units)
        rows = []
        for n in range(ENTRIES):
            scored = n % 3 != 0
            rows.append({"unit_id": branches[n % len(branches)], "model": "family",
                         "year": YEAR, "name": f"Hộ {n}", "search_key": f"ho {n}",
                         "identity_key": f"ho {n}|", "registered_on": date(YEAR, 1, 15),
                         "total_score": 80 if scored else None, "evidence_count": 0,
                         "public_token": secrets.token_urlsafe(16)})
            if len(rows) == 20_000:
                db.session.execute(insert(LearningEntry), rows)
                rows = []
        if rows:
            db.session.execute(insert(LearningEntry), rows)
        db.session.execute(insert(LearningDenominator), [
            {"unit_id": u["id"], "year": YEAR, "model": "family", "total": 5000,
             "target_percent": 70} for u in units if u["level"] == "commune"])
        db.session.commit()
        province = db.session.get(Unit, 1)
        commune = db.session.get(Unit, 2)
        print(f"{len(units)} units, {ENTRIES:,} households registered for {YEAR}")
        print(f"rates(province)   {timed(lambda: learning.rates(province, YEAR)):8.1f} ms")
        print(f"rates(commune)    {timed(lambda: learning.rates(commune, YEAR)):8.1f} ms")
        f = learning.EntryFilters(year=YEAR, model="family")
        print(f"list page (50)    "
              f"{timed(lambda: db.session.scalars(learning.entries_query(commune, f).limit(50)).all()):8.1f} ms")


if __name__ == "__main__":
    main()
