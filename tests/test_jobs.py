"""Long work as jobs: a big import and a big export go through a job with a progress page, in a
background thread (no REDIS_URL) and on an RQ worker (REDIS_URL); cancel keeps nothing; only
the owner and those allowed at the unit see a job; results are kept for 24 hours."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assoc import jobs
from assoc.models import Job, Member, utcnow

from .builders import build_member, build_workbook

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Số CCCD"]


@pytest.fixture(autouse=True)
def job_config(app, tmp_path):
    app.config.update(IMPORT_DIR=str(tmp_path / "imports"), JOB_DIR=str(tmp_path / "jobs"),
                      IMPORT_JOB_ROWS=5, EXPORT_JOB_ROWS=3)
    yield
    for key in ("IMPORT_DIR", "JOB_DIR", "IMPORT_JOB_ROWS", "EXPORT_JOB_ROWS", "JOB_QUEUE"):
        app.config.pop(key, None)
    app.config["REDIS_URL"] = ""


def big_file(n=12):
    return build_workbook([HEADER] + [[i, f"Nguyễn Thị Việc {i}", "1980", f"0791800{i:05d}"]
                                      for i in range(1, n + 1)])


def start_import(client, unit):
    url = client.post(f"/members/unit/{unit.id}/import", data={
        "file": (io.BytesIO(big_file()), "lon.xlsx")},
        content_type="multipart/form-data").headers["Location"]
    response = client.post(url, data={})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    return response.headers["Location"]


def members(db):
    return db.session.scalar(select(func.count(Member.id)))


def rq_mode(app):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except Exception:
        pytest.skip("no Redis at 127.0.0.1:6379")
    app.config["REDIS_URL"] = url
    app.config["JOB_QUEUE"] = f"assoc-test-{uuid.uuid4().hex[:8]}"


def work_off(app):
    """Run what was queued: the RQ worker (burst, in this process) or the threads."""
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue, SimpleWorker

        connection = Redis.from_url(app.config["REDIS_URL"])
        queue = Queue(app.config["JOB_QUEUE"], connection=connection)
        SimpleWorker([queue], connection=connection).work(burst=True)
        queue.delete(delete_jobs=True)
    else:
        jobs.wait_for_threads()


@pytest.mark.parametrize("mode", ["thread", "rq"])
def test_a_big_import_runs_as_a_job_with_a_progress_page(tree, client_as, db, app, mode):
    if mode == "rq":
        rq_mode(app)
    client = client_as("chair", at=tree.ward_a)
    job_url = start_import(client, tree.ward_a)
    page = client.get(job_url)
    assert page.status_code == 200 and 'data-testid="job-bar"' in page.get_data(as_text=True)
    work_off(app)
    db.session.expire_all()
    job = db.session.scalars(select(Job)).one()
    assert (job.status, job.kind, job.summary["imported"]) == ("done", "member_import", 12)
    assert members(db) == 12
    html = client.get(job_url).get_data(as_text=True)
    assert 'data-status="done"' in html and "12" in html
    state = client.get(job_url + "/state.json").get_json()
    assert state["percent"] == 100 and state["finished"]


def test_who_sees_a_job(tree, client_as, db, app):
    owner = client_as("clerk", at=tree.ward_a)
    job_url = start_import(owner, tree.ward_a)
    jobs.wait_for_threads()
    assert client_as("chair", at=tree.ward_a).get(job_url).status_code == 200
    assert client_as("chair", at=tree.district_a).get(job_url).status_code == 200
    for role, unit in [("chair", tree.ward_b), ("viewer", tree.ward_a), ("chair", tree.ward_c)]:
        other = client_as(role, at=unit)
        assert other.get(job_url).status_code == 404, (role, unit)
        assert other.post(job_url + "/cancel").status_code == 404
    assert owner.get("/jobs/" + "x" * 40).status_code == 404


def test_a_job_file_closes_to_its_owner_when_their_role_ends(tree, client_as, db, app):
    """Access is checked at every request: the export an ex-chair prepared is no longer theirs
    to download once the role has ended (others allowed at the unit still see it)."""
    from assoc.models import RoleAssignment, today

    build_member(tree.ward_a, "Lê Văn Riêng")
    owner = client_as("chair", at=tree.ward_a)
    response = owner.post(f"/members/unit/{tree.ward_a.id}/export.csv/prepare", data={})
    job_url = response.headers["Location"]
    jobs.wait_for_threads()
    assert owner.get(job_url + "/download").status_code == 200
    for assignment in db.session.scalars(select(RoleAssignment).where(
            RoleAssignment.user_id == owner.user.id)):
        assignment.valid_to = today() - timedelta(days=1)
    db.session.commit()
    for suffix in ("", "/state.json", "/download"):
        assert owner.get(job_url + suffix).status_code == 404, suffix
    assert owner.post(job_url + "/cancel").status_code == 404
    assert client_as("viewer", at=tree.ward_a).get(job_url + "/download").status_code == 200


def test_cancel_keeps_nothing(tree, client_as, db, app):
    client = client_as("chair", at=tree.ward_a)
    upload = client.post(f"/members/unit/{tree.ward_a.id}/import", data={
        "file": (io.BytesIO(big_file()), "lon.xlsx")},
        content_type="multipart/form-data").headers["Location"]
    token = re.search(r"/import/(\w+)", upload).group(1)
    job = jobs.create(tree_user(db, client), tree.ward_a, "member_import", "Nhập",
                      {"upload": token, "valid_only": False, "possible": []})
    db.session.commit()
    assert client.post(f"/jobs/{job.token}/cancel").status_code == 302
    jobs.run(job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "cancelled"
    assert members(db) == 0
    assert "Đã hủy" in client.get(f"/jobs/{job.token}").get_data(as_text=True)


def tree_user(db, client):
    from assoc.models import User

    with client.session_transaction() as session:
        return db.session.get(User, int(session["_user_id"].split(":")[0]))


def test_a_big_export_is_a_download_for_24_hours(tree, client_as, db, app):
    for i in range(4):
        build_member(tree.ward_a, f"Lê Văn Xuất {i}")
    client = client_as("viewer", at=tree.ward_a)
    url = f"/members/unit/{tree.ward_a.id}/export.csv"
    page = client.get(url + "?sort=number")  # a GET only offers to prepare it (a POST)
    assert page.status_code == 200 and db.session.scalar(select(func.count(Job.id))) == 0
    assert f'action="{url}/prepare"' in page.get_data(as_text=True)
    response = client.post(url + "/prepare", data={"sort": "number"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    assert db.session.scalars(select(Job)).one().params["filters"]["sort"] == "number"
    job_url = response.headers["Location"]
    jobs.wait_for_threads()
    html = client.get(job_url).get_data(as_text=True)
    assert 'data-testid="job-download"' in html
    body = client.get(job_url + "/download")
    assert body.status_code == 200 and "Lê Văn Xuất 3" in body.data.decode("utf-8-sig")
    job = db.session.scalars(select(Job)).one()
    job.finished_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert client.get(job_url + "/download").status_code == 404
    assert 'data-testid="job-download"' not in client.get(job_url).get_data(as_text=True)


def test_an_import_with_errors_as_a_job_writes_nothing_unless_asked(tree, client_as, db, app):
    client = client_as("chair", at=tree.ward_a)
    data = build_workbook([HEADER] + [[i, f"Người {i}", "1980", "123"] for i in range(1, 8)])
    url = client.post(f"/members/unit/{tree.ward_a.id}/import", data={
        "file": (io.BytesIO(data), "loi.xlsx")}, content_type="multipart/form-data"
    ).headers["Location"]
    assert client.post(url, data={}).status_code == 409
    assert db.session.scalar(select(func.count(Job.id))) == 0 and members(db) == 0
