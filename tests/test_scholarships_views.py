"""Scholarship pages: who may open what (a written-out matrix), the special decision rule,
forms with bad input, the recipient list (PDF, Excel), report and student history."""

import io
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from assoc.models import ROLES, Nomination, ScholarshipProgram, today
from assoc.permissions import can_decide
from assoc.services import units

from .builders import build_nomination, build_program, build_user

RELATIONS = ("own", "child", "parent", "sibling", "unrelated")
ALL_ROLES = set(ROLES)
NOMINATORS = {"clerk", "chair", "admin"}
DECIDERS = {"approver", "chair", "admin"}
IN_PROGRAM = {"own", "child", "parent", "sibling"}  # every unit holding or under a quota

# The program runs at district_a (= "parent") with quotas for ward_a and ward_b; the nomination
# comes from ward_a (= "own"). The user's role is held at tree.relative(where).
# page -> (roles allowed, relations allowed)
EXPECTED = {
    "program": (ALL_ROLES, IN_PROGRAM),
    "report": (ALL_ROLES, IN_PROGRAM),
    "recipients_pdf": (ALL_ROLES, IN_PROGRAM),
    "recipients_xlsx": (ALL_ROLES, IN_PROGRAM),
    "nominate": (NOMINATORS, IN_PROGRAM),
    "nomination": (ALL_ROLES, {"own", "parent"}),
    "edit_nomination": (NOMINATORS, {"own", "parent"}),
    "submit_nomination": (NOMINATORS, {"own", "parent"}),
    "decide": (DECIDERS, {"parent"}),
    "decide_many": (DECIDERS, {"parent"}),
    "edit_program": (DECIDERS, {"parent"}),
    "quotas": (DECIDERS, {"parent"}),
    "new_program": (DECIDERS, {"parent"}),
    # paying issues vouchers in district_a's own books: a role at district_a itself
    "pay": ({"treasurer", "chair", "admin"}, {"parent"}),
}


@pytest.fixture
def world(tree):
    program = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3})
    return {
        "program": program,
        "submitted": build_nomination(program, tree.ward_a, student_name="Lê Thị Hồng"),
        "draft": build_nomination(program, tree.ward_a, submit=False),
        "approved": build_nomination(program, tree.ward_b, status="approved"),
    }


def request_for(page, world, tree, client):
    p, s, d = world["program"], world["submitted"], world["draft"]
    base = "/scholarships"
    get = {
        "program": f"{base}/programs/{p.id}",
        "report": f"{base}/programs/{p.id}/report",
        "recipients_pdf": f"{base}/programs/{p.id}/recipients.pdf",
        "recipients_xlsx": f"{base}/programs/{p.id}/recipients.xlsx",
        "nominate": f"{base}/programs/{p.id}/nominate",
        "nomination": f"{base}/nominations/{s.id}",
        "edit_nomination": f"{base}/nominations/{d.id}/edit",
        "edit_program": f"{base}/programs/{p.id}/edit",
        "quotas": f"{base}/programs/{p.id}/quotas",
        "new_program": f"{base}/units/{tree.district_a.id}/programs/new",
    }
    if page in get:
        return client.get(get[page])
    if page == "submit_nomination":
        return client.post(f"{base}/nominations/{d.id}/submit")
    if page == "pay":
        return client.post(f"{base}/programs/{p.id}/pay", data={
            "mode": "each", "method": "cash", "nomination": [world["approved"].id]})
    if page == "decide":
        return client.post(f"{base}/nominations/{s.id}/decide", data={"decision": "approve"})
    return client.post(f"{base}/programs/{p.id}/decide",
                       data={"decision": "approve", "nomination": [s.id]})


def table():
    for page, (roles, relations) in EXPECTED.items():
        for role in ROLES:
            for where in RELATIONS:
                yield page, role, where, role in roles and where in relations


@pytest.mark.parametrize("page, role, where, allowed", list(table()))
def test_scholarship_page_permissions(tree, world, client_as, page, role, where, allowed):
    client = client_as(role, at=tree.relative(where))
    response = request_for(page, world, tree, client)
    assert response.status_code != 500
    if allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# The special rule: nobody decides on nominations from a unit where they nominate, nor on their
# own nominations. Each row: roles held (role, unit), nominating unit, created by the user?
# ---------------------------------------------------------------------------------------------

DECIDE_ROWS = [
    # roles held                                          nominated from  own?   may decide
    ([("approver", "district_a")],                          "ward_a",   False, True),
    ([("chair", "district_a")],                             "ward_a",   False, True),
    ([("admin", "city")],                                   "ward_a",   False, True),
    ([("approver", "district_a")],                          "ward_a",   True,  False),
    ([("chair", "ward_a"), ("approver", "district_a")],     "ward_a",   False, False),
    ([("chair", "ward_a"), ("approver", "district_a")],     "branch_a", False, False),
    ([("chair", "ward_a"), ("approver", "district_a")],     "ward_b",   False, True),
    ([("clerk", "ward_a"), ("approver", "district_a")],     "ward_a",   False, False),
    ([("clerk", "branch_a"), ("approver", "district_a")],   "branch_a", False, False),
    # issue 19: a nominating role at the nomination's unit or below it bars the decision
    ([("clerk", "branch_a"), ("approver", "district_a")],   "ward_a",   False, False),
    ([("treasurer", "ward_a"), ("approver", "district_a")], "ward_a",   False, True),
    ([("approver", "ward_a")],                              "ward_a",   False, False),
    ([("approver", "district_b")],                          "ward_a",   False, False),
    ([("treasurer", "district_a")],                         "ward_a",   False, False),
    ([("viewer", "city")],                                  "ward_a",   False, False),
]


@pytest.mark.parametrize("held, from_unit, own, allowed", DECIDE_ROWS)
def test_can_decide(tree, db, held, from_unit, own, allowed):
    user = build_user()
    for role, unit in held:
        units.grant_role(None, user, getattr(tree, unit), role)
    program = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3})
    n = build_nomination(program, getattr(tree, from_unit), by=user if own else None)
    db.session.expire(user)
    assert can_decide(user, n) is allowed


def test_ward_chair_with_district_role_cannot_approve_own_ward_over_http(tree, client_as, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 3})
    n = build_nomination(program, tree.ward_a)
    client = client_as("chair", at=tree.ward_a)
    units.grant_role(None, client.user, tree.district_a, "approver")
    db.session.commit()
    assert client.post(f"/scholarships/nominations/{n.id}/decide",
                       data={"decision": "approve"}).status_code == 403
    page = client.get(f"/scholarships/programs/{program.id}").get_data(as_text=True)
    assert 'name="nomination"' not in page  # no checkbox offered
    db.session.refresh(n)
    assert n.status == "submitted"


# ---------------------------------------------------------------------------------------------
# Forms and flows
# ---------------------------------------------------------------------------------------------


def program_form(unit, **changes):
    from assoc.extensions import db as _db
    from assoc.services import treasury

    fund = treasury.general_fund(unit)
    _db.session.commit()
    data = {
        "fund_id": str(fund.id),
        "name": "Học bổng Nguyễn Hữu Thọ 2026", "sponsor": "Công ty Cảng Sài Gòn",
        "amount_per_award": "2.000.000", "tiers": "", "max_awards": "10", "budget": "20.000.000",
        "window_start": (today() - timedelta(days=1)).isoformat(),
        "window_end": (today() + timedelta(days=30)).isoformat(),
        "ceremony_date": "", "criteria": "Học sinh nghèo vượt khó",
        "priority_groups": ["poor", "orphan"],
    }
    data.update(changes)
    return data


def test_create_program_then_quotas(tree, client_as, db):
    client = client_as("approver", at=tree.district_a)
    r = client.post(f"/scholarships/units/{tree.district_a.id}/programs/new",
                    data=program_form(tree.district_a, tiers="1.500.000; 3.000.000"))
    assert r.status_code == 302
    program = db.session.scalars(select(ScholarshipProgram)).one()
    assert (program.amount_per_award, program.budget, program.tiers) == (
        2_000_000, 20_000_000, [1_500_000, 2_000_000, 3_000_000])
    assert program.priority_groups == ["poor", "orphan"]
    assert program.fund.kind == "general" and program.fund.unit_id == tree.district_a.id
    r = client.post(f"/scholarships/programs/{program.id}/quotas", data={
        f"count_{tree.ward_a.id}": "4", f"budget_{tree.ward_a.id}": "8.000.000",
        f"count_{tree.ward_b.id}": "3", f"budget_{tree.ward_b.id}": ""})
    assert r.status_code == 302
    db.session.refresh(program)
    assert {(q.unit_id, q.max_awards, q.budget) for q in program.quotas} == {
        (tree.ward_a.id, 4, 8_000_000), (tree.ward_b.id, 3, None)}


@pytest.mark.parametrize("changes, message", [
    ({"amount_per_award": "2,5"}, "số tiền"),
    ({"max_awards": "", "budget": ""}, "số suất"),
    ({"window_end": "2020-01-01"}, "trước ngày bắt đầu"),
    ({"priority_groups": ["vip"]}, ""),
    ({"fund_id": "999999"}, "Lựa chọn không hợp lệ"),
])
def test_program_form_bad_input(tree, client_as, db, changes, message):
    client = client_as("approver", at=tree.district_a)
    r = client.post(f"/scholarships/units/{tree.district_a.id}/programs/new",
                    data=program_form(tree.district_a, **changes))
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ScholarshipProgram)) == 0


def test_quota_beyond_program_is_refused(tree, client_as, db):
    program = build_program(tree.district_a, max_awards=5)
    client = client_as("approver", at=tree.district_a)
    r = client.post(f"/scholarships/programs/{program.id}/quotas", data={
        f"count_{tree.ward_a.id}": "4", f"count_{tree.ward_b.id}": "3"})
    assert r.status_code == 400
    assert "Tổng chỉ tiêu là 7 suất" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ScholarshipProgram, program.id).quotas == []


def nomination_form(unit, **changes):
    data = {
        "unit": str(unit.id), "student_name": "Nguyễn Thị Ánh", "birth_date": "2013-04-12",
        "sex": "F", "school": "Trường THCS Khánh Hội A", "grade": "7",
        "academic_result": "Học sinh giỏi", "family_circumstance": "Hộ nghèo",
        "priority_groups": ["poor", "girl"], "guardian_name": "Nguyễn Văn Bảy",
        "guardian_phone": "0903123456", "address": "12 Bến Vân Đồn", "reason": "Chăm ngoan",
        "attachments": "2", "amount": "2000000",
    }
    data.update(changes)
    return data


def test_nominate_submit_and_lock(tree, client_as, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 2})
    client = client_as("chair", at=tree.ward_a)
    r = client.post(f"/scholarships/programs/{program.id}/nominate",
                    data=nomination_form(tree.branch_a))
    assert r.status_code == 302
    n = db.session.scalars(select(Nomination)).one()
    assert (n.unit_id, n.quota.unit_id, n.status, n.priority_groups) == (
        tree.branch_a.id, tree.ward_a.id, "draft", ["poor", "girl"])
    assert client.post(f"/scholarships/nominations/{n.id}/edit",
                       data=nomination_form(tree.branch_a, grade="8")).status_code == 302
    assert client.post(f"/scholarships/nominations/{n.id}/submit").status_code == 302
    db.session.refresh(n)
    assert (n.grade, n.status) == ("8", "submitted")
    r = client.post(f"/scholarships/nominations/{n.id}/edit",
                    data=nomination_form(tree.branch_a, grade="9"))
    assert r.status_code == 400 and "không thể sửa" in r.get_data(as_text=True)
    db.session.refresh(n)
    assert n.grade == "8"


@pytest.mark.parametrize("changes, message", [
    ({"student_name": ""}, "is-invalid"),  # the required-field message, in Vietnamese
    ({"birth_date": "31/02/2013"}, "31/02/2013 không phải là một ngày có thật"),
    ({"guardian_phone": "123"}, "không phải số điện thoại"),
    ({"amount": "5000000"}, "Lựa chọn không hợp lệ"),
])
def test_nomination_form_bad_input(tree, client_as, db, changes, message):
    program = build_program(tree.district_a, quotas={tree.ward_a: 2})
    client = client_as("clerk", at=tree.ward_a)
    r = client.post(f"/scholarships/programs/{program.id}/nominate",
                    data=nomination_form(tree.ward_a, **changes))
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0


def test_duplicate_and_full_quota_and_closed_window_over_http(tree, client_as, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 2})
    client = client_as("clerk", at=tree.ward_a)
    url = f"/scholarships/programs/{program.id}/nominate"
    assert client.post(url, data=nomination_form(tree.ward_a)).status_code == 302
    r = client.post(url, data=nomination_form(tree.ward_a, student_name="NGUYEN THI ANH"))
    assert r.status_code == 400 and "đã được đề cử" in r.get_data(as_text=True)
    assert client.post(url, data=nomination_form(
        tree.ward_a, student_name="Trần Văn Bình")).status_code == 302
    r = client.post(url, data=nomination_form(tree.ward_a, student_name="Lý Thị Cúc"))
    assert r.status_code == 400 and "đã đủ chỉ tiêu: 2/2" in r.get_data(as_text=True)
    program.window_end = today() - timedelta(days=1)
    db.session.commit()
    r = client.post(url, data=nomination_form(tree.ward_a, student_name="Lý Thị Cúc"))
    assert r.status_code == 400 and "chỉ nhận hồ sơ đề cử từ" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 2


def test_bulk_approve_refused_beyond_budget_shows_remaining(tree, client_as, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3},
                            max_awards=None, budget=5_000_000)
    noms = [build_nomination(program, w) for w in (tree.ward_a, tree.ward_a, tree.ward_b)]
    client = client_as("approver", at=tree.district_a)
    url = f"/scholarships/programs/{program.id}/decide"
    r = client.post(url, data={"decision": "approve", "nomination": [n.id for n in noms]},
                    follow_redirects=True)
    assert "còn lại 5.000.000 đ, đề nghị duyệt 6.000.000 đ" in r.get_data(as_text=True)
    assert {n.status for n in db.session.scalars(select(Nomination))} == {"submitted"}
    r = client.post(url, data={"decision": "approve", "nomination": [noms[0].id, noms[2].id]},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "2 hồ sơ đã được duyệt" in page
    assert "1.000.000 đ" in page  # remaining budget shown on the program page
    r = client.post(url, data={"decision": "reject", "nomination": [noms[1].id], "reason": ""},
                    follow_redirects=True)
    assert "Nhập lý do không duyệt" in r.get_data(as_text=True)
    client.post(url, data={"decision": "reject", "nomination": [noms[1].id],
                           "reason": "Gia đình đã thoát nghèo"})
    db.session.expire_all()
    assert [db.session.get(Nomination, n.id).status for n in noms] == [
        "approved", "rejected", "approved"]


def test_single_reject_needs_a_reason(tree, client_as, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 3})
    n = build_nomination(program, tree.ward_a)
    client = client_as("approver", at=tree.district_a)
    r = client.post(f"/scholarships/nominations/{n.id}/decide", data={"decision": "reject"})
    assert r.status_code == 400 and "Nhập lý do không duyệt" in r.get_data(as_text=True)
    r = client.post(f"/scholarships/nominations/{n.id}/decide",
                    data={"decision": "reject", "reason": "Chưa đủ hồ sơ"})
    assert r.status_code == 302
    db.session.refresh(n)
    assert (n.status, n.decision_reason) == ("rejected", "Chưa đủ hồ sơ")


def test_program_page_lists_only_nominations_in_scope(tree, client_as, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3})
    build_nomination(program, tree.ward_a, student_name="Lê Thị Hồng")
    build_nomination(program, tree.ward_b, student_name="Đỗ Văn Khoa")
    ward_b_page = client_as("chair", at=tree.ward_b).get(
        f"/scholarships/programs/{program.id}").get_data(as_text=True)
    assert "Đỗ Văn Khoa" in ward_b_page and "Lê Thị Hồng" not in ward_b_page
    district = client_as("approver", at=tree.district_a)
    page = district.get(f"/scholarships/programs/{program.id}").get_data(as_text=True)
    assert "Đỗ Văn Khoa" in page and "Lê Thị Hồng" in page
    quota_b = next(q for q in program.quotas if q.unit_id == tree.ward_b.id)
    filtered = district.get(f"/scholarships/programs/{program.id}?quota={quota_b.id}")
    assert "Lê Thị Hồng" not in filtered.get_data(as_text=True)
    grouped = district.get(f"/scholarships/programs/{program.id}?group=orphan")
    assert "Đỗ Văn Khoa" not in grouped.get_data(as_text=True)
    index = client_as("chair", at=tree.ward_c).get("/scholarships/").get_data(as_text=True)
    assert program.name not in index
    assert program.name in client_as("clerk", at=tree.branch_a).get(
        "/scholarships/").get_data(as_text=True)


@pytest.fixture
def awarded(tree):
    program = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3},
                            ceremony_date=date(2026, 9, 5))
    build_nomination(program, tree.ward_a, student_name="Lê Thị Hồng", status="approved",
                     grade="6")
    build_nomination(program, tree.ward_a, student_name="Trần Văn Bình", status="approved",
                     amount=2_000_000)
    build_nomination(program, tree.ward_b, student_name="Đỗ Văn Khoa", status="approved")
    build_nomination(program, tree.ward_b, student_name="Phan Thị Mơ", status="rejected")
    build_nomination(program, tree.ward_b, student_name="Vũ Văn Nam")
    return program


def test_recipient_list_xlsx_adds_up_and_is_scoped(tree, client_as, awarded):
    r = client_as("approver", at=tree.district_a).get(
        f"/scholarships/programs/{awarded.id}/recipients.xlsx")
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = [row for row in ws.iter_rows(values_only=True) if row and isinstance(row[0], int)]
    # by ward, then Vietnamese name order (given name first)
    assert [r[1] for r in rows] == ["Trần Văn Bình", "Lê Thị Hồng", "Đỗ Văn Khoa"]
    assert sum(r[6] for r in rows) == 6_000_000
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Viết bằng chữ: Sáu triệu đồng." in texts
    ward = client_as("chair", at=tree.ward_b).get(
        f"/scholarships/programs/{awarded.id}/recipients.xlsx")
    ws = load_workbook(io.BytesIO(ward.data)).active
    names = [row[1] for row in ws.iter_rows(values_only=True) if row and isinstance(row[0], int)]
    assert names == ["Đỗ Văn Khoa"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_recipient_list_pdf(tree, client_as, awarded, tmp_path):
    r = client_as("approver", at=tree.district_a).get(
        f"/scholarships/programs/{awarded.id}/recipients.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF")
    (tmp_path / "list.pdf").write_bytes(r.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "list.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "DANH SÁCH KÝ NHẬN HỌC BỔNG" in text
    assert "Lễ trao học bổng ngày 05/09/2026" in text
    for name in ("Lê Thị Hồng", "Trần Văn Bình", "Đỗ Văn Khoa"):
        assert name in text
    assert "Phan Thị Mơ" not in text and "Vũ Văn Nam" not in text
    assert "6.000.000" in text and "Sáu triệu đồng" in text
    for box in ("NGƯỜI LẬP DANH SÁCH", "THỦ QUỸ", "CHỦ TỊCH"):
        assert box in text


def test_report_page_numbers(tree, client_as, awarded):
    page = client_as("approver", at=tree.district_a).get(
        f"/scholarships/programs/{awarded.id}/report").get_data(as_text=True)
    assert "6.000.000 đ" in page
    assert page.count(tree.ward_b.name) >= 1


def test_student_history_search(tree, client_as, db):
    p1 = build_program(tree.district_a, quotas={tree.ward_a: 3}, name="Học bổng 2025",
                       window_start=date(2025, 1, 1))
    p2 = build_program(tree.district_a, quotas={tree.ward_a: 3}, name="Học bổng 2026")
    build_nomination(p1, tree.ward_a, student_name="Lê Thị Hồng", birth_date=date(2011, 2, 2),
                     status="approved")
    build_nomination(p2, tree.ward_a, student_name="Lê Thị Hồng", birth_date=date(2011, 2, 2))
    client = client_as("chair", at=tree.ward_a)
    page = client.get("/scholarships/students?name=le+thi+hong&birth_date=2011-02-02")
    text = page.get_data(as_text=True)
    assert "Học bổng 2025" in text and "Học bổng 2026" in text
    other = client_as("chair", at=tree.ward_b).get("/scholarships/students?name=le+thi+hong")
    assert "Học bổng 2025" not in other.get_data(as_text=True)
    bad = client.get("/scholarships/students?name=x&birth_date=02/02/2011")
    assert "dd/mm/yyyy" in bad.get_data(as_text=True) or "ngày sinh" in bad.get_data(
        as_text=True).lower()


def test_unit_tab_shows_programs(tree, client_as, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 3})
    page = client_as("chair", at=tree.ward_a).get(
        f"/scholarships/units/{tree.ward_a.id}").get_data(as_text=True)
    assert program.name in page
    assert 'data-testid="tab-scholarships"' in client_as("viewer", at=tree.ward_a).get(
        f"/units/{tree.ward_a.id}").get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Payout
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def payable(tree):
    from .builders import build_fund, build_voucher

    fund = build_fund(tree.district_a, code="HB-NHT", name="Quỹ học bổng Nguyễn Hữu Thọ")
    build_voucher(tree.district_a, "receipt", 5_000_000, fund=fund,
                  party_name="Công ty Cảng Sài Gòn", reason="Tài trợ học bổng")
    program = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3}, fund=fund)
    noms = [build_nomination(program, tree.ward_a, student_name="Lê Thị Hồng", status="approved"),
            build_nomination(program, tree.ward_b, student_name="Đỗ Văn Khoa", status="approved"),
            build_nomination(program, tree.ward_b, student_name="Vũ Văn Nam")]
    return program, noms


def test_treasurer_pays_and_the_fund_balance_drops(tree, client_as, payable, db):
    from assoc.services import treasury

    program, (a, b, c) = payable
    client = client_as("treasurer", at=tree.district_a)
    page = client.get(f"/scholarships/programs/{program.id}").get_data(as_text=True)
    assert 'data-testid="pay-panel"' in page and "5.000.000 đ" in page
    url = f"/scholarships/programs/{program.id}/pay"
    r = client.post(url, data={"mode": "each", "method": "cash", "token": "tok-1",
                               "nomination": [a.id, c.id]}, follow_redirects=True)
    assert "chưa được duyệt" in r.get_data(as_text=True)
    r = client.post(url, data={"mode": "ceremony", "method": "cash", "token": "tok-2",
                               "nomination": [a.id, b.id]}, follow_redirects=True)
    page = r.get_data(as_text=True)
    year = today().year
    assert f"Đã chi 2 suất học bổng: PC-{year}/0001" in page
    assert page.count(f"PC-{year}/0001") >= 3  # flash + one per paid row
    db.session.expire_all()
    assert treasury.fund_balance(program.fund) == 1_000_000
    assert {db.session.get(Nomination, n.id).status for n in (a, b)} == {"paid"}
    # the same form submitted again issues nothing more
    r = client.post(url, data={"mode": "ceremony", "method": "cash", "token": "tok-2",
                               "nomination": [a.id, b.id]}, follow_redirects=True)
    assert "đã được chi bằng biểu mẫu này" in r.get_data(as_text=True)
    # paying again with a fresh form is refused
    r = client.post(url, data={"mode": "each", "method": "cash", "token": "tok-3",
                               "nomination": [a.id]}, follow_redirects=True)
    assert f"đã được chi (phiếu chi PC-{year}/0001)" in r.get_data(as_text=True)
    assert treasury.fund_balance(program.fund) == 1_000_000


def test_ward_treasurer_cannot_pay_district_awards(tree, client_as, payable, db):
    program, (a, _b, _c) = payable
    client = client_as("treasurer", at=tree.ward_a)
    assert 'data-testid="pay-panel"' not in client.get(
        f"/scholarships/programs/{program.id}").get_data(as_text=True)
    r = client.post(f"/scholarships/programs/{program.id}/pay",
                    data={"mode": "each", "method": "cash", "nomination": [a.id]})
    assert r.status_code == 403
    db.session.refresh(a)
    assert a.status == "approved"


def test_recipient_list_names_the_payment_voucher(tree, client_as, payable, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler's pdftotext")
    program, (a, b, _c) = payable
    from assoc.services import scholarships as service

    service.pay_awards(None, program, [a, b], mode="ceremony")
    from assoc.extensions import db as _db

    _db.session.commit()
    r = client_as("approver", at=tree.district_a).get(
        f"/scholarships/programs/{program.id}/recipients.pdf")
    (tmp_path / "list.pdf").write_bytes(r.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "list.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert f"Đã chi toàn bộ theo phiếu chi số: PC-{today().year}/0001" in text
    assert "4.000.000" in text and "Bốn triệu đồng" in text
