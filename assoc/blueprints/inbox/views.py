"""The inbox page, the menu badge, the reminder settings and the unsubscribe link."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ...extensions import db, fragments
from ...models import AuditEntry, today
from ...permissions import role_key
from ...views import form_page
from . import bp
from .forms import ReminderForm, UnsubscribeForm
from .items import collect
from .reminders import set_digest, user_of_token

BADGE_SECONDS = 3600
_INBOX = "assoc.inbox"


def _badge_key() -> str:
    return f"inbox-badge:{current_user.id}:{role_key(current_user)}:{today()}"


def inbox_count() -> int | None:
    """The menu badge, as last counted for the user today (no query on an ordinary page: the
    count is refreshed by /inbox/count.json, fetched by the page's script, and by the pages
    that show the to-do list); None when not counted yet."""
    if not current_user.is_authenticated:
        return None
    count = fragments.get(_badge_key())
    inbox = request.environ.get(_INBOX)
    if count is None and inbox is not None:  # this page computes the list anyway
        count = inbox.count
        fragments.set(_badge_key(), count, timeout=BADGE_SECONDS)
    return count


def page_inbox():
    """The user's inbox for a page that shows it, computed once for the page and the badge."""
    # Kept on the request, not on `g`: an app context may outlive a request (tests).
    inbox = request.environ[_INBOX] = collect(current_user._get_current_object())
    return inbox


@bp.record_once
def _globals(state):
    from .render import inbox_rows

    # A global, not a context processor: the list is an imported macro (inbox/_list.html).
    state.app.jinja_env.globals["inbox_rows"] = inbox_rows


@bp.app_context_processor
def _inject():
    return {"inbox_count": inbox_count}


@bp.get("/inbox/count.json")
@login_required
def count():
    """How many items wait. Every page fetches it, so it is counted again only after a write:
    every write is audited, so the newest audit entry's id (an index probe) says whether
    anything changed since the last count."""
    latest = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    key = f"inbox-count:{current_user.id}:{role_key(current_user)}:{today()}:{latest}"
    n = fragments.get(key)
    if n is None:
        n = collect(current_user._get_current_object()).count
        fragments.set(key, n, timeout=BADGE_SECONDS)
    fragments.set(_badge_key(), n, timeout=BADGE_SECONDS)
    return jsonify({"count": n})


@bp.get("/inbox")
@login_required
def index():
    return render_template("inbox/index.html", inbox=page_inbox())


@bp.route("/account/reminders", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    form = ReminderForm(obj=user)

    def save(f):
        set_digest(user, user, f.digest.data, f.email.data or "")

    from ...permissions import is_admin

    return form_page(form, "inbox/account.html", save=save,
                     done=lambda _r: url_for("inbox.account"),
                     flash_ok=_("Your reminder settings have been saved."),
                     can_send=is_admin(user), send_form=UnsubscribeForm(formdata=None))


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


@bp.post("/reminders/send")
@login_required
def send_now():
    """An administrator sends today's reminders now, as a job with a progress page."""
    from ... import jobs
    from ...permissions import is_admin

    if not is_admin(current_user):
        abort(403)
    unit = next(a.unit for a in current_user.active_assignments() if a.role == "admin")
    job = jobs.create(current_user, unit, "send_reminders",
                      _("E-mail reminders of %(day)s", day=today().strftime("%d/%m/%Y")),
                      {"date": today().isoformat()})
    db.session.commit()
    jobs.launch(job)
    return redirect(url_for("jobs.show", token=job.token))
