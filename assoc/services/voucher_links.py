"""What a voucher pays for or comes from (`link_type` / `link_id`): the unit's own dues payments,
donations, events, scholarship awards and remuneration sheets.

A link is a door like any other id: it must name a record of the voucher's own unit (an award:
a nomination of a program run by that unit, since the program's unit pays). The voucher form
offers the unit's own records by name; nobody types an id."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import (
    VOUCHER_LINKS,
    Donation,
    DuesPayment,
    Event,
    Nomination,
    RemunerationSheet,
    ScholarshipProgram,
    Unit,
    Voucher,
)
from ..money import format_money
from . import DomainError

CHOICES_PER_KIND = 60
# Which links fit which kind of voucher.
LINKS_FOR = {"receipt": ("dues", "donation", "event"),
             "payment": ("event", "award", "remuneration")}


@dataclass
class Linked:
    label: str
    endpoint: str | None
    args: dict


def label(link_type: str, obj) -> str:
    """The linked record as a user reads it, in the interface language."""
    return _label(link_type, obj)


def _label(link_type: str, obj) -> str:
    if link_type == "dues":
        return _("Dues %(year)s of %(name)s", year=obj.year, name=obj.member.full_name)
    if link_type == "donation":
        donor = _("anonymous") if obj.anonymous or obj.donor is None else obj.donor.name
        return _("Donation of %(donor)s, %(amount)s, %(d)s", donor=donor,
                 amount=format_money(obj.amount or obj.estimated_value),
                 d=obj.received_on.strftime("%d/%m/%Y"))
    if link_type == "event":
        return obj.title
    if link_type == "award":
        return _("Scholarship %(program)s: %(name)s", program=obj.program.name,
                 name=obj.student_name)
    return _("Remuneration sheet %(month)s", month=obj.label)


MODELS = {"dues": DuesPayment, "donation": Donation, "event": Event, "award": Nomination,
          "remuneration": RemunerationSheet}
ENDPOINTS = {
    "dues": ("members.show", lambda o: {"member_id": o.member_id}),
    "donation": ("events.donation", lambda o: {"donation_id": o.id}),
    "event": ("events.show", lambda o: {"event_id": o.id}),
    "award": ("scholarships.nomination", lambda o: {"nomination_id": o.id}),
    "remuneration": ("officers.sheet", lambda o: {"sheet_id": o.id}),
}


def _owner_unit_id(link_type: str, obj) -> int:
    if link_type == "award":
        return obj.program.unit_id
    return obj.unit_id


def check_link(unit: Unit, link_type: str | None, link_id: int | None) -> str | None:
    """The linked record's name, after checking it belongs to `unit`; None without a link."""
    if link_type is None and link_id is None:
        return None
    if link_type not in VOUCHER_LINKS:
        raise DomainError(_("Unknown kind of link."), "link")
    if link_id is None:
        raise DomainError(_("Choose the record this voucher pays for or comes from."), "link")
    obj = db.session.get(MODELS[link_type], link_id)
    if obj is None or _owner_unit_id(link_type, obj) != unit.id:
        raise DomainError(_("A voucher can only be linked to a record of its own unit."), "link")
    return _label(link_type, obj)


def link_choices(unit: Unit, kind: str) -> list[tuple[str, str]]:
    """("type:id", label) of the unit's own records a voucher of `kind` may be linked to, the
    most recent first, grouped by kind."""
    out: list[tuple[str, str]] = []
    for link_type in LINKS_FOR.get(kind, ()):
        model = MODELS[link_type]
        if link_type == "award":
            q = (select(Nomination).join(ScholarshipProgram,
                                         Nomination.program_id == ScholarshipProgram.id)
                 .where(ScholarshipProgram.unit_id == unit.id,
                        Nomination.status.in_(("approved", "paid")))
                 .order_by(Nomination.id.desc()))
        else:
            q = select(model).where(model.unit_id == unit.id).order_by(model.id.desc())
        for obj in db.session.scalars(q.limit(CHOICES_PER_KIND)):
            out.append((f"{link_type}:{obj.id}", _label(link_type, obj)))
    return out


def parse_choice(value: str | None) -> tuple[str | None, int | None]:
    """"type:id" from the form → (type, id); "" → (None, None)."""
    if not value:
        return None, None
    link_type, _sep, raw = value.partition(":")
    if link_type not in VOUCHER_LINKS or not raw.isdigit() or len(raw) > 18:
        raise DomainError(_("Choose the record from the list."), "link")
    return link_type, int(raw)


def describe(voucher: Voucher) -> Linked | None:
    """The linked record by name, with the page it lives on (None when it is gone)."""
    if not voucher.link_type or voucher.link_id is None:
        return None
    model = MODELS.get(voucher.link_type)
    obj = db.session.get(model, voucher.link_id) if model else None
    if obj is None:
        return None
    endpoint, args = ENDPOINTS[voucher.link_type]
    return Linked(_label(voucher.link_type, obj), endpoint, args(obj))
