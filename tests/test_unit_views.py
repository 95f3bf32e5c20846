"""Unit pages end to end through the test client: forms, errors, roles, activity."""

from sqlalchemy import func, select

from assoc.models import AuditEntry, RoleAssignment, Unit

from .builders import build_user


def count_units(db):
    return db.session.scalar(select(func.count()).select_from(Unit))


def test_create_sub_unit(tree, client_as, db):
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/units/{tree.ward_a.id}/new", data={
        "level": "branch", "code": "kh-kp7", "name": "Chi hội Khu phố 7",
        "address": "Khu phố 7"})
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.code == "KH-KP7"))
    assert unit.parent_id == tree.ward_a.id
    assert unit.path == f"{tree.ward_a.path}{unit.id}/"
    page = client.get(response.location).get_data(as_text=True)
    assert "Chi hội Khu phố 7" in page and "Đã tạo đơn vị" in page


def test_duplicate_code_reshows_the_form_with_the_error(tree, client_as, db):
    client = client_as("chair", at=tree.ward_a)
    before = count_units(db)
    response = client.post(f"/units/{tree.ward_a.id}/new", data={
        "level": "branch", "code": tree.branch_a.code, "name": "Chi hội trùng",
        "address": "giữ nguyên địa chỉ này"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "đã được đơn vị khác sử dụng" in html
    assert "giữ nguyên địa chỉ này" in html  # nothing typed is lost
    assert count_units(db) == before


def test_missing_name_is_a_field_error(tree, client_as):
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/units/{tree.ward_a.id}/new", data={"level": "branch",
                                                                  "code": "X9", "name": ""})
    assert response.status_code == 400
    assert "invalid-feedback" in response.get_data(as_text=True)


def test_move_under_own_descendant_is_a_form_error(tree, client_as, db):
    client = client_as("chair", at=tree.city)
    # branch_a is below ward_a; offering it is prevented by level too, so use a district move
    response = client.post(f"/units/{tree.district_a.id}/move",
                           data={"parent": tree.ward_a.id})
    assert response.status_code == 400
    assert db.session.get(Unit, tree.district_a.id).parent_id == tree.city.id


def test_move_through_the_form(tree, client_as, db):
    client = client_as("chair", at=tree.city)
    response = client.post(f"/units/{tree.ward_a.id}/move", data={"parent": tree.district_b.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, tree.branch_a.id).path.startswith(
        db.session.get(Unit, tree.district_b.id).path)


def test_close_through_the_form(tree, client_as, db):
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/units/{tree.branch_a.id}/close", data={
        "on": "2026-01-31", "reason": "Sáp nhập khu phố", "successor": 0})
    assert response.status_code == 302
    db.session.expire_all()
    assert str(db.session.get(Unit, tree.branch_a.id).valid_to) == "2026-01-31"
    # the closed unit disappears from the tree unless asked for
    page = client.get("/units/").get_data(as_text=True)
    assert tree.branch_a.name not in page
    assert tree.branch_a.name in client.get("/units/?closed=1").get_data(as_text=True)


def test_grant_and_end_a_role(tree, client_as, db):
    target = build_user(username="thu.ky")
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/units/{tree.ward_a.id}/roles", data={
        "grant-username": "thu.ky", "grant-role": "clerk", "grant-submit": "1"})
    assert response.status_code == 302
    assignment = db.session.scalar(select(RoleAssignment).where(
        RoleAssignment.user_id == target.id))
    assert assignment.role == "clerk" and assignment.is_active()
    response = client.post(f"/units/roles/{assignment.id}/end")
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(RoleAssignment, assignment.id).is_active()
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "roleassignment", AuditEntry.object_id == assignment.id)
        .order_by(AuditEntry.id)).all()
    assert actions == ["role.grant", "role.revoke"]


def test_create_account_with_a_role(tree, client_as, db):
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/units/{tree.branch_a.id}/roles", data={
        "new-username": "chihoi.kp1", "new-full_name": "Lê Thị Hoa",
        "new-password": "mat khau 123", "new-role": "clerk", "new-submit": "1"})
    assert response.status_code == 302
    page = client.get(f"/units/{tree.branch_a.id}/roles").get_data(as_text=True)
    assert "Lê Thị Hoa" in page


def test_activity_page_shows_the_audit_trail(tree, client_as):
    client = client_as("chair", at=tree.ward_a)
    client.post(f"/units/{tree.ward_a.id}/edit", data={
        "level": "commune", "code": tree.ward_a.code, "name": "Hội Khuyến học Phường Mới",
        "address": "", "phone": "", "email": ""})
    page = client.get(f"/units/{tree.ward_a.id}/activity").get_data(as_text=True)
    assert "unit.update" not in page and "Sửa đơn vị" in page and "Hội Khuyến học Phường Mới" in page
    own = client.get(f"/units/{tree.ward_a.id}/activity?only=unit").get_data(as_text=True)
    assert "Sửa đơn vị" in own and "unit.update" not in own


def test_error_pages_use_the_layout(tree, client_as):
    client = client_as("chair", at=tree.ward_a)
    forbidden = client.get(f"/units/{tree.ward_b.id}")
    assert forbidden.status_code == 403
    assert "Không được phép" in forbidden.get_data(as_text=True)
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "navbar" in missing.get_data(as_text=True)
