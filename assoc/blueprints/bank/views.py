"""Bank pages: a unit's accounts and statements, the statement preview and booking, the dues
reminder slips. Views load → require → service → commit → redirect."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import jobs
from ...extensions import db
from ...models import BankAccount, BankStatement, Event, Fund, Pledge, Unit, today
from ...permissions import can, load
from ...services import DomainError, imports
from ...views import attach_error, record_download, unit_ancestors
from . import accounts as svc
from . import banks, bp, matching, papers, qr, statements, transfer_codes
from . import jobs as _jobs  # noqa: F401  (registers the bank_import job)
from .forms import AccountForm, ConfirmStatementForm, StatementForm

JOB_LINES = 300  # statements with more lines are booked as a job with a progress page


def _fund_choices(unit: Unit) -> list[tuple[int, str]]:
    return [(f.id, f.name) for f in db.session.scalars(
        select(Fund).where(Fund.unit_id == unit.id, Fund.kind != "general",
                           Fund.active.is_(True)).order_by(Fund.name))]


def _fund(unit: Unit, fund_id: int | None) -> Fund | None:
    return load(Fund, fund_id, "fund.edit") if fund_id else None


def _index(unit: Unit, account_form=None, statement_form=None, status: int = 200):
    accounts = svc.accounts_of(unit)
    if account_form is None and can(current_user, "fund.edit", unit):
        account_form = AccountForm(prefix="acc", funds=_fund_choices(unit))
    if statement_form is None and can(current_user, "voucher.issue", unit):
        statement_form = StatementForm(prefix="st")
    if statement_form is not None:
        statement_form.account_id.choices = [(a.id, f"{banks.short_name(a.bank_bin)} · "
                                              f"{a.account_number}")
                                             for a in accounts if a.active]
    general = db.session.scalar(select(Fund.id).where(Fund.unit_id == unit.id,
                                                     Fund.kind == "general"))
    book_fund = {a.id: a.fund_id or general for a in accounts}
    recent = db.session.scalars(
        select(BankStatement).where(BankStatement.unit_id == unit.id)
        .order_by(BankStatement.id.desc()).limit(10)).all()
    return render_template(
        "bank/index.html", unit=unit, ancestors=unit_ancestors(unit), accounts=accounts,
        account_form=account_form, statement_form=statement_form, statements=recent,
        bank_name=banks.short_name, year=today().year, book_fund=book_fund), status


@bp.get("/units/<int:unit_id>/bank")
@login_required
def unit_index(unit_id: int):
    unit = load(Unit, unit_id, "fund.view")
    return _index(unit)


@bp.post("/units/<int:unit_id>/bank/accounts")
@login_required
def create_account(unit_id: int):
    unit = load(Unit, unit_id, "fund.edit")
    form = AccountForm(prefix="acc", funds=_fund_choices(unit))
    status = 400
    if form.validate_on_submit():
        status = 409
        try:
            account = svc.create_account(
                current_user, unit, bank_bin=form.bank_bin.data,
                account_number=form.account_number.data, account_name=form.account_name.data,
                fund=_fund(unit, form.fund_id.data), receiving=form.receiving.data)
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Account %(n)s added.", n=account.account_number), "success")
            return redirect(url_for(".unit_index", unit_id=unit.id))
    return _index(unit, account_form=form, status=status)


@bp.route("/bank/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@login_required
def edit_account(account_id: int):
    account = load(BankAccount, account_id, "fund.edit")
    unit = account.unit
    form = AccountForm(obj=account if request.method == "GET" else None,
                       funds=_fund_choices(unit))
    if request.method == "GET":
        form.fund_id.data = account.fund_id or 0
    status = 200
    if form.validate_on_submit():
        try:
            svc.update_account(current_user, account, bank_bin=form.bank_bin.data,
                               account_number=form.account_number.data,
                               account_name=form.account_name.data,
                               fund=_fund(unit, form.fund_id.data),
                               receiving=form.receiving.data, active=form.active.data)
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
            status = 409
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".unit_index", unit_id=unit.id))
    elif form.is_submitted():
        status = 400
    return render_template("bank/account_form.html", form=form, unit=unit, account=account,
                           ancestors=unit_ancestors(unit)), status


@bp.post("/units/<int:unit_id>/bank/statements")
@login_required
def upload_statement(unit_id: int):
    unit = load(Unit, unit_id, "voucher.issue")
    form = StatementForm(prefix="st")
    form.account_id.choices = [(a.id, a.account_number) for a in svc.accounts_of(unit)
                               if a.active]
    if form.validate_on_submit():
        account = load(BankAccount, form.account_id.data, "voucher.issue")
        if account.unit_id != unit.id:
            abort(404)
        upload = form.file.data
        data = upload.read()
        try:
            statement = statements.read(data, upload.filename or "")
            if statement.account_number and statement.account_number != account.account_number:
                raise DomainError(_("The statement is of account %(n)s, not of the account "
                                    "chosen (%(m)s).", n=statement.account_number,
                                    m=account.account_number), "file")
        except DomainError as e:
            attach_error(form, e)
        else:
            token = imports.save_upload(current_user, unit, data, upload.filename or "",
                                        kind="bank", extra={"account_id": account.id})
            return redirect(url_for(".preview", token=token))
    return _index(unit, statement_form=form, status=400)


def _load_upload(token: str):
    loaded = imports.load_upload(current_user, token, "bank")
    if loaded is None:
        abort(404)
    meta, data = loaded
    account = load(BankAccount, meta["account_id"], "voucher.issue")
    return meta, data, account


def _decisions(preview: matching.Preview) -> dict[str, str]:
    """The user's choice for every line, from the form (`d_<fingerprint>`)."""
    out = {}
    for m in preview.lines:
        value = request.form.get(f"d_{m.line.fingerprint}")
        if value is None:
            continue
        if value == "skip" or m.option(value) is not None or (
                value.startswith("donor:") and value[6:].isdigit() and m.group == "unmatched"):
            out[m.line.fingerprint] = value
    return out


@bp.route("/bank/import/<token>", methods=["GET", "POST"])
@login_required
def preview(token: str):
    meta, data, account = _load_upload(token)
    unit = account.unit
    form = ConfirmStatementForm()
    try:
        preview = matching.match(account, statements.read(data, meta["filename"]))
    except DomainError as e:
        imports.discard_upload(token)
        flash(str(e), "danger")
        return redirect(url_for(".unit_index", unit_id=unit.id))
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        decisions = _decisions(preview)
        if len(preview.lines) >= current_app.config.get("BANK_JOB_LINES", JOB_LINES):
            job = jobs.create(current_user, unit, "bank_import",
                              _("Statement %(file)s of %(unit)s", file=meta["filename"],
                                unit=unit.name),
                              {"upload": token, "decisions": decisions},
                              total=len(preview.lines))
            db.session.commit()
            jobs.launch(job)
            return redirect(url_for("jobs.show", token=job.token))
        try:
            summary = matching.book(current_user, account, preview, decisions,
                                    filename=meta["filename"])
            db.session.commit()
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
            status = 409
        except IntegrityError:
            # The same lines were booked meanwhile (a second click, a colleague): the first
            # booking stands; the preview now shows them as already imported.
            db.session.rollback()
            flash(_("These lines were booked meanwhile: nothing was booked twice."), "warning")
            return redirect(url_for(".preview", token=token))
        else:
            imports.discard_upload(token)
            flash(_("Statement booked: %(lines)s lines, %(vouchers)s vouchers.",
                    lines=summary["booked"], vouchers=summary["vouchers"]), "success")
            return redirect(url_for(".unit_index", unit_id=unit.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "bank/preview.html", unit=unit, ancestors=unit_ancestors(unit), account=account,
        preview=preview, form=form, token=token, counts=preview.counts(),
        donors=matching.donor_options(account), bank_name=banks.short_name,
        filename=meta["filename"]), status


@bp.get("/units/<int:unit_id>/bank/dues-slips.pdf")
@login_required
def dues_slips(unit_id: int):
    unit = load(Unit, unit_id, "member.view")
    year = request.args.get("year", type=int) or today().year
    if not 2000 <= year <= today().year + 1:
        abort(404)
    from .slips import dues_slips_pdf, unpaid_members

    account = svc.receiving_account(unit)
    if account is None:
        flash(_("Add the unit's bank account first."), "warning")
        return redirect(url_for(".unit_index", unit_id=unit.id))
    members = unpaid_members(unit, year)
    pdf = dues_slips_pdf(unit, account, members, year)
    record_download("bank.export_dues_slips", unit, year=year, members=len(members))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="phieu-nhac-hoi-phi-{year}.pdf"'
    return response


def _pdf(data: bytes, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/bank/pledges/<int:pledge_id>/letter.pdf")
@login_required
def pledge_letter(pledge_id: int):
    pledge = load(Pledge, pledge_id, "event.view")
    if pledge.status != "open":
        abort(404)
    tq = qr.pledge(pledge)
    if tq is None:
        flash(_("Add the unit's bank account first."), "warning")
        return redirect(url_for(".unit_index", unit_id=pledge.unit_id))
    return _pdf(papers.pledge_letter_pdf(pledge, tq), f"thu-cam-ket-{tq.code}.pdf")


@bp.get("/bank/events/<int:event_id>/poster.pdf")
@login_required
def event_poster(event_id: int):
    event = load(Event, event_id, "event.view")
    tq = qr.event(event)
    if tq is None:
        abort(404)
    return _pdf(papers.event_poster_pdf(event, tq), f"ung-ho-{tq.code}.pdf")


@bp.app_template_filter("pledge_code")
def pledge_code_filter(number: int | None) -> str:
    return transfer_codes.pledge_code(number) if number else ""


@bp.app_template_filter("event_code")
def event_code_filter(number: int | None) -> str:
    return transfer_codes.event_code(number) if number else ""
