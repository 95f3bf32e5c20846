"""Treasury pages: funds and balances, issue / void / print vouchers, lists, batch print, cash
book (screen, PDF, Excel), settings, and the public verification page."""

from __future__ import annotations

import uuid
from datetime import date
from typing import NamedTuple

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
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...forms import filter_day
from ...keyset import KeysetPage, keyset_page
from ...models import INTERNAL_LINKS, Fund, Unit, Voucher, today
from ...pdf import vouchers as voucher_pdf_module
from ...permissions import can, load, scope_query
from ...services import DomainError, audit, voucher_links
from ...services import treasury as svc
from ...text import search_key
from ...urls import public_url
from ...views import attach_error, id_arg, unit_ancestors
from . import bp
from .forms import (
    FUND_KIND_LABELS,
    KIND_LABELS,
    LINK_LABELS,
    METHOD_LABELS,
    STATUS_LABELS,
    FundForm,
    VoidForm,
    VoucherForm,
)
from .rows import VoucherRow, as_rows, voucher_rows

BATCH_LIMIT = 2000


bp.add_app_template_global(voucher_rows, "voucher_rows")


@bp.app_context_processor
def treasury_labels():
    return {"VOUCHER_KIND_LABELS": KIND_LABELS, "METHOD_LABELS": METHOD_LABELS,
            "FUND_KIND_LABELS": FUND_KIND_LABELS, "VOUCHER_STATUS_LABELS": STATUS_LABELS,
            "LINK_LABELS": LINK_LABELS}




def _date_arg(name: str, default: date | None) -> date | None:
    return filter_day(name, default)


# ---------------------------------------------------------------------------------------------
# Voucher lists (one unit, or everything the user may see)
# ---------------------------------------------------------------------------------------------


def _filtered_vouchers(base):
    """Apply the list filters of the query string to a voucher query."""
    args = request.args
    if args.get("kind") in KIND_LABELS:
        base = base.where(Voucher.kind == args["kind"])
    if args.get("status") in STATUS_LABELS:
        base = base.where(Voucher.status == args["status"])
    # Money moved between our own books (handovers, cash <-> bank): apart from money in and
    # out ("no", as the dashboard's figures count), or alone ("only": its "Bàn giao quỹ" line).
    internal = Voucher.link_type.in_(INTERNAL_LINKS)
    if args.get("moves") == "no":
        base = base.where(Voucher.link_type.is_(None) | ~internal)
    elif args.get("moves") == "only":
        base = base.where(internal)
    if d := _date_arg("date_from", None):
        base = base.where(Voucher.voucher_date >= d)
    if d := _date_arg("date_to", None):
        base = base.where(Voucher.voucher_date <= d)
    if (fund := id_arg(Fund, "fund", "fund.view")) is not None:
        base = base.where(Voucher.fund_id == fund.id)
    if term := search_key(args.get("q", "")):
        base = base.where(Voucher.search_key.contains(term, autoescape=True)
                          | func.lower(Voucher.reason).contains(term, autoescape=True))
    return base


def _scoped_vouchers():
    q = select(Voucher).join(Unit, Voucher.unit_id == Unit.id)
    q = scope_query(q, current_user, "voucher.view")
    if (under := id_arg(Unit, "unit", "voucher.view")) is not None:
        q = q.where(Unit.path.startswith(under.path, autoescape=True))
    if term := request.args.get("unit_q", "").strip()[:100]:  # units by name or code
        q = q.where(or_(Unit.code == term.upper(),
                        Unit.search_key.contains(search_key(term), autoescape=True)))
    return _filtered_vouchers(q)


def _voucher_page(q, first: bool = False, row=None) -> KeysetPage:
    """A page of vouchers, newest first, reached by "previous / next" (keyset) links; with
    `row`, `q` selects a table's plain columns (rows.as_rows)."""
    return keyset_page(q, Voucher.voucher_date, Voucher.id,
                       after=None if first else request.args.get("after"),
                       before=None if first else request.args.get("before"),
                       per_page=current_app.config.get("PER_PAGE", 50), row=row)


@bp.get("/units/<int:unit_id>/treasury")
@login_required
def unit_index(unit_id: int):
    unit = load(Unit, unit_id, "voucher.view")
    q = _filtered_vouchers(select(Voucher).where(Voucher.unit_id == unit.id))
    page = _voucher_page(as_rows(q), row=VoucherRow)
    fund_form = FundForm(prefix="fund") if can(current_user, "fund.edit", unit) else None
    return _unit_page(unit, page, fund_form, request.args)


def _unit_page(unit: Unit, page, fund_form, filters, status: int = 200):
    """The unit's funds and vouchers."""
    funds = svc.funds_of(unit)
    # One query for both figures: a fund's balance is the sum of its cash and bank balances.
    by_method = svc.method_balances([f.id for f in funds])
    return render_template("treasury/unit.html", unit=unit, ancestors=unit_ancestors(unit),
                           no_vouchers=svc.no_new_vouchers(unit) if unit.valid_to else None,
                           funds=funds, by_method=by_method,
                           balances={fid: sum(by_method[fid].values()) for fid in by_method},
                           general_missing=not any(f.kind == "general" for f in funds),
                           general_name=svc.GENERAL_FUND_NAME, page=page,
                           fund_form=fund_form, filters=filters), status


@bp.get("/treasury/")
@login_required
def overview():
    """Balances of every fund the user may see (a district treasurer sees every unit below)."""
    q = scope_query(select(Fund, Unit).join(Unit, Fund.unit_id == Unit.id), current_user,
                    "fund.view")
    rows = db.session.execute(q.order_by(Unit.path, Fund.kind.desc(), Fund.name)).all()
    balances = svc.balances([f.id for f, _u in rows])
    by_method = svc.method_balances([f.id for f, _u in rows])
    total = sum(balances.values())
    return render_template("treasury/overview.html", rows=rows, balances=balances, total=total,
                           by_method=by_method,
                           total_cash=sum(b["cash"] for b in by_method.values()),
                           total_bank=sum(b["transfer"] for b in by_method.values()))


UNIT_CHOICES = 300  # more units in reach than this: the unit filter is a name-or-code search


class UnitChoice(NamedTuple):
    id: int
    name: str
    depth: int


@bp.get("/treasury/vouchers")
@login_required
def vouchers():
    q = as_rows(_scoped_vouchers(), unit_joined=True)

    # A drop-down of the units in reach while they are few; a province's or the nation's
    # thousands of units are found by name or code instead.
    rows = db.session.execute(scope_query(select(Unit.id, Unit.name, Unit.path), current_user,
                                          "voucher.view").order_by(Unit.path)
                              .limit(UNIT_CHOICES + 1)).all()
    choices = [UnitChoice(i, name, Unit.depth_of(path)) for i, name, path in rows]
    many = len(choices) > UNIT_CHOICES
    return render_template("treasury/list.html", page=_voucher_page(q, row=VoucherRow),
                           filters=request.args,
                           units=[] if many else choices, unit_search=many,
                           list_args=_list_args())


def _list_args() -> dict:
    """The list filters of the query string (only the known ones), to rebuild a list URL."""
    keys = ("kind", "status", "date_from", "date_to", "fund", "q", "unit", "unit_q")
    return {k: request.args[k] for k in keys if request.args.get(k)}


def _batch(q):
    q = q.order_by(Voucher.voucher_date, Voucher.kind, Voucher.number)
    found = db.session.scalars(q.limit(BATCH_LIMIT + 1).options(
        joinedload(Voucher.unit), joinedload(Voucher.fund))).unique().all()
    if not found:
        flash(_("No voucher matches the filter."), "warning")
        return None
    if len(found) > BATCH_LIMIT:
        flash(_("At most %(n)s vouchers can be printed at once: narrow the filter.",
                n=BATCH_LIMIT), "warning")
        return None
    return found


@bp.get("/treasury/vouchers.pdf")
@login_required
def batch_pdf():
    """Preview of all vouchers of the filtered list (e.g. one day), oldest first: counts
    nothing; vouchers not printed yet are stamped "XEM TRƯỚC", printed ones "BẢN SAO"."""
    found = _batch(_scoped_vouchers())
    if found is None:
        return redirect(url_for(".vouchers", **_list_args()))
    data = _render_vouchers(found, svc.preview_marks(found), _copies(request.args))
    return _pdf_response(data, "phieu-xem-truoc.pdf")


@bp.post("/treasury/vouchers/print")
@login_required
def batch_print():
    """The treasurer confirms the batch print: each voucher's print is counted (the first is the
    original, later ones are copies). Only vouchers of books the user may issue in."""
    if not request.form.get("confirm"):
        flash(_("Tick the box to confirm the print: it counts for every voucher printed."),
              "warning")
        return redirect(url_for(".vouchers", **_list_args()))
    found = _batch(_scoped_vouchers())
    if found is not None:
        may: dict[int, bool] = {}
        for v in found:
            if v.unit_id not in may:
                may[v.unit_id] = can(current_user, "voucher.issue", v.unit)
        found = [v for v in found if may[v.unit_id]]
        if not found:
            flash(_("None of these vouchers is in a book you may issue in."), "warning")
            found = None
    if found is None:
        return redirect(url_for(".vouchers", **_list_args()))
    copies = svc.record_print(current_user, found)
    data = _render_vouchers(found, ["copy" if c else "original" for c in copies],
                            _copies(request.form))
    db.session.commit()
    return _pdf_response(data, "phieu.pdf")


# ---------------------------------------------------------------------------------------------
# One voucher
# ---------------------------------------------------------------------------------------------


def _fund_choices(unit: Unit) -> list[tuple[int, str]]:
    return svc.fund_choices(unit)


def _link_choices(unit: Unit, kind: str) -> list[tuple[str, str]]:
    return [("", "—"), *voucher_links.link_choices(unit, kind)]


@bp.route("/units/<int:unit_id>/vouchers/new/<kind>", methods=["GET", "POST"])
@login_required
def issue(unit_id: int, kind: str):
    unit = load(Unit, unit_id, "voucher.issue")
    if kind not in KIND_LABELS:
        abort(404)
    if (why := svc.no_new_vouchers(unit)) is not None:
        flash(why, "warning")
        return redirect(url_for(".unit_index", unit_id=unit.id))
    if request.method == "POST":
        # A double-submitted form: show the voucher the first submission issued.
        existing = svc.find_by_token(request.form.get("token"))
        if existing is not None and existing.unit_id == unit.id:
            flash(_("This form was already submitted: here is voucher %(no)s.",
                    no=existing.display_number), "info")
            return redirect(url_for(".voucher", voucher_id=existing.id))
    form = VoucherForm()
    form.fund.choices = _fund_choices(unit)
    form.link.choices = _link_choices(unit, kind)
    form.party_name.label.text = _("Payer's name") if kind == "receipt" else _("Payee's name")
    form.reason.label.text = _("Reason for receipt") if kind == "receipt" else _(
        "Reason for payment")
    may_overdraw = kind == "payment" and can(current_user, "fund.overdraw", unit)
    if not may_overdraw:
        del form.allow_overdraw
    if request.method == "GET":
        form.token.data = uuid.uuid4().hex
        form.voucher_date.data = today()
        form.fund.data = form.fund.choices[0][0] if form.fund.choices else None
    if form.validate_on_submit():
        fund = db.session.get(Fund, form.fund.data) if form.fund.data else None
        try:
            if not form.token.data:
                raise DomainError(_("The form has expired: please fill it in again."))
            if form.fund.data and (fund is None or fund.unit_id != unit.id):
                raise DomainError(_("Choose one of this unit's funds."), "fund")
            link_type, link_id = voucher_links.parse_choice(form.link.data)
            voucher = svc.issue_voucher(
                current_user, unit, kind=kind, amount=form.amount.amount,
                party_name=form.party_name.data, reason=form.reason.data,
                voucher_date=form.voucher_date.data, party_address=form.party_address.data or "",
                method=form.method.data, fund=fund, attachments=form.attachments.data or 0,
                link_type=link_type, link_id=link_id,
                token=form.token.data,
                allow_overdraw=bool(may_overdraw and form.allow_overdraw.data),
            )
            db.session.commit()
        except DomainError as e:
            db.session.rollback()
            form.fund.choices = _fund_choices(unit)
            form.link.choices = _link_choices(unit, kind)
            attach_error(form, e)
        except IntegrityError:
            # Two submissions of the same form raced; the other one won.
            db.session.rollback()
            existing = svc.find_by_token(form.token.data)
            if existing is None:
                raise
            flash(_("This form was already submitted: here is voucher %(no)s.",
                    no=existing.display_number), "info")
            return redirect(url_for(".voucher", voucher_id=existing.id))
        else:
            flash(_("Voucher %(no)s issued.", no=voucher.display_number), "success")
            return redirect(url_for(".voucher", voucher_id=voucher.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("treasury/voucher_form.html", unit=unit, ancestors=unit_ancestors(unit),
                           form=form, kind=kind, may_overdraw=may_overdraw), status


@bp.route("/vouchers/<int:voucher_id>", methods=["GET"])
@login_required
def voucher(voucher_id: int, void_form=None, status: int = 200):
    v = load(Voucher, voucher_id, "voucher.view")
    if void_form is None and can(current_user, "voucher.void", v.unit) and not v.is_void:
        void_form = VoidForm()
    history = db.session.scalars(audit.history_query("voucher", v.id).limit(50)).all()
    return render_template("treasury/voucher.html", v=v, unit=v.unit,
                           ancestors=unit_ancestors(v.unit), void_form=void_form,
                           history=history, linked=voucher_links.describe(v),
                           pair=db.session.get(Voucher, v.pair_id) if v.pair_id else None,
                           may_print=can(current_user, "voucher.issue", v.unit)), status


@bp.post("/vouchers/<int:voucher_id>/void")
@login_required
def void(voucher_id: int):
    v = load(Voucher, voucher_id, "voucher.void")
    form = VoidForm()
    if form.validate_on_submit():
        partner = svc.pair_of(v)
        try:
            svc.void_voucher(current_user, v, form.reason.data)
            if partner is not None and partner.is_void and not can(
                    current_user, "voucher.void", partner.unit):
                # Both halves go void together: that takes the right in both books.
                raise DomainError(_(
                    "This voucher is one half of a move of money between our own books, with "
                    "%(no)s of %(unit)s: both are voided together, and you may not void vouchers "
                    "of %(unit)s.", no=partner.display_number, unit=partner.unit.name), "reason")
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            pair = db.session.get(Voucher, v.pair_id) if v.pair_id else None
            if pair is not None and pair.is_void:  # an internal move: both halves together
                flash(_("Vouchers %(no)s and %(other)s are void.", no=v.display_number,
                        other=pair.display_number), "success")
            else:
                flash(_("Voucher %(no)s is void.", no=v.display_number), "success")
            return redirect(url_for(".voucher", voucher_id=v.id))
    return voucher(v.id, void_form=form, status=400)


def _verify_url(v: Voucher) -> str:
    return public_url("treasury.verify", token=v.public_token)


def _copies(args) -> int:
    return 2 if args.get("copies") == "2" else 1


def _render_vouchers(found: list[Voucher], marks: list[str], copies: int) -> bytes:
    """Draw the vouchers, each with its mark (preview / original / copy)."""
    settings: dict[int, object] = {}
    pages = []
    for v, mark in zip(found, marks, strict=True):
        if v.unit_id not in settings:
            settings[v.unit_id] = svc.settings_for(v.unit)
        maker = v.created_by.full_name if v.created_by else ""
        pages.append(voucher_pdf_module.prepare(v, settings[v.unit_id], _verify_url(v),
                                                mark=mark, print_no=v.print_count,
                                                maker_name=maker))
    return voucher_pdf_module.vouchers_pdf(pages, copies=copies)


def _pdf_response(data: bytes, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/vouchers/<int:voucher_id>/pdf")
@login_required
def voucher_pdf(voucher_id: int):
    """A preview: changes nothing. Stamped "XEM TRƯỚC" before the first official print,
    "BẢN SAO" after it."""
    v = load(Voucher, voucher_id, "voucher.view")
    data = _render_vouchers([v], svc.preview_marks([v]), _copies(request.args))
    return _pdf_response(data, f"{v.book.code}-{v.number:04d}-xem-truoc.pdf")


@bp.post("/vouchers/<int:voucher_id>/print")
@login_required
def print_voucher(voucher_id: int):
    """The official print, by someone who may issue in this voucher's book: the first is the
    original (no stamp on any liên), every later one "BẢN SAO" with its number."""
    v = load(Voucher, voucher_id, "voucher.issue")
    (copy,) = svc.record_print(current_user, [v])
    data = _render_vouchers([v], ["copy" if copy else "original"], _copies(request.form))
    db.session.commit()
    return _pdf_response(data, f"{v.book.code}-{v.number:04d}.pdf")


@bp.get("/verify/<token>")
def verify(token: str):
    """Public: unit, book/number, date, amount and VALID or VOID — nothing else."""
    v = svc.by_public_token(token)
    if v is None:
        abort(404)
    return render_template("treasury/verify.html", v=v)
