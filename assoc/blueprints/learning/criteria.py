"""Learning models: criteria sets (versioned data, edited by province or national admins)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import LearningCriteriaSet, today
from ...permissions import can_edit_criteria, can_somewhere
from ...services import DomainError
from ...services import learning as svc
from ...views import attach_error, get_or_404, int_arg
from . import bp
from .common import form_status
from .forms import CriteriaSetForm


def _may_view_criteria() -> None:
    if not can_somewhere(current_user, "learning.view"):
        abort(403)


def _may_edit_criteria() -> None:
    if not can_edit_criteria(current_user):
        abort(403)


@bp.get("/criteria")
@login_required
def criteria():
    _may_view_criteria()
    sets = db.session.scalars(select(LearningCriteriaSet).order_by(
        LearningCriteriaSet.model, LearningCriteriaSet.from_year.desc())).all()
    return render_template("learning/criteria.html", sets=sets,
                           may_edit=can_edit_criteria(current_user))


@bp.get("/criteria/<int:set_id>")
@login_required
def criteria_set(set_id: int):
    _may_view_criteria()
    cs = get_or_404(LearningCriteriaSet, set_id)
    return render_template("learning/criteria_set.html", cs=cs,
                           may_edit=can_edit_criteria(current_user))


@bp.route("/criteria/new", methods=["GET", "POST"])
@login_required
def new_criteria_set():
    """A new set, or (?from=<id>) a new version starting from an existing one."""
    _may_edit_criteria()
    form = CriteriaSetForm()
    source = db.session.get(LearningCriteriaSet, int_arg("from", 0, min=1))
    if request.method == "GET" and source is not None:
        form.model.data = source.model
        form.name.data = source.name
        form.from_year.data = today().year
        form.threshold.data = source.threshold
        form.items.data = svc.items_text(source)
        form.grade_bands.data = svc.bands_text(source)
        form.notes.data = source.notes
    if form.validate_on_submit():
        try:
            cs = svc.create_set(current_user, form.model.data, **form.values())
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Criteria set %(name)s saved.", name=cs.name), "success")
            return redirect(url_for(".criteria_set", set_id=cs.id))
    return render_template("learning/criteria_form.html", form=form, cs=None), form_status(form)


@bp.route("/criteria/<int:set_id>/edit", methods=["GET", "POST"])
@login_required
def edit_criteria_set(set_id: int):
    _may_edit_criteria()
    cs = get_or_404(LearningCriteriaSet, set_id)
    form = CriteriaSetForm(obj=cs)
    del form.model
    if request.method == "GET":
        form.items.data = svc.items_text(cs)
        form.grade_bands.data = svc.bands_text(cs)
    if form.validate_on_submit():
        try:
            svc.update_set(current_user, cs, **form.values())
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".criteria_set", set_id=cs.id))
    return render_template("learning/criteria_form.html", form=form, cs=cs), form_status(form)
