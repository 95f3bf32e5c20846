"""Member lists at scale: keyset pages (next/previous, every sort), search through the search
index (kept current on write), the printed card number, and a bounded number of queries per
page whatever the number of members."""

import re

import pytest
from sqlalchemy import event, insert

from assoc.models import Member, new_card_token
from assoc.services import members as svc
from assoc.services import tally
from assoc.text import search_key, split_name

from .builders import build_event, build_member, build_unit, build_voucher

GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hùng", "Lan"]


def bulk(db, unit, n, start=1):
    """n members straight into the table (as an import does), with the roll-ups rebuilt."""
    rows = []
    for i in range(start, start + n):
        name = f"Trần Văn {GIVEN[i % len(GIVEN)]} {i}"
        rows.append({"number": 1000 + i, "unit_id": unit.id, "kind": "individual",
                     "honorary": False, "status": "active", "full_name": name,
                     "search_key": search_key(name),
                     "given_name_key": search_key(split_name(name)[2]),
                     "sex": "", "cccd": f"079090{i:06d}", "phone": f"09{i:08d}",
                     "address": "", "occupation": "", "representative": "", "contact": "",
                     "notes": "", "end_reason": "", "card_token": new_card_token(),
                     "joined_on": None if i % 7 == 0 else __import__("datetime").date(
                         2000 + i % 20, 1 + i % 12, 1)})
    db.session.execute(insert(Member.__table__), rows)
    tally.touch(unit_ids=[unit.id])
    db.session.commit()


def walk(db, unit, filters, per_page):
    """Every member of the list by following "next", then back by "previous"."""
    seen, page = [], svc.member_page(None, unit, filters, per_page=per_page)
    pages = [page]
    while True:
        seen += [m.id for m in page.items]
        if not page.next_cursor:
            break
        page = svc.member_page(None, unit, filters, after=page.next_cursor, per_page=per_page)
        pages.append(page)
    back = []
    while page.prev_cursor:
        page = svc.member_page(None, unit, filters, before=page.prev_cursor, per_page=per_page)
        back = [m.id for m in page.items] + back
    return seen, back, pages


@pytest.mark.parametrize("sort", ["name", "number", "joined", "unit"])
def test_next_and_previous_pages_cover_the_list_once_in_order(tree, db, sort):
    ward = tree.ward_a
    branch = build_unit("branch_x", parent=ward)
    bulk(db, ward, 37)
    bulk(db, branch, 20, start=100)
    filters = svc.ListFilters(sort=sort)
    expected = [m.id for m in db.session.scalars(svc.member_query(None, ward, filters))]
    seen, back, pages = walk(db, ward, filters, per_page=10)
    assert seen == expected and len(seen) == 57
    assert back == seen[:len(back)] and len(back) >= 50  # back to the first page
    assert pages[0].total == 57 and pages[0].prev_cursor is None


def test_the_big_list_plan_gives_the_same_pages(tree, db, monkeypatch):
    ward = tree.ward_a
    bulk(db, ward, 30)
    filters = svc.ListFilters()
    small, _, _ = walk(db, ward, filters, per_page=7)
    monkeypatch.setattr(svc, "BIG_LIST", 10)  # walk the list index in order instead
    big, _, _ = walk(db, ward, filters, per_page=7)
    assert big == small and len(big) == 30


def test_a_tampered_cursor_is_the_first_page(tree, db):
    ward = tree.ward_a
    bulk(db, ward, 12)
    first = svc.member_page(None, ward, svc.ListFilters(), per_page=5)
    for cursor in ["junk", "W10", "WyJhIiwxXQ", "x" * 900]:
        page = svc.member_page(None, ward, svc.ListFilters(), after=cursor, per_page=5)
        assert [m.id for m in page.items] == [m.id for m in first.items]


def found(db, unit, q):
    return {m.full_name for m in svc.member_page(None, unit, svc.ListFilters(q=q)).items}


def test_search_by_card_number_as_printed(tree, db):
    ward = tree.ward_a
    a = build_member(ward, "Lê Thị Mai")
    build_member(ward, "Phạm Văn Nam")
    printed = a.display_number  # "HV-000001"
    for q in [printed, printed.lower(), f"hv{a.number}", f"{a.number:06d}", "HV 000001"]:
        assert found(db, ward, q) == {"Lê Thị Mai"}, q


def test_search_ignores_case_and_diacritics_and_follows_renames(tree, db):
    ward = tree.ward_a
    m = build_member(ward, "Nguyễn Thị Thảo", phone="0912345678", cccd="079190001234")
    build_member(ward, "Trần Văn Bình")
    assert found(db, ward, "THAO") == {"Nguyễn Thị Thảo"}
    assert found(db, ward, "thị thảo") == {"Nguyễn Thị Thảo"}
    assert found(db, ward, "2345") == {"Nguyễn Thị Thảo"}  # part of the phone / CCCD
    assert found(db, ward, "0912 345 678") == {"Nguyễn Thị Thảo"}
    assert found(db, ward, "079190001234") == {"Nguyễn Thị Thảo"}
    svc.update_member(None, m, full_name="Nguyễn Thị Thu Hằng", phone="0987000111")
    db.session.commit()
    assert found(db, ward, "thao") == set()
    assert found(db, ward, "thu hang") == {"Nguyễn Thị Thu Hằng"}
    assert found(db, ward, "7000111") == {"Nguyễn Thị Thu Hằng"}
    svc.delete_member(None, m)
    db.session.commit()
    assert found(db, ward, "hang") == set()


def test_name_search_takes_the_starts_of_words_in_order(tree, db):
    ward = tree.ward_a
    build_member(ward, "Nguyễn Văn An")
    build_member(ward, "Nguyễn Văn Anh")
    build_member(ward, "Trần Văn Ân")
    build_member(ward, "An Văn Nguyễn")
    assert found(db, ward, "nguyen van an") == {"Nguyễn Văn An", "Nguyễn Văn Anh"}
    assert found(db, ward, "Văn Ân") == {"Nguyễn Văn An", "Nguyễn Văn Anh", "Trần Văn Ân"}
    assert found(db, ward, "van nguyen") == {"An Văn Nguyễn"}
    assert found(db, ward, "guyen van") == set()  # the middle of a word is not a word start


def test_short_terms_find_a_given_name_or_the_start_of_a_name(tree, db):
    ward = tree.ward_a
    build_member(ward, "Võ Thị Hà")
    build_member(ward, "Hà Văn Tâm")
    build_member(ward, "Lê Văn Hải")
    assert found(db, ward, "hà") == {"Võ Thị Hà", "Hà Văn Tâm"}


def test_search_stays_inside_the_unit(tree, db):
    build_member(tree.ward_a, "Đặng Văn Sơn")
    assert found(db, tree.ward_b, "dang van son") == set()


@pytest.fixture
def count_queries(db):
    counter = {"n": 0}

    def before(*_args):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    yield counter
    event.remove(db.engine, "before_cursor_execute", before)


@pytest.mark.parametrize("url", [
    "/members/unit/{ward}", "/members/unit/{ward}?q=tran+van", "/members/unit/{ward}?q=0900000003",
    "/members/unit/{ward}?sort=joined", "/members/unit/{ward}?dues=unpaid",
    "/units/{ward}", "/units/{ward}/dashboard",
])
def test_pages_issue_the_same_number_of_queries_for_20_or_200_members(
        tree, db, client_as, count_queries, url):
    ward = tree.ward_a
    client = client_as("chair", ward)
    counts = []
    for n, start in ((20, 1), (180, 21)):
        bulk(db, ward, n, start=start)
        path = url.format(ward=ward.id)
        assert client.get(path).status_code == 200
        count_queries["n"] = 0
        response = client.get(path)
        assert response.status_code == 200
        counts.append(count_queries["n"])
    assert counts[0] == counts[1] and counts[1] <= 25, counts


def test_list_page_links_to_the_next_page_and_shows_the_count(tree, db, client_as):
    ward = tree.ward_a
    bulk(db, ward, 60)
    client = client_as("chair", ward)
    html = client.get(f"/members/unit/{ward.id}").get_data(as_text=True)
    nxt = re.search(r'href="([^"]+)"[^>]*data-testid="next-page"', html).group(1)
    assert 'data-testid="list-total"' in html and "60" in html
    second = client.get(nxt.replace("&amp;", "&")).get_data(as_text=True)
    assert 'data-testid="prev-page"' in second and 'data-testid="next-page"' not in second


@pytest.mark.parametrize("url, build", [
    ("/units/{ward}/treasury", lambda unit, i: build_voucher(unit, party_name=f"Người {i}")),
    ("/treasury/vouchers", lambda unit, i: build_voucher(unit, party_name=f"Người {i}")),
    ("/treasury/vouchers?kind=receipt&q=nguoi", lambda unit, i: build_voucher(
        unit, party_name=f"Người {i}")),
    ("/events/unit/{ward}", lambda unit, i: build_event(unit, title=f"Ngày hội đọc sách {i}")),
    ("/events/unit/{ward}?q=doc+sach", lambda unit, i: build_event(
        unit, title=f"Ngày hội đọc sách {i}")),
])
def test_voucher_and_event_lists_issue_a_bounded_number_of_queries(
        tree, db, client_as, app, monkeypatch, url, build):
    """Keyset pages: with 2 rows or 12, on the first page or the last, the same number of
    queries, and none of them counts the list."""
    monkeypatch.setitem(app.config, "PER_PAGE", 5)
    monkeypatch.setitem(app.config, "EVENTS_PER_PAGE", 5)
    ward = tree.ward_a
    client = client_as("chair", ward)
    statements = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def page(path):
        client.get(path)  # anything built once per request is built
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            response = client.get(path)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        assert response.status_code == 200
        # (totals of the page's own rows may be counted; the list itself never is)
        assert not [s for s in statements if re.search(
            r"count\(\*\)\s+AS\s+\w+\s+FROM\s+\(SELECT", s, re.I)], statements
        return response.get_data(as_text=True), len(statements)

    counts, shown = [], []
    for n in (2, 10):
        for i in range(len(shown), len(shown) + n):
            build(ward, i)
            shown.append(i)
        html, queries = page(url.format(ward=ward.id))
        counts.append(queries)
    seen = set(re.findall(r"Người (\d+)|sách (\d+)", html))
    while (nxt := re.search(r'href="([^"]+)"[^>]*data-testid="next-page"', html)):
        html, queries = page(nxt.group(1).replace("&amp;", "&"))
        counts.append(queries)
        seen |= set(re.findall(r"Người (\d+)|sách (\d+)", html))
    assert len(counts) == 4  # 12 rows, 5 a page: pages 1, 2 and 3
    assert len(set(counts)) == 1 and counts[0] <= 25, counts
    assert len(seen) == 12  # every row once, on the way to the last page
    back = re.search(r'href="([^"]+)"[^>]*data-testid="prev-page"', html).group(1)
    html, queries = page(back.replace("&amp;", "&"))
    assert queries == counts[0] and 'data-testid="next-page"' in html
