"""Sessions that end, login throttling without lock-outs, password rules, login audit."""

import socket

import pytest
from sqlalchemy import select

from assoc.models import AuditEntry, User
from assoc.throttle import limiter

from .builders import PASSWORD, build_user


def post_login(client, username, password, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra})


def copy_cookies(app, source, *names):
    """A second browser holding copies of some of `source`'s cookies (a thief's)."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def logged_in(client) -> bool:
    return client.get("/home").status_code == 200


@pytest.fixture
def chair(tree):
    return build_user("chair", tree.ward_a, username="chair.a")


# --- sessions -------------------------------------------------------------------------------

def test_copied_session_and_remember_cookies_stop_working_after_logout(app, client, chair):
    post_login(client, "chair.a", PASSWORD, remember="y")
    session_copy = copy_cookies(app, client, "session")
    remember_copy = copy_cookies(app, client, "remember_token")
    assert logged_in(session_copy) and logged_in(remember_copy)
    response = client.post("/logout")
    assert "remember_token=;" in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None
    assert not logged_in(client)
    assert not logged_in(session_copy)
    assert not logged_in(remember_copy)


def test_password_change_ends_every_other_session(app, client, chair, db):
    post_login(client, "chair.a", PASSWORD, remember="y")
    other_browser = app.test_client()
    post_login(other_browser, "chair.a", PASSWORD)
    session_copy = copy_cookies(app, client, "session")
    remember_copy = copy_cookies(app, client, "remember_token")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a new long secret",
        "confirm": "a new long secret"})
    assert response.status_code == 302
    assert logged_in(client)  # the browser that changed it goes on
    assert not logged_in(other_browser)
    assert not logged_in(session_copy)
    assert not logged_in(remember_copy)


def test_admin_ends_all_sessions_of_a_user(app, client, chair, tree, db):
    post_login(client, "chair.a", PASSWORD, remember="y")
    remember_copy = copy_cookies(app, client, "remember_token")
    admin = build_user("admin", tree.city, username="root.admin")
    admin_client = app.test_client()
    post_login(admin_client, "root.admin", PASSWORD)
    page = admin_client.get(f"/users/{chair.id}").get_data(as_text=True)
    assert 'data-testid="end-sessions"' in page
    assert admin_client.get(f"/users/{chair.id}/sessions/end").status_code == 405  # POST only
    assert admin_client.post(f"/users/{chair.id}/sessions/end").status_code == 302
    assert not logged_in(client) and not logged_in(remember_copy)
    assert logged_in(admin_client)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.end_sessions"))
    assert entry.user_id == admin.id and entry.object_id == chair.id
    # only administrators
    assert client.post(f"/users/{chair.id}/sessions/end").status_code in (302, 403)
    post_login(client, "chair.a", PASSWORD)
    assert client.post(f"/users/{admin.id}/sessions/end").status_code == 403
    assert logged_in(admin_client)


def test_a_bare_user_id_in_a_forged_session_is_refused(app, chair):
    forged = app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = str(chair.id)
    assert not logged_in(forged)


def test_idle_timeout_is_a_setting(app, client, chair):
    assert app.permanent_session_lifetime.total_seconds() == 120 * 60
    post_login(client, "chair.a", PASSWORD)
    set_cookie = client.get("/home").headers.get("Set-Cookie", "")
    assert "session=" in set_cookie and "Expires=" in set_cookie


def test_session_cookie_is_signed_again_once_a_minute_and_refused_when_idle(
        app, client, chair, monkeypatch):
    import time

    from itsdangerous import TimestampSigner

    from assoc.security import SessionInterface

    post_login(client, "chair.a", PASSWORD)
    client.get("/home")
    # Signed moments ago: not sent again on every page.
    assert "session=" not in client.get("/home").headers.get("Set-Cookie", "")
    monkeypatch.setattr(SessionInterface, "REFRESH_AFTER", 0)
    assert "session=" in client.get("/home").headers.get("Set-Cookie", "")
    # Idle for longer than the timeout (the clock moves on): the session is over.
    idle = app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time() + idle))
    assert not logged_in(client)


def test_forced_password_change_at_next_login(app, client, chair, tree, db):
    build_user("admin", tree.city, username="root.admin")
    admin_client = app.test_client()
    post_login(admin_client, "root.admin", PASSWORD)
    admin_client.post(f"/users/{chair.id}/password/require-change")
    db.session.expire_all()
    assert db.session.get(User, chair.id).must_change_password
    response = post_login(client, "chair.a", PASSWORD)
    assert client.get("/home").location.endswith("/account/password")
    assert client.get(f"/units/{tree.ward_a.id}").location.endswith("/account/password")
    page = client.get("/account/password").get_data(as_text=True)
    assert 'data-testid="password-change-required"' in page
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "my own passphrase",
        "confirm": "my own passphrase"})
    assert response.status_code == 302
    assert logged_in(client)
    db.session.expire_all()
    assert not db.session.get(User, chair.id).must_change_password


def test_an_admin_set_password_must_be_changed(app, client, chair, tree, db):
    build_user("admin", tree.city, username="root.admin")
    admin_client = app.test_client()
    post_login(admin_client, "root.admin", PASSWORD)
    assert admin_client.post(f"/users/{chair.id}", data={"password": "temporary pass 7"}
                             ).status_code == 302
    post_login(client, "chair.a", "temporary pass 7")
    assert client.get("/home").location.endswith("/account/password")


def test_an_account_an_admin_creates_must_change_its_password(app, client, tree, db):
    build_user("admin", tree.city, username="root.admin")
    admin_client = app.test_client()
    post_login(admin_client, "root.admin", PASSWORD)
    assert admin_client.post("/users/", data={
        "username": "new.clerk", "full_name": "Lê Thị Mới", "password": "given by admin 7"}
    ).status_code == 302
    created = db.session.scalar(select(User).where(User.username == "new.clerk"))
    assert created.must_change_password
    # the requirement cannot be cancelled while the password is the administrator's
    page = admin_client.get(f"/users/{created.id}").get_data(as_text=True)
    assert 'data-testid="admin-set-password"' in page
    admin_client.post(f"/users/{created.id}/password/require-change")
    db.session.expire_all()
    assert db.session.get(User, created.id).must_change_password
    post_login(client, "new.clerk", "given by admin 7")
    assert client.get("/home").location.endswith("/account/password")
    # once its holder chose one, the administrator may require or cancel again
    client.post("/account/password", data={"current_password": "given by admin 7",
                                           "new_password": "my very own words",
                                           "confirm": "my very own words"})
    assert logged_in(client)
    admin_client.post(f"/users/{created.id}/password/require-change")
    db.session.expire_all()
    assert db.session.get(User, created.id).must_change_password
    admin_client.post(f"/users/{created.id}/password/require-change")
    db.session.expire_all()
    assert not db.session.get(User, created.id).must_change_password


def test_accounts_made_on_the_command_line_are_not_forced(app, db):
    from assoc.services import users

    user = users.create_user(None, username="first.admin", full_name="Quản trị",
                             password="the admin chose it")
    assert not user.must_change_password


def test_cookies_of_a_disabled_account_stay_dead_after_it_is_enabled_again(app, client, chair,
                                                                          tree, db):
    post_login(client, "chair.a", PASSWORD, remember="y")
    session_copy = copy_cookies(app, client, "session")
    remember_copy = copy_cookies(app, client, "remember_token")
    build_user("admin", tree.city, username="root.admin")
    admin_client = app.test_client()
    post_login(admin_client, "root.admin", PASSWORD)
    assert admin_client.post(f"/users/{chair.id}/active").status_code == 302  # disabled
    assert admin_client.post(f"/users/{chair.id}/active").status_code == 302  # enabled again
    db.session.expire_all()
    assert db.session.get(User, chair.id).active
    assert not logged_in(session_copy)
    assert not logged_in(remember_copy)
    assert not logged_in(client)
    assert post_login(app.test_client(), "chair.a", PASSWORD).status_code == 302


def test_idle_timeout_runs_from_the_last_request(app, client, chair, monkeypatch):
    """A 1-minute idle timeout, a request every 40 seconds for 10 minutes: still signed in.
    Then a minute and a bit without a request: signed out."""
    from datetime import timedelta

    from itsdangerous import TimestampSigner

    from assoc.security import SessionInterface

    clock = [1_900_000_000.0]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(clock[0]))
    monkeypatch.setattr(SessionInterface, "now", staticmethod(lambda: clock[0]))
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=60))
    post_login(client, "chair.a", PASSWORD)
    for _ in range(15):
        clock[0] += 40
        assert logged_in(client), clock[0]
    clock[0] += 62
    assert not logged_in(client)


# --- passwords --------------------------------------------------------------------------------

@pytest.mark.parametrize("password, complaint", [
    ("short1!", "từ 10 đến"),
    ("password123", "phổ biến"),
    ("1234567890", "phổ biến"),
    ("qwertyuiop", "phổ biến"),
    ("my chair.a pass", "tên đăng nhập"),
])
def test_weak_passwords_are_refused(client, chair, login, password, complaint):
    login(chair)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": password, "confirm": password})
    assert response.status_code == 400
    assert complaint in response.get_data(as_text=True)


def test_demo_password_is_still_good_enough():
    from assoc.demo import DEMO_PASSWORD
    from assoc.services.users import check_password_strength

    check_password_strength(DEMO_PASSWORD, "chutich.khanhhoi")  # raises if refused


# --- throttling -------------------------------------------------------------------------------

@pytest.fixture
def throttled(app):
    app.config["LOGIN_THROTTLE"] = True
    limiter().storage.reset()
    yield app
    app.config["LOGIN_THROTTLE"] = False
    limiter().storage.reset()


def test_a_throttled_attempt_says_wait_never_wrong_password(client, chair, throttled):
    unknown = post_login(client, "nobody.here", "whatever it is")
    wrong = post_login(client, "chair.a", "not the password")
    for response in (unknown, wrong):
        assert response.status_code == 401
        assert "Sai tên đăng nhập hoặc mật khẩu." in response.get_data(as_text=True)
    for _ in range(2):
        post_login(client, "chair.a", "not the password")
    throttled_answer = post_login(client, "chair.a", PASSWORD)  # right password, but waiting
    assert throttled_answer.status_code == 429
    body = throttled_answer.get_data(as_text=True)
    assert "Sai tên đăng nhập hoặc mật khẩu." not in body
    assert "Quá nhiều lần thử. Hãy chờ 1 giây rồi thử lại." in body
    # an unknown username is throttled the same way (nothing tells whether it exists)
    for _ in range(3):
        post_login(client, "nobody.here", "whatever it is")
    assert "Quá nhiều lần thử" in post_login(client, "nobody.here", "x" * 12).get_data(
        as_text=True)


def test_delay_grows_per_account_and_client_and_spares_other_clients(app, client, chair,
                                                                    throttled):
    from assoc import throttle

    for _ in range(3):
        post_login(client, "chair.a", "not the password")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        fail_key, wait_key = throttle._keys("chair.a")
        assert limiter().storage.get(fail_key) == 3
        assert limiter().storage.get(wait_key) == 1
        assert throttle.wait_seconds("chair.a") == 1
    # the owner on another address is not delayed by the guesser
    owner = app.test_client()
    response = owner.post("/login", data={"username": "chair.a", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 302
    # the delay is exponential: 1, 2, 4, 8 … seconds, capped
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        limiter().storage.clear(wait_key)
        throttle.failed("chair.a")
        assert limiter().storage.get(fail_key) == 4
    expiry = limiter().storage.get_expiry(wait_key)
    import time

    assert 1 < expiry - time.time() <= 2


def test_per_client_limit_spans_accounts(app, client, tree, throttled):
    app.config["LOGIN_LIMIT_PER_CLIENT"] = "5 per minute"
    try:
        for i in range(6):
            build_user("viewer", tree.ward_a, username=f"user.{i}")
        answers = [post_login(client, f"user.{i}", "not the password").status_code
                   for i in range(5)]
        assert answers == [401] * 5
        assert post_login(client, "user.5", PASSWORD).status_code == 429  # refused unheard
        other = app.test_client()
        assert other.post("/login", data={"username": "user.5", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 302
    finally:
        app.config["LOGIN_LIMIT_PER_CLIENT"] = "30 per minute; 300 per hour"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_throttle_counts_live_in_redis_when_redis_url_is_set(test_database, tree):
    import redis

    from assoc import create_app
    from assoc.config import TestConfig

    build_user(username="someone.r")
    config = TestConfig()
    for key, value in test_database.config().items():
        setattr(config, key, value)
    config.LOGIN_THROTTLE = True
    config.RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
    config.LOGIN_LIMIT_PER_CLIENT = "2 per minute"
    redis_app = create_app(config)
    storage = redis_app.extensions["assoc_limiter"].storage
    assert type(storage).__name__ == "RedisStorage"
    storage.reset()
    try:
        c = redis_app.test_client()
        assert post_login(c, "someone.r", "nope nope nope").status_code == 401
        assert post_login(c, "someone.r", "nope nope nope").status_code == 401
        assert post_login(c, "someone.r", PASSWORD).status_code == 429  # third: over the limit
        assert redis.Redis.from_url(config.RATELIMIT_STORAGE_URI).keys("*login*")
    finally:
        storage.reset()
        with redis_app.app_context():
            from assoc.extensions import db as redis_db

            redis_db.engine.dispose()


class Browser:
    """A browser talking HTTP to a served app, keeping its cookies."""

    def __init__(self, port, forwarded_for=None):
        self.port, self.forwarded_for, self.cookies = port, forwarded_for, {}

    def post(self, path, fields):
        import http.client
        from http.cookies import SimpleCookie
        from urllib.parse import urlencode

        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("POST", path, urlencode(fields), headers)
        response = conn.getresponse()
        body = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, body

    def login(self, username, password):
        return self.post("/login", {"username": username, "password": password})


@pytest.mark.parametrize("store", ["memory://", "redis://127.0.0.1:6379/15"])
def test_strangers_on_40_addresses_cannot_lock_the_owner_out(test_database, tree, store):
    """120 wrong passwords from 40 addresses for one account; the owner's right password from
    his own address (or from his browser anywhere) still logs in; a place the account never
    logged in from is told to wait, never that the password is wrong."""
    import threading

    from werkzeug.serving import make_server

    from assoc import create_app
    from assoc.config import TestConfig
    from assoc.extensions import db as shared_db

    if store.startswith("redis") and not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    build_user("chair", tree.ward_a, username="chair.a")
    config = TestConfig()
    for key, value in test_database.config().items():
        setattr(config, key, value)
    config.LOGIN_THROTTLE = True
    config.RATELIMIT_STORAGE_URI = store
    config.PROXY_COUNT = 1  # behind one proxy: X-Forwarded-For names the client
    served = create_app(config)
    served.logger.disabled = True
    served.extensions["assoc_limiter"].storage.reset()
    server = make_server("127.0.0.1", 0, served, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    try:
        owner = Browser(port)  # 127.0.0.1, no proxy header
        assert owner.login("chair.a", PASSWORD)[0] == 302
        assert "assoc_device" in owner.cookies
        owner.post("/logout", {})
        answers = []
        for n in range(40):
            stranger = Browser(port, forwarded_for=f"198.51.{n // 200}.{n % 200 + 1}")
            answers += [stranger.login("chair.a", f"guess number {n}-{i}")[0] for i in range(3)]
        assert len(answers) == 120 and 429 in answers  # the strangers were slowed down
        # the owner's address, a new browser there: logs in
        assert Browser(port).login("chair.a", PASSWORD)[0] == 302
        # the owner's own browser (device cookie), on an address never seen: logs in
        owner.forwarded_for = "203.0.113.50"
        assert owner.login("chair.a", PASSWORD)[0] == 302
        # an unknown browser on an unknown address: told to wait, not "wrong password"
        status, body = Browser(port, forwarded_for="203.0.113.51").login("chair.a", PASSWORD)
        assert status == 429
        assert "Quá nhiều lần thử" in body and "Sai tên đăng nhập" not in body
    finally:
        server.shutdown()
        served.extensions["assoc_limiter"].storage.reset()
        with served.app_context():
            shared_db.engine.dispose()


def test_a_device_cookie_is_bound_to_its_account_and_signed(app, client, tree, throttled):
    from assoc import throttle

    build_user("viewer", tree.ward_a, username="owner.b")
    build_user("viewer", tree.ward_a, username="other.c")
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per hour"
    try:
        assert post_login(client, "other.c", PASSWORD).status_code == 302
        client.post("/logout")
        for n in range(3):
            app.test_client().post("/login", data={"username": "owner.b", "password": "no no no"},
                                   environ_base={"REMOTE_ADDR": f"10.1.1.{n}"})
        # other.c's cookie does not let this browser past owner.b's count (new address)
        assert client.post("/login", data={"username": "owner.b", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.2.2.2"}).status_code == 429
        # nor does a tampered cookie
        forged = app.test_client()
        with app.test_request_context():
            value = throttle.device_cookie_value("owner.b")
        forged.set_cookie(throttle.DEVICE_COOKIE, value[:-3] + "abc")
        assert forged.post("/login", data={"username": "owner.b", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.2.2.3"}).status_code == 429
        # a good one does; after LOGIN_DEVICE_FAILURES failures with it, it no longer does
        good = app.test_client()
        good.set_cookie(throttle.DEVICE_COOKIE, value)
        app.config["LOGIN_DEVICE_FAILURES"] = 2
        for _ in range(2):
            assert good.post("/login", data={"username": "owner.b", "password": "nope nope"},
                             environ_base={"REMOTE_ADDR": "10.2.2.4"}).status_code == 401
        assert good.post("/login", data={"username": "owner.b", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.2.2.5"}).status_code == 429
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "60 per hour"
        app.config["LOGIN_DEVICE_FAILURES"] = 10


# --- audit ------------------------------------------------------------------------------------

def test_logins_failures_and_logouts_are_audited_with_the_client_address(app, client, chair,
                                                                         tree, db):
    client.post("/login", data={"username": "chair.a", "password": "not it at all"},
                environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client.post("/login", data={"username": "ghost", "password": "not it at all"},
                environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client.post("/login", data={"username": "chair.a", "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client.post("/logout", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.startswith("auth."))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.object_id, e.data.get("address")) for e in entries] == [
        ("auth.login_failed", chair.id, "203.0.113.9"),
        ("auth.login_failed", None, "203.0.113.9"),
        ("auth.login", chair.id, "203.0.113.9"),
        ("auth.logout", chair.id, "203.0.113.9"),
    ]
    assert entries[1].data["username"] == "ghost"
    # shown readably on the account's page, with its role grants
    build_user("admin", tree.city, username="root.admin")
    admin_client = app.test_client()
    post_login(admin_client, "root.admin", PASSWORD)
    page = admin_client.get(f"/users/{chair.id}").get_data(as_text=True)
    for text in ("Đăng nhập không thành công", "Đăng xuất từ 203.0.113.9", "203.0.113.9",
                 "Đăng nhập từ", "vai trò"):
        assert text in page
    assert "auth.login" not in page


def test_client_address_honours_the_proxy_only_when_configured(test_database, chair, db):
    from assoc import create_app
    from assoc.config import TestConfig
    from assoc.extensions import db as shared_db

    seen = []
    for proxies in (0, 1):
        config = TestConfig()
        for key, value in test_database.config().items():
            setattr(config, key, value)
        config.PROXY_COUNT = proxies
        proxied = create_app(config)
        proxied.test_client().post(
            "/login", data={"username": "chair.a", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
            headers={"X-Forwarded-For": "198.51.100.7"})
        with proxied.app_context():
            shared_db.engine.dispose()
    seen = db.session.scalars(select(AuditEntry.data).where(AuditEntry.action == "auth.login")
                              .order_by(AuditEntry.id)).all()
    assert [d["address"] for d in seen] == ["10.0.0.1", "198.51.100.7"]


def test_audit_export_records_who_downloaded_what(tree, db):
    from assoc.services import audit

    user = build_user("chair", tree.ward_a, username="chair.a")
    entry = audit.audit_export(user, "members", unit=tree.ward_a, filename="hoi-vien.xlsx",
                               rows=12, address="198.51.100.1")
    assert entry.action == "export" and entry.unit_id == tree.ward_a.id
    assert entry.data == {"what": "members", "file": "hoi-vien.xlsx",
                          "address": "198.51.100.1", "rows": 12}
    assert audit.label("export") != "export"


def test_logins_still_work_when_the_throttle_storage_is_down(test_database, tree):
    from assoc import create_app
    from assoc.config import TestConfig
    from assoc.extensions import db as shared_db

    build_user(username="someone.d")
    config = TestConfig()
    for key, value in test_database.config().items():
        setattr(config, key, value)
    config.LOGIN_THROTTLE = True
    config.RATELIMIT_STORAGE_URI = "redis://127.0.0.1:1/0"  # nothing listens there
    down = create_app(config)
    down.logger.disabled = True
    try:
        c = down.test_client()
        assert post_login(c, "someone.d", "nope nope nope").status_code == 401
        assert post_login(c, "someone.d", PASSWORD).status_code == 302
    finally:
        with down.app_context():
            shared_db.engine.dispose()


def test_audit_values_read_as_sentences(app):
    from assoc.services.audit import value_text

    with app.test_request_context():
        assert value_text("to", None) == "—"
        assert value_text("from", "2025-01-01") == "01/01/2025"
        assert value_text("role", "chair") == "Chủ tịch"
        assert value_text("honorary", True) == "có"
