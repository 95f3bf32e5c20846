"""History wording (issue 29): no raw values, an import's counts labelled as its preview words
them, edits that change nothing are not logged, role entries name the person."""

from datetime import UTC, date, datetime

from flask_babel import force_locale
from sqlalchemy import func, select

from assoc.audit_text import describe
from assoc.member_samples import messy_member_workbook
from assoc.models import AuditEntry, Event
from assoc.services import events, imports, officers, treasury, units

from .builders import build_event, build_member, build_unit, build_user


def entries(action):
    return list(AuditEntry.query.filter_by(action=action).order_by(AuditEntry.id))


def read(entry, lang="vi"):
    with force_locale(lang):
        s = describe(entry)
    return str(s.text), [(str(label), str(value)) for label, value in s.details]


def test_an_allowance_rule_says_how_it_is_paid_not_its_code(tree, app, db):
    with app.test_request_context():
        officers.add_allowance_rule(None, tree.ward_a, title="chair", kind="fixed",
                                    amount=500_000, valid_from=date(2026, 1, 1))
        officers.add_allowance_rule(None, tree.ward_b, title="chair", kind="coefficient",
                                    coefficient_milli=300, valid_from=date(2026, 1, 1))
        db.session.flush()
        fixed, coefficient = (read(e, "en") for e in entries("allowance_rule.create"))
    for _text, details in (fixed, coefficient):
        assert not any(v in ("fixed", "coefficient") for _label, v in details), details
    assert ("Paid as", "Fixed monthly amount") in fixed[1]
    assert ("Paid as", "Coefficient × base salary") in coefficient[1]


def test_an_imports_entry_labels_its_counts_as_the_preview(tree, app, db):
    ward = tree.ward_a
    build_unit("branch_kp1", ward, display_name="Chi hội Khu phố 1")
    build_unit("branch_kp2", ward, display_name="Chi hội Khu phố 2")
    db.session.commit()
    with app.test_request_context():
        preview = imports.parse(messy_member_workbook(), "ds.xlsx", ward)
        summary = imports.commit(None, ward, preview, valid_only=True)
        db.session.flush()
        text, details = read(entries("member.import")[0])
    shown = dict(details)
    assert shown["Số dòng đọc được"] == str(summary["read"])
    assert shown["Sẵn sàng nhập"] == str(summary["valid"])
    assert shown["Hồ sơ trùng"] == str(summary["duplicates"]) == "1"
    assert shown["Có thể trùng"] == str(summary["possible"]) == "0"
    assert shown["Lưu ý"] == str(summary["notices"])
    assert "Chi tiết khác" not in shown          # no count without its label


def test_an_edit_that_changes_nothing_is_not_logged(tree, app, db):
    event = build_event(tree.ward_a, starts_at=datetime(2026, 12, 5, 1, 0, tzinfo=UTC))
    db.session.commit()
    db.session.expire_all()   # read back from the database (SQLite: no time zone)
    event = db.session.get(Event, event.id)
    with app.test_request_context():
        events.update_event(None, event, kind=event.kind, title=event.title,
                            starts_at=datetime(2026, 12, 5, 1, 0, tzinfo=UTC),
                            place=event.place or "", organiser=event.organiser or "",
                            partners=event.partners or "", target_amount=event.target_amount,
                            description=event.description or "")
        assert entries("event.update") == []
        events.record_participation(None, event, students=40)
        events.record_participation(None, event, students=40)
        treasury.update_settings(None, tree.ward_a, head_name="Nguyễn Văn Chủ")
        treasury.update_settings(None, tree.ward_a, head_name="Nguyễn Văn Chủ")
        db.session.flush()
    assert len(entries("treasury.settings")) == 1
    assert len(entries("event.participation")) == 1
    assert all(e.data for e in AuditEntry.query.filter(
        AuditEntry.action.in_(("treasury.settings", "event.participation", "event.update"))))


def test_an_old_entry_with_a_change_to_the_same_value_hides_that_line(tree, app, db):
    entry = AuditEntry(action="event.update", object_type="event", data={
        "starts_at": ["2026-12-05T01:00:00", "2026-12-05T01:00:00+00:00"],
        "title": ["Cũ", "Mới"]})
    with app.test_request_context():
        _text, details = read(entry, "en")
    assert details == [("Title", "Cũ → Mới")]


def test_role_entries_name_the_person_not_the_login(tree, app, db):
    admin = build_user(username="quantri", full_name="Trần Quản Trị")
    person = build_user(username="nva.kh", full_name="Nguyễn Văn An")
    with app.test_request_context():
        assignment = units.grant_role(admin, person, tree.ward_a, "clerk")
        units.revoke_role(admin, assignment)
        db.session.flush()
        grant, revoke = (read(e) for e in entries("role.grant")
                         + entries("role.revoke") if e.object_id == assignment.id)
    assert "Nguyễn Văn An" in grant[0] and "nva.kh" not in grant[0] + str(grant[1])
    assert "Nguyễn Văn An" in revoke[0] and "nva.kh" not in revoke[0] + str(revoke[1])
    # an entry written by the reorganisation (the login only, no assignment) still names him
    old = AuditEntry(action="role.revoke", object_type="roleassignment", object_id=None,
                     data={"user": "nva.kh", "role": "clerk"})
    with app.test_request_context():
        assert "Nguyễn Văn An" in read(old)[0]
    assert db.session.scalar(select(func.count(AuditEntry.id))) > 0
    build_member(tree.ward_a)  # the builders still work after the reads


def test_a_member_list_exports_filters_read_as_the_lists_boxes(app, db):
    entry = AuditEntry(action="member.export", object_type="unit", data={
        "format": "xlsx", "rows": 3, "status": "active", "kind": "individual", "dues": "unpaid",
        "year": "2026", "sub": "0", "sort": "joined", "joined": "2020"})
    with app.test_request_context():
        _text, details = read(entry, "en")
    shown = dict(details)
    assert shown["Dues"] == "Not paid" and shown["Including sub-units"] == "No"
    assert shown["Sort"] == "Joined on" and shown["Joined in"] == "2020"
    assert "Other detail" not in shown
