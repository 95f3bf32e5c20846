"""Members views: Import."""

from __future__ import annotations

import re

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

from ... import jobs
from ...extensions import db
from ...models import Unit
from ...permissions import can, load, require
from ...services import DomainError, imports
from ...text import clean as clean_text
from ...views import attach_error, unit_ancestors
from . import bp
from .forms import (
    IMPORT_FIELD_LABELS,
    ConfirmImportForm,
    ImportForm,
)
from .views import JOB_ROWS

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


