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


def form_page(form, template: str, *, save, done, flash_ok=None, status_conflict: int = 409,
              **context):
    """The house shape of a form page: GET shows the form; a valid POST calls `save(form)`
    (a service call), commits once, flashes and redirects to `done(result)`; a DomainError
    rolls back and goes next to its field (409); invalid input re-renders with 400."""
    from flask import flash, redirect, render_template

    status = 200
    if form.validate_on_submit():
        try:
            result = save(form)
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
            status = status_conflict
        else:
            db.session.commit()
            if flash_ok:
                flash(flash_ok(result) if callable(flash_ok) else flash_ok, "success")
            return redirect(done(result))
    elif form.is_submitted():
        status = 400
    return render_template(template, form=form, **context), status
