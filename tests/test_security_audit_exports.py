"""Every export is audited: whoever downloads a list of people or money (.xlsx, .csv or PDF)
leaves an audit entry naming the export, its format and the unit — one entry per download,
written by views.record_download (the one write a GET may make)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from assoc.models import AuditEntry
from assoc.services import officers as off
from assoc.services import treasury

from .builders import (
    build_base_salaries,
    build_event,
    build_member,
    build_nomination,
    build_officer,
    build_program,
    build_rule,
    build_user,
)


def _sheet(tree, db):
    build_base_salaries()
    build_rule(tree.ward_a, "chair", coefficient=1000)
    build_officer(tree.ward_a, "Phạm Văn Cán", ("chair", date(2020, 1, 1)))
    sheet = off.create_sheet(None, tree.ward_a, year=2025, month=11)
    db.session.commit()
    return sheet


EXPORTS = {
    "event report xlsx": ("event.export", lambda t, db: (
        f"/events/{build_event(t.ward_a).id}/report.xlsx")),
    "event report pdf": ("event.export", lambda t, db: (
        f"/events/{build_event(t.ward_a).id}/report.pdf")),
    "cash book xlsx": ("fund.export", lambda t, db: "/funds/{}/cashbook?format=xlsx".format(
        treasury.issue_voucher(None, t.ward_a, kind="receipt", amount=1000, party_name="An",
                               reason="Ủng hộ").fund_id)),
    "cash book pdf": ("fund.export", lambda t, db: "/funds/{}/cashbook?format=pdf".format(
        treasury.issue_voucher(None, t.ward_a, kind="receipt", amount=1000, party_name="An",
                               reason="Ủng hộ").fund_id)),
    "recipients xlsx": ("program.export",
                        lambda t, db: f"/scholarships/programs/{_program(t)}/recipients.xlsx"),
    "recipients pdf": ("program.export",
                       lambda t, db: f"/scholarships/programs/{_program(t)}/recipients.pdf"),
    "remuneration xlsx": ("remuneration.export",
                          lambda t, db: f"/officers/sheets/{_sheet(t, db).id}.xlsx"),
    "remuneration pdf": ("remuneration.export",
                         lambda t, db: f"/officers/sheets/{_sheet(t, db).id}.pdf"),
    "officer reports": ("officer.export",
                        lambda t, db: f"/officers/units/{t.ward_a.id}/reports.xlsx?year=2025"),
    "period report xlsx": ("report.export", lambda t, db: f"/units/{t.ward_a.id}/report.xlsx"),
    "period report pdf": ("report.export", lambda t, db: f"/units/{t.ward_a.id}/report.pdf"),
    "member cards": ("member.export_cards", lambda t, db: (
        build_member(t.ward_a, "Lê Văn Thẻ") and f"/members/unit/{t.ward_a.id}/cards.pdf")),
    "member card": ("member.export_cards", lambda t, db: (
        f"/members/{build_member(t.ward_a, 'Lê Văn Thẻ').id}/card.pdf")),
    "member list xlsx": ("member.export", lambda t, db: (
        f"/members/unit/{t.ward_a.id}/export.xlsx")),
    "unit data zip": ("unit.export", lambda t, db: f"/units/{t.ward_a.id}/data.zip"),
}


def _program(tree):
    program = build_program(tree.district_a, quotas={tree.ward_a: 5})
    build_nomination(program, tree.ward_a, status="approved")
    return program.id


@pytest.mark.parametrize("name", list(EXPORTS))
def test_every_export_download_is_audited(client, login, tree, db, name):
    action, make = EXPORTS[name]
    url = make(tree, db)
    db.session.commit()
    user = build_user("admin", tree.city)
    login(user)
    before = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc())) or 0
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id > before)).all()
    assert [(e.action, e.user_id) for e in entries] == [(action, user.id)], url
    assert entries[0].unit_id is not None
