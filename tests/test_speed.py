"""Pages as computed stay cheap (issue 30): the statements each hot page issues, counted (a
bound per page, whatever the number of rows: one query per list, none per row), and the
database's planner kept informed after a bulk import."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from assoc.services import imports

from .builders import build_voucher
from .sql_seen import statements
from .test_members_scale import bulk

# The most statements each page may issue, counted on the second view (the first builds the
# session's and the process's one-off things). The user's row with their roles is one of them.
BOUNDS = {
    "/members/unit/{ward}": 6,
    "/members/unit/{ward}?q=tran+van+an": 7,  # SQLite: the narrow search's ids first
    "/members/unit/{ward}?q=khong+co+ai": 5,  # no row found: no units or dues to read
    "/units/{ward}": 5,
    "/units/{ward}/treasury": 5,
    "/treasury/vouchers": 3,
    "/events/unit/{ward}": 3,
    # The catalogue's money by source, cash/bank, members left and nominated (issue 27) add
    # six; two of them read the money roll-ups the older cards read too (later: one reading).
    "/units/{ward}/dashboard": 19,
    "/units/{district}/dashboard": 20,
}


def page_statements(client, path) -> list[str]:
    assert client.get(path).status_code == 200
    return statements(lambda: client.get(path))


@pytest.fixture
def chair(tree, db, client_as):
    bulk(db, tree.ward_a, 120)
    for i in range(5):
        build_voucher(tree.ward_a, "receipt", 10_000 + i)
    return client_as("chair", at=tree.district_a)


@pytest.mark.parametrize("path", list(BOUNDS))
def test_each_page_issues_a_bounded_number_of_statements(tree, chair, path):
    sql = page_statements(chair, path.format(ward=tree.ward_a.id, district=tree.district_a.id))
    assert len(sql) <= BOUNDS[path], "\n".join(s[:200] for s in sql)


def test_the_member_list_reads_its_rows_in_one_statement_filtering_units_once(tree, chair):
    sql = page_statements(chair, f"/members/unit/{tree.ward_a.id}")
    rows = [s for s in sql if re.search(r"\bFROM member\b", s) and "ORDER BY" in s]
    assert len(rows) == 1, sql
    # The chair's role covers the ward: its sub-tree is one path condition, not the sub-tree
    # and the user's units again (scope_query) — the same rows, a simpler statement.
    assert rows[0].count("unit.path LIKE") == 1, rows[0]
    # No statement per row: the units shown and the dues paid are one statement each.
    assert len([s for s in sql if "FROM dues_payment" in s]) == 1


def test_the_treasury_tab_sums_its_funds_once(tree, chair):
    sql = page_statements(chair, f"/units/{tree.ward_a.id}/treasury")
    sums = [s for s in sql if "sum(" in s.lower() and "FROM voucher" in s]
    assert len(sums) == 1, sums  # cash, bank and balance of every fund together
    html = chair.get(f"/units/{tree.ward_a.id}/treasury").get_data(as_text=True)
    cash = re.search(r'data-testid="fund-cash">([^<]+)<', html).group(1)
    balance = re.search(r'data-testid="fund-balance">([^<]+)<', html).group(1)
    assert cash == balance == "50.010 đ"  # 10.000 + … + 10.004 đ, all cash


def test_a_postgresql_import_leaves_the_planner_informed(tree, db, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's statistics")
    bulk(db, tree.ward_a, 30)  # rows the planner has never counted
    monkeypatch.setattr(imports, "FRESH_STATISTICS", 1)
    data = "Họ và tên;Năm sinh\nPhạm Thị Đào;1980\nĐỗ Văn Lực;1975\n".encode()
    imports.commit(None, tree.ward_a, imports.parse(data, "kp1.csv", tree.ward_a))
    db.session.commit()
    counted = db.session.execute(text(
        "SELECT reltuples FROM pg_class WHERE oid = 'member'::regclass")).scalar()
    assert counted == 32


def python_calls(fn) -> int:
    """Python function calls `fn()` makes (deterministic, unlike time on a shared machine)."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(fn)
    return sum(v[1] for v in pstats.Stats(profile).stats.values())


@pytest.mark.parametrize(("path", "per_row"), [("/members/unit/{ward}", 60),
                                               ("/units/{ward}/treasury", 75)])
def test_a_list_row_costs_few_python_calls(tree, db, client_as, app, path, per_row):
    # A row written as a Jinja loop (and, for vouchers, read as an ORM object with its fund)
    # cost ~130 calls: a third of the page. Rows are read as tuples and built in one pass.
    bulk(db, tree.ward_a, 60)
    for i in range(60):
        build_voucher(tree.ward_a, "receipt", 10_000 + i)
    chair = client_as("chair", at=tree.ward_a)
    url = path.format(ward=tree.ward_a.id)
    costs = {}
    for rows in (1, 50):
        app.config["PER_PAGE"] = rows
        chair.get(url)
        costs[rows] = python_calls(lambda: chair.get(url))
    app.config["PER_PAGE"] = 50
    assert (costs[50] - costs[1]) / 49 < per_row, costs


def test_member_rows_escape_names_and_show_badges(tree, db, client_as):
    from .builders import build_member

    odd = build_member(tree.ward_a, "<b>Lê</b> & Hoa")
    odd.kind, odd.honorary = "collective", True
    db.session.commit()
    html = client_as("chair", at=tree.ward_a).get(
        f"/members/unit/{tree.ward_a.id}").get_data(as_text=True)
    row = re.search(r"<tr><td[^>]*>HV-\d+</td>.*?</tr>", html, re.S).group(0)
    assert "&lt;b&gt;Lê&lt;/b&gt; &amp; Hoa" in row and "<b>" not in row
    assert "text-bg-info" in row and "text-bg-warning" in row
    assert f'href="/members/{odd.id}"' in row


def test_the_list_count_and_the_roll_up_check_are_one_statement(tree, chair, db):
    from assoc.services import tally

    url = f"/members/unit/{tree.ward_a.id}"
    chair.get(url)
    db.session.info.pop(tally.BUILT, None)  # a new session, as each request has in production
    sql = statements(lambda: chair.get(url))
    checks = [s for s in sql if "tallied_unit" in s]
    assert len(checks) == 1 and "subtree_tally" in checks[0], sql
