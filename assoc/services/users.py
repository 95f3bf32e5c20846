"""Accounts: creation, passwords, login throttling."""

from __future__ import annotations

import re
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from ..extensions import db
from ..models import User, utcnow
from ..text import clean
from . import DomainError, audit

USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,60}$")
MIN_PASSWORD = 10


def _common_passwords() -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        path = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
        _COMMON = frozenset(
            line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        )
    return _COMMON


_COMMON: frozenset[str] | None = None


def check_password_strength(password: str, username: str = "", field: str = "password") -> None:
    """At least MIN_PASSWORD characters, not one of the common passwords, not containing the
    username (ASVS 2.1)."""
    if len(password) < MIN_PASSWORD:
        raise DomainError(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD), field
        )
    lowered = password.lower()
    if lowered in _common_passwords() or lowered.strip("0123456789!@#.") in _common_passwords():
        raise DomainError(
            _("This password is one of the most common ones; choose another."), field
        )
    if username and len(username) >= 3 and username.lower() in lowered:
        raise DomainError(_("The password must not contain the username."), field)


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
    check_password_strength(password, username)
    user = User(username=username, full_name=full_name, email=clean(email), phone=clean(phone))
    user.set_password(password)
    # A password someone else chose (an administrator creating the account) is replaced by its
    # holder at the first login. Accounts made by the command line or the demo are not.
    user.must_change_password = actor is not None
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, data={"username": username, "full_name": full_name})
    return user


# Checked when the username is unknown, so that the answer takes as long as a real check.
_DUMMY_HASH = "pbkdf2:sha256:600000$assoc$" + "0" * 64


def authenticate(username: str, password: str, address: str = "") -> tuple[User | None, str | None]:
    """Returns (user, None) on success, (None, message) otherwise. The message is the same for
    an unknown username, a wrong password and a disabled account's wrong password, so that it
    never says whether the username exists. Failures and successes are audited with the
    client address."""
    user = find_by_username(username)
    generic = _("Wrong username or password.")
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        audit.record(None, "auth.login_failed", None,
                     data={"username": clean(username)[:60], "address": address})
        return None, generic
    if not user.check_password(password):
        user.failed_logins += 1
        db.session.flush()
        audit.record(None, "auth.login_failed", user,
                     data={"username": user.username, "address": address})
        return None, generic
    if not user.active:
        audit.record(None, "auth.login_failed", user,
                     data={"username": user.username, "address": address})
        return None, _("This account is disabled.")
    user.failed_logins = 0
    user.last_login_at = utcnow()
    db.session.flush()
    audit.record(user, "auth.login", user, data={"address": address})
    return user, None


def refused_login(username: str, address: str, wait: int) -> str:
    """A throttled attempt (its password unheard): audited, and told to wait — never "wrong
    password", since the password may well be right. The same for unknown usernames."""
    user = find_by_username(username)
    audit.record(None, "auth.login_throttled", user,
                 data={"username": clean(username)[:60], "address": address})
    return ngettext("Too many attempts. Wait %(num)d second and try again.",
                    "Too many attempts. Wait %(num)d seconds and try again.", wait)


def logged_out(user: User, address: str = "") -> None:
    """Logging out ends every session and remember cookie of the user."""
    user.end_all_sessions()
    db.session.flush()
    audit.record(user, "auth.logout", user, data={"address": address})


def end_sessions(actor: User, user: User) -> None:
    """An administrator ends every session of `user` (a lost phone, a departed officer)."""
    user.end_all_sessions()
    db.session.flush()
    audit.record(actor, "user.end_sessions", user, data={"username": user.username})


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise DomainError(_("The current password is wrong."), "current_password")
    if new == current:
        raise DomainError(_("Choose a password different from the current one."), "new_password")
    check_password_strength(new, user.username, "new_password")
    user.set_password(new)
    user.must_change_password = False
    user.end_all_sessions()  # the caller logs the current browser in again
    db.session.flush()
    audit.record(user, "user.password", user, data={})


def set_password(actor: User, user: User, new: str) -> None:
    """An administrator sets someone's password; every session of that user ends and the user
    must choose their own password at the next login."""
    check_password_strength(new, user.username)
    user.set_password(new)
    user.failed_logins = 0
    user.must_change_password = True
    user.end_all_sessions()
    db.session.flush()
    audit.record(actor, "user.password_reset", user, data={"username": user.username})


def password_set_by_someone_else(user: User) -> bool:
    """Whether the current password was chosen by an administrator (the account's creation or
    a reset), not by the holder: the last of those events in the account's history says."""
    from ..models import AuditEntry

    last = db.session.scalar(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "user", AuditEntry.object_id == user.id,
            AuditEntry.action.in_(("user.create", "user.password_reset", "user.password")))
        .order_by(AuditEntry.id.desc()).limit(1))
    return last in ("user.create", "user.password_reset") and user.must_change_password


def require_password_change(actor: User, user: User, required: bool = True) -> None:
    if user.must_change_password == required:
        return
    if not required and password_set_by_someone_else(user):
        raise DomainError(_("This password was chosen by an administrator: its holder must "
                            "replace it at the next login."))
    user.must_change_password = required
    db.session.flush()
    audit.record(actor, "user.force_password_change" if required
                 else "user.force_password_change_cancelled", user,
                 data={"username": user.username})


def set_active(actor: User, user: User, active: bool) -> None:
    if actor.id == user.id and not active:
        raise DomainError(_("You cannot disable your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        # Every cookie of the account dies now, and stays dead if it is enabled again.
        user.end_all_sessions()
    db.session.flush()
    audit.record(actor, "user.activate" if active else "user.deactivate", user, data={})


def set_language(user: User, language: str) -> None:
    user.language = language
    db.session.flush()


