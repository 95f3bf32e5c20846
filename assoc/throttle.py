"""Login throttling on Flask-Limiter's storage (memory, or Redis when REDIS_URL is set).

Three counts, none of which lets a stranger lock a person out for long:
- attempts per client address (LOGIN_LIMIT_PER_CLIENT), whatever the account;
- failed attempts per account from all clients (LOGIN_LIMIT_PER_ACCOUNT), against guessing
  spread over many addresses;
- an exponential delay per account *and* client: after LOGIN_DELAY_AFTER failures in a row
  from one address, that address waits 1, 2, 4, 8 … seconds (at most LOGIN_DELAY_MAX_SECONDS)
  before its next try for that account. Someone guessing from elsewhere does not delay the
  account's owner.
A refused attempt gets the same answer as a wrong password (no account enumeration).
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from limits import parse_many


def limiter():
    return current_app.extensions["assoc_limiter"]


def client_address() -> str:
    """The request's client address (X-Forwarded-For is honoured only through ProxyFix,
    switched on by PROXY_COUNT)."""
    return request.remote_addr or "unknown"


def _enabled() -> bool:
    return bool(current_app.config.get("LOGIN_THROTTLE", True))


def _account(username: str) -> str:
    # A hash: the storage never holds what people typed as a username.
    return hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]


def _keys(username: str) -> tuple[str, str]:
    pair = f"{_account(username)}/{client_address()}"
    return f"assoc/login-fail/{pair}", f"assoc/login-wait/{pair}"


def _storage_guard(default):
    """If the counter storage (Redis) is down, logins still work (logged), unthrottled."""

    def wrap(fn):
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 - any storage failure
                current_app.logger.exception("login throttling storage unavailable")
                return default
        run.__doc__, run.__name__ = fn.__doc__, fn.__name__
        return run

    return wrap


@_storage_guard(False)
def refused(username: str) -> bool:
    """Count this attempt against the client; True when it must be refused unheard."""
    if not _enabled():
        return False
    strategy = limiter().limiter
    over = False
    for item in parse_many(current_app.config["LOGIN_LIMIT_PER_CLIENT"]):
        if not strategy.hit(item, "login-client", client_address()):
            over = True
    for item in parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
        if not strategy.test(item, "login-account", _account(username)):
            over = True
    _, wait_key = _keys(username)
    if limiter().storage.get(wait_key) > 0:
        over = True
    return over


@_storage_guard(None)
def failed(username: str) -> None:
    if not _enabled():
        return
    for item in parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
        limiter().limiter.hit(item, "login-account", _account(username))
    fail_key, wait_key = _keys(username)
    failures = limiter().storage.incr(fail_key, 24 * 3600)
    after = current_app.config["LOGIN_DELAY_AFTER"]
    if failures >= after:
        delay = min(2 ** (failures - after), current_app.config["LOGIN_DELAY_MAX_SECONDS"])
        limiter().storage.incr(wait_key, max(1, int(delay)))


@_storage_guard(None)
def succeeded(username: str) -> None:
    if not _enabled():
        return
    fail_key, wait_key = _keys(username)
    limiter().storage.clear(fail_key)
    limiter().storage.clear(wait_key)
