"""Learning-model pages: who may open what (a written-out matrix), the forms with bad input,
the certificates PDF (one page per entry, QR, Vietnamese text), exports, the public check page
and the dashboard card."""

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from assoc.extensions import db as _db
from assoc.models import (
    ROLES,
    LearningDenominator,
    LearningEntry,
    LearningRecognition,
    today,
)
from assoc.services import learning

from .builders_learning import build_criteria, build_entry

YEAR = today().year
RELATIONS = ("own", "child", "parent", "sibling", "unrelated")
ALL_ROLES = set(ROLES)
EDITORS = {"clerk", "chair", "admin"}
RECOGNISERS = {"chair", "admin"}
ABOVE = {"own", "parent"}  # the role covers ward_a, where everything of the world lives

# page -> (roles allowed, relations allowed); the user's role is held at tree.relative(where)
EXPECTED = {
    "list": (ALL_ROLES, ABOVE),
    "export": (ALL_ROLES, ABOVE),
    "rates": (ALL_ROLES, ABOVE),
    "rates_xlsx": (ALL_ROLES, ABOVE),
    "rates_pdf": (ALL_ROLES, ABOVE),
    "entry": (ALL_ROLES, ABOVE),
    "recognition": (ALL_ROLES, ABOVE),
    "certificates": (ALL_ROLES, ABOVE),
    "criteria": (ALL_ROLES, set(RELATIONS)),
    "criteria_set": (ALL_ROLES, set(RELATIONS)),
    "register": (EDITORS, ABOVE),
    "register_post": (EDITORS, ABOVE),
    "edit_entry": (EDITORS, ABOVE),
    "score": (EDITORS, ABOVE),
    "score_post": (EDITORS, ABOVE),
    "grid": (EDITORS, ABOVE),
    "denominators": (EDITORS, ABOVE),
    "recognise": (RECOGNISERS, ABOVE),
    "recognise_post": (RECOGNISERS, ABOVE),
    # criteria sets: an administrator at province or national level only (none in the matrix)
    "new_criteria": (set(), set()),
    "edit_criteria": (set(), set()),
}


@pytest.fixture
def world(tree):
    cs = build_criteria("family")
    recognised = build_entry(tree.ward_a, "Nguyễn Văn Lộc", year=YEAR, points=[30, 20, 30, 20])
    decision = learning.recognise(None, tree.ward_a, model="family", year=YEAR,
                                  entry_ids=[recognised.id], number="15/QĐ-KH",
                                  decided_on=date(YEAR, 1, 1) if today().month == 1
                                  else today(), signer="Nguyễn Thị Thu",
                                  issuing_body="Hội Khuyến học Phường A")
    scored = build_entry(tree.ward_a, "Trần Thị Hoa", year=YEAR, points=[30, 20, 20, 10])
    open_entry = build_entry(tree.ward_a, "Lê Văn Tám", year=YEAR)
    _db.session.commit()
    return {"cs": cs, "recognised": recognised, "decision": decision, "scored": scored,
            "open": open_entry}


def request_for(page, world, tree, client, where):
    w, u = world, tree.ward_a.id
    base = "/learning"
    get = {
        "list": f"{base}/units/{u}?year={YEAR}",
        "export": f"{base}/units/{u}/export.xlsx?year={YEAR}",
        "rates": f"{base}/units/{u}/rates?year={YEAR}",
        "rates_xlsx": f"{base}/units/{u}/rates.xlsx?year={YEAR}",
        "rates_pdf": f"{base}/units/{u}/rates.pdf?year={YEAR}",
        "entry": f"{base}/entries/{w['open'].id}",
        "recognition": f"{base}/recognitions/{w['decision'].id}",
        "certificates": f"{base}/recognitions/{w['decision'].id}/certificates.pdf",
        "criteria": f"{base}/criteria",
        "criteria_set": f"{base}/criteria/{w['cs'].id}",
        "register": f"{base}/units/{u}/register/family?year={YEAR}",
        "edit_entry": f"{base}/entries/{w['open'].id}/edit",
        "score": f"{base}/entries/{w['open'].id}/score",
        "grid": f"{base}/units/{u}/grid/family?year={YEAR}",
        "denominators": f"{base}/units/{u}/denominators?year={YEAR}",
        "recognise": f"{base}/units/{u}/recognise/family?year={YEAR}",
        "new_criteria": f"{base}/criteria/new",
        "edit_criteria": f"{base}/criteria/{w['cs'].id}/edit",
    }
    if page in get:
        return client.get(get[page])
    if page == "register_post":
        return client.post(f"{base}/units/{u}/register/family?year={YEAR}", data={
            "unit_id": u, "name": f"Phạm Văn Đức {where}", "address": "9 Đoàn Văn Bơ",
            "people": "4",
            "registered_on": f"15/01/{YEAR}"})
    if page == "score_post":
        cs = w["cs"]
        return client.post(f"{base}/entries/{w['open'].id}/score", data={
            "year": YEAR, **{f"p-{i.id}": i.max_points for i in cs.items}})
    # a fresh assessed entry each time (one entry is recognised once a year)
    scored = build_entry(tree.ward_a, f"Hộ {where}", year=YEAR, points=[30, 20, 30, 20])
    return client.post(f"{base}/units/{u}/recognise/family?year={YEAR}", data={
        "entry": [scored.id], "number": "16/QĐ-KH", "decided_on": f"02/01/{YEAR}",
        "signer": "Nguyễn Thị Thu", "issuing_body": "Hội Khuyến học Phường A"})


def table():
    for page in EXPECTED:
        for role in ROLES:
            yield page, role


@pytest.mark.parametrize("page, role", list(table()))
def test_learning_page_permissions(tree, world, client_as, page, role):
    """One world per (page, role); the role is tried at each relation to ward_a in turn."""
    roles, relations = EXPECTED[page]
    for where in RELATIONS:
        allowed = role in roles and where in relations
        client = client_as(role, at=tree.relative(where))
        status = request_for(page, world, tree, client, where).status_code
        assert status != 500
        if allowed:
            assert status in (200, 302), (where, status)
        else:
            assert status == 403, (where, status)


@pytest.mark.parametrize("role, at, allowed", [
    ("admin", "city", True), ("chair", "city", False), ("admin", "district_a", False),
    ("admin", "ward_a", False),
])
def test_only_province_or_national_admins_edit_criteria(tree, world, client_as, role, at,
                                                        allowed):
    client = client_as(role, at=tree.units[at])
    for url in ("/learning/criteria/new", f"/learning/criteria/{world['cs'].id}/edit"):
        assert client.get(url).status_code == (200 if allowed else 403)


def test_anonymous_users_are_sent_to_login(client, tree, world):
    response = client.get(f"/learning/units/{tree.ward_a.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- forms with bad input ---------------------------------------------------------------------

def entries() -> int:
    return _db.session.scalar(select(func.count()).select_from(LearningEntry))


def test_register_into_a_unit_outside_is_refused(tree, world, client_as):
    client = client_as("clerk", at=tree.ward_a)
    before = entries()
    response = client.post(f"/learning/units/{tree.ward_a.id}/register/family?year={YEAR}",
                           data={"unit_id": tree.ward_c.id, "name": "Hộ lạ",
                                 "registered_on": f"15/01/{YEAR}"})
    assert response.status_code in (200, 400) and entries() == before


def test_register_with_a_typed_date_and_branch(tree, world, client_as):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/learning/units/{tree.ward_a.id}/register/family?year={YEAR}",
                           data={"unit_id": tree.branch_a.id, "name": "phạm văn đức",
                                 "address": "9 Đoàn Văn Bơ", "people": "4",
                                 "registered_on": f"15-01-{YEAR}", "commitment": "Cả nhà học"})
    assert response.status_code == 302
    e = _db.session.scalar(select(LearningEntry).where(LearningEntry.name == "Phạm Văn Đức"))
    assert e.unit == tree.branch_a and e.registered_on == date(YEAR, 1, 15)


def test_points_above_the_maximum_show_an_error_and_write_nothing(tree, world, client_as):
    client = client_as("clerk", at=tree.ward_a)
    cs, e = world["cs"], world["open"]
    data = {"year": YEAR, **{f"p-{i.id}": i.max_points for i in cs.items}}
    data[f"p-{cs.items[0].id}"] = cs.items[0].max_points + 1
    response = client.post(f"/learning/entries/{e.id}/score", data=data)
    assert response.status_code == 400
    assert "tối đa 30 điểm" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(LearningEntry, e.id).total_score is None


def test_scoring_for_another_year_is_refused(tree, world, client_as):
    client = client_as("clerk", at=tree.ward_a)
    cs, e = world["cs"], world["open"]
    response = client.post(f"/learning/entries/{e.id}/score", data={
        "year": YEAR - 1, **{f"p-{i.id}": i.max_points for i in cs.items}})
    assert response.status_code == 400
    assert f"không đăng ký năm {YEAR - 1}" in response.get_data(as_text=True)


def test_grid_scores_a_branch(tree, world, client_as):
    client = client_as("clerk", at=tree.ward_a)
    cs, e = world["cs"], world["open"]
    data = {f"p-{e.id}-{i.id}": i.max_points for i in cs.items}
    data[f"evidence-{e.id}"] = "3"
    response = client.post(f"/learning/units/{tree.ward_a.id}/grid/family?year={YEAR}",
                           data=data)
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(LearningEntry, e.id).total_score == 100


def test_recognising_below_threshold_without_reason(tree, world, client_as):
    client = client_as("chair", at=tree.ward_a)
    low = build_entry(tree.ward_a, "Hộ dưới mức", year=YEAR, points=[10, 10, 10, 10])
    url = f"/learning/units/{tree.ward_a.id}/recognise/family?year={YEAR}"
    data = {"entry": [low.id], "number": "17/QĐ-KH", "decided_on": f"02/01/{YEAR}",
            "signer": "Nguyễn Thị Thu", "issuing_body": "Hội Khuyến học Phường A"}
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "ghi lý do công nhận" in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count()).select_from(LearningRecognition)) == 1
    response = client.post(url, data={**data, f"reason-{low.id}": "Hộ nghèo vượt khó"})
    assert response.status_code == 302


def test_a_branch_chair_cannot_recognise(tree, world, client_as):
    client = client_as("chair", at=tree.branch_a)
    assert client.get(f"/learning/units/{tree.branch_a.id}/recognise/family").status_code == 403


def test_denominator_below_registered_shows_a_field_error(tree, world, client_as):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/learning/units/{tree.ward_a.id}/denominators?year={YEAR}",
                           data={"total-family": "2", "target-family": "70"})
    assert response.status_code == 400
    assert "không thể nhỏ hơn" in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count()).select_from(LearningDenominator)) == 0


# --- outputs ----------------------------------------------------------------------------------

def test_public_check_shows_only_title_year_name_unit(client, tree, world):
    e = world["recognised"]
    page = client.get(f"/learning/check/{e.public_token}").get_data(as_text=True)
    assert "Gia đình học tập" in page and str(YEAR) in page and e.name in page
    assert tree.ward_a.name in page
    assert "15/QĐ-KH" not in page and e.address not in page
    assert client.get(f"/learning/check/{world['open'].public_token}").status_code == 404
    assert client.get("/learning/check/nonsense").status_code == 404


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")
def test_certificates_one_page_each_with_every_vietnamese_letter(tree, world, client_as,
                                                                 tmp_path):
    long_name = "Nguyễn Thị Ánh Tuyết " * 8 + "Ỷ Ỹ Ỵ Đặng Ưng Ơn"
    extra = [build_entry(tree.ward_a, long_name.strip(), year=YEAR, points=[30, 20, 30, 20]),
             build_entry(tree.ward_a, "Đặng Thị Hường", year=YEAR, points=[30, 20, 30, 20])]
    r = learning.recognise(None, tree.ward_a, model="family", year=YEAR,
                           entry_ids=[e.id for e in extra], number="18/QĐ-KH",
                           decided_on=world["decision"].decided_on, signer="Trần Văn Bình",
                           issuing_body="Hội Khuyến học Phường A")
    _db.session.commit()
    client = client_as("viewer", at=tree.ward_a)
    response = client.get(f"/learning/recognitions/{r.id}/certificates.pdf")
    assert response.status_code == 200 and response.data[:4] == b"%PDF"
    path = tmp_path / "c.pdf"
    path.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M), info
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "GIA ĐÌNH HỌC TẬP NĂM" in text and "Đặng Thị Hường" in text
    assert "Ỷ Ỹ Ỵ Đặng Ưng Ơn" in text.replace("\n", " ")
    assert "Quyết định số 18/QĐ-KH" in text


def test_register_export_is_excel_with_safe_cells(tree, world, client_as):
    build_entry(tree.ward_a, "=HYPERLINK(\"x\")", year=YEAR, model="clan")
    client = client_as("viewer", at=tree.ward_a)
    response = client.get(f"/learning/units/{tree.ward_a.id}/export.xlsx?year={YEAR}")
    ws = load_workbook(io.BytesIO(response.data)).active
    cells = {row[2].value: row[2] for row in ws.iter_rows(min_row=5)}
    assert "Nguyễn Văn Lộc" in cells
    link = cells["=HYPERLINK(\"x\")"]  # shown as typed, stored as text (never a formula)
    assert link.data_type == "s" and link.quotePrefix


def test_rates_xlsx_one_row_per_sub_unit(tree, world, client_as):
    learning.set_denominators(None, tree.ward_a, YEAR, {"family": (10, 70)})
    _db.session.commit()
    client = client_as("viewer", at=tree.district_a)
    response = client.get(f"/learning/units/{tree.district_a.id}/rates.xlsx?year={YEAR}")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=6,
                                                                         values_only=True))
    by_name = {r[0]: r for r in rows}
    ward = by_name[tree.ward_a.name]
    assert ward[1:7] == (10, 3, 0.3, 2, 1, 0.1)
    assert by_name["Tổng cộng"][2] == 3


def test_dashboard_card_shows_the_rate(tree, world, client_as):
    learning.set_denominators(None, tree.ward_a, YEAR, {"family": (10, 70)})
    _db.session.commit()
    client = client_as("viewer", at=tree.city)
    page = client.get(f"/units/{tree.district_a.id}/dashboard?year={YEAR}").get_data(as_text=True)
    assert 'data-testid="learning-card"' in page
    assert 'data-testid="fig-learning-family-rate">10.0%' in page
    assert 'công nhận / số hộ' in page  # the rate names its basis
