"""Home: where a user lands after logging in — the units they work for."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import Unit, today

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.home"))


@bp.get("/home")
@login_required
def home():
    assignments = sorted(current_user.active_assignments(), key=lambda a: a.unit.path)
    unit_ids = {a.unit_id for a in assignments}
    # Direct sub-units of the user's units, for one-click access from the home page.
    children = db.session.scalars(
        select(Unit).where(Unit.parent_id.in_(unit_ids),
                           Unit.valid_to.is_(None) | (Unit.valid_to >= today()))
        .order_by(Unit.name)
    ).all() if unit_ids else []
    by_parent: dict[int, list[Unit]] = {}
    for child in children:
        by_parent.setdefault(child.parent_id, []).append(child)
    from .inbox.views import page_inbox

    return render_template("main/home.html", assignments=assignments, by_parent=by_parent,
                           inbox=page_inbox())
