"""Build a national-shape PostgreSQL database for bench/bench_national_pg.py.

1 national unit → 34 provinces → 3,321 communes (TP. Hồ Chí Minh 168) → 8–12 branches each,
N members (default 2,000,000, spread over the branches in random order), dues for this year
with their receipts, other receipts and payment vouchers up to 2,000,000 vouchers, a year of
events with donations, a scholarship program per province with its awards (paid by payment
vouchers), the key posts of most units, and three users: a commune chair, a province chair and
a national admin (password `NATIONAL_PASSWORD`, default "national-bench-2026").

The schema is the app's own (`flask db upgrade`: every migration to head); rows go in with
COPY while the big tables' secondary indexes and foreign keys are dropped, which are put back
afterwards; then the roll-ups (services.tally.rebuild, the app's own code) are built and the
counters (member numbers, voucher books, sequences) set.

    NATIONAL_DB=postgresql://postgres@127.0.0.1:5432/assoc_national \
        python bench/gen_national_pg.py [MEMBERS]

The database is dropped and created again. Takes minutes at 2,000,000 members (2 cores).
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NATIONAL_DB = os.environ.get("NATIONAL_DB",
                             "postgresql://postgres@127.0.0.1:5432/assoc_national")
PASSWORD = os.environ.get("NATIONAL_PASSWORD", "national-bench-2026")
MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
VOUCHERS = int(os.environ.get("NATIONAL_VOUCHERS", MEMBERS))  # 2,000,000 at full size
DUES_SHARE = 0.6      # members who paid this year's dues (one receipt each)
PAYMENT_SHARE = 0.06  # of the other vouchers, payments
DUES = 50_000
CREATED = "2026-01-01 00:00:00+00"
BIG_TABLES = ("member", "voucher", "dues_payment", "donation", "scholarship_nomination")

PROVINCES = [
    "Thành phố Hà Nội", "Thành phố Huế", "Tỉnh Lai Châu", "Tỉnh Điện Biên", "Tỉnh Sơn La",
    "Tỉnh Lạng Sơn", "Tỉnh Quảng Ninh", "Tỉnh Thanh Hóa", "Tỉnh Nghệ An", "Tỉnh Hà Tĩnh",
    "Tỉnh Cao Bằng", "Tỉnh Tuyên Quang", "Tỉnh Lào Cai", "Tỉnh Thái Nguyên", "Tỉnh Phú Thọ",
    "Tỉnh Bắc Ninh", "Tỉnh Hưng Yên", "Thành phố Hải Phòng", "Tỉnh Ninh Bình",
    "Tỉnh Quảng Trị", "Thành phố Đà Nẵng", "Tỉnh Quảng Ngãi", "Tỉnh Gia Lai",
    "Tỉnh Khánh Hòa", "Tỉnh Lâm Đồng", "Tỉnh Đắk Lắk", "Thành phố Hồ Chí Minh",
    "Tỉnh Đồng Nai", "Tỉnh Tây Ninh", "Thành phố Cần Thơ", "Tỉnh Vĩnh Long",
    "Tỉnh Đồng Tháp", "Tỉnh Cà Mau", "Tỉnh An Giang",
]
HCMC = PROVINCES.index("Thành phố Hồ Chí Minh")
CCCD_PROVINCE = [1, 46, 12, 11, 14, 20, 22, 38, 40, 42, 4, 8, 10, 19, 25, 27, 33, 31, 37, 45,
                 48, 51, 64, 56, 68, 66, 79, 75, 72, 92, 86, 87, 96, 89]
FAMILY = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 5),
          ("Phan", 4.5), ("Vũ", 4), ("Võ", 4), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 1.4),
          ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5)]
MIDDLE = {"M": ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Anh", "Gia", "Trọng"],
          "F": ["Thị", "Ngọc", "Thu", "Kim", "Thanh", "Mỹ", "Bích", "Hồng", "Thùy", "Phương"]}
GIVEN = {"M": ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Huy", "Khang", "Khoa", "Long",
               "Minh", "Nam", "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Trung", "Tuấn",
               "Việt", "Vinh", "Hiếu", "Lộc", "Đạt", "Toàn", "Tú", "Phong", "Kiên", "Nghĩa"],
         "F": ["Anh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hoa", "Hương", "Lan",
               "Linh", "Loan", "Mai", "Ngân", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo",
               "Trang", "Tuyết", "Vân", "Yến", "Nga", "Hiền", "Thủy", "Xuân", "Diệp", "My",
               "Ngọc"]}
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Quang Trung",
           "Lý Thường Kiệt", "Phan Chu Trinh", "Hùng Vương", "Bạch Đằng", "Điện Biên Phủ"]


def commune_counts() -> list[int]:
    """3,321 communes: 168 in TP. Hồ Chí Minh, the other 3,153 shared by the 33 provinces."""
    counts, others = [], 3321 - 168
    rest = [i for i in range(34) if i != HCMC]
    for i in range(34):
        if i == HCMC:
            counts.append(168)
        else:
            k = rest.index(i)
            counts.append(others // 33 + (1 if k < others % 33 else 0))
    return counts


class Copier:
    """Rows as COPY text, written in blocks."""

    def __init__(self, conn, table: str, columns: list[str]):
        self.conn, self.table, self.columns = conn, table, columns
        self.lines: list[str] = []
        self.rows = 0

    def add(self, *values) -> None:
        self.lines.append("\t".join("\\N" if v is None else str(v) for v in values))
        self.rows += 1
        if len(self.lines) >= 50_000:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        with self.conn.cursor() as cur, cur.copy(
                f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
            copy.write("\n".join(self.lines) + "\n")
        self.lines = []


def timed(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<52} {now - started:7.1f} s", flush=True)
    return now


def recreate_database() -> None:
    base = NATIONAL_DB.rsplit("/", 1)[0] + "/postgres"
    name = NATIONAL_DB.rsplit("/", 1)[1]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def make_app():
    from assoc import create_app
    from assoc.config import TestConfig

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = NATIONAL_DB.replace("postgresql://", "postgresql+psycopg://")
    config.PASSWORD_HASH_METHOD = "scrypt"
    return create_app(config)


def drop_secondary(conn) -> list[str]:
    """Drop the big tables' foreign keys and non-primary indexes; return the DDL that restores
    them (unique constraints first, then indexes, then foreign keys)."""
    tables = list(BIG_TABLES)
    constraints = conn.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u','f')",
        (tables,)).fetchall()
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", (tables,)).fetchall()
    restore = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, k, d in constraints
               if k == "u"]
    restore += [d for _, d in indexes]
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, k, d in constraints
                if k == "f"]
    for t, n, _kind, _ in sorted(constraints, key=lambda c: c[2]):  # f before u
        conn.execute(f'ALTER TABLE {t} DROP CONSTRAINT "{n}"')
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    # Other tables' foreign keys that point at the big ones would be checked per row too.
    refs = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid::regclass::text = ANY(%s) "
        "AND NOT conrelid::regclass::text = ANY(%s)", (tables, tables)).fetchall()
    for t, n, _ in refs:
        conn.execute(f'ALTER TABLE {t} DROP CONSTRAINT "{n}"')
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in refs]
    return restore


def generate(conn, members_total: int, vouchers_total: int, year: int, last_day: date) -> dict:
    from assoc.text import search_key, split_name

    rnd = random.Random(2026)
    stats: dict[str, int] = {}
    days = (last_day - date(year, 1, 1)).days + 1

    def day_in_year() -> date:
        return date(year, 1, 1) + timedelta(days=rnd.randrange(days))

    keys: dict[str, tuple[str, str]] = {}

    def name_keys(full: str) -> tuple[str, str]:
        found = keys.get(full)
        if found is None:
            found = keys[full] = (search_key(full), search_key(split_name(full)[2])[:60])
        return found

    families = [f for f, _ in FAMILY]
    weights = [w for _, w in FAMILY]

    def person(sex: str) -> str:
        return (f"{rnd.choices(families, weights)[0]} {rnd.choice(MIDDLE[sex])} "
                f"{rnd.choice(GIVEN[sex])}")

    # --- units ----------------------------------------------------------------------------
    unit_cols = ["id", "parent_id", "level", "code", "name", "search_key", "path", "address",
                 "phone", "email", "valid_from", "valid_to", "closed_reason", "successor_id",
                 "created_at"]
    units = Copier(conn, "unit", unit_cols)
    next_id = 1
    units.add(1, None, "national", "VN", "Trung ương Hội Khuyến học Việt Nam",
              search_key("Trung ương Hội Khuyến học Việt Nam"), "/1/", "", "", "", "1996-10-02",
              None, "", None, CREATED)
    provinces: list[tuple[int, str, int]] = []  # (id, path, index)
    communes: list[tuple[int, str, int]] = []   # (id, path, province index)
    branches: list[tuple[int, int, str]] = []   # (id, commune id, name)
    province_ids = []
    for p in range(len(PROVINCES)):
        next_id += 1
        province_ids.append(next_id)
        provinces.append((next_id, f"/1/{next_id}/", p))
    for (pid, ppath, p), name in zip(provinces, PROVINCES, strict=True):
        units.add(pid, 1, "province", f"P{p + 1:02d}", name, search_key(name), ppath, "", "",
                  "", "2025-07-01", None, "", None, CREATED)
    for (pid, ppath, p), count in zip(provinces, commune_counts(), strict=True):
        for c in range(count):
            next_id += 1
            kind = "Phường" if rnd.random() < 0.3 else "Xã"
            name = f"{kind} {rnd.choice(STREETS)} {c + 1}"
            units.add(next_id, pid, "commune", f"P{p + 1:02d}-C{c + 1:03d}", name,
                      search_key(name), f"{ppath}{next_id}/", "", "", "", "2025-07-01", None, "",
                      None, CREATED)
            communes.append((next_id, f"{ppath}{next_id}/", p))
    for ci, (cid, cpath, p) in enumerate(communes):
        for b in range(rnd.randint(8, 12)):
            next_id += 1
            name = f"Chi hội tổ dân phố {b + 1}"
            units.add(next_id, cid, "branch", f"P{p + 1:02d}-C{ci + 1:04d}-B{b + 1:02d}", name,
                      search_key(name), f"{cpath}{next_id}/", "", "", "", "2025-07-01", None, "",
                      None, CREATED)
            branches.append((next_id, cid, name))
    units.flush()
    stats["units"] = units.rows

    # --- funds and voucher books ---------------------------------------------------------------
    fund_of: dict[int, int] = {}
    funds = Copier(conn, "fund", ["id", "unit_id", "code", "name", "search_key", "kind",
                                  "sponsor", "active", "created_at"])
    book_units = [1, *province_ids, *(c for c, _, _ in communes)]
    for i, unit_id in enumerate(book_units, start=1):
        fund_of[unit_id] = i
        funds.add(i, unit_id, "KH", "Quỹ khuyến học", "quy khuyen hoc", "general", "", "t",
                  CREATED)
    funds.flush()
    book_of: dict[tuple[int, str], int] = {}
    for unit_id in book_units:
        for kind in ("receipt", "payment"):
            book_of[unit_id, kind] = len(book_of) + 1
    next_number: dict[int, int] = defaultdict(lambda: 1)

    dues_rate = Copier(conn, "dues_rate", ["id", "unit_id", "year", "amount", "created_at"])
    dues_rate.add(1, 1, year, DUES, CREATED)
    dues_rate.flush()

    # --- members ------------------------------------------------------------------------------
    member_cols = ["id", "number", "unit_id", "kind", "honorary", "status", "full_name",
                   "search_key", "given_name_key", "birth_date", "birth_year", "sex", "cccd",
                   "phone", "address", "occupation", "representative", "contact", "joined_on",
                   "notes", "ended_on", "end_reason", "merged_into_id", "card_token",
                   "created_at", "updated_at"]
    members = Copier(conn, "member", member_cols)
    # Bigger branches in towns: sizes vary about fourfold.
    branch_weights = [rnd.uniform(0.4, 1.6) for _ in branches]
    picks = rnd.choices(range(len(branches)), branch_weights, k=members_total)
    phones = rnd.sample(range(10_000_000, 100_000_000), members_total)
    prefixes = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "035", "038",
                "070", "077", "079", "081", "083", "085", "086", "088", "089"]
    members_of_commune: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    joined_days = (last_day - date(2000, 1, 1)).days
    samples: dict[str, list] = defaultdict(list)
    province_of_commune = {cid: p for cid, _, p in communes}
    for i in range(members_total):
        mid = i + 1
        branch_id, commune_id, branch_name = branches[picks[i]]
        sex = "F" if rnd.random() < 0.55 else "M"
        full = person(sex)
        skey, gkey = name_keys(full)
        birth = date(1940, 1, 1) + timedelta(days=rnd.randrange(24000))
        p = province_of_commune[commune_id]
        century_sex = (0 if birth.year < 2000 else 2) + (1 if sex == "F" else 0)
        cccd = f"{CCCD_PROVINCE[p]:03d}{century_sex}{birth.year % 100:02d}{mid % 1_000_000:06d}"
        phone = f"{prefixes[phones[i] % len(prefixes)]}{phones[i] % 10_000_000:07d}"
        if rnd.random() < 0.06:
            joined = day_in_year()
        else:
            joined = date(2000, 1, 1) + timedelta(days=rnd.randrange(joined_days))
        ended = rnd.random() < 0.03
        members.add(mid, mid, branch_id, "individual", "f", "ended" if ended else "active",
                    full, skey, gkey, birth, None, sex, cccd, phone,
                    f"{rnd.randint(1, 300)} {rnd.choice(STREETS)}, {branch_name}", "", "", "",
                    joined, "", f"{year}-06-30" if ended else None, "Chuyển đi" if ended else "",
                    None, f"{mid:08x}{secrets.token_hex(6)}", CREATED, CREATED)
        if not ended:
            members_of_commune[commune_id].append((mid, full, branch_name))
        if i % 100_003 == 7:
            samples["members"].append((mid, full, phone, cccd, branch_id, commune_id))
    members.flush()
    stats["members"] = members.rows

    # --- events and donations (per commune), vouchers (per book, numbered by date) --------------
    voucher_cols = ["id", "book_id", "number", "unit_id", "fund_id", "kind", "voucher_date",
                    "party_name", "search_key", "party_address", "reason", "amount", "method",
                    "attachments", "link_type", "link_id", "idempotency_token", "public_token",
                    "status", "void_reason", "voided_by_id", "voided_at", "print_count",
                    "created_by_id", "created_at"]
    vouchers = Copier(conn, "voucher", voucher_cols)
    dues = Copier(conn, "dues_payment", ["id", "member_id", "unit_id", "year", "amount",
                                         "paid_on", "voucher_id", "token", "collected_by_id",
                                         "created_at"])
    events = Copier(conn, "event", [
        "id", "unit_id", "kind", "title", "search_key", "starts_at", "place", "organiser",
        "partners", "target_amount", "description", "status", "cancel_reason",
        "participants_students", "participants_members", "participants_residents",
        "books_collected", "books_donated", "created_by_id", "created_at"])
    donations = Copier(conn, "donation", [
        "id", "unit_id", "event_id", "donor_id", "pledge_id", "anonymous", "method", "amount",
        "items", "quantity", "estimated_value", "fund_id", "received_on", "note", "voucher_id",
        "ack_year", "ack_number", "created_by_id", "created_at"])
    ids = {"voucher": 0, "dues": 0, "event": 0, "donation": 0}

    def emit_book(unit_id: int, rows: list[tuple]) -> None:
        """rows: (date, kind, party, address, reason, amount, link_type, link_id, after)"""
        rows.sort(key=lambda r: (r[0], r[1]))
        for day, kind, party, address, reason, amount, link_type, link_id, after in rows:
            ids["voucher"] += 1
            vid = ids["voucher"]
            book = book_of[unit_id, kind]
            number = next_number[book]
            next_number[book] = number + 1
            vouchers.add(vid, book, number, unit_id, fund_of[unit_id], kind, day, party,
                         name_keys(party)[0], address, reason, amount,
                         "cash" if rnd.random() < 0.8 else "transfer", 0, link_type, link_id,
                         None, secrets.token_urlsafe(18), "valid", "", None, None, 0, None,
                         CREATED)
            if after is not None:
                after(vid)

    dues_total = sum(len(m) for m in members_of_commune.values())
    dues_total = min(int(dues_total * DUES_SHARE), vouchers_total)
    other_total = max(vouchers_total - dues_total - 13 * len(communes), 0)
    per_commune_other = other_total / len(communes)
    kinds = ["walk", "reading_day", "piggy_bank"]
    titles = {"walk": "Đi bộ gây quỹ khuyến học", "reading_day": "Ngày hội văn hóa đọc",
              "piggy_bank": "Ngày hội khui heo đất khuyến học"}
    carry = 0.0
    for cid, _, _ in communes:
        rows: list[tuple] = []
        mine = members_of_commune.get(cid, [])
        paying = rnd.sample(mine, int(len(mine) * DUES_SHARE)) if mine else []
        for mid, full, branch_name in paying:
            ids["dues"] += 1
            did = ids["dues"]
            paid_on = day_in_year()

            def dues_row(vid, did=did, mid=mid, paid_on=paid_on, cid=cid):
                dues.add(did, mid, cid, year, DUES, paid_on, vid, None, None, CREATED)

            rows.append((paid_on, "receipt", full, branch_name, f"Hội phí năm {year}", DUES,
                         "dues", did, dues_row))
        # A year of events: three per commune, held, with cash gifts (receipted) and gifts in kind.
        for ack, k in enumerate(kinds, start=1):
            ids["event"] += 1
            eid = ids["event"]
            day = day_in_year()
            events.add(eid, cid, k, f"{titles[k]} {year}", search_key(f"{titles[k]} {year}"),
                       f"{day} 01:00:00+00", "Nhà văn hóa", "Hội Khuyến học", "", 20_000_000, "",
                       "held", "", rnd.randint(50, 400), rnd.randint(10, 80),
                       rnd.randint(20, 300), 0, 0, None, CREATED)
            for _ in range(3):
                ids["donation"] += 1
                donation_id = ids["donation"]
                amount = rnd.choice([500_000, 1_000_000, 2_000_000, 5_000_000])
                donor = person(rnd.choice("MF"))

                def donation_row(vid, donation_id=donation_id, eid=eid, amount=amount, day=day,
                                 cid=cid):
                    donations.add(donation_id, cid, eid, None, None, "f", "cash", amount, "", 0,
                                  0, fund_of[cid], day, "", vid, None, None, None, CREATED)

                rows.append((day, "receipt", donor, "", f"Ủng hộ {titles[k].lower()}", amount,
                             "donation", donation_id, donation_row))
            ids["donation"] += 1
            donations.add(ids["donation"], cid, eid, None, None, "f", "in_kind", 0,
                          "Sách giáo khoa", 100, 3_000_000, None, day, "", None, year, ack,
                          None, CREATED)
        carry += per_commune_other
        n_other = int(carry)
        carry -= n_other
        for _ in range(n_other):
            if rnd.random() < PAYMENT_SHARE:
                rows.append((day_in_year(), "payment", person(rnd.choice("MF")), "",
                             "Chi khen thưởng học sinh giỏi", rnd.choice([200_000, 500_000]),
                             None, None, None))
            else:
                rows.append((day_in_year(), "receipt", person(rnd.choice("MF")), "",
                             "Ủng hộ quỹ khuyến học", rnd.choice([100_000, 200_000, 500_000]),
                             None, None, None))
        emit_book(cid, rows)

    # --- scholarships: a program per province, quotas per commune, awards paid by vouchers ------
    programs = Copier(conn, "scholarship_program", [
        "id", "unit_id", "name", "search_key", "sponsor", "amount_per_award", "tiers",
        "max_awards", "budget", "window_start", "window_end", "ceremony_date", "criteria",
        "priority_groups", "fund_id", "created_by_id", "created_at"])
    quotas = Copier(conn, "scholarship_quota", ["id", "program_id", "unit_id", "max_awards",
                                                "budget"])
    nominations = Copier(conn, "scholarship_nomination", [
        "id", "program_id", "unit_id", "quota_id", "student_name", "search_key", "birth_date",
        "sex", "school", "grade", "academic_result", "family_circumstance", "priority_groups",
        "guardian_name", "guardian_phone", "address", "reason", "attachments", "amount",
        "status", "submitted_at", "decided_at", "decided_by_id", "decision_reason", "paid_at",
        "paid_by_id", "voucher_id", "created_by_id", "created_at"])
    quota_id = nomination_id = 0
    by_province = defaultdict(list)
    for cid, _, p in communes:
        by_province[p].append(cid)
    award = 1_000_000
    for pid, _, p in provinces:
        program = p + 1
        name = f"Học bổng Khuyến học {year}"
        programs.add(program, pid, name, search_key(name), "Quỹ Khuyến học Việt Nam", award,
                     "[]", None, None, f"{year}-03-01", f"{year}-09-30", f"{year}-10-15", "",
                     "[]", fund_of[pid], None, CREATED)
        rows = []
        k = 0
        for cid in by_province[p]:
            quota_id += 1
            quotas.add(quota_id, program, cid, 6, None)
            for _ in range(5):
                nomination_id += 1
                k += 1
                sex = rnd.choice("MF")
                student = person(sex)
                born = date(2008, 1, 1) + timedelta(days=k)
                decided = date(year, 9, 1) + timedelta(days=rnd.randrange(30))
                paid = rnd.random() < 0.8
                status = "paid" if paid else "approved"

                def award_row(vid, nid=nomination_id, q=quota_id, student=student, born=born,
                              sex=sex, decided=decided, cid=cid, status=status, program=program):
                    nominations.add(nid, program, cid, q, student, name_keys(student)[0], born,
                                    sex, "Trường THCS", "8", "Giỏi", "", "[]", "", "", "", "",
                                    0, award, status, f"{decided - timedelta(days=20)} 02:00:00+00",
                                    f"{decided} 02:00:00+00", None, "",
                                    f"{decided + timedelta(days=10)} 02:00:00+00" if vid else None,
                                    None, vid, None, CREATED)

                if paid:
                    rows.append((decided + timedelta(days=10), "payment", student, "",
                                 f"Chi học bổng {name}", award, "award", nomination_id,
                                 award_row))
                else:
                    award_row(None)
        emit_book(pid, rows)
    for copier in (vouchers, dues, events, donations, programs, quotas, nominations):
        copier.flush()
    stats.update(vouchers=vouchers.rows, dues=dues.rows, events=events.rows,
                 donations=donations.rows, awards=nominations.rows)

    books = Copier(conn, "voucher_book", ["id", "unit_id", "kind", "year", "code",
                                          "next_number"])
    for (unit_id, kind), book in book_of.items():
        books.add(book, unit_id, kind, year, f"{'PT' if kind == 'receipt' else 'PC'}-{year}",
                  next_number[book])
    books.flush()

    # --- officers: chair and treasurer of most communes/provinces, heads of most branches -----
    officers = Copier(conn, "officer", ["id", "unit_id", "full_name", "search_key", "phone",
                                        "birth_year", "outside_posts", "notes", "created_at"])
    positions = Copier(conn, "position", ["id", "officer_id", "unit_id", "title", "title_text",
                                          "term", "start_date", "end_date", "full_time",
                                          "created_at"])
    posts = [(1, "chair"), (1, "treasurer")]
    posts += [(pid, t) for pid, _, _ in provinces for t in ("chair", "treasurer")]
    posts += [(cid, t) for cid, _, _ in communes for t in ("chair", "treasurer")
              if rnd.random() < 0.97]
    posts += [(bid, "branch_head") for bid, _, _ in branches if rnd.random() < 0.95]
    for n, (unit_id, title) in enumerate(posts, start=1):
        full = person(rnd.choice("MF"))
        officers.add(n, unit_id, full, name_keys(full)[0], "", rnd.randint(1950, 1975), "", "",
                     CREATED)
        positions.add(n, n, unit_id, title, "", "2025–2030", "2025-07-01", None, "f", CREATED)
    officers.flush()
    positions.flush()
    stats["posts"] = len(posts)

    counter = Copier(conn, "number_counter", ["name", "last"])
    counter.add("member", members_total)
    counter.flush()
    samples["commune"] = [communes[0][0], communes[len(communes) // 2][0]]
    samples["province"] = [provinces[HCMC][0], provinces[0][0]]
    stats["_samples"] = dict(samples)
    return stats


def main() -> None:
    from sqlalchemy import select

    started = t0 = time.perf_counter()
    print(f"national PostgreSQL data: {MEMBERS:,} members, {VOUCHERS:,} vouchers → {NATIONAL_DB}",
          flush=True)
    recreate_database()
    app = make_app()
    with app.app_context():
        from flask_migrate import upgrade

        from assoc.extensions import db
        from assoc.models import Unit, today
        from assoc.services import tally, units, users

        upgrade()  # the app's migrations, empty → head
        db.session.remove()
        db.engine.dispose()
        t0 = timed("schema (flask db upgrade)", t0)
        year = today().year
        last_day = today() - timedelta(days=1)

        with psycopg.connect(NATIONAL_DB) as conn:
            restore = drop_secondary(conn)
            stats = generate(conn, MEMBERS, VOUCHERS, year, last_day)
            conn.commit()
            t0 = timed(f"COPY ({stats['members']:,} members, {stats['vouchers']:,} vouchers, "
                       f"{stats['dues']:,} dues)", t0)
            conn.execute("SET maintenance_work_mem = '1GB'")  # this session only
            for ddl in restore:
                conn.execute(ddl)
            conn.commit()
            t0 = timed(f"indexes and constraints back ({len(restore)})", t0)
            for table in ("unit", "fund", "voucher_book", "dues_rate", "member", "voucher",
                          "dues_payment", "event", "donation", "scholarship_program",
                          "scholarship_quota", "scholarship_nomination", "officer", "position"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT coalesce(max(id), 1) FROM {table}))")
            conn.commit()
        with psycopg.connect(NATIONAL_DB, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        t0 = timed("VACUUM ANALYZE", t0)

        all_units = db.session.scalars(select(Unit.id)).all()
        tally.rebuild(all_units)
        db.session.commit()
        t0 = timed(f"roll-ups (tally.rebuild of {len(all_units):,} units)", t0)

        samples = stats["_samples"]
        commune = db.session.get(Unit, samples["commune"][0])
        province = db.session.get(Unit, samples["province"][0])
        national = db.session.get(Unit, 1)
        for username, full_name, unit, role in (
                ("commune.chair", "Chủ tịch Hội xã", commune, "chair"),
                ("province.chair", "Chủ tịch Hội thành phố", province, "chair"),
                ("national.admin", "Quản trị Trung ương", national, "admin")):
            user = users.create_user(None, username=username, full_name=full_name,
                                     password=PASSWORD)
            units.grant_role(None, user, unit, role)
        db.session.commit()
        with psycopg.connect(NATIONAL_DB, autocommit=True) as conn:
            conn.execute("ANALYZE")
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))"
                                ).fetchone()[0]
        timed("users, ANALYZE", t0)
    print(f"  {'total':<52} {time.perf_counter() - started:7.1f} s   database size {size}")
    for key, value in stats.items():
        if not key.startswith("_"):
            print(f"  {key:<20} {value:>12,}")


if __name__ == "__main__":
    main()
