"""Logging in and out, lock-out, remember me, own password, language, expired sessions."""

from assoc.models import User

from .builders import PASSWORD, build_user


def post_login(client, username, password, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra})


def test_login_and_logout(client, tree):
    build_user("chair", tree.ward_a, username="chair.a")
    response = post_login(client, "chair.a", PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/home")
    home = client.get("/home")
    assert "Nguyễn Văn Thử" in home.get_data(as_text=True)
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302  # back to the login page


def test_wrong_password_is_refused_without_saying_why(client, tree):
    build_user("chair", tree.ward_a, username="chair.a")
    for username in ("chair.a", "nobody"):
        response = post_login(client, username, "wrong password")
        assert response.status_code == 401
        assert "Sai tên đăng nhập hoặc mật khẩu." in response.get_data(as_text=True)


def test_wrong_passwords_do_not_lock_the_account(client, tree, db):
    # The old 5-tries lock let anyone lock anyone out; throttling (tests/test_security_auth.py)
    # slows the guesser's client instead.
    build_user("chair", tree.ward_a, username="chair.a")
    for _ in range(6):
        post_login(client, "chair.a", "wrong password")
    assert post_login(client, "chair.a", PASSWORD).status_code == 302


def test_disabled_account_cannot_log_in(client, tree, db):
    user = build_user("chair", tree.ward_a, username="chair.a")
    user.active = False
    db.session.commit()
    assert post_login(client, "chair.a", PASSWORD).status_code == 401


def test_remember_me_sets_a_cookie(client, tree):
    build_user("chair", tree.ward_a, username="chair.a")
    post_login(client, "chair.a", PASSWORD, remember="y")
    assert client.get_cookie("remember_token") is not None


def test_expired_session_returns_to_login_with_the_page_remembered(client, tree):
    build_user("chair", tree.ward_a, username="chair.a")
    target = f"/units/{tree.ward_a.id}"
    response = client.get(target)
    assert response.status_code == 302
    assert "/login?next=%2Funits%2F" in response.location
    login_page = client.get(response.location)
    assert f'value="{target}"' in login_page.get_data(as_text=True)
    response = post_login(client, "chair.a", PASSWORD, next=target)
    assert response.location.endswith(target)


def test_next_cannot_leave_the_site(client, tree):
    build_user("chair", tree.ward_a, username="chair.a")
    response = post_login(client, "chair.a", PASSWORD, next="https://evil.example/")
    assert response.location.endswith("/home")


def test_change_own_password(client, tree, db, login):
    user = build_user("chair", tree.ward_a, username="chair.a")
    login(user)
    bad = client.post("/account/password", data={
        "current_password": "not it", "new_password": "new password 1",
        "confirm": "new password 1"})
    assert bad.status_code == 400
    assert "Mật khẩu hiện tại không đúng." in bad.get_data(as_text=True)
    mismatch = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "new password 1", "confirm": "other"})
    assert mismatch.status_code == 400
    ok = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "new password 1",
        "confirm": "new password 1"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("new password 1")


def test_language_switch(client, tree, login):
    user = build_user("chair", tree.ward_a, username="chair.a")
    login(user)
    assert "Trang chủ" in client.get("/home").get_data(as_text=True)
    client.get("/lang/en?next=/home")
    page = client.get("/home").get_data(as_text=True)
    assert "Home" in page and "Trang chủ" not in page
    assert client.get("/lang/fr").status_code == 404


def test_passwords_are_hashed(tree):
    user = build_user(username="someone")
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)


def test_production_hash_is_scrypt(app):
    from assoc.config import Config

    assert getattr(Config, "PASSWORD_HASH_METHOD", "scrypt") == "scrypt"


def test_the_menu_switch_keeps_the_language_on_the_account_a_link_only_in_the_session(
        client, tree, login, db):
    user = build_user("chair", tree.ward_a, username="chair.b")
    login(user)
    client.get("/lang/en?next=/home")  # a GET writes nothing
    db.session.expire_all()
    assert db.session.get(User, user.id).language != "en"
    assert client.post("/lang/en?next=/home").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "en"
