"""The association tree: browse, open, create, edit, move, close; roles; activity."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import LEVELS, RoleAssignment, Unit, today
from ...permissions import (
    assignable_roles,
    can,
    can_restructure,
    load,
    require,
    scope_query,
)
from ...services import DomainError, audit, reorg, units, users
from ...text import search_key
from ...views import (
    attach_error,
    form_page,
    get_or_404,
    page_arg,
    record_download,
    unit_ancestors,
)
from . import bp
from .forms import (
    LEVEL_LABELS,
    ROLE_LABELS,
    CloseForm,
    GrantRoleForm,
    MoveForm,
    NewUserRoleForm,
    UnitForm,
)


def _level_choices(parent: Unit | None):
    rank = LEVELS[parent.level] if parent else -1
    return [(lvl, LEVEL_LABELS[lvl]) for lvl, r in LEVELS.items() if r > rank]


def _editable_units(action: str = "unit.edit"):
    q = scope_query(select(Unit), current_user, action)
    q = q.where(Unit.valid_to.is_(None) | (Unit.valid_to >= today()))
    return db.session.scalars(q.order_by(Unit.path)).all()


@bp.app_context_processor
def unit_labels():
    return {"LEVEL_LABELS": LEVEL_LABELS, "ROLE_LABELS": ROLE_LABELS}


@bp.get("/")
@login_required
def tree():
    """Every unit the user may see, as an indented tree; a search narrows it."""
    q = scope_query(select(Unit), current_user, "unit.view")
    show_closed = request.args.get("closed") == "1"
    if not show_closed:
        q = q.where(Unit.valid_to.is_(None) | (Unit.valid_to >= today()))
    term = search_key(request.args.get("q", ""))
    if term:
        q = q.where(Unit.search_key.contains(term, autoescape=True)
                    | func.lower(Unit.code).contains(term, autoescape=True))
    found = db.session.scalars(q.order_by(Unit.path)).all()
    base_depth = min((u.depth for u in found), default=0)
    return render_template("units/tree.html", units=found, base_depth=base_depth,
                           term=request.args.get("q", ""), show_closed=show_closed)


@bp.get("/<int:unit_id>")
@login_required
def show(unit_id: int):
    unit = load(Unit, unit_id, "unit.view")
    counts = dict(db.session.execute(
        select(Unit.level, func.count())
        .where(Unit.path.startswith(unit.path, autoescape=True), Unit.id != unit.id,
               Unit.valid_to.is_(None))
        .group_by(Unit.level)).all())
    roles = db.session.scalars(
        select(RoleAssignment).where(RoleAssignment.unit_id == unit.id)
        .options(joinedload(RoleAssignment.user))  # the page names each holder
    ).all()
    return render_template(
        "units/show.html", unit=unit, ancestors=unit_ancestors(unit),
        children=sorted(unit.children, key=lambda u: (u.valid_to is not None, u.name)),
        counts=counts, roles=[r for r in roles if r.is_active()],
        history=reorg.plan_for_unit(unit))


@bp.get("/<int:unit_id>/data.zip")
@login_required
def data_zip(unit_id: int):
    """The chair's copy of the sub-tree's data: members, vouchers, funds, events (.xlsx each)."""
    from flask import Response

    from ...services.unit_export import subtree_zip

    unit = load(Unit, unit_id, "unit.export")
    body, counts = subtree_zip(current_user, unit)
    record_download("unit.export", unit, format="zip", **counts)
    name = f"du-lieu-{unit.code.lower()}-{today():%Y%m%d}.zip"
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})




@bp.route("/<int:unit_id>/new", methods=["GET", "POST"])
@login_required
def create_child(unit_id: int):
    parent = load(Unit, unit_id, "unit.edit")
    form = UnitForm()
    form.level.choices = _level_choices(parent)
    return form_page(
        form, "units/form.html", parent=parent, unit=None,
        ancestors=unit_ancestors(parent) + [parent],
        save=lambda f: units.create_unit(
            current_user, parent=parent, level=f.level.data, code=f.code.data,
            name=f.name.data, address=f.address.data or "", phone=f.phone.data or "",
            email=f.email.data or "", valid_from=f.valid_from.data),
        done=lambda unit: url_for(".show", unit_id=unit.id),
        flash_ok=lambda unit: _("Unit %(name)s created.", name=unit.name), status_conflict=400)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
@login_required
def edit(unit_id: int):
    unit = load(Unit, unit_id, "unit.edit")
    form = UnitForm(obj=unit)
    form.level.choices = _level_choices(unit.parent)
    del form.valid_from
    return form_page(
        form, "units/form.html", parent=unit.parent, unit=unit, ancestors=unit_ancestors(unit),
        save=lambda f: units.update_unit(
            current_user, unit, level=f.level.data, code=f.code.data, name=f.name.data,
            address=f.address.data or "", phone=f.phone.data or "", email=f.email.data or ""),
        done=lambda _result: url_for(".show", unit_id=unit.id),
        flash_ok=_("Changes saved."), status_conflict=400,
        current=lambda: UnitForm(formdata=None, obj=unit))


@bp.route("/<int:unit_id>/move", methods=["GET", "POST"])
@login_required
def move(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    if not can_restructure(current_user, unit):
        abort(403)
    form = MoveForm()
    candidates = [u for u in _editable_units() if LEVELS[u.level] < LEVELS[unit.level]]
    form.parent.choices = [(u.id, f"{'— ' * u.depth}{u.name} ({u.code})") for u in candidates]
    if request.method == "GET" and unit.parent_id:
        form.parent.data = unit.parent_id
    return form_page(
        form, "units/move.html", unit=unit, ancestors=unit_ancestors(unit),
        save=lambda f: units.move_unit(current_user, unit, load(Unit, f.parent.data, "unit.edit")),
        done=lambda _result: url_for(".show", unit_id=unit.id),
        flash_ok=_("Unit moved."), status_conflict=400)


@bp.route("/<int:unit_id>/close", methods=["GET", "POST"])
@login_required
def close(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    if not can_restructure(current_user, unit):
        abort(403)
    form = CloseForm()
    others = [u for u in _editable_units() if u.id != unit.id and u.level == unit.level]
    form.successor.choices = [(0, "—")] + [(u.id, f"{u.name} ({u.code})") for u in others]
    if request.method == "GET":
        form.on.data = today()

    def save(f):
        successor = load(Unit, f.successor.data, "unit.edit") if f.successor.data else None
        return units.close_unit(current_user, unit, on=f.on.data, reason=f.reason.data,
                                successor=successor)

    return form_page(
        form, "units/close.html", unit=unit, ancestors=unit_ancestors(unit), save=save,
        done=lambda _result: url_for(".show", unit_id=unit.id),
        flash_ok=_("Unit closed."), status_conflict=400)


@bp.route("/<int:unit_id>/roles", methods=["GET", "POST"])
@login_required
def roles(unit_id: int):
    unit = load(Unit, unit_id, "unit.view")
    manage = can(current_user, "role.manage", unit)
    grant_form, new_form = GrantRoleForm(prefix="grant"), NewUserRoleForm(prefix="new")
    choices = [(r, ROLE_LABELS[r]) for r in assignable_roles(current_user, unit)]
    grant_form.role.choices = new_form.role.choices = choices
    status = 200
    if request.method == "POST":
        require(current_user, "role.manage", unit)
        form = grant_form if "grant-submit" in request.form else new_form
        if form.validate_on_submit():
            if form.role.data not in dict(choices):
                abort(403)
            try:
                if form is grant_form:
                    user = users.find_by_username(form.username.data)
                    if user is None:
                        raise DomainError(_("No account has this username."), "username")
                    units.grant_role(current_user, user, unit, form.role.data,
                                     valid_from=form.valid_from.data,
                                     valid_to=form.valid_to.data)
                else:
                    user = users.create_user(current_user, username=form.username.data,
                                             full_name=form.full_name.data,
                                             password=form.password.data,
                                             phone=form.phone.data or "")
                    units.grant_role(current_user, user, unit, form.role.data)
            except DomainError as e:
                attach_error(form, e)
            else:
                db.session.commit()
                flash(_("%(name)s is now %(role)s of %(unit)s.", name=user.full_name,
                        role=ROLE_LABELS[form.role.data], unit=unit.name), "success")
                return redirect(url_for(".roles", unit_id=unit.id))
        status = 400
    assignments = db.session.scalars(
        select(RoleAssignment).where(RoleAssignment.unit_id == unit.id)
        .order_by(RoleAssignment.valid_to.is_not(None), RoleAssignment.role)
    ).all()
    return render_template("units/roles.html", unit=unit, ancestors=unit_ancestors(unit),
                           assignments=assignments, grant_form=grant_form, new_form=new_form,
                           manage=manage), status


@bp.post("/roles/<int:assignment_id>/end")
@login_required
def end_role(assignment_id: int):
    assignment = load(RoleAssignment, assignment_id, "role.manage")
    if assignment.role == "admin":
        require(current_user, "role.grant_admin", assignment.unit)
    try:
        units.revoke_role(current_user, assignment)
    except DomainError as e:
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("The role has ended."), "success")
    return redirect(url_for(".roles", unit_id=assignment.unit_id))


@bp.get("/<int:unit_id>/activity")
@login_required
def activity(unit_id: int):
    """The audit log of a unit and everything below it (or of the unit object alone)."""
    unit = load(Unit, unit_id, "audit.view")
    only_unit = request.args.get("only") == "unit"
    q = (audit.history_query("unit", unit.id) if only_unit
         else audit.unit_activity_query(unit))
    page = db.paginate(q, page=page_arg(), per_page=50, error_out=False)
    return render_template("units/activity.html", unit=unit, ancestors=unit_ancestors(unit),
                           page=page, only_unit=only_unit)


