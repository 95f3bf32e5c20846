"""Security headers on every response; no inline script anywhere (the CSP forbids it);
production switches on Secure cookies and HSTS."""

import re
from pathlib import Path

import pytest

from .builders import PASSWORD, build_user
from .test_security_fuzz import world  # noqa: F401 - the demo world fixture

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


def test_no_store_on_every_signed_in_page_and_download(app, world, client):  # noqa: F811
    """Every GET route of the app, reached as the city administrator (a page, an .xlsx/.csv,
    a PDF, a zip, a job's file): `Cache-Control: no-store`. Only the site's files and the
    public QR check pages seen by nobody signed in may be kept by a cache."""
    from sqlalchemy import select

    from assoc.models import Voucher
    from assoc.security import CACHEABLE_ALWAYS

    from .test_security_fuzz import _combinations, _login

    _login(client, world["admin"])
    checked, missing, downloads = 0, [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in CACHEABLE_ALWAYS:
            continue
        for values in _combinations(rule, world):
            try:
                url = rule.build(values, append_unknown=False)[1]
            except Exception:  # noqa: BLE001 - a converter refusing the sample
                continue
            response = client.get(url)
            if response.status_code not in (200, 302):
                continue
            checked += 1
            downloads += "attachment" in response.headers.get("Content-Disposition", "") or \
                response.mimetype != "text/html"
            if "no-store" not in response.headers.get("Cache-Control", ""):
                missing.append(f"{rule.endpoint} {url}")
            break
    assert checked > 120 and downloads > 20, (checked, downloads)
    assert missing == []
    # nobody signed in: the login form is not kept; the site's files and a QR check page may be
    anonymous = app.test_client()
    assert "no-store" in anonymous.get("/login").headers["Cache-Control"]
    assert "no-store" not in anonymous.get("/static/app.css").headers.get("Cache-Control", "")
    from assoc.extensions import db

    token = db.session.scalar(select(Voucher.public_token).limit(1))
    check = anonymous.get(f"/verify/{token}")
    assert check.status_code == 200
    assert "no-store" not in check.headers.get("Cache-Control", "")
    # the same check page seen by a signed-in user carries their menu: not kept
    assert "no-store" in client.get(f"/verify/{token}").headers["Cache-Control"]
