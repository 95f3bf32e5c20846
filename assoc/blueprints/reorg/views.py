"""Reorganisation: write or upload a plan, preview exactly what it does, apply it, print the
handover records. The preview applies the plan and rolls back, so it cannot differ from the
real run."""

from __future__ import annotations

from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ... import jobs
from ...extensions import db
from ...models import Position, ReorgPlan, Unit, today
from ...pdf.handover import handover_pdf
from ...permissions import can_reorganise, load
from ...services import DomainError, reorg
from ...views import unit_ancestors
from ..units.forms import LEVEL_LABELS
from . import bp
from .describe import describe
from .forms import MAX_PLAN_CHARS, ConfirmForm, PlanForm

MEMBER_LIST_BYTES = 5 * 1024 * 1024
REORG_LABELS = {"merge": _l("Merged"), "dissolve": _l("Dissolved"), "move": _l("Moved"),
                "rename": _l("Renamed"), "split": _l("Split")}


@bp.app_context_processor
def reorg_labels():
    return {"REORG_LABELS": REORG_LABELS}


def _plans_in(unit: Unit) -> list[ReorgPlan]:
    return db.session.scalars(
        select(ReorgPlan).join(Unit, ReorgPlan.unit_id == Unit.id)
        .where(Unit.path.startswith(unit.path, autoescape=True))
        .order_by(ReorgPlan.effective.desc(), ReorgPlan.id.desc())).all()


def _checked_plan(unit: Unit, text: str) -> list[reorg.Operation]:
    """The plan's operations, after the access rule has seen every unit they touch."""
    ops = reorg.parse_plan(text)
    restructured, edited = reorg.touched_units(ops)
    if not can_reorganise(current_user, unit, restructured, edited):
        abort(403)
    return ops


def _render(unit, form, status=200, *, errors=None, preview=None, confirm=None, changes=None,
            later=False):
    return render_template("reorg/plan_form.html", unit=unit, form=form, errors=errors,
                           preview=preview, confirm=confirm, changes=changes, later=later,
                           plans=_plans_in(unit),
                           ancestors=unit_ancestors(unit)), status


@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
@login_required
def plan_form(unit_id: int):
    unit = load(Unit, unit_id, "unit.edit")
    form = PlanForm()
    if not form.validate_on_submit():
        if not form.is_submitted():
            form.plan_text.data = ",".join(reorg.PLAN_HEADER) + "\n"
        return _render(unit, form, 400 if form.errors else 200)
    text = form.plan_text.data or ""
    if form.plan_file.data:
        raw = form.plan_file.data.read(MAX_PLAN_CHARS + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.plan_file.errors.append(_("Save the plan as CSV UTF-8."))
            return _render(unit, form, 400)
        form.plan_text.data = text
    if form.member_list.data:
        try:
            text = text.rstrip("\n") + "\n" + reorg.assign_lines(
                form.member_list.data.read(MEMBER_LIST_BYTES),
                form.member_list.data.filename or "")
        except reorg.PlanError as e:
            return _render(unit, form, 400, errors=e.errors)
        form.plan_text.data = text
    return _preview(unit, form, text)


def _preview(unit: Unit, form: PlanForm, text: str, status: int = 200, *,
             confirm_errors=None):
    """The plan applied and rolled back: what each successor receives and every change it
    makes to a unit (moves and renames included), with the confirmation form."""
    try:
        ops = _checked_plan(unit, text)
        plan = reorg.apply_plan(current_user, ops, form.effective.data,
                                carry_roles=form.carry_roles.data, preview=True)
        preview = [describe(h) for h in plan.summary["handovers"]]
        changes = [{"name": c.old_name, "code": c.old_code, "action": c.action,
                    "successor": c.successor.name if c.successor else None,
                    "parent": c.unit.parent.name if c.action == "move" and c.unit.parent
                    else None,
                    "new_name": c.unit.name if c.action == "rename" else None}
                   for c in plan.changes]
    except reorg.PlanError as e:
        db.session.rollback()
        return _render(unit, form, 400, errors=e.errors)
    finally:
        db.session.rollback()  # a preview writes nothing
    confirm = ConfirmForm(formdata=None, plan_text=text, effective=form.effective.data.isoformat(),
                          carry_roles="1" if form.carry_roles.data else "")
    if confirm_errors:
        confirm.confirmed.errors = list(confirm_errors)
    return _render(unit, form, status, preview=preview, confirm=confirm, changes=changes,
                   later=form.effective.data > today())


@bp.post("/unit/<int:unit_id>/apply")
@login_required
def apply(unit_id: int):
    unit = load(Unit, unit_id, "unit.edit")
    confirm = ConfirmForm()
    form = PlanForm(formdata=None)
    form.plan_text.data = confirm.plan_text.data
    try:
        effective = date.fromisoformat(confirm.effective.data or "")
    except ValueError:
        effective = None
    if not confirm.validate_on_submit() or effective is None:
        if confirm.plan_text.data and effective is not None and confirm.confirmed.errors:
            # Not confirmed: the same preview again, with the box to tick.
            form.effective.data = effective
            form.carry_roles.data = bool(confirm.carry_roles.data)
            return _preview(unit, form, confirm.plan_text.data, 400,
                            confirm_errors=confirm.confirmed.errors)
        return _render(unit, form, 400, errors=[(0, _("Preview the plan again."))])
    form.effective.data = effective
    try:
        ops = _checked_plan(unit, confirm.plan_text.data)
        if reorg.is_big(ops, current_app.config.get("REORG_JOB_OPERATIONS", reorg.JOB_OPERATIONS),
                        current_app.config.get("REORG_JOB_MEMBERS", reorg.JOB_MEMBERS)):
            # A big plan: a job with a progress page, still all or nothing.
            job = jobs.create(current_user, unit, "reorg_apply", _(
                "Reorganisation of %(unit)s with effect from %(d)s", unit=unit.name,
                d=effective.strftime("%d/%m/%Y")), {
                "plan_text": confirm.plan_text.data, "effective": effective.isoformat(),
                "carry_roles": bool(confirm.carry_roles.data)}, total=len(ops))
            db.session.commit()
            jobs.launch(job)
            return redirect(url_for("jobs.show", token=job.token))
        plan = reorg.apply_plan(current_user, ops, effective,
                                carry_roles=bool(confirm.carry_roles.data))
    except reorg.PlanError as e:
        db.session.rollback()
        return _render(unit, form, 409, errors=e.errors)
    db.session.commit()
    flash(_("The plan is applied with effect from %(d)s.", d=effective.strftime("%d/%m/%Y")),
          "success")
    return redirect(url_for(".show", plan_id=plan.id))


def _load_plan(plan_id: int) -> ReorgPlan:
    return load(ReorgPlan, plan_id, "unit.view")  # a plan without a unit is nobody's: 403


@bp.get("/plans/<int:plan_id>")
@login_required
def show(plan_id: int):
    plan = _load_plan(plan_id)
    handovers = [{**describe(h), "successor_unit": db.session.get(Unit, h["successor"]["id"])}
                 for h in plan.summary.get("handovers", [])]
    blockers = reorg.undo_blockers(plan)
    return render_template("reorg/plan.html", plan=plan, unit=plan.unit, handovers=handovers,
                           can_undo=not blockers and reorg.can_undo(plan), blockers=blockers,
                           blocker_links=_record_links(blockers),
                           ancestors=unit_ancestors(plan.unit))


def _record_links(entries) -> dict[int, str]:
    """{audit entry id: the page of the record it wrote}, for those the viewer may open."""
    from ...audit_text import MODELS, OBJECTS
    from ...permissions import can, unit_of

    links = {}
    for entry in entries:
        spec, model = OBJECTS.get(entry.object_type), MODELS.get(entry.object_type)
        if spec is None or model is None or spec[1] is None or not entry.object_id:
            continue
        _noun, endpoint, arg, action, _name = spec
        obj = db.session.get(model, entry.object_id)
        if obj is not None and can(current_user, action, unit_of(obj)):
            links[entry.id] = url_for(endpoint, **{arg: obj.id})
    return links


@bp.get("/plans/<int:plan_id>/handover/<int:index>.pdf")
@login_required
def handover(plan_id: int, index: int):
    plan = _load_plan(plan_id)
    records = plan.summary.get("handovers", [])
    if not 0 <= index < len(records):
        abort(404)
    record = records[index]
    with force_locale("vi"):  # an official paper: Vietnamese whatever the screen's language
        buffer = handover_pdf(plan, describe(record))
    return send_file(buffer, mimetype="application/pdf", download_name=(
        f"bien-ban-ban-giao-{record['successor']['code']}.pdf"))


@bp.post("/plans/<int:plan_id>/reappoint/<int:post_id>")
@login_required
def reappoint(plan_id: int, post_id: int):
    plan = _load_plan(plan_id)
    successor = load(Unit, request.form.get("successor_id"), "officer.edit")
    try:
        position = reorg.reappoint(current_user, plan, successor, post_id,
                                   across_levels=request.form.get("across_levels") == "1")
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("%(who)s is appointed at %(unit)s from %(d)s.", who=position.officer.full_name,
                unit=successor.name, d=plan.effective.strftime("%d/%m/%Y")), "success")
        before = db.session.get(Position, post_id)
        if before is not None and before.unit.level != successor.level:
            flash(_("The post is now at a unit of another level (%(level)s): check the "
                    "title and the remuneration that go with it.",
                    level=LEVEL_LABELS.get(successor.level, successor.level)), "warning")
    return redirect(url_for(".show", plan_id=plan.id))


def _require_reorganise(plan: ReorgPlan) -> None:
    changed = [c.unit for c in plan.changes if c.action != "rename"]
    renamed = [c.unit for c in plan.changes if c.action == "rename"]
    successors = [c.successor for c in plan.changes if c.successor is not None]
    if not can_reorganise(current_user, plan.unit, changed, renamed + successors):
        abort(403)


@bp.post("/plans/<int:plan_id>/undo")
@login_required
def undo(plan_id: int):
    plan = _load_plan(plan_id)
    _require_reorganise(plan)
    try:
        reorg.undo_plan(current_user, plan)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("The plan is undone: units, members, records and roles are as before; the "
                "handover vouchers are void."), "success")
    return redirect(url_for(".show", plan_id=plan.id))
