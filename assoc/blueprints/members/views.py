"""Members: list/search per unit sub-tree, register/edit/transfer/end, dues, cards, import,
export, duplicates, and the public card check page."""

from __future__ import annotations

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
from ...permissions import can, can_collect_dues, granting_paths, load, scope_query
from ...services import DomainError, audit, imports
from ...services import members as svc
from ...urls import public_url
from ...views import attach_error, record_download, unit_ancestors, year_arg
from . import bp
from .forms import (
    KIND_LABELS,
    STATUS_LABELS,
    DuesPayForm,
    EndForm,
    MemberForm,
    TransferForm,
)
from .rows import member_rows

MAX_CARDS = 5000


@bp.app_context_processor
def member_labels():
    return {"MEMBER_KIND_LABELS": KIND_LABELS, "MEMBER_STATUS_LABELS": STATUS_LABELS}


bp.add_app_template_global(member_rows, "member_rows")




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


JOB_ROWS = 2000  # from this many rows an import runs as a job with a progress page
JOB_EXPORT_ROWS = 50_000  # from this many rows an export runs as a job


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
    # A unit a plan closed: its members as they were the day before (they have moved on).
    former = svc.members_before(unit)
    # The list's count comes from the roll-ups (member_page builds missing ones in the session;
    # GET commits nothing, the next write keeps them).
    page = svc.member_page(current_user, unit, filters, after=request.args.get("after"),
                           before=request.args.get("before"),
                           per_page=current_app.config.get("PER_PAGE", 50), former=former)
    year = filters.dues_year or today().year
    paid = svc.paid_years([m.id for m in page.items], year)
    # A closed unit's members as they were: a name links only where the viewer may follow.
    linked = ({m.id for m in page.items if m.unit and can(current_user, "member.view", m.unit)}
              if former else None)
    return render_template("members/list.html", unit=unit, ancestors=unit_ancestors(unit),
                           page=page, filters=filters, year=year, paid=paid, former=former,
                           linked=linked, export_args=filters.as_args())


@bp.get("/unit/<int:unit_id>/export.<fmt>")
@login_required
def export(unit_id: int, fmt: str):
    """A small export is the file itself; a big one (from EXPORT_JOB_ROWS rows) shows a page
    whose button (a POST) starts a job: a GET writes nothing but the download's audit entry."""
    unit = load(Unit, unit_id, "member.view")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    filters = svc.ListFilters.from_args(request.args)
    former = svc.members_before(unit)
    limit = current_app.config.get("EXPORT_JOB_ROWS", JOB_EXPORT_ROWS)
    found = db.session.scalar(select(db.func.count()).select_from(
        svc.member_query(current_user, unit, filters, former=former).order_by(None)
        .limit(limit).subquery()))
    if found >= limit:
        return render_template("members/export_prepare.html", unit=unit,
                               ancestors=unit_ancestors(unit), fmt=fmt, limit=limit,
                               filters=filters.as_args())
    members = db.session.scalars(_eager(svc.member_query(current_user, unit, filters,
                                                         former=former))).all()
    name = f"hoi-vien-{unit.code.lower()}-{today():%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        body = imports.export_xlsx(members, unit)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mime = imports.export_csv(members, unit), "text/csv; charset=utf-8"
    record_download("member.export", unit, format=fmt, rows=len(members), **filters.as_args())
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/unit/<int:unit_id>/export.<fmt>/prepare")
@login_required
def prepare_export(unit_id: int, fmt: str):
    """Start the job that writes a big export, then show its progress page."""
    unit = load(Unit, unit_id, "member.view")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    filters = svc.ListFilters.from_args(request.form)
    job = jobs.create(current_user, unit, "member_export",
                      _("Export of the members of %(unit)s (%(fmt)s)", unit=unit.name,
                        fmt=fmt.upper()),
                      {"format": fmt, "filters": filters.as_args()})
    db.session.commit()
    jobs.launch(job)
    return redirect(url_for("jobs.show", token=job.token))


def _card_years() -> tuple[int, int]:
    start = year_arg("from", today().year)
    end = year_arg("to", start + 4)
    if not (2000 <= start <= end <= start + 10):
        start, end = today().year, today().year + 4
    return start, end


def _cards_response(members: list[Member], filename: str, unit: Unit) -> Response:
    from ...pdf.member_cards import member_cards_pdf
    from ..bank import qr as bank_qr

    start, end = _card_years()
    body = member_cards_pdf(
        members, valid_from=start, valid_to=end,
        check_url=lambda m: public_url("members.check", token=m.card_token),
        dues=bank_qr.dues_payloads(members, today().year), dues_year=today().year,
    )
    record_download("member.export_cards", unit, rows=len(members))
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/unit/<int:unit_id>/cards.pdf")
@login_required
def cards(unit_id: int):
    unit = load(Unit, unit_id, "member.view")
    filters = svc.ListFilters.from_args(request.args)
    members = db.session.scalars(_eager(svc.member_query(
        current_user, unit, filters, former=svc.members_before(unit))).limit(MAX_CARDS + 1)).all()
    if len(members) > MAX_CARDS:
        flash(_("At most %(n)s cards at once: narrow the list with the filters.", n=MAX_CARDS),
              "warning")
        return redirect(url_for(".unit_list", unit_id=unit.id, **filters.as_args()))
    return _cards_response(members, f"the-hoi-vien-{unit.code.lower()}.pdf", unit)


@bp.get("/<int:member_id>/card.pdf")
@login_required
def card(member_id: int):
    member = load(Member, member_id, "member.view")
    return _cards_response([member], f"the-{member.display_number}.pdf", member.unit)


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
    return _show_page(load(Member, member_id, "member.view"))


def _show_page(member: Member, end_form: EndForm | None = None):
    """The member's page; with `end_form`, the end-membership form as posted, its errors shown
    next to its fields and the form left open."""
    year = today().year
    payments = db.session.scalars(
        select(DuesPayment).where(DuesPayment.member_id == member.id)
        .options(selectinload(DuesPayment.voucher)).order_by(DuesPayment.year.desc())).all()
    # from the payments read above (svc.dues_paid / has_receipts rules)
    paid_this_year = any(p.year == year and svc.payment_counted(p) for p in payments)
    # The dues form, for who may collect them while they are due. Its one-time token (the
    # double-click guard) is new on every view.
    collect = (member.status == "active" and not paid_this_year
               and can_collect_dues(current_user, member))
    return render_template(
        "members/show.html", member=member, unit=member.unit,
        ancestors=unit_ancestors(member.unit), payments=payments,
        transfers=db.session.scalars(
            select(MemberTransfer).where(MemberTransfer.member_id == member.id)
            .order_by(MemberTransfer.on, MemberTransfer.id)).all(),
        history=audit.member_history(member),
        pay_form=DuesPayForm(year=year, token=uuid.uuid4().hex, formdata=None) if collect
        else None,
        rate=svc.dues_rate(member.unit, year) if collect else None,
        year=year, warnings=_cccd_warnings(member), paid_this_year=paid_this_year,
        can_delete=not payments, end_form=end_form or EndForm(formdata=None),
        end_open=end_form is not None, dues_qr=_dues_qr(member, year))


def _dues_qr(member: Member, year: int):
    """The VietQR of this year's dues (bank transfer to the collecting unit's account)."""
    from ..bank import qr as bank_qr

    return bank_qr.member_dues(member, year)


def _cccd_warnings(member: Member) -> list[str]:
    if not member.cccd:
        return []
    from ...text import cccd_warnings

    return cccd_warnings(member.cccd, sex=member.sex or None, birth_year=member.shown_birth_year)


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
            db.session.rollback()
            if member.status != "active":  # ended meanwhile: the page shows no form to hold it
                flash(str(e), "danger")
                return redirect(url_for(".show", member_id=member.id))
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("The membership has ended."), "success")
            return redirect(url_for(".show", member_id=member.id))
    # Each field says what is wrong with it (a bad date is not "reason required"); what was
    # typed stays, the form stays open.
    return _show_page(member, form), 400


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
