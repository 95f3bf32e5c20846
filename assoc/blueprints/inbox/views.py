"""The inbox page, the menu badge, the reminder settings and the unsubscribe link."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db, fragments
from ...models import today
from ...pagecache import data_version
from ...permissions import role_key
from ...views import form_page
from . import bp
from .forms import ReminderForm, UnsubscribeForm
from .items import collect
from .reminders import set_digest, user_of_token

BADGE_SECONDS = 300


def inbox_count() -> int:
    """The menu badge: how many items wait for the user, kept until the data, the user's roles
    or the day change (or 5 minutes pass: uploads left at the preview are files)."""
    if not current_user.is_authenticated:
        return 0
    key = f"inbox:{current_user.id}:{role_key(current_user)}:{today()}:{data_version()}"
    count = fragments.get(key)
    if count is None:
        count = collect(current_user).count
        fragments.set(key, count, timeout=BADGE_SECONDS)
    return count


@bp.app_context_processor
def _inject():
    return {"inbox_count": inbox_count}


@bp.get("/inbox")
@login_required
def index():
    return render_template("inbox/index.html", inbox=collect(current_user))


@bp.route("/account/reminders", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    form = ReminderForm(obj=user)

    def save(f):
        set_digest(user, user, f.digest.data, f.email.data or "")

    return form_page(form, "inbox/account.html", save=save,
                     done=lambda _r: url_for("inbox.account"),
                     flash_ok=_("Your reminder settings have been saved."))


@bp.route("/reminders/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """From the link in a reminder: works without logging in (the token is signed). A GET
    only asks; the POST stops the reminders."""
    user = user_of_token(token)
    if user is None:
        abort(404)
    form = UnsubscribeForm()
    done = False
    if form.validate_on_submit():
        set_digest(user, user, "never")
        db.session.commit()
        done = True
    return render_template("inbox/unsubscribe.html", form=form, done=done,
                           stopped=user.digest == "never")
