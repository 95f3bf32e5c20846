"""The menu and a unit's tabs are rendered once and cached (they cost more than a page's database
work). A cached fragment must never show what the user may no longer see, nor another user's
or another language's menu."""

from assoc.extensions import db
from assoc.services import units


def nav_of(client, path="/home") -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('id="mainnav"', 1)[1].split("</ul>", 1)[0]


def tabs_of(client, unit) -> str:
    html = client.get(f"/units/{unit.id}").get_data(as_text=True)
    return html.split('data-testid="unit-tabs"', 1)[1].split("</ul>", 1)[0]


def test_menu_follows_a_role_granted_and_revoked(tree, client_as):
    clerk = client_as("clerk", at=tree.ward_a)
    assert "nav-members" in nav_of(clerk)
    assert 'href="/users/' not in nav_of(clerk)
    assignment = units.grant_role(None, clerk.user, tree.city, "admin")
    db.session.commit()
    assert 'href="/users/' in nav_of(clerk)  # the same client, a new role: a new menu
    units.revoke_role(None, assignment)
    db.session.commit()
    assert 'href="/users/' not in nav_of(clerk)


def test_two_users_with_different_roles_see_their_own_menus(tree, client_as):
    admin = client_as("admin", at=tree.city)
    treasurer = client_as("treasurer", at=tree.ward_a)
    assert 'href="/users/' in nav_of(admin)
    assert 'href="/users/' not in nav_of(treasurer)
    assert 'href="/users/' in nav_of(admin)


def test_menu_and_tabs_follow_the_language(tree, client_as):
    chair = client_as("chair", at=tree.ward_a)
    assert "Hội viên" in nav_of(chair) and "Hội viên" in tabs_of(chair, tree.ward_a)
    chair.post("/lang/en")
    assert "Members" in nav_of(chair) and "Members" in tabs_of(chair, tree.ward_a)
    assert "Hội viên" not in tabs_of(chair, tree.ward_a)


def test_tabs_link_to_their_own_unit_and_mark_the_open_tab(tree, client_as):
    chair = client_as("chair", at=tree.district_a)
    assert f"/members/unit/{tree.ward_a.id}" in tabs_of(chair, tree.ward_a)
    assert f"/members/unit/{tree.ward_b.id}" in tabs_of(chair, tree.ward_b)
    html = chair.get(f"/members/unit/{tree.ward_a.id}").get_data(as_text=True)
    tabs = html.split('data-testid="unit-tabs"', 1)[1].split("</ul>", 1)[0]
    assert 'active" href="/members/unit/' in tabs
