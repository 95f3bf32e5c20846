"""Scholarships views: Nominations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import Nomination, ScholarshipProgram, Unit
from ...permissions import (
    can_decide,
    can_nominate,
    can_pay_awards,
    load,
    require,
    scope_query,
)
from ...services import DomainError, scholarships, treasury
from ...views import attach_error, get_or_404, query_args
from . import bp
from .forms import ConfirmForm, DecisionForm, NominationForm, PayForm
from .views import _load_program, _status

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


