"""Member import speed, end to end from file to commit, against the raw pipeline on the same
rows: the same reader + the same normalisation + one executemany into a bare table. Target
(issue 15): end to end >= 25 % of the raw rate, for .csv and .xlsx. SQLite unless DATABASE_URL.

    python bench/bench_import.py [ROWS]

Measured 29/11/2026 (2 shared cores, 100,000 rows, end to end as % of raw, same-run ratios):
    before the bulk import: SQLite  csv 15.6 %  xlsx 21.3 %   PostgreSQL  csv 16.3 %  xlsx 17.9 %
    after:                  SQLite  csv 32.7 %  xlsx 39.2 %   PostgreSQL  csv 30.4 %  xlsx 31.6 %
(end to end 27.4 s → 14.4 s for the CSV on SQLite, 27.4 s → 14.9 s on PostgreSQL.)
"""

from __future__ import annotations

import io
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_members import generated_csv  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def generated_xlsx(csv_data: bytes) -> bytes:
    import csv

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for row in csv.reader(io.StringIO(csv_data.decode())):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def raw(data: bytes, name: str) -> float:
    """Reader + normalise + one executemany into a bare SQLite table; seconds."""
    from assoc.services import imports
    from assoc.services.members import normalise

    start = time.perf_counter()
    grid = imports.read_grid(data, name)
    _header, columns, first = imports.find_header(grid)
    fields = list(columns.items())
    records = []
    for row in grid[first:]:
        values = {f: (row[c] if c < len(row) else None) for c, f in fields}
        d = normalise(values).data
        records.append((d["full_name"], d["birth_date"], d["birth_year"], d["sex"], d["cccd"],
                        d["phone"], d["address"], d["joined_on"]))
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE m (full_name, birth_date, birth_year, sex, cccd, phone, address, "
                 "joined_on)")
    conn.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?, ?)", records)
    conn.commit()
    assert len(records) == ROWS
    return time.perf_counter() - start


def fresh_database() -> str | None:
    """With DATABASE_URL (PostgreSQL): a new empty database beside it for one run (dropped at
    exit), so each run starts from empty tables like the SQLite file does."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    import atexit
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    atexit.register(drop)
    return base.set(database=name).render_as_string(hide_password=False)


def end_to_end(data: bytes, name: str) -> float:
    """parse (read, normalise, duplicate check) + commit (bulk insert, history, roll-ups)."""
    from flask_migrate import upgrade

    from assoc import create_app
    from assoc.config import TestConfig
    from assoc.extensions import db
    from assoc.services import imports, units, users

    tmp = Path(tempfile.mkdtemp())
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = fresh_database() or f"sqlite:///{tmp / 'i.db'}"
    config.IMPORT_MAX_BYTES = 200 * 1024 * 1024
    app = create_app(config)
    with app.app_context():
        upgrade()
        city = units.create_unit(None, parent=None, level="province", code="B", name="Thành phố")
        ward = units.create_unit(None, parent=city, level="commune", code="B-W", name="Phường")
        user = users.create_user(None, username="bench", full_name="Bench", password="x" * 12)
        units.grant_role(None, user, city, "chair")
        db.session.commit()
        start = time.perf_counter()
        preview = imports.parse(data, name, ward, user=user)
        summary = imports.commit(user, ward, preview)
        db.session.commit()
        elapsed = time.perf_counter() - start
        assert summary["imported"] == ROWS, summary
        db.engine.dispose()
    return elapsed


def main() -> None:
    csv_data = generated_csv(ROWS)
    xlsx_data = generated_xlsx(csv_data)
    engine = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"import bench: {ROWS:,} rows ({len(csv_data) / 1e6:.1f} MB CSV, "
          f"{len(xlsx_data) / 1e6:.1f} MB xlsx), end to end on {engine} (raw: sqlite3 in memory)")
    from assoc import create_app
    from assoc.config import TestConfig

    config = TestConfig()
    config.IMPORT_MAX_BYTES = 200 * 1024 * 1024
    with create_app(config).app_context():
        from assoc.services import imports

        for label, reader in (("openpyxl", imports._read_xlsx), ("calamine", imports._read_sheet)):
            start = time.perf_counter()
            reader(xlsx_data)
            print(f"read the .xlsx with {label:<9} {time.perf_counter() - start:6.1f} s")
        results = {}
        for name, data in (("rows.csv", csv_data), ("rows.xlsx", xlsx_data)):
            results[name] = raw(data, name)
    for name, data in (("rows.csv", csv_data), ("rows.xlsx", xlsx_data)):
        e2e = end_to_end(data, name)
        base = results[name]
        print(f"{name:<10} raw {base:6.1f} s ({ROWS / base:8,.0f} rows/s)   end to end {e2e:6.1f} s "
              f"({ROWS / e2e:8,.0f} rows/s) = {base / e2e * 100:5.1f} % of raw (target >= 25 %)")


if __name__ == "__main__":
    main()
