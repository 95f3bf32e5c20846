"""The audit log: every create/update/void/approve is recorded by the service that does it."""

from __future__ import annotations

from datetime import date, datetime
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
        object_type=type(obj).__name__.lower() if obj is not None else "system",
        object_id=getattr(obj, "id", None),
        data=_jsonable(data or {}),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def changes(obj: Any, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the values that differ, to log what an update changed."""
    return {
        k: [_jsonable(getattr(obj, k)), _jsonable(v)]
        for k, v in new_values.items()
        if getattr(obj, k) != v
    }


def history_query(object_type: str, object_id: int):
    return (
        select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )


def unit_activity_query(unit: Unit, *, subtree: bool = True):
    q = select(AuditEntry).join(Unit, AuditEntry.unit_id == Unit.id)
    q = q.where(Unit.path.startswith(unit.path, autoescape=True)) if subtree else q.where(
        AuditEntry.unit_id == unit.id
    )
    return q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
