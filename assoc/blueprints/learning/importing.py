"""Learning models: a register imported from the ward's Excel/CSV list — upload, preview (rows,
errors by row and column, duplicates), confirm; a sample file per register kind. The engine is
the member import's (assoc/services/imports.py); nothing is written before the confirmation,
nor when any row has an error."""

from __future__ import annotations

from datetime import date

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
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ... import jobs
from ...extensions import db
from ...models import LEARNING_MODELS, Unit
from ...services import DomainError, imports
from ...services import learning as svc
from ...services import learning_import as importer
from ...views import attach_error, unit_ancestors
from . import bp
from .common import XLSX, form_status, load_unit, model_or_404, year_arg
from .forms import ConfirmForm, RegisterImportForm

KIND = "learning"
JOB_ROWS = 2000  # as for members (IMPORT_JOB_ROWS): a bigger file is registered by a job
SHOW_ROWS = 200  # rows with problems shown at once; the download gives them all
# The importer's fields by their names in the interface language (the column badges).
FIELD_LABELS = {
    "stt": _l("Row number"), "model": _l("Learning model"), "name": _l("Name"),
    "head": _l("Head of the clan"), "address": _l("Address / where"),
    "people": _l("Number of people"), "households": _l("Number of households"),
    "description": _l("Description"), "member_number": _l("Member number"),
    "branch": _l("Branch / board"), "registered_on": _l("Registered on"),
    "commitment": _l("Commitment"),
}


@bp.route("/units/<int:unit_id>/import", methods=["GET", "POST"])
@login_required
def import_upload(unit_id: int):
    unit = load_unit(unit_id, "learning.edit")
    if not unit.is_active():
        abort(403)
    form = RegisterImportForm()
    if request.method == "GET":
        model = request.args.get("model", "")
        form.model.data = model if model in LEARNING_MODELS else ""
        form.year.data = year_arg()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            if form.same_date.data and form.registered_on.data is None:
                raise DomainError(_("Give the date to use for every row."), "registered_on")
            svc.check_year(form.year.data)
            importer.check_file(data, upload.filename or "")
        except DomainError as e:
            attach_error(form, e)
        else:
            token = imports.save_upload(current_user, unit, data, upload.filename or "",
                                        kind=KIND, extra={
                                            "model": form.model.data or None,
                                            "year": form.year.data,
                                            "registered_on": form.registered_on.data.isoformat()
                                            if form.registered_on.data else None,
                                            "same_date": bool(form.same_date.data)})
            return redirect(url_for(".import_preview", token=token))
    return render_template("learning/import_upload.html", form=form, unit=unit,
                           ancestors=unit_ancestors(unit), year=form.year.data or year_arg()
                           ), form_status(form)


@bp.get("/units/<int:unit_id>/import/sample-<model>.xlsx")
@login_required
def import_sample(unit_id: int, model: str):
    """The sample file of one register kind: the columns the importer reads, two rows."""
    unit = load_unit(unit_id, "learning.edit")
    model = model_or_404(model)
    year = year_arg()
    return Response(importer.sample_xlsx(model, unit, year), mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="mau-dang-ky-{model}-{year}.xlsx"'})


def _load(token: str):
    loaded = imports.load_upload(current_user, token, KIND)
    if loaded is None:
        abort(404)
    meta, data = loaded
    unit = load_unit(meta["unit_id"], "learning.edit")
    return meta, data, unit


def _parse(meta: dict, data: bytes, unit: Unit):
    on = meta.get("registered_on")
    return importer.parse(data, meta["filename"], unit, model=meta.get("model"),
                          year=meta["year"], default_on=date.fromisoformat(on) if on else None,
                          same_date=bool(meta.get("same_date")))


@bp.route("/import/<token>", methods=["GET", "POST"])
@login_required
def import_preview(token: str):
    meta, data, unit = _load(token)
    try:
        preview = _parse(meta, data, unit)
    except DomainError as e:
        imports.discard_upload(token)
        flash(str(e), "danger")
        return redirect(url_for(".import_upload", unit_id=unit.id, year=meta["year"]))
    form = ConfirmForm()
    status = 200
    big = len(preview.rows) >= current_app.config.get("IMPORT_JOB_ROWS", JOB_ROWS)
    if form.validate_on_submit() and big and not preview.error_rows and preview.ok_rows:
        # A big file: registered by a job with a progress page (the user may leave and come back).
        job = jobs.create(current_user, unit, "learning_import",
                          _("Import of %(file)s into %(unit)s", file=meta["filename"],
                            unit=unit.name),
                          {"upload": token}, total=len(preview.ok_rows))
        db.session.commit()
        jobs.launch(job)
        return redirect(url_for("jobs.show", token=job.token))
    if form.validate_on_submit():
        try:
            summary = importer.commit(current_user, unit, preview, year=meta["year"])
        except DomainError as e:
            db.session.rollback()
            form.form_errors.append(e.message)
            status = 409
        else:
            db.session.commit()
            imports.discard_upload(token)
            flash(_("Import done: %(read)s rows read, %(imported)s entries registered for "
                    "%(year)s, %(duplicates)s duplicates left out.", year=meta["year"],
                    **summary), "success")
            return redirect(url_for(".unit_entries", unit_id=unit.id, year=meta["year"],
                                    model=meta.get("model") or None))
    elif request.method == "POST":
        status = 400
    problems = [r for r in preview.rows if r.errors or r.status == "duplicate"]
    return render_template(
        "learning/import_preview.html", preview=preview, form=form, unit=unit, token=token,
        ancestors=unit_ancestors(unit), year=meta["year"], model=meta.get("model"),
        summary=preview.summary(), problems=problems[:SHOW_ROWS], problem_total=len(problems),
        good=preview.ok_rows[:100], notices=preview.notice_groups(),
        field_labels=FIELD_LABELS), status


@bp.get("/import/<token>/rejected.xlsx")
@login_required
def import_rejected(token: str):
    """The rows not imported (errors and duplicates) as the file had them, with the reason."""
    meta, data, unit = _load(token)
    try:
        preview = _parse(meta, data, unit)
    except DomainError:
        abort(404)
    return Response(imports.rejected_xlsx(preview), mimetype=XLSX, headers={
        "Content-Disposition": 'attachment; filename="dong-khong-nhap.xlsx"'})
