"""Browser journeys: the real app served on a free local port with the demo data, driven by
Playwright in Debian's Chromium (Playwright cannot download browsers here)."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from assoc import create_app
from assoc.config import TestConfig
from assoc.extensions import db

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"],
    }


def demo_app(path):
    """The app on its own SQLite file at `path`, with the demo data, CSRF on (the browser goes
    through the real forms)."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    config.WTF_CSRF_ENABLED = True
    app = create_app(config)
    with app.app_context():
        from assoc.demo import seed_demo

        db.create_all()
        seed_demo()
        db.session.commit()
    return app


@contextmanager
def serving(app):
    """`app` served on a free local port for the block; yields its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("e2e") / "e2e.db")


@pytest.fixture(scope="session")
def base_url(live_app):
    with serving(live_app) as url:
        yield url


@pytest.fixture
def login_as(page, base_url):
    from assoc.demo import DEMO_PASSWORD

    def _login(username: str, password: str = DEMO_PASSWORD):
        page.goto(f"{base_url}/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{base_url}/home")
        return page

    return _login


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every browser test also checks that the Content-Security-Policy blocked nothing."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    yield
    assert violations == []
