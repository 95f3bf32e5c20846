"""Members views: Dues."""

from __future__ import annotations

import uuid

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import Member, Unit, today
from ...permissions import can_collect_dues, load, require
from ...services import DomainError
from ...services import members as svc
from ...views import attach_error, page_arg, safe_next, unit_ancestors, year_arg
from . import bp
from .forms import (
    DuesPayForm,
    DuesRateForm,
)
from .views import _eager

# ---------------------------------------------------------------------------------------------
# Dues
# ---------------------------------------------------------------------------------------------


@bp.post("/<int:member_id>/dues")
@login_required
def pay(member_id: int):
    member = load(Member, member_id, "dues.collect")
    if not can_collect_dues(current_user, member):  # the receipt goes into the ward's own book
        abort(403)
    form = DuesPayForm()
    back = safe_next(request.form.get("next"), url_for(".show", member_id=member.id))
    if not form.validate_on_submit():
        flash(_("Check the year and the amount."), "danger")
        return redirect(back)
    if request.form.get("confirm") != "1":
        # A numbered receipt cannot be taken back (only voided): say what will be issued and
        # ask once more. This first POST changes nothing.
        amount = form.amount.data or svc.dues_rate(member.unit, form.year.data)
        return render_template("members/dues_confirm.html", member=member, form=form,
                               amount=amount, back=back, unit=member.unit,
                               ancestors=unit_ancestors(member.unit),
                               collector=svc.collecting_unit(member))
    try:
        payment = svc.pay_dues(current_user, member, year=form.year.data,
                               amount=form.amount.data, token=form.token.data or None)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return redirect(back)
    db.session.commit()
    flash(_("Dues %(year)s of %(name)s recorded: %(amount)s, receipt %(no)s.", year=payment.year,
            name=member.full_name, amount=_money(payment.amount),
            no=payment.voucher.display_number if payment.voucher else "—"), "success")
    return redirect(back)


def _money(amount: int) -> str:
    from ...money import format_money

    return format_money(amount)


@bp.route("/unit/<int:unit_id>/dues", methods=["GET", "POST"])
@login_required
def dues(unit_id: int):
    """The yearly amount of the unit and who has not paid yet."""
    unit = load(Unit, unit_id, "member.view")
    year = year_arg("year", today().year)
    form = DuesRateForm(year=year) if request.method == "GET" else DuesRateForm()
    status = 200
    if request.method == "POST":
        require(current_user, "unit.edit", unit)
        if form.validate_on_submit():
            try:
                svc.set_dues_rate(current_user, unit, year=form.year.data,
                                  amount=form.amount.data)
            except DomainError as e:
                attach_error(form, e)
            else:
                db.session.commit()
                flash(_("Dues for %(year)s set.", year=form.year.data), "success")
                return redirect(url_for(".dues", unit_id=unit.id, year=form.year.data))
        status = 400
    filters = svc.ListFilters(dues_year=year, dues="unpaid", q=request.args.get("q", ""))
    q = _eager(svc.member_query(current_user, unit, filters))
    page = db.paginate(q, page=page_arg(), per_page=50, error_out=False)
    paid_count = db.session.scalar(
        select(db.func.count()).select_from(
            svc.member_query(current_user, unit, svc.ListFilters(dues_year=year, dues="paid"))
            .order_by(None).subquery()))
    return render_template("members/dues.html", unit=unit, ancestors=unit_ancestors(unit), form=form,
                           year=year, rate=svc.dues_rate(unit, year), page=page,
                           paid_count=paid_count, token=uuid.uuid4().hex), status


