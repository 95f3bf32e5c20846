"""Treasury views: Funds, cash book, settings."""

from __future__ import annotations

from datetime import date

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import Fund, Unit, Voucher, today
from ...pdf import vouchers as voucher_pdf_module
from ...permissions import load
from ...services import DomainError
from ...services import treasury as svc
from ...views import attach_error, record_download, unit_ancestors
from . import bp
from .forms import (
    METHOD_LABELS,
    FundForm,
    SettingsForm,
)
from .rows import VoucherRow, as_rows
from .views import _date_arg, _pdf_response, _unit_page, _voucher_page

# ---------------------------------------------------------------------------------------------
# Funds, cash book, settings
# ---------------------------------------------------------------------------------------------


@bp.post("/units/<int:unit_id>/funds")
@login_required
def create_fund(unit_id: int):
    unit = load(Unit, unit_id, "fund.edit")
    form = FundForm(prefix="fund")
    if form.validate_on_submit():
        try:
            fund = svc.create_fund(current_user, unit, code=form.code.data, name=form.name.data,
                                   sponsor=form.sponsor.data or "")
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Fund %(name)s created.", name=fund.name), "success")
            return redirect(url_for(".unit_index", unit_id=unit.id))
    q = select(Voucher).where(Voucher.unit_id == unit.id)
    page = _voucher_page(as_rows(q), first=True, row=VoucherRow)
    return _unit_page(unit, page, form, {}, 400)


@bp.post("/funds/<int:fund_id>/active")
@login_required
def fund_active(fund_id: int):
    fund = load(Fund, fund_id, "fund.edit")
    try:
        svc.set_fund_active(current_user, fund, request.form.get("active") == "1")
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("Changes saved."), "success")
    return redirect(url_for(".unit_index", unit_id=fund.unit_id))


@bp.get("/funds/<int:fund_id>/cashbook")
@login_required
def cash_book(fund_id: int):
    fund = load(Fund, fund_id, "fund.view")
    t = today()
    date_from = _date_arg("date_from", date(t.year, 1, 1))
    date_to = _date_arg("date_to", t)
    method = request.args.get("method", "cash")
    method = method if method in METHOD_LABELS else None
    settings = svc.settings_for(fund.unit)
    title, _form_code = voucher_pdf_module.book_title(method, settings.form_series)
    try:
        book = svc.cash_book(fund, date_from, date_to, method=method)
    except DomainError as e:
        flash(str(e), "danger")
        book = svc.cash_book(fund, date_from, date_from, method=method)
    fmt = request.args.get("format")
    kind_slug = {"cash": "so-quy", "transfer": "so-tien-gui"}.get(method, "so-thu-chi")
    slug = f"{kind_slug}-{fund.code}-{date_from:%Y%m%d}-{date_to:%Y%m%d}"
    if fmt == "pdf":
        data = voucher_pdf_module.cash_book_pdf(book, settings)
        record_download("fund.export", fund, format="pdf")
        return _pdf_response(data, f"{slug}.pdf")
    if fmt == "xlsx":
        data = _cash_book_xlsx(book, settings.form_series)
        record_download("fund.export", fund, format="xlsx")
        response = make_response(data)
        response.headers["Content-Type"] = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers["Content-Disposition"] = f'attachment; filename="{slug}.xlsx"'
        return response
    return render_template("treasury/cashbook.html", book=book, fund=fund, unit=fund.unit,
                           ancestors=unit_ancestors(fund.unit), method=method or "all",
                           book_title=title, reconciliation=_reconciliation(fund, method))


def _reconciliation(fund: Fund, method: str | None):
    """The bank book's line "per statement" vs "per book" (bank statements, issue 33)."""
    if method != "transfer":
        return None
    from ..bank import reconcile

    return reconcile.for_fund(fund)


def _cash_book_xlsx(book, series: str = "tt") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sổ quỹ")
    ws.column_dimensions["E"].width = 60
    bold = Font(bold=True)

    def cells(values, strong=False):
        from ...exports import xlsx_cell

        out = []
        for value in values:
            cell = xlsx_cell(ws, value)
            if strong:
                cell.font = bold
            if isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = "#,##0"
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
            out.append(cell)
        return out

    ws.append(cells([book.unit.name], strong=True))
    title, form_code = voucher_pdf_module.book_title(book.method, series)
    ws.append(cells([f"{title} — {book.fund.name}", "", "", "", "", "", "", form_code],
                    strong=True))
    ws.append(cells([f"Từ ngày {book.date_from:%d/%m/%Y} đến ngày {book.date_to:%d/%m/%Y}"]))
    ws.append(cells(["Ngày ghi sổ", "Ngày chứng từ", "Số phiếu thu", "Số phiếu chi", "Diễn giải",
                     "Thu", "Chi", "Tồn", "Ghi chú"], strong=True))
    ws.append(cells(["", "", "", "", "Số dư đầu kỳ", None, None, book.opening, ""], strong=True))
    for r in book.rows:
        # A void voucher moves nothing: its amount stays out of the Thu/Chi columns (so their
        # SUM equals the stated totals) and is named in the notes.
        amount = r.amount_in or r.amount_out
        ws.append(cells([r.voucher_date, r.voucher_date,
                         r.number if r.kind == "receipt" else "",
                         r.number if r.kind == "payment" else "", r.description,
                         None if r.void else (r.amount_in or None),
                         None if r.void else (r.amount_out or None),
                         r.balance,
                         (f"ĐÃ HỦY ({amount:,} đ không ghi sổ): {r.note}".replace(",", ".")
                          if r.void else "")]))
    ws.append(cells(["", "", "", "", "Cộng phát sinh trong kỳ", book.total_in, book.total_out,
                     None, ""], strong=True))
    ws.append(cells(["", "", "", "", "Số dư cuối kỳ", None, None, book.closing, ""], strong=True))
    ws.append([])
    ws.append(cells(["", "", "", "", "", "", "Ngày ..... tháng ..... năm .........."]))
    settings = svc.settings_for(book.unit)
    series = voucher_pdf_module.SERIES.get(settings.form_series, voucher_pdf_module.SERIES["tt"])
    ws.append(cells(["", "Người ghi sổ", "", "", series["accountant"], "", series["head"]],
                    strong=True))
    ws.append(cells(["", settings.cashier_name, "", "", settings.accountant_name, "",
                     settings.head_name]))
    from ...exports import workbook_bytes

    return workbook_bytes(wb)


@bp.route("/units/<int:unit_id>/treasury/settings", methods=["GET", "POST"])
@login_required
def settings(unit_id: int):
    unit = load(Unit, unit_id, "unit.edit")
    current = svc.settings_for(unit)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            svc.update_settings(
                current_user, unit, form_series=form.form_series.data,
                word_style=form.word_style.data, chan=form.chan.data,
                head_name=form.head_name.data or "", accountant_name=form.accountant_name.data or "",
                cashier_name=form.cashier_name.data or "",
                books_closed_through=form.books_closed_through.data,
                legal_basis=form.legal_basis.data or "")
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".unit_index", unit_id=unit.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("treasury/settings.html", unit=unit, ancestors=unit_ancestors(unit),
                           form=form), status

