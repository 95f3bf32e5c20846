"""Members: list/search per unit sub-tree, register/edit/transfer/end, dues, cards, import,
export, duplicates, and the public card check page."""

from __future__ import annotations

import re
import uuid

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import jobs
from ...extensions import db
from ...models import DuesPayment, Member, MemberTransfer, Unit, today
from ...permissions import can, can_collect_dues, granting_paths, load, require, scope_query
from ...services import DomainError, audit, imports, tally
from ...services import members as svc
from ...text import clean as clean_text
from ...urls import public_url
from ...views import attach_error, page_arg, safe_next, unit_ancestors, year_arg
from . import bp
from .forms import (
    IMPORT_FIELD_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    ConfirmImportForm,
    DuesPayForm,
    DuesRateForm,
    EndForm,
    ImportForm,
    MemberForm,
    MergeForm,
    TransferForm,
)

MAX_CARDS = 5000


@bp.app_context_processor
def member_labels():
    return {"MEMBER_KIND_LABELS": KIND_LABELS, "MEMBER_STATUS_LABELS": STATUS_LABELS}




def _units_for(action: str, within: Unit | None = None) -> list[Unit]:
    q = scope_query(select(Unit), current_user, action).where(Unit.valid_to.is_(None))
    if within is not None:
        q = q.where(Unit.path.startswith(within.path, autoescape=True))
    return db.session.scalars(q.order_by(Unit.path)).all()


def _unit_choices(units: list[Unit]) -> list[tuple[int, str]]:
    base = min((u.depth for u in units), default=0)
    return [(u.id, f"{'— ' * (u.depth - base)}{u.name}") for u in units]


def _eager(q):
    """Members with their units, without one query per row."""
    return q.options(selectinload(Member.unit))


# ---------------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """Start from the highest unit(s) where the user may see members."""
    paths = granting_paths(current_user, "member.view")
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    if not tops:
        abort(403)
    units = db.session.scalars(select(Unit).where(Unit.path.in_(tops)).order_by(Unit.path)).all()
    if len(units) == 1:
        return redirect(url_for(".unit_list", unit_id=units[0].id))
    return render_template("members/pick_unit.html", units=units)


@bp.get("/unit/<int:unit_id>")
@login_required
def unit_list(unit_id: int):
    unit = load(Unit, unit_id, "member.view")
    filters = svc.ListFilters.from_args(request.args)
    if tally.ensure(unit):
        db.session.commit()  # roll-ups (the list's count) built: keep them, as dashboards do
    page = svc.member_page(current_user, unit, filters, after=request.args.get("after"),
                           before=request.args.get("before"),
                           per_page=current_app.config.get("PER_PAGE", 50))
    year = filters.dues_year or today().year
    paid = svc.paid_years([m.id for m in page.items], year)
    return render_template("members/list.html", unit=unit, ancestors=unit_ancestors(unit),
                           page=page, filters=filters, year=year, paid=paid,
                           export_args=filters.as_args())


@bp.get("/unit/<int:unit_id>/export.<fmt>")
@login_required
def export(unit_id: int, fmt: str):
    unit = load(Unit, unit_id, "member.view")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    filters = svc.ListFilters.from_args(request.args)
    limit = current_app.config.get("EXPORT_JOB_ROWS", JOB_EXPORT_ROWS)
    found = db.session.scalar(select(db.func.count()).select_from(
        svc.member_query(current_user, unit, filters).order_by(None).limit(limit).subquery()))
    if found >= limit:
        job = jobs.create(current_user, unit, "member_export",
                          _("Export of the members of %(unit)s (%(fmt)s)", unit=unit.name,
                            fmt=fmt.upper()),
                          {"format": fmt, "filters": filters.as_args()})
        db.session.commit()
        jobs.launch(job)
        return redirect(url_for("jobs.show", token=job.token))
    members = db.session.scalars(_eager(svc.member_query(current_user, unit, filters))).all()
    audit.record(current_user, "member.export", unit, data={"format": fmt, "rows": len(members),
                                                            **filters.as_args()})
    db.session.commit()
    name = f"hoi-vien-{unit.code.lower()}-{today():%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        body = imports.export_xlsx(members, unit)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mime = imports.export_csv(members, unit), "text/csv; charset=utf-8"
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _card_years() -> tuple[int, int]:
    start = year_arg("from", today().year)
    end = year_arg("to", start + 4)
    if not (2000 <= start <= end <= start + 10):
        start, end = today().year, today().year + 4
    return start, end


def _cards_response(members: list[Member], filename: str) -> Response:
    from ...pdf.member_cards import member_cards_pdf

    start, end = _card_years()
    body = member_cards_pdf(
        members, valid_from=start, valid_to=end,
        check_url=lambda m: public_url("members.check", token=m.card_token),
    )
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/unit/<int:unit_id>/cards.pdf")
@login_required
def cards(unit_id: int):
    unit = load(Unit, unit_id, "member.view")
    filters = svc.ListFilters.from_args(request.args)
    members = db.session.scalars(
        _eager(svc.member_query(current_user, unit, filters)).limit(MAX_CARDS + 1)).all()
    if len(members) > MAX_CARDS:
        flash(_("At most %(n)s cards at once: narrow the list with the filters.", n=MAX_CARDS),
              "warning")
        return redirect(url_for(".unit_list", unit_id=unit.id, **filters.as_args()))
    return _cards_response(members, f"the-hoi-vien-{unit.code.lower()}.pdf")


@bp.get("/<int:member_id>/card.pdf")
@login_required
def card(member_id: int):
    member = load(Member, member_id, "member.view")
    return _cards_response([member], f"the-{member.display_number}.pdf")


# ---------------------------------------------------------------------------------------------
# One member
# ---------------------------------------------------------------------------------------------


def _member_form(unit: Unit, member: Member | None = None) -> MemberForm:
    form = MemberForm(obj=member)
    if member is None:
        form.unit_id.choices = _unit_choices(_units_for("member.edit", unit))
        if request.method == "GET":
            form.unit_id.data = unit.id
            form.kind.data = "collective" if request.args.get("kind") == "collective" else (
                "individual")
    else:
        del form.unit_id
        if request.method == "GET":
            form.birth.data = (member.birth_date.strftime("%d/%m/%Y") if member.birth_date
                               else (str(member.birth_year) if member.birth_year else ""))
    return form


@bp.route("/unit/<int:unit_id>/new", methods=["GET", "POST"])
@login_required
def create(unit_id: int):
    unit = load(Unit, unit_id, "member.edit")
    form = _member_form(unit)
    similar = []
    if form.validate_on_submit():
        target = load(Unit, form.unit_id.data, "member.edit")
        if request.form.get("same_person_checked") != "1":
            similar = svc.similar_members(form.service_values())
        if similar:
            # A warning, not a refusal: show who looks the same; "Save anyway" goes on.
            return render_template("members/form.html", form=form, unit=unit, member=None,
                                   ancestors=unit_ancestors(unit), similar=similar), 200
        try:
            member = svc.create_member(current_user, target, **form.service_values())
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Member %(no)s %(name)s registered.", no=member.display_number,
                    name=member.full_name), "success")
            return redirect(url_for(".show", member_id=member.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("members/form.html", form=form, unit=unit, member=None,
                           ancestors=unit_ancestors(unit)), status


@bp.get("/<int:member_id>")
@login_required
def show(member_id: int):
    member = load(Member, member_id, "member.view")
    payments = db.session.scalars(select(DuesPayment).where(DuesPayment.member_id == member.id)
                                  .options(selectinload(DuesPayment.voucher))
                                  .order_by(DuesPayment.year.desc())).all()
    transfers = db.session.scalars(select(MemberTransfer).where(
        MemberTransfer.member_id == member.id).order_by(MemberTransfer.on, MemberTransfer.id)).all()
    history = db.session.scalars(audit.history_query("member", member.id).limit(50)).all()
    year = today().year
    pay_form = DuesPayForm(year=year, token=uuid.uuid4().hex, formdata=None)
    rate = svc.dues_rate(member.unit, year)
    warnings = []
    if member.cccd:
        from ...text import cccd_warnings

        warnings = cccd_warnings(member.cccd, sex=member.sex or None,
                                 birth_year=member.shown_birth_year)
    return render_template("members/show.html", member=member, unit=member.unit,
                           ancestors=unit_ancestors(member.unit), payments=payments,
                           transfers=transfers, history=history, pay_form=pay_form, rate=rate,
                           year=year, paid_this_year=svc.dues_paid(member, year) is not None,
                           warnings=warnings, can_delete=not svc.has_receipts(member),
                           end_form=EndForm(formdata=None))


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit(member_id: int):
    member = load(Member, member_id, "member.edit")
    form = _member_form(member.unit, member)
    if form.validate_on_submit():
        try:
            svc.update_member(current_user, member, **form.service_values())
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".show", member_id=member.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("members/form.html", form=form, unit=member.unit, member=member,
                           ancestors=unit_ancestors(member.unit)), status


@bp.route("/<int:member_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer(member_id: int):
    member = load(Member, member_id, "member.edit")
    form = TransferForm()
    form.unit_id.choices = _unit_choices(
        [u for u in _units_for("member.edit") if u.id != member.unit_id])
    if form.validate_on_submit():
        target = load(Unit, form.unit_id.data, "member.edit")
        try:
            svc.transfer_member(current_user, member, target, on=form.on.data,
                                reason=form.reason.data or "")
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Member transferred to %(unit)s.", unit=target.name), "success")
            if can(current_user, "member.view", target):
                return redirect(url_for(".show", member_id=member.id))
            return redirect(url_for(".unit_list", unit_id=member.unit_id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("members/transfer.html", form=form, member=member, unit=member.unit,
                           ancestors=unit_ancestors(member.unit)), status


@bp.post("/<int:member_id>/end")
@login_required
def end(member_id: int):
    member = load(Member, member_id, "member.edit")
    form = EndForm()
    if form.validate_on_submit():
        try:
            svc.end_membership(current_user, member, on=form.on.data, reason=form.reason.data)
        except DomainError as e:
            flash(str(e), "danger")
            return redirect(url_for(".show", member_id=member.id))
        db.session.commit()
        flash(_("The membership has ended."), "success")
        return redirect(url_for(".show", member_id=member.id))
    flash(_("A reason is required."), "danger")
    return redirect(url_for(".show", member_id=member.id))


@bp.post("/<int:member_id>/reinstate")
@login_required
def reinstate(member_id: int):
    member = load(Member, member_id, "member.edit")
    try:
        svc.reinstate(current_user, member)
    except DomainError as e:
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("The membership is active again."), "success")
    return redirect(url_for(".show", member_id=member.id))


@bp.post("/<int:member_id>/delete")
@login_required
def delete(member_id: int):
    member = load(Member, member_id, "member.edit")
    unit_id = member.unit_id
    try:
        svc.delete_member(current_user, member)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return redirect(url_for(".show", member_id=member_id))
    db.session.commit()
    flash(_("The record was deleted."), "success")
    return redirect(url_for(".unit_list", unit_id=unit_id))


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


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@bp.route("/unit/<int:unit_id>/import", methods=["GET", "POST"])
@login_required
def import_upload(unit_id: int):
    unit = load(Unit, unit_id, "member.edit")
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            imports.find_header(imports.read_grid(data, upload.filename or ""))
        except DomainError as e:
            attach_error(form, e)
        else:
            token = imports.save_upload(current_user, unit, data, upload.filename or "")
            return redirect(url_for(".import_preview", token=token))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("members/import_upload.html", form=form, unit=unit,
                           ancestors=unit_ancestors(unit)), status


def _load_import(token: str):
    loaded = imports.load_upload(current_user, token)
    if loaded is None:
        abort(404)
    meta, data = loaded
    unit = load(Unit, meta["unit_id"], "member.edit")
    return meta, data, unit


SHOW_ROWS = 200  # problem rows shown at once; "show all" and the download give the rest
JOB_ROWS = 2000  # from this many rows an import runs as a job with a progress page
JOB_EXPORT_ROWS = 50_000  # from this many rows an export runs as a job


def _possible_choice(preview) -> bool | set[int]:
    """The user's choice for possible duplicates: all, none, or the rows ticked."""
    choice = request.form.get("possible_all", "skip")
    if choice == "import":
        return True
    if choice == "each":
        return {int(v) for v in request.form.getlist("possible") if v.isdigit()}
    return set()


def _import_done_message(summary: dict) -> str:
    return _("Import done: %(read)s rows read, %(imported)s members imported, "
             "%(duplicates)s duplicates skipped, %(errors)s rows with errors.", **summary)


@bp.route("/import/<token>", methods=["GET", "POST"])
@login_required
def import_preview(token: str):
    meta, data, unit = _load_import(token)
    form = ConfirmImportForm()
    try:
        preview = imports.parse(data, meta["filename"], unit, user=current_user)
    except DomainError as e:
        imports.discard_upload(token)
        flash(str(e), "danger")
        return redirect(url_for(".import_upload", unit_id=unit.id))
    status = 200
    if request.method == "POST" and form.validate_on_submit() and (
            len(preview.rows) >= current_app.config.get("IMPORT_JOB_ROWS", JOB_ROWS)):
        # A big file: a job with a progress page (the user may leave and come back).
        if preview.error_rows and not form.valid_only.data:
            form.valid_only.errors.append(_(
                "%(n)s rows have errors: nothing was imported. Fix the file, or choose to "
                "import the valid rows only.", n=len(preview.error_rows)))
            status = 409
        else:
            choice = _possible_choice(preview)
            job = jobs.create(current_user, unit, "member_import",
                              _("Import of %(file)s into %(unit)s", file=meta["filename"],
                                unit=unit.name),
                              {"upload": token, "valid_only": bool(form.valid_only.data),
                               "possible": choice if choice is True else sorted(choice)},
                              total=len(preview.rows))
            db.session.commit()
            jobs.launch(job)
            return redirect(url_for("jobs.show", token=job.token))
    elif request.method == "POST" and form.validate_on_submit():
        try:
            summary = imports.commit(current_user, unit, preview,
                                     valid_only=bool(form.valid_only.data),
                                     possible=_possible_choice(preview))
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
            status = 409
        else:
            db.session.commit()
            imports.discard_upload(token)
            flash(_import_done_message(summary), "success")
            return redirect(url_for(".unit_list", unit_id=unit.id, sort="number"))
    summary = preview.summary()
    errors_only = request.args.get("show") == "errors"
    show_all = request.args.get("all") == "1"
    problems = [r for r in preview.rows if r.errors] + (
        [] if errors_only else [r for r in preview.rows if r.status in ("duplicate", "possible")])
    problem_total = len(problems)
    if not show_all:
        problems = problems[:SHOW_ROWS]
    good = preview.ok_rows[:50]
    return render_template(
        "members/import_preview.html", preview=preview, form=form, unit=unit,
        ancestors=unit_ancestors(unit), token=token, problems=problems,
        problem_total=problem_total, errors_only=errors_only, show_all=show_all, good=good,
        summary=summary, notices=[] if errors_only else preview.notice_groups(),
        field_labels=IMPORT_FIELD_LABELS, can_create_branch=can(current_user, "unit.edit", unit),
    ), status


@bp.post("/import/<token>/branch")
@login_required
def import_create_branch(token: str):
    """Create a branch the file names but the tree lacks, then back to the same preview."""
    _meta, _data, unit = _load_import(token)
    require(current_user, "unit.edit", unit)
    form = ConfirmImportForm()
    name = clean_text(request.form.get("name", ""))[:200]
    if not form.validate_on_submit() or not name:
        abort(400)
    from ...services import units as unit_svc
    from ...text import search_key

    base = f"{unit.code}-{re.sub(r'[^A-Z0-9]+', '', search_key(name).upper())[:20] or 'CH'}"
    code, n = base, 1
    while db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        n += 1
        code = f"{base}-{n}"
    try:
        branch = unit_svc.create_unit(current_user, parent=unit, level="branch", code=code,
                                      name=name)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("Branch %(name)s created: its members now go there.", name=branch.name),
              "success")
    return redirect(url_for(".import_preview", token=token))


@bp.get("/import/<token>/rejected.xlsx")
@login_required
def import_rejected(token: str):
    meta, data, unit = _load_import(token)
    try:
        preview = imports.parse(data, meta["filename"], unit, user=current_user)
    except DomainError:
        abort(404)
    return Response(imports.rejected_xlsx(preview),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="dong-bi-loai.xlsx"'})


# ---------------------------------------------------------------------------------------------
# Duplicates
# ---------------------------------------------------------------------------------------------


@bp.get("/unit/<int:unit_id>/duplicates")
@login_required
def duplicates(unit_id: int):
    unit = load(Unit, unit_id, "member.view")
    groups = svc.duplicate_groups(current_user, unit)
    return render_template("members/duplicates.html", unit=unit, ancestors=unit_ancestors(unit),
                           groups=groups, form=MergeForm(formdata=None))


@bp.post("/merge")
@login_required
def merge():
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400)
    keep = load(Member, form.keep_id.data, "member.merge")
    other = load(Member, form.other_id.data, "member.merge")
    try:
        svc.merge_members(current_user, keep, other)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return redirect(url_for(".show", member_id=keep.id))
    db.session.commit()
    flash(_("%(other)s merged into %(keep)s.", other=other.display_number,
            keep=keep.display_number), "success")
    return redirect(url_for(".show", member_id=keep.id))


# ---------------------------------------------------------------------------------------------
# Public card check (QR on the card): initials, unit, validity — nothing private
# ---------------------------------------------------------------------------------------------


@bp.get("/check/<token>")
def check(token: str):
    member = db.session.scalar(select(Member).where(Member.card_token == token))
    if member is None or len(token) > 32:
        abort(404)
    if member.status == "merged" and member.merged_into is not None:
        member = member.merged_into
    initials = ". ".join(w[0].upper() for w in member.full_name.split() if w) + "."
    if member.is_collective:
        initials = member.full_name
    return render_template("members/check.html", member=member, initials=initials,
                           valid=member.status == "active" and member.unit.is_active())
