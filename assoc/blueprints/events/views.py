"""Fundraising events: lists and calendar, event pages, participation, donations (with receipts
from the treasury), donors, pledges, piggy-bank counting sheets, reports and the sub-tree view."""

from __future__ import annotations

import calendar
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...filters import local_dt
from ...keyset import keyset_page
from ...models import (
    EVENT_KINDS,
    EVENT_STATUSES,
    Event,
    Fund,
    Pledge,
    Unit,
    today,
)
from ...permissions import can, load, scope_query
from ...services import DomainError, audit
from ...services import events as svc
from ...text import search_key
from ...views import (
    attach_error,
    form_page,
    safe_next,
    unit_ancestors,
)
from . import bp
from .forms import (
    DONOR_KIND_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    PLEDGE_STATUS_LABELS,
    STATUS_LABELS,
    CancelForm,
    EventForm,
    ParticipationForm,
    SheetReceiptForm,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


# The badge colour of each event status (lists and the event page).
STATUS_BADGES = {"planned": "text-bg-info", "held": "text-bg-primary",
                 "closed": "text-bg-secondary", "cancelled": "text-bg-danger"}


@bp.app_context_processor
def event_labels():
    return {"EVENT_KIND_LABELS": KIND_LABELS, "EVENT_STATUS_LABELS": STATUS_LABELS,
            "EVENT_STATUS_BADGES": STATUS_BADGES,
            "DONATION_METHOD_LABELS": METHOD_LABELS, "DONOR_KIND_LABELS": DONOR_KIND_LABELS,
            "PLEDGE_STATUS_LABELS": PLEDGE_STATUS_LABELS}




def _status(form) -> int:
    return 400 if form.errors or form.form_errors else 200


def _to_utc(local: datetime) -> datetime:
    return local.replace(tzinfo=VN).astimezone(UTC)


def _pdf(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name,
                     as_attachment=False)


def _fund_choices(unit: Unit) -> list[tuple[int, str]]:
    funds = db.session.scalars(select(Fund).where(Fund.unit_id == unit.id, Fund.active.is_(True))
                               .order_by(Fund.kind != "general", Fund.name)).all()
    choices = [(0, _("General fund (Quỹ khuyến học)"))]
    return choices + [(f.id, f.name) for f in funds if f.kind != "general"]


def _fund(unit: Unit, fund_id: int | None):
    if not fund_id:
        return None
    fund = db.session.get(Fund, fund_id)
    if fund is None or fund.unit_id != unit.id:
        abort(404)
    return fund


def _open_event_choices(unit: Unit) -> list[tuple[int, str]]:
    events = db.session.scalars(
        select(Event).where(Event.unit_id == unit.id, Event.status.in_(("planned", "held")))
        .order_by(Event.starts_at.desc())).all()
    return [(0, _("— outside any event —"))] + [
        (e.id, f"{e.title} ({local_dt(e.starts_at):%d/%m/%Y})") for e in events]


# ---------------------------------------------------------------------------------------------
# Events: list, calendar, create, show, edit, status
# ---------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """The events of the highest unit where the user may see them."""
    units = [a.unit for a in current_user.active_assignments()
             if can(current_user, "event.view", a.unit)]
    if not units:
        abort(403)
    top = min(units, key=lambda u: (u.depth, u.name))
    return redirect(url_for(".unit_events", unit_id=top.id))


@bp.get("/unit/<int:unit_id>")
@login_required
def unit_events(unit_id: int):
    unit = load(Unit, unit_id, "event.view")
    subtree = request.args.get("scope") != "unit"
    kind, status = request.args.get("kind", ""), request.args.get("status", "")

    def events():
        q = scope_query(svc.events_query(unit, subtree=subtree), current_user, "event.view")
        if kind in EVENT_KINDS:
            q = q.where(Event.kind == kind)
        if status in EVENT_STATUSES:
            q = q.where(Event.status == status)
        if term := search_key(request.args.get("q", "")):
            q = q.where(Event.search_key.contains(term, autoescape=True))
        return q

    if request.args.get("view", "list") == "calendar":
        return _calendar(unit, events(), subtree)
    page = keyset_page(
        events(), Event.starts_at, Event.id, after=request.args.get("after"),
        before=request.args.get("before"), per_page=current_app.config.get("EVENTS_PER_PAGE", 30))
    return render_template("events/list.html", unit=unit, ancestors=unit_ancestors(unit),
                           page=page, totals=svc.totals_for([e.id for e in page.items]),
                           subtree=subtree, kind=kind, status=status,
                           term=request.args.get("q", ""))


def _calendar(unit: Unit, q, subtree: bool):
    try:
        year, month = (int(x) for x in request.args.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today().replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    start, end = svc.local_date_range(first, last)
    events = db.session.scalars(q.where(Event.starts_at >= start, Event.starts_at < end)
                                .order_by(Event.starts_at)).all()
    by_day: dict[date, list[Event]] = {}
    for e in events:
        by_day.setdefault(local_dt(e.starts_at).date(), []).append(e)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    prev_month = (first - timedelta(days=1)).strftime("%Y-%m")
    next_month = (last + timedelta(days=1)).strftime("%Y-%m")
    return render_template("events/calendar.html", unit=unit, ancestors=unit_ancestors(unit),
                           weeks=weeks, by_day=by_day, first=first, subtree=subtree,
                           prev_month=prev_month, next_month=next_month, events=events)


@bp.route("/unit/<int:unit_id>/new", methods=["GET", "POST"])
@login_required
def new_event(unit_id: int):
    unit = load(Unit, unit_id, "event.edit")
    form = EventForm()
    if request.method == "GET":
        form.organiser.data = unit.name
        form.kind.data = request.args.get("kind", "walk")
    return form_page(
        form, "events/form.html", unit=unit, event=None, ancestors=unit_ancestors(unit),
        save=lambda f: svc.create_event(current_user, unit, **_event_data(f)),
        done=lambda event: url_for(".show", event_id=event.id),
        flash_ok=lambda event: _("Event %(title)s created.", title=event.title),
        status_conflict=400)


def _event_data(form: EventForm) -> dict:
    return {"kind": form.kind.data, "title": form.title.data,
            "starts_at": _to_utc(form.starts_at.data), "place": form.place.data or "",
            "organiser": form.organiser.data or "", "partners": form.partners.data or "",
            "target_amount": form.target_amount.data or 0,
            "description": form.description.data or ""}


@bp.get("/<int:event_id>")
@login_required
def show(event_id: int):
    event = load(Event, event_id, "event.view")
    totals = svc.event_totals(event)
    donations = svc.event_donations(event)
    sheets = svc.event_sheets(event)
    pledges = db.session.scalars(select(Pledge).where(Pledge.event_id == event.id)
                                 .order_by(Pledge.id)).all()
    vouchers = {v.id: v for v in svc.event_vouchers(event)}
    receipt_form = SheetReceiptForm()
    receipt_form.token.data = uuid.uuid4().hex
    if any(s.voucher_id is None for s in sheets) and can(current_user, "voucher.issue", event.unit):
        receipt_form.fund_id.choices = _fund_choices(event.unit)
    history = (db.session.scalars(audit.history_query("event", event.id).limit(50)).all()
               if can(current_user, "audit.view", event.unit) else [])
    return render_template("events/show.html", event=event, unit=event.unit, history=history,
                           ancestors=unit_ancestors(event.unit), totals=totals, donations=donations,
                           sheets=sheets, pledges=pledges, vouchers=vouchers,
                           receipted=sum(v.amount for v in vouchers.values() if not v.is_void),
                           receipt_form=receipt_form, has_receipts=svc.has_receipts(event),
                           next_status=svc.NEXT_STATUS.get(event.status, ()),
                           should_be_held=svc.should_be_held(event),
                           transfer_qr=_transfer_qr(event))


def _transfer_qr(event: Event):
    """The VietQR for donations to the event by bank transfer (no amount; issue 33)."""
    from ..bank import qr as bank_qr

    return bank_qr.event(event)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = load(Event, event_id, "event.edit")
    form = EventForm(obj=event)
    if request.method == "GET":
        form.starts_at.data = local_dt(event.starts_at)

    def saved_form():
        shown = EventForm(formdata=None, obj=event)
        shown.starts_at.data = local_dt(event.starts_at)
        return shown

    return form_page(
        form, "events/form.html", unit=event.unit, event=event,
        ancestors=unit_ancestors(event.unit),
        save=lambda f: svc.update_event(current_user, event, **_event_data(f)),
        done=lambda _result: url_for(".show", event_id=event.id),
        flash_ok=_("Changes saved."), status_conflict=400, current=saved_form)


@bp.post("/<int:event_id>/status")
@login_required
def change_status(event_id: int):
    event = load(Event, event_id, "event.edit")
    try:
        svc.set_status(current_user, event, request.form.get("status", ""))
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("The event is now %(status)s.", status=STATUS_LABELS[event.status]), "success")
    back = url_for(".show", event_id=event.id)
    return redirect(safe_next(request.form.get("next"), back))


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    event = load(Event, event_id, "event.edit")
    form = CancelForm()
    if form.validate_on_submit():
        try:
            svc.cancel_event(current_user, event, form.reason.data)
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("The event is cancelled."), "success")
            return redirect(url_for(".show", event_id=event.id))
    return render_template("events/simple_form.html", form=form, event=event, unit=event.unit,
                           ancestors=unit_ancestors(event.unit),
                           heading=_("Cancel the event")), _status(form)


@bp.post("/<int:event_id>/delete")
@login_required
def delete(event_id: int):
    event = load(Event, event_id, "event.edit")
    unit_id = event.unit_id
    try:
        svc.delete_event(current_user, event)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return redirect(url_for(".show", event_id=event_id))
    db.session.commit()
    flash(_("The event is deleted."), "success")
    return redirect(url_for(".unit_events", unit_id=unit_id))


@bp.route("/<int:event_id>/participation", methods=["GET", "POST"])
@login_required
def participation(event_id: int):
    event = load(Event, event_id, "event.edit")
    form = ParticipationForm(obj=event)
    if form.validate_on_submit():
        try:
            svc.record_participation(
                current_user, event, students=form.participants_students.data or 0,
                members=form.participants_members.data or 0,
                residents=form.participants_residents.data or 0,
                books_collected=form.books_collected.data or 0,
                books_donated=form.books_donated.data or 0)
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Participation saved."), "success")
            return redirect(url_for(".show", event_id=event.id))
    return render_template("events/simple_form.html", form=form, event=event, unit=event.unit,
                           ancestors=unit_ancestors(event.unit),
                           heading=_("Participation")), _status(form)
