"""Periodic reports: templates, a unit's report (fill, attach, submit), review (return/accept),
the status board of the units below with the late list, compilation and exports."""

from __future__ import annotations

from pathlib import Path

from flask import (
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
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ... import jobs
from ...extensions import db
from ...models import Job, PeriodicReport, PeriodicTemplate, Unit, today
from ...permissions import (
    can,
    can_edit_periodic_templates,
    granting_paths,
    load,
    require,
)
from ...services import DomainError
from ...services import periodic as svc
from ...views import attach_error, get_or_404, unit_ancestors
from . import bp
from .forms import ConfirmForm, TemplateForm

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
    unit = load(Unit, unit_id, "periodic.view")
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
    unit = load(Unit, unit_id, "periodic.view")
    if not svc.takes_part(template, unit):
        abort(404)
    report = svc.current_report(template, unit)
    rows = svc.board(template, unit)
    counts = {key: 0 for key in svc.STATUS_LABELS}
    covered = 0
    for row in rows:
        if row.covered_by is not None:
            covered += 1  # not expected: its successor's report covers it
        else:
            counts[row.status] += 1
    late = [row for row in rows if row.late]
    receiving = svc.receiving_unit(template, unit)
    return render_template(
        "periodic/board.html", template=template, unit=unit, ancestors=unit_ancestors(unit),
        report=report, rows=rows, counts=counts, covered=covered, late=late,
        receiving=receiving,
        own_late=svc.is_late(template, report) and receiving is not None,
        can_submit=can(current_user, "periodic.submit", unit),
        can_review=can(current_user, "periodic.review", unit),
        can_edit_template=can_edit_periodic_templates(current_user, template.unit),
        form=ConfirmForm(), running=running_compile(template, unit))


JOB_UNITS = 40  # above this many reporting units below, a compilation runs as a job


def compile_as_job(template: PeriodicTemplate, unit: Unit) -> bool:
    limit = current_app.config.get("PERIODIC_JOB_UNITS", JOB_UNITS)
    return len(svc.reporting_below(template, unit)) > limit


def running_compile(template: PeriodicTemplate, unit: Unit) -> Job | None:
    """The compilation job of this report still queued or running, if any."""
    for job in db.session.scalars(select(Job).where(
            Job.kind == "periodic_compile", Job.unit_id == unit.id,
            Job.status.in_(("queued", "running"))).order_by(Job.id.desc())):
        if (job.params or {}).get("template_id") == template.id:
            return job
    return None


def launch_compile(template: PeriodicTemplate, unit: Unit, **params):
    """The compilation as a job with a progress page (leave it and come back); a second click
    while one runs opens the running one."""
    running = running_compile(template, unit)
    if running is not None:
        return redirect(url_for("jobs.show", token=running.token))
    job = jobs.create(current_user, unit, "periodic_compile",
                      _("Compiling %(title)s for %(unit)s", title=template.title,
                        unit=unit.name),
                      {"template_id": template.id, "unit_id": unit.id, **params},
                      total=len(svc.reporting_below(template, unit)))
    db.session.commit()
    jobs.launch(job)
    return redirect(url_for("jobs.show", token=job.token))


@bp.post("/templates/<int:template_id>/units/<int:unit_id>/start")
@login_required
def start(template_id: int, unit_id: int):
    template = _load_template(template_id)
    unit = load(Unit, unit_id, "periodic.submit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if compile_as_job(template, unit):
        try:
            svc.check_startable(template, unit)
        except DomainError as e:
            flash(e.message, "danger")
            return redirect(url_for(".board", template_id=template.id, unit_id=unit.id))
        return launch_compile(template, unit)
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
