"""The work inbox (issue 32): /inbox and /home of a district chair with ~50 waiting items, as
ratios against the bare Flask 50-row page, both served by gunicorn -w 2 and loaded with wrk
-t2 -c8 (p50, as bench/bench_http.py does), as computed (PAGE_CACHE=0: no page cache), with
the number of SQL statements each page issues and its in-process p50 (test client, one thread;
the unit tree /units/ is the simple page beside it). The load average is printed with the
numbers: the machine's CPUs are shared.

The tree: a city, DISTRICTS districts of 10 wards with 2 branches each, MEMBERS members spread
over the wards and branches (bulk insert), and waiting work in the measured district: draft
remuneration sheets and unprinted vouchers in each ward, overdue pledges, nominations of five
programs, learning entries, a report template; the other districts hold the same kinds of work
(the inbox must not read it). Target: inbox ≤ 3x bare.

    python bench/bench_inbox.py [MEMBERS] [SECONDS]

SQLite file /tmp/assoc-bench-inbox-<MEMBERS>.db (DATABASE_URL to use PostgreSQL instead; the
schema is created from the models on an empty database).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
DISTRICTS = 5
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ"]


def build(app) -> None:
    from sqlalchemy import insert, select

    from assoc.extensions import db
    from assoc.models import LearningEntry, Member, NumberCounter, Unit, new_card_token, today
    from assoc.services import (
        events,
        officers,
        periodic,
        scholarships,
        tally,
        treasury,
        units,
        users,
    )
    from assoc.text import search_key, split_name

    if db.session.scalar(select(Unit.id).where(Unit.code == "C")) is not None:
        return
    on = today()
    city = units.create_unit(None, parent=None, level="province", code="C", name="Thành phố")
    wards = []
    for d in range(DISTRICTS):
        district = units.create_unit(None, parent=city, level="district", code=f"C-{d}",
                                     name=f"Quận {d + 1}")
        for w in range(10):
            ward = units.create_unit(None, parent=district, level="commune", code=f"C-{d}-{w}",
                                     name=f"Phường {d + 1}.{w + 1}")
            for b in range(2):
                units.create_unit(None, parent=ward, level="branch", code=f"C-{d}-{w}-{b}",
                                  name=f"Chi hội {d + 1}.{w + 1}.{b + 1}")
            wards.append(ward)
    chair = users.create_user(None, username="bench.chair", full_name="Bench",
                              password="hoa-sen-no-2026")
    units.grant_role(None, chair, db.session.scalar(select(Unit).where(Unit.code == "C-0")),
                     "chair")
    db.session.commit()
    all_units = list(db.session.scalars(select(Unit).where(Unit.level.in_(("commune", "branch")))))
    rows = []
    for i in range(MEMBERS):
        name = f"{FAMILY[i % 10]} Văn An {i}"
        rows.append({"number": i + 1, "unit_id": all_units[i % len(all_units)].id,
                     "kind": "individual", "honorary": False, "status": "active",
                     "full_name": name, "search_key": search_key(name),
                     "given_name_key": search_key(split_name(name)[2])[:60],
                     "birth_year": 1950 + i % 50, "sex": "MF"[i % 2], "cccd": None,
                     "phone": "", "address": "", "occupation": "", "representative": "",
                     "contact": "", "notes": "", "end_reason": "",
                     "card_token": new_card_token()})
        if len(rows) == 20_000:
            db.session.execute(insert(Member.__table__), rows)
            rows = []
    if rows:
        db.session.execute(insert(Member.__table__), rows)
    db.session.merge(NumberCounter(name="member", last=MEMBERS))
    db.session.commit()
    tally.rebuild([u.id for u in db.session.scalars(select(Unit))])
    db.session.commit()
    # work waiting in every ward
    officers.ensure_known_base_salaries()
    for n, ward in enumerate(wards):
        treasury.funds_of(ward)
        for k in range(3):
            treasury.issue_voucher(None, ward, kind="receipt", amount=100_000,
                                   party_name=f"Ông {n}.{k}", reason="Ủng hộ")
            officers.create_sheet(None, ward, year=on.year - 1, month=1 + k)
        donor = events.register_donor(None, ward, name=f"Công ty {n}", kind="organisation")
        events.create_pledge(None, ward, donor=donor, amount=1_000_000,
                             due_on=on - timedelta(days=5))
        db.session.add(LearningEntry(unit_id=ward.id, model="family", year=on.year,
                                     name=f"Hộ {n}", search_key=f"ho {n}",
                                     identity_key=f"ho-{n}", registered_on=date(on.year, 1, 5)))
    db.session.commit()
    for d in range(DISTRICTS):
        district = db.session.scalar(select(Unit).where(Unit.code == f"C-{d}"))
        district_wards = [w for w in wards if w.parent_id == district.id]
        treasury.funds_of(district)
        for p in range(5):
            program = scholarships.create_program(
                None, district, name=f"Học bổng {d}.{p}", sponsor="", amount_per_award=1_000_000,
                max_awards=100, budget=100_000_000, window_start=on - timedelta(days=10),
                window_end=on + timedelta(days=20), criteria="", priority_groups=[])
            scholarships.set_quotas(None, program, {w.id: (10, None) for w in district_wards})
            for w in district_wards[:4]:
                n = scholarships.create_nomination(
                    None, program, w, student_name=f"Học sinh {d}.{p}.{w.id}",
                    birth_date=date(2012, 1 + p, 1 + w.id % 28), sex="F", school="THCS",
                    grade="7", academic_result="Giỏi", family_circumstance="",
                    priority_groups=[], guardian_name="", guardian_phone="", address="",
                    reason="", attachments=0)
                scholarships.submit_nomination(None, n)
    values = periodic.preset_values("year_end", city, on.year)
    periodic.create_template(None, city, **values)
    db.session.commit()


def statements(client, url: str) -> int:
    from sqlalchemy import event

    from assoc.extensions import db

    seen: list[str] = []

    def count(*_a):
        seen.append("x")

    event.listen(db.engine, "before_cursor_execute", count)
    client.get(url)
    event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def login(base: str) -> str:
    import http.cookiejar
    import re
    import urllib.parse
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"username": "bench.chair", "password": "hoa-sen-no-2026"}
    if token:
        form["csrf_token"] = token.group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode(form).encode()).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def main() -> None:
    from sqlalchemy import select

    from assoc import create_app
    from assoc.config import Config
    from assoc.extensions import db
    from assoc.models import User

    url = os.environ.get("DATABASE_URL") or f"sqlite:////tmp/assoc-bench-inbox-{MEMBERS}.db"
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url
    config.PAGE_CACHE = False
    app = create_app(config)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        build(app)
        print(f"inbox bench: {MEMBERS:,} members, {DISTRICTS} districts of 10 wards, "
              f"{url.split(':')[0]}, data ready in {time.perf_counter() - started:.0f} s")
        chair = db.session.scalar(select(User).where(User.username == "bench.chair"))
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = chair.get_id()
            session["_fresh"] = True
        from assoc.blueprints.inbox.items import collect

        with app.test_request_context():
            items = collect(chair).items
        counts = {page: statements(client, page) for page in PAGES}
        in_process = {page: in_process_ms(client, page) for page in PAGES}
        db.session.remove()
        db.engine.dispose()
    print(f"items in the district chair's inbox: {len(items)}; load: {load()}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bare_page

    bare_ms = in_process_ms(bare_page.app.test_client(), "/", 200)
    print(f"{'bare page':<10} in-process (test client, one thread) p50 {bare_ms:6.2f} ms")
    for page in PAGES:
        print(f"{page:<10} in-process (test client, one thread) p50 {in_process[page]:6.2f} ms"
              f" = {in_process[page] / bare_ms:4.1f}x bare   {counts[page]} SQL statements")

    from bench_http import p50, serve, stop

    here = Path(__file__).resolve().parent
    bare = serve(["--chdir", str(here), "bare_page:app"], 5393, dict(os.environ))
    try:
        anchor = p50("http://127.0.0.1:5393/")
    finally:
        stop(bare)
    print(f"{'bare Flask 50-row page (gunicorn -w 2, wrk -t2 -c8, p50)':<58} {anchor:7.2f} ms")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "PAGE_CACHE": "0"}
    base = "http://127.0.0.1:5394"
    # As computed (no page cache): every request is the first view after someone's write.
    proc = serve(["--chdir", str(here.parent), "wsgi:app"], 5394, env)
    try:
        cookie = login(base)
        for page in PAGES:
            ms = p50(base + page, cookie)
            print(f"{page:<10} computed {ms:7.2f} ms = {ms / anchor:4.1f}x bare")
    finally:
        stop(proc)
    print(f"load after: {load()}")


def in_process_ms(client, url: str, runs: int = 60) -> float:
    client.get(url)  # warm: templates compiled, statements prepared
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return sorted(times)[runs // 2] * 1000


def load() -> str:
    """The machine's load average (the CPUs are shared: numbers are read beside it)."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


PAGES = ("/inbox", "/home", "/units/")


if __name__ == "__main__":
    main()
