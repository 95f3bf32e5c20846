"""The unit tree: create, update, move, close; role assignments at a unit."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, literal, select, text, update

from ..extensions import db
from ..models import LEVELS, ROLES, RoleAssignment, Unit, User, today
from ..text import clean, search_key
from . import DomainError, audit


def _check_level(level: str, parent: Unit | None) -> None:
    if level not in LEVELS:
        raise DomainError(_("Unknown level."), "level")
    if parent is not None and LEVELS[parent.level] >= LEVELS[level]:
        raise DomainError(
            _("A unit of this level cannot be placed under a unit of that level."), "level"
        )


def _check_code_free(code: str, unit_id: int | None = None) -> None:
    q = select(Unit.id).where(func.upper(Unit.code) == code.upper())
    if unit_id:
        q = q.where(Unit.id != unit_id)
    if db.session.scalar(q) is not None:
        raise DomainError(_("The code %(code)s is already used by another unit.", code=code), "code")


def _normalise_code(code: str) -> str:
    code = clean(code).upper().replace(" ", "-")
    if not code:
        raise DomainError(_("A code is required."), "code")
    return code


def create_unit(
    actor: User | None,
    *,
    parent: Unit | None,
    level: str,
    code: str,
    name: str,
    address: str = "",
    phone: str = "",
    email: str = "",
    valid_from: date | None = None,
) -> Unit:
    code = _normalise_code(code)
    name = clean(name)
    if not name:
        raise DomainError(_("A name is required."), "name")
    _check_level(level, parent)
    _check_code_free(code)
    if parent is not None and not parent.is_active():
        raise DomainError(_("The parent unit is closed."), "parent")
    unit = Unit(
        parent=parent,
        level=level,
        code=code,
        name=name,
        search_key=search_key(name),
        address=clean(address),
        phone=clean(phone),
        email=clean(email),
        valid_from=valid_from or today(),
    )
    db.session.add(unit)
    db.session.flush()  # the id is part of the path
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    # Its (empty) roll-ups are built by this write's commit, so that no later read has to:
    # a GET never writes (services.tally.ensure).
    from . import tally

    tally.touch([unit.id])
    audit.record(
        actor,
        "unit.create",
        unit,
        data={"code": code, "name": name, "level": level, "parent": parent.code if parent else None},
    )
    return unit


def update_unit(actor: User, unit: Unit, **values) -> Unit:
    """Rename or change contact details (and level, if the tree still allows it)."""
    values = {k: clean(v) if isinstance(v, str) else v for k, v in values.items()}
    if "code" in values:
        values["code"] = _normalise_code(values["code"])
        _check_code_free(values["code"], unit.id)
    if not values.get("name", unit.name):
        raise DomainError(_("A name is required."), "name")
    if "level" in values and values["level"] != unit.level:
        _check_level(values["level"], unit.parent)
        for child in unit.children:
            _check_level(child.level, Unit(level=values["level"]))
    diff = audit.changes(unit, values)
    if not diff:
        return unit
    for key, value in values.items():
        setattr(unit, key, value)
    unit.search_key = search_key(unit.name)
    db.session.flush()
    audit.record(actor, "unit.update", unit, data=diff)
    return unit


def move_unit(actor: User, unit: Unit, new_parent: Unit) -> Unit:
    """Put `unit` (with its whole sub-tree) under `new_parent`; paths change in one UPDATE.
    Under the tree's lock, checked inside it (lock_tree)."""
    lock_tree()
    if new_parent.id == unit.id or new_parent.path.startswith(unit.path):
        raise DomainError(_("A unit cannot be moved under itself or one of its own sub-units."),
                          "parent")
    if unit.parent_id == new_parent.id:
        return unit
    _check_level(unit.level, new_parent)
    if not new_parent.is_active():
        raise DomainError(_("The new parent unit is closed."), "parent")
    old_path, old_parent = unit.path, unit.parent
    new_path = f"{new_parent.path}{unit.id}/"
    db.session.execute(
        update(Unit)
        .where(Unit.path.startswith(old_path, autoescape=True))
        .values(path=literal(new_path) + func.substr(Unit.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
    unit.parent_id = new_parent.id
    db.session.flush()
    db.session.expire_all()  # paths of loaded sub-units changed in the database
    audit.record(
        actor,
        "unit.move",
        unit,
        data={"from": old_parent.code if old_parent else None, "to": new_parent.code,
              "old_path": old_path, "new_path": new_path},
    )
    return unit


def close_unit(
    actor: User, unit: Unit, *, on: date, reason: str, successor: Unit | None = None
) -> Unit:
    """Close a unit (merger, dissolution). History stays; open sub-units must go first.
    Under the tree's lock, checked inside it (lock_tree)."""
    lock_tree()
    reason = clean(reason)
    if not reason:
        raise DomainError(_("Give the reason for closing the unit."), "reason")
    if unit.valid_to is not None:
        raise DomainError(_("This unit is already closed."))
    if on < unit.valid_from:
        raise DomainError(_("A unit cannot close before it was founded."), "on")
    if any(c.valid_to is None or c.valid_to > on for c in unit.children):
        raise DomainError(_("Close or move its open sub-units first."))
    if successor is not None and (successor.id == unit.id or not successor.is_active()):
        raise DomainError(_("The successor must be another open unit."), "successor")
    unit.valid_to = on
    unit.closed_reason = reason
    unit.successor = successor
    db.session.flush()
    audit.record(
        actor,
        "unit.close",
        unit,
        data={"on": on, "reason": reason, "successor": successor.code if successor else None},
    )
    return unit


def grant_role(
    actor: User,
    user: User,
    unit: Unit,
    role: str,
    *,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> RoleAssignment:
    if role not in ROLES:
        raise DomainError(_("Unknown role."), "role")
    valid_from = valid_from or today()
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("The end date is before the start date."), "valid_to")
    duplicate = db.session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.unit_id == unit.id,
            RoleAssignment.role == role,
            (RoleAssignment.valid_to.is_(None)) | (RoleAssignment.valid_to >= valid_from),
        )
    )
    if duplicate is not None:
        raise DomainError(_("%(user)s already holds this role here.", user=user.full_name), "role")
    assignment = RoleAssignment(
        user=user, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to,
        granted_by=actor,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        actor, "role.grant", assignment, unit=unit,
        data={"user": user.username, "role": role, "from": valid_from, "to": valid_to},
    )
    return assignment


def revoke_role(actor: User, assignment: RoleAssignment) -> RoleAssignment:
    """End a role assignment (kept for the record, never deleted)."""
    if assignment.valid_to is not None and assignment.valid_to < today():
        raise DomainError(_("This role has already ended."))
    assignment.valid_to = today() - timedelta(days=1)
    if assignment.valid_to < assignment.valid_from:
        assignment.valid_from = assignment.valid_to  # never started: keep dates consistent
    db.session.flush()
    audit.record(
        actor, "role.revoke", assignment, unit=assignment.unit,
        data={"user": assignment.user.username, "role": assignment.role},
    )
    return assignment


def subtree_query(unit: Unit, *, include_closed: bool = False):
    q = select(Unit).where(Unit.path.startswith(unit.path, autoescape=True))
    if not include_closed:
        q = q.where(Unit.valid_to.is_(None) | (Unit.valid_to >= today()))
    return q.order_by(Unit.path)


# First key of the tree's advisory lock on PostgreSQL, made from the schema too (like
# tally.LOCK_SPACE): installs or test runs in other schemas of the same database never wait.
TREE_LOCK = "tree:26"


def lock_tree() -> None:
    """One structural change at a time (a reorganisation applied or undone): held until the
    transaction ends. PostgreSQL: a transaction-level advisory lock; SQLite: the database's
    write lock taken at once (BEGIN IMMEDIATE), or already held when this transaction wrote.
    Afterwards the session forgets what it read, so the caller checks its plan again against
    the tree as it now stands (a rival that held the lock has committed by then)."""
    session = db.session()
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || "
                                ":space), 0)"), {"space": TREE_LOCK})
    elif connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        # pysqlite opens a transaction only before its first write: none yet means no lock
        # held, so take the write lock now; a transaction that wrote holds it already.
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    session.expire_all()
