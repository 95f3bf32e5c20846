"""The inbox's cost does not grow with its items (issue 32, speed): /inbox as computed (no page
cache) issues a fixed, small number of statements — every kind one statement at most, the
scholarship kinds and the treasury kinds sharing one each — none of them twice, and builds its
rows with one url_for per link pattern, each link the same as url_for would give."""

from __future__ import annotations

import pytest
from flask import url_for

from assoc.blueprints.inbox import render
from assoc.blueprints.inbox.items import collect
from assoc.extensions import db as _db
from assoc.services import officers as off

from .builders import build_nomination, build_program
from .sql_seen import statements
from .test_inbox import build_inbox_world, login_as

# The district chair's /inbox: the user, the units below, the scholarship kinds (one UNION
# ALL), periodic templates and their reports, learning, treasury (one for two kinds),
# remuneration sheets, pledges, posts, re-appointments, jobs. The old code issued 16.
PAGE_STATEMENTS = 12
# collect() for any role: those less the user, plus unpaid dues and duplicates (a commune's
# roles), plus the request's one look-up of predecessor units (permissions.predecessor_paths).
KIND_STATEMENTS = 14


def _more_items(w, n: int) -> None:
    """n draft remuneration sheets (an item each) and three programs with a nomination each."""
    for i in range(n):
        off.create_sheet(None, w.tree.ward_a if i % 2 else w.tree.ward_b,
                         year=2020 + i // 24, month=1 + (i // 2) % 12)
    for i in range(3):
        program = build_program(w.tree.district_a, quotas={w.tree.ward_a: 5},
                                name=f"Học bổng {i}")
        build_nomination(program, w.tree.ward_a)
    _db.session.commit()


def test_inbox_page_statements_are_fixed(app, db):
    app.config["PAGE_CACHE"] = False  # as computed: the first view after a write
    w = build_inbox_world()
    client = login_as(app, w.district_chair)

    def page():
        _db.session.expire_all()
        response = client.get("/inbox")
        assert response.status_code == 200
        page.items = response.data.count(b'data-testid="inbox-item"')

    client.get("/inbox")  # the statements are prepared on first use
    few = statements(page)
    few_items = page.items
    _more_items(w, 50)
    many = statements(page)
    assert page.items >= few_items + 50, (few_items, page.items)
    assert len(many) == len(few), (len(few), len(many))
    assert len(many) <= PAGE_STATEMENTS, "\n".join(many)
    repeated = {s for s in many if many.count(s) > 1}
    assert not repeated, repeated  # a statement per item (or per kind twice) creeps in here


def test_every_kind_one_statement_at_most(app, db):
    """collect() alone, for each role of the world: a fixed bound, none twice, whatever the
    number of items."""
    w = build_inbox_world()
    _more_items(w, 20)
    for user in (w.district_chair, w.approver, w.ward_chair, w.treasurer,
                 w.district_treasurer):
        user.active_assignments()  # the user's roles are the login's reads, not the kinds'
        with app.test_request_context():
            seen = statements(lambda u=user: collect(u))
        assert len(seen) <= KIND_STATEMENTS, (user.username, seen)
        assert len(set(seen)) == len(seen), (user.username, seen)


@pytest.mark.parametrize("role", ["district_chair", "ward_chair", "treasurer"])
def test_rows_use_one_url_for_per_pattern(app, db, monkeypatch, role):
    """Each link is url_for's own (path arguments, string arguments, query strings), and
    the rows call url_for once per endpoint and argument names, not once per item."""
    w = build_inbox_world()
    _more_items(w, 20)
    user = getattr(w, role)
    with app.test_request_context():
        items = collect(user).items
        assert len(items) > 5
        for item in items:
            assert item.url == url_for(item.endpoint, **item.values), item
    calls = []
    real = render.url_for
    monkeypatch.setattr(render, "url_for", lambda *a, **k: calls.append(a) or real(*a, **k))
    with app.test_request_context():
        items = collect(user).items
        html = str(render.inbox_rows(items))
    patterns = {(i.endpoint, tuple(i.values)) for i in items}
    assert len(calls) == len(patterns) < len(items), (calls, patterns)
    assert html.count('data-testid="inbox-item"') == len(items)


def test_item_url_quotes_its_values(app, db):
    with app.test_request_context():
        got = render.item_url("members.unit_list", {"unit_id": 7, "dues": "a&b c", "year": 2026})
        assert got == url_for("members.unit_list", unit_id=7, dues="a&b c", year=2026)
        assert render.item_url("learning.grid", {"unit_id": 3, "model": "family",
                                                 "year": 2026}) == \
            url_for("learning.grid", unit_id=3, model="family", year=2026)
        assert render.item_url("learning.grid", {"unit_id": 3, "model": "a b/ç?", "year": 1}) \
            == url_for("learning.grid", unit_id=3, model="a b/ç?", year=1)
