"""The officer figures and the coverage are kept between requests under the posts version
(assoc/postsversion.py): triggers replace it on every write to posts, role assignments and
units, by whatever program. Kept figures must never be older than those tables."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from assoc import models, postsversion
from assoc.extensions import db
from assoc.services import reports
from assoc.services.reports import Scope

from .builders import build_member, build_officer, build_unit, build_voucher
from .sql_seen import statements


def vacant(unit) -> dict[int, list[str]]:
    figures = reports.officer_figures(Scope(unit))
    return {u.id: titles for u, titles in figures.vacancies}


def posts_statements(fn) -> int:
    return sum("unit_posts" in statement for statement in statements(fn))


def test_a_write_to_posts_roles_or_units_replaces_the_version(tree):
    build_officer(tree.ward_a, "Lê Văn Chủ", ("chair", date(2020, 1, 1)))
    before = postsversion.posts_version()
    assert before is not None
    build_member(tree.ward_a, "Lê Thị Hoa")
    build_voucher(tree.ward_a, "receipt", 100_000)
    assert postsversion.posts_version() == before  # money and members leave it
    build_officer(tree.ward_a, "Trần Thị Quỹ", ("treasurer", date(2020, 1, 1)))
    after_post = postsversion.posts_version()
    assert after_post != before
    build_unit("ward_new", tree.district_a)
    assert postsversion.posts_version() != after_post


def test_money_and_members_reuse_what_was_read(tree):
    build_officer(tree.ward_a, "Lê Văn Chủ", ("chair", date(2020, 1, 1)))
    reports._posts_kept.clear()
    assert posts_statements(lambda: reports.officer_figures(Scope(tree.district_a))) == 1
    build_voucher(tree.ward_a, "receipt", 100_000)
    build_member(tree.ward_a, "Lê Thị Hoa")
    assert posts_statements(lambda: reports.officer_figures(Scope(tree.district_a))) == 0


def test_a_new_post_shows_at_once(tree):
    build_officer(tree.ward_a, "Lê Văn Chủ", ("chair", date(2020, 1, 1)))
    assert vacant(tree.ward_a)[tree.ward_a.id] == ["treasurer"]
    build_officer(tree.ward_a, "Trần Thị Quỹ", ("treasurer", date(2020, 1, 1)))
    assert tree.ward_a.id not in vacant(tree.ward_a)


def test_a_write_outside_the_app_shows_at_once(tree):
    # A script or the database shell ends a post: the trigger replaces the version.
    build_officer(tree.ward_a, "Lê Văn Chủ", ("chair", date(2020, 1, 1)),
                  ("treasurer", date(2020, 1, 1)))
    assert tree.ward_a.id not in vacant(tree.ward_a)
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE position SET end_date = :d WHERE title = 'treasurer'"),
                     {"d": date(2021, 1, 1)})
    db.session.expire_all()
    assert vacant(tree.ward_a)[tree.ward_a.id] == ["treasurer"]


def test_a_post_ending_today_is_vacant_tomorrow(tree, monkeypatch):
    today = models.today()
    build_officer(tree.ward_a, "Lê Văn Chủ", ("chair", date(2020, 1, 1)),
                  ("treasurer", date(2020, 1, 1), today))
    assert tree.ward_a.id not in vacant(tree.ward_a)
    monkeypatch.setattr(reports, "today", lambda: today + timedelta(days=1))
    assert vacant(tree.ward_a)[tree.ward_a.id] == ["treasurer"]


def test_without_a_version_nothing_is_kept(tree):
    # The table emptied (a restore, the tests' cleaning): every reading goes to the posts.
    build_officer(tree.ward_a, "Lê Văn Chủ", ("chair", date(2020, 1, 1)))
    db.session.execute(text("DELETE FROM area_version"))
    db.session.commit()
    assert postsversion.posts_version() is None
    reports._posts_kept.clear()
    assert posts_statements(lambda: reports.officer_figures(Scope(tree.ward_a))) == 1
    assert posts_statements(lambda: reports.officer_figures(Scope(tree.ward_a))) == 1
    assert not reports._posts_kept


def test_the_dashboard_after_a_receipt_and_after_a_new_post(tree, client_as):
    import re

    chair = client_as("chair", at=tree.district_a)
    build_officer(tree.ward_a, "Lê Văn Chủ", ("chair", date(2020, 1, 1)))
    url = f"/units/{tree.district_a.id}/dashboard"

    def figure(name):
        html = chair.get(url).get_data(as_text=True)
        return re.search(rf'data-testid="fig-{name}"[^>]*>([^<]+)<', html).group(1)

    vacancies, officers = figure("vacancies"), figure("officers")
    build_voucher(tree.ward_a, "receipt", 123_000)
    assert figure("money-in") == "123.000 đ"
    assert (figure("vacancies"), figure("officers")) == (vacancies, officers)
    build_officer(tree.ward_a, "Trần Thị Quỹ", ("treasurer", date(2020, 1, 1)))
    assert int(figure("vacancies")) == int(vacancies) - 1
    assert int(figure("officers")) == int(officers) + 1
