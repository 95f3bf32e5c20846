"""Scholarship programs, quotas, nominations, decisions, recipient lists, history, report."""

from __future__ import annotations

import secrets
from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...forms import DateError, day_or, parse_day
from ...models import Fund, Nomination, ScholarshipProgram, Unit, today
from ...permissions import (
    can,
    can_decide,
    can_nominate,
    can_pay_awards,
    can_somewhere,
    can_view_program,
    load,
    nominates_in,
    require,
    scope_programs,
    scope_query,
)
from ...services import DomainError, scholarships, treasury
from ...services.scholarships import PRIORITY_LABELS, STATUS_LABELS
from ...views import attach_error, get_or_404, int_arg, query_args, unit_ancestors, year_arg
from . import bp
from .forms import ConfirmForm, DecisionForm, NominationForm, PayForm, ProgramForm, QuotaForm


@bp.app_context_processor
def scholarship_labels():
    return {"PRIORITY_LABELS": PRIORITY_LABELS, "NOMINATION_STATUS_LABELS": STATUS_LABELS}




def _load_program(program_id: int) -> ScholarshipProgram:
    program = get_or_404(ScholarshipProgram, program_id)
    if not can_view_program(current_user, program):
        abort(403)
    return program


def _status(form) -> int:
    return 400 if form.errors or form.form_errors else 200


def _visible_programs(extra=None):
    q = select(ScholarshipProgram).join(Unit, ScholarshipProgram.unit_id == Unit.id)
    if extra is not None:
        q = q.where(extra)
    q = scope_programs(q, current_user, ScholarshipProgram)
    return db.session.scalars(q.order_by(ScholarshipProgram.window_start.desc(),
                                         ScholarshipProgram.id.desc())).all()


# ---------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    if not (can_somewhere(current_user, "program.view")
            or can_somewhere(current_user, "nomination.view")):
        abort(403)
    return render_template("scholarships/index.html", programs=_visible_programs())


@bp.get("/units/<int:unit_id>")
@login_required
def unit_programs(unit_id: int):
    """The unit's tab: programs it runs and programs in which it (or a parent) has a quota."""
    unit = load(Unit, unit_id, "unit.view")
    from ...models import ScholarshipQuota

    quota_programs = select(ScholarshipQuota.program_id).where(
        ScholarshipQuota.unit_id.in_(unit.ancestor_ids))
    programs = _visible_programs(
        (ScholarshipProgram.unit_id == unit.id) | ScholarshipProgram.id.in_(quota_programs))
    return render_template("scholarships/unit.html", unit=unit, ancestors=unit_ancestors(unit),
                           programs=programs)


def _fund_choices(form, unit) -> None:
    funds = treasury.funds_of(unit, active_only=True)
    form.fund_id.choices = [(f.id, f"{f.name} ({f.code})") for f in funds]


def _chosen_fund(form, unit) -> Fund | None:
    fund = db.session.get(Fund, form.fund_id.data) if form.fund_id.data else None
    return fund if fund is not None and fund.unit_id == unit.id else None


def _program_form_page(form, unit, program=None):
    return render_template("scholarships/program_form.html", form=form, unit=unit,
                           program=program, ancestors=unit_ancestors(unit)), _status(form)


@bp.route("/units/<int:unit_id>/programs/new", methods=["GET", "POST"])
@login_required
def new_program(unit_id: int):
    unit = load(Unit, unit_id, "program.edit")
    form = ProgramForm()
    _fund_choices(form, unit)
    if request.method == "GET":
        form.priority_groups.data = ["poor", "near_poor", "orphan"]
    if form.validate_on_submit():
        try:
            program = scholarships.create_program(current_user, unit, **form.data_for_service(),
                                                  fund=_chosen_fund(form, unit))
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Program %(name)s created. Now share it out as quotas.", name=program.name),
                  "success")
            return redirect(url_for(".quotas", program_id=program.id))
    return _program_form_page(form, unit)


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
@login_required
def edit_program(program_id: int):
    program = load(ScholarshipProgram, program_id, "program.edit")
    form = ProgramForm(obj=program)
    _fund_choices(form, program.unit)
    if form.validate_on_submit():
        try:
            scholarships.update_program(current_user, program, **form.data_for_service(),
                                        fund=_chosen_fund(form, program.unit))
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".program", program_id=program.id))
    return _program_form_page(form, program.unit, program)


@bp.route("/programs/<int:program_id>/quotas", methods=["GET", "POST"])
@login_required
def quotas(program_id: int):
    program = load(ScholarshipProgram, program_id, "program.edit")
    units = scholarships.quota_candidates(program)
    current = {q.unit_id: q for q in program.quotas}
    form = QuotaForm.for_units(units, current)()
    if form.validate_on_submit():
        try:
            scholarships.set_quotas(current_user, program, form.values(units))
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Quotas saved."), "success")
            return redirect(url_for(".program", program_id=program.id))
    return render_template("scholarships/quotas.html", form=form, program=program, units=units,
                           unit=program.unit, ancestors=unit_ancestors(program.unit)), _status(form)


def _filters():
    return {
        "quota_id": int_arg("quota", min=1),
        "school": request.args.get("school", ""),
        "group": request.args.get("group", "") if request.args.get("group") in PRIORITY_LABELS
        else "",
        "status": request.args.get("status", "") if request.args.get("status") in STATUS_LABELS
        else "",
    }


def _visible_usage(program):
    """Quota usage of the units the user may see: a ward nominating in a district program sees
    its own quota, not the other wards' counts."""
    return [u for u in scholarships.quota_usage(program)
            if can(current_user, "nomination.view", u.quota.unit)]


def _scoped_nominations(program, **filters) -> list[Nomination]:
    q, group = scholarships.nominations_query(program, **filters)
    q = scope_query(q, current_user, "nomination.view")
    return scholarships.filter_group(db.session.scalars(q).all(), group)


@bp.get("/programs/<int:program_id>")
@login_required
def program(program_id: int):
    program = _load_program(program_id)
    filters = _filters()
    nominations = scholarships.sort_students(_scoped_nominations(program, **filters))
    decidable = {n.id for n in nominations if n.status == "submitted"
                 and can_decide(current_user, n)}
    may_pay = can_pay_awards(current_user, program)
    payable = {n.id for n in nominations if may_pay and n.is_awarded and not n.is_paid}
    pay_form = PayForm()
    pay_form.token.data = secrets.token_urlsafe(16)
    pay_form.voucher_date.data = today()
    return render_template(
        "scholarships/program.html", program=program, unit=program.unit,
        ancestors=unit_ancestors(program.unit), usage=_visible_usage(program),
        totals=scholarships.program_usage(program) if can(
            current_user, "program.view", program.unit) else None, nominations=nominations,
        filters=filters, decidable=decidable, decision_form=DecisionForm(),
        payable=payable, pay_form=pay_form,
        fund_balance=treasury.fund_balance(program.fund) if can(
            current_user, "fund.view", program.unit) else None,
        still_to_pay=scholarships.still_to_pay(program),
        may_nominate=nominates_in(current_user, program) and program.window_open(),
    )


# ---------------------------------------------------------------------------------------------
# Nominations
# ---------------------------------------------------------------------------------------------


def _nominating_units(program) -> list[Unit]:
    """Units inside the program's quotas from which the current user may nominate."""
    found = []
    for quota in program.quotas:
        for unit in db.session.scalars(
            scope_query(select(Unit).where(Unit.path.startswith(quota.unit.path,
                                                                autoescape=True)),
                        current_user, "nomination.edit").order_by(Unit.path)
        ):
            if unit.is_active():
                found.append(unit)
    return found


def _amount_choices(program):
    from ...money import format_money

    return [(a, format_money(a)) for a in program.amounts]


@bp.route("/programs/<int:program_id>/nominate", methods=["GET", "POST"])
@login_required
def nominate(program_id: int):
    program = get_or_404(ScholarshipProgram, program_id)
    units = _nominating_units(program)
    if not units:
        abort(403)
    form = NominationForm()
    form.unit.choices = [(u.id, f"{'— ' * max(u.depth - units[0].depth, 0)}{u.name}")
                         for u in units]
    form.amount.choices = _amount_choices(program)
    if form.validate_on_submit():
        unit = get_or_404(Unit, form.unit.data)
        if not can_nominate(current_user, program, unit):
            abort(403)
        try:
            nomination = scholarships.create_nomination(current_user, program, unit,
                                                        **form.data_for_service())
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Nomination of %(name)s saved as a draft. Check it, then submit it.",
                    name=nomination.student_name), "success")
            return redirect(url_for(".nomination", nomination_id=nomination.id))
    return render_template("scholarships/nomination_form.html", form=form, program=program,
                           nomination=None), _status(form)


@bp.get("/nominations/<int:nomination_id>")
@login_required
def nomination(nomination_id: int):
    n = load(Nomination, nomination_id, "nomination.view")
    history_q = scope_query(scholarships.history_query(n.student_name, n.birth_date),
                            current_user, "nomination.view")
    history = [h for h in db.session.scalars(history_q) if h.id != n.id]
    return render_template("scholarships/nomination.html", n=n, program=n.program,
                           history=history, may_decide=n.status == "submitted"
                           and can_decide(current_user, n),
                           decision_form=DecisionForm(), confirm_form=ConfirmForm())


@bp.route("/nominations/<int:nomination_id>/edit", methods=["GET", "POST"])
@login_required
def edit_nomination(nomination_id: int):
    n = load(Nomination, nomination_id, "nomination.edit")
    form = NominationForm(obj=n)
    del form.unit
    form.amount.choices = _amount_choices(n.program)
    if form.validate_on_submit():
        try:
            scholarships.update_nomination(current_user, n, **form.data_for_service())
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".nomination", nomination_id=n.id))
    return render_template("scholarships/nomination_form.html", form=form, program=n.program,
                           nomination=n), _status(form)


@bp.post("/nominations/<int:nomination_id>/submit")
@login_required
def submit_nomination(nomination_id: int):
    n = load(Nomination, nomination_id, "nomination.edit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        scholarships.submit_nomination(current_user, n)
    except DomainError as e:
        flash(str(e), "danger")
        return redirect(url_for(".nomination", nomination_id=n.id))
    db.session.commit()
    flash(_("Nomination of %(name)s submitted for approval.", name=n.student_name), "success")
    return redirect(url_for(".program", program_id=n.program_id))


@bp.post("/nominations/<int:nomination_id>/decide")
@login_required
def decide_one(nomination_id: int):
    n = get_or_404(Nomination, nomination_id)
    if not can_decide(current_user, n):
        abort(403)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            scholarships.decide(current_user, n.program, [n], form.decision.data,
                                form.reason.data)
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Decision recorded for %(name)s.", name=n.student_name), "success")
            return redirect(url_for(".program", program_id=n.program_id))
    history_q = scope_query(scholarships.history_query(n.student_name, n.birth_date),
                            current_user, "nomination.view")
    history = [h for h in db.session.scalars(history_q) if h.id != n.id]
    return render_template("scholarships/nomination.html", n=n, program=n.program,
                           history=history, may_decide=True, decision_form=form,
                           confirm_form=ConfirmForm()), 400


@bp.post("/programs/<int:program_id>/decide")
@login_required
def decide_many(program_id: int):
    program = _load_program(program_id)
    require(current_user, "nomination.decide", program.unit)
    form = DecisionForm()
    ids = request.form.getlist("nomination", type=int)
    chosen = db.session.scalars(select(Nomination).where(Nomination.id.in_(ids))).all() \
        if ids else []
    if any(not can_decide(current_user, n) for n in chosen):
        abort(403)
    if not form.validate_on_submit():
        flash(_("Choose approve or reject."), "danger")
        return redirect(url_for(".program", program_id=program.id))
    try:
        scholarships.decide(current_user, program, chosen, form.decision.data, form.reason.data)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return redirect(url_for(".program", program_id=program.id, **query_args()))
    db.session.commit()
    if form.decision.data == "approve":
        flash(_("%(n)d nominations approved.", n=len(chosen)), "success")
    else:
        flash(_("%(n)d nominations rejected.", n=len(chosen)), "success")
    return redirect(url_for(".program", program_id=program.id, **query_args()))


@bp.post("/programs/<int:program_id>/pay")
@login_required
def pay(program_id: int):
    """The treasurer pays the ticked approved awards: one voucher each, or one for the
    ceremony. A repeated submission (same token) lands on the vouchers already issued."""
    program = _load_program(program_id)
    if not can_pay_awards(current_user, program):
        abort(403)
    form = PayForm()
    ids = request.form.getlist("nomination", type=int)
    chosen = db.session.scalars(select(Nomination).where(Nomination.id.in_(ids))).all() \
        if ids else []
    back = redirect(url_for(".program", program_id=program.id, **query_args()))
    if not form.validate_on_submit():
        flash(_("Choose how to pay."), "danger")
        return back
    token = form.token.data or None
    if token and (treasury.find_by_token(token) or any(
            treasury.find_by_token(f"{token}-{n.id}") for n in chosen)):
        flash(_("These awards were already paid by this form."), "info")
        return back
    try:
        vouchers = scholarships.pay_awards(
            current_user, program, chosen, mode=form.mode.data,
            voucher_date=form.voucher_date.data, method=form.method.data, token=token)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return back
    db.session.commit()
    flash(_("%(n)d awards paid: %(numbers)s.", n=len(chosen),
            numbers=", ".join(v.display_number for v in vouchers)), "success")
    return back


# ---------------------------------------------------------------------------------------------
# Recipient list, report, history
# ---------------------------------------------------------------------------------------------


def _recipients(program):
    quota_id = int_arg("quota", min=1)
    return scholarships.recipients(_scoped_nominations(program, quota_id=quota_id))


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
    return send_file(buffer, mimetype="application/pdf", as_attachment=True,
                     download_name=f"danh-sach-ky-nhan-{program.id}.pdf")


@bp.get("/programs/<int:program_id>/recipients.xlsx")
@login_required
def recipients_xlsx(program_id: int):
    from .export import recipients_workbook

    program = _load_program(program_id)
    buffer = recipients_workbook(program, _recipients(program), _ceremony_date(program))
    return send_file(buffer, as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"danh-sach-ky-nhan-{program.id}.xlsx")


@bp.get("/programs/<int:program_id>/report")
@login_required
def report(program_id: int):
    program = _load_program(program_id)
    report = scholarships.program_report(program, _scoped_nominations(program))
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
