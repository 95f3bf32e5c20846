"""The figure catalogue: every figure the app shows or prints, defined once.

A figure has a key ("members.total"), a label (English source; the Vietnamese is the label
shown and printed), a unit of measure (people, records, đồng, %), what it includes and what
it leaves out, and the one function that computes it for a scope (services.reports.Scope or
a periodic report's OwnScope) and a period: the `compute` of its group, which returns every
figure of the group at once (one set of queries for the group, as the roll-ups are read).

A breakdown is a figure whose parts are figures (`part_of`): the group's function computes
the parts and lets one part ("other") take what is left, so the parts add up to the total by
construction. A rate names its basis in its label ("recognised / registered" is not
"recognised / households").

Dashboards, the period report, the periodic reports (prefill, compilation, exports), the
learning-model rates and the scholarship program report take their labels from here; the
glossary page (/figures) lists the catalogue with the definitions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from .extensions import db
from .models import (
    EVENT_KINDS,
    INTERNAL_LINKS,
    LEARNING_MODELS,
    PRIORITY_GROUPS,
    Donation,
    Event,
    LearningEntry,
    Member,
    Nomination,
    RemunerationSheet,
    Voucher,
    today,
)
from .services import reports as rep
from .services.learning import MODEL_LABELS, rate_cells
from .services.scholarships import PRIORITY_LABELS, program_report

UNITS = {
    "people": _l("people"),
    "records": _l("number"),
    "money": _l("đồng"),
    "percent": _l("%"),
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: object  # a lazy string: English source, shown in the user's language
    unit: str  # a key of UNITS
    includes: object = ""
    excludes: object = ""
    group: str = ""
    percent_of: str | None = None  # shown with its share of that figure ("20 (48%)")
    part_of: str | None = None  # a part of that figure's breakdown (the parts add up to it)
    basis: object = ""  # a rate: what it divides by, as its label says
    short: object = ""  # the label as a column heading (the period report), when shorter

    @property
    def heading(self):
        return self.short or self.label

    @property
    def money(self) -> bool:
        return self.unit == "money"

    @property
    def anchor(self) -> str:
        return "fig-" + self.key.replace(".", "-")


@dataclass(frozen=True)
class Group:
    key: str
    label: object
    keys: tuple[str, ...]
    compute: Callable[..., dict[str, int]] | None
    reported: bool  # a section periodic report templates may hold
    where: object = ""  # where the group is shown, for the glossary

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(FIGURES[k] for k in self.keys)


FIGURES: dict[str, Figure] = {}
GROUPS: dict[str, Group] = {}


def group(key: str, label, figures: list[Figure], *, reported: bool = True, where=""):
    """Register a group of figures and `compute(scope, period) -> {figure key: value}`."""

    def register(compute):
        for f in figures:
            assert f.key not in FIGURES, f.key
            FIGURES[f.key] = Figure(**{**f.__dict__, "group": key})
        GROUPS[key] = Group(key, label, tuple(f.key for f in figures), compute, reported, where)
        return compute

    return register


def figure(key: str) -> Figure:
    return FIGURES[key]


def label(key: str) -> str:
    return str(FIGURES[key].label)


def parts_of(key: str) -> list[Figure]:
    return [f for f in FIGURES.values() if f.part_of == key]


def compute(keys, scope, period) -> dict[str, int]:
    """The values of `keys` for the scope and period, each group computed once."""
    values: dict[str, int] = {}
    for g in dict.fromkeys(FIGURES[k].group for k in keys):
        values.update(GROUPS[g].compute(scope, period))
    return {k: values[k] for k in keys}


def reported_groups() -> dict[str, Group]:
    return {k: g for k, g in GROUPS.items() if g.reported}


# ---------------------------------------------------------------------------------------------
# Labels of the kinds a breakdown goes by
# ---------------------------------------------------------------------------------------------

EVENT_KIND_LABELS = {
    "walk": _l("Fundraising walk"),
    "reading_day": _l("Reading-culture day"),
    "piggy_bank": _l("Piggy-bank opening festival"),
    "award_ceremony": _l("Scholarship award ceremony"),
    "other": _l("Other"),
}
assert set(EVENT_KIND_LABELS) == set(EVENT_KINDS)
FUND_KINDS = tuple(k for k in EVENT_KINDS if k != "other") + ("other",)  # "other" last


# What each model's recorded total counts (the denominator of its coverage rate).
BASIS_LABELS = {
    "family": _l("recognised / households"),
    "clan": _l("recognised / clans"),
    "community": _l("recognised / communities"),
    "organisation": _l("recognised / organisations"),
    "citizen": _l("recognised / total recorded"),
}
REGISTERED_BASIS = _l("recognised / registered")
assert set(MODEL_LABELS) == set(BASIS_LABELS) == set(LEARNING_MODELS)


# ---------------------------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------------------------


@group("members", _l("Members"), [
    Figure("members.total", _l("Members"), "people",
           _l("Active members at the end of the period, counted at the unit they belonged to "
              "then (a transfer or merger since does not move them)."),
           _l("Members who left, died or were removed.")),
    Figure("members.new", _l("New members in the period"), "people",
           _l("Active members whose joining date lies in the period."),
           _l("Members who joined earlier and moved in by transfer."),
           short=_l("New members")),
    Figure("members.dues_paid", _l("Members who paid the year's dues"), "people",
           _l("Members with a dues payment (not voided) for the year the period ends in."),
           _l("Payments whose receipt was voided."), percent_of="members.total"),
    Figure("members.dues", _l("Dues collected"), "money",
           _l("Dues received in the period, on the day of payment."),
           _l("Voided receipts.")),
])
def _members(scope, period):
    figures = rep.member_figures(scope, period)
    return {"members.total": figures.total, "members.new": figures.new,
            "members.dues_paid": figures.dues_paid, "members.dues": figures.dues}


@group("members_left", _l("Members who left"), [
    Figure("members.left", _l("Members who left in the period"), "people",
           _l("Members whose membership ended (left, died, removed) on a day in the period, "
              "counted at the unit they were a member of."),
           _l("Records merged as duplicates of another member; transfers between units."),
           short=_l("Left")),
], reported=False, where=_l("Dashboard (members card)"))
def _members_left(scope, period):
    at = scope.at(period.end) if hasattr(scope, "at") else scope
    return {"members.left": int(db.session.scalar(
        select(func.count()).select_from(Member)
        .where(at.covers(Member.unit_id), Member.status == "ended",
               Member.ended_on.between(period.start, period.end))) or 0)}


# ---------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------


@group("money", _l("Money"), [
    Figure("money.in", _l("Money in (receipts)"), "money",
           _l("Receipt vouchers (phiếu thu) issued in the period, in every fund, cash and "
              "bank."),
           _l("Voided vouchers; money moved between our own books (handovers, cash to bank), "
              "which is neither income nor spending."),
           short=_l("Money in")),
    Figure("money.out", _l("Money out (payment vouchers)"), "money",
           _l("Payment vouchers (phiếu chi) issued in the period, in every fund."),
           _l("Voided vouchers; money moved between our own books."),
           short=_l("Money out")),
])
def _money(scope, period):
    figures = rep.money_figures(scope, period)
    return {"money.in": figures.money_in, "money.out": figures.money_out}


@group("balance", _l("Balance"), [
    Figure("money.balance", _l("Balance at the end of the period"), "money",
           _l("Every receipt less every payment up to the end of the period, all funds, cash "
              "and bank together."),
           _l("Voided vouchers.")),
    Figure("money.balance.cash", _l("– of which: cash on hand"), "money",
           _l("Receipts less payments in cash up to the end of the period, all funds; a "
              "deposit to the bank moves money from this line to the next."),
           _l("Voided vouchers."), part_of="money.balance"),
    Figure("money.balance.bank", _l("– of which: in the bank"), "money",
           _l("The balance less the cash on hand: receipts less payments by transfer."),
           _l("Voided vouchers."), part_of="money.balance"),
], reported=False, where=_l("Dashboard"))
def _balance(scope, period):
    """The balance, and its parts: cash on hand read from the vouchers paid or received in
    cash; the bank balance is the rest, so the parts add up to the balance by construction."""
    balance = rep.money_figures(scope, period).balance
    at = scope.at(period.end) if hasattr(scope, "at") else scope
    cash = int(db.session.scalar(
        select(func.coalesce(func.sum(case((Voucher.kind == "receipt", Voucher.amount),
                                           else_=-Voucher.amount)), 0))
        .where(at.covers(Voucher.unit_id), Voucher.status != "void", Voucher.method == "cash",
               Voucher.voucher_date <= period.end)) or 0)
    return {"money.balance": balance, "money.balance.cash": cash,
            "money.balance.bank": balance - cash}


# Where money in comes from: the parts of money.in ("other" takes the rest).
MONEY_SOURCES = ("dues", "donations", *(f"events.{k}" for k in FUND_KINDS), "counting",
                 "other")


@group("money_sources", _l("Money in by source"), [
    Figure("money.in.dues", _l("– of which: dues"), "money",
           _l("Receipts issued for members' dues payments."), _l("Voided receipts."),
           part_of="money.in"),
    Figure("money.in.donations", _l("– of which: gifts outside events"), "money",
           _l("Receipts issued for gifts in cash or transfers that belong to no event."),
           _l("Gifts at events (their own lines); gifts in kind (no receipt)."),
           part_of="money.in"),
    *(Figure(f"money.in.events.{k}", _l("– of which: gifts at events: %(kind)s",
                                        kind=EVENT_KIND_LABELS[k]), "money",
             _l("Receipts issued for gifts in cash or transfers at events of this kind."),
             _l("The piggy banks' counting sheets (their own line)."), part_of="money.in")
      for k in FUND_KINDS),
    Figure("money.in.counting", _l("– of which: piggy-bank counting sheets"), "money",
           _l("Receipts issued for the counting sheets of piggy banks opened at events."),
           _l("Gifts at events (their own lines)."), part_of="money.in"),
    Figure("money.in.other", _l("– of which: other receipts"), "money",
           _l("Every other receipt of the period (money in less the lines above), e.g. "
              "refunds, interest, support from the level above."),
           _l("Nothing else: the parts add up to money in."), part_of="money.in"),
], reported=False, where=_l("Dashboard (money card)"))
def _money_sources(scope, period):
    """Money in broken down by what each receipt was issued for (Voucher.link_type: a dues
    payment, a gift — at an event of a kind or outside events —, a counting sheet); the rest is
    "other", so the parts add up to money in (the roll-ups' figure) by construction."""
    at = scope.at(period.end) if hasattr(scope, "at") else scope
    if rep.whole_months(period):
        money_in = rep.money_figures(scope, period).money_in
    else:  # days of a month: read as the period report reads them
        money_in = rep._flows(rep.pieces(period), at.keys).get(0, {}).get("money_in", 0)
    is_gift = and_(Voucher.link_type == "donation", Donation.id == Voucher.link_id)
    rows = db.session.execute(
        select(Voucher.link_type, Event.kind, func.coalesce(func.sum(Voucher.amount), 0))
        .select_from(Voucher)
        .outerjoin(Donation, is_gift).outerjoin(Event, Event.id == Donation.event_id)
        .where(at.covers(Voucher.unit_id), Voucher.kind == "receipt",
               Voucher.status != "void",
               or_(Voucher.link_type.is_(None), Voucher.link_type.not_in(INTERNAL_LINKS)),
               Voucher.voucher_date.between(period.start, period.end))
        .group_by(Voucher.link_type, Event.kind)).all()
    values = {f"money.in.{s}": 0 for s in MONEY_SOURCES}
    for link, kind, amount in rows:
        if link == "dues":
            key = "money.in.dues"
        elif link == "donation":
            key = f"money.in.events.{kind}" if kind else "money.in.donations"
        elif link == "event":
            key = "money.in.counting"
        else:
            continue
        values[key] += int(amount)
    values["money.in.other"] = money_in - sum(v for k, v in values.items()
                                              if k != "money.in.other")
    return values


# ---------------------------------------------------------------------------------------------
# Funds raised
# ---------------------------------------------------------------------------------------------


@group("funds", _l("Funds raised"), [
    Figure("funds.raised", _l("Raised at events in cash and transfers"), "money",
           _l("Gifts in cash and transfers and the piggy banks' counting sheets of the events "
              "that start in the period and are not cancelled, at the event's unit."),
           _l("Gifts in kind (their estimated value is a figure of its own); gifts received "
              "outside events."),
           short=_l("Raised at events")),
    *(Figure(f"funds.kind.{k}", _l("– of which at: %(kind)s", kind=EVENT_KIND_LABELS[k]),
             "money", _l("The part raised at events of this kind."),
             _l("Nothing else: the parts add up to the total.") if k == "other" else "",
             part_of="funds.raised") for k in FUND_KINDS),
    Figure("funds.kind.none", _l("Gifts in cash and transfers outside events (not counted "
                                 "above)"), "money",
           _l("Gifts in cash and transfers received in the period that belong to no event."),
           _l("Gifts at events; gifts in kind.")),
    Figure("funds.in_kind", _l("Gifts in kind (estimated value)"), "money",
           _l("The estimated value of gifts in kind at the period's events."),
           _l("Money.")),
])
def _funds(scope, period):
    """Raised at events as the dashboard counts it (donations in cash and transfers and
    counting sheets, at the event's unit, in the event's month), broken down by the kind of
    event: the parts are read from the records; "other" takes what is left, so the parts add
    up to the total by construction."""
    figures = rep.event_figures(scope, period)
    result = {"funds.raised": figures.raised, "funds.in_kind": figures.in_kind}
    by_kind = rep.raised_by_kind(scope, period)
    for k in FUND_KINDS[:-1]:
        result[f"funds.kind.{k}"] = by_kind.get(k, 0)
    result["funds.kind.other"] = figures.raised - sum(by_kind.get(k, 0) for k in FUND_KINDS[:-1])
    result["funds.kind.none"] = int(db.session.scalar(
        select(func.coalesce(func.sum(Donation.amount), 0))
        .where(scope.covers(Donation.unit_id), Donation.event_id.is_(None),
               Donation.method != "in_kind",
               Donation.received_on.between(period.start, period.end))) or 0)
    return result


# ---------------------------------------------------------------------------------------------
# Scholarships
# ---------------------------------------------------------------------------------------------


@group("scholarships", _l("Scholarships"), [
    Figure("awards.count", _l("Scholarships awarded"), "records",
           _l("Nominations approved or paid, by the day they were decided, in the period."),
           _l("Drafts, submitted nominations not yet decided, rejected ones."),
           short=_l("Awards")),
    Figure("awards.amount", _l("Amount awarded"), "money",
           _l("The amount of the scholarships awarded in the period."),
           _l("Rejected nominations."),
           short=_l("Award amount")),
    Figure("awards.paid", _l("Amount paid out"), "money",
           _l("The amount of the scholarships awarded in the period and already paid."),
           _l("Awards not paid yet.")),
    *(Figure(f"awards.group.{g}", _l("– awards to: %(group)s", group=PRIORITY_LABELS[g]),
             "records", _l("Awards to students of this priority group."),
             _l("A student may be in several groups (or none): these lines need not add up "
                "to the awards."))
      for g in PRIORITY_GROUPS),
])
def _scholarships(scope, period):
    figures = rep.award_figures(scope, period)
    result = {"awards.count": figures.count, "awards.amount": figures.amount,
              "awards.paid": figures.paid}
    result.update({f"awards.group.{g}": 0 for g in PRIORITY_GROUPS})
    for (groups,) in db.session.execute(
            select(Nomination.priority_groups).where(
                scope.covers(Nomination.unit_id), Nomination.status.in_(rep.AWARDED),
                rep.within(Nomination.decided_at, period))):
        for g in set(groups or ()):
            if g in PRIORITY_GROUPS:
                result[f"awards.group.{g}"] += 1
    return result


@group("nominations", _l("Scholarship nominations"), [
    Figure("awards.nominated", _l("Students nominated"), "records",
           _l("Nominations submitted in the period (by the day they were submitted), whatever "
              "was decided since: approved, paid, rejected or not decided yet."),
           _l("Drafts not submitted."), short=_l("Nominated")),
    Figure("awards.nominated_amount", _l("Amount nominated"), "money",
           _l("The amount proposed in those nominations."), _l("Drafts not submitted.")),
], reported=False, where=_l("Dashboard (scholarships card)"))
def _nominations(scope, period):
    at = scope.at(period.end) if hasattr(scope, "at") else scope
    count, amount = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Nomination.amount), 0))
        .where(at.covers(Nomination.unit_id), Nomination.status != "draft",
               rep.within(Nomination.submitted_at, period))).one()
    return {"awards.nominated": int(count), "awards.nominated_amount": int(amount)}


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


@group("events", _l("Events"), [
    Figure("events.held", _l("Events held"), "records",
           _l("Events held or closed that start in the period."),
           _l("Planned and cancelled events.")),
    *(Figure(f"events.kind.{k}", _l("– %(kind)s", kind=EVENT_KIND_LABELS[k]), "records",
             _l("Events of this kind held in the period."), "", part_of="events.held")
      for k in FUND_KINDS),
    Figure("events.participants", _l("Participants"), "people",
           _l("Students, members and residents recorded as taking part in the events held."),
           _l("Events without a participation record count none.")),
])
def _events(scope, period):
    figures = rep.event_figures(scope, period)
    result = {"events.held": figures.held, "events.participants": 0}
    result.update({f"events.kind.{k}": 0 for k in EVENT_KINDS})
    for kind, count, people in db.session.execute(
            select(Event.kind, func.count(),
                   func.coalesce(func.sum(Event.participants_students + Event.participants_members
                                          + Event.participants_residents), 0))
            .where(scope.covers(Event.unit_id), Event.status.in_(rep.HELD),
                   rep.within(Event.starts_at, period)).group_by(Event.kind)):
        result[f"events.kind.{kind}"] = int(count)
        result["events.participants"] += int(people)
    # The held events by kind add up to the events held (the roll-ups' count).
    result["events.kind.other"] = figures.held - sum(result[f"events.kind.{k}"]
                                                     for k in FUND_KINDS[:-1])
    return result


# ---------------------------------------------------------------------------------------------
# Officers and coverage
# ---------------------------------------------------------------------------------------------


@group("officers", _l("Officers and allowances"), [
    Figure("officers.count", _l("Officers"), "people",
           _l("Distinct persons holding at least one post in the scope on the last day of the "
              "period (or today): one person with posts at the district and at a ward counts "
              "once."),
           _l("Posts that ended; vacant posts.")),
    Figure("officers.posts", _l("Posts held"), "records",
           _l("Posts held on that day: a person with two posts counts twice."),
           _l("Posts that ended.")),
    Figure("officers.allowances", _l("Allowances paid"), "money",
           _l("The total of the remuneration sheets paid for the months of the period."),
           _l("Sheets in draft or not yet paid.")),
])
def _officers(scope, period):
    figures = rep.officer_figures(scope, min(period.end, today()))
    month = RemunerationSheet.year * 100 + RemunerationSheet.month
    allowances = db.session.scalar(
        select(func.coalesce(func.sum(RemunerationSheet.total), 0)).where(
            scope.covers(RemunerationSheet.unit_id), RemunerationSheet.status == "paid",
            month.between(period.start.year * 100 + period.start.month,
                          period.end.year * 100 + period.end.month)))
    return {"officers.count": figures.officers, "officers.posts": figures.posts,
            "officers.allowances": int(allowances or 0)}


@group("vacancies", _l("Vacant key posts"), [
    Figure("officers.vacant", _l("Units with a vacant key post"), "records",
           _l("Active units of the scope where a key post of their level (chair, vice-chair, "
              "…) is held by nobody today."),
           _l("Closed units.")),
], reported=False, where=_l("Dashboard"))
def _vacancies(scope, period):
    return {"officers.vacant": rep.officer_figures(scope, min(period.end, today())).vacant}


@group("coverage", _l("Coverage"), [
    Figure("coverage.units", _l("Units below with an association"), "records",
           _l("Active units below (districts, communes, branches, boards); in a periodic "
              "report a reporting unit below counts as one unit (its report counts those "
              "under it)."),
           _l("The unit itself; closed units.")),
    Figure("coverage.with_chair", _l("– of which with a chair"), "records",
           _l("Those of them with a chair role, or a chair or head post."),
           _l("Units whose chair post is vacant."), percent_of="coverage.units"),
])
def _coverage(scope, period):
    """Units below with an association, and with a chair. The reporting units below count the
    units under them in their own reports; here they count as units themselves."""
    on = min(period.end, today())
    excluded, predecessors = getattr(scope, "excluded", ()), getattr(scope, "predecessors", ())
    if excluded or predecessors:
        below = {u.id for u in excluded}
        figures = rep.coverage(scope.unit, on, only=set(scope.own_ids) | below)
    else:
        figures = rep.coverage(scope.unit, on)
    return {"coverage.units": figures.total, "coverage.with_chair": figures.with_chair}


# ---------------------------------------------------------------------------------------------
# Learning models
# ---------------------------------------------------------------------------------------------


def _learning_figures() -> list[Figure]:
    rows = []
    for model, name in MODEL_LABELS.items():
        rows += [
            Figure(f"learning.{model}.registered", _l("%(model)s: registered", model=name),
                   "records",
                   _l("Entries registered for the year the period ends in, in the scope."),
                   _l("Entries of other years.")),
            Figure(f"learning.{model}.recognised",
                   _l("%(model)s: recognised (recognised / registered)", model=name), "records",
                   _l("Entries of that year recognised by a decision; the share shown beside it "
                      "is of the entries registered."),
                   _l("Entries assessed but not recognised."),
                   percent_of=f"learning.{model}.registered", basis=REGISTERED_BASIS),
        ]
    return rows


@group("learning", _l("Learning models"), _learning_figures())
def _learning(scope, period):
    """Entries registered and recognised for the period's last year, per model (the same
    records the learning-model rates count)."""
    values = {f"learning.{m}.{k}": 0 for m in LEARNING_MODELS
              for k in ("registered", "recognised")}
    for model, registered, recognised in db.session.execute(
            select(LearningEntry.model, func.count(), func.count(LearningEntry.recognition_id))
            .where(LearningEntry.year == period.end.year, scope.covers(LearningEntry.unit_id),
                   LearningEntry.withdrawn_at.is_(None))
            .group_by(LearningEntry.model)):
        values[f"learning.{model}.registered"] = int(registered)
        values[f"learning.{model}.recognised"] = int(recognised)
    return values


def _rate_figures() -> list[Figure]:
    rows = []
    for model, name in MODEL_LABELS.items():
        rows += [
            Figure(f"learning.{model}.assessed", _l("%(model)s: assessed", model=name),
                   "records", _l("Entries of the year with a filled-in score sheet."), ""),
            Figure(f"learning.{model}.total", _l("%(model)s: total in the area", model=name),
                   "records",
                   _l("The total the unit recorded for the year (households, clans, "
                      "communities, organisations); a unit without one adds up its "
                      "sub-units'."), _l("Units that recorded nothing.")),
            Figure(f"learning.{model}.rate", _l("%(model)s: %(basis)s", model=name,
                                                basis=BASIS_LABELS[model]), "percent",
                   _l("Recognised entries of the year as a percentage of the total in the area "
                      "(one decimal); “—” when no total is recorded."),
                   _l("This is not the share of the registered entries (that one is shown in "
                      "periodic reports, labelled recognised / registered)."),
                   basis=BASIS_LABELS[model]),
        ]
    return rows


@group("learning_rates", _l("Learning-model rates"), _rate_figures(), reported=False,
       where=_l("Dashboard card and the rates table"))
def _learning_rates(scope, period):
    values = {}
    for model, cell in rate_cells(scope.unit, period.end.year, subtree=scope.subtree).items():
        values[f"learning.{model}.assessed"] = cell.assessed
        values[f"learning.{model}.total"] = cell.denominator
        values[f"learning.{model}.rate"] = cell.recognised_percent
    return values


# ---------------------------------------------------------------------------------------------
# Scholarship programs (per program, not per scope: the program report)
# ---------------------------------------------------------------------------------------------


@group("program", _l("Scholarship program report"), [
    Figure("program.nominated", _l("Nominated"), "records",
           _l("Nominations submitted or decided."), _l("Drafts.")),
    Figure("program.approved", _l("Approved"), "records",
           _l("Nominations approved or paid."), ""),
    Figure("program.rejected", _l("Rejected"), "records", _l("Nominations rejected."), ""),
    Figure("program.approved_amount", _l("Amount approved"), "money",
           _l("The amount of the nominations approved or paid."), ""),
    Figure("program.paid_amount", _l("Amount paid"), "money",
           _l("The amount of the nominations paid."), ""),
], reported=False, where=_l("Program report: a unit the viewer may not see is shown as “—”, "
                            "never as 0"))
def _program(program, nominations):
    total = program_report(program, nominations).total
    return {"program.nominated": total.nominated.count,
            "program.approved": total.approved.count,
            "program.rejected": total.rejected.count,
            "program.approved_amount": total.approved.amount,
            "program.paid_amount": total.paid.amount}


# The period report's columns, as catalogue figures.
REPORT_COLUMNS = {
    "members": "members.total",
    "new_members": "members.new",
    "dues": "members.dues",
    "money_in": "money.in",
    "money_out": "money.out",
    "awards": "awards.count",
    "award_amount": "awards.amount",
    "events": "events.held",
    "raised": "funds.raised",
}
