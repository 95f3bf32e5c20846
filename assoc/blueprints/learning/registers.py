"""Learning models: the register of a unit and year — list, export, register, show, edit."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import Unit, today
from ...permissions import can, can_recognise, granting_paths, scope_query
from ...services import DomainError, audit
from ...services import learning as svc
from ...views import attach_error, page_arg, record_download, unit_ancestors
from . import bp
from .common import XLSX, entry_filters, form_status, load_entry, load_unit, model_or_404, year_arg
from .forms import EntryForm, WithdrawForm


@bp.get("/")
@login_required
def index():
    """The register of the highest unit the user may see."""
    paths = sorted(granting_paths(current_user, "learning.view"), key=len)
    if not paths:
        abort(403)
    return redirect(url_for(".unit_entries", unit_id=int(paths[0].strip("/").split("/")[-1])))


@bp.get("/units/<int:unit_id>")
@login_required
def unit_entries(unit_id: int):
    unit = load_unit(unit_id, "learning.view")
    f = entry_filters()
    q = scope_query(svc.entries_query(unit, f), current_user, "learning.view")
    page = db.paginate(q, page=page_arg(), per_page=current_app.config.get("PER_PAGE", 50),
                       error_out=False)
    return render_template(
        "learning/list.html", unit=unit, ancestors=unit_ancestors(unit), page=page, filters=f,
        outstanding=svc.outstanding(page.items), export_args=f.as_args(),
        may_edit=can(current_user, "learning.edit", unit) and unit.is_active(),
        may_recognise=can_recognise(current_user, unit),
        recognitions=db.session.scalars(scope_query(
            svc.recognitions_query(unit, f.year), current_user, "learning.view")).all())


@bp.get("/units/<int:unit_id>/export.xlsx")
@login_required
def export(unit_id: int):
    unit = load_unit(unit_id, "learning.view")
    f = entry_filters()
    entries = db.session.scalars(scope_query(svc.entries_query(unit, f), current_user,
                                             "learning.view")).all()
    from .export import entries_workbook

    body = entries_workbook(unit, f, entries, svc.outstanding(entries))
    record_download("learning.export", unit, rows=len(entries), **f.as_args())
    name = f"mo-hinh-hoc-tap-{unit.code.lower()}-{f.year}.xlsx"
    return Response(body, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _unit_choices(form: EntryForm, unit: Unit) -> None:
    subs = db.session.scalars(select(Unit).where(
        Unit.path.startswith(unit.path, autoescape=True), Unit.id != unit.id,
        Unit.valid_to.is_(None) | (Unit.valid_to >= today())).order_by(Unit.path)).all()
    form.unit_id.choices = [(unit.id, unit.name)] + [
        (u.id, f"{'— ' * (u.depth - unit.depth)}{u.name}") for u in subs]


def _entry_form_page(form, unit, model, year, entry=None):
    form.name.label.text = str(svc.NAME_LABELS[model])
    return render_template("learning/entry_form.html", form=form, unit=unit, model=model,
                           year=year, entry=entry, ancestors=unit_ancestors(unit),
                           fields=svc.MODEL_FIELDS[model],
                           name_label=svc.NAME_LABELS[model]), form_status(form)


@bp.route("/units/<int:unit_id>/register/<model>", methods=["GET", "POST"])
@login_required
def register(unit_id: int, model: str):
    unit = load_unit(unit_id, "learning.edit")
    model = model_or_404(model)
    year = year_arg()
    if not unit.is_active():
        abort(403)
    form = EntryForm()
    _unit_choices(form, unit)
    if request.method == "GET":
        form.unit_id.data = unit.id
    if form.validate_on_submit():
        target = db.session.get(Unit, form.unit_id.data)
        try:
            if target is None or not can(current_user, "learning.edit", target):
                raise DomainError(_("Choose a unit inside %(unit)s.", unit=unit.name), "unit_id")
            svc.check_unit(unit, target)
            entry = svc.register(current_user, target, model=model, year=year, **form.values())
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("%(name)s is registered for %(year)d.", name=entry.name, year=year),
                  "success")
            if request.form.get("again"):
                return redirect(url_for(".register", unit_id=unit.id, model=model, year=year))
            return redirect(url_for(".unit_entries", unit_id=unit.id, year=year, model=model))
    return _entry_form_page(form, unit, model, year)


@bp.get("/entries/<int:entry_id>")
@login_required
def entry(entry_id: int, withdraw_form=None, status: int = 200):
    e = load_entry(entry_id, "learning.view")
    history = db.session.scalars(audit.history_query("learningentry", e.id).limit(50)).all()
    cs = e.criteria_set if e.is_assessed else svc.set_in_force(e.model, e.year)
    scores = {s.criterion_id: s.points for s in e.scores}
    return render_template(
        "learning/entry.html", e=e, unit=e.unit, ancestors=unit_ancestors(e.unit), cs=cs,
        scores=scores, history=history, proposed=svc.proposed(e),
        runs=svc.outstanding([e]).get(e.id),
        may_edit=(can(current_user, "learning.edit", e.unit) and not e.is_recognised
                  and e.withdrawn_at is None),
        withdraw_form=withdraw_form or WithdrawForm()), status


@bp.post("/entries/<int:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    """Withdraw an entry (with its reason): kept in the register, counted nowhere after."""
    e = load_entry(entry_id, "learning.edit")
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            svc.withdraw_entry(current_user, e, form.reason.data)
        except DomainError as err:
            db.session.rollback()
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("%(name)s is withdrawn from the register.", name=e.name), "success")
            return redirect(url_for(".entry", entry_id=e.id))
    return entry(e.id, withdraw_form=form, status=400)


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    e = load_entry(entry_id, "learning.edit")
    form = EntryForm(obj=e)
    form.unit_id.choices = [(e.unit.id, e.unit.name)]
    form.unit_id.data = e.unit.id
    if request.method == "GET" and e.member is not None:
        form.member_number.data = e.member.display_number
    if form.validate_on_submit():
        try:
            svc.update_entry(current_user, e, **form.values())
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".entry", entry_id=e.id))
    return _entry_form_page(form, e.unit, e.model, e.year, e)
