"""GET changes nothing, anywhere in the app (issue 13).

The demo world is built, then every GET route of the app (app.url_map) is opened by the city
administrator with real ids in its path, and every table is hashed before and after. The one
write allowed is the audit entry that records who downloaded an export."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import func, select

from assoc import jobs
from assoc.demo import seed_demo
from assoc.models import (
    AuditEntry,
    Donation,
    Donor,
    Event,
    Fund,
    Member,
    Nomination,
    Officer,
    Pledge,
    Position,
    RemunerationSheet,
    ScholarshipProgram,
    Unit,
    User,
    Voucher,
)

SKIP = {"static", "bootstrap.static", "auth.set_language"}
ALLOWED_AUDIT = re.compile(r"\.export(_\w+)?$|download")

# path parameter -> how to find a real value (model, column), per endpoint prefix when the same
# name means different things.
PARAMS = {
    "unit_id": (Unit, "id"), "voucher_id": (Voucher, "id"), "fund_id": (Fund, "id"),
    "member_id": (Member, "id"), "event_id": (Event, "id"), "donation_id": (Donation, "id"),
    "donor_id": (Donor, "id"), "pledge_id": (Pledge, "id"), "officer_id": (Officer, "id"),
    "position_id": (Position, "id"), "program_id": (ScholarshipProgram, "id"),
    "nomination_id": (Nomination, "id"), "user_id": (User, "id"),
}
# Parameters of areas added later, by model class name (looked up when present).
LATER_PARAMS = {"template_id": "PeriodicTemplate", "report_id": "PeriodicReport",
                "attachment_id": "PeriodicAttachment", "plan_id": "ReorgPlan"}


def _table_hashes(db) -> dict[str, str]:
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            pk = list(table.primary_key.columns) or list(table.columns)
            h = hashlib.sha256()
            for row in conn.execute(table.select().order_by(*pk)):
                h.update(repr(tuple(row)).encode())
            out[table.name] = h.hexdigest()
    return out


def _value(db, endpoint: str, name: str, kind: str):
    if name == "sheet_id":
        from assoc.models import CountingSheet

        model = CountingSheet if endpoint.startswith("events.") else RemunerationSheet
        return db.session.scalar(select(model.id).order_by(model.id))
    if name == "token":
        if endpoint == "treasury.verify":
            return db.session.scalar(select(Voucher.public_token))
        if endpoint == "members.check":
            return db.session.scalar(select(Member.card_token).where(
                Member.card_token.is_not(None)))
        return "no-such-token"
    if name == "kind":
        return "receipt"
    if name in ("fmt",):
        return "xlsx"
    if name == "index":
        return 0
    if name in LATER_PARAMS:
        import assoc.models as models

        model = getattr(models, LATER_PARAMS[name], None)
        return db.session.scalar(select(model.id).order_by(model.id)) if model else None
    if name in PARAMS:
        model, column = PARAMS[name]
        # A unit with vouchers and members gives the richest pages.
        if model is Unit:
            return db.session.scalar(select(Voucher.unit_id).order_by(Voucher.id))
        return db.session.scalar(select(getattr(model, column)).order_by(model.id))
    return None  # a parameter this test does not know yet: the route is left out (see count)


def _as_admin(db, client):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    return admin


def _walk_every_get_route(app, db, client) -> None:
    """Open every GET route as the logged-in client; nothing but a download's audit entry
    (and the data version that follows it) may change."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP:
            continue
        values = {name: _value(db, rule.endpoint, name, str(conv))
                  for name, conv in rule._converters.items()}
        if any(v is None for v in values.values()):
            continue
        with app.test_request_context():
            from flask import url_for

            urls.append((rule.endpoint, url_for(rule.endpoint, **values)))
    urls += [("treasury.cash_book.all", f"{u}?method=all&format=xlsx") for e, u in urls
             if e == "treasury.cash_book"]
    assert len(urls) > 80

    db.session.remove()
    before = _table_hashes(db)
    last_audit = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc())) or 0
    statuses = {}
    for _endpoint, url in urls:
        statuses[url] = client.get(url).status_code
        db.session.remove()
    errors = {u: s for u, s in statuses.items() if s >= 500}
    assert not errors
    assert sum(1 for s in statuses.values() if s == 200) > 70, statuses

    new_audit = db.session.scalars(select(AuditEntry).where(AuditEntry.id > last_audit)).all()
    assert all(ALLOWED_AUDIT.search(a.action) for a in new_audit), [a.action for a in new_audit]
    after = _table_hashes(db)
    changed = {t for t in before if before[t] != after[t]}
    if new_audit:  # a download's audit entry is a write: the data version follows it
        changed -= {"audit_entry"}
    assert not changed, f"GET changed tables: {changed}"


def test_every_get_route_changes_nothing(app, db, client):
    seed_demo()
    db.session.commit()
    _as_admin(db, client)
    _walk_every_get_route(app, db, client)


def test_reads_after_writes_with_rollups_missing_change_nothing(app, db, client):
    """Issue 29: the first view of a dashboard by its chair wrote `tallied_unit` (roll-ups
    built on read and committed). A unit made by a write has its roll-ups from that write's
    commit; roll-ups missing for other reasons (rows loaded by SQL, a migration) are computed
    for the read and never committed."""
    from sqlalchemy import delete

    from assoc.models import SubtreeTally, TalliedUnit, UnitTally
    from assoc.services import units as unit_service

    seed_demo()
    db.session.commit()
    admin = _as_admin(db, client)
    # a write: a new branch under a commune, and a member in it
    commune = db.session.scalar(select(Unit).where(Unit.level == "commune").order_by(Unit.id))
    commune_id = commune.id
    branch = unit_service.create_unit(admin, parent=commune, level="branch", code="CHI-HOI-29",
                                      name="Chi hội Khu phố 29")
    db.session.commit()
    assert db.session.get(TalliedUnit, branch.id) is not None  # built by the write
    # roll-ups missing everywhere (as after a load behind the application's back)
    for table in (SubtreeTally, UnitTally, TalliedUnit):
        db.session.execute(delete(table))
    db.session.commit()
    db.session.remove()  # a new request's session
    commune = db.session.get(Unit, commune_id)
    # the figures a chair's dashboard shows are still right (computed for the read)
    from assoc.services import members as member_service

    expected = db.session.scalar(select(func.count(Member.id)).where(
        Member.unit_id.in_(select(Unit.id).where(Unit.path.startswith(commune.path))),
        Member.status == "active"))
    assert member_service.subtree_members(commune) == expected
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TalliedUnit)) == 0
    _walk_every_get_route(app, db, client)
    assert db.session.scalar(select(func.count()).select_from(TalliedUnit)) == 0


def test_a_big_export_is_prepared_by_a_post_not_by_the_get(app, db, client, monkeypatch,
                                                           tmp_path):
    """From EXPORT_JOB_ROWS rows an export runs as a job; opening the export's address (a GET,
    as a link or a prefetch does) only shows the button that starts it."""
    from assoc.models import Job

    seed_demo()
    db.session.commit()
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 1)
    monkeypatch.setitem(app.config, "JOB_DIR", str(tmp_path))
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    unit_id = _value(db, "members.export", "unit_id", "int")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and "export" in rule.endpoint:
            values = {name: _value(db, rule.endpoint, name, str(conv))
                      for name, conv in rule._converters.items()}
            if all(v is not None for v in values.values()):
                with app.test_request_context():
                    from flask import url_for

                    urls.append(url_for(rule.endpoint, **values))
    assert f"/members/unit/{unit_id}/export.xlsx" in urls
    db.session.remove()
    before = _table_hashes(db)
    for url in urls:
        assert client.get(url).status_code < 500, url
        db.session.remove()
    after = _table_hashes(db)
    assert {t for t in before if before[t] != after[t]} <= {"audit_entry"}
    assert db.session.scalar(select(func.count(Job.id))) == 0
    page = client.get(f"/members/unit/{unit_id}/export.csv?status=all")
    assert page.status_code == 200 and 'data-testid="prepare-export"' in page.get_data(
        as_text=True)
    response = client.post(f"/members/unit/{unit_id}/export.csv/prepare", data={"status": "all"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    jobs.wait_for_threads()
    job = db.session.scalars(select(Job)).one()
    assert (job.kind, job.params["filters"]["status"]) == ("member_export", "all")


def test_a_download_commits_its_audit_entry_and_nothing_the_read_left(app, db, tree):
    """record_download (every export's one write) drops what the read path put in the session
    (e.g. a lazily built row) before it commits the audit entry."""
    from flask_login import login_user

    from assoc.models import AuditEntry, Unit
    from assoc.views import record_download

    from .builders import build_user

    user = build_user("chair", at=tree.ward_a)
    units_before = db.session.scalar(select(func.count()).select_from(Unit))
    with app.test_request_context("/x"):
        login_user(user)
        db.session.add(Unit(parent_id=tree.ward_a.id, level="branch", code="LEFT-OVER",
                            name="Left by a read", path="/left/"))
        record_download("unit.export", tree.ward_a, format="zip")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == units_before
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.unit_id, entry.user_id) == ("unit.export", tree.ward_a.id,
                                                            user.id)
