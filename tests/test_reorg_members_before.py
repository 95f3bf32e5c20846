"""Issue 26, "members as they were": a unit a plan closed lists its members as they were the
day before (they have moved to the successors), for those who may read it — the successor's
chair through the predecessor rule — and for nobody else; its exports follow the same rule."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from assoc.extensions import db
from assoc.models import Member, Unit, User, today
from assoc.services import reorg

EFFECTIVE = today()
SAMPLE = Path(__file__).resolve().parents[1] / "assoc" / "static" / "samples" / \
    "reorganise-demo.csv"
MEMBER_LINK = re.compile(r'href="/members/(\d+)"')


def by_code(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def active_ids(code: str) -> set[int]:
    unit = by_code(code)
    return set(db.session.scalars(select(Member.id).join(Unit, Unit.id == Member.unit_id).where(
        Unit.path.startswith(unit.path), Member.status == "active")))


@pytest.fixture
def demo(db):
    from assoc.demo import seed_demo

    seed_demo()
    db.session.commit()
    before = {code: active_ids(code) for code in ("HCM-Q4-KH", "HCM-Q4-XC", "HCM-Q4")}
    direct = set(db.session.scalars(select(Member.id).where(
        Member.unit_id == by_code("HCM-Q4-KH").id, Member.status == "active")))
    plan = reorg.apply_plan(None, reorg.parse_plan(SAMPLE.read_bytes()), EFFECTIVE)
    db.session.commit()
    return {"before": before, "direct": direct, "plan": plan}


def listed(client, url: str) -> tuple[list[int], list[str]]:
    """Every member id linked from the list, following its "next" links; and the pages."""
    ids, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        pages.append(html)
        table = html[html.index('data-testid="members-table"'):]
        ids += [int(i) for i in MEMBER_LINK.findall(table[:table.index("</table>")])]
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return ids, pages


def test_the_former_chair_sees_the_old_wards_members_as_they_were(demo, app, client, login,
                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 10)  # several pages: the keyset pager works on this list too
    old = by_code("HCM-Q4-KH")
    were = demo["before"]["HCM-Q4-KH"]
    assert len(were) > 10 and demo["direct"]
    # Today the old ward holds nobody: they all moved to the successor.
    assert active_ids("HCM-Q4-KH") == set()
    login(user("chutich.khanhhoi"))
    ids, pages = listed(client, f"/members/unit/{old.id}")
    assert len(pages) > 1
    assert sorted(ids) == sorted(were)  # each once, every one of them
    day = (EFFECTIVE - timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"Hội viên tại ngày {day}, trước khi sắp xếp" in pages[0]
    assert "Đơn vị hiện nay" in pages[0]
    assert "Hội khuyến học Phường Khánh Hội (mới)".lower() in pages[0].lower()
    # No "new member" at a closed unit.
    assert f"/members/unit/{old.id}/new" not in pages[0]
    # Each link opens: the member now belongs to the successor, whose chair this is.
    for member_id in ids[:5]:
        assert client.get(f"/members/{member_id}").status_code == 200
    # "This unit only": the ward's own members, not those of its branches.
    own, _pages = listed(client, f"/members/unit/{old.id}?sub=0")
    assert set(own) == demo["direct"]
    # Filters still apply: a search narrows the list to the people it names.
    someone = db.session.get(Member, ids[0])
    found, _pages = listed(client, f"/members/unit/{old.id}?q={someone.full_name}")
    assert someone.id in found and set(found) <= were


def test_the_dissolved_district_lists_its_wards_members_as_they_were(demo, client, login):
    district = by_code("HCM-Q4")
    login(user("admin"))
    ids, _pages = listed(client, f"/members/unit/{district.id}")
    assert sorted(ids) == sorted(demo["before"]["HCM-Q4"])
    assert demo["before"]["HCM-Q4-KH"] | demo["before"]["HCM-Q4-XC"] <= set(ids)


def test_one_query_for_the_rows_whatever_the_page(demo, app, client, login, monkeypatch):
    """Each page reads its rows in one statement (keyset: no count, no query per row)."""
    monkeypatch.setitem(app.config, "PER_PAGE", 10)
    old = by_code("HCM-Q4-KH")
    login(user("chutich.khanhhoi"))
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    per_page, url = [], f"/members/unit/{old.id}?sort=number"
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        while url:
            statements.clear()
            html = client.get(url).get_data(as_text=True)
            per_page.append(sum("member_transfer" in s and "FROM member " in s
                                for s in statements))
            found = re.search(r'href="([^"]+)" rel="next"', html)
            url = found.group(1).replace("&amp;", "&") if found else None
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(per_page) > 2 and set(per_page) == {1}


def test_an_unrelated_chair_gets_403_on_the_list_and_its_exports(demo, client, login):
    old = by_code("HCM-Q4-KH")
    login(user("chutich.cuchi"))
    for url in (f"/members/unit/{old.id}", f"/members/unit/{old.id}/export.xlsx",
                f"/members/unit/{old.id}/export.csv", f"/members/unit/{old.id}/cards.pdf"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/members/unit/{old.id}/export.csv/prepare").status_code == 403


def test_the_export_lists_the_members_as_they_were(demo, client, login):
    old = by_code("HCM-Q4-KH")
    login(user("chutich.khanhhoi"))
    response = client.get(f"/members/unit/{old.id}/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    numbers = {db.session.get(Member, i).display_number for i in demo["before"]["HCM-Q4-KH"]}
    assert len(rows) - 1 == len(numbers)
    column = next(i for i, label in enumerate(rows[0]) if label.startswith("Số thẻ")
                  or label.startswith("Mã"))
    assert {r[column] for r in rows[1:]} == numbers
    xlsx = client.get(f"/members/unit/{old.id}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    cards = client.get(f"/members/unit/{old.id}/cards.pdf")
    assert cards.status_code == 200 and cards.data[:4] == b"%PDF"


def test_an_open_unit_and_an_undone_plan_keep_the_ordinary_list(demo, client, login):
    login(user("admin"))
    new = by_code("HCM-KHXC")
    html = client.get(f"/members/unit/{new.id}").get_data(as_text=True)
    assert "trước khi sắp xếp" not in html
    plan = demo["plan"]
    reorg.undo_plan(None, plan)
    db.session.commit()
    old = by_code("HCM-Q4-KH")
    html = client.get(f"/members/unit/{old.id}").get_data(as_text=True)
    assert "trước khi sắp xếp" not in html
    ids, _pages = listed(client, f"/members/unit/{old.id}")
    assert len(ids) == min(50, len(demo["before"]["HCM-Q4-KH"]))
    assert db.session.scalar(select(func.count()).select_from(Member).where(
        Member.unit_id == new.id)) == 0


def test_a_big_export_runs_as_a_job_with_the_same_members(demo, app, client, login,
                                                          monkeypatch, tmp_path):
    from assoc import jobs

    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 3)
    monkeypatch.setitem(app.config, "JOB_DIR", str(tmp_path / "jobs"))
    old = by_code("HCM-Q4-KH")
    login(user("chutich.khanhhoi"))
    page = client.get(f"/members/unit/{old.id}/export.csv")
    assert page.status_code == 200 and b"text/csv" not in page.headers["Content-Type"].encode()
    response = client.post(f"/members/unit/{old.id}/export.csv/prepare", data={})
    assert response.status_code == 302
    jobs.wait_for_threads()
    body = client.get(response.headers["Location"] + "/download")
    assert body.status_code == 200
    rows = list(csv.reader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) - 1 == len(demo["before"]["HCM-Q4-KH"])


def test_after_a_split_each_successors_chair_sees_them_all_and_links_what_it_may_read(
        db, client_as):
    """A split ward's list as it was holds every member it had; the chair of one successor reads
    it (the predecessor rule) and gets a link only to the members now in units it may read:
    the others are named without a link (their pages stay 403 to that chair)."""
    from .test_reorg_split import build_split_world, split_lines

    tree = build_split_world()
    header = ",".join(reorg.PLAN_HEADER)
    reorg.apply_plan(None, reorg.parse_plan("\n".join([header, *split_lines(tree)])), EFFECTIVE)
    db.session.commit()
    first, second = tree.own
    client = client_as("chair", by_code("NEW-A1"))
    html = client.get(f"/members/unit/{tree.ward_a.id}").get_data(as_text=True)
    table = html[html.index('data-testid="members-table"'):]
    table = table[:table.index("</table>")]
    for member in (first, second, tree.in_branch):
        assert member.full_name in table
    linked = {int(i) for i in MEMBER_LINK.findall(table)}
    assert linked == {first.id, tree.in_branch.id}
    assert client.get(f"/members/{second.id}").status_code == 403
    assert client.get(f"/members/{first.id}").status_code == 200
