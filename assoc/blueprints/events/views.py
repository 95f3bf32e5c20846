"""Fundraising events: lists and calendar, event pages, participation, donations (with receipts
from the treasury), donors, pledges, piggy-bank counting sheets, reports and the sub-tree view."""

from __future__ import annotations

import calendar
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...filters import local_dt
from ...forms import day_or
from ...models import (
    EVENT_KINDS,
    EVENT_STATUSES,
    Donation,
    Donor,
    Event,
    Fund,
    Pledge,
    Unit,
    Voucher,
    today,
)
from ...models import CountingSheet as Sheet
from ...money import parse_amount
from ...permissions import can, load, require, scope_query
from ...services import DomainError, audit
from ...services import events as svc
from ...text import search_key
from ...views import (
    attach_error,
    form_page,
    int_arg,
    page_arg,
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
    CountingSheetForm,
    DonationForm,
    EventForm,
    ParticipationForm,
    PledgeCancelForm,
    PledgeForm,
    QuickEntryForm,
    SheetReceiptForm,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@bp.app_context_processor
def event_labels():
    return {"EVENT_KIND_LABELS": KIND_LABELS, "EVENT_STATUS_LABELS": STATUS_LABELS,
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
    q = scope_query(svc.events_query(unit, subtree=subtree), current_user, "event.view")
    kind, status = request.args.get("kind", ""), request.args.get("status", "")
    if kind in EVENT_KINDS:
        q = q.where(Event.kind == kind)
    if status in EVENT_STATUSES:
        q = q.where(Event.status == status)
    term = search_key(request.args.get("q", ""))
    if term:
        q = q.where(Event.search_key.contains(term, autoescape=True))
    view = request.args.get("view", "list")
    if view == "calendar":
        return _calendar(unit, q, subtree)
    page = db.paginate(q.order_by(Event.starts_at.desc(), Event.id.desc()), page=page_arg(),
                       per_page=30, error_out=False)
    totals = svc.totals_for([e.id for e in page.items])
    return render_template("events/list.html", unit=unit, ancestors=unit_ancestors(unit), page=page,
                           totals=totals, subtree=subtree, kind=kind, status=status,
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
                           should_be_held=svc.should_be_held(event))


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = load(Event, event_id, "event.edit")
    form = EventForm(obj=event)
    if request.method == "GET":
        form.starts_at.data = local_dt(event.starts_at)
    return form_page(
        form, "events/form.html", unit=event.unit, event=event,
        ancestors=unit_ancestors(event.unit),
        save=lambda f: svc.update_event(current_user, event, **_event_data(f)),
        done=lambda _result: url_for(".show", event_id=event.id),
        flash_ok=_("Changes saved."), status_conflict=400)


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


# ---------------------------------------------------------------------------------------------
# Donors, donations, pledges
# ---------------------------------------------------------------------------------------------


def _donor_usable(donor: Donor, unit: Unit) -> bool:
    """A donor of the unit's own line (its register or one above/below it) that the user may
    see: the same rule for a pre-filled ?donor_id= as for the hidden field of the form."""
    return ((donor.unit.is_within(unit) or unit.is_within(donor.unit))
            and can(current_user, "donation.edit", donor.unit))


def _donor_from_form(unit: Unit, form) -> Donor | None:
    """The picked donor (hidden donor_id), a returning one matched by tax code / phone / name,
    or a new entry in the register. None for an anonymous gift without a name."""
    if form.donor_id.data:
        try:
            donor = db.session.get(Donor, int(form.donor_id.data))
        except ValueError:
            donor = None
        if donor is None or not _donor_usable(donor, unit):
            raise DomainError(_("Choose a donor from this unit's register."), "donor_name")
        return donor
    if not (form.donor_name.data or "").strip():
        return None
    return svc.register_donor(current_user, unit, name=form.donor_name.data,
                              kind=form.donor_kind.data, phone=form.donor_phone.data or "",
                              tax_code=form.donor_tax_code.data or "",
                              address=form.donor_address.data or "")


@bp.route("/unit/<int:unit_id>/donations/new", methods=["GET", "POST"])
@login_required
def new_donation(unit_id: int):
    unit = load(Unit, unit_id, "donation.edit")
    form = DonationForm()
    form.event_id.choices = _open_event_choices(unit)
    form.fund_id.choices = _fund_choices(unit)
    pledge = None
    pledge_id = request.values.get("pledge_id", type=int)
    if pledge_id:
        pledge = load(Pledge, pledge_id, "donation.edit")
        if pledge.unit_id != unit.id:
            abort(404)
    if request.method == "GET":
        form.token.data = uuid.uuid4().hex
        form.received_on.data = today()
        form.event_id.data = int_arg("event_id", 0, min=1)
        donor_id = int_arg("donor_id", min=1)
        if pledge is not None:
            form.pledge_id.data = str(pledge.id)
            donor_id = pledge.donor_id
            form.event_id.data = pledge.event_id or 0
            form.amount.data = pledge.outstanding
        if donor_id:
            donor = load(Donor, donor_id, "donation.edit")
            if not _donor_usable(donor, unit):
                abort(404)
            form.donor_id.data = str(donor.id)
            form.donor_name.data, form.donor_phone.data = donor.name, donor.phone
            form.donor_kind.data, form.donor_tax_code.data = donor.kind, donor.tax_code
            form.donor_address.data = donor.address
    if form.validate_on_submit():
        if form.method.data in ("cash", "transfer"):
            require(current_user, "voucher.issue", unit)
        event = None
        if form.event_id.data:
            event = load(Event, form.event_id.data, "event.view")
        try:
            donor = _donor_from_form(unit, form)
            donation = svc.record_donation(
                current_user, unit, method=form.method.data, donor=donor, event=event,
                amount=form.amount.data or 0, items=form.items.data or "",
                quantity=form.quantity.data or 0,
                estimated_value=form.estimated_value.data or 0,
                fund=_fund(unit, form.fund_id.data), anonymous=form.anonymous.data,
                received_on=form.received_on.data, note=form.note.data or "", pledge=pledge,
                token=form.token.data or None)
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Donation recorded."), "success")
            if request.form.get("again") and donation.event_id:
                return redirect(url_for(".new_donation", unit_id=unit.id,
                                        event_id=donation.event_id))
            return redirect(url_for(".donation", donation_id=donation.id))
    return render_template("events/donation_form.html", form=form, unit=unit, pledge=pledge,
                           ancestors=unit_ancestors(unit)), _status(form)


@bp.route("/<int:event_id>/quick", methods=["GET", "POST"])
@login_required
def quick_entry(event_id: int):
    """Many cash/transfer donations at once, one per line: "name; amount; tm|ck"."""
    event = load(Event, event_id, "donation.edit")
    require(current_user, "voucher.issue", event.unit)
    form = QuickEntryForm()
    if request.method == "GET":
        form.token.data = uuid.uuid4().hex
    if form.validate_on_submit():
        try:
            rows = _parse_quick_lines(form.lines.data)
            for i, (name, amount, method) in enumerate(rows, start=1):
                try:
                    donor = svc.register_donor(current_user, event.unit, name=name) if name \
                        else None
                    svc.record_donation(current_user, event.unit, method=method, donor=donor,
                                        event=event, amount=amount, anonymous=donor is None,
                                        token=f"{form.token.data}-{i}" if form.token.data
                                        else None)
                except DomainError as e:
                    raise DomainError(_("Line %(n)s: %(error)s", n=i, error=e.message),
                                      "lines") from None
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("%(n)s donations recorded.", n=len(rows)), "success")
            return redirect(url_for(".show", event_id=event.id))
    return render_template("events/simple_form.html", form=form, event=event, unit=event.unit,
                           ancestors=unit_ancestors(event.unit),
                           heading=_("Quick entry of donations")), _status(form)


def _parse_quick_lines(text: str) -> list[tuple[str, int, str]]:
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) < 2:
            raise DomainError(_("Line %(n)s: write name; amount; method.", n=n), "lines")
        method_word = search_key(parts[2]) if len(parts) > 2 and parts[2] else "tm"
        method = {"tm": "cash", "tien mat": "cash", "cash": "cash", "ck": "transfer",
                  "chuyen khoan": "transfer", "transfer": "transfer"}.get(method_word)
        if method is None:
            raise DomainError(_("Line %(n)s: the method is tm (cash) or ck (transfer).", n=n),
                              "lines")
        try:
            amount = parse_amount(parts[1])
        except ValueError:
            raise DomainError(_("Line %(n)s: the amount is not a whole number of đồng.", n=n),
                              "lines") from None
        rows.append((parts[0], amount, method))
    if not rows:
        raise DomainError(_("Enter at least one line."), "lines")
    return rows


@bp.get("/donations/<int:donation_id>")
@login_required
def donation(donation_id: int):
    d = load(Donation, donation_id, "event.view")
    voucher = None
    if d.voucher_id:
        voucher = db.session.get(Voucher, d.voucher_id)
    return render_template("events/donation.html", donation=d, unit=d.unit, voucher=voucher,
                           ancestors=unit_ancestors(d.unit), donor_label=svc.donor_label(d))


@bp.get("/donations/<int:donation_id>/acknowledgement.pdf")
@login_required
def acknowledgement_pdf(donation_id: int):
    d = load(Donation, donation_id, "event.view")
    if d.method != "in_kind":
        abort(404)
    from ...pdf.events import acknowledgement_pdf as render

    return _pdf(render(d), f"bien-nhan-hien-vat-{d.ack_year}-{d.ack_number}.pdf")


@bp.get("/donations/<int:donation_id>/thank-you.pdf")
@login_required
def thank_you_pdf(donation_id: int):
    d = load(Donation, donation_id, "event.view")
    if d.anonymous or d.donor is None:
        abort(404)
    from ...pdf.events import thank_you_pdf as render

    return _pdf(render(d), f"thu-cam-on-{d.id}.pdf")


@bp.get("/unit/<int:unit_id>/donors")
@login_required
def donors(unit_id: int):
    unit = load(Unit, unit_id, "donation.edit")
    term = request.args.get("q", "")
    if term.strip():
        found = [d for d in svc.find_donors(unit, term, limit=50)
                 if can(current_user, "donation.edit", d.unit)]
        page = None
    else:
        q = scope_query(select(Donor).join(Unit, Donor.unit_id == Unit.id), current_user,
                        "donation.edit").where(Unit.path.startswith(unit.path, autoescape=True))
        page = db.paginate(q.order_by(Donor.search_key, Donor.id), page=page_arg(), per_page=50,
                           error_out=False)
        found = page.items
    return render_template("events/donors.html", unit=unit, ancestors=unit_ancestors(unit),
                           donors=found, page=page, term=term,
                           event_id=int_arg("event_id", min=1))


@bp.get("/donors/<int:donor_id>")
@login_required
def donor(donor_id: int):
    d = load(Donor, donor_id, "donation.edit")
    # Gifts recorded by units the viewer does not see (a district above the ward that keeps
    # the donor) stay out of the page.
    history = [x for x in svc.donor_history(d) if can(current_user, "event.view", x.unit)]
    pledges = [p for p in db.session.scalars(select(Pledge).where(Pledge.donor_id == d.id)
                                             .order_by(Pledge.id.desc()))
               if can(current_user, "event.view", p.unit)]
    return render_template("events/donor.html", donor=d, unit=d.unit, history=history,
                           pledges=pledges, ancestors=unit_ancestors(d.unit),
                           total=sum(x.value for x in history))


@bp.get("/unit/<int:unit_id>/pledges")
@login_required
def pledges(unit_id: int):
    unit = load(Unit, unit_id, "event.view")
    q = scope_query(svc.open_pledges_query(unit), current_user, "event.view")
    items = db.session.scalars(q).all()
    return render_template("events/pledges.html", unit=unit, ancestors=unit_ancestors(unit),
                           pledges=items, today=today(),
                           outstanding=sum(p.outstanding for p in items))


@bp.route("/unit/<int:unit_id>/pledges/new", methods=["GET", "POST"])
@login_required
def new_pledge(unit_id: int):
    unit = load(Unit, unit_id, "donation.edit")
    form = PledgeForm()
    form.event_id.choices = _open_event_choices(unit)
    if request.method == "GET":
        form.event_id.data = int_arg("event_id", 0, min=1)
    if form.validate_on_submit():
        event = load(Event, form.event_id.data, "event.view") if form.event_id.data else None
        try:
            donor = _donor_from_form(unit, form)
            if donor is None:
                raise DomainError(_("Enter the donor's name."), "donor_name")
            pledge = svc.create_pledge(current_user, unit, donor=donor, amount=form.amount.data,
                                       due_on=form.due_on.data, event=event,
                                       note=form.note.data or "")
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Pledge recorded."), "success")
            if pledge.event_id:
                return redirect(url_for(".show", event_id=pledge.event_id))
            return redirect(url_for(".pledges", unit_id=unit.id))
    return render_template("events/donation_form.html", form=form, unit=unit, pledge=None,
                           ancestors=unit_ancestors(unit), is_pledge=True), _status(form)


@bp.route("/pledges/<int:pledge_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_pledge(pledge_id: int):
    pledge = load(Pledge, pledge_id, "donation.edit")
    form = PledgeCancelForm()
    if form.validate_on_submit():
        try:
            svc.cancel_pledge(current_user, pledge, form.reason.data)
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("The pledge is cancelled."), "success")
            return redirect(url_for(".pledges", unit_id=pledge.unit_id))
    return render_template("events/simple_form.html", form=form, event=pledge.event,
                           unit=pledge.unit, ancestors=unit_ancestors(pledge.unit),
                           heading=_("Cancel the pledge")), _status(form)


# ---------------------------------------------------------------------------------------------
# Piggy-bank counting sheets
# ---------------------------------------------------------------------------------------------


@bp.route("/<int:event_id>/sheets/new", methods=["GET", "POST"])
@login_required
def new_sheet(event_id: int):
    event = load(Event, event_id, "donation.edit")
    if event.kind != "piggy_bank":
        abort(404)
    form = CountingSheetForm()
    if form.validate_on_submit():
        counts = {f.name: f.data or 0 for f, _v, _c in form.count_fields()}
        try:
            sheet = svc.record_counting_sheet(
                current_user, event, group_name=form.group_name.data, counts=counts,
                counter_1=form.counter_1.data, counter_2=form.counter_2.data,
                typed_total=form.typed_total.data, note=form.note.data or "")
        except DomainError as e:
            db.session.rollback()
            attach_error(form, e)
        else:
            db.session.commit()
            flash(_("Counting sheet of %(group)s saved.", group=sheet.group_name), "success")
            if request.form.get("again"):
                # The same two people count the next piggy bank: keep their names.
                return redirect(url_for(".new_sheet", event_id=event.id,
                                        c1=sheet.counter_1, c2=sheet.counter_2))
            return redirect(url_for(".show", event_id=event.id))
    if request.method == "GET":
        form.counter_1.data = request.args.get("c1", "")[:120]
        form.counter_2.data = request.args.get("c2", "")[:120]
    return render_template("events/sheet_form.html", form=form, event=event, unit=event.unit,
                           ancestors=unit_ancestors(event.unit)), _status(form)


@bp.get("/sheets/<int:sheet_id>.pdf")
@login_required
def sheet_pdf(sheet_id: int):
    sheet = load(Sheet, sheet_id, "event.view")
    from ...pdf.events import counting_sheets_pdf

    return _pdf(counting_sheets_pdf([sheet]), f"bien-ban-kiem-dem-{sheet.id}.pdf")


@bp.get("/<int:event_id>/sheets.pdf")
@login_required
def sheets_pdf(event_id: int):
    event = load(Event, event_id, "event.view")
    sheets = svc.event_sheets(event)
    if not sheets:
        abort(404)
    from ...pdf.events import counting_sheets_pdf

    return _pdf(counting_sheets_pdf(sheets), f"bien-ban-kiem-dem-su-kien-{event.id}.pdf")


@bp.post("/sheets/<int:sheet_id>/delete")
@login_required
def delete_sheet(sheet_id: int):
    sheet = load(Sheet, sheet_id, "donation.edit")
    event_id = sheet.event_id
    try:
        svc.delete_counting_sheet(current_user, sheet)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("Counting sheet deleted."), "success")
    return redirect(url_for(".show", event_id=event_id))


@bp.post("/<int:event_id>/sheets/receipt")
@login_required
def receipt_sheets(event_id: int):
    event = load(Event, event_id, "voucher.issue")
    form = SheetReceiptForm()
    form.fund_id.choices = _fund_choices(event.unit)
    if not form.validate_on_submit():
        flash(_("Choose one receipt per group or one for the event."), "danger")
        return redirect(url_for(".show", event_id=event.id))
    try:
        vouchers = svc.receipt_counting_sheets(
            current_user, event, mode=form.mode.data, fund=_fund(event.unit, form.fund_id.data),
            token=form.token.data or None)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        db.session.commit()
        flash(_("%(n)s receipt(s) issued: %(numbers)s", n=len(vouchers),
                numbers=", ".join(v.display_number for v in vouchers)), "success")
    return redirect(url_for(".show", event_id=event.id))


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------


def _report_data(event: Event) -> dict:
    vouchers = svc.event_vouchers(event)
    return {"event": event, "totals": svc.event_totals(event),
            "donations": svc.event_donations(event), "sheets": svc.event_sheets(event),
            "vouchers": vouchers,
            "receipted": sum(v.amount for v in vouchers if not v.is_void)}


@bp.get("/<int:event_id>/report")
@login_required
def report(event_id: int):
    event = load(Event, event_id, "event.view")
    return render_template("events/report.html", unit=event.unit, ancestors=unit_ancestors(event.unit),
                           donor_label=svc.donor_label, **_report_data(event))


@bp.get("/<int:event_id>/report.pdf")
@login_required
def report_pdf(event_id: int):
    event = load(Event, event_id, "event.view")
    from ...pdf.events import event_report_pdf

    return _pdf(event_report_pdf(**_report_data(event)), f"bao-cao-su-kien-{event.id}.pdf")


@bp.get("/<int:event_id>/report.xlsx")
@login_required
def report_xlsx(event_id: int):
    event = load(Event, event_id, "event.view")
    from .exports import event_report_xlsx

    return send_file(io.BytesIO(event_report_xlsx(**_report_data(event))),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"bao-cao-su-kien-{event.id}.xlsx", as_attachment=True)


def _period() -> tuple[date, date]:
    def parse(name: str, default: date) -> date:
        return day_or(request.args.get(name), default)

    this_year = today().year
    start = parse("from", date(this_year, 1, 1))
    end = parse("to", date(this_year, 12, 31))
    return (start, end) if start <= end else (end, start)


@bp.get("/unit/<int:unit_id>/summary")
@login_required
def summary(unit_id: int):
    """Events and totals by sub-unit (e.g. by ward of a district) for a period, with bars."""
    unit = load(Unit, unit_id, "event.view")
    date_from, date_to = _period()
    start, end = svc.local_date_range(date_from, date_to)
    q = scope_query(svc.events_query(unit), current_user, "event.view")
    events = db.session.scalars(q.where(Event.starts_at >= start, Event.starts_at < end,
                                        Event.status != "cancelled")).all()
    rows = svc.subtree_summary(unit, events)
    grand = svc.Totals()
    for r in rows:
        for attr in ("events", "target", "cash", "transfer", "piggy_bank", "in_kind",
                     "donations", "participants"):
            setattr(grand, attr, getattr(grand, attr) + getattr(r.totals, attr))
    peak = max((r.totals.raised for r in rows), default=0) or 1
    return render_template("events/summary.html", unit=unit, ancestors=unit_ancestors(unit),
                           rows=rows, grand=grand, peak=peak, date_from=date_from,
                           date_to=date_to)
