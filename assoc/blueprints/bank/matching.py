"""Statement lines matched to what the association asked money for, then booked.

    preview = match(account, statement)        # reads only: groups and proposals
    summary = book(actor, account, preview, decisions)   # one transaction's writes (flush)

Groups: matched (one dues/pledge/event by its transfer code, the amount fits), choose (a code
but the amount does not fit, or several codes), unmatched (no code; or a code of another unit's
member, reported and never booked here), debits (bank fees: booked only when chosen),
imported (the fingerprint was booked before: never booked twice).

A credit line of dues: the amount is the year's dues, or a whole multiple (several years from
the year named). Pledges may be paid in parts. A line without a code may be booked by hand as
a donation of one of the unit's donors, or as other income."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...extensions import db
from ...models import (
    BankAccount,
    BankStatement,
    BankStatementLine,
    Donor,
    Event,
    Member,
    Pledge,
    User,
    Voucher,
    VoucherBook,
    format_member_number,
    today,
    utcnow,
)
from ...money import format_money
from ...services import DomainError, audit, treasury
from ...services import events as event_svc
from ...services import members as member_svc
from . import banks, transfer_codes
from .statements import ParsedStatement, StatementLine, with_fingerprints

GROUPS = ("matched", "choose", "unmatched", "debit", "imported")


@dataclass
class Option:
    """One way to book a line: `key` is what a form sends back."""

    key: str
    kind: str                 # dues | pledge | event | donor | other | fee
    label: str
    member_id: int | None = None
    years: list[int] = field(default_factory=list)
    per_year: int = 0
    pledge_id: int | None = None
    event_id: int | None = None
    donor_id: int | None = None


@dataclass
class MatchedLine:
    line: StatementLine
    group: str
    options: list[Option] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    voucher_date: date | None = None

    @property
    def proposal(self) -> Option | None:
        return self.options[0] if self.group == "matched" and self.options else None

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass
class Preview:
    account: BankAccount
    statement: ParsedStatement
    lines: list[MatchedLine] = field(default_factory=list)

    def group(self, name: str) -> list[MatchedLine]:
        return [m for m in self.lines if m.group == name]

    def counts(self) -> dict[str, int]:
        return {g: len(self.group(g)) for g in GROUPS}

    def summary_line(self) -> str:
        c = self.counts()
        return (f"matched: {c['matched']}, to choose: {c['choose']}, "
                f"unmatched: {c['unmatched']}, already imported: {c['imported']}")


def _money(amount: int) -> str:
    return format_money(amount)


def _dues_options(account: BankAccount, line: StatementLine, member: Member,
                  found: transfer_codes.Found, notes: list[str]) -> tuple[list[Option], bool]:
    """(options, fits): the dues the line can pay; `fits` when the amount is exactly one or
    several years' dues."""
    years = found.member_years.get(member.number) or found.years or [line.on.year]
    first = min(years)
    label_member = f"{member.full_name} ({member.display_number})"
    if member.status != "active":
        notes.append(_("The membership of %(m)s has ended.", m=label_member))
        return [], False
    rate = member_svc.dues_rate(member.unit, first)
    if rate is None:
        notes.append(_("No dues amount is set for %(year)s.", year=first))
        return [], False
    options: list[Option] = []
    if line.amount % rate == 0:
        count = line.amount // rate
        span = list(range(first, first + count))
        problems = [y for y in span if member_svc.dues_paid(member, y) is not None]
        too_late = [y for y in span if y > today().year + 1]
        if problems:
            notes.append(_("Dues of %(m)s for %(years)s are already paid.", m=label_member,
                           years=", ".join(map(str, problems))))
        elif too_late:
            notes.append(_("Dues cannot be paid for %(years)s yet.",
                           years=", ".join(map(str, too_late))))
        else:
            years_text = ", ".join(map(str, span))
            options.append(Option(
                key=f"dues:{member.id}:{first}:{count}", kind="dues",
                label=_("Dues of %(m)s for %(years)s (%(amount)s a year)", m=label_member,
                        years=years_text, amount=_money(rate)),
                member_id=member.id, years=span, per_year=rate))
            return options, True
    else:
        notes.append(_("%(amount)s is not a whole number of years' dues (%(rate)s a year).",
                       amount=_money(line.amount), rate=_money(rate)))
    if member_svc.dues_paid(member, first) is None and line.amount <= rate * 20:
        options.append(Option(
            key=f"dues:{member.id}:{first}:amount", kind="dues",
            label=_("Dues of %(m)s for %(year)s, at the amount received", m=label_member,
                    year=first),
            member_id=member.id, years=[first], per_year=line.amount))
    return options, False


def _credit(account: BankAccount, line: StatementLine) -> MatchedLine:
    found = transfer_codes.find(line.description)
    notes: list[str] = []
    candidates: list[tuple[Option, bool]] = []
    unit = account.unit
    for number in found.members:
        member = db.session.scalar(select(Member).where(Member.number == number))
        if member is None:
            notes.append(_("No member has number %(n)s.", n=format_member_number(number)))
            continue
        if member_svc.collecting_unit(member).id != unit.id:
            notes.append(_("%(n)s is a member of %(unit)s, not of this unit: not booked here.",
                           n=format_member_number(number), unit=member.unit.name))
            continue
        options, fits = _dues_options(account, line, member, found, notes)
        candidates.extend((o, fits) for o in options)
    for number in found.pledges:
        pledge = db.session.scalar(select(Pledge).where(Pledge.number == number))
        code = transfer_codes.pledge_code(number)
        if pledge is None or pledge.unit_id != unit.id:
            notes.append(_("Pledge %(code)s is not one of this unit's.", code=code))
            continue
        if pledge.status != "open":
            notes.append(_("Pledge %(code)s is not open.", code=code))
            continue
        fits = line.amount <= pledge.outstanding
        if not fits:
            notes.append(_("%(amount)s is more than the %(left)s still pledged.",
                           amount=_money(line.amount), left=_money(pledge.outstanding)))
        candidates.append((Option(
            key=f"pledge:{pledge.id}", kind="pledge", pledge_id=pledge.id,
            label=_("Pledge %(code)s of %(donor)s (%(left)s still pledged)", code=code,
                    donor=pledge.donor.name, left=_money(pledge.outstanding))), fits))
    for number in found.events:
        event = db.session.scalar(select(Event).where(Event.number == number))
        code = transfer_codes.event_code(number)
        if event is None or event.unit_id != unit.id:
            notes.append(_("Event %(code)s is not one of this unit's.", code=code))
            continue
        if not event.accepts_donations:
            notes.append(_("Event %(code)s no longer takes donations.", code=code))
            continue
        candidates.append((Option(key=f"event:{event.id}", kind="event", event_id=event.id,
                                  label=_("Donation to %(event)s", event=event.title)), True))
    others = [Option(key="other", kind="other", label=_("Other income"))]
    if len(candidates) == 1 and candidates[0][1]:
        return MatchedLine(line, "matched", [candidates[0][0]] + others, notes)
    if candidates:
        if len({o.kind + str(o.member_id or o.pledge_id or o.event_id)
                for o, _fits in candidates}) > 1:
            notes.append(_("The line names several things: choose one."))
        return MatchedLine(line, "choose", [o for o, _fits in candidates] + others, notes)
    return MatchedLine(line, "unmatched", others, notes)


def match(account: BankAccount, statement: ParsedStatement) -> Preview:
    """Group every line of the statement (reads only)."""
    with_fingerprints(statement, account.id)
    preview = Preview(account=account, statement=statement)
    fingerprints = [ln.fingerprint for ln in statement.lines]
    booked: set[str] = set()
    for start in range(0, len(fingerprints), 500):
        booked.update(db.session.scalars(select(BankStatementLine.fingerprint).where(
            BankStatementLine.fingerprint.in_(fingerprints[start:start + 500]),
            BankStatementLine.status != "open")))
    closed = treasury.settings_for(account.unit).books_closed_through
    claimed: dict[tuple[int, int], int] = {}   # (member, year) → row of the line paying it
    pledged: dict[int, int] = {}               # pledge → amount the matched lines pay
    for line in sorted(statement.lines, key=lambda ln: (ln.on, ln.row_no)):
        if line.fingerprint in booked:
            matched = MatchedLine(line, "imported")
        elif line.amount < 0:
            matched = MatchedLine(line, "debit", [Option(
                key="fee", kind="fee", label=_("Bank fee (payment voucher)"))])
        else:
            matched = _credit(account, line)
        if matched.group == "matched":
            _claim(matched, claimed, pledged)
        if matched.group != "imported" and closed is not None and line.on <= closed:
            matched.notes.append(_("The books are closed through %(d)s: the voucher will be "
                                   "dated after that.", d=closed.strftime("%d/%m/%Y")))
        preview.lines.append(matched)
    return preview


def _claim(matched: MatchedLine, claimed: dict, pledged: dict) -> None:
    """Two lines of one statement must not pay the same dues (or more than a pledge): the
    later one needs a choice."""
    option = matched.proposal
    if option.kind == "dues":
        taken = [(y, claimed[(option.member_id, y)]) for y in option.years
                 if (option.member_id, y) in claimed]
        if taken:
            matched.group = "choose"
            matched.options = matched.options[1:]
            matched.notes.append(_("Row %(row)s of this statement already pays the dues of "
                                   "%(year)s.", row=taken[0][1], year=taken[0][0]))
            return
        for y in option.years:
            claimed[(option.member_id, y)] = matched.line.row_no
    elif option.kind == "pledge":
        pledge = db.session.get(Pledge, option.pledge_id)
        total = pledged.get(pledge.id, 0) + matched.line.amount
        if total > pledge.outstanding:
            matched.group = "choose"
            matched.notes.append(_("With the lines above, this is more than the %(left)s still "
                                   "pledged.", left=_money(pledge.outstanding)))
            return
        pledged[pledge.id] = total


def donor_options(account: BankAccount) -> list[tuple[int, str]]:
    """The unit's donors a line without a code may be booked to, by name."""
    rows = db.session.execute(select(Donor.id, Donor.name).where(
        Donor.unit_id == account.unit_id).order_by(Donor.search_key).limit(500))
    return [(i, n) for i, n in rows]


# ---------------------------------------------------------------------------------------------
# Booking: one transaction's writes (the caller commits)
# ---------------------------------------------------------------------------------------------


def _voucher_day(unit_id: int, on: date, kind: str = "receipt") -> date:
    """The bank's date, unless the book already has a later voucher or the period is closed:
    then the first day the book accepts (numbers follow dates)."""
    from ...models import Unit

    day = on
    last = db.session.scalar(
        select(func.max(Voucher.voucher_date)).join(VoucherBook, Voucher.book_id == VoucherBook.id)
        .where(VoucherBook.unit_id == unit_id, VoucherBook.kind == kind,
               VoucherBook.year == on.year))
    if last is not None and last > day:
        day = last
    closed = treasury.settings_for(db.session.get(Unit, unit_id)).books_closed_through
    if closed is not None and day <= closed:
        day = date.fromordinal(closed.toordinal() + 1)
    return min(day, today())


def _row(account: BankAccount, statement: BankStatement, line: StatementLine,
         existing: dict[str, BankStatementLine]) -> BankStatementLine:
    row = existing.get(line.fingerprint)
    if row is None:
        row = BankStatementLine(
            account_id=account.id, statement_id=statement.id, fingerprint=line.fingerprint,
            line_date=line.on, reference=line.reference, amount=line.amount,
            balance=line.balance, description=line.description, status="open", booked_as="",
            vouchers=[])
        db.session.add(row)
        existing[line.fingerprint] = row
    return row


def _book_line(actor: User | None, account: BankAccount, matched: MatchedLine,
               option: Option) -> list[Voucher]:
    line, unit, fund = matched.line, account.unit, account.fund
    token = f"bank:{line.fingerprint[:48]}"
    day = _voucher_day(unit.id, line.on, "payment" if option.kind == "fee" else "receipt")
    vouchers: list[Voucher] = []
    if option.kind == "dues":
        member = db.session.get(Member, option.member_id)
        for i, year in enumerate(option.years):
            payment = member_svc.pay_dues(actor, member, year=year, amount=option.per_year,
                                          paid_on=day, token=f"{token}:{i}",
                                          method="transfer", fund=fund)
            vouchers.append(payment.voucher or db.session.get(Voucher, payment.voucher_id))
    elif option.kind in ("pledge", "event", "donor"):
        pledge = db.session.get(Pledge, option.pledge_id) if option.pledge_id else None
        event = db.session.get(Event, option.event_id) if option.event_id else None
        donor = db.session.get(Donor, option.donor_id) if option.donor_id else None
        if donor is not None and donor.unit_id != unit.id:
            raise DomainError(_("The donor belongs to another unit."), "donor_id")
        donation = event_svc.record_donation(
            actor, unit, method="transfer", pledge=pledge, event=event, donor=donor,
            anonymous=pledge is None and donor is None, amount=line.amount, fund=fund,
            received_on=day, note=line.description[:300], token=token)
        vouchers.append(db.session.get(Voucher, donation.voucher_id))
    elif option.kind == "other":
        vouchers.append(treasury.issue_voucher(
            actor, unit, kind="receipt", amount=line.amount,
            party_name=_("Transfer per bank statement"),
            reason=(_("Other income per bank statement") + f": {line.description}")[:500],
            voucher_date=day, method="transfer", fund=fund, token=token))
    elif option.kind == "fee":
        vouchers.append(treasury.issue_voucher(
            actor, unit, kind="payment", amount=-line.amount,
            party_name=banks.short_name(account.bank_bin),
            reason=(_("Bank fee") + f": {line.description}")[:500],
            voucher_date=day, method="transfer", fund=fund, token=token))
    for voucher in vouchers:
        voucher.bank_ref = (line.reference or line.on.strftime("%d/%m/%Y"))[:60]
    return vouchers


def book(actor: User | None, account: BankAccount, preview: Preview,
         decisions: dict[str, str] | None = None, *, filename: str = "",
         progress=None) -> dict[str, int]:
    """Write what the preview proposes and the user chose, all in the caller's transaction:
    matched lines as proposed (unless decided "skip"), other lines only as decided
    (`decisions`: fingerprint → option key, "donor:<id>", or "skip"). Every line of the
    statement is kept with its fingerprint, so nothing is ever booked twice."""
    decisions = decisions or {}
    statement = preview.statement
    record = BankStatement(
        account_id=account.id, unit_id=account.unit_id, filename=filename[:200],
        date_from=statement.date_from, date_to=statement.date_to,
        opening_balance=statement.opening_balance, closing_balance=statement.last_balance,
        lines_read=len(statement.lines), lines_booked=0,
        imported_by_id=getattr(actor, "id", None))
    db.session.add(record)
    db.session.flush()
    fingerprints = [m.line.fingerprint for m in preview.lines]
    existing: dict[str, BankStatementLine] = {}
    for start in range(0, len(fingerprints), 500):
        for row in db.session.scalars(select(BankStatementLine).where(
                BankStatementLine.fingerprint.in_(fingerprints[start:start + 500]))):
            existing[row.fingerprint] = row
    summary = {"booked": 0, "vouchers": 0, "dues": 0, "amount": 0}
    total = len(preview.lines)
    for i, matched in enumerate(preview.lines, start=1):
        if progress is not None and i % 50 == 0:
            progress(i, total)
        line = matched.line
        row = existing.get(line.fingerprint)
        if matched.group == "imported" or (row is not None and row.status != "open"):
            continue
        row = _row(account, record, line, existing)
        choice = decisions.get(line.fingerprint)
        if choice == "skip":
            continue
        option = None
        if choice and choice.startswith("donor:") and choice[6:].isdigit():
            donor = db.session.get(Donor, int(choice[6:]))
            if donor is None or donor.unit_id != account.unit_id:
                raise DomainError(_("The donor belongs to another unit."), "donor_id")
            option = Option(key=choice, kind="donor", label=donor.name, donor_id=donor.id)
        elif choice:
            option = matched.option(choice)
        elif matched.group == "matched":
            option = matched.proposal
        if option is None or line.amount == 0 or (option.kind == "fee") != (line.amount < 0):
            continue
        try:
            vouchers = _book_line(actor, account, matched, option)
        except DomainError as e:
            raise DomainError(_("Row %(row)s (%(d)s, %(amount)s): %(error)s", row=line.row_no,
                                d=line.on.strftime("%d/%m/%Y"), amount=_money(line.amount),
                                error=str(e))) from e
        row.status = "fee" if option.kind == "fee" else "booked"
        row.booked_as = option.kind
        row.vouchers = [v.id for v in vouchers]
        row.booked_by_id = getattr(actor, "id", None)
        row.booked_at = utcnow()
        summary["booked"] += 1
        summary["vouchers"] += len(vouchers)
        summary["dues"] += len(vouchers) if option.kind == "dues" else 0
        summary["amount"] += line.amount
    record.lines_booked = summary["booked"]
    db.session.flush()
    audit.record(actor, "bank.import", record, unit=account.unit, data={
        "file": record.filename, "account": account.account_number,
        "lines": record.lines_read, "booked": summary["booked"],
        "vouchers": summary["vouchers"], **{k: v for k, v in preview.counts().items()}})
    return summary
