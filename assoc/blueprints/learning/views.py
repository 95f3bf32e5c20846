"""Learning models: registers per unit and year, score sheets and the scoring grid, recognition
decisions with their certificates, rates rolled up the tree, denominators and criteria sets."""

from __future__ import annotations

from flask import (
    Response,
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
from wtforms import IntegerField
from wtforms.validators import Optional

from ...extensions import db
from ...models import (
    LEARNING_MODELS,
    LearningCriteriaSet,
    LearningEntry,
    LearningRecognition,
    Unit,
    today,
)
from ...permissions import (
    can,
    can_edit_criteria,
    can_recognise,
    can_somewhere,
    granting_paths,
    require,
    scope_query,
)
from ...services import DomainError, audit
from ...services import learning as svc
from ...views import attach_error, get_or_404, page_arg, unit_ancestors
from . import bp
from .forms import (
    ConfirmForm,
    CriteriaSetForm,
    EntryForm,
    RecognitionForm,
    ScoreForm,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def learning_labels():
    return {"LEARNING_MODEL_LABELS": svc.MODEL_LABELS,
            "LEARNING_STATUS_LABELS": svc.STATUS_LABELS,
            "LEARNING_MODELS": LEARNING_MODELS, "LEARNING_ACTIONS": svc.ACTION_LABELS}


def _status(form) -> int:
    return 400 if form.errors or form.form_errors else 200


def _unit(unit_id: int, action: str) -> Unit:
    unit = get_or_404(Unit, unit_id)
    require(current_user, action, unit)
    return unit


def _entry(entry_id: int, action: str) -> LearningEntry:
    entry = get_or_404(LearningEntry, entry_id)
    require(current_user, action, entry.unit)
    return entry


def _model(model: str) -> str:
    if model not in LEARNING_MODELS:
        abort(404)
    return model


def _year() -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        return today().year
    return year if 2000 <= year <= today().year + 1 else today().year


def _filters() -> svc.EntryFilters:
    model = request.args.get("model", "")
    status = request.args.get("status", "")
    return svc.EntryFilters(
        year=_year(), model=model if model in LEARNING_MODELS else "",
        q=(request.args.get("q") or "")[:100],
        status=status if status in svc.STATUS_LABELS else "",
        subtree=request.args.get("sub", "1") != "0")


# ---------------------------------------------------------------------------------------------
# Registers
# ---------------------------------------------------------------------------------------------


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
    unit = _unit(unit_id, "learning.view")
    f = _filters()
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
    unit = _unit(unit_id, "learning.view")
    f = _filters()
    entries = db.session.scalars(scope_query(svc.entries_query(unit, f), current_user,
                                             "learning.view")).all()
    from .export import entries_workbook

    body = entries_workbook(unit, f, entries, svc.outstanding(entries))
    audit.record(current_user, "learning.export", unit,
                 data={"rows": len(entries), **f.as_args()})
    db.session.commit()
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
                           name_label=svc.NAME_LABELS[model]), _status(form)


@bp.route("/units/<int:unit_id>/register/<model>", methods=["GET", "POST"])
@login_required
def register(unit_id: int, model: str):
    unit = _unit(unit_id, "learning.edit")
    model = _model(model)
    year = _year()
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
def entry(entry_id: int):
    e = _entry(entry_id, "learning.view")
    history = db.session.scalars(audit.history_query("learningentry", e.id).limit(50)).all()
    cs = e.criteria_set if e.is_assessed else svc.set_in_force(e.model, e.year)
    scores = {s.criterion_id: s.points for s in e.scores}
    return render_template(
        "learning/entry.html", e=e, unit=e.unit, ancestors=unit_ancestors(e.unit), cs=cs,
        scores=scores, history=history, proposed=svc.proposed(e),
        runs=svc.outstanding([e]).get(e.id),
        may_edit=can(current_user, "learning.edit", e.unit) and not e.is_recognised)


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    e = _entry(entry_id, "learning.edit")
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


# ---------------------------------------------------------------------------------------------
# Assessment
# ---------------------------------------------------------------------------------------------


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
    e = _entry(entry_id, "learning.edit")
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
                           ancestors=unit_ancestors(e.unit)), _status(form)


@bp.route("/units/<int:unit_id>/grid/<model>", methods=["GET", "POST"])
@login_required
def grid(unit_id: int, model: str):
    """Score every entry of a branch (or ward) for one model and year on one page."""
    unit = _unit(unit_id, "learning.edit")
    model = _model(model)
    year = _year()
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


# ---------------------------------------------------------------------------------------------
# Recognition
# ---------------------------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/recognise/<model>", methods=["GET", "POST"])
@login_required
def recognise(unit_id: int, model: str):
    unit = get_or_404(Unit, unit_id)
    if not can_recognise(current_user, unit):
        abort(403)
    model = _model(model)
    year = _year()
    entries = svc.candidates(unit, model, year)
    form = RecognitionForm()
    if request.method == "GET":
        form.issuing_body.data = unit.name
    ticked = {e.id for e in entries if svc.proposed(e)} if request.method == "GET" else set()
    reasons: dict[int, str] = {}
    error_field = None
    if form.validate_on_submit():
        ticked = {int(i) for i in request.form.getlist("entry") if i.isdigit()}
        reasons = {e.id: (request.form.get(f"reason-{e.id}") or "")[:2000] for e in entries}
        try:
            decision = svc.recognise(
                current_user, unit, model=model, year=year, entry_ids=sorted(ticked),
                reasons=reasons, number=form.number.data, decided_on=form.decided_on.data,
                signer=form.signer.data, issuing_body=form.issuing_body.data)
        except DomainError as err:
            error_field = err.field
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Decision %(number)s recognises %(n)d entries.", number=decision.number,
                    n=len(decision.entries)), "success")
            return redirect(url_for(".recognition", recognition_id=decision.id))
    elif request.method == "POST":
        ticked = {int(i) for i in request.form.getlist("entry") if i.isdigit()}
    return render_template("learning/recognise.html", unit=unit, ancestors=unit_ancestors(unit),
                           model=model, year=year, entries=entries, form=form, ticked=ticked,
                           reasons=reasons, error_field=error_field,
                           proposed={e.id for e in entries if svc.proposed(e)}), _status(form)


def _recognition(recognition_id: int) -> LearningRecognition:
    r = get_or_404(LearningRecognition, recognition_id)
    require(current_user, "learning.view", r.unit)
    return r


@bp.get("/recognitions/<int:recognition_id>")
@login_required
def recognition(recognition_id: int):
    r = _recognition(recognition_id)
    return render_template("learning/recognition.html", r=r, unit=r.unit,
                           ancestors=unit_ancestors(r.unit),
                           outstanding=svc.outstanding(r.entries))


def _check_url(e: LearningEntry) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("learning.check", token=e.public_token)
    return f"{base.rstrip('/')}{path}" if base else url_for("learning.check",
                                                             token=e.public_token,
                                                             _external=True)


@bp.get("/recognitions/<int:recognition_id>/certificates.pdf")
@login_required
def certificates(recognition_id: int):
    r = _recognition(recognition_id)
    from ...pdf.learning import certificates_pdf

    data = certificates_pdf(r, [(e, _check_url(e)) for e in r.entries])
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'inline; filename="giay-cong-nhan-{r.year}-{r.id}.pdf"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/check/<token>")
def check(token: str):
    """Public: the title, year, name and unit of a recognised entry — nothing else."""
    e = db.session.scalar(select(LearningEntry).where(LearningEntry.public_token == token))
    if e is None or not e.is_recognised:
        abort(404)
    return render_template("learning/check.html", e=e, title=svc.MODEL_TITLES[e.model])


# ---------------------------------------------------------------------------------------------
# Rates, denominators
# ---------------------------------------------------------------------------------------------


@bp.get("/units/<int:unit_id>/rates")
@login_required
def rates(unit_id: int):
    unit = _unit(unit_id, "learning.view")
    table = svc.rates(unit, _year())
    return render_template("learning/rates.html", unit=unit, ancestors=unit_ancestors(unit),
                           t=table, year=table.year,
                           may_edit=can(current_user, "learning.edit", unit))


@bp.get("/units/<int:unit_id>/rates.<fmt>")
@login_required
def rates_file(unit_id: int, fmt: str):
    unit = _unit(unit_id, "learning.view")
    if fmt not in ("xlsx", "pdf"):
        abort(404)
    table = svc.rates(unit, _year())
    audit.record(current_user, "learning.export_rates", unit,
                 data={"year": table.year, "format": fmt})
    db.session.commit()
    name = f"ty-le-mo-hinh-hoc-tap-{unit.code.lower()}-{table.year}.{fmt}"
    if fmt == "xlsx":
        from .export import rates_workbook

        return Response(rates_workbook(table), mimetype=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    from ...pdf.learning import rates_pdf

    response = make_response(rates_pdf(table))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _denominator_form(existing):
    class _Form(ConfirmForm):
        pass

    for model in LEARNING_MODELS:
        row = existing.get(model)
        setattr(_Form, f"total-{model}", IntegerField(
            svc.MODEL_LABELS[model], validators=[Optional()],
            default=row.total if row else None))
        setattr(_Form, f"target-{model}", IntegerField(
            svc.MODEL_LABELS[model], validators=[Optional()],
            default=row.target_percent if row else None))
    return _Form()


@bp.route("/units/<int:unit_id>/denominators", methods=["GET", "POST"])
@login_required
def denominators(unit_id: int):
    unit = _unit(unit_id, "learning.edit")
    year = _year()
    form = _denominator_form(svc.denominators_of(unit, year))
    if form.validate_on_submit():
        values = {m: (form[f"total-{m}"].data, form[f"target-{m}"].data)
                  for m in LEARNING_MODELS}
        try:
            svc.set_denominators(current_user, unit, year, values)
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Totals and targets for %(year)d saved.", year=year), "success")
            return redirect(url_for(".rates", unit_id=unit.id, year=year))
    return render_template("learning/denominators.html", unit=unit,
                           ancestors=unit_ancestors(unit), year=year, form=form,
                           registered=svc.registered_counts(unit, year)), _status(form)


# ---------------------------------------------------------------------------------------------
# Criteria sets
# ---------------------------------------------------------------------------------------------


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
    source = db.session.get(LearningCriteriaSet, request.args.get("from", type=int) or 0)
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
    return render_template("learning/criteria_form.html", form=form, cs=None), _status(form)


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
    return render_template("learning/criteria_form.html", form=form, cs=cs), _status(form)

