"""assoc — the web system of Vietnam's education-promotion associations (Hội Khuyến học)."""

from __future__ import annotations

from flask import Flask, g, has_request_context, render_template, session, url_for
from flask_babel import refresh
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import search_index
from .config import Config
from .extensions import (
    babel,
    bootstrap,
    csrf,
    db,
    fragments,
    init_engine_events,
    init_limiter,
    login_manager,
    migrate,
)


def select_locale() -> str:
    if not has_request_context():  # CLI, tests of services: Vietnamese
        return "vi"
    lang = session.get("lang")
    if not lang and current_user and getattr(current_user, "is_authenticated", False):
        lang = current_user.language
    return lang if lang in ("vi", "en") else "vi"


def create_app(config: object | dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    if config is None:
        app.config.from_object(Config())
    elif isinstance(config, dict):
        app.config.from_object(Config())
        app.config.update(config)
    else:
        app.config.from_object(config)

    db.init_app(app)
    init_engine_events(app)
    migrate.init_app(app, db, directory=str(_root() / "migrations"), render_as_batch=True,
                     compare_type=True, include_name=search_index.include_name)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Ho_Chi_Minh")
    bootstrap.init_app(app)
    fragments.init_app(app)
    init_limiter(app)

    from . import auth_setup, filters, security

    auth_setup.init(app)
    filters.init(app)
    security.init(app)

    from .blueprints import register_blueprints
    from .services import tally  # noqa: F401  (its session hooks keep the roll-ups current)

    register_blueprints(app)

    from .cli import register_cli

    register_cli(app)
    _register_errors(app)
    auth_setup.init_password_change(app)
    return app


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def _register_errors(app: Flask) -> None:
    from flask_babel import gettext as _

    def error_page(code: int, heading, message, back=None):
        def handler(error):
            db.session.rollback()  # nothing half-done is ever committed after an error
            return render_template(
                "errors/page.html",
                heading=heading(),
                message=message(),
                back_url=back or url_for("main.index"),
                back_label=_("Go back") if back else _("Back to the home page"),
            ), code

        return handler

    app.register_error_handler(403, error_page(
        403, lambda: "403 · " + _("Not allowed"),
        lambda: _("Your roles do not give you access to this page.")))
    app.register_error_handler(404, error_page(
        404, lambda: "404 · " + _("Not found"),
        lambda: _("This page does not exist, or it has been moved.")))
    app.register_error_handler(500, error_page(
        500, lambda: "500 · " + _("Something went wrong"),
        lambda: _("Nothing was saved. Please try again; if it happens again, tell the "
                  "administrator.")))
    messages = {
        400: (lambda: _("Bad request"),
              lambda: _("The page could not understand what was sent. Nothing was saved.")),
        405: (lambda: _("Not possible this way"),
              lambda: _("This address does not accept that kind of request.")),
        413: (lambda: _("The file is too large"),
              lambda: _("Nothing was saved. Choose a smaller file (split a long list into "
                        "several files) and try again.")),
        429: (lambda: _("Too many attempts"),
              lambda: _("Please wait a minute and try again.")),
    }

    def any_http_error(error):
        # Every other HTTP error too: in the app's layout and language, never a bare page.
        code = getattr(error, "code", None) or 500
        if code < 400:
            return error
        heading, message = messages.get(code, (
            lambda: _("Something went wrong"),
            lambda: _("Nothing was saved. Please try again; if it happens again, tell the "
                      "administrator.")))
        return error_page(code, lambda: f"{code} · {heading()}", message)(error)

    app.register_error_handler(HTTPException, any_http_error)
    app.register_error_handler(CSRFError, error_page(
        400, lambda: _("The form has expired"),
        lambda: _("Nothing was saved. Go back, reload the page and submit again."),
        back="#back"))

    @app.before_request
    def forget_request_caches():
        # In production every request has its own app context; tests may share one across
        # requests, so drop what earlier requests cached about the user.
        g.pop("_login_user", None)
        g.pop("_assignments", None)
        g.pop("_role_key", None)
        g.pop(app.config["WTF_CSRF_FIELD_NAME"], None)  # Flask-WTF's token of this session
        refresh()  # Flask-Babel caches the locale on the context too
