"""An attacker on the demo world: the ward chair of Phường Xóm Chiếu (and a brand-new ward
chair of Quận 4 with nothing of their own) requests every route that takes a record id with
the records of Phường Khánh Hội — its members, vouchers, learning entries and recognitions,
periodic reports and their attachments, reorganisation plans, jobs and their files, imports —
by GET and by POST. Every answer is 403/404 (or a clean 400/405/409), no page names the
records, and the database does not change (every table hashed)."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from assoc import models
from assoc.demo import seed_demo
from assoc.extensions import db as _db
from assoc.permissions import unit_of

from .test_access_generated import DERIVED, fingerprint  # noqa: F401  (same hashing)

# Path parameter -> model of the record it names.
MODELS = {
    "unit_id": models.Unit, "event_id": models.Event, "program_id": models.ScholarshipProgram,
    "member_id": models.Member, "donation_id": models.Donation, "voucher_id": models.Voucher,
    "officer_id": models.Officer, "nomination_id": models.Nomination, "fund_id": models.Fund,
    "position_id": models.Position, "donor_id": models.Donor, "pledge_id": models.Pledge,
    "entry_id": models.LearningEntry, "recognition_id": models.LearningRecognition,
    "report_id": models.PeriodicReport, "attachment_id": models.PeriodicAttachment,
    "plan_id": models.ReorgPlan, "post_id": models.Position,
    "assignment_id": models.RoleAssignment, "line_id": models.RemunerationLine,
    "sheet_id": (models.CountingSheet, models.RemunerationSheet),
    "account_id": models.BankAccount,
}
FIXED = {"fmt": "xlsx", "kind": "receipt", "model": "family", "index": 0}
# Shared by design: QR check pages (public), criteria sets and templates of the whole
# association, the language switch, login/logout, and users (administrators only: 403 here).
SKIP = {"static", "bootstrap.static", "treasury.verify", "members.check", "learning.check",
        "auth.set_language", "auth.login", "auth.logout", "auth.change_password"}
PER_MODEL = 3


def _unit(obj):
    if isinstance(obj, models.PeriodicAttachment):
        return obj.report.unit
    if isinstance(obj, models.RoleAssignment | models.Position):
        return obj.unit
    if isinstance(obj, models.ScholarshipProgram):
        return None  # a district's program: its quotas decide (the marker check covers it)
    return unit_of(obj)


def _theirs(victim: models.Unit, model) -> list:
    models_ = model if isinstance(model, tuple) else (model,)
    found = []
    for m in models_:
        for obj in _db.session.scalars(select(m).order_by(m.id)):
            unit = _unit(obj)
            if unit is not None and unit.path.startswith(victim.path):
                found.append(obj)
                if len(found) >= PER_MODEL * len(models_):
                    return found
    return found


@pytest.fixture
def demo(db, app):
    from assoc import jobs
    from assoc.blueprints.periodic.attachments import _upload_dir
    from assoc.services import imports, periodic

    seed_demo()
    victim = _db.session.scalar(select(models.Unit).where(models.Unit.code == "HCM-Q4-KH"))
    chair = _db.session.scalar(select(models.User).where(
        models.User.username == "chutich.khanhhoi"))
    job = jobs.create(chair, victim, "member_export", "Xuất", {"format": "xlsx"})
    _db.session.commit()
    jobs.run(job.id)
    upload = imports.save_upload(chair, victim, "Họ và tên\nNguyễn Văn A\n".encode(), "ds.csv")
    report = _db.session.scalar(select(models.PeriodicReport).where(
        models.PeriodicReport.unit_id == victim.id))
    if report is None:
        template = _db.session.scalar(select(models.PeriodicTemplate))
        report = periodic.start_report(None, template, victim)
    status, report.status = report.status, "draft"  # the demo's report is already sent
    periodic.add_attachment(None, report, filename="bien-ban.pdf", data=b"%PDF-1.4 x",
                            folder=_upload_dir(), limit=10**6)
    report.status = status
    _db.session.add(models.ReorgPlan(unit=victim, effective=models.today(), title="Sáp nhập KP",
                                     status="applied", summary={"handovers": []}))
    _db.session.commit()
    return victim, {"job": job.token, "upload": upload, "chair": chair}


def _urls(app, victim, tokens):
    """(endpoint, methods, url) for every route, filled with the victim's records."""
    pools = {name: _theirs(victim, model) for name, model in MODELS.items()}
    pools["unit_id"] = [victim, *victim.children[:1]]
    pools["user_id"] = [tokens["chair"]]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIP or not rule.arguments:
            continue
        n = max((len(pools.get(a, [])) for a in rule.arguments), default=1) or 1
        for i in range(n):
            values = {}
            for arg in rule.arguments:
                if arg in FIXED:
                    values[arg] = FIXED[arg]
                elif arg == "token":
                    values[arg] = tokens["job" if rule.endpoint.startswith("jobs.")
                                         else "upload"]
                elif arg == "template_id":
                    values[arg] = _db.session.scalar(select(models.PeriodicTemplate.id))
                elif arg == "set_id":
                    values[arg] = _db.session.scalar(select(models.LearningCriteriaSet.id))
                else:
                    pool = pools[arg]
                    if not pool:
                        break
                    if arg == "sheet_id":
                        pool = [o for o in pool if isinstance(o, models.CountingSheet)
                                is rule.endpoint.startswith("events.")] or pool
                    values[arg] = pool[min(i, len(pool) - 1)].id
            else:
                with app.test_request_context():
                    yield rule.endpoint, rule.methods, url_for(rule.endpoint, **values)


@pytest.mark.parametrize("attacker", ["chutich.xomchieu", "new chair of Phường Vĩnh Hội"])
def test_a_ward_chair_gets_nothing_of_another_ward(app, client, demo, attacker):
    from .builders import build_user

    victim, tokens = demo
    if attacker.startswith("new"):
        user = build_user("chair", _db.session.scalar(select(models.Unit).where(
            models.Unit.code == "HCM-Q4-VH")))
    else:
        user = _db.session.scalar(select(models.User).where(models.User.username == attacker))
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    names = [m.full_name for m in _theirs(victim, models.Member)]
    urls = list(_urls(app, victim, tokens))
    clean = fingerprint(_db)
    failures, count = [], 0
    for endpoint, methods, url in urls:
        if endpoint.startswith(("learning.criteria", "learning.edit_criteria",
                                "periodic.edit_template")):
            continue  # the association's criteria and templates: no unit of theirs
        for method in ("GET", "POST"):
            if method not in methods:
                continue
            count += 1
            _db.session.remove()
            response = client.open(url, method=method, data={})
            _db.session.remove()
            body = response.get_data()
            if response.status_code not in (400, 403, 404, 405, 409):
                failures.append(f"{method} {url}: {response.status_code}")
            elif any(n.encode() in body for n in names):
                failures.append(f"{method} {url}: names a member of theirs")
            if method == "POST" and fingerprint(_db) != clean:
                failures.append(f"{method} {url}: changed the database")
                clean = fingerprint(_db)
    print(f"\n{count} requests")
    assert count > 150, count
    assert not failures, f"{len(failures)} of {count} requests:\n" + "\n".join(failures)
