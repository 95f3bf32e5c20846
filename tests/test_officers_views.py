"""Officers pages: who may see and change what, forms with bad input, PDF and Excel."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from assoc.models import (
    AllowanceRule,
    BaseSalary,
    Officer,
    OfficerSettings,
    Position,
    RemunerationSheet,
    today,
)
from assoc.services import officers as svc

from .builders import build_base_salaries, build_officer, build_rule, build_user


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(tree, db):
    """ward_a with rates, two officers and a draft sheet for November 2025."""
    build_base_salaries()
    build_rule(tree.ward_a, "chair", coefficient=1000)
    build_rule(tree.ward_a, "treasurer", amount=600_000)
    chair = build_officer(tree.ward_a, "Nguyễn Thị Thu", ("chair", date(2020, 1, 1)),
                          ("treasurer", date(2020, 1, 1)),
                          ("branch_head", date(2020, 1, 1), None, tree.branch_a))
    sheet = svc.create_sheet(None, tree.ward_a, year=2025, month=11)
    db.session.commit()
    return {"officer": chair, "sheet": sheet}


# --- permission matrix -------------------------------------------------------------------------

PAGES = {
    # name: (url maker from (target unit, world), action needed)
    "officers": (lambda u, w: f"/officers/units/{u.id}", "officer.view"),
    "workload": (lambda u, w: f"/officers/units/{u.id}/workload", "officer.view"),
    "rules": (lambda u, w: f"/officers/units/{u.id}/rules", "officer.view"),
    "sheets": (lambda u, w: f"/officers/units/{u.id}/sheets", "officer.view"),
    "reports": (lambda u, w: f"/officers/units/{u.id}/reports?year=2025", "officer.view"),
    "reports_xlsx": (lambda u, w: f"/officers/units/{u.id}/reports.xlsx?year=2025",
                     "officer.view"),
    "new_officer": (lambda u, w: f"/officers/units/{u.id}/new", "officer.edit"),
}
# Objects living at ward_a: reached from a user placed at `where`.
OBJECT_PAGES = {
    "officer": (lambda w: f"/officers/{w['officer'].id}", "officer.view"),
    "sheet": (lambda w: f"/officers/sheets/{w['sheet'].id}", "officer.view"),
    "sheet_pdf": (lambda w: f"/officers/sheets/{w['sheet'].id}.pdf", "officer.view"),
    "sheet_xlsx": (lambda w: f"/officers/sheets/{w['sheet'].id}.xlsx", "officer.view"),
    "edit_officer": (lambda w: f"/officers/{w['officer'].id}/edit", "officer.edit"),
}
ROLES = ["viewer", "clerk", "treasurer", "approver", "chair", "admin"]
WHERE = ["own", "child", "parent", "sibling", "unrelated"]
# a role at ward_a reaches ward_a and what lies below it
ALLOWED_AT = {"own": True, "child": True, "parent": False, "sibling": False, "unrelated": False}
ROLE_HAS = {
    "officer.view": set(ROLES),
    "officer.edit": {"chair", "admin"},
    "remuneration.edit": {"treasurer", "chair", "admin"},
}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", WHERE)
def test_unit_page_matrix(world, tree, client_as, page, role, where):
    """A user with `role` at ward_a opens the page of the unit in relation `where`."""
    url, action = PAGES[page]
    client = client_as(role, tree.ward_a)
    response = client.get(url(tree.relative(where), world))
    allowed = role in ROLE_HAS[action] and ALLOWED_AT[where]
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("page", sorted(OBJECT_PAGES))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", WHERE)
def test_object_page_matrix(world, tree, client_as, page, role, where):
    """A user with `role` at the unit in relation `where` opens an object of ward_a."""
    url, action = OBJECT_PAGES[page]
    client = client_as(role, tree.relative(where))
    response = client.get(url(world))
    # the object is at ward_a: a role at ward_a itself or above (parent) reaches it
    allowed = role in ROLE_HAS[action] and where in ("own", "parent")
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("role, allowed", [("viewer", False), ("clerk", False),
                                           ("treasurer", True), ("chair", True)])
def test_who_may_make_a_sheet(world, tree, client_as, db, role, allowed):
    client = client_as(role, tree.ward_a)
    response = client.post(f"/officers/units/{tree.ward_a.id}/sheets",
                           data={"month": 12, "year": 2025})
    assert response.status_code == (302 if allowed else 403)
    assert _count(db, RemunerationSheet) == (2 if allowed else 1)


@pytest.mark.parametrize("role, allowed", [("treasurer", False), ("chair", True)])
def test_who_may_set_rates(world, tree, client_as, db, role, allowed):
    client = client_as(role, tree.ward_a)
    response = client.post(f"/officers/units/{tree.ward_a.id}/rules", data={
        "rule-title": "secretary", "rule-kind": "fixed", "rule-amount": "400.000",
        "rule-valid_from": "2025-01-01", "rule-submit": "1"})
    assert response.status_code == (302 if allowed else 403)
    assert _count(db, AllowanceRule) == (3 if allowed else 2)


@pytest.mark.parametrize("role, status", [("chair", 403), ("admin", 302)])
def test_only_admins_add_base_salaries(tree, client_as, db, role, status):
    client = client_as(role, tree.city)
    response = client.post("/officers/base-salaries", data={
        "effective_from": "2026-07-01", "amount": "2.530.000", "legal_basis": "NĐ mới"})
    assert response.status_code == status
    assert client.get("/officers/base-salaries").status_code == 200
    assert _count(db, BaseSalary) == (1 if status == 302 else 0)
    if status == 302:
        assert svc.base_salary_on(date(2026, 7, 1)) == 2_530_000


# --- forms and bad input -----------------------------------------------------------------------


def test_chair_adds_an_officer_and_a_post(tree, client_as, db):
    client = client_as("chair", tree.ward_a)
    response = client.post(f"/officers/units/{tree.ward_a.id}/new", data={
        "full_name": "Lê Văn Cường", "phone": "0903 123 456", "birth_year": "1960",
        "outside_posts": "Bí thư chi bộ"})
    assert response.status_code == 302
    officer = db.session.scalars(select(Officer)).one()
    assert officer.phone == "0903123456"
    response = client.post(f"/officers/{officer.id}/positions", data={
        "unit": tree.branch_a.id, "title": "branch_head", "start_date": "2024-01-01",
        "term": "2020–2025", "full_time": "y"})
    assert response.status_code == 302
    position = db.session.scalars(select(Position)).one()
    assert (position.unit_id, position.title, position.full_time) == (tree.branch_a.id,
                                                                      "branch_head", True)
    page = client.get(f"/officers/{officer.id}").get_data(as_text=True)
    assert "Chi hội trưởng" in page and "Bí thư chi bộ" in page


def test_position_end_before_start_shows_field_error(tree, client_as, db):
    officer = build_officer(tree.ward_a, "Lê Văn Cường")
    client = client_as("chair", tree.ward_a)
    response = client.post(f"/officers/{officer.id}/positions", data={
        "unit": tree.ward_a.id, "title": "chair", "start_date": "2024-05-01",
        "end_date": "2024-04-01", "term": "2020–2025"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ngày kết thúc" in page or "trước ngày bắt đầu" in page
    assert 'value="2020–2025"' in page  # nothing lost
    assert _count(db, Position) == 0


def test_duplicate_position_is_refused_with_400(tree, client_as, db):
    officer = build_officer(tree.ward_a, "Lê Văn Cường", ("chair", date(2020, 1, 1)))
    client = client_as("chair", tree.ward_a)
    response = client.post(f"/officers/{officer.id}/positions", data={
        "unit": tree.ward_a.id, "title": "chair", "start_date": "2024-05-01"})
    assert response.status_code == 400
    assert "đã giữ chức vụ này" in response.get_data(as_text=True)
    assert _count(db, Position) == 1


def test_post_at_a_unit_outside_the_chairs_reach_is_refused(tree, client_as, db):
    officer = build_officer(tree.ward_a, "Lê Văn Cường")
    client = client_as("chair", tree.branch_a)  # chair of the branch only
    response = client.post(f"/officers/{officer.id}/positions", data={
        "unit": tree.ward_a.id, "title": "chair", "start_date": "2024-05-01"})
    assert response.status_code == 403
    assert _count(db, Position) == 0


def test_sheet_for_a_month_without_base_salary(world, tree, client_as, db):
    client = client_as("treasurer", tree.ward_a)
    response = client.post(f"/officers/units/{tree.ward_a.id}/sheets",
                           data={"month": 3, "year": 2019})
    assert response.status_code == 400
    assert "03/2019" in response.get_data(as_text=True)
    assert _count(db, RemunerationSheet) == 1


def test_adjust_then_lock_then_refuse(world, tree, client_as, db):
    sheet, client = world["sheet"], client_as("treasurer", tree.ward_a)
    line = sheet.lines[0]
    url = f"/officers/sheets/{sheet.id}/lines/{line.id}"
    response = client.post(url, data={f"l{line.id}-adjustment": "-100.000",
                                      f"l{line.id}-reason": ""})
    assert response.status_code == 400
    assert "Nhập lý do điều chỉnh" in response.get_data(as_text=True)
    response = client.post(url, data={f"l{line.id}-adjustment": "-100.000",
                                      f"l{line.id}-reason": "Nghỉ 1 tuần"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (line.adjustment, line.amount) == (-100_000, 2_340_000 + 600_000 - 100_000)
    assert client.post(f"/officers/sheets/{sheet.id}/lock").status_code == 302
    db.session.expire_all()
    assert sheet.status == "locked"
    response = client.post(url, data={f"l{line.id}-adjustment": "0", f"l{line.id}-reason": ""})
    assert response.status_code == 409
    assert "đã khóa" in response.get_data(as_text=True)
    assert client.post(f"/officers/sheets/{sheet.id}/recompute").status_code == 409
    db.session.expire_all()
    assert line.adjustment == -100_000


def test_settings_form_and_bad_cap(world, tree, client_as, db):
    client = client_as("chair", tree.ward_a)
    url = f"/officers/units/{tree.ward_a.id}/rules"
    response = client.post(url, data={"settings-combine": "max", "settings-post_limit": "3",
                                      "settings-cap": "abc", "settings-submit": "1"})
    assert response.status_code == 400
    assert _count(db, OfficerSettings) == 0
    response = client.post(url, data={"settings-combine": "max", "settings-post_limit": "3",
                                      "settings-cap": "1,8", "settings-submit": "1"})
    assert response.status_code == 302
    settings = db.session.scalars(select(OfficerSettings)).one()
    assert (settings.combine, settings.post_limit, settings.cap_milli) == ("max", 3, 1800)


def test_rule_with_a_bad_coefficient(world, tree, client_as, db):
    client = client_as("chair", tree.ward_a)
    response = client.post(f"/officers/units/{tree.ward_a.id}/rules", data={
        "rule-title": "secretary", "rule-kind": "coefficient", "rule-coefficient": "1,2345",
        "rule-valid_from": "2025-01-01", "rule-submit": "1"})
    assert response.status_code == 400
    assert "ví dụ 1,5" in response.get_data(as_text=True)
    assert _count(db, AllowanceRule) == 2


def test_workload_page_flags_three_posts(world, tree, client_as):
    page = client_as("viewer", tree.ward_a).get(
        f"/officers/units/{tree.ward_a.id}/workload?on=2025-11-15").get_data(as_text=True)
    assert 'data-testid="overloaded"' in page and "Nguyễn Thị Thu" in page
    assert "Trưởng ban Khuyến học" in page  # board_a has no head


# --- documents ---------------------------------------------------------------------------------


def test_sheet_pdf_and_xlsx(world, tree, client_as):
    sheet = world["sheet"]
    client = client_as("treasurer", tree.ward_a)
    pdf = client.get(f"/officers/sheets/{sheet.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    xlsx = client.get(f"/officers/sheets/{sheet.id}.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [r for r in ws.iter_rows(values_only=True) if r and r[0] == 1]
    assert rows[0][1] == "Nguyễn Thị Thu" and rows[0][8] == 2_940_000
    words = [r[0] for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str)
             and "bằng chữ" in r[0]]
    assert words == ["Viết bằng chữ: Hai triệu chín trăm bốn mươi nghìn đồng"]


def test_reports_page_and_xlsx(world, tree, client_as, db):
    svc.lock_sheet(None, world["sheet"])
    build_officer(tree.ward_a, "Lý Văn Khoa", ("committee_member", date(2025, 1, 1)))
    client = client_as("viewer", tree.district_a)
    page = client.get(f"/officers/units/{tree.district_a.id}/reports?year=2025").get_data(
        as_text=True)
    assert "2.940.000" in page
    assert "1 người (50%) không được chi" in page
    wb = load_workbook(io.BytesIO(client.get(
        f"/officers/units/{tree.district_a.id}/reports.xlsx?year=2025").data))
    by_officer = wb.worksheets[0]
    assert [c.value for c in by_officer[3]][0] == "Nguyễn Thị Thu"
    assert [c.value for c in by_officer[3]][11] == 2_940_000  # November
    assert wb.worksheets[2]["B4"].value == 50


def test_nav_and_tab(world, tree, client_as, login, client):
    viewer = client_as("viewer", tree.ward_a)
    assert 'data-testid="nav-officers"' in viewer.get("/home").get_data(as_text=True)
    assert 'data-testid="tab-officers"' in viewer.get(
        f"/units/{tree.ward_a.id}").get_data(as_text=True)
    assert viewer.get("/officers/").headers["Location"].endswith(
        f"/officers/units/{tree.ward_a.id}")
    login(build_user())  # an account without any role
    assert client.get("/officers/").status_code == 403
    assert 'data-testid="nav-officers"' not in client.get("/home").get_data(as_text=True)


# --- paying ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, where, status", [
    ("treasurer", "own", 302), ("chair", "own", 302), ("viewer", "own", 403),
    ("clerk", "own", 403),
    # money is paid from the unit's own books: a district role only looks
    ("chair", "parent", 403), ("treasurer", "parent", 403), ("treasurer", "sibling", 403),
])
def test_who_may_pay(world, tree, client_as, db, role, where, status):
    from assoc.models import Voucher

    from .builders import build_voucher

    build_voucher(tree.ward_a, "receipt", 5_000_000)
    sheet = world["sheet"]
    svc.lock_sheet(None, sheet)
    db.session.commit()
    client = client_as(role, tree.relative(where))
    response = client.post(f"/officers/sheets/{sheet.id}/pay", data={
        "mode": "per_officer", "voucher_date": today().isoformat(), "method": "cash",
        "token": "abc"})
    assert response.status_code == status
    payments = db.session.scalar(select(func.count()).select_from(Voucher).where(
        Voucher.kind == "payment"))
    assert payments == (1 if status == 302 else 0)


def test_pay_page_flow(world, tree, client_as, db):
    from .builders import build_voucher

    build_voucher(tree.ward_a, "receipt", 1_000_000)
    sheet, client = world["sheet"], client_as("treasurer", tree.ward_a)
    url = f"/officers/sheets/{sheet.id}/pay"
    data = {"mode": "sheet", "voucher_date": today().isoformat(), "method": "cash",
            "token": "tok-1"}
    response = client.post(url, data=data)  # still a draft
    assert response.status_code == 409
    assert "Khóa bảng trước khi chi" in response.get_data(as_text=True)
    svc.lock_sheet(None, sheet)
    db.session.commit()
    page = client.get(f"/officers/sheets/{sheet.id}").get_data(as_text=True)
    assert 'data-testid="pay"' in page
    response = client.post(url, data=data)  # the fund holds 1.000.000 đ only
    assert response.status_code == 400
    assert "dưới 0" in response.get_data(as_text=True) or "âm" in response.get_data(as_text=True)
    build_voucher(tree.ward_a, "receipt", 5_000_000)
    response = client.post(url, data=data)
    assert response.status_code == 302
    page = client.get(f"/officers/sheets/{sheet.id}").get_data(as_text=True)
    assert 'data-testid="pay"' not in page and "PC-" in page and "đã chi" in page
    assert client.post(url, data=data).status_code == 302  # a double submit: same voucher
    assert len(svc.sheet_vouchers(sheet)) == 1


def test_a_chair_overdraws_only_by_ticking_the_override(world, tree, client_as, db):
    """Paying a sheet the cash cannot cover is refused for a chair too unless the chair ticks
    the override (shown to the chair only, and logged); a treasurer's tick is ignored."""
    from assoc.models import AuditEntry, Voucher

    from .builders import build_voucher

    build_voucher(tree.ward_a, "receipt", 1_000_000)
    sheet = world["sheet"]
    svc.lock_sheet(None, sheet)
    db.session.commit()
    url = f"/officers/sheets/{sheet.id}/pay"
    data = {"mode": "sheet", "voucher_date": today().isoformat(), "method": "cash",
            "token": "tok-over"}
    treasurer = client_as("treasurer", tree.ward_a)
    assert "allow_overdraw" not in treasurer.get(f"/officers/sheets/{sheet.id}").get_data(
        as_text=True)
    assert treasurer.post(url, data={**data, "allow_overdraw": "y"}).status_code == 400
    chair = client_as("chair", tree.ward_a)
    assert 'name="allow_overdraw"' in chair.get(f"/officers/sheets/{sheet.id}").get_data(
        as_text=True)
    refused = chair.post(url, data=data)
    assert refused.status_code == 400 and "âm" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Voucher).where(
        Voucher.kind == "payment")) == 0
    assert chair.post(url, data={**data, "allow_overdraw": "y"}).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "voucher.issue")
                              .order_by(AuditEntry.id.desc()))
    assert entry.data["overdraw_allowed"] is True
