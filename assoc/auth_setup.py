"""Flask-Login wiring: how a user is loaded and where anonymous users are sent."""

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .extensions import db, login_manager
from .models import RoleAssignment, User


def init(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.refresh_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.scalar(
            db.select(User)
            .where(User.id == int(user_id))
            .options(selectinload(User.assignments).joinedload(RoleAssignment.unit))
        )
