"""Learning models: the score sheet of one entry and the scoring grid of a branch."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...permissions import scope_query
from ...services import DomainError
from ...services import learning as svc
from ...views import attach_error, unit_ancestors
from . import bp
from .common import form_status, load_entry, load_unit, model_or_404, year_arg
from .forms import ConfirmForm, ScoreForm


def _points(form_data, prefix: str, items) -> dict[int, object]:
    """Points typed for each item: an int, "" when blank, or the raw text when not a number."""
    out: dict[int, object] = {}
    for item in items:
        raw = (form_data.get(f"{prefix}{item.id}") or "").strip()
        if raw == "":
            out[item.id] = ""
        else:
            try:
                out[item.id] = int(raw)
            except ValueError:
                out[item.id] = raw
    return out


@bp.route("/entries/<int:entry_id>/score", methods=["GET", "POST"])
@login_required
def score(entry_id: int):
    e = load_entry(entry_id, "learning.edit")
    cs = e.criteria_set if e.is_assessed else svc.set_in_force(e.model, e.year)
    form = ScoreForm(obj=e if e.is_assessed else None)
    if request.method == "GET":
        form.year.data = e.year
        form.notes.data = e.assessment_notes
    error_field = None
    typed = {s.criterion_id: s.points for s in e.scores}
    if form.validate_on_submit():
        typed = _points(request.form, "p-", cs.items if cs else [])
        try:
            svc.score(current_user, e, year=form.year.data, points=typed,
                      evidence_count=form.evidence_count.data, notes=form.notes.data or "")
        except DomainError as err:
            error_field = err.field
            if err.field == "year":  # not a field the user sees
                form.form_errors.append(err.message)
            else:
                attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Score sheet saved: %(total)d points.", total=e.total_score), "success")
            return redirect(url_for(".entry", entry_id=e.id))
    return render_template("learning/score.html", form=form, e=e, cs=cs, typed=typed,
                           error_field=error_field, unit=e.unit,
                           ancestors=unit_ancestors(e.unit)), form_status(form)


@bp.route("/units/<int:unit_id>/grid/<model>", methods=["GET", "POST"])
@login_required
def grid(unit_id: int, model: str):
    """Score every entry of a branch (or ward) for one model and year on one page."""
    unit = load_unit(unit_id, "learning.edit")
    model = model_or_404(model)
    year = year_arg()
    cs = svc.set_in_force(model, year)
    f = svc.EntryFilters(year=year, model=model, status="")
    entries = [e for e in db.session.scalars(scope_query(svc.entries_query(unit, f),
                                                         current_user, "learning.edit"))
               if not e.is_recognised and (e.criteria_set_id in (None, cs.id if cs else None))]
    form = ConfirmForm()
    typed = {e.id: {s.criterion_id: s.points for s in e.scores} for e in entries}
    evidence = {e.id: e.evidence_count if e.is_assessed else "" for e in entries}
    error = None
    if cs is not None and form.validate_on_submit():
        rows = {e.id: _points(request.form, f"p-{e.id}-", cs.items) for e in entries}
        ev = {}
        for e in entries:
            raw = (request.form.get(f"evidence-{e.id}") or "").strip()
            try:
                ev[e.id] = int(raw) if raw else ""
            except ValueError:
                ev[e.id] = raw
        try:
            n = svc.score_grid(current_user, entries, year=year, rows=rows, evidence=ev)
        except DomainError as err:
            error = err
            typed, evidence = rows, ev
        else:
            db.session.commit()
            flash(_("%(n)d score sheets saved.", n=n), "success")
            return redirect(url_for(".unit_entries", unit_id=unit.id, year=year, model=model))
    return render_template("learning/grid.html", unit=unit, ancestors=unit_ancestors(unit),
                           model=model, year=year, cs=cs, entries=entries, typed=typed,
                           evidence=evidence, form=form, error=error), 400 if error else 200
