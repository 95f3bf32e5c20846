"""A split in the browser (the plan text plus an uploaded member list), its handover record per
successor, and a big plan applied by a job with a progress page, all or nothing."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from assoc import jobs
from assoc.extensions import db
from assoc.models import Job, Member, ReorgPlan, Unit, Voucher, today
from assoc.services import reorg

from .test_jobs import rq_mode, work_off
from .test_reorg_split import build_split_world, split_lines

HEADER = ",".join(reorg.PLAN_HEADER)


@pytest.fixture(autouse=True)
def job_config(app, tmp_path):
    app.config.update(JOB_DIR=str(tmp_path / "jobs"))
    yield
    for key in ("JOB_DIR", "REORG_JOB_OPERATIONS", "REORG_JOB_MEMBERS", "JOB_QUEUE"):
        app.config.pop(key, None)
    app.config["REDIS_URL"] = ""


@pytest.fixture
def world():
    return build_split_world()


def counts():
    return (db.session.scalar(select(func.count()).select_from(Unit)),
            db.session.scalar(select(func.count()).select_from(Voucher)),
            db.session.scalar(select(func.count()).select_from(ReorgPlan)),
            {(m.id, m.unit_id) for m in db.session.scalars(select(Member))})


def preview(client, unit, text, **files):
    return client.post(f"/reorganisation/unit/{unit.id}", data={
        "plan_text": text, "effective": today().strftime("%d/%m/%Y"), "carry_roles": "y",
        **files}, content_type="multipart/form-data")


def apply(client, unit, text):
    return client.post(f"/reorganisation/unit/{unit.id}/apply", data={
        "plan_text": text, "effective": today().isoformat(), "carry_roles": "1",
        "confirmed": "y"})


def pdf_text(tmp_path, data: bytes) -> str:
    (tmp_path / "h.pdf").write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", str(tmp_path / "h.pdf"), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())


def test_split_with_an_uploaded_member_list_preview_apply_and_print(world, client_as, tmp_path):
    tree = world
    client = client_as("chair", tree.district_a)
    a, b = tree.own
    # The plan gives sub-units and money; the uploaded list gives the ward's own members.
    lines = split_lines(tree)
    lines[1] = lines[1].replace(f";{a.display_number}", "")
    lines[2] = lines[2].replace(f";{b.number}", "")
    text = "\n".join([HEADER, *lines]) + "\n"
    member_list = (f"Số hội viên,Đơn vị mới\n{a.display_number},NEW-A1\n{b.number},new-a2\n"
                   ).encode("utf-8-sig")
    before = counts()
    response = preview(client, tree.district_a, text,
                       member_list=(io.BytesIO(member_list), "danh-sach.csv"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert 'data-testid="preview"' in page and page.count('data-testid="split-line"') == 2
    assert f"assign,{a.display_number},NEW-A1,,," in page  # the list became plan lines
    db.session.expire_all()
    assert counts() == before

    # Without the list, the members nobody takes are named and nothing is written.
    response = preview(client, tree.district_a, text)
    assert response.status_code == 400 and a.display_number in response.get_data(as_text=True)

    confirmed = text + f"assign,{a.display_number},NEW-A1,,,\nassign,{b.display_number},NEW-A2,,,\n"
    response = apply(client, tree.district_a, confirmed)
    assert response.status_code == 302
    plan = db.session.scalar(select(ReorgPlan))
    new = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.like("NEW-A%")))}
    assert db.session.get(Member, a.id).unit_id == new["NEW-A1"].id
    assert db.session.get(Member, b.id).unit_id == new["NEW-A2"].id
    page = client.get(f"/reorganisation/plans/{plan.id}").get_data(as_text=True)
    assert page.count(f"/reorganisation/plans/{plan.id}/handover/") == 2
    old_page = client.get(f"/units/{tree.ward_a.id}").get_data(as_text=True)
    assert "Hội Khuyến học Phường A1" in old_page and "Hội Khuyến học Phường A2" in old_page
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler's pdftotext")
    texts = [pdf_text(tmp_path, client.get(
        f"/reorganisation/plans/{plan.id}/handover/{i}.pdf").data) for i in (0, 1)]
    assert all("chia tách" in t and f"Bên giao: {tree.ward_a.name}" in t for t in texts)
    assert "4.000.000 đ" in texts[0] and "1.500.000 đ" in texts[1]  # KH 3.000.000 + HB
    assert all("Hội Khuyến học Phường A1, Hội Khuyến học Phường A2" in t for t in texts)


def test_a_bad_member_list_is_refused(world, client_as):
    client = client_as("chair", world.district_a)
    text = "\n".join([HEADER, *split_lines(world)]) + "\n"
    response = preview(client, world.district_a, text,
                       member_list=(io.BytesIO(b"STT,Don vi\nabc,NEW-A1\n12,\n"), "ds.csv"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "dòng 2:" in page and "dòng 3:" in page


@pytest.mark.parametrize("mode", ["thread", "rq"])
def test_a_big_plan_runs_as_a_job_with_progress(world, client_as, app, mode):
    if mode == "rq":
        rq_mode(app)
    app.config["REORG_JOB_OPERATIONS"] = 1
    tree = world
    client = client_as("chair", tree.city)
    text = "\n".join([HEADER, *split_lines(tree),
                      f"move,{tree.ward_b.code},,,,{tree.city.code}"]) + "\n"
    response = apply(client, tree.city, text)
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_url = response.headers["Location"]
    assert client.get(job_url).status_code == 200
    work_off(app)
    db.session.expire_all()
    job = db.session.scalars(select(Job)).one()
    plan = db.session.scalar(select(ReorgPlan))
    assert (job.status, job.kind, job.total) == ("done", "reorg_apply", 2), job.error
    assert job.summary == {"plan_id": plan.id, "operations": 2, "successors": 2, "members": 2}
    assert db.session.get(Unit, tree.ward_b.id).parent_id == tree.city.id
    html = client.get(job_url).get_data(as_text=True)
    assert f"/reorganisation/plans/{plan.id}" in html and 'data-status="done"' in html
    # Others allowed at the unit see the job; a ward chair does not.
    assert client_as("chair", tree.city).get(job_url).status_code == 200
    assert client_as("chair", tree.ward_a).get(job_url).status_code == 404


def test_a_failing_big_plan_keeps_nothing(world, client_as, app):
    app.config["REORG_JOB_MEMBERS"] = 1  # the split moves two own members
    tree = world
    client = client_as("chair", tree.city)
    lines = split_lines(tree)
    lines[2] = lines[2].replace("KH=1500000", "KH=1")  # does not add up: found by the job
    text = "\n".join([HEADER, f"move,{tree.ward_b.code},,,,{tree.city.code}", *lines]) + "\n"
    before = counts()
    response = apply(client, tree.city, text)
    assert "/jobs/" in response.headers["Location"]
    jobs.wait_for_threads()
    db.session.expire_all()
    job = db.session.scalars(select(Job)).one()
    assert job.status == "failed" and " 3: " in job.error and "4.500.000 đ" in job.error
    assert counts() == before
    assert db.session.get(Unit, tree.ward_b.id).parent_id == tree.district_a.id
    assert 'data-testid="job-error"' in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_a_small_plan_stays_synchronous(world, client_as, app):
    app.config["REORG_JOB_OPERATIONS"] = 5
    client = client_as("chair", world.district_a)
    response = apply(client, world.district_a, "\n".join([HEADER, *split_lines(world)]) + "\n")
    assert "/reorganisation/plans/" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_cancel_in_the_middle_of_a_plan_keeps_nothing(world, client_as, app, monkeypatch):
    """The split is done, then the user cancels during the move: the split is rolled back."""
    app.config["REORG_JOB_OPERATIONS"] = 1
    tree = world
    client = client_as("chair", tree.city)
    text = "\n".join([HEADER, *split_lines(tree),
                      f"move,{tree.ward_b.code},,,,{tree.city.code}"]) + "\n"
    before = counts()
    with monkeypatch.context() as m:
        m.setattr(jobs, "launch", lambda job: None)  # run it here, below
        location = apply(client, tree.city, text).headers["Location"]
    job = db.session.scalars(select(Job)).one()
    move = reorg._Run.move

    def move_then_cancel(run, op):
        move(run, op)
        jobs.request_cancel(job)

    monkeypatch.setattr(reorg._Run, "move", move_then_cancel)
    jobs.run(job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "cancelled"
    assert counts() == before
    assert "Đã hủy" in client.get(location).get_data(as_text=True)
