"""Member pages: permission matrix, forms, import through preview, exports, cards, dues, merge,
public card check."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from assoc.member_samples import messy_member_workbook
from assoc.models import DuesPayment, DuesRate, Member, MemberTransfer, Voucher
from assoc.permissions import ROLE_ACTIONS
from assoc.services import members as svc

from .builders import build_member, build_unit

ROLES = ["viewer", "clerk", "treasurer", "approver", "chair"]
WHERE = ["own", "child", "parent", "sibling", "unrelated"]


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    yield
    app.config.pop("IMPORT_DIR", None)


def count(db):
    return db.session.scalar(select(func.count(Member.id)))


# (name, action, method, url(unit, member), data)
PAGES = [
    ("list", "member.view", "GET", lambda u, m: f"/members/unit/{u.id}", None),
    ("export_xlsx", "member.view", "GET", lambda u, m: f"/members/unit/{u.id}/export.xlsx", None),
    ("export_csv", "member.view", "GET", lambda u, m: f"/members/unit/{u.id}/export.csv", None),
    ("cards_pdf", "member.view", "GET", lambda u, m: f"/members/unit/{u.id}/cards.pdf", None),
    ("card_pdf", "member.view", "GET", lambda u, m: f"/members/{m.id}/card.pdf", None),
    ("show", "member.view", "GET", lambda u, m: f"/members/{m.id}", None),
    ("dues", "member.view", "GET", lambda u, m: f"/members/unit/{u.id}/dues", None),
    ("duplicates", "member.view", "GET", lambda u, m: f"/members/unit/{u.id}/duplicates", None),
    ("new", "member.edit", "GET", lambda u, m: f"/members/unit/{u.id}/new", None),
    ("edit", "member.edit", "GET", lambda u, m: f"/members/{m.id}/edit", None),
    ("import", "member.edit", "GET", lambda u, m: f"/members/unit/{u.id}/import", None),
    ("end", "member.edit", "POST", lambda u, m: f"/members/{m.id}/end", {"reason": "Chuyển đi"}),
    ("pay", "dues.collect", "POST", lambda u, m: f"/members/{m.id}/dues",
     {"year": "2026", "amount": "50000"}),
    ("set_rate", "unit.edit", "POST", lambda u, m: f"/members/unit/{u.id}/dues",
     {"year": "2026", "amount": "60000"}),
]


def permission_table():
    for role in ROLES:
        for where in WHERE:
            for name, action, *_rest in PAGES:
                allowed = action in ROLE_ACTIONS[role] and where in ("own", "child")
                yield pytest.param(role, where, name, allowed, id=f"{role}-{where}-{name}")


@pytest.mark.parametrize("role, where, page, allowed", list(permission_table()))
def test_permission_matrix(tree, client_as, db, role, where, page, allowed):
    client = client_as(role, at=tree.ward_a)
    target = tree.relative(where)
    member = build_member(target, "Nguyễn Văn Á")
    _name, _action, method, url, data = next(p for p in PAGES if p[0] == page)
    if method == "GET":
        response = client.get(url(target, member))
    else:
        response = client.post(url(target, member), data=data)
    assert (response.status_code != 403) is allowed, response.status_code
    assert response.status_code < 500


def test_merge_needs_member_merge_on_both_records(tree, client_as, db):
    a = build_member(tree.ward_a, "Nguyễn Văn Á", cccd="079058001234")
    b = build_member(tree.ward_b, "Nguyễn Văn Á", cccd="079058001234")
    c = build_member(tree.branch_a, "Nguyễn Văn Á", cccd="079058001234")
    clerk = client_as("clerk", at=tree.ward_a)
    assert clerk.post("/members/merge", data={"keep_id": a.id, "other_id": c.id}).status_code == 403
    chair = client_as("chair", at=tree.ward_a)
    assert chair.post("/members/merge", data={"keep_id": a.id, "other_id": b.id}).status_code == 403
    assert chair.post("/members/merge", data={"keep_id": a.id, "other_id": c.id}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, c.id).status == "merged"
    assert db.session.get(Member, b.id).status == "active"


def test_public_check_page_shows_nothing_private(tree, client, db):
    m = build_member(tree.ward_a, "Nguyễn Văn Á", cccd="079058001234", phone="0912345678",
                     birth="12/03/1958", address="12 Bến Vân Đồn")
    html = client.get(f"/members/check/{m.card_token}").get_data(as_text=True)
    assert "N. V. Á." in html and tree.ward_a.name in html and "Còn hiệu lực" in html
    for private in ("Nguyễn Văn Á", "079058001234", "0912345678", "1958", "Bến Vân Đồn"):
        assert private not in html
    svc.end_membership(None, m, reason="Chuyển đi")
    db.session.commit()
    assert "Hết hiệu lực" in client.get(f"/members/check/{m.card_token}").get_data(as_text=True)
    assert client.get("/members/check/nope").status_code == 404


def test_register_through_the_form_and_bad_input(tree, client_as, db):
    client = client_as("clerk", at=tree.ward_a)
    bad = client.post(f"/members/unit/{tree.ward_a.id}/new", data={
        "kind": "individual", "full_name": "Nguyễn Văn Á", "cccd": "12345", "sex": "",
        "unit_id": tree.branch_a.id, "birth": "1960"})
    assert bad.status_code == 400
    assert "12 chữ số" in bad.get_data(as_text=True)
    assert 'value="Nguyễn Văn Á"' in bad.get_data(as_text=True)    # nothing lost
    assert count(db) == 0
    ok = client.post(f"/members/unit/{tree.ward_a.id}/new", data={
        "kind": "individual", "full_name": "NGUYỄN VĂN Á", "cccd": "79058001234", "sex": "M",
        "unit_id": tree.branch_a.id, "birth": "12/03/1958", "phone": "+84912345678"})
    assert ok.status_code == 400  # typed text is never padded: 12 digits are needed (issue 15)
    ok = client.post(f"/members/unit/{tree.ward_a.id}/new", data={
        "kind": "individual", "full_name": "NGUYỄN VĂN Á", "cccd": "0790 5800 1234", "sex": "M",
        "unit_id": tree.branch_a.id, "birth": "12/03/1958", "phone": "+84912345678"})
    assert ok.status_code == 302
    m = db.session.scalars(select(Member)).one()
    assert (m.full_name, m.unit_id, m.cccd, m.phone) == ("Nguyễn Văn Á", tree.branch_a.id,
                                                          "079058001234", "0912345678")
    # A unit the clerk does not hold is refused.
    refused = client.post(f"/members/unit/{tree.ward_a.id}/new", data={
        "kind": "individual", "full_name": "Lê B", "sex": "", "unit_id": tree.ward_b.id})
    assert refused.status_code in (400, 403)
    assert count(db) == 1


def test_list_search_filter_and_pagination(app, tree, client_as, db):
    for i in range(55):
        build_member(tree.branch_a, f"Trần Văn Số{i:02d}")
    build_member(tree.ward_a, "Nguyễn Thị Thu", phone="0912345678")
    client = client_as("viewer", at=tree.district_a)
    html = client.get(f"/members/unit/{tree.district_a.id}").get_data(as_text=True)
    assert "56" in html                                    # total shown by the pager
    assert html.count("/members/") > 50
    found = client.get(f"/members/unit/{tree.district_a.id}?q=nguyen+thi+thu").get_data(
        as_text=True)
    assert "Nguyễn Thị Thu" in found and "Trần Văn Số00" not in found
    by_phone = client.get(f"/members/unit/{tree.ward_a.id}?q=%2B84+912+345+678").get_data(
        as_text=True)
    assert "Nguyễn Thị Thu" in by_phone


def test_import_through_preview_and_confirm(tree, client_as, db):
    kp1 = build_unit("branch_kp1", tree.ward_a, display_name="Chi hội Khu phố 1")
    build_unit("branch_kp2", tree.ward_a, display_name="Chi hội Khu phố 2")
    db.session.commit()
    client = client_as("clerk", at=tree.ward_a)
    upload = client.post(f"/members/unit/{tree.ward_a.id}/import", data={
        "file": (io.BytesIO(messy_member_workbook()), "danh sach.xlsx")},
        content_type="multipart/form-data")
    assert upload.status_code == 302
    preview_url = upload.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert re.search(r'data-testid="count-read">10<', html)
    assert re.search(r'data-testid="count-errors">3<', html)
    assert "Số CCCD" in html and "12 chữ số" in html
    # Someone else cannot see this upload.
    other = client_as("chair", at=tree.ward_a)
    assert other.get(preview_url).status_code == 404
    rejected = client.get(preview_url + "/rejected.xlsx")
    rows = list(load_workbook(io.BytesIO(rejected.data)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [11, 12, 13, 14]
    # With errors and no choice: nothing written.
    refused = client.post(preview_url, data={})
    assert refused.status_code == 409 and count(db) == 0
    done = client.post(preview_url, data={"valid_only": "y"})
    assert done.status_code == 302
    assert count(db) == 6
    assert db.session.scalar(select(func.count(Member.id)).where(Member.unit_id == kp1.id)) == 3
    assert client.get(preview_url).status_code == 404       # the upload is gone


@pytest.mark.parametrize("data, filename", [
    (b"", "empty.csv"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.xlsx"),
    ("Thư mời họp\nngày mai\n".encode(), "letter.csv"),
])
def test_bad_uploads_are_refused_with_a_message(tree, client_as, db, data, filename):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/members/unit/{tree.ward_a.id}/import", data={
        "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'data-testid="form-error"' in response.get_data(as_text=True) or "invalid-feedback" in (
        response.get_data(as_text=True))
    assert count(db) == 0


def test_export_follows_the_filters(tree, client_as, db):
    build_member(tree.branch_a, "Nguyễn Thị Thu", cccd="079185001234", birth="05/07/1985")
    build_member(tree.ward_a, "Trần Văn Bình", birth="1962")
    client = client_as("viewer", at=tree.ward_a)
    response = client.get(f"/members/unit/{tree.ward_a.id}/export.xlsx?q=thu")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("STT", "Mã hội viên", "Họ và tên", "Ngày sinh")
    assert len(rows) == 2
    assert rows[1][2] == "Nguyễn Thị Thu" and rows[1][5] == "079185001234"
    assert rows[1][9] == tree.branch_a.name
    csv_text = client.get(f"/members/unit/{tree.ward_a.id}/export.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[1].split(",")[2:4] == ["Trần Văn Bình", "1962"]


def test_cards_pdf_ten_per_page(tree, client_as, db):
    for i in range(11):
        build_member(tree.ward_a, f"Nguyễn Thị Ánh Tuyết {i}", birth="1970")
    client = client_as("viewer", at=tree.ward_a)
    response = client.get(f"/members/unit/{tree.ward_a.id}/cards.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", response.data)) == 2
    one = client.get(f"/members/{db.session.scalars(select(Member.id)).first()}/card.pdf")
    assert len(re.findall(rb"/Type /Page\b", one.data)) == 1


def test_dues_rate_unpaid_list_and_paying(tree, client_as, db):
    a = build_member(tree.ward_a, "Nguyễn Văn Á")
    build_member(tree.branch_a, "Trần Văn Bê")
    chair = client_as("chair", at=tree.ward_a)
    assert chair.post(f"/members/unit/{tree.ward_a.id}/dues",
                      data={"year": "2026", "amount": "0"}).status_code == 400
    assert db.session.scalar(select(DuesRate.id)) is None
    assert chair.post(f"/members/unit/{tree.ward_a.id}/dues",
                      data={"year": "2026", "amount": "60000"}).status_code == 302
    treasurer = client_as("treasurer", at=tree.ward_a)
    page = treasurer.get(f"/members/unit/{tree.ward_a.id}/dues?year=2026").get_data(as_text=True)
    assert "Nguyễn Văn Á" in page and "Trần Văn Bê" in page and "60.000 đ" in page
    # The dues button first asks: nothing is issued until the receipt is confirmed.
    ask = treasurer.post(f"/members/{a.id}/dues", data={"year": "2026", "token": "abc"})
    assert ask.status_code == 200 and 'data-testid="dues-confirm"' in ask.get_data(as_text=True)
    assert "60.000 đ" in ask.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Voucher.id))) == 0
    for _ in range(2):   # a double click records one payment
        treasurer.post(f"/members/{a.id}/dues",
                       data={"year": "2026", "token": "abc", "confirm": "1"})
    payments = db.session.scalars(select(DuesPayment)).all()
    assert [(p.member_id, p.year, p.amount) for p in payments] == [(a.id, 2026, 60_000)]
    assert db.session.scalar(select(func.count(Voucher.id))) == 1
    show = treasurer.get(f"/members/{a.id}").get_data(as_text=True)
    assert payments[0].voucher.display_number in show
    page = treasurer.get(f"/members/unit/{tree.ward_a.id}/dues?year=2026").get_data(as_text=True)
    unpaid = page.split('data-testid="unpaid-table"')[1]
    assert "Nguyễn Văn Á" not in unpaid and "Trần Văn Bê" in unpaid
    paid_list = treasurer.get(f"/members/unit/{tree.ward_a.id}?dues=paid&year=2026")
    assert "Nguyễn Văn Á" in paid_list.get_data(as_text=True)
    # A member with receipts is not deleted.
    chair.post(f"/members/{a.id}/delete")
    assert db.session.get(Member, a.id) is not None


def test_member_page_offers_dues_until_paid_and_again_when_the_receipt_is_voided(
        tree, client_as, db):
    from assoc.models import today
    from assoc.services import treasury

    a = build_member(tree.ward_a, "Nguyễn Văn Á")
    treasurer = client_as("treasurer", at=tree.ward_a)

    def page():
        return treasurer.get(f"/members/{a.id}").get_data(as_text=True)

    chair = client_as("chair", at=tree.ward_a)
    delete = f"/members/{a.id}/delete"
    assert 'data-testid="pay-form"' in page()
    assert delete in chair.get(f"/members/{a.id}").get_data(as_text=True)
    svc.pay_dues(None, a, year=today().year, amount=60_000)
    db.session.commit()
    assert 'data-testid="pay-form"' not in page()
    assert delete not in chair.get(f"/members/{a.id}").get_data(as_text=True)  # receipts: kept
    voucher = db.session.scalars(select(DuesPayment)).one().voucher
    treasury.void_voucher(None, voucher, "Thu nhầm")
    db.session.commit()
    assert 'data-testid="pay-form"' in page()


def test_transfer_and_end_through_pages(tree, client_as, db):
    m = build_member(tree.branch_a, "Nguyễn Văn Á")
    chair = client_as("chair", at=tree.ward_a)
    assert chair.post(f"/members/{m.id}/transfer", data={"unit_id": tree.board_a.id,
                                                          "reason": "Chuyển"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, m.id).unit_id == tree.board_a.id
    assert db.session.scalar(select(func.count(MemberTransfer.id))) == 1
    # Not to a unit outside the chair's reach.
    assert chair.post(f"/members/{m.id}/transfer", data={"unit_id": tree.ward_b.id}).status_code == 400
    chair.post(f"/members/{m.id}/end", data={"reason": ""})
    db.session.expire_all()
    assert db.session.get(Member, m.id).status == "active"
    chair.post(f"/members/{m.id}/end", data={"reason": "Từ trần"})
    db.session.expire_all()
    assert db.session.get(Member, m.id).status == "ended"
    html = chair.get(f"/members/{m.id}").get_data(as_text=True)
    assert "Từ trần" in html and "Chuyển" in html


def test_duplicates_page_lists_groups(tree, client_as, db):
    build_member(tree.ward_a, "Nguyễn Văn Á", phone="0912345678")
    build_member(tree.branch_a, "Nguyen Van A", phone="0912 345 678")
    html = client_as("viewer", at=tree.ward_a).get(
        f"/members/unit/{tree.ward_a.id}/duplicates").get_data(as_text=True)
    assert html.count('data-testid="duplicate-group"') == 1
    assert "Trùng số điện thoại" in html
    assert "Gộp vào" not in html                           # a viewer may not merge


def test_index_redirects_to_the_users_unit(tree, client_as):
    response = client_as("clerk", at=tree.ward_a).get("/members/")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/members/unit/{tree.ward_a.id}")
