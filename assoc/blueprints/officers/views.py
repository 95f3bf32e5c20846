"""Officers and remuneration: officers and posts, workload, base salaries, allowance rules,
monthly remuneration sheets (PDF, Excel) and yearly reports."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...forms import filter_day
from ...models import (
    Officer,
    Position,
    Unit,
    today,
)
from ...money import parse_amount
from ...permissions import can, granting_paths, load, scope_query
from ...services import DomainError, audit
from ...services import officers as svc
from ...views import attach_error, form_page, page_arg, unit_ancestors
from . import bp
from .forms import (
    OfficerForm,
    PositionForm,
    title_choices,
)


@bp.app_context_processor
def officer_labels():
    return {"TITLE_LABELS": svc.TITLE_LABELS, "format_coefficient": svc.format_coefficient,
            "describe_rule": svc.describe_rule, "title_label": svc.title_label}


def _status(*forms) -> int:
    return 400 if any(f.errors or f.form_errors for f in forms) else 200


def _parse_money(form, field_name: str, *, signed: bool = False) -> int | None:
    """Read an amount field ("1.250.000", "-340.000" when signed); None (and a field error)
    when it cannot be read."""
    field = getattr(form, field_name)
    text = (field.data or "").strip()
    if not text:
        return 0 if signed else None
    negative = signed and text[:1] in "-\u2212"
    try:
        value = parse_amount(text[1:] if negative else text)
    except ValueError:
        field.errors = [*field.errors, _("Write a whole number of đồng, e.g. 1.250.000.")]
        return None
    return -value if negative else value


# ---------------------------------------------------------------------------------------------
# Officers
# ---------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """The officers of the highest unit(s) where the user may see them."""
    paths = granting_paths(current_user, "officer.view")
    if not paths:
        abort(403)
    tops = db.session.scalars(select(Unit).where(Unit.path.in_(paths)).order_by(Unit.path)).all()
    tops = [u for u in tops if not any(o.id != u.id and u.path.startswith(o.path) for o in tops)]
    if len(tops) == 1:
        return redirect(url_for(".unit_officers", unit_id=tops[0].id))
    return render_template("officers/index.html", units=tops)


@bp.get("/units/<int:unit_id>")
@login_required
def unit_officers(unit_id: int):
    unit = load(Unit, unit_id, "officer.view")
    term = request.args.get("q", "")
    found = svc.sorted_officers(db.session.scalars(svc.officers_query(unit, term)).all())
    per_page, page = 50, page_arg()
    shown = found[(page - 1) * per_page: page * per_page]
    on = today()
    # An officer kept elsewhere may hold posts in units the viewer does not see (a sibling
    # ward): list only the posts the viewer may see, and the phone only to those who may open
    # the officer's own record.
    posts = {o.id: [p for p in o.active_positions(on) if can(current_user, "officer.view", p.unit)]
             for o in shown}
    phones = {o.id for o in shown if can(current_user, "officer.view", o.unit)}
    return render_template("officers/list.html", unit=unit, ancestors=unit_ancestors(unit),
                           officers=shown, total=len(found), page=page, posts=posts, phones=phones,
                           pages=max(1, -(-len(found) // per_page)), term=term, on=on)


@bp.route("/units/<int:unit_id>/new", methods=["GET", "POST"])
@login_required
def create(unit_id: int):
    unit = load(Unit, unit_id, "officer.edit")
    form = OfficerForm()
    return form_page(
        form, "officers/form.html", unit=unit, officer=None, ancestors=unit_ancestors(unit),
        save=lambda f: svc.create_officer(
            current_user, unit, full_name=f.full_name.data, phone=f.phone.data or "",
            birth_year=f.birth_year.data, outside_posts=f.outside_posts.data or "",
            notes=f.notes.data or ""),
        done=lambda officer: url_for(".show", officer_id=officer.id),
        flash_ok=lambda officer: _("Officer %(name)s added. Now record their posts.",
                                   name=officer.full_name),
        status_conflict=400)


def _position_units(officer: Officer) -> list[Unit]:
    """Open units of the officer's sub-tree where the user may record posts."""
    q = scope_query(select(Unit), current_user, "officer.edit").where(
        Unit.path.startswith(officer.unit.path, autoescape=True),
        Unit.valid_to.is_(None) | (Unit.valid_to >= today()))
    return db.session.scalars(q.order_by(Unit.path)).all()


def _position_form(officer: Officer, obj=None) -> PositionForm:
    form = PositionForm(obj=obj)
    units = _position_units(officer)
    base = officer.unit.depth
    form.unit.choices = [(u.id, f"{'— ' * (u.depth - base)}{u.name}") for u in units]
    form.title.choices = title_choices()
    return form


def _officer_page(officer: Officer, form: PositionForm, status: int = 200):
    history = db.session.scalars(audit.history_query("officer", officer.id).limit(30)).all()
    return render_template("officers/show.html", officer=officer, unit=officer.unit,
                           ancestors=unit_ancestors(officer.unit), form=form, history=history,
                           on=today()), status


@bp.get("/<int:officer_id>")
@login_required
def show(officer_id: int):
    officer = load(Officer, officer_id, "officer.view")
    form = _position_form(officer)
    form.start_date.data = today()
    return _officer_page(officer, form)


@bp.post("/<int:officer_id>/positions")
@login_required
def add_position(officer_id: int):
    officer = load(Officer, officer_id, "officer.view")
    form = _position_form(officer)
    if not form.unit.choices:
        abort(403)
    if form.validate_on_submit():
        unit = load(Unit, form.unit.data, "officer.edit")
        try:
            svc.add_position(current_user, officer, unit=unit, title=form.title.data,
                             start_date=form.start_date.data, end_date=form.end_date.data,
                             term=form.term.data or "", full_time=form.full_time.data,
                             title_text=form.title_text.data or "")
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Post recorded."), "success")
            return redirect(url_for(".show", officer_id=officer.id))
    return _officer_page(officer, form, 400)


@bp.route("/<int:officer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(officer_id: int):
    officer = load(Officer, officer_id, "officer.edit")
    form = OfficerForm(obj=officer)
    return form_page(
        form, "officers/form.html", unit=officer.unit, officer=officer,
        ancestors=unit_ancestors(officer.unit),
        save=lambda f: svc.update_officer(
            current_user, officer, full_name=f.full_name.data, phone=f.phone.data or "",
            birth_year=f.birth_year.data, outside_posts=f.outside_posts.data or "",
            notes=f.notes.data or ""),
        done=lambda _result: url_for(".show", officer_id=officer.id),
        flash_ok=_("Changes saved."), status_conflict=400,
        current=lambda: OfficerForm(formdata=None, obj=officer))


@bp.route("/positions/<int:position_id>/edit", methods=["GET", "POST"])
@login_required
def edit_position(position_id: int):
    position = load(Position, position_id, "officer.edit")
    form = _position_form(position.officer, obj=position)
    form.unit.choices = [(position.unit_id, position.unit.name)]
    form.unit.data = position.unit_id

    def saved_form():
        shown = PositionForm(formdata=None, obj=position)
        shown.unit.data = position.unit_id
        return shown

    return form_page(
        form, "officers/position_form.html", position=position, unit=position.unit,
        ancestors=unit_ancestors(position.unit),
        save=lambda f: svc.update_position(
            current_user, position, title=f.title.data, start_date=f.start_date.data,
            end_date=f.end_date.data, term=f.term.data or "", full_time=f.full_time.data,
            title_text=f.title_text.data or ""),
        done=lambda _result: url_for(".show", officer_id=position.officer_id),
        flash_ok=_("Changes saved."), status_conflict=400, current=saved_form)


# ---------------------------------------------------------------------------------------------
# Workload
# ---------------------------------------------------------------------------------------------


@bp.get("/units/<int:unit_id>/workload")
@login_required
def workload(unit_id: int):
    unit = load(Unit, unit_id, "officer.view")
    on = filter_day("on", today())
    rows, vacancies, limit = svc.workload(unit, on)
    return render_template("officers/workload.html", unit=unit, ancestors=unit_ancestors(unit),
                           rows=rows, vacancies=vacancies, limit=limit, on=on)
