"""Who may open which unit page: every role held at ward_a × every relation × every page.

The expectations are written out as a table, not computed from permissions.py."""

import pytest

from assoc.models import ROLES

from .builders import build_user

RELATIONS = ("own", "child", "parent", "sibling", "unrelated")
ALL_ROLES = set(ROLES)
EDITORS = {"chair", "admin"}
DOWN = {"own", "child"}  # a role at ward_a reaches ward_a and what lies below it

# page -> (roles allowed, relations allowed for those roles)
EXPECTED = {
    "view": (ALL_ROLES, DOWN),
    "roles": (ALL_ROLES, DOWN),
    "activity": (ALL_ROLES, DOWN),
    "edit": (EDITORS, DOWN),
    "new_child": (EDITORS, DOWN),
    "grant_role": (EDITORS, DOWN),
    # moving/closing needs the edit right on the parent: only below ward_a
    "move": (EDITORS, {"child"}),
    "close": (EDITORS, {"child"}),
}


def request_for(page, unit, client):
    if page == "view":
        return client.get(f"/units/{unit.id}")
    if page == "grant_role":
        return client.post(f"/units/{unit.id}/roles", data={
            "grant-username": "target.user", "grant-role": "viewer", "grant-submit": "1"})
    path = {"roles": "roles", "activity": "activity", "edit": "edit", "new_child": "new",
            "move": "move", "close": "close"}[page]
    return client.get(f"/units/{unit.id}/{path}")


def table():
    for page, (roles, relations) in EXPECTED.items():
        for role in ROLES:
            for where in RELATIONS:
                yield page, role, where, role in roles and where in relations


@pytest.mark.parametrize("page, role, where, allowed", list(table()))
def test_unit_page_permissions(tree, client_as, page, role, where, allowed):
    build_user(username="target.user")
    client = client_as(role, at=tree.ward_a)
    response = request_for(page, tree.relative(where), client)
    assert response.status_code != 500
    if allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403


def test_unknown_unit_is_404(tree, client_as):
    client = client_as("admin", at=tree.city)
    assert client.get("/units/999999").status_code == 404


def test_tree_lists_only_visible_units(tree, client_as):
    client = client_as("chair", at=tree.ward_a)
    page = client.get("/units/").get_data(as_text=True)
    for visible in (tree.ward_a, tree.branch_a, tree.board_a):
        assert visible.name in page
    for hidden in (tree.ward_b, tree.ward_c, tree.district_b, tree.branch_b):
        assert hidden.name not in page
    # searching for a hidden unit finds nothing either
    found = client.get("/units/?q=ward b").get_data(as_text=True)
    assert tree.ward_b.name not in found


def test_search_ignores_case_and_diacritics(tree, client_as, db):
    from assoc.services import units

    units.create_unit(None, parent=tree.ward_a, level="board", code="THCS-KH",
                      name="Ban Khuyến học Trường THCS Khánh Hội A")
    db.session.commit()
    client = client_as("viewer", at=tree.ward_a)
    page = client.get("/units/?q=truong thcs KHANH hoi").get_data(as_text=True)
    assert "Trường THCS Khánh Hội A" in page


def test_accounts_pages_are_for_admins_only(tree, client_as):
    assert client_as("chair", at=tree.city).get("/users/").status_code == 403
    assert client_as("admin", at=tree.city).get("/users/").status_code == 200


def test_a_chair_cannot_make_an_admin(tree, client_as, db):
    from assoc.models import RoleAssignment

    build_user(username="target.user")
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/units/{tree.ward_a.id}/roles", data={
        "grant-username": "target.user", "grant-role": "admin", "grant-submit": "1"})
    assert response.status_code == 400  # not among the offered choices
    assert db.session.query(RoleAssignment).filter_by(role="admin").count() == 0


def test_navigation_shows_only_what_the_user_may_use(tree, client_as):
    chair_home = client_as("chair", at=tree.ward_a).get("/home").get_data(as_text=True)
    assert "/users/" not in chair_home
    admin_home = client_as("admin", at=tree.city).get("/home").get_data(as_text=True)
    assert "/users/" in admin_home
