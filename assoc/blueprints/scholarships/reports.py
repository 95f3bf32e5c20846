"""Scholarships views: Recipient list, report, history."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...forms import DateError, day_or, parse_day
from ...models import Nomination, Unit, today
from ...permissions import (
    can,
    can_somewhere,
    load,
    scope_query,
)
from ...services import scholarships
from ...views import record_download, unit_ancestors, year_arg
from . import bp
from .views import _load_program, _scoped_nominations, quota_arg

# ---------------------------------------------------------------------------------------------
# Recipient list, report, history
# ---------------------------------------------------------------------------------------------


def _recipients(program):
    return scholarships.recipients(_scoped_nominations(program, quota_id=quota_arg(program)))


def _ceremony_date(program) -> date | None:
    raw = request.args.get("date", "")
    return day_or(raw, program.ceremony_date)


@bp.get("/programs/<int:program_id>/recipients.pdf")
@login_required
def recipients_pdf(program_id: int):
    from ...pdf.recipient_list import recipient_list_pdf

    program = _load_program(program_id)
    rows = _recipients(program)
    buffer = recipient_list_pdf(program, rows, ceremony_date=_ceremony_date(program),
                                prepared_by=current_user.full_name)
    name = f"danh-sach-ky-nhan-{program.id}.pdf"
    record_download("program.export", program, format="pdf", rows=len(rows))
    return send_file(buffer, mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.get("/programs/<int:program_id>/recipients.xlsx")
@login_required
def recipients_xlsx(program_id: int):
    from .export import recipients_workbook

    program = _load_program(program_id)
    rows = _recipients(program)
    buffer = recipients_workbook(program, rows, _ceremony_date(program))
    name = f"danh-sach-ky-nhan-{program.id}.xlsx"
    record_download("program.export", program, format="xlsx", rows=len(rows))
    return send_file(buffer, as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=name)


@bp.get("/programs/<int:program_id>/report")
@login_required
def report(program_id: int):
    program = _load_program(program_id)
    report = scholarships.program_report(
        program, _scoped_nominations(program),
        visible=lambda unit: can(current_user, "nomination.view", unit))
    return render_template("scholarships/report.html", program=program, report=report,
                           unit=program.unit, ancestors=unit_ancestors(program.unit))


@bp.get("/students")
@login_required
def students():
    if not can_somewhere(current_user, "nomination.view"):
        abort(403)
    name = request.args.get("name", "").strip()
    raw_born = request.args.get("birth_date", "")
    born, error = None, None
    if raw_born:
        try:
            born = parse_day(raw_born)
        except DateError:
            error = _("Enter the date of birth as dd/mm/yyyy.")
    found = []
    if name and not error:
        q = scope_query(scholarships.history_query(name, born), current_user, "nomination.view")
        found = db.session.scalars(q.limit(200)).all()
    return render_template("scholarships/students.html", name=name, birth_date=raw_born,
                           found=found, error=error, today=today())


@bp.app_template_global()
def may_edit_program(program) -> bool:
    return can(current_user, "program.edit", program.unit)


@bp.get("/units/<int:unit_id>/awards")
@login_required
def unit_awards(unit_id: int):
    """Awards (approved or paid nominations) decided in a year, for a unit or its sub-tree —
    the list behind the dashboard's scholarship figures."""
    from sqlalchemy import func
    from sqlalchemy.orm import joinedload

    from ...services.reports import Period, within
    from ...views import page_arg

    unit = load(Unit, unit_id, "nomination.view")
    year = year_arg("year", today().year)
    subtree = request.args.get("sub", "1") != "0"
    q = (select(Nomination).join(Unit, Nomination.unit_id == Unit.id)
         .where(Nomination.status.in_(scholarships.AWARDED),
                within(Nomination.decided_at, Period.year(year))))
    q = q.where(Unit.path.startswith(unit.path, autoescape=True) if subtree
                else Nomination.unit_id == unit.id)
    q = scope_query(q, current_user, "nomination.view")
    awards = q.subquery()
    count, amount = db.session.execute(
        select(func.count(), func.coalesce(func.sum(awards.c.amount), 0))).one()
    page = db.paginate(q.options(joinedload(Nomination.unit), joinedload(Nomination.program))
                       .order_by(Nomination.decided_at.desc(), Nomination.id.desc()),
                       page=page_arg(), per_page=50, error_out=False)
    return render_template("scholarships/awards.html", unit=unit, ancestors=unit_ancestors(unit),
                           page=page, year=year, subtree=subtree, count=int(count),
                           amount=int(amount))  # PostgreSQL sums bigint as numeric
