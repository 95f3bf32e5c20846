"""The demo shows a useful inbox for every role, each link opens its page, and `flask
send-reminders` against a local SMTP server delivers the digest to the district approver naming
the pending nomination and to the ward chair naming the report due; a second run on the same
day sends nothing (issue 32, "Done means")."""

from __future__ import annotations

from sqlalchemy import select

from assoc.blueprints.inbox.items import collect
from assoc.demo import seed_demo
from assoc.extensions import db as _db
from assoc.models import User

from .test_inbox import login_as
from .test_inbox_reminders import body, smtp  # noqa: F401  (the SMTP server fixture)

ROLES = {  # demo user -> kinds their inbox must show
    "duyet.quan4": {"nomination_decide", "periodic_review"},
    "chutich.quan4": {"nomination_decide", "periodic_review", "periodic_fill", "late_below"},
    "chutich.khanhhoi": {"periodic_fill", "pledge_overdue", "dues_unpaid"},
    "thuquy.khanhhoi": {"voucher_unprinted", "pledge_overdue", "dues_unpaid"},
    "thuquy.quan4": {"voucher_unprinted"},
    "chutich.xomchieu": {"periodic_fill"},
    "chutich.cuchi": {"periodic_fill", "late_below"},
    "admin": {"nomination_decide", "periodic_fill", "late_below"},
}


def test_demo_inbox_for_every_role_and_every_link_opens(app, db):
    seed_demo()
    _db.session.commit()
    users = {u.username: u for u in _db.session.scalars(select(User))}
    assert all(u.email.endswith("@khuyenhoc.example.com") for u in users.values())
    for username, expected in ROLES.items():
        user = users[username]
        with app.test_request_context():
            items = collect(user).items
            urls = [(i.kind, i.url) for i in items]
        assert expected <= {i.kind for i in items}, (username, {i.kind for i in items})
        client = login_as(app, user)
        for kind, url in urls:
            assert client.get(url).status_code == 200, (username, kind, url)
    seed_demo()  # idempotent: nothing added the second time
    _db.session.commit()
    with app.test_request_context():
        again = collect(users["chutich.khanhhoi"]).items
    assert len([i for i in again if i.kind == "periodic_fill"]) == 1


def test_send_reminders_command_against_a_local_smtp_server(app, db, smtp):  # noqa: F811
    seed_demo()
    _db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    mails = {tuple(to): msg for to, msg in smtp.take()}
    approver = mails[("duyet.quan4@khuyenhoc.example.com",)]
    text, _html = body(approver)
    assert "Hồ sơ đề cử chờ xét duyệt: Học bổng Nguyễn Hữu Thọ 2026" in text
    ward = mails[("chutich.khanhhoi@khuyenhoc.example.com",)]
    text, _html = body(ward)
    assert "Báo cáo cần lập: Báo cáo nhanh công tác khuyến học tháng" in text
    assert "Sắp đến hạn (trong 7 ngày)" in text
    assert "https://khuyenhoc.test/periodic/units/" in text
    assert f"{len(mails)} sent" in result.output
    again = runner.invoke(args=["send-reminders"])
    assert again.exit_code == 0 and "0 sent" in again.output
    assert smtp.take() == []
