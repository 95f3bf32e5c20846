"""Security headers on every response; no inline script anywhere (the CSP forbids it);
production switches on Secure cookies and HSTS."""

import re
from pathlib import Path

import pytest

from .builders import PASSWORD, build_user

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src-attr")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"


def test_headers_on_every_kind_of_response(client, tree, login):
    user = build_user("chair", tree.ward_a)
    for url in ("/login", "/static/app.css", "/no/such/page", "/verify/nothing"):
        assert_security_headers(client.get(url))
    login(user)
    for url in ("/home", f"/units/{tree.ward_a.id}", "/users/"):
        assert_security_headers(client.get(url))
    assert_security_headers(client.post("/logout"))


def test_no_inline_script_or_event_handler_in_templates():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path.name}: {match.group(0)}")
        for match in re.finditer(r"\son(?:click|submit|change|input|load|error|focus|blur"
                                 r"|key[a-z]+|mouse[a-z]+)\s*=", text):
            offenders.append(f"{path.name}: {match.group(0)}")
        if "javascript:" in text:
            offenders.append(f"{path.name}: javascript: URL")
    assert offenders == []


def test_cookies_are_httponly_and_lax_and_not_secure_in_development(client, tree):
    build_user("chair", tree.ward_a, username="chair.a")
    response = client.post("/login", data={"username": "chair.a", "password": PASSWORD,
                                           "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    session = next(c for c in cookies if c.startswith("session="))
    for cookie in (remember, session):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in response.headers


def test_production_setting_switches_on_secure_cookies_and_hsts(monkeypatch, test_database, tree,
                                                               db):
    from assoc import create_app
    from assoc.config import Config
    from assoc.extensions import db as shared_db

    build_user("chair", tree.ward_a, username="chair.a")
    monkeypatch.setenv("ASSOC_PRODUCTION", "1")
    monkeypatch.setenv("SECRET_KEY", "production-test-key")
    config = Config()
    for key, value in test_database.config().items():
        setattr(config, key, value)
    config.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    config.WTF_CSRF_ENABLED = False
    prod = create_app(config)
    try:
        response = prod.test_client().post(
            "/login", data={"username": "chair.a", "password": PASSWORD, "remember": "y"},
            base_url="https://localhost")
        assert response.status_code == 302
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        cookies = response.headers.getlist("Set-Cookie")
        for name in ("session=", "remember_token="):
            cookie = next(c for c in cookies if c.startswith(name))
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        with prod.app_context():
            shared_db.engine.dispose()


@pytest.mark.parametrize("flag", ["0", ""])
def test_without_the_production_setting_nothing_is_secure_only(monkeypatch, flag):
    from assoc.config import Config

    monkeypatch.setenv("ASSOC_PRODUCTION", flag)
    monkeypatch.setenv("SECRET_KEY", "k")
    config = Config()
    assert not config.SESSION_COOKIE_SECURE and not config.HSTS_SECONDS
