"""A receiving level's compiled report over many units below runs as a job (assoc/jobs.py) with
a progress page that survives reload, in a background thread and on an RQ worker; below the
threshold it is compiled at once. Cancelling keeps nothing; a second click opens the running
job instead of starting another."""

import pytest
from sqlalchemy import func, select

from assoc import jobs
from assoc.models import Job, PeriodicReport, today
from assoc.services import periodic as svc

from .builders import build_periodic_template, build_user, build_voucher
from .test_jobs import rq_mode, work_off

YEAR = today().year


@pytest.fixture(autouse=True)
def job_config(app, tmp_path):
    app.config.update(JOB_DIR=str(tmp_path / "jobs"), PERIODIC_JOB_UNITS=1)
    yield
    for key in ("JOB_DIR", "PERIODIC_JOB_UNITS", "JOB_QUEUE"):
        app.config.pop(key, None)
    app.config["REDIS_URL"] = ""


@pytest.fixture
def template(tree):
    return build_periodic_template(tree.city, year=YEAR)


def texts(report):
    return {s["key"]: "Nội dung" for s in report.template.sections if s["kind"] == "text"}


def accepted_ward_report(tree, template, db, amount=400_000):
    """ward_a reports a receipt and the district accepts it."""
    build_voucher(tree.ward_a, "receipt", amount)
    chair = build_user("chair", tree.ward_a)
    report = svc.start_report(chair, template, tree.ward_a)
    svc.save_draft(chair, report, revision=report.revision, texts=texts(report), figures={})
    svc.submit(chair, report)
    svc.accept(build_user("chair", tree.district_a), report)
    db.session.commit()
    return report


def start_url(template, unit):
    return f"/periodic/templates/{template.id}/units/{unit.id}/start"


def reports_of(db, unit):
    return db.session.scalar(select(func.count(PeriodicReport.id)).where(
        PeriodicReport.unit_id == unit.id))


@pytest.mark.parametrize("mode", ["thread", "rq"])
def test_a_big_compilation_runs_as_a_job_with_a_progress_page(tree, template, client_as, db,
                                                              app, mode):
    accepted_ward_report(tree, template, db)
    if mode == "rq":
        rq_mode(app)
    client = client_as("chair", at=tree.district_a)
    response = client.post(start_url(template, tree.district_a), data={})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_url = response.headers["Location"]
    page = client.get(job_url)
    assert page.status_code == 200 and 'data-testid="job-bar"' in page.get_data(as_text=True)
    work_off(app)
    db.session.expire_all()
    job = db.session.scalars(select(Job)).one()
    assert (job.status, job.kind) == ("done", "periodic_compile"), job.error
    report = db.session.get(PeriodicReport, job.summary["report_id"])
    assert report.unit == tree.district_a and report.status == "draft"
    assert {f.key: f.computed for f in report.figures}["money.in"] == 400_000
    assert report.missing == [{"id": tree.ward_b.id, "name": tree.ward_b.name}]
    assert (job.summary["included"], job.summary["missing"]) == (1, 1)
    # the progress the page reads: every step done (figure groups + units below)
    state = client.get(job_url + "/state.json").get_json()
    assert state["percent"] == 100 and state["finished"]
    assert job.total == len(svc.CATALOGUE) + 2
    html = client.get(job_url).get_data(as_text=True)
    assert 'data-status="done"' in html and f"/periodic/reports/{report.id}" in html
    # the board now opens the report; the district's own figures were compiled once
    assert reports_of(db, tree.district_a) == 1


def test_below_the_threshold_the_report_is_compiled_at_once(tree, template, client_as, db,
                                                            app):
    app.config["PERIODIC_JOB_UNITS"] = 5
    client = client_as("chair", at=tree.district_a)
    response = client.post(start_url(template, tree.district_a), data={})
    assert response.status_code == 302 and "/edit" in response.headers["Location"]
    assert db.session.scalar(select(func.count(Job.id))) == 0
    assert reports_of(db, tree.district_a) == 1


def test_refreshing_a_big_compiled_report_is_a_job_too(tree, template, client_as, db, app):
    app.config["PERIODIC_JOB_UNITS"] = 5
    client = client_as("chair", at=tree.district_a)
    client.post(start_url(template, tree.district_a), data={})
    report = db.session.scalars(select(PeriodicReport).where(
        PeriodicReport.unit_id == tree.district_a.id)).one()
    assert report.missing and len(report.missing) == 2
    accepted_ward_report(tree, template, db, amount=250_000)
    app.config["PERIODIC_JOB_UNITS"] = 1
    response = client.post(f"/periodic/reports/{report.id}/refresh",
                           data={"revision": report.revision})
    assert "/jobs/" in response.headers["Location"]
    jobs.wait_for_threads()
    db.session.expire_all()
    job = db.session.scalars(select(Job)).one()
    assert job.status == "done", job.error
    report = db.session.get(PeriodicReport, report.id)
    assert {f.key: f.computed for f in report.figures}["money.in"] == 250_000
    assert [m["id"] for m in report.missing] == [tree.ward_b.id]


def test_a_second_click_opens_the_running_job(tree, template, client_as, db, app):
    client = client_as("chair", at=tree.district_a)
    queued = jobs.create(client.user, tree.district_a, "periodic_compile", "Tổng hợp",
                         {"template_id": template.id, "unit_id": tree.district_a.id})
    db.session.commit()
    board = client.get(f"/periodic/templates/{template.id}/units/{tree.district_a.id}")
    assert 'data-testid="compile-running"' in board.get_data(as_text=True)
    response = client.post(start_url(template, tree.district_a), data={})
    assert response.headers["Location"].endswith(f"/jobs/{queued.token}")
    assert db.session.scalar(select(func.count(Job.id))) == 1


def test_cancel_keeps_nothing(tree, template, client_as, db, app):
    client = client_as("chair", at=tree.district_a)
    job = jobs.create(client.user, tree.district_a, "periodic_compile", "Tổng hợp",
                      {"template_id": template.id, "unit_id": tree.district_a.id})
    db.session.commit()
    assert client.post(f"/jobs/{job.token}/cancel").status_code == 302
    jobs.run(job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "cancelled"
    assert reports_of(db, tree.district_a) == 0


def test_the_job_refuses_what_the_view_would(tree, template, client_as, db, app):
    """Started already (or by someone who lost the role meanwhile): the job fails with the
    service's message and writes nothing more."""
    client = client_as("chair", at=tree.district_a)
    svc.start_report(client.user, template, tree.district_a)
    db.session.commit()
    response = client.post(start_url(template, tree.district_a), data={})
    assert "/jobs/" not in response.headers["Location"]  # refused before any job
    job = jobs.create(client.user, tree.district_a, "periodic_compile", "Tổng hợp",
                      {"template_id": template.id, "unit_id": tree.district_a.id})
    db.session.commit()
    jobs.run(job.id)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "failed" and "đã được lập" in job.error
    assert reports_of(db, tree.district_a) == 1
    outsider = client_as("chair", at=tree.ward_b)
    assert outsider.get(f"/jobs/{job.token}").status_code == 404
