"""A mixed load: how fast are pages as users meet them, and what would a page cache serve?

    python bench/bench_mixed.py [REQUESTS] [MEMBERS_PER_WARD]

50 users of 10 wards (5 per ward: chair, treasurer, clerk and two viewers) browse their ward's
pages — the member list in its sort orders and pages, name searches, member pages, the unit
page, the voucher list, the dashboard — while 1 request in 10 writes (a dues payment, a new
member or a receipt voucher, through the app's services, committed). Users take turns at
random, in one process. Printed: each kind of page's p50 and p95 (in-process, computed), and
the share of views a page cache would have served with the same requests — keyed as the one
this app had until issue 30 (per user and address, dropped by any write: it measured 0.5 % on
SQLite and 0.0 % on PostgreSQL here, and was removed), and keyed per unit (dropped only by a
write in the page's ward), per user and shared by the users of a role.

SQLite unless DATABASE_URL is set (a PostgreSQL database of its own: the bench builds into it).
Builds its database once into /tmp/assoc-mixed-<MEMBERS>.db (delete it to rebuild).
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
PER_WARD = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
WARDS, USERS_PER_WARD, WRITE_EVERY = 10, 5, 10
PASSWORD = "hoa-sen-no-2026"
ROLES = ["chair", "treasurer", "clerk", "viewer", "viewer"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thu", "Đức", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phúc",
         "Quang", "Sơn", "Thảo", "Tuấn", "Yến"]


def build(app) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from assoc.extensions import db
    from assoc.models import Member, NumberCounter, Unit, new_card_token, today
    from assoc.services import members, tally, units, users
    from assoc.text import search_key, split_name

    with app.app_context():
        upgrade()
        if db.session.scalar(select(Unit.id).where(Unit.code == "M")) is not None:
            return
        city = units.create_unit(None, parent=None, level="province", code="M", name="Tỉnh")
        number = 0
        for w in range(WARDS):
            ward = units.create_unit(None, parent=city, level="commune", code=f"M-{w}",
                                     name=f"Phường {w + 1}")
            branches = [units.create_unit(None, parent=ward, level="branch",
                                          code=f"M-{w}-{b}", name=f"Chi hội {b + 1}")
                        for b in range(5)]
            members.set_dues_rate(None, ward, year=today().year, amount=60_000)
            for i, role in enumerate(ROLES):
                user = users.create_user(None, username=f"u{w}-{i}", full_name=f"U {w} {i}",
                                         password=PASSWORD)
                units.grant_role(None, user, ward, role)
            db.session.commit()
            rows = []
            for i in range(PER_WARD):
                number += 1
                name = (f"{FAMILY[i % 10]} {MIDDLE[(i // 10) % 8]} {GIVEN[(i // 80) % 16]} "
                        f"{number}")
                year = 1940 + i % 60
                rows.append({
                    "number": number, "unit_id": (ward if i % 3 == 0 else branches[i % 5]).id,
                    "kind": "individual", "honorary": False, "status": "active",
                    "full_name": name, "search_key": search_key(name),
                    "given_name_key": search_key(split_name(name)[2])[:60],
                    "birth_year": year, "sex": "MF"[i % 2], "cccd": f"0791{number:08d}",
                    "phone": f"09{number:08d}", "address": f"{i} Lê Lợi", "occupation": "",
                    "representative": "", "contact": "", "notes": "", "end_reason": "",
                    "card_token": new_card_token(),
                })
            db.session.execute(insert(Member.__table__), rows)
        db.session.merge(NumberCounter(name="member", last=number))
        db.session.commit()
        tally.rebuild([u.id for u in db.session.scalars(select(Unit))])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def write(app, rng: random.Random, ward_id: int, user_id: int) -> str:
    """One write of a ward's user, through the services, committed."""
    from sqlalchemy import func, select

    from assoc.extensions import db
    from assoc.models import DuesPayment, Member, Unit, User, today
    from assoc.services import members, treasury

    with app.app_context():
        ward = db.session.get(Unit, ward_id)
        actor = db.session.get(User, user_id)
        kind = rng.choice(("dues", "member", "voucher"))
        if kind == "dues":
            paid = select(DuesPayment.member_id).where(DuesPayment.year == today().year)
            member = db.session.scalar(
                select(Member).where(Member.unit_id == ward.id, Member.status == "active",
                                     Member.id.not_in(paid))
                .order_by(func.random()).limit(1))
            members.pay_dues(actor, member, year=today().year)
        elif kind == "member":
            members.create_member(actor, ward, full_name=f"{rng.choice(FAMILY)} "
                                  f"{rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                                  birth_year=rng.randint(1950, 2005), kind="individual")
        else:
            treasury.issue_voucher(actor, ward, kind="receipt", amount=100_000,
                                   party_name="Nhà hảo tâm", reason="Ủng hộ quỹ khuyến học")
        db.session.commit()
        return kind


def main() -> None:
    url = os.environ.get("DATABASE_URL") or f"sqlite:////tmp/assoc-mixed-{PER_WARD}.db"
    from sqlalchemy import select

    from assoc import create_app
    from assoc.config import Config
    from assoc.extensions import db
    from assoc.models import Member, Unit, User

    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url
    config.WTF_CSRF_ENABLED = False
    app = create_app(config)
    start = time.perf_counter()
    build(app)
    with app.app_context():
        wards = {u.code: u.id for u in db.session.scalars(
            select(Unit).where(Unit.level == "commune"))}
        sample = {}
        for wid in wards.values():
            sample[wid] = db.session.scalars(select(Member.id).where(Member.unit_id == wid)
                                             .limit(200)).all()
        accounts = [(u.username, u.id, wards[f"M-{u.username[1:].split('-')[0]}"])
                    for u in db.session.scalars(select(User).where(User.username.like("u%")))]
    print(f"mixed bench: {len(wards)} wards x {PER_WARD:,} members, {len(accounts)} users, "
          f"{url.split(':')[0]}, data ready in {time.perf_counter() - start:.0f} s")

    counts = Counter()
    times: dict[str, list[float]] = {}
    rng = random.Random(2026)
    clients = {}
    for i, (username, uid, wid) in enumerate(accounts):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.{i // 250}.{i % 250 + 1}"  # 50 people
        client.post("/login", data={"username": username, "password": PASSWORD})
        clients[uid] = (client, wid)
    nexts: dict[int, str] = {}
    kinds = Counter()
    # What a cache keyed per unit would do with the same requests: a page kept until a write in
    # its ward (or above it: none here) — per user, as the cache is now, and shared by every
    # user of the same role (no user or session in its key): the best either could do.
    seen_any: dict[tuple, int] = {}
    seen_user: dict[tuple, int] = {}
    seen_role: dict[tuple, int] = {}
    writes = 0
    ward_writes: Counter = Counter()
    role_of = {uid: ROLES[int(name.rsplit("-", 1)[1])] for name, uid, _w in accounts}
    started = time.perf_counter()
    for n in range(REQUESTS):
        uid = rng.choice(list(clients))
        client, wid = clients[uid]
        if n % WRITE_EVERY == WRITE_EVERY - 1:
            kinds["write: " + write(app, rng, wid, uid)] += 1
            ward_writes[wid] += 1
            writes += 1
            continue
        page = rng.choice(("list", "list", "next", "search", "member", "unit", "vouchers",
                           "dashboard"))
        if page == "list":
            path = f"/members/unit/{wid}?sort={rng.choice(('name', 'number', 'joined'))}"
        elif page == "next":
            path = nexts.get(uid) or f"/members/unit/{wid}"
        elif page == "search":
            path = f"/members/unit/{wid}?q={rng.choice(GIVEN)}"
        elif page == "member":
            path = f"/members/{rng.choice(sample[wid])}"
        elif page == "unit":
            path = f"/units/{wid}"
        elif page == "vouchers":
            path = f"/units/{wid}/treasury"
        else:
            path = f"/units/{wid}/dashboard"
        counts["any"] += seen_any.get((uid, path)) == writes
        seen_any[(uid, path)] = writes
        for seen, key in ((seen_user, (uid, path)), (seen_role, (role_of[uid], path))):
            counts["unit-" + ("user" if seen is seen_user else "role")] += (
                seen.get(key) == ward_writes[wid])
            seen[key] = ward_writes[wid]
        began = time.perf_counter()
        response = client.get(path)
        times.setdefault(page, []).append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        if page in ("list", "next"):
            found = re.search(r'href="([^"]+)"[^>]*data-testid="next-page"',
                              response.get_data(as_text=True))
            nexts[uid] = found.group(1).replace("&amp;", "&") if found else None
        kinds[page] += 1
    took = time.perf_counter() - started
    print(f"{REQUESTS:,} requests in {took:.0f} s: " + ", ".join(
        f"{k} {v}" for k, v in sorted(kinds.items())))
    for page, ms in sorted(times.items()):
        ms.sort()
        p50, p95 = ms[len(ms) // 2], ms[len(ms) * 95 // 100]
        print(f"  {page:<10} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    reads = sum(len(v) for v in times.values())
    print(f"a page cache would have served: {100 * counts['any'] / reads:.1f} % keyed per user "
          f"and dropped by any write; keyed per unit (dropped by a write in the ward) "
          f"{100 * counts['unit-user'] / reads:.1f} % per user, "
          f"{100 * counts['unit-role'] / reads:.1f} % shared by the users of a role")


if __name__ == "__main__":
    main()
