"""Events views: Donors, donations, pledges."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import (
    Donation,
    Donor,
    Event,
    Pledge,
    Unit,
    Voucher,
    today,
)
from ...money import parse_amount
from ...permissions import can, load, require, scope_query
from ...services import DomainError
from ...services import events as svc
from ...text import search_key
from ...views import (
    attach_error,
    id_arg,
    int_arg,
    page_arg,
    unit_ancestors,
)
from . import bp
from .forms import (
    DonationForm,
    PledgeCancelForm,
    PledgeForm,
    QuickEntryForm,
)
from .views import _fund, _fund_choices, _open_event_choices, _pdf, _status

# ---------------------------------------------------------------------------------------------
# Donors, donations, pledges
# ---------------------------------------------------------------------------------------------


def _event_arg() -> int:
    """?event_id= (a pre-fill), loaded through permissions: the event's id, or 0 without one."""
    event = id_arg(Event, "event_id", "event.view")
    return event.id if event is not None else 0


def _donor_usable(donor: Donor, unit: Unit) -> bool:
    """A donor of the unit's own line (its register or one above/below it) that the user may
    see: the same rule for a pre-filled ?donor_id= as for the hidden field of the form."""
    return ((donor.unit.is_within(unit) or unit.is_within(donor.unit))
            and can(current_user, "donation.edit", donor.unit))


def _donor_from_form(unit: Unit, form) -> Donor | None:
    """The donor of the form: the picked or matched one (hidden donor_id) when what was typed
    agrees with it or the user chose it, a new one as typed, or a match for the user to decide
    on (svc.DonorMatch). None for an anonymous gift without a name."""
    choice = form.donor_choice.data if form.donor_choice.data in ("existing", "new") else ""
    if not (form.donor_name.data or "").strip() and not form.donor_id.data:
        return None
    typed = {"name": form.donor_name.data or "", "kind": form.donor_kind.data,
             "phone": form.donor_phone.data or "", "tax_code": form.donor_tax_code.data or "",
             "address": form.donor_address.data or ""}
    if form.donor_id.data and choice != "new":
        try:
            donor = db.session.get(Donor, int(form.donor_id.data))
        except ValueError:
            donor = None
        if donor is None or not _donor_usable(donor, unit):
            raise DomainError(_("Choose a donor from this unit's register."), "donor_name")
        if not typed["name"].strip():
            return donor
        differences = svc.donor_differences(donor, svc.typed_donor(**typed))
        if differences and choice != "existing":
            raise svc.DonorMatch(donor, differences)
        return svc.register_donor(current_user, unit, **typed, choice="existing",
                                  existing=donor, update=bool(form.donor_update.data))
    return svc.register_donor(current_user, unit, **typed, choice=choice or "ask")


def _ask_about(form, e) -> dict:
    """The match to show on the form (after the rollback): the registered donor's id, its
    details and what differs."""
    donor = e.donor
    form.donor_id.data = str(donor.id)
    form.donor_choice.data = ""
    return {"id": donor.id, "name": donor.name, "phone": donor.phone,
            "tax_code": donor.tax_code, "address": donor.address,
            "differences": dict(e.differences)}


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
        form.event_id.data = _event_arg()
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
    match = None
    if form.validate_on_submit():
        if form.method.data in ("cash", "transfer"):
            require(current_user, "voucher.issue", unit)
        event = None
        if form.event_id.data:
            event = load(Event, form.event_id.data, "event.view")
        try:
            donor = _donor_from_form(unit, form)
            match = None
            donation = svc.record_donation(
                current_user, unit, method=form.method.data, donor=donor, event=event,
                amount=form.amount.data or 0, items=form.items.data or "",
                quantity=form.quantity.data or 0,
                estimated_value=form.estimated_value.data or 0,
                fund=_fund(unit, form.fund_id.data), anonymous=form.anonymous.data,
                received_on=form.received_on.data, note=form.note.data or "", pledge=pledge,
                token=form.token.data or None)
        except svc.DonorMatch as e:
            match = _ask_about(form, e)
            db.session.rollback()
            attach_error(form, e)
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
                           ancestors=unit_ancestors(unit), match=match), _status(form)


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
    from ...filters import local_dt
    from ...pdf.events import thank_you_pdf as render
    from ...services import officers, treasury
    from ..bank import papers as bank_papers
    from ..bank import qr as bank_qr

    # Signed by the unit's chair on the letter's date (the officers register), else the head
    # named in the treasury settings.
    signer = (officers.chair_on(d.unit, local_dt(d.created_at).date())
              or treasury.settings_for(d.unit).head_name)
    return _pdf(render(d, signer=signer,
                       extra=bank_papers.next_time_flowables(bank_qr.next_time(d))),
                f"thu-cam-on-{d.id}.pdf")


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
                           event_id=_event_arg() or None)


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
        form.event_id.data = _event_arg()
    match = None
    if form.validate_on_submit():
        event = load(Event, form.event_id.data, "event.view") if form.event_id.data else None
        try:
            donor = _donor_from_form(unit, form)
            if donor is None:
                raise DomainError(_("Enter the donor's name."), "donor_name")
            pledge = svc.create_pledge(current_user, unit, donor=donor, amount=form.amount.data,
                                       due_on=form.due_on.data, event=event,
                                       note=form.note.data or "")
        except svc.DonorMatch as e:
            match = _ask_about(form, e)
            db.session.rollback()
            attach_error(form, e)
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
                           ancestors=unit_ancestors(unit), is_pledge=True,
                           match=match), _status(form)


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


