"""Member list, search, dashboard and period report at commune, province and national scope on
the national-shape PostgreSQL database built by bench/gen_national_pg.py (2,000,000 members).

Single client (Flask test client, in this process): p50/p95 of each page against the target
p95 < 150 ms, the number of SQL statements a page issues, and this process's memory (RSS) at
the end against 300 MB. For every page over target, the slowest statements of its last request
are printed with EXPLAIN (ANALYZE, BUFFERS) (EXPLAIN=1: for every page).

Skips (exit 0) unless the database exists or NATIONAL=1 (which builds it first, minutes):

    NATIONAL=1 python bench/bench_national_pg.py          # build if missing, then measure
    python bench/bench_national_pg.py                      # measure if assoc_national exists
    NATIONAL_DB=postgresql://postgres@127.0.0.1:5432/assoc_national  (default)
    NATIONAL_RUNS=20  (requests per page after one warm-up)
    NATIONAL_ONLY=dashboard  (only the pages whose label holds this text)
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NATIONAL_DB = os.environ.get("NATIONAL_DB",
                             "postgresql://postgres@127.0.0.1:5432/assoc_national")
RUNS = int(os.environ.get("NATIONAL_RUNS", "20"))
ONLY = os.environ.get("NATIONAL_ONLY", "")
TARGET_MS = 150
RSS_TARGET_MB = 300


def database_ready() -> bool:
    try:
        import psycopg

        with psycopg.connect(NATIONAL_DB, connect_timeout=3) as conn:
            return conn.execute("SELECT count(*) FROM user_account WHERE username = "
                                "'national.admin'").fetchone()[0] == 1
    except Exception:  # noqa: BLE001 - no server, no database, no schema: not built
        return False


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    current = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    if not database_ready():
        if os.environ.get("NATIONAL") != "1":
            print("national bench skipped: no national database (build it with NATIONAL=1 "
                  "python bench/bench_national_pg.py, or bench/gen_national_pg.py; minutes)")
            return
        subprocess.run([sys.executable, str(Path(__file__).with_name("gen_national_pg.py"))],
                       check=True)

    from sqlalchemy import event, func, select

    from assoc import create_app
    from assoc.config import TestConfig
    from assoc.extensions import db
    from assoc.models import Member, Unit, User
    from assoc.services import members as svc
    from assoc.services import reports

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = NATIONAL_DB.replace("postgresql://", "postgresql+psycopg://")
    config.SERVER_NAME = "bench.local"
    app = create_app(config)
    statements: list[tuple[float, str, object]] = []

    with app.app_context():
        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["t"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            statements.append((time.perf_counter() - conn.info.pop("t"), statement, parameters))

        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)

        scopes = []
        for username in ("commune.chair", "province.chair", "national.admin"):
            user = db.session.scalar(select(User).where(User.username == username))
            unit = user.assignments[0].unit
            scopes.append((unit.level, user.get_id(), unit.id, unit.path))
        members = db.session.scalar(select(func.count()).select_from(Member))
        print(f"national bench: {members:,} members, PostgreSQL, {RUNS} requests per page "
              f"after a warm-up; target p95 < {TARGET_MS} ms")

        def pages_for(unit_id: int, path: str) -> list[tuple[str, str]]:
            """The pages to measure at one scope, with search terms of a member inside it."""
            in_scope = select(Unit.id).where(Unit.path.startswith(path)).scalar_subquery()
            active = select(Member).where(Member.unit_id.in_(in_scope),
                                          Member.status == "active")
            size = db.session.scalar(select(func.count()).select_from(active.subquery()))
            sample = db.session.scalar(active.order_by(Member.id).offset(size // 3).limit(1))
            deep = db.session.scalar(active.order_by(*svc._ordered(svc.sort_keys(
                svc.ListFilters()))).offset(max(size * 9 // 10, 0)).limit(1))
            cursor = svc.encode_cursor([deep.given_name_key, deep.search_key, deep.id])
            base = f"/members/unit/{unit_id}"
            year = time.localtime().tm_year
            return [
                ("member list, page 1", base),
                (f"member list, deep page (row {size * 9 // 10:,})", f"{base}?after={cursor}"),
                ("search name 'nguyễn thị lan'", f"{base}?q=nguy%E1%BB%85n+th%E1%BB%8B+lan"),
                (f"search name '{sample.full_name}'", f"{base}?q={quote(sample.full_name)}"),
                ("search phone (whole)", f"{base}?q={sample.phone}"),
                ("search phone (last 7 digits)", f"{base}?q={sample.phone[-7:]}"),
                ("search CCCD", f"{base}?q={sample.cccd}"),
                ("dashboard", f"/units/{unit_id}/dashboard"),
                ("period report (year)", f"/units/{unit_id}/report"),
                ("period report (15/01-10/06)",
                 f"/units/{unit_id}/report?from={year}-01-15&to={year}-06-10"),
            ]

        plans = [(level, user_id, pages_for(unit_id, path)) for level, user_id, unit_id, path
                 in scopes]
        db.session.remove()
    import gc

    gc.collect()
    gc.freeze()  # as wsgi.py does in a worker: start-up objects out of the collector's passes

    results = []
    slow_pages = []
    for level, user_id, pages in plans:
        client = app.test_client()
        with client.session_transaction() as s:
            s["_user_id"] = user_id
            s["_fresh"] = True
        for label, url in pages:
            if ONLY not in label:
                continue

            def get(url=url, client=client, posts=False):
                """(wall, CPU of this process, time in SQL) of one request, in seconds: the
                page as computed (there is no page cache: issue 30); with `posts`, the posts
                read are forgotten too (the first reader after a change to posts, roles or
                units)."""
                if posts:
                    reports._posts_kept.clear()
                statements.clear()
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                took = time.perf_counter() - started
                assert response.status_code == 200, (url, response.status_code)
                return took, time.process_time() - cpu, sum(s[0] for s in statements)

            warm = get()[0]  # first request: caches, connection
            runs = [get() for _ in range(3 if warm > 2 else RUNS)]
            times = sorted(r[0] for r in runs)
            p50 = statistics.median(times) * 1000
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] * 1000
            cpu = statistics.median(r[1] for r in runs) * 1000
            sql = statistics.median(r[2] for r in runs) * 1000
            ok = p95 < TARGET_MS
            count, last = len(statements), list(statements)
            posts = (sorted(get(posts=True)[0] for _ in range(5))[2] * 1000
                     if "dashboard" in label else None)
            results.append((level, label, p50, p95, cpu, sql, count, ok, posts))
            print(f"  {level:<9} {label:<44} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                  f"cpu {cpu:6.1f}  sql {sql:6.1f} ms  {count:3d} SQL  "
                  f"{'PASS' if ok else 'FAIL'}", flush=True)
            if not ok or os.environ.get("EXPLAIN") == "1":
                slow_pages.append((level, label, sorted(last, key=lambda s: -s[0])[:3]))

    current, peak = rss_mb()
    print()
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work "
          f"on the machine stretches wall times; cpu = this process, sql = waiting for SQL)")
    print("p50/p95: the page as computed (what the first reader after a change to money or "
          "members waits for); posts: a dashboard after a change to posts, roles or units "
          "(what it read of the posts forgotten too; p50 of 5)")
    print(f"{'scope':<9} {'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>7} {'sql ms':>7} "
          f"{'SQL':>4}  target        result  {'posts':>7}")
    for level, label, p50, p95, cpu, sql, n, ok, posts in results:
        print(f"{level:<9} {label:<44} {p50:8.1f} {p95:8.1f} {cpu:7.1f} {sql:7.1f} {n:4d}  "
              f"p95 < {TARGET_MS} ms  {'PASS' if ok else 'FAIL'}  "
              f"{'' if posts is None else f'{posts:7.1f}'}")
    print(f"{'memory':<9} {'RSS of this process after the run (peak)':<44} "
          f"{current:8.0f} {peak:8.0f} MB{'':<21}< {RSS_TARGET_MB} MB      "
          f"{'PASS' if peak < RSS_TARGET_MB else 'FAIL'}")
    passed = sum(r[7] for r in results)
    print(f"{passed}/{len(results)} pages within target")

    if slow_pages:
        with app.app_context(), db.engine.connect() as conn:
            for level, label, top in slow_pages:
                print(f"\n=== {level}: {label} — slowest statements of the last request")
                for took, statement, parameters in top:
                    if took < 0.01 or not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    print(f"--- {took * 1000:.1f} ms\n{statement}\n{parameters}")
                    plan = conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters or {}).all()
                    print("\n".join(row[0] for row in plan))
                conn.rollback()


if __name__ == "__main__":
    main()
