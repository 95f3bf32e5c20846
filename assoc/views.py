"""Small helpers shared by the blueprints: load-or-404, domain errors onto forms, paging."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from flask import abort, request
from flask_wtf import FlaskForm

from .extensions import db
from .services import DomainError
from .statements import by_id


def get_or_404(model, object_id: int):
    # An id no integer column can hold (a crafted URL) is simply not found, on every database.
    if not isinstance(object_id, int) or not 0 < object_id <= INT_ARG_MAX:
        abort(404)
    obj = by_id(model, object_id)
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
    """Only follow `next` to a path on this site (no open redirect, no header splitting)."""
    if not target or len(target) > 2000:
        return default
    if any(ch in target for ch in "\r\n\t\x00\\") or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


# The largest number any integer query parameter may carry (ids, years, pages): beyond it a
# value is treated as absent, so no query string can overflow a database integer.
INT_ARG_MAX = 2**31 - 1


def int_arg(name: str, default: int | None = None, *, min: int = 0,  # noqa: A002
            max: int = INT_ARG_MAX) -> int | None:  # noqa: A002
    """THE way to read an integer from the query string: the first value of `name` if it is a
    plain decimal number within [min, max], else `default` (never an exception, never a 500).
    Years: min=1900, max=2200; pages: min=1; ids: min=1."""
    raw = request.args.get(name, "")
    raw = raw.strip() if isinstance(raw, str) else ""
    if not raw or len(raw) > 12 or not (raw.isascii() and raw.lstrip("-").isdigit()):
        return default
    value = int(raw)
    return value if min <= value <= max else default


def id_arg(model, name: str, action: str):
    """The record a query parameter names (?unit=, ?fund=, ?quota=, ?event_id=, ...), loaded
    through permissions.load for `action`: None when the parameter is absent or not a number,
    404 when there is no such record, 403 when it belongs to a unit the user may not `action`.
    A filter or pre-fill never takes a bare id."""
    from .permissions import load

    ident = int_arg(name, min=1)
    return None if ident is None else load(model, ident, action)


def year_arg(name: str = "year", default: int | None = None) -> int | None:
    return int_arg(name, default, min=1900, max=2200)


def page_arg() -> int:
    return int_arg("page", 1, min=1, max=100_000)


# Keys that url_for treats as its own arguments: never pass them through from a query string.
_URL_FOR_RESERVED = {"endpoint", "_external", "_anchor", "_method", "_scheme", "values"}


def query_args(*, drop: tuple[str, ...] = (), **changes) -> dict:
    """The current query string as url_for keyword arguments, without the path parameters of
    the current route (which url_for gets separately) or url_for's own names, first value of
    each key, with `changes` applied (None removes a key)."""
    view_args = request.view_args or {}
    args = {k: v for k, v in request.args.items()
            if k not in view_args and k not in _URL_FOR_RESERVED and not k.startswith("_")
            and k not in drop}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


def record_download(action: str, obj, **data) -> None:
    """The one write a GET may make (DESIGN.md): who downloaded which export. Whatever the read
    left in the session (roll-ups built on the way, a lazily made row) is dropped first, so the
    commit holds the audit entry and nothing else. Build the file before calling this."""
    from flask_login import current_user

    from .services import audit

    db.session.rollback()
    audit.record(current_user, action, obj, data=data)
    db.session.commit()


def unit_ancestors(unit):
    """The units above `unit`, from the root down (for breadcrumbs), in one query."""
    ids = unit.ancestor_ids[:-1]
    if not ids:
        return []
    found = {u.id: u for u in db.session.execute(_units_by_id(), {"ids": ids}).scalars()}
    return [found[i] for i in ids if i in found]


@cache
def _units_by_id():
    from sqlalchemy import bindparam, select

    from .models import Unit

    return select(Unit).where(Unit.id.in_(bindparam("ids", expanding=True)))


def form_page(form, template: str, *, save, done, flash_ok=None, status_conflict: int = 409,
              current=None, **context):
    """The house shape of a form page: GET shows the form; a valid POST calls `save(form)`
    (a service call), commits once, flashes and redirects to `done(result)`; a DomainError
    rolls back and goes next to its field (409); invalid input re-renders with 400.

    `current` (an edit form with a `loaded` field, see assoc/merge.py): a callable giving the
    same form bound to the record as saved now. A save then writes only the fields its sender
    changed since loading the form; a field someone else changed differently meanwhile is
    shown beside theirs (409) and nothing is saved."""
    from flask import flash, redirect, render_template

    from .merge import keep_others_changes, remember

    status = 200
    if current is not None and not form.is_submitted():
        remember(form)
    if form.validate_on_submit():
        if current is not None and keep_others_changes(form, current()):
            return render_template(template, form=form, **context), 409
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
