"""Periodic reports: templates, a unit's report (fill, attach, submit), review (return/accept),
the status board of the units below with the late list, compilation and exports."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import PeriodicAttachment, PeriodicReport, PeriodicTemplate, Unit, today
from ...permissions import (
    can,
    can_edit_periodic_templates,
    can_review_periodic,
    granting_paths,
    require,
)
from ...services import DomainError, audit
from ...services import periodic as svc
from ...views import attach_error, get_or_404, unit_ancestors
from . import bp
from .forms import AttachForm, ConfirmForm, FillForm, ReviewForm, TemplateForm

MAX_ATTACHMENT = 5 * 1024 * 1024


@bp.app_context_processor
def periodic_labels():
    return {"PERIODIC_STATUS": svc.STATUS_LABELS, "PERIODIC_KINDS": svc.KIND_LABELS,
            "PERIODIC_ACTIONS": svc.ACTION_LABELS, "history_line": svc.history_line,
            "percent_note": svc.percent_note}


def _upload_dir() -> Path:
    folder = current_app.config.get("PERIODIC_UPLOAD_DIR")
    return Path(folder) if folder else Path(current_app.instance_path) / "uploads" / "periodic"


def _attachment_limit() -> int:
    return int(current_app.config.get("PERIODIC_MAX_ATTACHMENT", MAX_ATTACHMENT))


def _load_template(template_id: int) -> PeriodicTemplate:
    """A template is seen by whoever may view reports at its unit or at a unit that reports
    under it."""
    template = get_or_404(PeriodicTemplate, template_id)
    if can(current_user, "periodic.view", template.unit):
        return template
    paths = granting_paths(current_user, "periodic.view")
    if any(p.startswith(template.unit.path) for p in paths):
        return template
    abort(403)


def _load_report(report_id: int, action: str = "periodic.view") -> PeriodicReport:
    report = get_or_404(PeriodicReport, report_id)
    require(current_user, action, report.unit)
    return report


def _status(form) -> int:
    return 400 if form.errors or form.form_errors else 200


# ---------------------------------------------------------------------------------------------
# Index and templates
# ---------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    paths = granting_paths(current_user, "periodic.view")
    if not paths:
        abort(403)
    ancestor_ids = {int(i) for p in paths for i in p.strip("/").split("/") if i}
    q = select(PeriodicTemplate).join(Unit, PeriodicTemplate.unit_id == Unit.id).where(
        or_(PeriodicTemplate.unit_id.in_(ancestor_ids),
            *(Unit.path.startswith(p, autoescape=True) for p in paths)))
    templates = db.session.scalars(q.order_by(PeriodicTemplate.period_end.desc(),
                                              PeriodicTemplate.id.desc())).all()
    my_units = sorted({a.unit for a in current_user.active_assignments()},
                      key=lambda u: (u.depth, u.name))
    template_units = [u for u in my_units if can_edit_periodic_templates(current_user, u)]
    items = []
    for template in templates:
        # the page of the highest unit of the user's that takes part (or the template's own)
        target = next((u for u in my_units if u.path.startswith(template.unit.path)
                       and svc.takes_part(template, u)), template.unit)
        items.append((template, target))
    return render_template("periodic/index.html", items=items, my_units=my_units,
                           template_units=template_units)


@bp.get("/units/<int:unit_id>")
@login_required
def unit_reports(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    require(current_user, "periodic.view", unit)
    items = [(t, svc.current_report(t, unit)) for t in svc.templates_for(unit)]
    return render_template("periodic/unit.html", unit=unit, ancestors=unit_ancestors(unit),
                           items=items, can_define=can_edit_periodic_templates(current_user, unit))


def _template_page(form, unit, template=None):
    from ...models import LEVELS

    form.levels.choices = [(k, label) for k, label in form.levels.choices
                           if LEVELS[k] > LEVELS[unit.level]]
    return render_template("periodic/template_form.html", form=form, unit=unit,
                           template=template, ancestors=unit_ancestors(unit)), _status(form)


@bp.route("/units/<int:unit_id>/templates/new", methods=["GET", "POST"])
@login_required
def new_template(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    if not can_edit_periodic_templates(current_user, unit):
        abort(403)
    form = TemplateForm()
    if request.method == "GET":
        kind = request.args.get("kind", "year_end")
        preset = svc.preset_values(kind if kind in svc.PRESETS else "year_end", unit,
                                   today().year)
        for name in ("kind", "title", "period_start", "period_end", "due_date", "levels",
                     "groups", "extra_sections"):
            getattr(form, name).data = preset[name]
        for key, include, required in form.text_fields:
            include.data = key in preset["text_sections"]
            required.data = bool(preset["text_sections"].get(key))
    elif form.validate_on_submit():
        try:
            template = svc.create_template(current_user, unit, **form.values())
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("The template %(title)s is saved. The units below can now fill in their "
                    "reports.", title=template.title), "success")
            return redirect(url_for(".board", template_id=template.id, unit_id=unit.id))
    return _template_page(form, unit)


@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
@login_required
def edit_template(template_id: int):
    template = get_or_404(PeriodicTemplate, template_id)
    if not can_edit_periodic_templates(current_user, template.unit):
        abort(403)
    form = TemplateForm(obj=template)
    if request.method == "GET":
        form.groups.data = [s["group"] for s in template.sections if s["kind"] == "figures"]
        texts = {s["key"]: s for s in template.sections if s["kind"] == "text"}
        for key, include, required in form.text_fields:
            include.data = key in texts
            required.data = bool(texts.get(key, {}).get("required"))
        form.extra_sections.data = "\n".join(s["title"] for k, s in texts.items()
                                             if k not in svc.TEXT_SECTIONS)
    elif form.validate_on_submit():
        try:
            svc.update_template(current_user, template, **form.values())
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("The template is saved."), "success")
            return redirect(url_for(".board", template_id=template.id, unit_id=template.unit_id))
    return _template_page(form, template.unit, template)


# ---------------------------------------------------------------------------------------------
# A unit under a template: its own report and the status board of the units reporting to it
# ---------------------------------------------------------------------------------------------


@bp.get("/templates/<int:template_id>/units/<int:unit_id>")
@login_required
def board(template_id: int, unit_id: int):
    template = _load_template(template_id)
    unit = get_or_404(Unit, unit_id)
    require(current_user, "periodic.view", unit)
    if not svc.takes_part(template, unit):
        abort(404)
    report = svc.current_report(template, unit)
    rows = svc.board(template, unit)
    counts = {key: 0 for key in svc.STATUS_LABELS}
    for row in rows:
        counts[row.status] += 1
    late = [row for row in rows if row.late]
    receiving = svc.receiving_unit(template, unit)
    return render_template(
        "periodic/board.html", template=template, unit=unit, ancestors=unit_ancestors(unit),
        report=report, rows=rows, counts=counts, late=late, receiving=receiving,
        own_late=svc.is_late(template, report) and receiving is not None,
        can_submit=can(current_user, "periodic.submit", unit),
        can_review=can(current_user, "periodic.review", unit),
        can_edit_template=can_edit_periodic_templates(current_user, template.unit),
        form=ConfirmForm())


@bp.post("/templates/<int:template_id>/units/<int:unit_id>/start")
@login_required
def start(template_id: int, unit_id: int):
    template = _load_template(template_id)
    unit = get_or_404(Unit, unit_id)
    require(current_user, "periodic.submit", unit)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        report = svc.start_report(current_user, template, unit)
        db.session.commit()
    except (DomainError, IntegrityError) as e:  # IntegrityError: started twice at once
        db.session.rollback()
        flash(e.message if isinstance(e, DomainError) else
              _("This report has already been started."), "danger")
        return redirect(url_for(".board", template_id=template.id, unit_id=unit.id))
    flash(_("The report is prefilled from the unit's figures. Check them, write the sections "
            "and submit."), "success")
    return redirect(url_for(".edit", report_id=report.id))


# ---------------------------------------------------------------------------------------------
# One report
# ---------------------------------------------------------------------------------------------


def _figure_sections(report: PeriodicReport):
    """[(section, [(row, figure)])] in template order, for the page and the exports."""
    by_key = {f.key: f for f in report.figures}
    result = []
    for section in report.template.sections:
        if section["kind"] != "figures" or section["group"] not in svc.CATALOGUE:
            continue
        rows = [(row, by_key[row.key]) for row in svc.CATALOGUE[section["group"]].rows
                if row.key in by_key]
        result.append((section, rows))
    return result


@bp.get("/reports/<int:report_id>")
@login_required
def show(report_id: int):
    report = _load_report(report_id)
    template = report.template
    receiving = svc.receiving_unit(template, report.unit)
    history = db.session.scalars(audit.history_query("periodicreport", report.id)).all()
    return render_template(
        "periodic/report.html", report=report, template=template, unit=report.unit,
        ancestors=unit_ancestors(report.unit), receiving=receiving,
        figure_sections=_figure_sections(report), versions=svc.versions(report),
        latest=svc.current_report(template, report.unit), history=history,
        can_submit=can(current_user, "periodic.submit", report.unit),
        can_review=can_review_periodic(current_user, report, receiving),
        late=svc.is_late(template, report) and receiving is not None,
        form=ConfirmForm(revision=report.revision), review_form=ReviewForm(),
        attach_form=AttachForm(), limit_mb=_attachment_limit() // (1024 * 1024),
        below=svc.reporting_below(template, report.unit))


def _posted_figures(report: PeriodicReport) -> dict[str, svc.FigureInput]:
    return {f.key: svc.FigureInput(request.form.get(f"fig-{f.key}", "")[:40],
                                   request.form.get(f"why-{f.key}", "")[:600])
            for f in report.figures}


def _posted_texts(report: PeriodicReport) -> dict[str, str]:
    return {s["key"]: request.form.get(f"text-{s['key']}", "")[: svc.MAX_TEXT + 1]
            for s in report.template.sections if s["kind"] == "text"}


def _edit_page(report, form, *, figures=None, texts=None, error=None, conflict=None, code=200):
    if figures is None:
        figures = {f.key: svc.FigureInput("" if f.reported is None else str(f.reported),
                                          f.reason) for f in report.figures}
    if texts is None:
        texts = dict(report.texts or {})
    return render_template(
        "periodic/edit.html", report=report, template=report.template, unit=report.unit,
        ancestors=unit_ancestors(report.unit), form=form, figures=figures, texts=texts,
        figure_sections=_figure_sections(report), error=error, conflict=conflict,
        receiving=svc.receiving_unit(report.template, report.unit)), code


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
def edit(report_id: int):
    report = _load_report(report_id, "periodic.submit")
    locked = _("This report is %(status)s and can no longer be changed.",
               status=str(svc.STATUS_LABELS[report.status]).lower())
    if not report.editable and request.method == "GET":
        flash(locked, "warning")
        return redirect(url_for(".show", report_id=report.id))
    form = FillForm(obj=report)
    if not report.editable:  # submitted meanwhile: show what was typed, save nothing
        return _edit_page(report, form, figures=_posted_figures(report),
                          texts=_posted_texts(report), error=DomainError(locked), code=409)
    if request.method == "GET":
        form.revision.data = str(report.revision)
        return _edit_page(report, form)
    figures, texts = _posted_figures(report), _posted_texts(report)
    if not form.validate_on_submit():
        return _edit_page(report, form, figures=figures, texts=texts, code=400)
    try:
        revision = int(form.revision.data or 0)
    except ValueError:
        revision = 0
    try:
        svc.save_draft(current_user, report, revision=revision, figures=figures, texts=texts,
                       number=form.number.data or "", place=form.place.data or "",
                       signer=form.signer.data or "", recipients=form.recipients.data or "")
    except DomainError as e:
        db.session.rollback()
        report = db.session.get(PeriodicReport, report_id)
        conflict = None
        if e.field == "revision":
            conflict = {"texts": dict(report.texts or {}),
                        "figures": {f.key: f for f in report.figures}}
            form.revision.data = str(report.revision)  # their next save goes through
        return _edit_page(report, form, figures=figures, texts=texts, error=e,
                          conflict=conflict, code=409)
    db.session.commit()
    if "submit" in request.form:
        try:
            svc.submit(current_user, report)
        except DomainError as e:
            db.session.rollback()
            report = db.session.get(PeriodicReport, report_id)
            form.revision.data = str(report.revision)
            flash(_("Your changes are saved as a draft."), "info")
            return _edit_page(report, form, figures=figures, texts=texts, error=e, code=400)
        db.session.commit()
        flash(_("The report is submitted and locked."), "success")
        return redirect(url_for(".show", report_id=report.id))
    flash(_("The draft is saved."), "success")
    return redirect(url_for(".edit", report_id=report.id))


@bp.post("/reports/<int:report_id>/refresh")
@login_required
def refresh(report_id: int):
    report = _load_report(report_id, "periodic.submit")
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        svc.refresh_figures(current_user, report, int(form.revision.data or 0))
    except (DomainError, ValueError) as e:
        db.session.rollback()
        flash(str(e), "danger")
        return redirect(url_for(".show", report_id=report_id))
    db.session.commit()
    flash(_("The computed figures are brought up to date; corrections are kept."), "success")
    return redirect(url_for(".edit", report_id=report.id))


@bp.post("/reports/<int:report_id>/submit")
@login_required
def submit(report_id: int):
    report = _load_report(report_id, "periodic.submit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        svc.submit(current_user, report)
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "danger")
        return redirect(url_for(".show", report_id=report_id))
    db.session.commit()
    flash(_("The report is submitted and locked."), "success")
    return redirect(url_for(".show", report_id=report.id))


def _review(report_id: int, decide):
    report = _load_report(report_id)
    receiving = svc.receiving_unit(report.template, report.unit)
    if not can_review_periodic(current_user, report, receiving):
        abort(403)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide(report, form.comment.data or "")
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "danger")
        return redirect(url_for(".show", report_id=report_id))
    db.session.commit()
    return report


@bp.post("/reports/<int:report_id>/return")
@login_required
def return_report(report_id: int):
    result = _review(report_id, lambda r, c: svc.return_report(current_user, r, c))
    if isinstance(result, PeriodicReport):
        flash(_("The report is returned to %(unit)s with your comment.", unit=result.unit.name),
              "success")
        return redirect(url_for(".board", template_id=result.template_id,
                                unit_id=svc.receiving_unit(result.template, result.unit).id))
    return result


@bp.post("/reports/<int:report_id>/accept")
@login_required
def accept(report_id: int):
    result = _review(report_id, lambda r, c: svc.accept(current_user, r, c))
    if isinstance(result, PeriodicReport):
        flash(_("The report of %(unit)s is accepted.", unit=result.unit.name), "success")
        return redirect(url_for(".board", template_id=result.template_id,
                                unit_id=svc.receiving_unit(result.template, result.unit).id))
    return result


@bp.post("/reports/<int:report_id>/new-version")
@login_required
def new_version(report_id: int):
    report = _load_report(report_id, "periodic.submit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        copy = svc.new_version(current_user, report)
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "danger")
        return redirect(url_for(".show", report_id=report_id))
    db.session.commit()
    flash(_("Version %(n)s is open for corrections; version %(old)s stays accepted until the "
            "new one is.", n=copy.version, old=report.version), "success")
    return redirect(url_for(".edit", report_id=copy.id))


# ---------------------------------------------------------------------------------------------
# Attachments: stored outside static, served only to those who may view the report
# ---------------------------------------------------------------------------------------------


@bp.post("/reports/<int:report_id>/attachments")
@login_required
def attach(report_id: int):
    report = _load_report(report_id, "periodic.submit")
    form = AttachForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    limit = _attachment_limit()
    data = upload.stream.read(limit + 1) if upload else b""
    try:
        svc.add_attachment(current_user, report, filename=upload.filename if upload else "",
                           data=data, folder=_upload_dir(), limit=limit)
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "danger")
        return redirect(url_for(".show", report_id=report_id) + "#attachments")
    db.session.commit()
    flash(_("The file is attached."), "success")
    return redirect(url_for(".show", report_id=report.id) + "#attachments")


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    item = get_or_404(PeriodicAttachment, attachment_id)
    require(current_user, "periodic.view", item.report.unit)
    path = _upload_dir() / item.stored_name
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=item.content_type, as_attachment=True,
                         download_name=item.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(attachment_id: int):
    item = get_or_404(PeriodicAttachment, attachment_id)
    require(current_user, "periodic.submit", item.report.unit)
    report_id, stored = item.report_id, _upload_dir() / item.stored_name
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        svc.remove_attachment(current_user, item)
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "danger")
        return redirect(url_for(".show", report_id=report_id))
    db.session.commit()
    stored.unlink(missing_ok=True)  # the record is gone: its file goes too
    flash(_("The file is removed."), "success")
    return redirect(url_for(".show", report_id=report_id) + "#attachments")


# ---------------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------------

MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/reports/<int:report_id>.<fmt>")
@login_required
def export(report_id: int, fmt: str):
    if fmt not in MIMETYPES:
        abort(404)
    report = _load_report(report_id)
    from ...pdf import periodic as out

    document = out.ReportDocument.of(report, _figure_sections(report))
    data = {"pdf": out.report_pdf, "docx": out.report_docx, "xlsx": out.report_xlsx}[fmt](document)
    audit.record(current_user, "periodic.export", report, data={"format": fmt})
    db.session.commit()
    name = f"bao-cao-{report.unit.code.lower()}-{report.template_id}-v{report.version}.{fmt}"
    disposition = "inline" if fmt == "pdf" else "attachment"
    return Response(data, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})
