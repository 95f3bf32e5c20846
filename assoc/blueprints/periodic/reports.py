"""Periodic views: One report; Exports."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...models import PeriodicReport
from ...permissions import (
    can,
    can_review_periodic,
)
from ...services import DomainError, audit
from ...services import periodic as svc
from ...views import record_download, unit_ancestors
from . import bp
from .forms import AttachForm, ConfirmForm, FillForm, ReviewForm
from .views import _attachment_limit, _load_report, compile_as_job, launch_compile

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
    below = svc.reporting_below(template, report.unit)
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
        below=below, compiled=svc.compiled_table(report) if below else None,
        closed=svc.closed_below(template, report.unit))


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


def _conflict_page(report, form, e: svc.EditConflict, base: dict[str, str]):
    """After a conflict the form shows, field by field, what the next save should start
    from: what the sender changed (theirs to keep), the other person's saved value where the
    sender changed nothing — never the sender's stale copy — and, side by side, the fields
    both changed. Its fingerprints are now those of the saved report."""
    from ...merge import encode, fingerprint

    def shown(key):
        if key in e.conflicts:
            return e.mine[key]
        loaded = base.get(key)
        if loaded is not None and fingerprint(e.mine[key]) == loaded:
            return e.theirs[key]
        return e.mine[key]

    values = {key: shown(key) for key in e.mine}
    figures = {key[4:]: svc.FigureInput("" if v[0] is None else str(v[0]), v[1])
               for key, v in values.items() if key.startswith("fig:")}
    texts = {key[5:]: v for key, v in values.items() if key.startswith("text:")}
    for name in svc.HEADER_FIELDS:
        getattr(form, name).data = values[name]
    form.revision.data = str(report.revision)
    form.base.data = encode(e.theirs)
    form.pending.data = ",".join(e.conflicts)
    conflict = {key: e.theirs[key] for key in e.conflicts}
    return _edit_page(report, form, figures=figures, texts=texts, error=e, conflict=conflict,
                      code=409)


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
def edit(report_id: int):
    from ...merge import decode, encode

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
        form.base.data = encode(svc.draft_values(report))
        form.pending.data = ""
        return _edit_page(report, form)
    figures, texts = _posted_figures(report), _posted_texts(report)
    if not form.validate_on_submit():
        return _edit_page(report, form, figures=figures, texts=texts, code=400)
    try:
        revision = int(form.revision.data or 0)
    except ValueError:
        revision = 0
    base = decode(form.base.data)
    choices = {key: request.form.get(f"choose-{key}")
               for key in (form.pending.data or "").split(",") if key}
    try:
        kept = svc.save_draft(
            current_user, report, revision=revision, figures=figures, texts=texts,
            number=form.number.data or "", place=form.place.data or "",
            signer=form.signer.data or "", recipients=form.recipients.data or "",
            base=base, choices=choices)
    except svc.EditConflict as e:
        db.session.rollback()
        report = db.session.get(PeriodicReport, report_id)
        return _conflict_page(report, form, e, base)
    except DomainError as e:
        db.session.rollback()
        report = db.session.get(PeriodicReport, report_id)
        # The form keeps its revision and fingerprints: the next save merges again.
        return _edit_page(report, form, figures=figures, texts=texts, error=e, code=409)
    db.session.commit()
    if kept:
        flash(_("Someone else saved this report meanwhile: your changes are saved, and theirs "
                "to the other fields are kept."), "info")
    if "submit" in request.form:
        try:
            svc.submit(current_user, report)
        except DomainError as e:
            db.session.rollback()
            report = db.session.get(PeriodicReport, report_id)
            form.revision.data = str(report.revision)
            form.base.data = encode(svc.draft_values(report))
            form.pending.data = ""
            for name in svc.HEADER_FIELDS:
                getattr(form, name).data = getattr(report, name)
            flash(_("Your changes are saved as a draft."), "info")
            return _edit_page(report, form, error=e, code=400)  # as saved (merged)
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
    if compile_as_job(report.template, report.unit):
        try:
            svc.check_editable(report)
            revision = int(form.revision.data or 0)
        except (DomainError, ValueError) as e:
            flash(str(e), "danger")
            return redirect(url_for(".show", report_id=report_id))
        return launch_compile(report.template, report.unit, report_id=report.id,
                              revision=revision)
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
    from ...pdf.periodic_docx import report_docx

    document = out.ReportDocument.of(report, _figure_sections(report))
    data = {"pdf": out.report_pdf, "docx": report_docx, "xlsx": out.report_xlsx}[fmt](document)
    record_download("periodic.export", report, format=fmt)
    name = f"bao-cao-{report.unit.code.lower()}-{report.template_id}-v{report.version}.{fmt}"
    disposition = "inline" if fmt == "pdf" else "attachment"
    return Response(data, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})
