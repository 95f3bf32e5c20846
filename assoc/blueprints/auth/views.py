from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ... import throttle
from ...extensions import db
from ...services import DomainError, users
from ...views import attach_error, safe_next
from . import bp
from .forms import ChangePasswordForm, LoginForm


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        username, address = form.username.data, throttle.client_address()
        wait = throttle.wait_seconds(username)
        if wait:
            # Told as it is, whatever was typed (the password is not even checked): a right
            # password is never answered "wrong".
            error = users.refused_login(username, address, wait)
            user = None
        else:
            user, error = users.authenticate(username, form.password.data, address)
            (throttle.failed if user is None else throttle.succeeded)(username)
        db.session.commit()  # failures are recorded even when the login is refused
        if user is None:
            form.form_errors.append(error)
            return render_template("auth/login.html", form=form), 429 if wait else 401
        session.clear()  # nothing from before the login carries over (session fixation)
        session.permanent = True  # PERMANENT_SESSION_LIFETIME is the idle timeout
        login_user(user, remember=form.remember.data)
        session["lang"] = user.language
        flash(_("Welcome, %(name)s.", name=user.full_name), "success")
        response = redirect(safe_next(form.next.data, url_for("main.home")))
        if throttle.enabled():
            # This browser now holds a recent successful login of the account: strangers'
            # guesses elsewhere never hold it back (assoc/throttle.py).
            throttle.set_device_cookie(response, username)
        return response
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    users.logged_out(current_user, throttle.client_address())
    db.session.commit()
    lang = session.get("lang")
    session.clear()
    # After the clear: logout_user() marks the remember cookie for deletion in the session,
    # which Flask-Login acts on when the response goes out.
    logout_user()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as e:
            attach_error(form, e)
            return render_template("auth/password.html", form=form), 400
        db.session.commit()
        # Every other session has ended; this browser continues with the new token.
        login_user(current_user._get_current_object(), remember="remember_token" in request.cookies)
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


@bp.route("/lang/<code>", methods=["GET", "POST"])
def set_language(code: str):
    """The switch in the menu POSTs: the language is kept on the account too. A plain link
    (GET) changes only this browser's session, since a GET writes nothing."""
    if code not in ("vi", "en"):
        abort(404)
    session["lang"] = code
    if request.method == "POST" and current_user.is_authenticated:
        users.set_language(current_user, code)
        db.session.commit()
    return redirect(safe_next(request.args.get("next"), url_for("main.home")))
