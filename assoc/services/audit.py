"""The audit log: every create/update/void/approve is recorded by the service that does it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry, Unit, User


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def record(
    actor: User | None,
    action: str,
    obj: Any,
    *,
    unit: Unit | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Log `action` on `obj` (a model instance with an id). `unit` defaults to obj.unit or obj
    itself when obj is a Unit."""
    if unit is None:
        unit = obj if isinstance(obj, Unit) else getattr(obj, "unit", None)
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        unit_id=unit.id if unit is not None else None,
        action=action,
        object_type=obj.__class__.__name__.lower() if obj is not None else "system",  # proxies too
        object_id=getattr(obj, "id", None),
        data=_jsonable(data or {}),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _same(old: Any, new: Any) -> bool:
    """Whether an update leaves a value as it was: a moment read back from the database without
    its zone (SQLite) is the same as the aware one a form gives; an empty text is no value."""
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, datetime) and isinstance(new, datetime):
        if (old.tzinfo is None) != (new.tzinfo is None):
            old, new = (v if v.tzinfo else v.replace(tzinfo=UTC) for v in (old, new))
        return old == new
    return old == new


def changes(obj: Any, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the values that differ, to log what an update changed. Empty
    when nothing changes: the caller then writes no entry (an edit that changes nothing is
    not history)."""
    return {
        k: [_jsonable(getattr(obj, k)), _jsonable(v)]
        for k, v in new_values.items()
        if not _same(getattr(obj, k), v)
    }


def history_query(object_type: str, object_id: int):
    return (
        select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )


def member_history(member, limit: int = 50) -> list[AuditEntry]:
    """A member's history: the entries about the member, and the import that brought the member
    in (one entry per imported file, written at the moment the members were created, with the
    numbers they received)."""
    entries = list(db.session.scalars(history_query("member", member.id).limit(limit)))
    if member.created_at is not None:
        for entry in db.session.scalars(select(AuditEntry).where(
                AuditEntry.at == member.created_at, AuditEntry.action == "member.import")):
            numbers = (entry.data or {}).get("numbers") or []
            if len(numbers) == 2 and numbers[0] <= member.number <= numbers[1]:
                entries.append(entry)
        entries.sort(key=lambda e: (e.at, e.id), reverse=True)
    return entries[:limit]


def user_history_query(user: User):
    """An account's history: logins, logouts, password events and its role grants/ends."""
    from sqlalchemy import and_, or_

    from ..models import RoleAssignment

    role_ids = select(RoleAssignment.id).where(RoleAssignment.user_id == user.id)
    return (
        select(AuditEntry)
        .where(or_(
            and_(AuditEntry.object_type == "user", AuditEntry.object_id == user.id),
            and_(AuditEntry.object_type == "roleassignment",
                 AuditEntry.object_id.in_(role_ids)),
        ))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )


def unit_activity_query(unit: Unit, *, subtree: bool = True):
    q = select(AuditEntry).join(Unit, AuditEntry.unit_id == Unit.id)
    q = q.where(Unit.path.startswith(unit.path, autoescape=True)) if subtree else q.where(
        AuditEntry.unit_id == unit.id
    )
    return q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def audit_export(actor: User | None, what: str, *, unit: Unit | None = None,
                 filename: str = "", rows: int | None = None, address: str = "") -> AuditEntry:
    """Record who downloaded an export (.xlsx, .csv, PDF): the one write a GET may do.
    `what` names the export ("members", "cash_book" …), `filename` the file handed out."""
    if not address:
        from flask import has_request_context, request

        address = request.remote_addr or "" if has_request_context() else ""
    data: dict[str, Any] = {"what": what, "file": filename, "address": address}
    if rows is not None:
        data["rows"] = rows
    return record(actor, "export", None, unit=unit, data=data)


# Readable names for the actions of the security area (others fall back to the code).
def _labels() -> dict[str, Any]:
    from flask_babel import lazy_gettext as _l

    return {
        "auth.login": _l("Logged in"),
        "auth.login_failed": _l("Failed login"),
        "auth.login_throttled": _l("Login refused (too many attempts)"),
        "auth.logout": _l("Logged out"),
        "user.create": _l("Account created"),
        "user.password": _l("Changed own password"),
        "user.password_reset": _l("Password set by an administrator"),
        "user.end_sessions": _l("All sessions ended"),
        "user.force_password_change": _l("Password change required"),
        "user.force_password_change_cancelled": _l("Password change no longer required"),
        "user.activate": _l("Account enabled"),
        "user.deactivate": _l("Account disabled"),
        "role.grant": _l("Role granted"),
        "role.revoke": _l("Role ended"),
        "export": _l("Export downloaded"),
        "address": _l("client address"),
        "username": _l("username"),
        "file": _l("file"),
        "rows": _l("rows"),
        "user": _l("account"),
        "role": _l("role"),
        "from": _l("from"),
        "to": _l("to"),
        "what": _l("export"),
    }


def label(code: str) -> str:
    """A readable label for an action or data key of the audit log, else the code itself."""
    found = _labels().get(code)
    return str(found) if found is not None else code


def value_text(key: str, value: Any) -> str:
    """An audit data value as a person reads it: no None/True/False, dates as dd/mm/yyyy,
    role codes by their names."""
    import re

    from flask_babel import gettext as _

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    if key == "role" and isinstance(value, str):
        from ..blueprints.units.forms import ROLE_LABELS

        return str(ROLE_LABELS.get(value, value))
    return str(value)
