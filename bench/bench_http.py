"""Page speed at 100,000 members in one ward (SQLite unless DATABASE_URL is set), as ratios
against a bare Flask 50-row page measured in the same run. Both are served by gunicorn -w 2 and
loaded with wrk -t2 -c8 (p50). Targets: lists and pages ≤ 3x bare, searches ≤ 4x, dashboards ≤ 5x.

    python bench/bench_http.py [MEMBERS] [SECONDS]

Each page is measured as computed — what the first reader after anyone's write waits for — and
checked against its target (issue 30). There is no page cache: wrk repeating one URL measures
what every reader meets.

Needs wrk. Builds its database once into /tmp/assoc-bench-<MEMBERS>.db (delete it to rebuild).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 6
BIN = Path(sys.executable).parent
PASSWORD = "hoa-sen-no-2026"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thu", "Đức", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phúc",
         "Quang", "Sơn", "Thảo", "Tuấn", "Yến"]


def build(url: str) -> dict:
    """Units, a chair, MEMBERS members in one ward (bulk insert), roll-ups. Returns ids."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from assoc import create_app
    from assoc.config import Config
    from assoc.extensions import db
    from assoc.models import Member, NumberCounter, Unit, new_card_token
    from assoc.services import tally, units, users
    from assoc.text import search_key, split_name

    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url
    app = create_app(config)
    with app.app_context():
        upgrade()
        if db.session.scalar(select(Unit.id).where(Unit.code == "B-D-W")) is None:
            city = units.create_unit(None, parent=None, level="province", code="B", name="Thành phố")
            district = units.create_unit(None, parent=city, level="district", code="B-D",
                                         name="Quận Một")
            ward = units.create_unit(None, parent=district, level="commune", code="B-D-W",
                                     name="Phường Khánh Hội")
            branches = [units.create_unit(None, parent=ward, level="branch", code=f"B-D-W-{i}",
                                          name=f"Chi hội khu phố {i}") for i in range(1, 11)]
            user = users.create_user(None, username="bench", full_name="Bench",
                                     password=PASSWORD)
            units.grant_role(None, user, district, "chair")
            db.session.commit()
            rows = []
            for i in range(MEMBERS):
                name = f"{FAMILY[i % 10]} {MIDDLE[(i // 10) % 8]} {GIVEN[(i // 80) % 16]} {i}"
                year = 1940 + i % 60
                rows.append({
                    "number": i + 1, "unit_id": (ward if i % 3 == 0 else branches[i % 10]).id,
                    "kind": "individual", "honorary": False, "status": "active",
                    "full_name": name, "search_key": search_key(name),
                    "given_name_key": search_key(split_name(name)[2])[:60],
                    "birth_year": year, "sex": "MF"[i % 2],
                    "cccd": f"079{i % 2}{year % 100:02d}{i:06d}", "phone": f"09{i:08d}",
                    "address": f"{i} Bến Vân Đồn", "occupation": "", "representative": "",
                    "contact": "", "notes": "", "end_reason": "", "card_token": new_card_token(),
                })
                if len(rows) == 20_000:
                    db.session.execute(insert(Member.__table__), rows)
                    rows = []
            if rows:
                db.session.execute(insert(Member.__table__), rows)
            db.session.merge(NumberCounter(name="member", last=MEMBERS))
            db.session.commit()
            tally.rebuild([u.id for u in db.session.scalars(select(Unit))])
            db.session.commit()
        _money_and_events(db, Unit)
        if db.engine.dialect.name == "postgresql":
            # What a member import does after its bulk load (services/imports.py): the
            # planner's statistics and the word indexes brought up to date. This machine's
            # PostgreSQL runs without autovacuum: without it, every list walked all 100,000.
            from assoc.services.imports import fresh_statistics

            fresh_statistics(db.session.connection())
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        ids = {code: uid for code, uid in db.session.execute(select(Unit.code, Unit.id))}
        member = db.session.scalar(select(Member.id).where(Member.number == MEMBERS // 2))
        db.engine.dispose()
    return {"ward": ids["B-D-W"], "district": ids["B-D"], "member": member}


VOUCHERS, EVENTS = 2_000, 300


def _money_and_events(db, Unit) -> None:
    """VOUCHERS receipts and EVENTS events at the ward, through the app's services (once)."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import func, select

    from assoc.models import Event, Voucher, today
    from assoc.services import events, treasury

    ward = db.session.scalar(select(Unit).where(Unit.code == "B-D-W"))
    start = datetime.combine(today(), time(8), ZoneInfo("Asia/Ho_Chi_Minh"))
    for i in range(0 if db.session.scalar(select(func.count(Voucher.id))) else VOUCHERS):
        treasury.issue_voucher(None, ward, kind="receipt", amount=50_000 + 1_000 * (i % 50),
                               party_name=f"{FAMILY[i % 10]} {MIDDLE[i % 8]} {GIVEN[i % 16]}",
                               reason="Ủng hộ quỹ khuyến học")  # today: the ward is new
        if i % 500 == 499:
            db.session.commit()
    if not db.session.scalar(select(func.count(Event.id))):
        for i in range(EVENTS):
            events.create_event(None, ward, kind="walk", title=f"Đi bộ gây quỹ {i + 1}",
                                starts_at=start + timedelta(days=i),
                                target_amount=10_000_000)
    db.session.commit()


def serve(args: list[str], port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", *args],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.2)
    return proc


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(10)


def login(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"username": "bench", "password": PASSWORD}
    if token:
        form["csrf_token"] = token.group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode(form).encode()).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def p50(url: str, cookie: str = "") -> float:
    cmd = ["wrk", "-t2", "-c8", f"-d{SECONDS}s", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    value = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    number, unit = float(value.group(1)), value.group(2)
    return number / 1000 if unit == "us" else number * 1000 if unit == "s" else number


def next_link(base: str, path: str, cookie: str, hops: int) -> str:
    """Follow the list's "next" link `hops` times (keyset pages have no page numbers)."""
    for _ in range(hops):
        req = urllib.request.Request(base + path, headers={"Cookie": cookie})
        page = urllib.request.urlopen(req).read().decode()
        found = re.search(r'href="([^"]+)"[^>]*data-testid="next-page"', page)
        if not found:
            break
        path = found.group(1).replace("&amp;", "&")
    return path


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    url = os.environ.get("DATABASE_URL") or f"sqlite:////tmp/assoc-bench-{MEMBERS}.db"
    start = time.perf_counter()
    ids = build(url)
    print(f"http bench: {MEMBERS:,} members in one ward, {url.split(':')[0]}, "
          f"data ready in {time.perf_counter() - start:.0f} s; gunicorn -w 2, wrk -t2 -c8 "
          f"-d{SECONDS}s, p50")
    bare = serve(["--chdir", str(HERE), "bare_page:app"], 5391, dict(os.environ))
    try:
        anchor = p50("http://127.0.0.1:5391/")
    finally:
        stop(bare)
    print(f"{'bare Flask 50-row page':<52} {anchor:8.2f} ms")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret"}
    base = "http://127.0.0.1:5392"
    # Every page as computed: what the first reader after anyone's write waits for (there is
    # no page cache: issue 30).
    app = serve(["--chdir", str(ROOT), "wsgi:app"], 5392, env)
    try:
        cookie = login(base)
        for label, path, target in _pages(base, cookie, ids):
            ms = p50(base + path, cookie)
            ratio = ms / anchor
            flag = "ok" if ratio <= target else "OVER"
            print(f"{label:<52} {ms:7.2f} ms = {ratio:4.1f}x {flag:<4} (<= {target}x)")
    finally:
        stop(app)


def _pages(base: str, cookie: str, ids: dict) -> list[tuple[str, str, int]]:
    ward, district = ids["ward"], ids["district"]
    deep = next_link(base, f"/members/unit/{ward}", cookie, 40)
    return [
        ("member list, page 1", f"/members/unit/{ward}", 3),
        ("member list, 41st page (next x40)", deep, 3),
        ("member list, district, sort by number", f"/members/unit/{district}?sort=number", 3),
        ("member list, unpaid dues filter", f"/members/unit/{ward}?dues=unpaid", 3),
        ("search: name 'nguyen thi lan'", f"/members/unit/{ward}?q=nguyen+thi+lan", 4),
        ("search: name 'nguyen van an'", f"/members/unit/{ward}?q=nguyen+van+an", 4),
        ("search: name 'Thảo 1234' (diacritics)", f"/members/unit/{ward}?q=Th%E1%BA%A3o+1234", 4),
        ("search: phone 0900012345", f"/members/unit/{ward}?q=0900012345", 4),
        ("search: partial phone 12345", f"/members/unit/{ward}?q=12345", 4),
        ("search: CCCD", f"/members/unit/{ward}?q=079149012345", 4),
        ("search: card number HV-000043", f"/members/unit/{ward}?q=HV-000043", 4),
        ("unit page", f"/units/{ward}", 3),
        (f"voucher list of the unit ({VOUCHERS:,} receipts)", f"/units/{ward}/treasury", 3),
        ("vouchers, treasury-wide list", "/treasury/vouchers", 3),
        (f"events list ({EVENTS} events)", f"/events/unit/{ward}", 3),
        ("ward dashboard", f"/units/{ward}/dashboard", 5),
        ("district dashboard", f"/units/{district}/dashboard", 5),
        ("period report (year)", f"/units/{district}/report", 3),
        ("member page", f"/members/{ids['member']}", 3),
    ]


if __name__ == "__main__":
    main()
