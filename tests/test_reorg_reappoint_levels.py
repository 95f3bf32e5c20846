"""Issue 26: re-appointment after a reorganisation across levels — refused by one click, done
only by an explicit choice, with a warning on the page and an audit entry naming both levels."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from assoc.extensions import db
from assoc.models import AuditEntry, Position, ReorgPlan, today
from assoc.services import DomainError, reorg

from .builders import build_officer, build_tree


@pytest.fixture
def dissolved(db):
    """A district dissolved into the city: its chair's post ends, the city is the successor."""
    tree = build_tree()
    officer = build_officer(tree.district_a, "Phan Văn Quận", ("chair", date(2021, 1, 1)))
    header = ",".join(reorg.PLAN_HEADER)
    plan = reorg.apply_plan(None, reorg.parse_plan(
        f"{header}\ndissolve,{tree.district_a.code},{tree.city.code},,,{tree.city.code}\n"),
        today())
    db.session.commit()
    (record,) = [h for h in plan.summary["handovers"] if h["posts_ended"]]
    return tree, officer, plan, record["posts_ended"][0]["post_id"]


def open_posts(officer) -> set:
    return {(p.unit_id, p.title) for p in db.session.scalars(
        select(Position).where(Position.officer_id == officer.id, Position.end_date.is_(None)))}


def test_the_service_needs_the_explicit_choice(dissolved):
    tree, officer, plan, post_id = dissolved
    with pytest.raises(DomainError, match="khác cấp"):
        reorg.reappoint(None, plan, tree.city, post_id)
    assert open_posts(officer) == set()
    position = reorg.reappoint(None, plan, tree.city, post_id, across_levels=True)
    db.session.commit()
    assert (position.unit_id, position.start_date) == (tree.city.id, plan.effective)
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "position.reappoint_level"))
    assert entry.data == {"officer": "Phan Văn Quận", "former_level": "district",
                          "level": "province"} and entry.unit_id == tree.city.id


def test_the_plan_page_offers_the_choice_and_warns(dissolved, client_as):
    tree, officer, plan, post_id = dissolved
    client = client_as("admin", tree.city)
    page = client.get(f"/reorganisation/plans/{plan.id}").get_data(as_text=True)
    # Not the one-click button: a form with the level change said and a box to tick.
    form = page[page.index('data-testid="reappoint-across-levels"'):]
    form = form[:form.index("</form>")]
    assert "Cấp thay đổi" in form and tree.city.name in form
    assert 'name="across_levels"' in form and "required" in form
    url = f"/reorganisation/plans/{plan.id}/reappoint/{post_id}"
    # Without the tick (a form posted by hand): refused, nothing written.
    response = client.post(url, data={"successor_id": tree.city.id}, follow_redirects=True)
    assert "bổ nhiệm ở cấp khác" in response.get_data(as_text=True)
    assert open_posts(officer) == set()
    # With it: appointed, and warned that the level changed.
    response = client.post(url, data={"successor_id": tree.city.id, "across_levels": "1"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Chức vụ nay ở một đơn vị khác cấp" in html
    assert open_posts(officer) == {(tree.city.id, "chair")}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "position.reappoint_level")) == 1
    # Someone without the right at the successor is refused as before.
    outsider = client_as("chair", tree.district_b)
    assert outsider.post(url, data={"successor_id": tree.city.id,
                                    "across_levels": "1"}).status_code == 403
    assert db.session.scalar(select(ReorgPlan.status)) == "applied"
