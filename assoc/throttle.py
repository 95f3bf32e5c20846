"""Login throttling on Flask-Limiter's storage (memory, or Redis when REDIS_URL is set).

Counts, none of which lets a stranger lock the owner out (ASVS 2.2.1):
- attempts per client address (LOGIN_LIMIT_PER_CLIENT), whatever the account;
- failed attempts per account from all clients (LOGIN_LIMIT_PER_ACCOUNT), against guessing
  spread over many addresses. It slows down only *unknown* places: it never applies to a
  browser holding a recent successful login of that account (a signed device cookie) nor to
  an address the account logged in from successfully in the last LOGIN_TRUSTED_DAYS days;
- an exponential delay per account *and* client: after LOGIN_DELAY_AFTER failures in a row
  from one address, that address waits 1, 2, 4, 8 … seconds (at most LOGIN_DELAY_MAX_SECONDS)
  before its next try for that account. Someone guessing from elsewhere does not delay the
  account's owner.
A device cookie is itself counted: after LOGIN_DEVICE_FAILURES failures with it (an hour), it
no longer lets its holder past the counts (a stolen cookie is not a free pass for guessing).

A throttled attempt is told so — "too many attempts, wait N seconds" — whatever the password
(it is not checked), so a right password is never answered "wrong". The answer does not depend
on whether the username exists: unknown names are counted the same way.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from limits import parse_many

DEVICE_COOKIE = "assoc_device"
DEVICE_ACCOUNTS = 5  # accounts remembered per browser (a shared office computer)


def limiter():
    return current_app.extensions["assoc_limiter"]


def client_address() -> str:
    """The request's client address (X-Forwarded-For is honoured only through ProxyFix,
    switched on by PROXY_COUNT)."""
    return request.remote_addr or "unknown"


def enabled() -> bool:
    return bool(current_app.config.get("LOGIN_THROTTLE", True))


def _account(username: str) -> str:
    # A hash: the storage never holds what people typed as a username.
    return hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]


def _keys(username: str) -> tuple[str, str]:
    pair = f"{_account(username)}/{client_address()}"
    return f"assoc/login-fail/{pair}", f"assoc/login-wait/{pair}"


def _trusted_key(username: str, address: str | None = None) -> str:
    return f"assoc/login-home/{_account(username)}/{address or client_address()}"


def _device_fail_key(nonce: str) -> str:
    return f"assoc/login-device-fail/{nonce}"


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


# --- the device cookie ---------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="assoc-login-device")


def _device_max_age() -> int:
    return int(current_app.config.get("LOGIN_TRUSTED_DAYS", 30)) * 24 * 3600


def _device_entries() -> list[list[str]]:
    """[[account hash, nonce, issued unix time], …] from this browser's signed device cookie."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        entries = _serializer().loads(raw, max_age=_device_max_age())
    except BadData:
        return []
    if not isinstance(entries, list):
        return []
    now = time.time()
    return [e for e in entries if isinstance(e, list) and len(e) == 3
            and now - float(e[2]) <= _device_max_age()]


def _device_nonce(username: str) -> str | None:
    account = _account(username)
    for entry in _device_entries():
        if entry[0] == account:
            return str(entry[1])
    return None


def _device_trusted(username: str) -> bool:
    nonce = _device_nonce(username)
    if nonce is None:
        return False
    return limiter().storage.get(_device_fail_key(nonce)) < int(
        current_app.config.get("LOGIN_DEVICE_FAILURES", 10))


def _address_trusted(username: str) -> bool:
    return limiter().storage.get(_trusted_key(username)) > 0


def device_cookie_value(username: str) -> str:
    """The device cookie after a successful login of `username`: this account first (a new
    nonce, issued now), then the other accounts it already held, at most DEVICE_ACCOUNTS."""
    account = _account(username)
    others = [e for e in _device_entries() if e[0] != account]
    entries = [[account, secrets.token_urlsafe(12), int(time.time())], *others]
    return _serializer().dumps(entries[:DEVICE_ACCOUNTS])


def set_device_cookie(response, username: str) -> None:
    config = current_app.config
    response.set_cookie(DEVICE_COOKIE, device_cookie_value(username), max_age=_device_max_age(),
                        httponly=True, samesite="Lax", secure=bool(config.get(
                            "SESSION_COOKIE_SECURE")))


# --- counting ------------------------------------------------------------------------------

def _seconds_until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


@_storage_guard(0)
def wait_seconds(username: str) -> int:
    """Count this attempt; 0 when it may be heard, else the seconds to wait before the next.

    A browser with a good device cookie for this account is never held back; an address the
    account used recently is exempt from the all-clients count for the account."""
    if not enabled():
        return 0
    strategy = limiter().limiter
    device = _device_trusted(username)
    wait = 0
    for item in parse_many(current_app.config["LOGIN_LIMIT_PER_CLIENT"]):
        if not strategy.hit(item, "login-client", client_address()):
            reset, _ = strategy.get_window_stats(item, "login-client", client_address())
            wait = max(wait, _seconds_until(reset))
    if device:
        return 0
    if not _address_trusted(username):
        for item in parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
            if not strategy.test(item, "login-account", _account(username)):
                reset, _ = strategy.get_window_stats(item, "login-account", _account(username))
                wait = max(wait, _seconds_until(reset))
    _, wait_key = _keys(username)
    if limiter().storage.get(wait_key) > 0:
        wait = max(wait, _seconds_until(limiter().storage.get_expiry(wait_key)))
    return wait


@_storage_guard(None)
def failed(username: str) -> None:
    if not enabled():
        return
    for item in parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
        limiter().limiter.hit(item, "login-account", _account(username))
    if nonce := _device_nonce(username):
        limiter().storage.incr(_device_fail_key(nonce), 3600)
    fail_key, wait_key = _keys(username)
    failures = limiter().storage.incr(fail_key, 24 * 3600)
    after = current_app.config["LOGIN_DELAY_AFTER"]
    if failures >= after:
        delay = min(2 ** (failures - after), current_app.config["LOGIN_DELAY_MAX_SECONDS"])
        limiter().storage.clear(wait_key)
        limiter().storage.incr(wait_key, max(1, int(delay)))


@_storage_guard(None)
def succeeded(username: str) -> None:
    """The account logged in from here: this address is its own for LOGIN_TRUSTED_DAYS (the
    caller also hands the browser a device cookie)."""
    if not enabled():
        return
    fail_key, wait_key = _keys(username)
    storage = limiter().storage
    storage.clear(fail_key)
    storage.clear(wait_key)
    if nonce := _device_nonce(username):
        storage.clear(_device_fail_key(nonce))
    trusted = _trusted_key(username)
    storage.clear(trusted)  # counted afresh: the expiry runs from this login
    storage.incr(trusted, _device_max_age())
