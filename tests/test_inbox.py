"""The work inbox (issue 32): items computed from the records for each role, scoped to the
user's sub-trees, each linking to a page the user may open; late items of the units below as a
count per unit; a bounded number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from assoc.blueprints.inbox.items import collect
from assoc.extensions import db as _db
from assoc.models import Voucher, today
from assoc.services import events as ev
from assoc.services import officers as off
from assoc.services import periodic, treasury

from .builders import (
    build_base_salaries,
    build_donor,
    build_member,
    build_nomination,
    build_officer,
    build_periodic_template,
    build_program,
    build_rule,
    build_tree,
    build_user,
    build_workbook,
)
from .builders_learning import build_criteria, build_entry


def login_as(app, user):
    c = app.test_client()
    with c.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return c


class World:
    pass


def build_inbox_world(mark_a: str = "Alpha", mark_b: str = "Bravo") -> World:
    """ward_a and ward_b (district_a) each with a waiting record of every kind, titled with
    their mark; users of each role."""
    w = World()
    t = w.tree = build_tree()
    for name in ("district_a", "ward_a", "ward_b"):
        treasury.funds_of(getattr(t, name))
    on = today()
    end = on.replace(day=1) - timedelta(days=1)  # the last day of last month
    w.template = build_periodic_template(t.city, title=f"Báo cáo năm {mark_a}",
                                         period_start=(end - timedelta(days=120)).replace(day=1),
                                         period_end=end, due_date=on + timedelta(days=3))
    w.program = build_program(t.district_a, quotas={t.ward_a: 5, t.ward_b: 5},
                              name=f"Học bổng {mark_a}")
    w.nomination = build_nomination(w.program, t.ward_a)
    w.approved = build_nomination(w.program, t.ward_b, status="approved")
    build_nomination(w.program, t.ward_b, submit=False)  # a draft of ward_b
    for unit, mark in ((t.ward_a, mark_a), (t.ward_b, mark_b)):
        treasury.issue_voucher(None, unit, kind="receipt", amount=100_000,
                               party_name=f"Ông {mark}", reason="Ủng hộ")
        donor = build_donor(unit, f"Công ty {mark}")
        ev.create_pledge(None, unit, donor=donor, amount=500_000,
                         due_on=on - timedelta(days=10))
        build_member(unit, f"Nguyễn {mark}")
    build_base_salaries()
    build_rule(t.ward_a, "chair", coefficient=1000)
    build_officer(t.ward_a, "Phạm Văn Chủ", ("chair", date(2020, 1, 1)))
    w.sheet = off.create_sheet(None, t.ward_a, year=on.year, month=1)
    build_criteria("family")
    build_entry(t.ward_a, "Hộ Lê Văn Học", year=on.year)
    _db.session.commit()
    w.approver = build_user("approver", t.district_a, username="dist-approver")
    w.district_chair = build_user("chair", t.district_a, username="dist-chair")
    w.ward_chair = build_user("chair", t.ward_a, username="ward-chair")
    w.ward_b_chair = build_user("chair", t.ward_b, username="ward-b-chair")
    w.treasurer = build_user("treasurer", t.ward_a, username="ward-treasurer")
    w.district_treasurer = build_user("treasurer", t.district_a, username="dist-treasurer")
    return w


def kinds(user, on=None):
    return {i.kind for i in collect(user, on).items}


def test_each_role_sees_its_waiting_work(app, db):
    w = build_inbox_world()
    with app.test_request_context():
        assert {"nomination_decide"} <= kinds(w.approver)
        assert "award_pay" not in kinds(w.approver)  # paying is the treasurer's
        ward = collect(w.ward_chair).items
        ward_kinds = {i.kind for i in ward}
        assert {"periodic_fill", "voucher_unprinted", "sheet_lock", "pledge_overdue",
                "dues_unpaid", "learning_score", "post_vacant"} <= ward_kinds, ward_kinds
        fill = next(i for i in ward if i.kind == "periodic_fill")
        assert fill.due == today() + timedelta(days=3) and not fill.late
        assert {"voucher_unprinted", "pledge_overdue"} <= kinds(w.treasurer)
        assert "nomination_decide" not in kinds(w.treasurer)
        assert "award_pay" in kinds(w.district_treasurer)
        assert "nomination_draft" in kinds(w.ward_b_chair)


def test_no_item_of_another_unit(app, db):
    w = build_inbox_world()
    with app.test_request_context():
        for user in (w.ward_b_chair,):
            for item in collect(user).items:
                assert w.tree.ward_a.path not in item.unit_path or item.unit_path.startswith(
                    w.tree.ward_b.path), item
                assert "Phạm" not in item.title and "Alpha" not in item.note
        # the ward_a chair sees neither ward_b's pledges nor its vouchers
        for item in collect(w.ward_chair).items:
            if item.kind != "periodic_fill":
                assert item.unit_path.startswith(w.tree.ward_a.path), item


def test_every_link_opens_for_its_user(app, db):
    w = build_inbox_world()
    for user in (w.approver, w.district_chair, w.ward_chair, w.ward_b_chair, w.treasurer,
                 w.district_treasurer):
        client = login_as(app, user)
        with app.test_request_context():
            items = collect(user).items
            urls = [(i.kind, i.url) for i in items]
        assert items, user.username
        for kind, url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user.username, kind, url, response.status_code)


def test_inbox_page_home_section_and_badge(app, db):
    w = build_inbox_world()
    client = login_as(app, w.ward_chair)
    page = client.get("/inbox").get_data(as_text=True)
    assert "Báo cáo năm Alpha" in page and 'data-kind="periodic_fill"' in page
    home = client.get("/home").get_data(as_text=True)
    assert 'data-testid="home-inbox"' in home and "Báo cáo năm Alpha" in home
    # The badge: counted by the pages that show the list, refreshed by count.json after any
    # page; an ordinary page spends no query on it.
    with app.test_request_context():
        n = collect(w.ward_chair).count
    assert f'data-testid="inbox-badge" data-inbox-count="/inbox/count.json">{n}<' in home
    assert client.get("/inbox/count.json").get_json() == {"count": n}
    vouchers = list(_db.session.scalars(select(Voucher).where(
        Voucher.unit_id == w.tree.ward_a.id)))
    treasury.record_print(w.ward_chair, vouchers)
    _db.session.commit()
    assert client.get("/inbox/count.json").get_json() == {"count": n - 1}
    from .sql_seen import statements

    page = "/units/"
    client.get(page)
    from assoc.extensions import fragments

    badge = 'data-testid="inbox-badge" data-inbox-count="/inbox/count.json">'
    fragments.clear()
    seen = statements(lambda: client.get(page))
    assert len(seen) <= 6, seen  # the unit tree page as computed: no inbox queries
    html = client.get(page).get_data(as_text=True)
    assert f"{badge}<" in html, html[html.find("inbox-menu") - 200:html.find("inbox-menu") + 400]
    client.get("/inbox/count.json")
    assert f"{badge}{n - 1}<" in client.get(page).get_data(as_text=True)


def test_late_items_of_wards_are_a_count_per_ward(app, db):
    w = build_inbox_world()
    later = w.template.due_date + timedelta(days=2)
    with app.test_request_context():
        items = collect(w.district_chair, later).items
    below = [i for i in items if i.kind == "late_below"]
    names = {i.unit_name: i.count for i in below}
    # both wards are late with the report and have an overdue pledge
    assert names == {w.tree.ward_a.name: 2, w.tree.ward_b.name: 2}, names
    assert not any(i.kind in ("pledge_overdue",) for i in items)
    with app.test_request_context():
        own = [i for i in collect(w.ward_chair, later).items if i.kind == "periodic_fill"]
    assert own and own[0].late  # the ward's own late report is listed, in red


def test_report_states_returned_review_and_compile(app, db):
    w = build_inbox_world()
    report = periodic.start_report(None, w.template, w.tree.ward_a)
    report.texts = {s["key"]: "Đã làm" for s in w.template.sections if s["kind"] == "text"}
    periodic.submit(w.ward_chair, report)
    _db.session.commit()
    with app.test_request_context():
        assert "periodic_review" in kinds(w.district_chair)
        assert "periodic_fill" not in kinds(w.ward_chair)
    periodic.return_report(w.district_chair, report, "Thiếu số liệu quỹ")
    _db.session.commit()
    with app.test_request_context():
        returned = [i for i in collect(w.ward_chair).items if i.kind == "periodic_returned"]
        assert returned and "Thiếu số liệu" in returned[0].note
        assert "periodic_review" not in kinds(w.district_chair)
    periodic.start_report(None, w.template, w.tree.district_a)  # compiled before the accept
    periodic.submit(w.ward_chair, report)
    periodic.accept(w.district_chair, report)
    _db.session.commit()
    with app.test_request_context():
        compile_ = [i for i in collect(w.district_chair).items if i.kind == "periodic_compile"]
    assert compile_ and compile_[0].count == 1


def test_job_and_printed_voucher_leave_the_inbox(app, db):
    w = build_inbox_world()
    vouchers = list(_db.session.scalars(select(Voucher).where(
        Voucher.unit_id == w.tree.ward_a.id)))
    treasury.record_print(w.treasurer, vouchers)
    _db.session.commit()
    with app.test_request_context():
        assert "voucher_unprinted" not in kinds(w.treasurer)


@pytest.mark.parametrize("n", [50])
def test_query_count_is_bounded(app, db, n):
    """One query per kind: the count does not grow with the number of items."""
    from sqlalchemy import event

    w = build_inbox_world()
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    def run():
        statements.clear()
        _db.session.expire_all()
        event.listen(_db.engine, "before_cursor_execute", seen)
        try:
            with app.test_request_context():
                items = collect(w.district_chair).items
        finally:
            event.remove(_db.engine, "before_cursor_execute", seen)
        return len(items), len(statements)

    few_items, few = run()
    for i in range(n):  # 50 more items: a draft remuneration sheet per month, two wards
        off.create_sheet(None, w.tree.ward_a if i % 2 else w.tree.ward_b,
                         year=2020 + i // 24, month=1 + (i // 2) % 12)
    for i in range(3):
        program = build_program(w.tree.district_a, quotas={w.tree.ward_a: 5},
                                name=f"Học bổng {i}")
        build_nomination(program, w.tree.ward_a)
    _db.session.commit()
    many_items, many = run()
    assert many_items >= few_items + n, (few_items, many_items)
    assert many <= few + 2, (few, many)
    assert many <= 30, many


def test_members_tree_imports_and_jobs_kinds(app, db):
    from assoc import jobs
    from assoc.services import imports

    w = build_inbox_world()
    ward = w.tree.ward_a
    build_member(ward, "Trần Thị Trùng", cccd="079190001234")
    build_member(w.tree.branch_a, "Trần Thị Trùng", cccd="079190001234")
    build_officer(ward, "Lê Văn Thủ", ("treasurer", date(2021, 1, 1),
                                       today() + timedelta(days=10)))
    data = build_workbook([["Họ và tên", "Năm sinh"], ["Nguyễn Văn Mới", 1980]])
    token = imports.save_upload(w.ward_chair, ward, data, "ds-moi.xlsx")
    job = jobs.create(w.ward_chair, ward, "member_export", "Xuất danh sách", {"format": "csv"})
    _db.session.commit()
    jobs.run(job.id)
    with app.test_request_context():
        found = collect(w.ward_chair).items
        items = {i.kind: i for i in found if i.kind != "import_preview"}
        # (other runs' uploads may lie in the shared folder: ours is found by its token)
        items["import_preview"] = next(i for i in found if i.values.get("token") == token)
        assert items["member_duplicates"].count == 1
        assert items["post_ending"].due == today() + timedelta(days=10)
        assert items["import_preview"].values == {"token": token}
        assert items["import_preview"].title == "ds-moi.xlsx"
        assert items["job_done"].title == "Xuất danh sách"
        # the ward's treasurer post is held now: not vacant; the chair post is
        assert "Thủ quỹ" not in items["post_vacant"].title
        # nobody else sees the upload or the job
        other = {i.kind for i in collect(w.ward_b_chair).items}
        assert not {"import_preview", "job_done", "member_duplicates"} & other
    client = login_as(app, w.ward_chair)
    for kind in ("member_duplicates", "post_ending", "import_preview", "job_done"):
        with app.test_request_context():
            url = items[kind].url
        assert client.get(url).status_code == 200, (kind, url)


def test_the_inbox_page_follows_the_data(app, db):
    """The page is cached as rendered until the data change: a write shows at once."""
    w = build_inbox_world()
    client = login_as(app, w.treasurer)
    assert 'data-kind="voucher_unprinted"' in client.get("/inbox").get_data(as_text=True)
    vouchers = list(_db.session.scalars(select(Voucher).where(
        Voucher.unit_id == w.tree.ward_a.id)))
    treasury.record_print(w.treasurer, vouchers)
    _db.session.commit()
    page = client.get("/inbox").get_data(as_text=True)
    assert 'data-kind="voucher_unprinted"' not in page
    assert 'data-kind="pledge_overdue"' in page


def test_negative_fund_and_reappointment_offered(app, db):
    from assoc.models import ReorgPlan
    from assoc.services import officers

    w = build_inbox_world()
    ward = w.tree.ward_a
    treasury.issue_voucher(None, ward, kind="payment", amount=900_000, party_name="Chi trước",
                           reason="Tạm ứng", allow_overdraw=True)
    officer = build_officer(w.tree.ward_b, "Đỗ Văn Cũ", ("vice_chair", date(2021, 1, 1),
                                                         today() - timedelta(days=1)))
    post = officer.positions[0]
    from assoc.services.reorg import Handover

    record = Handover(successor=ward, predecessors=[w.tree.ward_b])
    record.posts_ended.append({"post_id": post.id, "officer": "Đỗ Văn Cũ", "title": "vice_chair",
                               "title_text": "", "unit": w.tree.ward_b.name})
    plan = ReorgPlan(unit=w.tree.district_a, effective=today(), title="Sáp nhập phường",
                     status="applied", summary={"handovers": [record.as_dict()]})
    _db.session.add(plan)
    _db.session.commit()
    with app.test_request_context():
        treasurer = {i.kind: i for i in collect(w.treasurer).items}
        assert treasurer["fund_negative"].late and "800.000" in treasurer["fund_negative"].note
        chair = {i.kind: i for i in collect(w.district_chair).items}
        assert chair["reappoint"].count == 1 and chair["reappoint"].title == "Sáp nhập phường"
        urls = [treasurer["fund_negative"].url, chair["reappoint"].url]
    assert login_as(app, w.treasurer).get(urls[0]).status_code == 200
    assert login_as(app, w.district_chair).get(urls[1]).status_code == 200
    officers.add_position(None, officer, unit=ward, title="vice_chair", start_date=today())
    _db.session.commit()
    with app.test_request_context():
        assert "reappoint" not in {i.kind for i in collect(w.district_chair).items}
