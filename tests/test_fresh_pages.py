"""Pages show the data as committed, each session's own CSRF token and each reader's own view:
the first view after anyone's write is computed (there is no page cache: issue 30)."""

from __future__ import annotations

import re
from datetime import date

from assoc import models
from assoc.extensions import db

from .builders import build_member, build_voucher


def members_figure(client, unit) -> str:
    html = client.get(f"/units/{unit.id}/dashboard").get_data(as_text=True)
    return re.search(r'data-testid="fig-members"[^>]*>([^<]+)<', html).group(1)


def test_a_committed_write_shows_at_once(tree, client_as):
    chair = client_as("chair", at=tree.district_a)
    build_member(tree.ward_a, "Lê Thị Hoa")
    assert members_figure(chair, tree.district_a) == "1"
    build_member(tree.ward_a, "Trần Văn Nam")
    assert members_figure(chair, tree.district_a) == "2"
    chair.post(f"/members/unit/{tree.ward_a.id}/new", data={})  # a refused form writes nothing
    assert members_figure(chair, tree.district_a) == "2"


def test_a_write_by_another_process_shows_at_once(tree, client_as, racing_app):
    chair = client_as("chair", at=tree.district_a)
    build_member(tree.ward_a, "Lê Thị Hoa")
    assert members_figure(chair, tree.district_a) == "1"
    with racing_app.app_context():  # its own engine and connections, as a second worker has
        from assoc.models import Unit

        build_member(db.session.get(Unit, tree.ward_a.id), "Trần Văn Nam")
        db.session.remove()
    assert members_figure(chair, tree.district_a) == "2"


def test_each_session_gets_its_own_csrf_token(tree, client_as):
    # Two sessions of readers with the same roles: a page never carries the other's token
    # (the dashboard's "mark as held" forms post with it).
    first, second = client_as("chair", at=tree.district_a), client_as("chair", at=tree.district_a)
    build_voucher(tree.ward_a, "receipt", 100_000)
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    url = f"/units/{tree.district_a.id}/dashboard"
    one = set(token.findall(first.get(url).get_data(as_text=True)))
    two = set(token.findall(second.get(url).get_data(as_text=True)))
    assert one and two and not one & two


def test_another_reader_sees_their_own_scope(tree, client_as):
    district_chair = client_as("chair", at=tree.district_a)
    city_admin = client_as("admin", at=tree.city)
    build_member(tree.ward_a, "Lê Thị Hoa")
    url = f"/units/{tree.district_a.id}/dashboard"
    assert district_chair.get(url).status_code == 200
    assert city_admin.get(url).status_code == 200
    outsider = client_as("chair", at=tree.district_b)
    assert outsider.get(url).status_code == 403


def test_the_year_argument_changes_the_figures(tree, client_as):
    chair = client_as("chair", at=tree.district_a)
    build_voucher(tree.ward_a, "receipt", 100_000)
    url = f"/units/{tree.district_a.id}/dashboard"
    this_year = chair.get(url).get_data(as_text=True)
    last_year = chair.get(f"{url}?year={date.today().year - 1}").get_data(as_text=True)
    money = re.compile(r'data-testid="fig-money-in"[^>]*>([^<]+)<')
    assert money.search(this_year).group(1) != money.search(last_year).group(1)


def test_an_import_shows_on_the_list(tree, client_as):
    # The import hands its rows to the driver in bulk (no ORM flush).
    from assoc.services import imports

    chair = client_as("chair", at=tree.ward_a)
    url = f"/members/unit/{tree.ward_a.id}"
    assert "Phạm Thị Đào" not in chair.get(url).get_data(as_text=True)
    data = "Họ và tên;Năm sinh\nPhạm Thị Đào;1980\nĐỗ Văn Lực;1975\n".encode()
    preview = imports.parse(data, "kp1.csv", tree.ward_a)
    imports.commit(None, tree.ward_a, preview)
    db.session.commit()
    html = chair.get(url).get_data(as_text=True)
    assert "Phạm Thị Đào" in html and "Đỗ Văn Lực" in html


def test_the_member_page_gets_a_fresh_one_time_token_each_view(tree, client_as):
    # The dues form's double-click guard differs on every view: two forms sharing a token
    # would record the second payment as the first one's repeat.
    from assoc.models import DuesPayment

    first = build_member(tree.ward_a, "Lê Thị Hoa")
    second = build_member(tree.ward_a, "Trần Văn Nam")
    treasurer = client_as("treasurer", at=tree.ward_a)
    token = re.compile(r'name="token"[^>]*value="([0-9a-f]{32})"')
    views = [treasurer.get(f"/members/{first.id}").get_data(as_text=True) for _ in range(3)]
    tokens = [token.search(html).group(1) for html in views]
    assert len(set(tokens)) == 3
    year = str(models.today().year)
    for member, used in ((first, tokens[0]), (second, tokens[1])):
        treasurer.post(f"/members/{member.id}/dues",
                       data={"year": year, "amount": "50000", "token": used, "confirm": "1"})
    assert db.session.query(DuesPayment).count() == 2
    # The payment shows at once, and its form is gone.
    html = treasurer.get(f"/members/{first.id}").get_data(as_text=True)
    assert 'data-testid="pay-form"' not in html and "50.000" in html


def test_a_renamed_unit_above_shows_in_the_breadcrumbs_at_once(tree, client_as):
    chair = client_as("chair", at=tree.district_a)
    url = f"/members/unit/{tree.ward_a.id}"
    crumbs = re.compile(r'<ol class="breadcrumb.*?</ol>', re.S)
    assert tree.district_a.name in crumbs.search(chair.get(url).get_data(as_text=True)).group(0)
    tree.district_a.name = "Quận Tám"
    db.session.commit()
    assert "Quận Tám" in crumbs.search(chair.get(url).get_data(as_text=True)).group(0)
