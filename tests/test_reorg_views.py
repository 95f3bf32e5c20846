"""Reorganisation in the browser's terms: preview writes nothing, apply does it all, the
handover record prints, the unit pages show where units went; only the right people may."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assoc.extensions import db
from assoc.models import Member, ReorgPlan, Unit, Voucher, today
from assoc.services import reorg

from .builders import build_member, build_voucher

HEADER = ",".join(reorg.PLAN_HEADER)


@pytest.fixture
def world(tree):
    build_member(tree.ward_a, "Nguyễn Văn Á")
    build_member(tree.ward_b, "Trần Thị Bình")
    build_voucher(tree.ward_a, amount=1_250_000, voucher_date=today() - timedelta(days=2))
    return tree


def merge_line(tree, new_name="Hội Khuyến học Phường Hợp Nhất"):
    return (f"{HEADER}\nmerge,{tree.ward_a.code};{tree.ward_b.code},NEW-W,{new_name},commune,"
            f"{tree.district_a.code}\n")


def post_plan(client, unit, text, endpoint="plan_form"):
    data = {"plan_text": text, "effective": today().strftime("%d/%m/%Y"), "carry_roles": "y"}
    if endpoint == "apply":
        data = {"plan_text": text, "effective": today().isoformat(), "carry_roles": "1",
                "confirmed": "y"}
        return client.post(f"/reorganisation/unit/{unit.id}/apply", data=data)
    return client.post(f"/reorganisation/unit/{unit.id}", data=data)


def counts():
    return (db.session.scalar(select(func.count()).select_from(Unit)),
            db.session.scalar(select(func.count()).select_from(Voucher)),
            db.session.scalar(select(func.count()).select_from(ReorgPlan)))


def test_preview_shows_the_handover_and_writes_nothing(world, client_as):
    client = client_as("chair", world.district_a)
    before = counts()
    response = post_plan(client, world.district_a, merge_line(world))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Hội Khuyến học Phường Hợp Nhất" in page and "1.250.000" in page
    # Members who end up in the successor: 2 moved directly, none came with sub-units.
    assert ('data-testid="members-moved">2 hội viên nay thuộc đơn vị này (2 chuyển trực tiếp, '
            '0 theo các đơn vị trực thuộc chuyển về)<') in page
    db.session.expire_all()
    assert counts() == before


def test_apply_then_plan_page_unit_history_and_handover_pdf(world, client_as, tmp_path):
    client = client_as("chair", world.district_a)
    response = post_plan(client, world.district_a, merge_line(world), endpoint="apply")
    assert response.status_code == 302
    plan = db.session.scalar(select(ReorgPlan))
    assert response.headers["Location"].endswith(f"/reorganisation/plans/{plan.id}")
    new = db.session.scalar(select(Unit).where(Unit.code == "NEW-W"))
    assert db.session.scalar(select(func.count()).where(Member.unit_id == new.id)) == 2
    page = client.get(f"/reorganisation/plans/{plan.id}").get_data(as_text=True)
    assert world.ward_a.name in page and "NEW-W" in page
    unit_page = client.get(f"/units/{new.id}").get_data(as_text=True)
    assert 'data-testid="unit-history"' in unit_page and world.ward_b.name in unit_page
    old_page = client.get(f"/units/{world.ward_a.id}").get_data(as_text=True)
    assert "Hội Khuyến học Phường Hợp Nhất" in old_page
    pdf = client.get(f"/reorganisation/plans/{plan.id}/handover/0.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    if shutil.which("pdftotext"):
        (tmp_path / "h.pdf").write_bytes(pdf.data)
        text = subprocess.run(["pdftotext", str(tmp_path / "h.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "BIÊN BẢN BÀN GIAO" in text and "1.250.000 đ" in text
        assert "Một triệu hai trăm năm mươi nghìn đồng" in text
        assert "ĐẠI DIỆN BÊN NHẬN" in text


def test_a_long_name_in_the_handover_record_is_never_cut(world, client_as, tmp_path):
    long_name = "Hội Khuyến học " + " ".join(["Phường Khánh Hội Mới Sau Sáp Nhập"] * 5)
    client = client_as("chair", world.district_a)
    post_plan(client, world.district_a, merge_line(world, long_name), endpoint="apply")
    plan = db.session.scalar(select(ReorgPlan))
    pdf = client.get(f"/reorganisation/plans/{plan.id}/handover/0.pdf")
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler's pdftotext")
    (tmp_path / "h.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "h.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert " ".join(text.split()).count(long_name.upper()[:40]) >= 1
    assert " ".join(long_name.split()[-4:]) in " ".join(text.split())


def test_errors_are_listed_by_line_and_nothing_is_written(world, client_as):
    client = client_as("chair", world.district_a)
    before = counts()
    response = post_plan(client, world.district_a,
                         f"{HEADER}\nmerge,{world.ward_a.code};NOPE,{world.ward_a.code},,,\n")
    assert response.status_code == 400
    assert 'data-testid="plan-errors"' in response.get_data(as_text=True)
    assert counts() == before


def test_an_uploaded_plan_file_is_read(world, client_as):
    client = client_as("chair", world.district_a)
    response = client.post(f"/reorganisation/unit/{world.district_a.id}", data={
        "plan_file": (io.BytesIO(merge_line(world).encode("utf-8-sig")), "plan.csv"),
        "effective": today().strftime("%d/%m/%Y"), "carry_roles": "y"},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'data-testid="preview"' in response.get_data(as_text=True)


# Who may reorganise what: a plan touches only the sub-tree of the unit it is made at.
@pytest.mark.parametrize("role, at, plan_at, allowed", [
    ("chair", "district_a", "district_a", True),     # wards of one's own district
    ("chair", "city", "city", True),
    ("chair", "ward_a", "ward_a", False),            # a ward chair cannot merge wards
    ("chair", "district_b", "district_b", False),    # wards outside the plan's unit
    ("chair", "district_b", "district_a", False),    # no edit right where the plan is made
    ("treasurer", "district_a", "district_a", False),
    ("viewer", "city", "city", False),
])
def test_who_may_reorganise(world, client_as, role, at, plan_at, allowed):
    client = client_as(role, getattr(world, at))
    before = counts()
    response = post_plan(client, getattr(world, plan_at), merge_line(world), endpoint="apply")
    assert (response.status_code == 302) is allowed, response.status_code
    if not allowed:
        assert response.status_code == 403
        db.session.expire_all()
        assert counts() == before


def test_plan_pages_are_scoped(world, client_as):
    client = client_as("chair", world.district_a)
    post_plan(client, world.district_a, merge_line(world), endpoint="apply")
    plan = db.session.scalar(select(ReorgPlan))
    outsider = client_as("chair", world.district_b)
    assert outsider.get(f"/reorganisation/plans/{plan.id}").status_code == 403
    assert outsider.get(f"/reorganisation/plans/{plan.id}/handover/0.pdf").status_code == 403
    assert client.get(f"/reorganisation/plans/{plan.id}/handover/9.pdf").status_code == 404
    assert client.get("/reorganisation/plans/999").status_code == 404


def test_one_click_reappointment_of_an_ended_post(world, client_as):
    from datetime import date

    from assoc.models import Position

    from .builders import build_officer

    officer = build_officer(world.ward_a, "Võ Thị Em", ("chair", date(2021, 1, 1)))
    client = client_as("chair", world.district_a)
    post_plan(client, world.district_a, merge_line(world), endpoint="apply")
    plan = db.session.scalar(select(ReorgPlan))
    new = db.session.scalar(select(Unit).where(Unit.code == "NEW-W"))
    old_post = db.session.scalar(select(Position).where(Position.officer_id == officer.id))
    page = client.get(f"/reorganisation/plans/{plan.id}").get_data(as_text=True)
    assert f"/reorganisation/plans/{plan.id}/reappoint/{old_post.id}" in page
    response = client.post(f"/reorganisation/plans/{plan.id}/reappoint/{old_post.id}",
                           data={"successor_id": new.id})
    assert response.status_code == 302
    posts = db.session.scalars(select(Position).where(Position.officer_id == officer.id)).all()
    assert {(p.unit_id, p.title, p.start_date) for p in posts if p.end_date is None} == {
        (new.id, "chair", today())}
    # A post the plan did not end, or another unit named as successor, is refused.
    other = build_officer(world.ward_c, "Lê Văn Khác", ("chair", date(2021, 1, 1)))
    other_post = db.session.scalar(select(Position).where(Position.officer_id == other.id))
    client.post(f"/reorganisation/plans/{plan.id}/reappoint/{other_post.id}",
                data={"successor_id": new.id})
    assert db.session.scalar(select(func.count()).where(Position.officer_id == other.id)) == 1
    assert client.post(f"/reorganisation/plans/{plan.id}/reappoint/{old_post.id}",
                       data={"successor_id": world.ward_c.id}).status_code == 403


def test_undo_from_the_plan_page(world, client_as):
    client = client_as("chair", world.district_a)
    post_plan(client, world.district_a, merge_line(world), endpoint="apply")
    plan = db.session.scalar(select(ReorgPlan))
    page = client.get(f"/reorganisation/plans/{plan.id}").get_data(as_text=True)
    assert f"/reorganisation/plans/{plan.id}/undo" in page
    outsider = client_as("chair", world.district_b)
    assert outsider.post(f"/reorganisation/plans/{plan.id}/undo").status_code == 403
    assert client.get(f"/reorganisation/plans/{plan.id}/undo").status_code == 405
    response = client.post(f"/reorganisation/plans/{plan.id}/undo")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReorgPlan, plan.id).status == "undone"
    assert db.session.get(Unit, world.ward_a.id).valid_to is None
    assert 'data-testid="plan-undone"' in client.get(
        f"/reorganisation/plans/{plan.id}").get_data(as_text=True)


def test_preview_lists_every_change_and_applying_takes_a_confirmation(world, client_as):
    client = client_as("chair", world.city)
    text = merge_line(world) + f"move,{world.ward_c.code},,,,{world.district_a.code}\n"
    page = post_plan(client, world.city, text).get_data(as_text=True)
    changes = page[page.index('data-testid="preview-changes"'):page.index('data-testid="preview"')]
    assert world.ward_c.name in changes and world.district_a.name in changes  # the move too
    assert world.ward_a.name in changes and "Hội Khuyến học Phường Hợp Nhất" in changes
    before = counts()
    data = {"plan_text": text, "effective": today().isoformat(), "carry_roles": "1"}
    response = client.post(f"/reorganisation/unit/{world.city.id}/apply", data=data)
    assert response.status_code == 400
    assert "Hãy đánh dấu ô để xác nhận" in response.get_data(as_text=True)
    db.session.expire_all()
    assert counts() == before
    response = client.post(f"/reorganisation/unit/{world.city.id}/apply",
                           data={**data, "confirmed": "y"})
    assert response.status_code == 302


def test_a_plan_for_a_later_day_can_be_previewed_not_applied(world, client_as):
    client = client_as("chair", world.district_a)
    later = today() + timedelta(days=20)
    before = counts()
    response = client.post(f"/reorganisation/unit/{world.district_a.id}", data={
        "plan_text": merge_line(world), "effective": later.strftime("%d/%m/%Y"),
        "carry_roles": "y"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="preview-later"' in page and "1.250.000" in page
    assert 'action="/reorganisation/unit/' + str(world.district_a.id) + '/apply"' not in page
    db.session.expire_all()
    assert counts() == before
    response = client.post(f"/reorganisation/unit/{world.district_a.id}/apply", data={
        "plan_text": merge_line(world), "effective": later.isoformat(), "carry_roles": "1",
        "confirmed": "y"})
    assert response.status_code == 409
    db.session.expire_all()
    assert counts() == before
