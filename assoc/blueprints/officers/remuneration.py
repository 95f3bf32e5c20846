"""Officers views: Base salary (system-wide) and allowance rules (per unit); Remuneration sheets; Reports."""

from __future__ import annotations

import uuid

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...models import (
    RemunerationLine,
    RemunerationSheet,
    Unit,
    today,
)
from ...permissions import can, can_somewhere, load, require
from ...services import DomainError, audit
from ...services import officers as svc
from ...views import attach_error, record_download, unit_ancestors, year_arg
from . import bp
from .forms import (
    ActionForm,
    AdjustForm,
    BaseSalaryForm,
    PayForm,
    RuleForm,
    SettingsForm,
    SheetForm,
    title_choices,
)
from .views import _parse_money, _status

# ---------------------------------------------------------------------------------------------
# Base salary (system-wide) and allowance rules (per unit)
# ---------------------------------------------------------------------------------------------


@bp.route("/base-salaries", methods=["GET", "POST"])
@login_required
def base_salaries():
    if not (can_somewhere(current_user, "officer.view") or can(current_user, "salary.edit")):
        abort(403)
    editable = can(current_user, "salary.edit")
    form = BaseSalaryForm()
    if request.method == "POST":
        if not editable:
            abort(403)
        if form.validate_on_submit():
            amount = _parse_money(form, "amount")
            if amount is not None:
                try:
                    svc.add_base_salary(current_user, effective_from=form.effective_from.data,
                                        amount=amount, legal_basis=form.legal_basis.data or "")
                except DomainError as e:
                    attach_error(form, e)
                else:
                    db.session.commit()
                    flash(_("Base salary added."), "success")
                    return redirect(url_for(".base_salaries"))
    return render_template("officers/base_salaries.html", rows=svc.base_salaries(), form=form,
                           editable=editable), _status(form)


@bp.route("/units/<int:unit_id>/rules", methods=["GET", "POST"])
@login_required
def rules(unit_id: int):
    unit = load(Unit, unit_id, "officer.view")
    editable = can(current_user, "officer.edit", unit)
    settings = svc.settings_for(unit)
    rule_form = RuleForm(prefix="rule")
    rule_form.title.choices = title_choices()
    settings_form = SettingsForm(prefix="settings", obj=settings)
    if request.method == "GET":
        rule_form.valid_from.data = today().replace(day=1)
        cap = settings.cap_milli
        settings_form.cap.data = svc.format_coefficient(cap) if cap else ""
    if request.method == "POST":
        require(current_user, "officer.edit", unit)
        if "rule-submit" in request.form:
            settings_form = SettingsForm(prefix="settings", formdata=None, obj=settings)
            if rule_form.validate_on_submit():
                result = _save_rule(unit, rule_form)
                if result is not None:
                    return result
        else:
            rule_form = RuleForm(prefix="rule", formdata=None)
            rule_form.title.choices = title_choices()
            if settings_form.validate_on_submit():
                result = _save_settings(unit, settings_form)
                if result is not None:
                    return result
    all_rules = db.session.scalars(svc.rules_query(unit)).all()
    return render_template(
        "officers/rules.html", unit=unit, ancestors=unit_ancestors(unit), rules=all_rules,
        rule_form=rule_form, settings_form=settings_form, editable=editable, settings=settings,
        cap_milli=svc.cap_milli_for(unit), on=today(),
    ), _status(rule_form, settings_form)


def _save_rule(unit: Unit, form: RuleForm):
    coefficient = amount = None
    try:
        if form.kind.data == "coefficient":
            coefficient = svc.parse_coefficient(form.coefficient.data or "")
        else:
            amount = _parse_money(form, "amount")
            if amount is None:
                raise DomainError(_("Give the monthly amount."), "amount")
        svc.add_allowance_rule(current_user, unit, title=form.title.data, kind=form.kind.data,
                               coefficient_milli=coefficient, amount=amount,
                               valid_from=form.valid_from.data, valid_to=form.valid_to.data)
    except DomainError as e:
        attach_error(form, e)
        return None
    db.session.commit()
    flash(_("Rate saved."), "success")
    return redirect(url_for(".rules", unit_id=unit.id))


def _save_settings(unit: Unit, form: SettingsForm):
    try:
        cap = svc.parse_coefficient(form.cap.data) if (form.cap.data or "").strip() else None
        svc.update_settings(current_user, unit, combine=form.combine.data,
                            post_limit=form.post_limit.data, cap_milli=cap)
    except DomainError as e:
        if e.field == "coefficient":
            e.field = "cap"
        attach_error(form, e)
        return None
    db.session.commit()
    flash(_("Settings saved."), "success")
    return redirect(url_for(".rules", unit_id=unit.id))


# ---------------------------------------------------------------------------------------------
# Remuneration sheets
# ---------------------------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/sheets", methods=["GET", "POST"])
@login_required
def sheets(unit_id: int):
    unit = load(Unit, unit_id, "officer.view")
    form = SheetForm()
    if request.method == "GET":
        form.month.data, form.year.data = today().month, today().year
    if request.method == "POST":
        require(current_user, "remuneration.edit", unit)
        if form.validate_on_submit():
            try:
                sheet = svc.create_sheet(current_user, unit, year=form.year.data,
                                         month=form.month.data)
            except DomainError as e:
                attach_error(form, e)
            else:
                db.session.commit()
                flash(_("Sheet for %(month)s made: check it, adjust if needed, then lock it.",
                        month=sheet.label), "success")
                return redirect(url_for(".sheet", sheet_id=sheet.id))
    rows = db.session.scalars(svc.sheets_query(unit)).all()
    return render_template("officers/sheets.html", unit=unit, ancestors=unit_ancestors(unit),
                           sheets=rows, form=form,
                           editable=can(current_user, "remuneration.edit", unit)), _status(form)


def _can_pay(sheet: RemunerationSheet) -> bool:
    return (can(current_user, "remuneration.edit", sheet.unit)
            and can(current_user, "voucher.issue", sheet.unit))


def _pay_form(sheet: RemunerationSheet, form: PayForm | None = None) -> PayForm | None:
    if sheet.is_draft or svc.is_paid(sheet) or not _can_pay(sheet):
        return None
    if form is None:
        form = PayForm(formdata=None)
        form.token.data = uuid.uuid4().hex
        form.voucher_date.data = today()
    return form


def _sheet_page(sheet: RemunerationSheet, adjust_forms=None, status: int = 200,
                pay_form: PayForm | None = None):
    editable = sheet.is_draft and can(current_user, "remuneration.edit", sheet.unit)
    adjust_forms = adjust_forms or {}
    if editable:
        for line in sheet.lines:
            if line.id not in adjust_forms:
                f = AdjustForm(prefix=f"l{line.id}", formdata=None)
                f.adjustment.data = str(line.adjustment) if line.adjustment else ""
                f.reason.data = line.adjustment_reason
                adjust_forms[line.id] = f
    history = db.session.scalars(
        audit.history_query("remunerationsheet", sheet.id).limit(30)).all()
    return render_template("officers/sheet.html", sheet=sheet, unit=sheet.unit,
                           ancestors=unit_ancestors(sheet.unit), editable=editable,
                           adjust_forms=adjust_forms, action_form=ActionForm(),
                           pay_form=_pay_form(sheet, pay_form), vouchers=svc.sheet_vouchers(sheet),
                           may_overdraw=can(current_user, "fund.overdraw", sheet.unit),
                           paid=svc.is_paid(sheet), history=history), status


@bp.get("/sheets/<int:sheet_id>")
@login_required
def sheet(sheet_id: int):
    sheet = load(RemunerationSheet, sheet_id, "officer.view")
    return _sheet_page(sheet)


@bp.post("/sheets/<int:sheet_id>/lines/<int:line_id>")
@login_required
def adjust(sheet_id: int, line_id: int):
    sheet = load(RemunerationSheet, sheet_id, "remuneration.edit")
    line = load(RemunerationLine, line_id, "remuneration.edit")
    if line.sheet_id != sheet.id:
        abort(404)
    if not sheet.is_draft:
        return _locked(sheet)
    form = AdjustForm(prefix=f"l{line.id}")
    if form.validate_on_submit():
        adjustment = _parse_money(form, "adjustment", signed=True)
        if adjustment is not None:
            try:
                svc.adjust_line(current_user, line, adjustment=adjustment,
                                reason=form.reason.data or "")
            except DomainError as e:
                attach_error(form, e)
            else:
                db.session.commit()
                flash(_("Adjustment saved."), "success")
                return redirect(url_for(".sheet", sheet_id=sheet.id))
    return _sheet_page(sheet, {line.id: form}, 400)


def _locked(sheet: RemunerationSheet):
    flash(_("This sheet is locked and can no longer be changed."), "danger")
    return _sheet_page(sheet, status=409)


def _sheet_action(sheet_id: int, operation, done_message: str):
    """A button on the sheet page: load → check → service → commit once → back to the sheet."""
    sheet = load(RemunerationSheet, sheet_id, "remuneration.edit")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operation(current_user, sheet)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return _sheet_page(sheet, status=409)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for(".sheet", sheet_id=sheet.id))


@bp.post("/sheets/<int:sheet_id>/recompute")
@login_required
def recompute(sheet_id: int):
    return _sheet_action(sheet_id, svc.recompute_sheet,
                         _("Sheet recomputed from the current posts and rates."))


@bp.post("/sheets/<int:sheet_id>/lock")
@login_required
def lock(sheet_id: int):
    return _sheet_action(sheet_id, svc.lock_sheet,
                         _("Sheet locked: it can now be printed and paid."))


@bp.post("/sheets/<int:sheet_id>/pay")
@login_required
def pay(sheet_id: int):
    """Pay the sheet through the treasury: payment vouchers in the unit's book."""
    sheet = load(RemunerationSheet, sheet_id, "remuneration.edit")
    require(current_user, "voucher.issue", sheet.unit)
    form = PayForm()
    if form.validate_on_submit():
        try:
            vouchers = svc.pay_sheet(
                current_user, sheet, per_officer=form.mode.data == "per_officer",
                voucher_date=form.voucher_date.data, method=form.method.data,
                token=form.token.data or None,
                allow_overdraw=bool(can(current_user, "fund.overdraw", sheet.unit)
                                    and form.allow_overdraw.data))
        except DomainError as e:
            db.session.rollback()
            if sheet.is_draft or svc.is_paid(sheet):
                flash(str(e), "danger")
                return _sheet_page(sheet, status=409)
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Sheet paid: %(numbers)s.",
                    numbers=", ".join(v.display_number for v in vouchers)), "success")
            return redirect(url_for(".sheet", sheet_id=sheet.id))
    return _sheet_page(sheet, status=400, pay_form=form)


def _sheet_filename(sheet: RemunerationSheet, ext: str) -> str:
    return f"bang-thu-lao-{sheet.unit.code.lower()}-{sheet.year}-{sheet.month:02d}.{ext}"


@bp.get("/sheets/<int:sheet_id>.pdf")
@login_required
def sheet_pdf(sheet_id: int):
    sheet = load(RemunerationSheet, sheet_id, "officer.view")
    from ...pdf.remuneration import sheet_pdf as render

    name, body = _sheet_filename(sheet, "pdf"), render(sheet)
    record_download("remuneration.export", sheet, format="pdf")
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"'})


@bp.get("/sheets/<int:sheet_id>.xlsx")
@login_required
def sheet_xlsx(sheet_id: int):
    sheet = load(RemunerationSheet, sheet_id, "officer.view")
    from .exports import sheet_workbook

    response = _xlsx(sheet_workbook(sheet), _sheet_filename(sheet, "xlsx"))
    record_download("remuneration.export", sheet, format="xlsx")
    return response


def _xlsx(workbook, filename: str) -> Response:
    from ...exports import workbook_bytes

    return Response(
        workbook_bytes(workbook),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------


def _report_year() -> int:
    year = year_arg("year", today().year)
    return year if 2000 <= year <= 2100 else today().year


@bp.get("/units/<int:unit_id>/reports")
@login_required
def reports(unit_id: int):
    unit = load(Unit, unit_id, "officer.view")
    year = _report_year()
    return render_template(
        "officers/reports.html", unit=unit, ancestors=unit_ancestors(unit), year=year,
        by_officer=svc.yearly_by_officer(unit, year), by_unit=svc.yearly_by_unit(unit, year),
        share=svc.unpaid_share(unit, year))


@bp.get("/units/<int:unit_id>/reports.xlsx")
@login_required
def reports_xlsx(unit_id: int):
    unit = load(Unit, unit_id, "officer.view")
    year = _report_year()
    from .exports import reports_workbook

    name = f"thu-lao-{unit.code.lower()}-{year}.xlsx"
    response = _xlsx(reports_workbook(unit, year), name)
    record_download("officer.export", unit, year=year, format="xlsx")
    return response

