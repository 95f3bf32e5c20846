"""Events views: Piggy-bank counting sheets."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...models import CountingSheet as Sheet
from ...models import (
    Event,
)
from ...permissions import load
from ...services import DomainError
from ...services import events as svc
from ...views import (
    attach_error,
    unit_ancestors,
)
from . import bp
from .forms import (
    CountingSheetForm,
    SheetReceiptForm,
)
from .views import _fund, _fund_choices, _pdf, _status

# ---------------------------------------------------------------------------------------------
# Piggy-bank counting sheets
# ---------------------------------------------------------------------------------------------


@bp.route("/<int:event_id>/sheets/new", methods=["GET", "POST"])
@login_required
def new_sheet(event_id: int):
    event = load(Event, event_id, "donation.edit")
    if event.kind != "piggy_bank":
        abort(404)
    form = CountingSheetForm()
    if form.validate_on_submit():
        counts = {f.name: f.data or 0 for f, _v, _c in form.count_fields()}
        try:
            sheet = svc.record_counting_sheet(
                current_user, event, group_name=form.group_name.data, counts=counts,
                counter_1=form.counter_1.data, counter_2=form.counter_2.data,
                typed_total=form.typed_total.data, note=form.note.data or "")
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Counting sheet of %(group)s saved.", group=sheet.group_name), "success")
            if request.form.get("again"):
                # The same two people count the next piggy bank: keep their names.
                return redirect(url_for(".new_sheet", event_id=event.id,
                                        c1=sheet.counter_1, c2=sheet.counter_2))
            return redirect(url_for(".show", event_id=event.id))
    if request.method == "GET":
        form.counter_1.data = request.args.get("c1", "")[:120]
        form.counter_2.data = request.args.get("c2", "")[:120]
    return render_template("events/sheet_form.html", form=form, event=event, unit=event.unit,
                           ancestors=unit_ancestors(event.unit)), _status(form)


@bp.get("/sheets/<int:sheet_id>.pdf")
@login_required
def sheet_pdf(sheet_id: int):
    sheet = load(Sheet, sheet_id, "event.view")
    from ...pdf.events import counting_sheets_pdf

    return _pdf(counting_sheets_pdf([sheet]), f"bien-ban-kiem-dem-{sheet.id}.pdf")


@bp.get("/<int:event_id>/sheets.pdf")
@login_required
def sheets_pdf(event_id: int):
    event = load(Event, event_id, "event.view")
    sheets = svc.event_sheets(event)
    if not sheets:
        abort(404)
    from ...pdf.events import counting_sheets_pdf

    return _pdf(counting_sheets_pdf(sheets), f"bien-ban-kiem-dem-su-kien-{event.id}.pdf")


@bp.post("/sheets/<int:sheet_id>/delete")
@login_required
def delete_sheet(sheet_id: int):
    sheet = load(Sheet, sheet_id, "donation.edit")
    event_id = sheet.event_id
    try:
        svc.delete_counting_sheet(current_user, sheet)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("Counting sheet deleted."), "success")
    return redirect(url_for(".show", event_id=event_id))


@bp.post("/<int:event_id>/sheets/receipt")
@login_required
def receipt_sheets(event_id: int):
    event = load(Event, event_id, "voucher.issue")
    form = SheetReceiptForm()
    form.fund_id.choices = _fund_choices(event.unit)
    if not form.validate_on_submit():
        flash(_("Choose one receipt per group or one for the event."), "danger")
        return redirect(url_for(".show", event_id=event.id))
    try:
        vouchers = svc.receipt_counting_sheets(
            current_user, event, mode=form.mode.data, fund=_fund(event.unit, form.fund_id.data),
            token=form.token.data or None)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("%(n)s receipt(s) issued: %(numbers)s", n=len(vouchers),
                numbers=", ".join(v.display_number for v in vouchers)), "success")
    return redirect(url_for(".show", event_id=event.id))


