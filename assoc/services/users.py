"""Accounts: creation, passwords, login throttling."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import User, utcnow
from ..text import clean
from . import DomainError, audit

USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,60}$")
MIN_PASSWORD = 8


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD), "password"
        )


def find_by_username(username: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.username) == clean(username).lower())
    )


def create_user(
    actor: User | None, *, username: str, full_name: str, password: str, email: str = "",
    phone: str = "",
) -> User:
    username = clean(username).lower()
    if not USERNAME_RE.match(username):
        raise DomainError(
            _("Use 3–60 letters without accents, digits, dots, dashes or underscores."),
            "username",
        )
    if find_by_username(username) is not None:
        raise DomainError(_("This username is taken."), "username")
    full_name = clean(full_name)
    if not full_name:
        raise DomainError(_("A full name is required."), "full_name")
    check_password_strength(password)
    user = User(username=username, full_name=full_name, email=clean(email), phone=clean(phone))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, data={"username": username, "full_name": full_name})
    return user


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; they were stored as UTC.
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt


def is_locked(user: User) -> bool:
    locked_until = _aware(user.locked_until)
    return locked_until is not None and locked_until > utcnow()


def authenticate(username: str, password: str) -> tuple[User | None, str | None]:
    """Returns (user, None) on success, (None, message) otherwise. Five failures lock the
    account for a while; the message never says whether the username exists."""
    user = find_by_username(username)
    generic = _("Wrong username or password.")
    if user is None:
        return None, generic
    if is_locked(user):
        return None, _(
            "Too many wrong passwords. The account is locked; try again in %(m)d minutes.",
            m=current_app.config["LOGIN_LOCK_MINUTES"],
        )
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = utcnow() + timedelta(
                minutes=current_app.config["LOGIN_LOCK_MINUTES"]
            )
            user.failed_logins = 0
            audit.record(None, "user.lock", user, data={"username": user.username})
        db.session.flush()
        return None, generic
    if not user.active:
        return None, _("This account is disabled.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    db.session.flush()
    return user, None


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise DomainError(_("The current password is wrong."), "current_password")
    check_password_strength(new)
    user.set_password(new)
    db.session.flush()
    audit.record(user, "user.password", user, data={})


def set_password(actor: User, user: User, new: str) -> None:
    """An administrator resets someone's password (and unlocks the account)."""
    check_password_strength(new)
    user.set_password(new)
    user.locked_until = None
    user.failed_logins = 0
    db.session.flush()
    audit.record(actor, "user.password_reset", user, data={"username": user.username})


def set_active(actor: User, user: User, active: bool) -> None:
    if actor.id == user.id and not active:
        raise DomainError(_("You cannot disable your own account."))
    if user.active == active:
        return
    user.active = active
    db.session.flush()
    audit.record(actor, "user.activate" if active else "user.deactivate", user, data={})


def set_language(user: User, language: str) -> None:
    user.language = language
    db.session.flush()


