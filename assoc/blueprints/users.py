"""Accounts, for administrators: list, create, disable, reset a password."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from sqlalchemy import func, or_, select
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..forms import Form
from ..models import User
from ..permissions import is_admin
from ..services import DomainError, audit, users
from ..text import clean
from ..views import attach_error, get_or_404, page_arg

bp = Blueprint("users", __name__, url_prefix="/users")


class UserForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=60)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    password = PasswordField(_l("Initial password"),
                             validators=[DataRequired(), Length(min=10, max=200)])
    submit = SubmitField(_l("Create the account"))


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)])
    submit = SubmitField(_l("Set the password"))


@bp.before_request
@login_required
def only_admins():
    if not is_admin(current_user):
        abort(403)


@bp.route("/", methods=["GET", "POST"])
def index():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = users.create_user(current_user, username=form.username.data,
                                     full_name=form.full_name.data, password=form.password.data,
                                     email=form.email.data or "", phone=form.phone.data or "")
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Account %(u)s created. Give it a role on a unit's Roles page.",
                    u=user.username), "success")
            return redirect(url_for(".show", user_id=user.id))
    term = clean(request.args.get("q", ""))[:100].lower()
    q = select(User).order_by(User.username)
    if term:
        q = q.where(or_(func.lower(User.username).contains(term, autoescape=True),
                        func.lower(User.full_name).contains(term, autoescape=True)))
    page = db.paginate(q, page=page_arg(), per_page=50, error_out=False)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("users/index.html", page=page, form=form, term=term), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def show(user_id: int):
    user = get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            users.set_password(current_user, user, form.password.data)
        except DomainError as e:
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Password set."), "success")
            return redirect(url_for(".show", user_id=user.id))
    history = db.session.scalars(audit.user_history_query(user).limit(100)).all()
    return render_template("users/show.html", user=user, form=form, history=history,
                           admin_set=users.password_set_by_someone_else(user))


@bp.post("/<int:user_id>/sessions/end")
def end_sessions(user_id: int):
    user = get_or_404(User, user_id)
    users.end_sessions(current_user, user)
    db.session.commit()
    if user.id == current_user.id:
        login_user(user)  # the administrator's own other sessions end, this one goes on
    flash(_("Every session of %(u)s has ended; they must log in again.", u=user.username),
          "success")
    return redirect(url_for(".show", user_id=user.id))


@bp.post("/<int:user_id>/password/require-change")
def require_password_change(user_id: int):
    user = get_or_404(User, user_id)
    try:
        users.require_password_change(current_user, user, not user.must_change_password)
    except DomainError as e:
        flash(str(e), "danger")
        return redirect(url_for(".show", user_id=user.id))
    db.session.commit()
    flash(_("%(u)s must choose a new password at the next login.", u=user.username)
          if user.must_change_password else _("The password change is no longer required."),
          "success")
    return redirect(url_for(".show", user_id=user.id))


@bp.post("/<int:user_id>/active")
def toggle_active(user_id: int):
    user = get_or_404(User, user_id)
    try:
        users.set_active(current_user, user, not user.active)
    except DomainError as e:
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("Account enabled.") if user.active else _("Account disabled."), "success")
    return redirect(url_for(".show", user_id=user.id))
