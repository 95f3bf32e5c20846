"""Periodic reports of a city with 168 wards (the new TP. Hồ Chí Minh), each ward with two
branches and a few members: how long a ward's prefilled report, the city's status board and the
city's compiled report (168 accepted reports added up) take. SQLite in a temporary file.
Prints numbers; never fails on time.

    python bench/bench_periodic.py [WARDS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from assoc import create_app  # noqa: E402
from assoc.config import TestConfig  # noqa: E402
from assoc.extensions import db  # noqa: E402
from assoc.models import today  # noqa: E402
from assoc.services import members, periodic, units  # noqa: E402

WARDS = int(sys.argv[1]) if len(sys.argv) > 1 else 168


def timed(label, work):
    queries = [0]

    def count(*_args):
        queries[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    start = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - start
    event.remove(db.engine, "before_cursor_execute", count)
    print(f"{label:<48} {elapsed * 1000:8.0f} ms {queries[0]:6d} queries")
    return result


def main() -> None:
    folder = tempfile.mkdtemp()
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/bench.db"
    app = create_app(config)
    with app.app_context():
        db.create_all()
        city = units.create_unit(None, parent=None, level="province", code="HCM",
                                 name="Hội Khuyến học TP. Hồ Chí Minh", valid_from=date(2020, 1, 1))
        wards = []
        for n in range(WARDS):
            ward = units.create_unit(None, parent=city, level="commune", code=f"W{n}",
                                     name=f"Hội Khuyến học Phường {n}", valid_from=date(2020, 1, 1))
            for b in range(2):
                branch = units.create_unit(None, parent=ward, level="branch", code=f"W{n}B{b}",
                                           name=f"Chi hội {b}", valid_from=date(2020, 1, 1))
                members.create_member(None, branch, full_name=f"Nguyễn Văn {n} {b}")
            wards.append(ward)
        db.session.commit()
        values = periodic.preset_values("year_end", city, today().year)
        values["levels"] = ["commune"]
        template = periodic.create_template(None, city, **values)
        db.session.commit()
        print(f"{WARDS} wards, {len(periodic.rows_of_template(template))} figure rows")
        timed("one ward's prefilled report", lambda: periodic.start_report(None, template, wards[0]))
        for ward in wards[1:]:
            periodic.start_report(None, template, ward)
        db.session.commit()
        texts = {s["key"]: "Nội dung" for s in template.sections if s["kind"] == "text"}
        for report in db.session.scalars(db.select(periodic.PeriodicReport)):
            periodic.save_draft(None, report, revision=report.revision, figures={}, texts=texts)
            periodic.submit(None, report)
            periodic.accept(None, report)
        db.session.commit()
        timed("the city's status board", lambda: periodic.board(template, city))
        report = timed("the city's compiled report", lambda: periodic.start_report(
            None, template, city))
        print(f"missing units: {len(report.missing)}")


if __name__ == "__main__":
    main()
