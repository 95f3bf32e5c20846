"""Flask-Login wiring: how a user is loaded and where anonymous users are sent.

Sessions and remember cookies carry `User.get_id()` — the user's id and their current session
token — not the bare id, so replacing the token (logout, password change, an administrator's
"end all sessions") makes every copy of every cookie of that user worthless at once."""

import hmac

from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .extensions import db, login_manager
from .models import RoleAssignment, User

# One query for the user, the roles and their units: every page needs all three (built once).
USER_WITH_ROLES = (select(User).where(User.id == bindparam("id"))
                   .options(joinedload(User.assignments).joinedload(RoleAssignment.unit)))

# Pages a user who must choose a new password may still open.
OPEN_DURING_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "auth.set_language",
                               "static", "bootstrap.static"}


def init(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.refresh_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, token = (session_id or "").partition(":")
        if not user_id.isdigit() or not token or len(user_id) > 18:
            return None
        user = db.session.execute(USER_WITH_ROLES, {"id": int(user_id)}).unique() \
            .scalar_one_or_none()
        if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
            return None
        return user


def init_password_change(app: Flask) -> None:
    """Registered after the per-request cache reset, so that it sees this request's user."""

    @app.before_request
    def password_change_first():
        if (request.endpoint not in OPEN_DURING_PASSWORD_CHANGE
                and current_user.is_authenticated and current_user.must_change_password):
            return redirect(url_for("auth.change_password"))
        return None
