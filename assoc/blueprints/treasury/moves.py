"""Treasury views: moving money between cash on hand and the bank (deposit / withdrawal pairs),
and the list of cash or bank balances that are or were below zero."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Fund, Unit, today
from ...permissions import can, load
from ...services import DomainError, cash_moves
from ...services import treasury as svc
from ...views import attach_error, unit_ancestors
from . import bp
from .forms import CashMoveForm


@bp.route("/units/<int:unit_id>/treasury/cash-move", methods=["GET", "POST"])
@login_required
def cash_move(unit_id: int):
    unit = load(Unit, unit_id, "voucher.issue")
    if request.method == "POST":
        existing = svc.find_by_token(f"{request.form.get('token', '')[:40]}:out")
        if existing is not None and existing.unit_id == unit.id:
            flash(_("This form was already submitted: here is voucher %(no)s.",
                    no=existing.display_number), "info")
            return redirect(url_for(".voucher", voucher_id=existing.id))
    form = CashMoveForm()
    form.fund.choices = svc.fund_choices(unit)
    may_overdraw = can(current_user, "fund.overdraw", unit)
    if not may_overdraw:
        del form.allow_overdraw
    if request.method == "GET":
        form.token.data = uuid.uuid4().hex
        form.voucher_date.data = today()
        form.direction.data = request.args.get("direction") if request.args.get(
            "direction") in cash_moves.MOVES else "deposit"
        form.fund.data = form.fund.choices[0][0] if form.fund.choices else None
    if form.validate_on_submit():
        fund = db.session.get(Fund, form.fund.data) if form.fund.data else None
        try:
            if not form.token.data:
                raise DomainError(_("The form has expired: please fill it in again."))
            if form.fund.data and (fund is None or fund.unit_id != unit.id):
                raise DomainError(_("Choose one of this unit's funds."), "fund")
            pair = cash_moves.move(
                current_user, unit, direction=form.direction.data, amount=form.amount.amount,
                fund=fund, voucher_date=form.voucher_date.data, reason=form.reason.data or "",
                person=form.person.data or "", token=form.token.data,
                allow_overdraw=bool(may_overdraw and form.allow_overdraw.data))
            db.session.commit()
        except DomainError as e:
            db.session.rollback()
            form.fund.choices = svc.fund_choices(unit)
            attach_error(form, e)
        except IntegrityError:
            db.session.rollback()
            existing = svc.find_by_token(f"{form.token.data}:out")
            if existing is None:
                raise
            return redirect(url_for(".voucher", voucher_id=existing.id))
        else:
            flash(_("Vouchers %(out)s and %(into)s issued.", out=pair.payment.display_number,
                    into=pair.receipt.display_number), "success")
            return redirect(url_for(".voucher", voucher_id=pair.payment.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("treasury/cash_move.html", unit=unit, ancestors=unit_ancestors(unit),
                           form=form, may_overdraw=may_overdraw), status


@bp.get("/units/<int:unit_id>/treasury/below-zero")
@login_required
def below_zero(unit_id: int):
    """Cash on hand or bank balances of the unit's funds (and those below it) that are or were
    below zero: listed for the treasurer to correct, never changed here."""
    unit = load(Unit, unit_id, "fund.view")
    found = cash_moves.negative_balances(unit)
    return render_template("treasury/below_zero.html", unit=unit, ancestors=unit_ancestors(unit),
                           found=found,
                           may_move={n.fund.unit_id: can(current_user, "voucher.issue", n.fund.unit)
                                     for n in found})
