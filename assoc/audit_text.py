"""Audit entries as sentences in the interface language.

The services write `AuditEntry(action="voucher.issue", data={"amount": 1050000, ...})`; people
read "Lập phiếu thu PT-2026/0049, 1.050.000 đ, quỹ Khuyến học". One registry turns one into the
other:

- `ACTIONS`: per action a sentence template (`%(key)s` placeholders take formatted data values,
  plus `%(object)s`, the record the entry is about, by name and with a link when the viewer
  may open it). A template may be a function `(data, obj) -> template` when the wording
  depends on the record (receipt or payment).
- `KEYS`: per data key a form label and a formatter (money, date, yes/no, choice labels,
  a linked record). `ACTION_KEYS` overrides a key for one action family ("kind" of an event is
  not "kind" of a member).
- Values the sentence does not use are listed after it as "Label: value"; an update's
  `[old, new]` pairs read "Label: old → new".

Unknown actions and keys never show raw keys: an unknown action reads "Changed <record>" and an
unknown key is listed as "Other detail". To add an action: one line in `ACTIONS` (and labels
for new data keys in `KEYS`); tests/test_audit_text.py fails until every action written by a
service has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from sqlalchemy import select

from . import models as m
from .extensions import db
from .filters import fmt_date, fmt_datetime
from .money import format_money, format_number

# ---------------------------------------------------------------------------------------------
# Choice labels (the same words the forms show)
# ---------------------------------------------------------------------------------------------

def _form_labels(module: str, name: str):
    """A choice table of a blueprint's forms (the words the user picked from)."""
    def get():
        from importlib import import_module

        return import_module(f"assoc.blueprints.{module}.forms").__dict__[name]
    return get


def _form_choices(module: str, form: str, field: str):
    def get():
        from importlib import import_module

        cls = import_module(f"assoc.blueprints.{module}.forms").__dict__[form]
        return dict(getattr(cls, field).kwargs["choices"])
    return get


MEMBER_KINDS = _form_labels("members", "KIND_LABELS")
MEMBER_STATUSES = _form_labels("members", "STATUS_LABELS")
EVENT_KINDS = _form_labels("events", "KIND_LABELS")
EVENT_STATUSES = _form_labels("events", "STATUS_LABELS")
DONATION_METHODS = _form_labels("events", "METHOD_LABELS")
DONOR_KINDS = _form_labels("events", "DONOR_KIND_LABELS")
FUND_KINDS = _form_labels("treasury", "FUND_KIND_LABELS")
FORM_SERIES = _form_choices("treasury", "SettingsForm", "form_series")
WORD_STYLES = _form_choices("treasury", "SettingsForm", "word_style")
COMBINE = _form_choices("officers", "SettingsForm", "combine")
SEXES = {"M": _l("Male"), "F": _l("Female")}
PAY_MODES = {"each": _l("One payment voucher per award"),
             "ceremony": _l("One payment voucher for the ceremony, with the signed list"),
             "group": _l("One receipt per class/group"),
             "event": _l("One receipt for the whole event")}
MEMBER_DUES_FILTER = {"paid": _l("Dues paid"), "unpaid": _l("Not paid")}
MEMBER_SORTS = {"name": _l("Given name"), "number": _l("Member number"),
                "joined": _l("Joined on"), "unit": _l("Unit")}
EXPORT_FORMATS = {"xlsx": "Excel", "csv": "CSV", "pdf": "PDF", "docx": "Word"}


def _level_labels():
    from .blueprints.units.forms import LEVEL_LABELS

    return LEVEL_LABELS


def _role_labels():
    from .blueprints.units.forms import ROLE_LABELS

    return ROLE_LABELS


def _title_labels():
    from .services.officers import TITLE_LABELS

    return TITLE_LABELS


def _periodic_kinds():
    from .services.periodic import KIND_LABELS

    return KIND_LABELS


def _nomination_statuses():
    from .services.scholarships import STATUS_LABELS

    return STATUS_LABELS


# ---------------------------------------------------------------------------------------------
# Formatters: value -> text or Markup. Each receives the rendering context for look-ups/links.
# ---------------------------------------------------------------------------------------------


@dataclass
class Context:
    viewer: Any
    entry: m.AuditEntry

    def may(self, action: str, unit) -> bool:
        from .permissions import can

        return unit is not None and self.viewer is not None and can(self.viewer, action, unit)


def _link(text: str, endpoint: str, **args) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url_for(endpoint, **args), text)


def plain(value, ctx=None):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(plain(v, ctx)) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain(v, ctx)}" for k, v in value.items()) or "—"
    return str(value)


def money(value, ctx=None):
    return format_money(value) if isinstance(value, int) and not isinstance(value, bool) else plain(value)


def linked_record(value, ctx=None):
    """What a voucher pays for or comes from, {type, id, name}: the record's name as it was
    when the voucher was issued, linked to its page when the viewer may open it."""
    if not isinstance(value, dict):
        return plain(value)
    from .services import voucher_links

    model = voucher_links.MODELS.get(value.get("type"))
    ident = value.get("id")
    obj = db.session.get(model, ident) if model and isinstance(ident, int) else None
    if obj is None:  # gone: its name as it was
        return str(value.get("name") or "—")
    name = voucher_links.label(value["type"], obj)  # in the interface language
    if ctx is None:
        return name
    if value["type"] == "award":
        from .permissions import can_view_program

        allowed = ctx.viewer is not None and can_view_program(ctx.viewer, obj.program)
    else:
        action = {"dues": "member.view", "remuneration": "officer.view"}.get(value["type"],
                                                                               "event.view")
        allowed = ctx.may(action, obj.unit)
    if not allowed:
        return name
    endpoint, args = voucher_links.ENDPOINTS[value["type"]]
    return _link(name, endpoint, **args(obj))


def calendar_year(value, ctx=None):
    """A year as it is written: 2026, not the number 2.026."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return plain(value)


def denominator(value, ctx=None):
    """A learning model's [total, target %] for a year."""
    if not (isinstance(value, list) and len(value) == 2):
        return plain(value)
    total, target = value
    if total is None and target is None:
        return "—"
    return _("%(total)s in all, target %(target)s",
             total=plain(total), target="—" if target is None else f"{target}%")


def yes_no(value, ctx=None):
    return _("Yes") if value else _("No")


def day(value, ctx=None):
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10]) if len(value) <= 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    return fmt_date(value) if value else "—"


def moment(value, ctx=None):
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return fmt_datetime(value)
    return day(value)


def choice(labels):
    def fmt(value, ctx=None):
        table = labels() if callable(labels) else labels
        if isinstance(value, list):
            return ", ".join(str(table.get(v, v)) for v in value) or "—"
        return str(table.get(value, value)) if value is not None else "—"
    return fmt


def periodic_changes(value, ctx=None):
    """{figure key: [old, new], "texts": [section keys]} of a saved periodic report."""
    if not isinstance(value, dict):
        return plain(value)
    from .services.periodic import _figure_label

    parts = []
    for key, change in value.items():
        if key == "texts":
            parts.append(_("%(n)s text sections", n=len(change or [])))
        elif isinstance(change, list) and len(change) == 2:
            parts.append(f"{_figure_label(key)}: {plain(change[0])} → {plain(change[1])}")
    return "; ".join(parts) or _("nothing")


def role_person(value, ctx=None):
    """The person a role entry is about, by their full name (the entry keeps the login): the
    account of the role assignment the entry names, else the login as written."""
    entry = getattr(ctx, "entry", None)
    if entry is not None and entry.object_type == "roleassignment" and entry.object_id:
        assignment = db.session.get(m.RoleAssignment, entry.object_id)
        user = assignment.user if assignment is not None else None
        if user is not None and (user.full_name or "").strip():
            return user.full_name
    if isinstance(value, str) and value:
        user = db.session.scalar(select(m.User).where(m.User.username == value))
        if user is not None and (user.full_name or "").strip():
            return user.full_name
    return plain(value)


def coefficient(value, ctx=None):
    if not isinstance(value, int):
        return plain(value)
    return f"{value / 1000:.2f}".replace(".", ",")


def member_numbers(value, ctx=None):
    from .services.members import format_member_number

    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{format_member_number(value[0])} – {format_member_number(value[1])}"
    return plain(value)


def count_of(noun_one, noun_many):
    def fmt(value, ctx=None):
        n = len(value) if isinstance(value, (list, tuple, dict)) else value
        return (noun_one if n == 1 else noun_many) % {"n": format_number(n or 0)}
    return fmt


def _record(model, endpoint, arg, action, name):
    """A formatter for an id of `model`: its name, linked when the viewer may open it."""
    def fmt(value, ctx=None):
        if not isinstance(value, int) or isinstance(value, bool):
            return plain(value)
        obj = db.session.get(model, value)
        if obj is None:
            return _("(deleted record)")
        text = name(obj)
        unit = getattr(obj, "unit", None)
        if ctx is not None and ctx.may(action, unit):
            return _link(text, endpoint, **{arg: value})
        return text
    return fmt


def _records(model, endpoint, arg, action, name):
    one = _record(model, endpoint, arg, action, name)

    def fmt(value, ctx=None):
        if not isinstance(value, list):
            return one(value, ctx)
        parts = [one(v, ctx) for v in value]
        return Markup(", ").join(parts) if parts else "—"
    return fmt


event_ref = _record(m.Event, "events.show", "event_id", "event.view", lambda e: e.title)
donor_ref = _record(m.Donor, "events.donor", "donor_id", "event.view", lambda d: d.name)
voucher_ref = _record(m.Voucher, "treasury.voucher", "voucher_id", "voucher.view",
                      lambda v: v.display_number)
vouchers_ref = _records(m.Voucher, "treasury.voucher", "voucher_id", "voucher.view",
                        lambda v: v.display_number)


def program_ref(value, ctx=None):
    if not isinstance(value, int) or isinstance(value, bool):
        return plain(value)
    program = db.session.get(m.ScholarshipProgram, value)
    if program is None:
        return _("(deleted record)")
    from .permissions import can_view_program

    if ctx is not None and ctx.viewer is not None and can_view_program(ctx.viewer, program):
        return _link(program.name, "scholarships.program", program_id=value)
    return program.name


def fund_ref(value, ctx=None):
    """Funds are logged by code; show the fund's name in the entry's unit."""
    if not isinstance(value, str) or ctx is None or ctx.entry.unit_id is None:
        return plain(value)
    name = db.session.scalar(select(m.Fund.name).where(
        m.Fund.unit_id == ctx.entry.unit_id, m.Fund.code == value))
    return name or value


def unit_ref(value, ctx=None):
    """Units are logged by code; show the unit's name, linked when the viewer may see it."""
    if not isinstance(value, str):
        return plain(value)
    unit = db.session.scalar(select(m.Unit).where(m.Unit.code == value))
    if unit is None:
        return value
    if ctx is not None and ctx.may("unit.view", unit):
        return _link(unit.name, "units.show", unit_id=unit.id)
    return unit.name


def counts(value, ctx=None):
    """{denomination key ("n500000"): count} of a counting sheet."""
    if not isinstance(value, dict):
        return plain(value)
    faces = {key: face for key, face, _coin in m.DENOMINATIONS}
    parts = [f"{format_money(faces[k])} × {format_number(int(v))}"
             for k, v in sorted(value.items(), key=lambda kv: -faces.get(kv[0], 0))
             if k in faces and v]
    return ", ".join(parts) or "—"


def quota(value, ctx=None):
    """[awards, budget] of a quota; None when the quota was removed."""
    if value is None:
        return _("removed")
    if isinstance(value, list) and len(value) == 2:
        awards, budget = value
        text = _("%(n)s awards", n=format_number(awards)) if awards is not None else ""
        if budget is not None:
            text = f"{text}, {format_money(budget)}" if text else format_money(budget)
        return text or "—"
    return plain(value)


def fields_filled(value, ctx=None):
    """{field: value} filled in from another record (merge, returning donor)."""
    if not isinstance(value, dict) or not value:
        return _("nothing")
    return "; ".join(f"{label_of(k)}: {plain(v)}" for k, v in value.items())


# ---------------------------------------------------------------------------------------------
# Keys: label + formatter. Labels are the form labels of the same fields.
# ---------------------------------------------------------------------------------------------

def _learning_models():
    from .services.learning import MODEL_LABELS

    return MODEL_LABELS


KEYS: dict[str, tuple[Any, Callable]] = {
    # exports, learning models
    "model": (_l("Learning model"), choice(_learning_models)),
    "evidence": (_l("Evidence"), plain),
    "entries": (_l("Entries"), plain),
    "below_threshold": (_l("Recognised below the threshold"), plain),
    "threshold": (_l("Recognition threshold"), plain),
    "from_year": (_l("In force from"), calendar_year),
    "items": (_l("Items"), plain),
    "registered_on": (_l("Registered on"), day),
    "before": (_l("Previous total"), plain),
    "signer": (_l("Signed by"), plain),
    "decided_on": (_l("Decided on"), day),
    "what": (_l("Export"), plain),
    # people and members
    "name": (_l("Name"), plain),
    "full_name": (_l("Full name"), plain),
    "kind": (_l("Kind"), choice(MEMBER_KINDS)),
    "honorary": (_l("Honorary member"), yes_no),
    "status": (_l("Status"), choice(MEMBER_STATUSES)),
    "birth_date": (_l("Date of birth"), day),
    "birth_year": (_l("Birth year"), calendar_year),
    "sex": (_l("Sex"), choice(SEXES)),
    "cccd": (_l("CCCD (citizen ID)"), plain),
    "phone": (_l("Phone"), plain),
    "address": (_l("Address"), plain),
    "occupation": (_l("Occupation"), plain),
    "representative": (_l("Representative (collective member)"), plain),
    "contact": (_l("Contact (collective member)"), plain),
    "joined_on": (_l("Joined on"), day),
    "notes": (_l("Notes"), plain),
    "ended_on": (_l("Ended on"), day),
    "end_reason": (_l("Reason"), plain),
    "unit_id": (_l("Unit"), plain),
    "number": (_l("Number"), plain),
    "merged": (_l("Merged record"), plain),
    "into": (_l("Merged into"), plain),
    "filled": (_l("Filled in"), fields_filled),
    "dues_moved": (_l("Dues payments moved"), plain),
    "year": (_l("Year"), calendar_year),
    "link": (_l("Pays for / comes from"), linked_record),
    "payment": (_l("Payment"), plain),
    "receipt": (_l("Receipt"), plain),
    "file": (_l("File"), plain),
    "numbers": (_l("Member numbers"), member_numbers),
    "imported": (_l("Imported"), plain),
    "read": (_l("Rows read"), plain),
    # an import's counts, in the words of its preview
    "valid": (_l("Ready to import"), plain),
    "duplicates": (_l("Duplicates"), plain),
    "possible": (_l("Possible duplicates"), plain),
    "notices": (_l("Notices"), plain),
    "possible_imported": (_l("Possible duplicates imported (rows)"), plain),
    "possible_skipped": (_l("Possible duplicates skipped (rows)"), plain),
    "errors": (_l("Rows with errors"), plain),
    "skipped": (_l("Skipped"), plain),
    "rows": (_l("Rows"), plain),
    "format": (_l("Format"), choice(EXPORT_FORMATS)),
    "q": (_l("Search"), plain),
    "subtree": (_l("Including sub-units"), yes_no),
    "sort": (_l("Sort"), plain),
    # units and roles
    "code": (_l("Code"), plain),
    "level": (_l("Level"), choice(_level_labels)),
    "former_level": (_l("Level before"), choice(_level_labels)),
    "parent": (_l("Parent unit"), unit_ref),
    "from": (_l("From"), day),
    "to": (_l("Until"), day),
    "on": (_l("Date"), day),
    "reason": (_l("Reason"), plain),
    "successor": (_l("Successor"), unit_ref),
    "email": (_l("Email"), plain),
    "digest": (_l("Reminders by e-mail"), choice({"daily": _l("Every day"),
                                                  "weekly": _l("Once a week"),
                                                  "never": _l("Never")})),
    "valid_from": (_l("From"), day),
    "valid_to": (_l("Until"), day),
    "closed_reason": (_l("Reason"), plain),
    "user": (_l("User"), plain),
    "username": (_l("Username"), plain),
    "role": (_l("Role"), choice(_role_labels)),
    # money
    "amount": (_l("Amount"), money),
    "total": (_l("Total"), money),
    "fund": (_l("Fund"), fund_ref),
    "date": (_l("Date"), day),
    "party": (_l("Payer / payee"), plain),
    "overdraw_allowed": (_l("Allowed below zero"), yes_no),
    "direction": (_l("Move"), choice({"deposit": _l("Cash into the bank"),
                                      "withdraw": _l("Bank into cash")})),
    "copy": (_l("Copy"), yes_no),
    "active": (_l("Active"), yes_no),
    "sponsor": (_l("Sponsor"), plain),
    "form_series": (_l("Voucher forms"), choice(FORM_SERIES)),
    "word_style": (_l("Amount in words"), choice(WORD_STYLES)),
    "chan": (_l("Add \"chẵn\" after round amounts"), yes_no),
    "head_name": (_l("Name of the chair (head of unit)"), plain),
    "accountant_name": (_l("Name of the accountant"), plain),
    "cashier_name": (_l("Name of the cashier"), plain),
    "books_closed_through": (_l("Books closed through"), day),
    "legal_basis": (_l("Legal basis printed under the form code"), plain),
    "voucher": (_l("Voucher"), plain),
    "vouchers": (_l("Vouchers"), plain),
    "voucher_id": (_l("Receipt"), voucher_ref),
    "mode": (_l("How"), choice(PAY_MODES)),
    # scholarships
    "amount_per_award": (_l("Amount per award"), money),
    "max_awards": (_l("Number of awards"), plain),
    "budget": (_l("Budget"), money),
    "window": (_l("Nominations"), lambda v, ctx=None: " – ".join(day(x) for x in v)
               if isinstance(v, list) else plain(v)),
    "window_start": (_l("Nominations open on"), day),
    "window_end": (_l("Nominations close on"), day),
    "ceremony_date": (_l("Award ceremony on"), day),
    "criteria": (_l("Criteria"), plain),
    "priority_groups": (_l("Priority groups"), plain),
    "tiers": (_l("Award tiers (optional)"), plain),
    "program": (_l("Program"), program_ref),
    "student": (_l("Student"), plain),
    "student_name": (_l("Student's full name"), plain),
    "school": (_l("School"), plain),
    "grade": (_l("Grade"), plain),
    "academic_result": (_l("Academic result"), plain),
    "family_circumstance": (_l("Family circumstances"), plain),
    "guardian_name": (_l("Parent or guardian"), plain),
    "guardian_phone": (_l("Guardian's phone"), plain),
    "attachments": (_l("Attached documents"), plain),
    # events, donors, donations
    "title": (_l("Title"), plain),
    "starts_at": (_l("Date and time"), moment),
    "place": (_l("Place"), plain),
    "organiser": (_l("Organiser"), plain),
    "partners": (_l("Partner organisations"), plain),
    "target_amount": (_l("Target amount"), money),
    "description": (_l("Description"), plain),
    "cancel_reason": (_l("Reason"), plain),
    "participants_students": (_l("Students"), plain),
    "participants_members": (_l("Members"), plain),
    "participants_residents": (_l("Residents"), plain),
    "books_collected": (_l("Books collected"), plain),
    "books_donated": (_l("Books donated"), plain),
    "method": (_l("Method"), choice(DONATION_METHODS)),
    "estimated_value": (_l("Estimated value"), money),
    "event_id": (_l("Event"), event_ref),
    "donor_id": (_l("Donor"), donor_ref),
    "anonymous": (_l("Anonymous (name not shown in reports)"), yes_no),
    "ack": (_l("Acknowledgement"), plain),
    "received": (_l("Received so far"), money),
    "due_on": (_l("Due on"), day),
    "tax_code": (_l("Tax code"), plain),
    "group": (_l("Class / group"), plain),
    "counts": (_l("Notes and coins"), counts),
    "sheets": (_l("Counting sheets"), count_of(_l("%(n)s sheet"), _l("%(n)s sheets"))),
    # officers
    "outside_posts": (_l("Posts held outside the association"), plain),
    "officer": (_l("Officer"), plain),
    "title_text": (_l("Title as written (optional)"), plain),
    "term": (_l("Term"), plain),
    "start_date": (_l("From"), day),
    "end_date": (_l("Until"), day),
    "full_time": (_l("Full-time"), yes_no),
    "combine": (_l("An officer with several posts gets"), choice(COMBINE)),
    "post_limit": (_l("Flag officers with more posts than"), plain),
    "cap_milli": (_l("Remuneration cap (× base salary)"), coefficient),
    "coefficient_milli": (_l("Coefficient"), coefficient),
    "basis": (_l("Legal basis"), plain),
    "month": (_l("Month"), plain),
    "lines": (_l("Lines"), plain),
    "base_salary": (_l("Base salary"), money),
    "adjustment": (_l("Adjustment"), money),
    # periodic reports and reorganisation
    "period_start": (_l("Period from"), day),
    "period_end": (_l("Period until"), day),
    "due_date": (_l("Report due on"), day),
    "levels": (_l("Levels that report"), choice(_level_labels)),
    "sections": (_l("Sections"), plain),
    "template": (_l("Report"), plain),
    "missing": (_l("Figures still missing"), plain),
    "changed": (_l("Changed"), lambda v, ctx=None: periodic_changes(v, ctx)),
    "comment": (_l("Comment"), plain),
    "version": (_l("Version"), plain),
    "size": (_l("Size"), lambda v, ctx=None: f"{format_number(-(-int(v) // 1024))} KB"
             if isinstance(v, int) else plain(v)),
    "effective": (_l("Effective date"), day),
    "operations": (_l("Operations"), plain),
    "successors": (_l("Successor units"), lambda v, ctx=None: Markup(", ").join(
        escape(unit_ref(c, ctx)) for c in v) if isinstance(v, list) else plain(v)),
}

# Keys whose meaning depends on the record: (action prefix, key) -> (label, formatter).
ACTION_KEYS: dict[tuple[str, str], tuple[Any, Callable]] = {
    ("auth.", "address"): (_l("Client address"), plain),
    ("export", "address"): (_l("Client address"), plain),
    ("event.", "kind"): (_l("Type"), choice(EVENT_KINDS)),
    ("event.", "status"): (_l("Status"), choice(EVENT_STATUSES)),
    ("donor.", "kind"): (_l("Donor is a"), choice(DONOR_KINDS)),
    ("fund.", "kind"): (_l("Kind"), choice(FUND_KINDS)),
    ("fund.", "code"): (_l("Code"), plain),
    ("position.", "title"): (_l("Post"), choice(_title_labels)),
    ("allowance_rule.", "title"): (_l("Post"), choice(_title_labels)),
    ("allowance_rule.", "kind"): (_l("Paid as"), choice(_form_choices("officers", "RuleForm",
                                                                      "kind"))),
    ("role.", "user"): (_l("User"), lambda v, ctx=None: role_person(v, ctx)),
    ("nomination.", "status"): (_l("Status"), choice(_nomination_statuses)),
    ("nomination.", "reason"): (_l("Reason"), plain),
    ("member.transfer", "from"): (_l("From"), unit_ref),
    ("member.transfer", "to"): (_l("To"), unit_ref),
    ("unit.move", "from"): (_l("From"), unit_ref),
    ("unit.move", "to"): (_l("To"), unit_ref),
    ("member.export", "status"): (_l("Status"), choice(MEMBER_STATUSES)),
    ("member.export", "kind"): (_l("Kind"), choice(MEMBER_KINDS)),
    # the member list's filters, in the words of the list's own boxes
    ("member.export", "dues"): (_l("Dues"), choice(MEMBER_DUES_FILTER)),
    ("member.export", "sub"): (_l("Including sub-units"),
                               lambda v, ctx=None: yes_no(str(v) != "0")),
    ("member.export", "sort"): (_l("Sort"), choice(MEMBER_SORTS)),
    ("member.export", "joined"): (_l("Joined in"), calendar_year),
    ("counting_sheet.receipt", "vouchers"): (_l("Receipts"), vouchers_ref),
    ("program.quotas", "*"): (None, quota),
    ("periodic.", "kind"): (_l("Kind of report"), choice(_periodic_kinds)),
    ("periodic.", "title"): (_l("Report title"), plain),
    # bank transfers (issue 33)
    ("bank_account.", "bank"): (_l("Bank"), plain),
    ("bank_account.", "bank_bin"): (_l("Bank BIN"), plain),
    ("bank_account.", "account_number"): (_l("Account number"), plain),
    ("bank_account.", "account_name"): (_l("Name on the account"), plain),
    ("bank_account.", "receiving"): (_l("Receiving account"), yes_no),
    ("bank_account.", "fund_id"): (_l("Fund"), fund_ref),
    ("bank.", "account"): (_l("Account number"), plain),
    ("bank.", "booked"): (_l("Lines booked"), plain),
    ("bank.", "vouchers"): (_l("Vouchers written"), plain),
    ("bank.", "matched"): (_l("Lines matched"), plain),
    ("bank.", "choose"): (_l("Lines needing a choice"), plain),
    ("bank.", "unmatched"): (_l("Lines without a transfer text"), plain),
    ("bank.", "debit"): (_l("Money-out lines"), plain),
    ("bank.", "imported"): (_l("Lines imported before"), plain),
    ("bank.", "members"): (_l("Members"), plain),
}

# Keys that are bookkeeping, never worth a line of their own.
HIDDEN_KEYS = {"payment", "search_key", "given_name_key", "card_token", "updated_at",
               "figures", "plan", "import",  # import: the id of the import's own entry
               "old_path", "new_path"}  # a moved unit's paths: its from/to units say it


ACTION_KEYS[("learning.score", "total")] = (_l("Points"), plain)
# A year's totals and targets are logged per learning model: {model: [[total, target], [...]]}.
ACTION_KEYS |= {("learning.denominators", model): (label, denominator)
                for model, label in _learning_models().items()}


def label_of(key: str, action: str = "") -> str:
    spec = _key_spec(key, action)
    return str(spec[0]) if spec[0] is not None else key


def _key_spec(key: str, action: str):
    for (prefix, k), spec in ACTION_KEYS.items():
        if action.startswith(prefix) and k == "*":
            return (key, spec[1])  # the key is itself a label (a unit's name)
        if action.startswith(prefix) and k == key:
            return spec
    return KEYS.get(key, (_l("Other detail"), plain))


# ---------------------------------------------------------------------------------------------
# Actions: the sentence. Placeholders: %(object)s (the record) and any data key.
# ---------------------------------------------------------------------------------------------


def _donation_create(data, obj):
    if data.get("method") == "in_kind":
        return _l("Recorded a gift in kind worth %(estimated_value)s")
    return _l("Recorded a donation, %(amount)s")


def _voucher_issue(data, obj):
    if getattr(obj, "kind", None) == "payment" or str(data.get("number", "")).startswith("PC"):
        return _l("Issued payment voucher %(number)s, %(amount)s, %(fund)s")
    return _l("Issued receipt %(number)s, %(amount)s, %(fund)s")


ACTIONS: dict[str, Any] = {
    # units and roles
    "unit.create": _l("Created unit %(name)s"),
    "unit.update": _l("Changed unit %(object)s"),
    "unit.move": _l("Moved unit %(object)s from %(from)s to %(to)s"),
    "unit.close": _l("Closed unit %(object)s on %(on)s"),
    "role.grant": _l("Gave %(user)s the role %(role)s"),
    "role.revoke": _l("Took the role %(role)s from %(user)s"),
    # users
    "user.create": _l("Created the account %(username)s"),
    "user.lock": _l("Account %(username)s locked after repeated wrong passwords"),
    "user.password": _l("Changed their own password"),
    "user.password_reset": _l("Reset the password of %(username)s"),
    "user.activate": _l("Enabled the account %(object)s"),
    "user.deactivate": _l("Disabled the account %(object)s"),
    "user.reminders": _l("Changed the e-mail reminders of %(object)s"),
    # members
    "member.create": _l("Added member %(name)s (%(number)s)"),
    "member.update": _l("Changed member %(object)s"),
    "member.transfer": _l("Transferred member %(object)s from %(from)s to %(to)s"),
    "member.end": _l("Ended the membership of %(object)s"),
    "member.reinstate": _l("Reinstated member %(object)s"),
    "member.delete": _l("Deleted member %(name)s (%(number)s)"),
    "member.merge": _l("Merged member record %(merged)s into %(object)s"),
    "member.merged_into": _l("Member record %(object)s merged into %(into)s"),
    "member.import": _l("Imported members from %(file)s"),
    "member.export": _l("Exported the member list"),
    "dues.rate": _l("Set the dues for %(year)s"),
    "dues.pay": _l("Recorded dues for %(year)s, %(amount)s, receipt %(receipt)s"),
    # treasury
    "treasury.settings": _l("Changed the treasury settings"),
    "fund.create": _l("Created fund %(name)s"),
    "fund.update": _l("Changed fund %(object)s"),
    "voucher.issue": _voucher_issue,
    "voucher.void": _l("Voided voucher %(number)s"),
    "voucher.print": _l("Printed voucher %(number)s"),
    "bank_account.create": _l("Added bank account %(account_number)s"),
    "bank_account.update": _l("Changed bank account %(object)s"),
    "bank.import": _l("Imported bank statement %(file)s"),
    "bank.export_dues_slips": _l("Printed the dues reminder slips for %(year)s"),
    "treasury.cash_move": _l("Moved %(amount)s between cash and bank: vouchers %(payment)s and "
                             "%(receipt)s"),
    # scholarships
    "program.create": _l("Created scholarship program %(name)s"),
    "program.update": _l("Changed scholarship program %(object)s"),
    "program.quotas": _l("Changed the quotas of %(object)s"),
    "nomination.create": _l("Nominated %(student)s, %(amount)s"),
    "nomination.update": _l("Changed the nomination of %(object)s"),
    "nomination.submit": _l("Submitted the nomination of %(student)s"),
    "nomination.approve": _l("Approved the nomination of %(student)s, %(amount)s"),
    "nomination.reject": _l("Rejected the nomination of %(student)s"),
    "award.pay": _l("Paid the award of %(student)s, %(amount)s, voucher %(voucher)s"),
    # events
    "event.create": _l("Created event %(title)s"),
    "event.update": _l("Changed event %(object)s"),
    "event.status": _l("Changed the status of event %(object)s"),
    "event.cancel": _l("Cancelled event %(object)s"),
    "event.delete": _l("Deleted event %(title)s"),
    "event.participation": _l("Recorded participation in %(object)s"),
    "donor.create": _l("Added donor %(name)s"),
    "donor.update": _l("Completed the details of donor %(object)s"),
    "donation.create": _donation_create,
    "pledge.create": _l("Recorded a pledge of %(amount)s"),
    "pledge.fulfil": _l("Pledge fulfilled"),
    "pledge.cancel": _l("Cancelled a pledge"),
    "counting_sheet.create": _l("Recorded counting sheet %(group)s, %(total)s"),
    "counting_sheet.delete": _l("Deleted counting sheet %(group)s, %(total)s"),
    "counting_sheet.receipt": _l("Issued receipts for the counting sheets of %(object)s"),
    # officers
    "officer.create": _l("Added officer %(full_name)s"),
    "officer.update": _l("Changed officer %(object)s"),
    "position.create": _l("Appointed %(officer)s"),
    "position.reappoint_level": _l("Re-appointed %(officer)s at a unit of another level"),
    "position.update": _l("Changed a post of %(officer)s"),
    "officer_settings.update": _l("Changed the remuneration settings"),
    "base_salary.create": _l("Set the base salary from %(from)s: %(amount)s"),
    "allowance_rule.create": _l("Set an allowance rule"),
    "allowance_rule.close": _l("Closed an allowance rule on %(to)s"),
    "remuneration_sheet.create": _l("Drew up the remuneration sheet for %(month)s, %(total)s"),
    "remuneration_sheet.recompute": _l("Recomputed the remuneration sheet %(object)s"),
    "remuneration_line.adjust": _l("Adjusted the remuneration of %(officer)s"),
    "remuneration_sheet.lock": _l("Locked the remuneration sheet for %(month)s, %(total)s"),
    "remuneration_sheet.pay": _l("Paid the remuneration sheet for %(month)s, %(total)s"),
    # periodic reports
    "periodic.template_create": _l("Created the report template %(title)s"),
    "periodic.template_edit": _l("Changed a report template"),
    "periodic.start": _l("Started the report %(template)s"),
    "periodic.refresh": _l("Refreshed the figures of a report"),
    "periodic.save": _l("Saved a report"),
    "periodic.submit": _l("Submitted a report (version %(version)s)"),
    "periodic.return": _l("Returned a report for corrections"),
    "periodic.accept": _l("Accepted a report (version %(version)s)"),
    "periodic.new_version": _l("Opened version %(version)s of a report"),
    "periodic.attach": _l("Attached %(file)s to a report"),
    "periodic.detach": _l("Removed the attachment %(file)s from a report"),
    "periodic.export": _l("Exported a report"),
    # reorganisation
    "reorg.apply": _l("Applied a reorganisation, effective %(effective)s"),
    "reorg.undo": _l("Undid a reorganisation, effective %(effective)s"),
    "unit.reopen": _l("Reopened unit %(object)s"),
    "unit.export": _l("Downloaded the data of %(object)s"),
    "event.export": _l("Exported an event report"),
    "fund.export": _l("Exported a cash book"),
    "program.export": _l("Exported a scholarship recipient list"),
    "remuneration.export": _l("Exported a remuneration sheet"),
    "officer.export": _l("Exported the officers' remuneration reports"),
    "report.export": _l("Exported a period report"),
    "member.export_cards": _l("Exported member cards"),
    "export": _l("Downloaded an export (%(file)s)"),
    # sign-in and accounts
    "auth.login": _l("Signed in from %(address)s"),
    "auth.logout": _l("Signed out from %(address)s"),
    "auth.login_failed": _l("Failed sign-in as %(username)s from %(address)s"),
    "auth.login_throttled": _l("Sign-in as %(username)s refused (too many attempts) from "
                               "%(address)s"),
    "user.end_sessions": _l("Ended every session of %(username)s"),
    "user.force_password_change": _l("Required %(username)s to change the password"),
    "user.force_password_change_cancelled": _l("No longer requires %(username)s to change "
                                               "the password"),
    # learning models
    "learning.register": _l("Registered %(name)s for %(year)s"),
    "learning.update": _l("Changed the registration of %(object)s"),
    "learning.criteria_create": _l("Created the criteria set %(name)s"),
    "learning.criteria_update": _l("Changed the criteria set %(object)s"),
    "learning.score": _l("Scored %(object)s for %(year)s: %(total)s points"),
    "learning.recognise": _l("Recorded recognition decision %(number)s for %(year)s"),
    "learning.denominators": _l("Recorded the totals and targets for %(year)s"),
    "learning.export": _l("Exported a learning-model register"),
    "learning.import": _l("Imported %(imported)s learning-model registrations for %(year)s "
                          "from %(file)s"),
    "learning.imported": _l("Registered %(object)s for %(year)s from row %(row)s of %(file)s"),
    "learning.export_rates": _l("Exported the learning-model rates"),
    "learning.withdraw": _l("Withdrew %(name)s from the register: %(reason)s"),
}

# Generic sentences by the action's last word, for actions nobody registered yet.
VERBS = {
    "create": _l("Created %(object)s"), "update": _l("Changed %(object)s"),
    "delete": _l("Deleted %(object)s"), "void": _l("Voided %(object)s"),
    "print": _l("Printed %(object)s"), "export": _l("Exported %(object)s"),
    "login": _l("Signed in"), "logout": _l("Signed out"),
}

# object_type -> (what it is called, its page: endpoint, id argument, view action, name)
OBJECTS: dict[str, tuple[Any, str | None, str, str, Callable]] = {
    "member": (_l("member"), "members.show", "member_id", "member.view",
               lambda o: f"{o.full_name} ({o.display_number})"),
    "voucher": (_l("voucher"), "treasury.voucher", "voucher_id", "voucher.view",
                lambda o: o.display_number),
    "event": (_l("event"), "events.show", "event_id", "event.view", lambda o: o.title),
    "donor": (_l("donor"), "events.donor", "donor_id", "event.view", lambda o: o.name),
    "donation": (_l("donation"), "events.donation", "donation_id", "event.view",
                 lambda o: o.ack_display or format_money(o.amount or o.estimated_value or 0)),
    "unit": (_l("unit"), "units.show", "unit_id", "unit.view", lambda o: o.name),
    "officer": (_l("officer"), "officers.show", "officer_id", "officer.view",
                lambda o: o.full_name),
    "remunerationsheet": (_l("remuneration sheet"), "officers.sheet", "sheet_id",
                          "officer.view", lambda o: o.label),
    "scholarshipprogram": (_l("scholarship program"), "scholarships.program", "program_id",
                           "program.view", lambda o: o.name),
    "nomination": (_l("nomination"), "scholarships.nomination", "nomination_id",
                   "nomination.view", lambda o: o.student_name),
    "user": (_l("account"), None, "", "", lambda o: o.full_name or o.username),
    "fund": (_l("fund"), None, "", "", lambda o: o.name),
    "bankaccount": (_l("bank account"), None, "", "", lambda o: o.account_number),
    "bankstatement": (_l("bank statement"), None, "", "", lambda o: o.filename),
    "learningentry": (_l("learning-model entry"), "learning.entry", "entry_id", "learning.view",
                      lambda o: o.name),
}

MODELS = {"member": m.Member, "voucher": m.Voucher, "event": m.Event, "donor": m.Donor,
          "donation": m.Donation, "unit": m.Unit, "officer": m.Officer,
          "remunerationsheet": m.RemunerationSheet, "scholarshipprogram": m.ScholarshipProgram,
          "nomination": m.Nomination, "user": m.User, "fund": m.Fund,
          "learningentry": m.LearningEntry, "bankaccount": m.BankAccount,
          "bankstatement": m.BankStatement}


@dataclass
class Sentence:
    text: Markup
    details: list[tuple[str, Markup]]


def _fmt(spec, value, ctx) -> Markup:
    label, formatter = spec
    try:
        return escape(formatter(value, ctx))
    except Exception:  # noqa: BLE001 - an odd old value must not break a history page
        return escape(plain(value))


def _object_text(entry, obj, ctx) -> Markup:
    spec = OBJECTS.get(entry.object_type)
    if spec is None or obj is None:
        return escape(_("a record"))
    noun, endpoint, arg, action, name = spec
    try:
        text = name(obj)
    except Exception:  # noqa: BLE001
        text = str(noun)
    if endpoint is None:
        return escape(text)
    if entry.object_type == "nomination":
        from .permissions import can_view_program

        allowed = ctx.viewer is not None and can_view_program(ctx.viewer, obj.program)
    elif entry.object_type == "scholarshipprogram":
        from .permissions import can_view_program

        allowed = ctx.viewer is not None and can_view_program(ctx.viewer, obj)
    else:
        unit = obj if entry.object_type == "unit" else getattr(obj, "unit", None)
        allowed = ctx.may(action, unit)
    return _link(text, endpoint, **{arg: obj.id}) if allowed else escape(text)


# Keys whose value is a pair without being a change [old, new].
NOT_CHANGES = ("window", "numbers", "possible_imported", "possible_skipped")


def _is_change(value) -> bool:
    return isinstance(value, list) and len(value) == 2


def describe(entry: m.AuditEntry, viewer=None) -> Sentence:
    """The entry as a sentence plus labelled details, escaped and ready for a template."""
    ctx = Context(viewer, entry)
    data = entry.data if isinstance(entry.data, dict) else {}
    model = MODELS.get(entry.object_type)
    obj = db.session.get(model, entry.object_id) if model and entry.object_id else None

    template = ACTIONS.get(entry.action)
    if callable(template) and not isinstance(template, (str, LazyString)):
        template = template(data, obj)
    if template is None:
        verb = entry.action.rsplit(".", 1)[-1]
        template = VERBS.get(verb, _l("Changed %(object)s"))
    template = str(template)

    values: dict[str, Markup] = {"object": _object_text(entry, obj, ctx)}
    used = set()
    for key, value in data.items():
        spec = _key_spec(key, entry.action)
        if f"%({key})s" in template:
            used.add(key)
            values[key] = _fmt(spec, value[1] if _is_change(value) and spec[1] is not quota
                               else value, ctx)
    for key in _placeholders(template) - values.keys():
        values[key] = Markup("—")
    text = Markup(escape(template) % values) if values else escape(template)

    details = []
    for key, value in data.items():
        if key in used or key in HIDDEN_KEYS or value in ({}, [], None, ""):
            continue
        if entry.action == "donation.create" and key in ("amount", "estimated_value") and not value:
            continue  # a cash gift has no estimated value, a gift in kind no amount
        spec = _key_spec(key, entry.action)
        label = escape(spec[0] if spec[0] is not None else key)
        if _is_change(value) and spec[1] is not quota and key not in NOT_CHANGES:
            before, after = _fmt(spec, value[0], ctx), _fmt(spec, value[1], ctx)
            if before == after:
                continue  # an older entry's "08:00 → 08:00": nothing changed there
            shown = Markup("{} → {}").format(before, after)
        else:
            shown = _fmt(spec, value, ctx)
        details.append((label, shown))
    return Sentence(text, details)


def _placeholders(template: str) -> set[str]:
    import re

    return set(re.findall(r"%\((\w+)\)s", template))
