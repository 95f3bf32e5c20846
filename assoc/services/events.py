"""Fundraising events: events, participation, donors, donations, pledges, piggy-bank counting
sheets and the totals of an event or a sub-tree. Money received (cash, transfer) is receipted
through the treasury; gifts in kind get an acknowledgement number and stay out of the cash book."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import (
    DENOMINATIONS,
    DONATION_METHODS,
    EVENT_KINDS,
    CountingSheet,
    Donation,
    Donor,
    Event,
    Pledge,
    Unit,
    User,
    Voucher,
    today,
)
from ..money import MAX_AMOUNT
from ..text import clean, normalize_phone, search_key
from . import DomainError, audit, serials, treasury

DENOMINATION_VALUES = {k: v for k, v, _coin in DENOMINATIONS}
MAX_COUNT = 1_000_000  # pieces of one denomination in one piggy bank: far more than real life


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def _amount(value, field_name: str, *, allow_zero: bool = True) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise DomainError(_("The amount must be a whole number of đồng."), field_name)
    low = 0 if allow_zero else 1
    if not low <= value <= MAX_AMOUNT:
        raise DomainError(_("Amount must be between 1 đ and 1.000.000.000.000 đ.")
                          if not allow_zero else
                          _("The amount must be between 0 đ and 1.000.000.000.000 đ."), field_name)
    return value


def _event_values(kind, title, starts_at, place, organiser, partners, target_amount,
                  description) -> dict:
    if kind not in EVENT_KINDS:
        raise DomainError(_("Choose a type of event."), "kind")
    title = clean(title)
    if not title:
        raise DomainError(_("A title is required."), "title")
    if not isinstance(starts_at, datetime):
        raise DomainError(_("A date and time are required."), "starts_at")
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must carry a time zone")
    return {
        "kind": kind,
        "title": title[:200],
        "search_key": search_key(title)[:200],
        "starts_at": starts_at.astimezone(UTC),
        "place": clean(place)[:300],
        "organiser": clean(organiser)[:200],
        "partners": clean(partners)[:500],
        "target_amount": _amount(target_amount or 0, "target_amount"),
        "description": (description or "").strip()[:4000],
    }


def create_event(actor: User | None, unit: Unit, *, kind: str, title: str, starts_at: datetime,
                 place: str = "", organiser: str = "", partners: str = "",
                 target_amount: int = 0, description: str = "") -> Event:
    if not unit.is_active():
        raise DomainError(_("This unit is closed."))
    values = _event_values(kind, title, starts_at, place, organiser, partners, target_amount,
                           description)
    event = Event(unit_id=unit.id, unit=unit, status="planned",
                  created_by_id=getattr(actor, "id", None), **values)
    event.number = serials.take("event", Event.number)
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event.create", event,
                 data={"title": event.title, "kind": kind, "starts_at": event.starts_at,
                       "target_amount": event.target_amount})
    return event


def update_event(actor: User | None, event: Event, *, kind: str, title: str,
                 starts_at: datetime, place: str = "", organiser: str = "", partners: str = "",
                 target_amount: int = 0, description: str = "") -> Event:
    if event.status in ("closed", "cancelled"):
        raise DomainError(_("A closed or cancelled event can no longer be changed."))
    values = _event_values(kind, title, starts_at, place, organiser, partners, target_amount,
                           description)
    changed = audit.changes(event, {k: v for k, v in values.items() if k != "search_key"})
    for key, value in values.items():
        setattr(event, key, value)
    db.session.flush()
    if changed:
        audit.record(actor, "event.update", event, data=changed)
    return event


# planned → held → closed; cancel from planned or held.
NEXT_STATUS = {"planned": ("held", "closed"), "held": ("closed",)}


def set_status(actor: User | None, event: Event, status: str) -> Event:
    if status not in NEXT_STATUS.get(event.status, ()):
        raise DomainError(_("An event cannot go from this status to that one."), "status")
    old, event.status = event.status, status
    db.session.flush()
    audit.record(actor, "event.status", event, data={"status": [old, status]})
    return event


def cancel_event(actor: User | None, event: Event, reason: str) -> Event:
    reason = clean(reason)
    if not reason:
        raise DomainError(_("Give the reason for cancelling."), "reason")
    if event.status in ("closed", "cancelled"):
        raise DomainError(_("A closed or cancelled event can no longer be changed."))
    old = event.status
    event.status, event.cancel_reason = "cancelled", reason[:300]
    db.session.flush()
    audit.record(actor, "event.cancel", event, data={"status": [old, "cancelled"],
                                                     "reason": event.cancel_reason})
    return event


def _receipted(event_id_column):
    donation = select(Donation.id).where(Donation.event_id == event_id_column,
                                         Donation.voucher_id.is_not(None)).exists()
    sheet = select(CountingSheet.id).where(CountingSheet.event_id == event_id_column,
                                           CountingSheet.voucher_id.is_not(None)).exists()
    return or_(donation, sheet)


def held_but_planned(query, *, limit: int = 20) -> list[Event]:
    """Events of `query` whose date has passed, that have receipts, but are still planned:
    they most likely took place, and count as held only once someone says so."""
    return list(db.session.scalars(
        query.where(Event.status == "planned", Event.starts_at < datetime.now(UTC),
                    _receipted(Event.id))
        .order_by(Event.starts_at.desc()).limit(limit)))


def should_be_held(event: Event) -> bool:
    starts = event.starts_at if event.starts_at.tzinfo else event.starts_at.replace(tzinfo=UTC)
    return event.status == "planned" and starts < datetime.now(UTC) and has_receipts(event)


def has_receipts(event: Event) -> bool:
    donation = db.session.scalar(select(Donation.id).where(
        Donation.event_id == event.id, Donation.voucher_id.is_not(None)).limit(1))
    sheet = db.session.scalar(select(CountingSheet.id).where(
        CountingSheet.event_id == event.id, CountingSheet.voucher_id.is_not(None)).limit(1))
    return donation is not None or sheet is not None


def delete_event(actor: User | None, event: Event) -> None:
    """Only an event without receipts may be deleted; one with receipts is cancelled instead."""
    if has_receipts(event):
        raise DomainError(_("This event has receipts: it cannot be deleted. Cancel it instead, "
                            "giving the reason."))
    # Gifts in kind carry numbered acknowledgements: deleting them would leave gaps.
    if db.session.scalar(select(Donation.id).where(Donation.event_id == event.id).limit(1)):
        raise DomainError(_("This event has recorded donations: it cannot be deleted. Cancel it "
                            "instead, giving the reason."))
    data = {"title": event.title, "kind": event.kind, "starts_at": event.starts_at}
    audit.record(actor, "event.delete", event, data=data)
    for row in db.session.scalars(select(CountingSheet).where(
            CountingSheet.event_id == event.id)):
        db.session.delete(row)
    for pledge in db.session.scalars(select(Pledge).where(Pledge.event_id == event.id)):
        pledge.event_id = None
    db.session.delete(event)
    db.session.flush()


def record_participation(actor: User | None, event: Event, *, students: int = 0,
                         members: int = 0, residents: int = 0, books_collected: int = 0,
                         books_donated: int = 0) -> Event:
    values = {"participants_students": students, "participants_members": members,
              "participants_residents": residents, "books_collected": books_collected,
              "books_donated": books_donated}
    for key, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**7:
            raise DomainError(_("Enter a whole number, 0 or more."), key)
    if event.status == "cancelled":
        raise DomainError(_("A closed or cancelled event can no longer be changed."))
    changed = audit.changes(event, values)
    for key, value in values.items():
        setattr(event, key, value)
    db.session.flush()
    if changed:  # the same figures again are not history
        audit.record(actor, "event.participation", event, data=changed)
    return event


def events_query(unit: Unit, *, subtree: bool = True):
    q = select(Event).join(Unit, Event.unit_id == Unit.id).options(contains_eager(Event.unit))
    if subtree:
        return q.where(Unit.path.startswith(unit.path, autoescape=True))
    return q.where(Event.unit_id == unit.id)


# ---------------------------------------------------------------------------------------------
# Donors
# ---------------------------------------------------------------------------------------------


def _register_scope(unit: Unit):
    """Donors a unit recognises: its own, its sub-units' and its parents' registers."""
    return or_(Unit.path.startswith(unit.path, autoescape=True),
               Unit.id.in_(unit.ancestor_ids))


def find_donors(unit: Unit, term: str, *, limit: int = 20) -> list[Donor]:
    """Returning donors by name (case and diacritics ignored), phone or tax code."""
    term = clean(term)
    if not term:
        return []
    conditions = [Donor.search_key.contains(search_key(term), autoescape=True)]
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) >= 4:
        try:
            phone = normalize_phone(term)
        except ValueError:
            phone = digits
        conditions.append(Donor.phone.contains(phone, autoescape=True))
        conditions.append(Donor.tax_code.contains(digits, autoescape=True))
    q = (select(Donor).join(Unit, Donor.unit_id == Unit.id)
         .where(_register_scope(unit), or_(*conditions))
         .order_by(Donor.search_key, Donor.id).limit(limit))
    return list(db.session.scalars(q))


def _clean_phone(phone: str) -> str:
    phone = clean(phone)
    if not phone:
        return ""
    try:
        return normalize_phone(phone)
    except ValueError:
        raise DomainError(_("This is not a valid Vietnamese phone number."), "phone") from None


def _clean_tax_code(tax_code: str) -> str:
    tax_code = clean(tax_code).replace(" ", "")
    if tax_code and not (tax_code.replace("-", "").isdigit() and 10 <= len(tax_code) <= 14):
        raise DomainError(_("A tax code has 10 digits (13 with a branch suffix)."), "tax_code")
    return tax_code


def match_donor(unit: Unit, *, name: str, phone: str = "", tax_code: str = "") -> Donor | None:
    """The registered donor these details belong to: same tax code, else same phone, else the
    same name (ignoring case and diacritics) when that name is unique."""
    base = select(Donor).join(Unit, Donor.unit_id == Unit.id).where(_register_scope(unit))
    if tax_code:
        found = db.session.scalars(base.where(Donor.tax_code == tax_code).limit(1)).first()
        if found:
            return found
    if phone:
        found = db.session.scalars(base.where(Donor.phone == phone).limit(1)).first()
        if found:
            return found
    key = search_key(name)
    if key and not phone and not tax_code:
        same = db.session.scalars(base.where(Donor.search_key == key).limit(2)).all()
        if len(same) == 1:
            return same[0]
    return None


class DonorMatch(DomainError):
    """The typed donor matches a registered one (tax code, phone, or a unique name) whose
    details differ from what was typed: nothing is replaced until the user chooses to use the
    registered donor (and whether to update its details) or to keep the typed one as new."""

    def __init__(self, donor: Donor, differences: dict[str, tuple[str, str]]):
        super().__init__(_("These details match a donor already in the register: choose the "
                           "registered donor or a new donor as typed (in the box above)."),
                         "donor_name")
        self.donor = donor
        self.differences = differences


DONOR_DETAILS = ("name", "phone", "tax_code", "address")  # (the kind is a choice, never typed)


def typed_donor(*, name: str, kind: str = "person", phone: str = "", tax_code: str = "",
                address: str = "") -> dict[str, str]:
    """The donor details as typed, cleaned the way they are stored."""
    name = clean(name)
    if not name:
        raise DomainError(_("Enter the donor's name."), "donor_name")
    if kind not in ("person", "organisation"):
        raise DomainError(_("Choose person or organisation."), "donor_kind")
    return {"name": name[:200], "kind": kind, "phone": _clean_phone(phone),
            "tax_code": _clean_tax_code(tax_code), "address": clean(address)[:300]}


def donor_differences(donor: Donor, typed: dict[str, str]) -> dict[str, tuple[str, str]]:
    """{detail: (registered, typed)} for each detail typed that is not what the register
    holds (an empty typed detail differs from nothing)."""
    out = {}
    for attr in DONOR_DETAILS:
        value, held = typed.get(attr, ""), getattr(donor, attr) or ""
        same = (value.casefold() == held.casefold()) if attr == "name" else value == held
        if value and not same:  # a name in other letter case is the same name; accents count
            out[attr] = (held, value)
    return out


def update_donor_details(actor: User | None, donor: Donor, typed: dict[str, str]) -> dict:
    """The user chose to correct the registered donor with what they typed (audited)."""
    new = {attr: value for attr, (_old, value) in donor_differences(donor, typed).items()}
    if not new:
        return {}
    changed = audit.changes(donor, new)
    for attr, value in new.items():
        setattr(donor, attr, value)
    if "name" in new:
        donor.search_key = search_key(donor.name)[:200]
    db.session.flush()
    audit.record(actor, "donor.update", donor, data=changed)
    return changed


def _new_donor(actor: User | None, unit: Unit, typed: dict[str, str]) -> Donor:
    donor = Donor(unit_id=unit.id, unit=unit, kind=typed["kind"], name=typed["name"],
                  search_key=search_key(typed["name"])[:200], phone=typed["phone"],
                  tax_code=typed["tax_code"], address=typed["address"])
    db.session.add(donor)
    db.session.flush()
    audit.record(actor, "donor.create", donor, data={
        "name": donor.name, "kind": donor.kind, "phone": donor.phone,
        "tax_code": donor.tax_code})
    return donor


def register_donor(actor: User | None, unit: Unit, *, name: str, kind: str = "person",
                   phone: str = "", tax_code: str = "", address: str = "",
                   choice: str = "auto", existing: Donor | None = None,
                   update: bool = False) -> Donor:
    """The donor of a gift from what was typed. Nothing typed is silently replaced, and a
    registered donor's details change only when the user says so:

    - "ask" (the forms): a registered donor matching the details (tax code, phone, unique
      name) is used when nothing typed differs from it; otherwise `DonorMatch` is raised for
      the user to choose;
    - "existing": the user chose the registered donor `existing`; with `update`, its details
      become what was typed (audited);
    - "new": a new donor as typed, whatever matches;
    - "auto" (quick entry by name, the demo): the match when nothing typed differs from it,
      else a new donor as typed.
    """
    typed = typed_donor(name=name, kind=kind, phone=phone, tax_code=tax_code, address=address)
    if choice == "new":
        return _new_donor(actor, unit, typed)
    if choice == "existing":
        if existing is None:
            raise DomainError(_("Choose a donor from this unit's register."), "donor_name")
        if update:
            update_donor_details(actor, existing, typed)
        return existing
    donor = match_donor(unit, name=typed["name"], phone=typed["phone"],
                        tax_code=typed["tax_code"])
    if donor is not None:
        differences = donor_differences(donor, typed)
        if not differences:
            return donor
        if choice == "ask":
            raise DonorMatch(donor, differences)
    return _new_donor(actor, unit, typed)


def donor_history(donor: Donor) -> list[Donation]:
    return list(db.session.scalars(
        select(Donation).where(Donation.donor_id == donor.id)
        .order_by(Donation.received_on.desc(), Donation.id.desc())))


# ---------------------------------------------------------------------------------------------
# Donations and pledges
# ---------------------------------------------------------------------------------------------


def _check_event(unit: Unit, event: Event | None) -> None:
    if event is None:
        return
    if event.unit_id != unit.id:
        raise DomainError(_("The event belongs to another unit."), "event_id")
    if not event.accepts_donations:
        raise DomainError(_("This event is closed: it takes no more donations."), "event_id")


def _check_donor(unit: Unit, donor: Donor | None) -> None:
    """A donor of the unit's own line: its register, one above it or one below it."""
    if donor is not None and not (donor.unit.is_within(unit) or unit.is_within(donor.unit)):
        raise DomainError(_("Choose a donor from this unit's register."), "donor_name")


def _check_fund(unit: Unit, fund) -> None:
    if fund is not None and fund.unit_id != unit.id:
        raise DomainError(_("The fund belongs to another unit."), "fund_id")


def donor_label(donation: Donation) -> str:
    if donation.anonymous or donation.donor is None:
        return _("Anonymous donor")
    return donation.donor.name


def record_donation(actor: User | None, unit: Unit, *, method: str, donor: Donor | None = None,
                    event: Event | None = None, amount: int = 0, items: str = "",
                    quantity: int = 0, estimated_value: int = 0, fund=None,
                    anonymous: bool = False, received_on: date | None = None, note: str = "",
                    pledge: Pledge | None = None, token: str | None = None) -> Donation:
    """Record a gift. Cash and transfers are receipted by the treasury (same books and numbers
    as every other receipt); gifts in kind get an acknowledgement number (biên nhận hiện vật)."""
    if method not in DONATION_METHODS:
        raise DomainError(_("Choose how the gift was given."), "method")
    if token:
        existing = _donation_for_token(token)
        if existing is not None:
            return existing
    _check_event(unit, event)
    if pledge is not None:
        if pledge.unit_id != unit.id or pledge.status != "open":
            raise DomainError(_("This pledge is not open."), "pledge_id")
        if method == "in_kind":
            raise DomainError(_("A pledge is fulfilled with money."), "method")
        donor = pledge.donor
        event = event or pledge.event
    if donor is None and not anonymous:
        raise DomainError(_("Enter the donor's name, or tick anonymous."), "donor_name")
    _check_donor(unit, donor)
    _check_fund(unit, fund)
    received_on = received_on or today()
    if received_on > today():
        raise DomainError(_("The date cannot be in the future."), "received_on")
    if method == "in_kind":
        items = clean(items)
        if not items:
            raise DomainError(_("Describe the items given."), "items")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 10**7:
            raise DomainError(_("Enter a whole number, 1 or more."), "quantity")
        estimated_value = _amount(estimated_value or 0, "estimated_value")
        amount = 0
    else:
        amount = _amount(amount, "amount", allow_zero=False)
        items, quantity, estimated_value = "", 0, 0
    donation = Donation(
        unit_id=unit.id, unit=unit, event_id=event.id if event else None, event=event,
        donor_id=donor.id if donor else None, donor=donor, anonymous=bool(anonymous),
        method=method, amount=amount, items=items[:300], quantity=quantity,
        estimated_value=estimated_value, fund_id=getattr(fund, "id", None),
        received_on=received_on, note=clean(note)[:300],
        pledge_id=pledge.id if pledge else None, created_by_id=getattr(actor, "id", None),
    )
    if method == "in_kind":
        donation.ack_year = received_on.year
        donation.ack_number = 1 + (db.session.scalar(
            select(func.max(Donation.ack_number)).where(
                Donation.unit_id == unit.id, Donation.ack_year == received_on.year)) or 0)
    db.session.add(donation)
    db.session.flush()
    if method != "in_kind":
        voucher = _issue_receipt(actor, unit, donation, fund=fund, token=token)
        donation.voucher_id = voucher.id
        donation.fund_id = voucher.fund_id
    donation.paper = donation_paper(donation)
    if pledge is not None:
        db.session.refresh(pledge, ["donations"])
        if pledge.received >= pledge.amount:
            pledge.status = "fulfilled"
            audit.record(actor, "pledge.fulfil", pledge, data={"received": pledge.received})
    db.session.flush()
    audit.record(actor, "donation.create", donation, data={
        "method": method, "amount": amount, "estimated_value": estimated_value,
        "event_id": donation.event_id, "donor_id": donation.donor_id,
        "anonymous": donation.anonymous, "voucher_id": donation.voucher_id,
        "ack": donation.ack_display})
    return donation


def donation_paper(donation: Donation) -> dict:
    """Issued is frozen: the names a donation's papers print, as they are when it is
    recorded (the receipt voucher keeps its own)."""
    unit, donor = donation.unit, donation.donor
    return {"v": 1, "donor_name": donor.name if donor is not None else "",
            "donor_address": donor.address if donor is not None else "",
            "unit_name": unit.name, "unit_address": unit.address or "",
            "parent_name": unit.parent.name if unit.parent else "",
            "event_title": donation.event.title if donation.event is not None else ""}


def _receipt_reason(donation: Donation) -> str:
    if donation.pledge_id:
        # The pledge's printed number (its transfer code UH… carries it), not the row id.
        return _("Fulfilment of pledge no. %(no)s",
                 no=donation.pledge.number or donation.pledge_id)
    if donation.event is not None:
        return _("Donation to the learning-promotion fund — %(event)s",
                 event=donation.event.title)
    return _("Donation to the learning-promotion fund")


def _issue_receipt(actor, unit, donation: Donation, *, fund, token):
    donor = donation.donor
    return treasury.issue_voucher(
        actor, unit, kind="receipt", amount=donation.amount,
        party_name=donor_label(donation),
        party_address="" if donation.anonymous or donor is None else donor.address,
        reason=_receipt_reason(donation), voucher_date=donation.received_on,
        method=donation.method, fund=fund, link_type="donation", link_id=donation.id,
        token=token,
    )


def _donation_for_token(token: str) -> Donation | None:
    """A repeated submission: the treasury keeps the token with the first receipt."""
    voucher = db.session.scalar(select(Voucher).where(Voucher.idempotency_token == token))
    if voucher is None or voucher.link_type != "donation":
        return None
    return db.session.get(Donation, voucher.link_id)


def create_pledge(actor: User | None, unit: Unit, *, donor: Donor, amount: int,
                  due_on: date | None = None, event: Event | None = None,
                  note: str = "") -> Pledge:
    _check_event(unit, event)
    if donor is None:
        raise DomainError(_("Enter the donor's name."), "donor_name")
    _check_donor(unit, donor)
    amount = _amount(amount, "amount", allow_zero=False)
    pledge = Pledge(unit_id=unit.id, unit=unit, event_id=event.id if event else None,
                    event=event, donor_id=donor.id, donor=donor, amount=amount, due_on=due_on,
                    note=clean(note)[:300], status="open",
                    created_by_id=getattr(actor, "id", None))
    pledge.number = serials.take("pledge", Pledge.number)
    db.session.add(pledge)
    db.session.flush()
    audit.record(actor, "pledge.create", pledge, data={"amount": amount, "due_on": due_on,
                                                       "donor_id": donor.id,
                                                       "event_id": pledge.event_id})
    return pledge


def cancel_pledge(actor: User | None, pledge: Pledge, reason: str) -> Pledge:
    reason = clean(reason)
    if not reason:
        raise DomainError(_("Give the reason for cancelling."), "reason")
    if pledge.status != "open":
        raise DomainError(_("This pledge is not open."))
    pledge.status = "cancelled"
    pledge.note = (f"{pledge.note} — {reason}" if pledge.note else reason)[:300]
    db.session.flush()
    audit.record(actor, "pledge.cancel", pledge, data={"reason": reason})
    return pledge


def open_pledges_query(unit: Unit):
    return (select(Pledge).join(Unit, Pledge.unit_id == Unit.id)
            .where(Unit.path.startswith(unit.path, autoescape=True), Pledge.status == "open")
            .order_by(Pledge.due_on.is_(None), Pledge.due_on, Pledge.id))


# ---------------------------------------------------------------------------------------------
# Piggy-bank counting sheets
# ---------------------------------------------------------------------------------------------


def clean_counts(counts: dict[str, object]) -> dict[str, int]:
    """Whole, non-negative counts per known denomination; the first bad one is a field error."""
    result: dict[str, int] = {}
    for key, _value, _coin in DENOMINATIONS:
        raw = counts.get(key, 0)
        if raw is None or raw == "":
            raw = 0
        if isinstance(raw, str):
            raw = raw.strip()
            if not raw.isdigit():
                raise DomainError(_("Enter a whole number of pieces, 0 or more."), key)
            raw = int(raw)
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= MAX_COUNT:
            raise DomainError(_("Enter a whole number of pieces, 0 or more."), key)
        if raw:
            result[key] = raw
    unknown = set(counts) - set(DENOMINATION_VALUES)
    if unknown:
        raise ValueError(f"unknown denominations {sorted(unknown)}")
    return result


def counts_total(counts: dict[str, int]) -> int:
    return sum(DENOMINATION_VALUES[k] * n for k, n in counts.items())


def record_counting_sheet(actor: User | None, event: Event, *, group_name: str,
                          counts: dict[str, object], counter_1: str, counter_2: str,
                          typed_total: int | None = None, note: str = "") -> CountingSheet:
    if event.kind != "piggy_bank":
        raise DomainError(_("Counting sheets belong to piggy-bank festivals."))
    _check_event(event.unit, event)
    group_name = clean(group_name)
    if not group_name:
        raise DomainError(_("Name the class or group."), "group_name")
    counter_1, counter_2 = clean(counter_1), clean(counter_2)
    if not counter_1:
        raise DomainError(_("Two counters must sign the sheet."), "counter_1")
    if not counter_2:
        raise DomainError(_("Two counters must sign the sheet."), "counter_2")
    if search_key(counter_1) == search_key(counter_2):
        raise DomainError(_("The two counters must be different people."), "counter_2")
    counts_clean = clean_counts(counts)
    total = counts_total(counts_clean)
    if total <= 0:
        raise DomainError(_("The piggy bank is empty: enter the counts."), "group_name")
    if typed_total is not None and typed_total != total:
        from ..money import format_money

        raise DomainError(
            _("The counts add up to %(computed)s, not %(typed)s. Check the counts or the total.",
              computed=format_money(total), typed=format_money(typed_total)), "typed_total")
    sheet = CountingSheet(unit_id=event.unit_id, unit=event.unit, event_id=event.id,
                          event=event, group_name=group_name[:200], counts=counts_clean,
                          total=total, counter_1=counter_1[:120], counter_2=counter_2[:120],
                          note=clean(note)[:300], created_by_id=getattr(actor, "id", None))
    db.session.add(sheet)
    db.session.flush()
    audit.record(actor, "counting_sheet.create", sheet,
                 data={"event_id": event.id, "group": sheet.group_name, "total": total,
                       "counts": counts_clean})
    return sheet


def delete_counting_sheet(actor: User | None, sheet: CountingSheet) -> None:
    if sheet.voucher_id is not None:
        raise DomainError(_("This sheet has been receipted: it cannot be deleted."))
    audit.record(actor, "counting_sheet.delete", sheet,
                 data={"group": sheet.group_name, "total": sheet.total})
    db.session.delete(sheet)
    db.session.flush()


def unreceipted_sheets(event: Event) -> list[CountingSheet]:
    return list(db.session.scalars(
        select(CountingSheet).where(CountingSheet.event_id == event.id,
                                    CountingSheet.voucher_id.is_(None))
        .order_by(CountingSheet.id)))


def receipt_counting_sheets(actor: User | None, event: Event, *, mode: str, fund=None,
                            token: str | None = None) -> list:
    """One aggregate receipt per group (`mode="group"`) or per event (`mode="event"`) for the
    sheets not yet receipted. Returns the vouchers issued."""
    if mode not in ("group", "event"):
        raise DomainError(_("Choose one receipt per group or one for the event."), "mode")
    if event.status == "cancelled":
        raise DomainError(_("This event is closed: it takes no more donations."))
    sheets = unreceipted_sheets(event)
    if not sheets:
        raise DomainError(_("Every counting sheet already has its receipt."))
    batches = [[s] for s in sheets] if mode == "group" else [sheets]
    vouchers = []
    for i, batch in enumerate(batches):
        total = sum(s.total for s in batch)
        if mode == "group":
            party = batch[0].group_name
            reason = _("Piggy-bank money of %(group)s — %(event)s", group=party,
                       event=event.title)
        else:
            party = event.organiser or event.unit.name
            reason = _("Piggy-bank money of %(n)s classes/groups — %(event)s", n=len(batch),
                       event=event.title)
        voucher = treasury.issue_voucher(
            actor, event.unit, kind="receipt", amount=total, party_name=party, reason=reason,
            method="cash", fund=fund, attachments=len(batch), link_type="event",
            link_id=event.id, token=f"{token}-{i}" if token else None,
        )
        for sheet in batch:
            sheet.voucher_id = voucher.id
        vouchers.append(voucher)
    db.session.flush()
    audit.record(actor, "counting_sheet.receipt", event,
                 data={"mode": mode, "sheets": [s.id for s in sheets],
                       "vouchers": [v.id for v in vouchers]})
    return vouchers


# ---------------------------------------------------------------------------------------------
# Totals and reports
# ---------------------------------------------------------------------------------------------


@dataclass
class Totals:
    target: int = 0
    cash: int = 0          # cash donations
    transfer: int = 0
    piggy_bank: int = 0    # counting sheets
    in_kind: int = 0       # estimated value of goods
    donations: int = 0     # number of gifts
    donors: int = 0        # distinct named donors
    anonymous: int = 0
    sheets: int = 0
    events: int = 0
    participants: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def money(self) -> int:
        return self.cash + self.transfer + self.piggy_bank

    @property
    def raised(self) -> int:
        return self.money + self.in_kind

    @property
    def percent(self) -> int | None:
        return round(100 * self.raised / self.target) if self.target else None


def totals_for(event_ids: list[int]) -> dict[int, Totals]:
    """Totals of each event in a few grouped queries (no per-event query)."""
    result: dict[int, Totals] = defaultdict(Totals)
    if not event_ids:
        return result
    ids = list(event_ids)
    for method, ev, amount, value, n, anon in db.session.execute(
        select(Donation.method, Donation.event_id, func.sum(Donation.amount),
               func.sum(Donation.estimated_value), func.count(Donation.id),
               func.sum(case((Donation.anonymous.is_(True), 1), else_=0)))
        .where(Donation.event_id.in_(ids)).group_by(Donation.event_id, Donation.method)
    ):
        t = result[ev]
        if method == "cash":
            t.cash += int(amount or 0)
        elif method == "transfer":
            t.transfer += int(amount or 0)
        else:
            t.in_kind += int(value or 0)
        t.donations += n
        t.anonymous += int(anon or 0)
    for ev, n in db.session.execute(
        select(Donation.event_id, func.count(func.distinct(Donation.donor_id)))
        .where(Donation.event_id.in_(ids), Donation.donor_id.is_not(None),
               Donation.anonymous.is_(False))
        .group_by(Donation.event_id)
    ):
        result[ev].donors = n
    for ev, total, n in db.session.execute(
        select(CountingSheet.event_id, func.sum(CountingSheet.total), func.count())
        .where(CountingSheet.event_id.in_(ids)).group_by(CountingSheet.event_id)
    ):
        result[ev].piggy_bank, result[ev].sheets = int(total or 0), n
    return result


def event_totals(event: Event) -> Totals:
    t = totals_for([event.id])[event.id]
    t.target, t.events, t.participants = event.target_amount, 1, event.participants_total
    return t


def event_vouchers(event: Event) -> list:
    """Every receipt of the event: its donations' and its counting sheets' (void ones too)."""
    donation_ids = select(Donation.id).where(Donation.event_id == event.id)
    return list(db.session.scalars(
        select(Voucher).where(
            or_((Voucher.link_type == "event") & (Voucher.link_id == event.id),
                (Voucher.link_type == "donation") & Voucher.link_id.in_(donation_ids)))
        .order_by(Voucher.voucher_date, Voucher.id)))


def receipted_amount(event: Event) -> int:
    """What the treasury holds for this event: valid receipts only."""
    return sum(v.amount for v in event_vouchers(event) if not v.is_void)


def event_donations(event: Event) -> list[Donation]:
    return list(db.session.scalars(
        select(Donation).where(Donation.event_id == event.id)
        .order_by(Donation.received_on, Donation.id)))


def event_sheets(event: Event) -> list[CountingSheet]:
    return list(db.session.scalars(
        select(CountingSheet).where(CountingSheet.event_id == event.id)
        .order_by(CountingSheet.id)))


@dataclass
class SummaryRow:
    unit: Unit
    totals: Totals


def subtree_summary(unit: Unit, events: list[Event]) -> list[SummaryRow]:
    """Events and totals grouped by the unit's direct sub-units (e.g. wards of a district);
    events of the unit itself form their own row."""
    per_event = totals_for([e.id for e in events])
    children = {c.id: c for c in unit.children}
    rows: dict[int, SummaryRow] = {}
    for event in events:
        ids = event.unit.ancestor_ids
        depth = len(unit.ancestor_ids)
        row_id = ids[depth] if len(ids) > depth else unit.id
        row_unit = children.get(row_id) or (unit if row_id == unit.id else
                                           db.session.get(Unit, row_id))
        row = rows.setdefault(row_id, SummaryRow(row_unit, Totals()))
        t, src = row.totals, per_event[event.id]
        t.events += 1
        t.target += event.target_amount
        t.cash += src.cash
        t.transfer += src.transfer
        t.piggy_bank += src.piggy_bank
        t.in_kind += src.in_kind
        t.donations += src.donations
        t.participants += event.participants_total
        t.by_kind[event.kind] = t.by_kind.get(event.kind, 0) + 1
    return sorted(rows.values(), key=lambda r: (-r.totals.raised, r.unit.name))


def summary_total(rows: list[SummaryRow]) -> Totals:
    """The total row of the summary: the rows' totals added up (the page prints it)."""
    grand = Totals()
    for r in rows:
        for attr in ("events", "target", "cash", "transfer", "piggy_bank", "in_kind",
                     "donations", "participants"):
            setattr(grand, attr, getattr(grand, attr) + getattr(r.totals, attr))
    return grand


def local_date_range(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """UTC bounds of Vietnamese calendar days date_from … date_to (inclusive)."""
    from datetime import time, timedelta
    from zoneinfo import ZoneInfo

    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    start = datetime.combine(date_from, time.min, vn).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, vn).astimezone(UTC)
    return start, end
