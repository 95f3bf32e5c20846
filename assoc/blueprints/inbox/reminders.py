"""E-mail reminders of the work inbox (issue 32).

`send_reminders(on)` writes each user (with an e-mail address and a digest setting other than
"never") at most one e-mail a day: the inbox items that are new to them and the date rules
met (a report due in 7 days, in 1 day, overdue; nominations waiting more than 5 days). Each
reminder is recorded (`ReminderSent`, unique per user and key) in the transaction of its
sending, so a second run sends nothing twice. A weekly digest goes out when the last one is a
week old. The body names counts and record titles only, never a member's personal data; links
are built from PUBLIC_BASE_URL; the footer carries a signed unsubscribe link.

Without MAIL_SERVER (or with --dry-run) nothing is sent: the messages are printed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import ReminderSent, User
from ...urls import public_url
from .items import Item, collect

WAIT_DAYS = 5        # a nomination waiting longer than this is reminded
SALT = "inbox-unsubscribe"


# ---------------------------------------------------------------------------------------------
# Unsubscribe tokens (signed; they work without logging in)
# ---------------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user: User) -> str:
    return _serializer().dumps({"u": user.id})


def user_of_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def set_digest(actor: User | None, user: User, digest: str, email: str | None = None) -> None:
    """The user's reminder setting (and e-mail address), audited."""
    from ...models import DIGESTS
    from ...services import DomainError, audit
    from ...text import clean

    if digest not in DIGESTS:
        raise DomainError(_("Choose how often to receive reminders."))
    changes = {}
    if digest != user.digest:
        changes["digest"] = [user.digest, digest]
        user.digest = digest
    if email is not None:
        email = clean(email).lower()
        if email != user.email:
            changes["email"] = [user.email, email]
            user.email = email
    db.session.flush()
    if changes:
        audit.record(actor, "user.reminders", user, data=changes)


# ---------------------------------------------------------------------------------------------
# What a user is sent
# ---------------------------------------------------------------------------------------------


@dataclass
class Line:
    item: Item
    tag: str       # "new" | "due7" | "due1" | "overdue" | "wait5"
    url: str

    @property
    def tag_text(self) -> str:
        return {"new": _("New"), "due7": _("Due within 7 days"), "due1": _("Due tomorrow"),
                "overdue": _("Overdue"), "wait5": _("Waiting more than %(n)s days", n=WAIT_DAYS),
                }[self.tag]


@dataclass
class Digest:
    user: User
    on: date
    lines: list[Line] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)  # (key, title)

    @property
    def subject(self) -> str:
        return _("[Learning Promotion] %(n)s items waiting for you (%(day)s)", n=len(self.lines),
                 day=self.on.strftime("%d/%m/%Y"))


def rules_met(item: Item, on: date) -> list[str]:
    """The date rules the item meets on `on`."""
    found = []
    if item.late or (item.due is not None and item.due < on):
        found.append("overdue")
    elif item.due is not None and item.kind.startswith("periodic_"):
        left = (item.due - on).days
        if left <= 1:
            found.append("due1")
        elif left <= 7:
            found.append("due7")
    if (item.kind == "nomination_decide" and item.since is not None
            and (on - item.since).days > WAIT_DAYS):
        found.append("wait5")
    return found


def _sent_keys(user: User) -> set[str]:
    return set(db.session.scalars(select(ReminderSent.key).where(ReminderSent.user_id == user.id)))


def _due_today(user: User, on: date, sent: set[str]) -> bool:
    if not user.active or not user.email or user.digest == "never":
        return False
    if f"digest:{on.isoformat()}" in sent:
        return False
    if user.digest == "weekly":
        last = db.session.scalar(select(ReminderSent.sent_on).where(
            ReminderSent.user_id == user.id, ReminderSent.key.startswith("digest:"))
            .order_by(ReminderSent.sent_on.desc()).limit(1))
        return last is None or (on - last).days >= 7
    return True


def digest_for(user: User, on: date) -> Digest | None:
    """What `user` is to be sent on `on`, or None (opted out, no address, already sent today,
    nothing new)."""
    sent = _sent_keys(user)
    if not _due_today(user, on, sent):
        return None
    digest = Digest(user, on)
    for item in collect(user, on).items:
        url = public_url(item.endpoint, **item.values)
        title = f"{item.label}: {item.title}"[:300]
        tags = [r for r in rules_met(item, on) if f"{r}:{item.key}" not in sent]
        if f"new:{item.key}" not in sent:
            digest.keys.append((f"new:{item.key}", title))
            if not tags:
                tags = ["new"]
        for tag in tags:
            digest.lines.append(Line(item, tag, url))
            if tag != "new":
                digest.keys.append((f"{tag}:{item.key}", title))
    if not digest.lines:
        return None
    digest.keys.append((f"digest:{on.isoformat()}", digest.subject))
    return digest


def render(digest: Digest) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the digest, in the user's language."""
    context = {"digest": digest, "user": digest.user,
               "inbox_url": public_url("inbox.index"),
               "settings_url": public_url("inbox.account"),
               "unsubscribe_url": public_url("inbox.unsubscribe",
                                             token=unsubscribe_token(digest.user))}
    return (digest.subject, render_template("inbox/mail_digest_text.html", **context),
            render_template("inbox/mail_digest.html", **context))


# ---------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _connection():
    """An SMTP connection with the settings as they are now (Flask-Mailman)."""
    from flask_mailman import Mail

    app = current_app._get_current_object()
    app.extensions["mailman"] = Mail.init_mail(app.config, app.testing)
    return Mail().get_connection()


def _message(digest: Digest, connection):
    from flask_mailman import EmailMultiAlternatives

    subject, text, html = render(digest)
    msg = EmailMultiAlternatives(subject, text, current_app.config.get("MAIL_DEFAULT_SENDER"),
                                 [digest.user.email], connection=connection)
    msg.attach_alternative(html, "text/html")
    return msg


@dataclass
class Outcome:
    sent: int = 0
    printed: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def _record(digest: Digest) -> bool:
    """Record the reminders of the digest; False when another run already took the day."""
    try:
        with db.session.begin_nested():
            for key, title in digest.keys:
                db.session.add(ReminderSent(user_id=digest.user.id, key=key, sent_on=digest.on,
                                            title=title))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def send_reminders(on: date, *, dry_run: bool = False, echo: Callable[[str], None] = print,
                   progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Send (or, dry, print) each user's reminders for `on`. Commits once per user sent."""
    outcome = Outcome()
    really = mail_configured() and not dry_run
    connection = _connection() if really else None
    users = list(db.session.scalars(select(User).where(
        User.active.is_(True), User.email != "", User.digest != "never").order_by(User.id)))
    for n, user in enumerate(users, start=1):
        if progress is not None:
            progress(n, len(users))
        with force_locale(user.language or "vi"):
            digest = digest_for(user, on)
            if digest is None:
                outcome.skipped += 1
                continue
            if not really:
                subject, text, _html = render(digest)
                echo(f"To: {user.email}\nSubject: {subject}\n\n{text}\n")
                outcome.printed += 1
                continue
            if not _record(digest):
                db.session.rollback()
                outcome.skipped += 1
                continue
            try:
                _message(digest, connection).send()
            except Exception as e:  # noqa: BLE001 - one user's failure stops nobody else's
                db.session.rollback()
                outcome.failed.append(f"{user.email}: {e}")
                continue
            db.session.commit()
            outcome.sent += 1
    return outcome


def parse_day(value: str | None, default: date) -> date:
    if not value:
        return default
    return date.fromisoformat(value)


# ---------------------------------------------------------------------------------------------
# The RQ alternative to cron: a job that sends the day's reminders and schedules the next day's
# ---------------------------------------------------------------------------------------------

SEND_HOUR = 7  # Vietnam time


def next_run(now_utc, hour: int = SEND_HOUR):
    """The next `hour` o'clock in Vietnam after `now_utc`, as an aware UTC datetime."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    local = now_utc.astimezone(vn)
    at = datetime.combine(local.date(), time(hour), tzinfo=vn)
    if at <= local:
        at += timedelta(days=1)
    return at.astimezone(now_utc.tzinfo)


def schedule(redis_url: str, hour: int = SEND_HOUR):
    """Put the next daily run on the RQ queue (a worker started with --with-scheduler runs it);
    each run schedules the following one."""
    from redis import Redis
    from rq import Queue

    from ...jobs import QUEUE
    from ...models import utcnow

    at = next_run(utcnow(), hour)
    Queue(current_app.config.get("JOB_QUEUE", QUEUE), connection=Redis.from_url(redis_url)) \
        .enqueue_at(at, scheduled_run, hour, job_timeout=6 * 3600, result_ttl=0)
    return at


def scheduled_run(hour: int = SEND_HOUR) -> None:
    """What the RQ worker runs each day (it makes an app from the environment)."""
    from ... import create_app
    from ...models import today

    app = create_app()
    base = app.config.get("PUBLIC_BASE_URL") or "http://localhost"
    with app.test_request_context("/", base_url=base):
        try:
            outcome = send_reminders(today(), echo=lambda s: None)
            app.logger.info("reminders: %s sent, %s failed", outcome.sent, len(outcome.failed))
        finally:
            db.session.remove()
            schedule(app.config["REDIS_URL"], hour)


# ---------------------------------------------------------------------------------------------
# A long send as a job with progress (an administrator's "send now")
# ---------------------------------------------------------------------------------------------


def _register_job() -> None:
    from ...jobs import Cancelled, handler

    @handler("send_reminders", "user.manage")
    def send_reminders_job(job, progress) -> dict:
        """Today's reminders, one user after another, the progress on the job's page. A send is
        not cancelled halfway: what went out is recorded as it goes."""
        from ...models import today

        def step(done: int, total: int) -> None:
            with suppress(Cancelled):
                progress(done, total, "sending")

        on = parse_day(job.params.get("date"), today())
        base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"
        with current_app.test_request_context("/", base_url=base):
            outcome = send_reminders(on, echo=lambda _s: None, progress=step)
        return {"summary": {"sent": outcome.sent, "printed": outcome.printed,
                            "skipped": outcome.skipped, "failed": len(outcome.failed)},
                "total": outcome.sent + outcome.printed + outcome.skipped + len(outcome.failed)}


_register_job()
