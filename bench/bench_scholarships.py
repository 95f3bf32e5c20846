"""Scholarships at district scale: 30 wards × 40 nominations (1,200), then time the approver's
program page, the report, and the recipient list PDF/xlsx for ~600 awards. Prints numbers."""

from __future__ import annotations

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
from assoc.services import scholarships, units, users  # noqa: E402

WARDS, PER_WARD = 30, 40


def main() -> None:
    tmp = tempfile.mkdtemp()
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.db"
    app = create_app(config)
    with app.app_context():
        db.create_all()
        district = units.create_unit(None, parent=None, level="district", code="Q", name="Quận")
        wards = [units.create_unit(None, parent=district, level="commune", code=f"P{i}",
                                   name=f"Phường {i}") for i in range(WARDS)]
        approver = users.create_user(None, username="duyet", full_name="Phạm Đức Hải",
                                     password="benchmark-pw")
        units.grant_role(None, approver, district, "approver")
        program = scholarships.create_program(
            approver, district, name="Học bổng 2026", amount_per_award=2_000_000,
            max_awards=WARDS * PER_WARD, budget=WARDS * PER_WARD * 2_000_000,
            window_start=today() - timedelta(days=1), window_end=today() + timedelta(days=30))
        scholarships.set_quotas(approver, program, {w.id: (PER_WARD, None) for w in wards})
        db.session.commit()
        start = time.perf_counter()
        noms = []
        for w in wards:
            for j in range(PER_WARD):
                n = scholarships.create_nomination(
                    None, program, w, student_name=f"Nguyễn Văn {w.code} {j}",
                    birth_date=date(2012, 1 + j % 12, 1 + j % 28), sex="M",
                    school="Trường THCS", priority_groups=["poor"])
                scholarships.submit_nomination(None, n)
                noms.append(n)
        db.session.commit()
        t_nominate = time.perf_counter() - start
        start = time.perf_counter()
        scholarships.decide(approver, program, noms[::2], "approve")
        db.session.commit()
        t_approve = time.perf_counter() - start

        client = app.test_client()
        with client.session_transaction() as s:
            s["_user_id"] = approver.get_id()
            s["_fresh"] = True
        for label, url in [
            ("program page (1,200 rows)", f"/scholarships/programs/{program.id}"),
            ("report", f"/scholarships/programs/{program.id}/report"),
            ("recipient list PDF (600 rows)", f"/scholarships/programs/{program.id}/recipients.pdf"),
            ("recipient list xlsx (600 rows)",
             f"/scholarships/programs/{program.id}/recipients.xlsx"),
        ]:
            start = time.perf_counter()
            if "--profile" in sys.argv and "xlsx" in url:
                import cProfile
                import pstats
                prof = cProfile.Profile()
                r = prof.runcall(client.get, url)
                pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
            else:
                r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
            print(f"{label:34s} {1000 * (time.perf_counter() - start):8.0f} ms  "
                  f"{len(r.data) / 1024:7.0f} KiB")
        print(f"{'nominate+submit 1,200 (services)':34s} {1000 * t_nominate:8.0f} ms")
        print(f"{'bulk approve 600 (one call)':34s} {1000 * t_approve:8.0f} ms")


if __name__ == "__main__":
    main()
