"""Scholarship programs, quotas, nominations, decisions, recipient lists, history, report."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import Fund, Nomination, ScholarshipProgram, ScholarshipQuota, Unit, today
from ...permissions import (
    can,
    can_decide,
    can_pay_awards,
    can_somewhere,
    can_view_program,
    load,
    nominates_in,
    scope_programs,
    scope_query,
)
from ...services import DomainError, scholarships, treasury
from ...services.scholarships import PRIORITY_LABELS, STATUS_LABELS
from ...views import attach_error, get_or_404, id_arg, unit_ancestors
from . import bp
from .forms import DecisionForm, PayForm, ProgramForm, QuotaForm


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


def quota_arg(program) -> int | None:
    """?quota= of the program's quotas, loaded through permissions (404 for another program's)."""
    quota = id_arg(ScholarshipQuota, "quota", "nomination.view")
    if quota is not None and quota.program_id != program.id:
        abort(404)
    return quota.id if quota is not None else None


def _filters(program):
    return {
        "quota_id": quota_arg(program),
        "school": request.args.get("school", ""),
        "group": request.args.get("group", "") if request.args.get("group") in PRIORITY_LABELS
        else "",
        "status": request.args.get("status", "") if request.args.get("status") in STATUS_LABELS
        else "",
    }


def _visible_usage(program):
    """Quota usage of the units the user may see: a ward nominating in a district program sees
    its own quota, not the other wards' counts. Returns (rows, whether some were left out):
    the page then says so (a unit not shown is not a unit with nothing)."""
    usage = scholarships.quota_usage(program)
    shown = [u for u in usage if can(current_user, "nomination.view", u.quota.unit)]
    return shown, len(shown) < len(usage)


def _scoped_nominations(program, **filters) -> list[Nomination]:
    q, group = scholarships.nominations_query(program, **filters)
    q = scope_query(q, current_user, "nomination.view")
    return scholarships.filter_group(db.session.scalars(q).all(), group)


@bp.get("/programs/<int:program_id>")
@login_required
def program(program_id: int):
    program = _load_program(program_id)
    filters = _filters(program)
    nominations = scholarships.sort_students(_scoped_nominations(program, **filters))
    usage, partial = _visible_usage(program)
    decidable = {n.id for n in nominations if n.status == "submitted"
                 and can_decide(current_user, n)}
    may_pay = can_pay_awards(current_user, program)
    payable = {n.id for n in nominations if may_pay and n.is_awarded and not n.is_paid}
    pay_form = PayForm()
    pay_form.token.data = secrets.token_urlsafe(16)
    pay_form.voucher_date.data = today()
    return render_template(
        "scholarships/program.html", program=program, unit=program.unit,
        ancestors=unit_ancestors(program.unit), usage=usage, partial=partial,
        totals=scholarships.program_usage(program) if can(
            current_user, "program.view", program.unit) else None, nominations=nominations,
        filters=filters, decidable=decidable, decision_form=DecisionForm(),
        payable=payable, pay_form=pay_form,
        fund_balance=treasury.fund_balance(program.fund) if can(
            current_user, "fund.view", program.unit) else None,
        still_to_pay=scholarships.still_to_pay(program),
        may_nominate=nominates_in(current_user, program) and program.window_open(),
    )
