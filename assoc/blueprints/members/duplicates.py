"""Members views: Duplicates; Public card check (QR on the card): initials, unit, validity — nothing private."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import Member, Unit
from ...permissions import load
from ...services import DomainError
from ...services import members as svc
from ...views import unit_ancestors
from . import bp
from .forms import (
    MergeForm,
)

# ---------------------------------------------------------------------------------------------
# Duplicates
# ---------------------------------------------------------------------------------------------


@bp.get("/unit/<int:unit_id>/duplicates")
@login_required
def duplicates(unit_id: int):
    unit = load(Unit, unit_id, "member.view")
    groups = svc.duplicate_groups(current_user, unit)
    return render_template("members/duplicates.html", unit=unit, ancestors=unit_ancestors(unit),
                           groups=groups, form=MergeForm(formdata=None))


@bp.post("/merge")
@login_required
def merge():
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400)
    keep = load(Member, form.keep_id.data, "member.merge")
    other = load(Member, form.other_id.data, "member.merge")
    try:
        svc.merge_members(current_user, keep, other)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return redirect(url_for(".show", member_id=keep.id))
    db.session.commit()
    flash(_("%(other)s merged into %(keep)s.", other=other.display_number,
            keep=keep.display_number), "success")
    return redirect(url_for(".show", member_id=keep.id))


# ---------------------------------------------------------------------------------------------
# Public card check (QR on the card): initials, unit, validity — nothing private
# ---------------------------------------------------------------------------------------------


@bp.get("/check/<token>")
def check(token: str):
    member = db.session.scalar(select(Member).where(Member.card_token == token))
    if member is None or len(token) > 32:
        abort(404)
    if member.status == "merged" and member.merged_into is not None:
        member = member.merged_into
    initials = ". ".join(w[0].upper() for w in member.full_name.split() if w) + "."
    if member.is_collective:
        initials = member.full_name
    return render_template("members/check.html", member=member, initials=initials,
                           valid=member.status == "active" and member.unit.is_active())
