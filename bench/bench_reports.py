"""Dashboard of a city with 300 units and 500,000 members (with dues, vouchers and awards), on
SQLite or on the database named by DATABASE_URL (a private PostgreSQL schema, dropped afterwards).
Prints numbers; never fails on time.

    python bench/bench_reports.py [MEMBERS]

BENCH_DB=/tmp/city.db keeps the generated SQLite database and reuses it on the next run.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402

from assoc import create_app  # noqa: E402
from assoc.config import TestConfig  # noqa: E402
from assoc.extensions import db  # noqa: E402
from assoc.models import (  # noqa: E402
    DuesPayment,
    Fund,
    Member,
    Nomination,
    RoleAssignment,
    ScholarshipProgram,
    ScholarshipQuota,
    Unit,
    User,
    Voucher,
    VoucherBook,
)

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
YEAR = date.today().year


def configure():
    config = TestConfig()
    url = os.environ.get("DATABASE_URL", "")
    schema = None
    if url.startswith("postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with create_engine(url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        config.SQLALCHEMY_DATABASE_URI = url
        config.SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"options": f"-csearch_path={schema}"}}
    else:
        path = os.environ.get("BENCH_DB") or f"{tempfile.mkdtemp()}/bench.db"
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    return config, url, schema


def build_city() -> tuple[Unit, list[int]]:
    """1 city → 12 districts → 8 wards each → 2 branches each (+ the city) ≈ 300 units."""
    now = datetime.now(UTC)
    city = Unit(level="province", code="CITY", name="Hội Khuyến học Thành phố", search_key="x",
                valid_from=date(2020, 1, 1), path="")
    db.session.add(city)
    db.session.flush()
    city.path = f"/{city.id}/"
    leaves, n = [], 0
    for d in range(12):
        district = Unit(parent_id=city.id, level="district", code=f"D{d}", name=f"Quận {d + 1}",
                        search_key=f"quan {d + 1}", valid_from=date(2020, 1, 1), path="",
                        created_at=now)
        db.session.add(district)
        db.session.flush()
        district.path = f"{city.path}{district.id}/"
        for w in range(8):
            ward = Unit(parent_id=district.id, level="commune", code=f"D{d}W{w}",
                        name=f"Phường {w + 1} Quận {d + 1}", search_key="p", path="",
                        valid_from=date(2020, 1, 1))
            db.session.add(ward)
            db.session.flush()
            ward.path = f"{district.path}{ward.id}/"
            leaves.append(ward.id)
            for b in range(2):
                n += 1
                branch = Unit(parent_id=ward.id, level="branch", code=f"B{n}",
                              name=f"Chi hội {b + 1}", search_key="c", path="",
                              valid_from=date(2020, 1, 1))
                db.session.add(branch)
                db.session.flush()
                branch.path = f"{ward.path}{branch.id}/"
                leaves.append(branch.id)
    db.session.commit()
    return city, leaves


def fill(city: Unit, leaves: list[int]) -> None:
    rows = []
    for i in range(MEMBERS):
        rows.append({"number": i + 1, "unit_id": leaves[i % len(leaves)], "kind": "individual",
                     "status": "active" if i % 20 else "ended", "full_name": f"Hội viên {i}",
                     "search_key": f"hoi vien {i}", "given_name_key": str(i),
                     "joined_on": date(2000 + i % (YEAR - 1999), 1 + i % 12, 1),
                     "card_token": secrets.token_hex(8)})
        if len(rows) == 50_000:
            db.session.execute(insert(Member), rows)
            rows = []
    if rows:
        db.session.execute(insert(Member), rows)
    funds, books = {}, {}
    for unit_id in leaves[::2]:
        fund = Fund(unit_id=unit_id, code="QKH", name="Quỹ khuyến học", kind="general")
        book = VoucherBook(unit_id=unit_id, kind="receipt", year=YEAR, code=f"PT-{YEAR}")
        db.session.add_all([fund, book])
        db.session.flush()
        funds[unit_id], books[unit_id] = fund.id, book.id
    vouchers = []
    for i in range(50_000):
        unit_id = leaves[::2][i % len(funds)]
        vouchers.append({"book_id": books[unit_id], "number": i + 1, "unit_id": unit_id,
                         "fund_id": funds[unit_id], "kind": "receipt",
                         "voucher_date": date(YEAR, 1 + i % 12, 1), "party_name": "Nhà hảo tâm",
                         "reason": "Ủng hộ quỹ", "amount": 100_000 + i,
                         "public_token": secrets.token_hex(12)})
    db.session.execute(insert(Voucher), vouchers)
    # Dues: half of the members paid this year, one receipt each (1 % of them voided since).
    book_units = list(funds)
    payers = db.session.execute(select(Member.id).where(Member.id % 2 == 0)).scalars().all()
    number = len(vouchers)
    for start in range(0, len(payers), 50_000):
        chunk = payers[start:start + 50_000]
        rows, dues = [], []
        for member_id in chunk:
            unit_id = book_units[member_id % len(book_units)]
            number += 1
            rows.append({"book_id": books[unit_id], "number": number, "unit_id": unit_id,
                         "fund_id": funds[unit_id], "kind": "receipt",
                         "status": "void" if member_id % 100 == 0 else "valid",
                         "voucher_date": date(YEAR, 1 + member_id % 12, 2),
                         "party_name": "Hội viên", "reason": "Hội phí", "amount": 24_000,
                         "public_token": secrets.token_hex(12), "link_type": "dues"})
        ids = db.session.execute(insert(Voucher).returning(Voucher.id), rows).scalars().all()
        for member_id, voucher_id, row in zip(chunk, ids, rows, strict=True):
            dues.append({"member_id": member_id, "unit_id": row["unit_id"], "year": YEAR,
                         "amount": 24_000, "paid_on": row["voucher_date"],
                         "voucher_id": voucher_id})
        db.session.execute(insert(DuesPayment), dues)
    program = ScholarshipProgram(unit_id=city.id, name="Học bổng", amount_per_award=2_000_000,
                                 window_start=date(YEAR, 1, 1), window_end=date(YEAR, 12, 31),
                                 fund_id=next(iter(funds.values())), search_key="hoc bong")
    db.session.add(program)
    db.session.flush()
    quota = ScholarshipQuota(program_id=program.id, unit_id=leaves[0], max_awards=100_000)
    db.session.add(quota)
    db.session.flush()
    decided = datetime(YEAR, 6, 1, tzinfo=UTC)
    db.session.execute(insert(Nomination), [
        {"program_id": program.id, "unit_id": leaves[i % len(leaves)], "quota_id": quota.id,
         "student_name": f"Học sinh {i}", "search_key": f"hoc sinh {i}",
         "birth_date": date(2012, 1, 1), "sex": "F", "amount": 2_000_000,
         "status": "approved", "decided_at": decided} for i in range(5_000)])
    db.session.commit()


def write_costs(city_id: int) -> None:
    """What keeping the roll-ups costs a write: a member added, a dues receipt voided (each
    committed, which rebuilds the roll-ups of the units it touched)."""
    from assoc.services import treasury

    ward = db.session.scalar(select(Unit).where(Unit.level == "commune").order_by(Unit.id))
    count = db.session.scalar(select(func.count()).where(Member.unit_id == ward.id))
    for label, write in [
        ("add a member", lambda: db.session.add(Member(
            number=10_000_000 + int(time.time() * 1000) % 1_000_000, unit_id=ward.id,
            full_name="Hội viên mới", search_key="hoi vien moi", given_name_key="moi",
            joined_on=date.today()))),
        ("void a dues receipt", lambda: treasury.void_voucher(
            None, db.session.scalar(select(Voucher).where(
                Voucher.link_type == "dues", Voucher.status == "valid").limit(1)),
            "Ghi nhầm")),
    ]:
        times = []
        for _ in range(5):
            t = time.perf_counter()
            write()
            db.session.commit()
            times.append(time.perf_counter() - t)
        print(f"{label + f' ({count:,} in the ward)':32} median "
              f"{statistics.median(times) * 1000:7.0f} ms per commit")


def main() -> None:
    config, url, schema = configure()
    app = create_app(config)
    try:
        with app.app_context():
            existing = (os.environ.get("BENCH_DB") and db.inspect(db.engine).has_table("unit")
                        and db.session.scalar(select(Unit.id).where(Unit.code == "CITY")))
            db.create_all()
            if not existing:
                t = time.perf_counter()
                city, leaves = build_city()
                fill(city, leaves)
                print(f"generated {db.session.query(Unit).count()} units, "
                      f"{db.session.query(Member).count():,} members, "
                      f"{db.session.query(DuesPayment).count():,} dues payments, "
                      f"{db.session.query(Voucher).count():,} vouchers, 5,000 awards "
                      f"in {time.perf_counter() - t:.1f} s")
                from assoc.services import users

                user = users.create_user(None, username="bench", full_name="Bench",
                                         password="hoa-sen-no-2026")
                db.session.add(RoleAssignment(user_id=user.id, unit_id=city.id, role="viewer"))
                db.session.commit()
            else:
                print(f"reusing {os.environ['BENCH_DB']}: "
                      f"{db.session.query(Member).count():,} members")
            city_id = db.session.scalar(select(Unit.id).where(Unit.code == "CITY"))
            user_id = db.session.scalar(select(RoleAssignment.user_id)
                                        .where(RoleAssignment.unit_id == city_id))
            session_id = db.session.get(User, user_id).get_id()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
        queries: list[float] = []
        slow: dict[str, float] = {}

        def before(conn, cursor, statement, *args):
            conn.info["t"] = time.perf_counter()

        def after(conn, cursor, statement, *args):
            took = time.perf_counter() - conn.info["t"]
            queries.append(took)
            slow[statement] = max(slow.get(statement, 0), took)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", before)
            event.listen(db.engine, "after_cursor_execute", after)
        queries.clear()
        t = time.perf_counter()
        assert client.get(f"/units/{city_id}/dashboard").status_code == 200
        print(f"{'first dashboard (builds roll-ups)':32} {(time.perf_counter() - t) * 1000:7.0f} ms "
              f"once, {len(queries)} queries")
        with app.app_context():
            write_costs(city_id)
        for label, path in [("dashboard (whole city)", f"/units/{city_id}/dashboard"),
                            ("dashboard (city unit alone)", f"/units/{city_id}/dashboard?scope=unit"),
                            ("period report page", f"/units/{city_id}/report"),
                            ("period report, 15 Jan-10 Jun", f"/units/{city_id}/report"
                             f"?from={YEAR}-01-15&to={YEAR}-06-10"),
                            ("period report PDF", f"/units/{city_id}/report.pdf"),
                            ("period report .xlsx", f"/units/{city_id}/report.xlsx")]:
            times = []
            for _ in range(5):
                queries.clear()
                t = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - t)
                assert response.status_code == 200, response.status_code
            print(f"{label:32} median {statistics.median(times) * 1000:7.0f} ms, "
                  f"best {min(times) * 1000:7.0f} ms, {len(queries)} queries "
                  f"({sum(queries) * 1000:.0f} ms in the database)")
        if os.environ.get("BENCH_PROFILE"):
            for statement, took in sorted(slow.items(), key=lambda kv: -kv[1])[:8]:
                print(f"  {took * 1000:6.0f} ms  {' '.join(statement.split())[:150]}")
    finally:
        if schema:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            with create_engine(url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    print(f"database: {'PostgreSQL' if os.environ.get('DATABASE_URL', '').startswith('postgresql') else 'SQLite'}")
    main()
