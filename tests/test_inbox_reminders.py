"""E-mail reminders of the work inbox (issue 32), sent through a real SMTP server (aiosmtpd,
started by the test on a free local port) and read back: recipients, subject, links,
Vietnamese text, nothing twice, nothing to those who opted out, nothing of units the user may
not see, no personal data of members."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from assoc.blueprints.inbox.reminders import send_reminders
from assoc.extensions import db as _db
from assoc.models import AuditEntry, ReminderSent, today

from .builders import STUDENT_NAMES, build_user
from .test_inbox import build_inbox_world, login_as

BASE = "https://khuyenhoc.test"


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"

    def take(self) -> list:
        out = [(env.rcpt_tos, message_from_bytes(env.content, policy=default_policy))
               for env in self.envelopes]
        self.envelopes.clear()
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    app.config.update(saved)
    controller.stop()


def run(app, on, **kw):
    with app.test_request_context("/", base_url=BASE):
        return send_reminders(on, echo=kw.pop("echo", lambda s: None), **kw)


def body(msg) -> tuple[str, str]:
    return (msg.get_body(preferencelist=("plain",)).get_content(),
            msg.get_body(preferencelist=("html",)).get_content())


@pytest.fixture
def world(db):
    w = build_inbox_world()
    w.approver.email = "duyet@example.vn"
    w.ward_chair.email = "phuonga@example.vn"
    w.ward_b_chair.email = "phuongb@example.vn"
    w.ward_b_chair.digest = "never"
    w.district_chair.email = "quan@example.vn"
    _db.session.commit()
    return w


def test_digest_reaches_the_approver_and_the_ward_chair_once(app, world, smtp):
    w = world
    outcome = run(app, today())
    mails = {tuple(to): msg for to, msg in smtp.take()}
    assert outcome.sent == len(mails) == 3  # approver, ward chair, district chair
    assert ("phuongb@example.vn",) not in mails  # opted out

    approver = mails[("duyet@example.vn",)]
    subject = str(approver["Subject"]).strip()  # folded by the library after "Subject:"
    assert subject.startswith("[Khuyến học]") and "việc đang chờ bạn" in subject
    text, html = body(approver)
    assert "Chào Nguyễn Văn Thử," in text and "Hồ sơ đề cử chờ xét duyệt" in text
    assert "Học bổng Alpha" in text and "Học bổng Alpha" in html
    assert f"{BASE}/scholarships/programs/{w.program.id}" in text
    assert f'href="{BASE}/scholarships/programs/{w.program.id}"' in html
    assert f"{BASE}/reminders/unsubscribe/" in text

    ward = mails[("phuonga@example.vn",)]
    text, html = body(ward)
    assert "Báo cáo năm Alpha" in text and "Báo cáo cần lập" in text
    assert "Sắp đến hạn" in text and (today() + timedelta(days=3)).strftime("%d/%m/%Y") in text
    # nothing of the other ward; no personal data of members, students, donors, payers
    for mail in mails.values():
        text, html = body(mail)
        for secret in [*STUDENT_NAMES, "Nguyễn Alpha", "Nguyễn Bravo", "Công ty", "Ông Alpha",
                       "Ông Bravo", "Phạm Văn Chủ", "Hộ Lê Văn Học"]:
            assert secret not in text and secret not in html, secret
    text, _html = body(ward)
    assert w.tree.ward_b.name not in text and "Bravo" not in text
    # recorded: who, what, when
    assert _db.session.scalar(select(func.count()).select_from(ReminderSent).where(
        ReminderSent.key.startswith("digest:"))) == 3

    # A second run on the same day sends nothing.
    again = run(app, today())
    assert again.sent == 0 and smtp.take() == []


def test_date_rules_due_tomorrow_and_nomination_waiting(app, world, smtp):
    w = world
    run(app, today())
    smtp.take()
    due = w.template.due_date
    run(app, due - timedelta(days=1))
    mails = {tuple(to): msg for to, msg in smtp.take()}
    text, _html = body(mails[("phuonga@example.vn",)])
    assert "Đến hạn ngày mai" in text and "Báo cáo năm Alpha" in text
    assert ("duyet@example.vn",) not in mails  # nothing new for the approver yet
    later = today() + timedelta(days=6)
    run(app, later)
    mails = {tuple(to): msg for to, msg in smtp.take()}
    text, _html = body(mails[("duyet@example.vn",)])
    assert "Chờ quá 5 ngày" in text and "Học bổng Alpha" in text
    text, _html = body(mails[("phuonga@example.vn",)])
    assert "Quá hạn" in text
    run(app, later)
    assert smtp.take() == []


def test_weekly_digest_and_unsubscribe_without_login(app, world, smtp, client):
    w = world
    w.approver.digest = "weekly"
    _db.session.commit()
    run(app, today())
    mails = {tuple(to): msg for to, msg in smtp.take()}
    text, _html = body(mails[("duyet@example.vn",)])
    link = re.search(rf"{BASE}(/reminders/unsubscribe/\S+)", text).group(1)
    from .builders import build_nomination

    build_nomination(w.program, w.tree.ward_b)  # new work the next day: weekly waits
    run(app, today() + timedelta(days=1))
    assert ("duyet@example.vn",) not in {tuple(to) for to, _m in smtp.take()}
    run(app, today() + timedelta(days=7))
    assert ("duyet@example.vn",) in {tuple(to) for to, _m in smtp.take()}

    page = client.get(link)  # no login: the signed token is enough; a GET changes nothing
    assert page.status_code == 200 and 'data-testid="unsubscribe"' in page.get_data(as_text=True)
    _db.session.expire_all()
    assert w.approver.digest == "weekly"
    assert client.post(link).status_code == 200
    _db.session.expire_all()
    assert w.approver.digest == "never"
    assert client.get("/reminders/unsubscribe/" + link.rsplit("/", 1)[1] + "x").status_code == 404
    run(app, today() + timedelta(days=14))
    assert ("duyet@example.vn",) not in {tuple(to) for to, _m in smtp.take()}


def test_without_mail_server_the_command_prints_and_records_nothing(app, world):
    assert not app.config.get("MAIL_SERVER")
    printed = []
    outcome = run(app, today(), echo=printed.append)
    assert outcome.sent == 0 and outcome.printed == 3
    assert any("To: duyet@example.vn" in p and "Học bổng Alpha" in p for p in printed)
    assert _db.session.scalar(select(func.count()).select_from(ReminderSent)) == 0
    result = app.test_cli_runner().invoke(args=["send-reminders", "--date",
                                                today().isoformat()])
    assert result.exit_code == 0, result.output
    assert "MAIL_SERVER is not set" in result.output and "To: phuonga@example.vn" in result.output
    bad = app.test_cli_runner().invoke(args=["send-reminders", "--date", "07/12/2026"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def test_dry_run_sends_nothing_even_with_a_server(app, world, smtp):
    outcome = run(app, today(), dry_run=True)
    assert outcome.printed == 3 and smtp.take() == []
    assert _db.session.scalar(select(func.count()).select_from(ReminderSent)) == 0


def test_account_page_sets_address_and_frequency(app, world):
    client = login_as(app, world.treasurer)
    page = client.get("/account/reminders")
    assert page.status_code == 200 and "Nhắc việc qua e-mail" in page.get_data(as_text=True)
    response = client.post("/account/reminders", data={"email": " ThuQuy@Example.vn ",
                                                       "digest": "weekly"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    _db.session.expire_all()
    assert (world.treasurer.email, world.treasurer.digest) == ("thuquy@example.vn", "weekly")
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reminders"))
    assert entry.data["digest"] == ["daily", "weekly"]
    assert client.post("/account/reminders", data={"email": "not an address",
                                                   "digest": "daily"}).status_code == 400
    assert client.post("/account/reminders", data={"email": "",
                                                   "digest": "hourly"}).status_code == 400


def test_the_rq_alternative_schedules_the_next_daily_run(app, db):
    from datetime import UTC, datetime

    from assoc.blueprints.inbox.reminders import next_run

    # 06:59 in Vietnam (23:59 UTC the day before) -> 07:00 the same Vietnamese day; 07:00 -> next
    assert next_run(datetime(2026, 12, 6, 23, 59, tzinfo=UTC)) == datetime(2026, 12, 7, 0, 0,
                                                                           tzinfo=UTC)
    assert next_run(datetime(2026, 12, 7, 0, 0, tzinfo=UTC)) == datetime(2026, 12, 8, 0, 0,
                                                                         tzinfo=UTC)
    saved = app.config.get("REDIS_URL"), app.config.get("JOB_QUEUE")
    app.config["REDIS_URL"] = ""
    refused = app.test_cli_runner().invoke(args=["send-reminders", "--schedule"])
    assert refused.exit_code != 0 and "REDIS_URL" in refused.output
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except Exception:
        pytest.skip("no Redis at 127.0.0.1:6379")
    import uuid

    from rq import Queue

    app.config.update(REDIS_URL=url, JOB_QUEUE=f"assoc-test-{uuid.uuid4().hex[:8]}")
    try:
        result = app.test_cli_runner().invoke(args=["send-reminders", "--schedule"])
        assert result.exit_code == 0, result.output
        queue = Queue(app.config["JOB_QUEUE"], connection=redis.Redis.from_url(url))
        ids = queue.scheduled_job_registry.get_job_ids()
        assert len(ids) == 1
        job = queue.fetch_job(ids[0])
        assert job.func_name.endswith("reminders.scheduled_run")
        queue.delete(delete_jobs=True)
        for job_id in ids:
            queue.scheduled_job_registry.remove(job_id, delete_job=True)
    finally:
        app.config["REDIS_URL"], app.config["JOB_QUEUE"] = saved


def test_an_administrator_sends_now_as_a_job_with_progress(app, world, smtp):
    from assoc import jobs
    from assoc.models import Job

    admin = build_user("admin", world.tree.city, username="quan-tri")
    client = login_as(app, admin)
    page = client.get("/account/reminders").get_data(as_text=True)
    assert 'data-testid="send-now"' in page
    response = client.post("/reminders/send")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    jobs.wait_for_threads()
    _db.session.expire_all()
    job = _db.session.scalar(select(Job).where(Job.kind == "send_reminders"))
    assert job.status == "done" and job.summary["sent"] == 3, (job.status, job.error)
    assert len(smtp.take()) == 3
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 e-mail đã gửi" in shown
    # nobody else may start it
    ward = login_as(app, world.ward_chair)
    assert 'data-testid="send-now"' not in ward.get("/account/reminders").get_data(as_text=True)
    assert ward.post("/reminders/send").status_code == 403
