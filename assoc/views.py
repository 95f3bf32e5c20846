"""Small helpers shared by the blueprints: load-or-404, domain errors onto forms, paging."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request
from flask_wtf import FlaskForm

from .extensions import db
from .services import DomainError


def get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's complaint next to the field it concerns, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [
            error.message
        ]
    else:
        form.form_errors.append(error.message)


def safe_next(target: str | None, default: str) -> str:
    """Only follow `next` to a path on this site (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def unit_ancestors(unit):
    """The units above `unit`, from the root down (for breadcrumbs), in one query."""
    from sqlalchemy import select

    from .models import Unit

    ids = unit.ancestor_ids[:-1]
    if not ids:
        return []
    by_id = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]
