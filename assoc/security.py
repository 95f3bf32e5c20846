"""Security headers on every response, and the client address behind a proxy.

CSP: scripts and styles only from this site (no inline <script>, no onclick=…: the little
JavaScript there is lives in assoc/static/app.js); inline style *attributes* are allowed
(style-src-attr) because a few templates size bars and indents per row. Framing is refused.
ASSOC_PRODUCTION=1 adds HSTS (and, in config, Secure cookies)."""

from __future__ import annotations

import time

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# Responses a shared cache or the browser may keep: the site's own files, and the public QR
# check pages when nobody is signed in (they show what the paper shows). Everything else —
# every page of a signed-in user, every download, the login form — is `no-store` (ASVS 8.2.1).
CACHEABLE_ALWAYS = {"static", "bootstrap.static"}
CACHEABLE_ANONYMOUS = {"treasury.verify", "members.check", "learning.check"}


def cacheable(endpoint: str | None, signed_in: bool) -> bool:
    return endpoint in CACHEABLE_ALWAYS or (endpoint in CACHEABLE_ANONYMOUS and not signed_in)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, not re-signed on every request. A permanent session's
    cookie is signed with the time it was issued and refused once older than the idle timeout
    (PERMANENT_SESSION_LIFETIME); an active session's cookie is signed again once it is
    `refresh_after` old: a hundredth of the timeout, at most REFRESH_AFTER seconds (signing on
    every page cost each response a JSON dump, a compression and an HMAC).

    The idle timeout is measured from the last request: a cookie may lag the last request by up
    to `refresh_after`, so it is accepted for the timeout *plus* that lag. Whoever makes a
    request within the timeout of their previous one stays signed in, however short the
    timeout (with a fixed 60 s, a 1-minute timeout logged active users out); an idle session
    ends at most `refresh_after` (≤ 1 %) after the timeout."""

    REFRESH_AFTER = 60  # seconds, at most

    def refresh_after(self, app) -> float:
        return min(float(self.REFRESH_AFTER),
                   app.permanent_session_lifetime.total_seconds() / 100)

    @staticmethod
    def now() -> float:
        return time.time()

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds() + self.refresh_after(app)
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or (
            self.now() - signed_at.timestamp()) >= self.refresh_after(app)


def init(app: Flask) -> None:
    app.session_interface = SessionInterface()
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0)

    @app.before_request
    def refuse_nul_in_query_string():
        # NUL is never part of a legitimate address (query or path: a token in /jobs/<token>,
        # /verify/<token>); PostgreSQL refuses it in any string.
        from flask import abort, request

        if "\x00" in request.path or "\x00" in request.query_string.decode("latin-1") or any(
                "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
            abort(400)

    @app.errorhandler(400)
    def bad_request(error):
        from flask import render_template, url_for
        from flask_babel import gettext as _

        return render_template(
            "errors/page.html", heading="400 · " + _("Bad request"),
            message=_("The address contains something this site does not accept."),
            back_url=url_for("main.index"), back_label=_("Back to the home page")), 400

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("HSTS_SECONDS"):
            headers.setdefault("Strict-Transport-Security",
                               f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains")
        from flask import request, session

        if not cacheable(request.endpoint, "_user_id" in session):
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response
