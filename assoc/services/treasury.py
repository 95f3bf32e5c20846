"""Treasury: funds, voucher books, receipts and payment vouchers, void, print count, cash book.

Numbers are taken from the book row while it is locked: the first statement of the write is an
UPDATE of that row, which takes a row lock on PostgreSQL and the database write lock on SQLite,
so concurrent issuers queue and every number is used exactly once. Balances are never stored:
they are the sum of non-void receipts minus non-void payments of a fund.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from ..extensions import db
from ..models import (
    BOOK_PREFIX,
    FUND_KINDS,
    PAYMENT_METHODS,
    VOUCHER_KINDS,
    Fund,
    TreasurySetting,
    Unit,
    User,
    Voucher,
    VoucherBook,
    today,
    utcnow,
)
from ..money import MAX_AMOUNT, WORD_STYLES
from ..text import clean, search_key
from ..voucher_paper import freeze_voucher
from . import DomainError, audit, insert_or_find
from .voucher_links import check_link

# Set only while the demo loads a history (see loading_history): the books it touched.
_LOADING: ContextVar[set[int] | None] = ContextVar("loading_history", default=None)
GENERAL_FUND_CODE = "KH"
GENERAL_FUND_NAME = "Quỹ khuyến học"
MAX_ATTACHMENTS = 999

# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------


def settings_for(unit: Unit) -> TreasurySetting:
    """The unit's treasury settings; unsaved defaults when it has none yet."""
    found = db.session.scalar(select(TreasurySetting).where(TreasurySetting.unit_id == unit.id))
    if found is not None:
        return found
    return TreasurySetting(unit_id=unit.id, form_series="tt", word_style="standard", chan=False,
                           head_name="", accountant_name="", cashier_name="",
                           legal_basis="", books_closed_through=None)


def update_settings(actor: User | None, unit: Unit, *, form_series: str = "tt",
                    word_style: str = "standard", chan: bool = False, head_name: str = "",
                    accountant_name: str = "", cashier_name: str = "",
                    books_closed_through: date | None = None,
                    legal_basis: str = "") -> TreasurySetting:
    if form_series not in ("tt", "bb"):
        raise DomainError(_("Unknown form series."), "form_series")
    if word_style not in WORD_STYLES:
        raise DomainError(_("Unknown word style."), "word_style")
    if books_closed_through is not None and books_closed_through > today():
        raise DomainError(_("Books cannot be closed for days that have not come yet."),
                          "books_closed_through")
    setting = settings_for(unit)
    new = {
        "form_series": form_series, "word_style": word_style, "chan": bool(chan),
        "head_name": clean(head_name), "accountant_name": clean(accountant_name),
        "cashier_name": clean(cashier_name), "books_closed_through": books_closed_through,
        "legal_basis": clean(legal_basis),
    }
    if len(new["legal_basis"]) > 300:
        raise DomainError(_("The text is too long."), "legal_basis")
    changed = audit.changes(setting, new) if setting.id else new
    for key, value in new.items():
        setattr(setting, key, value)
    if setting.id is None:
        db.session.add(setting)
    db.session.flush()
    if changed:  # saving the settings unchanged is not "changed the settings"
        audit.record(actor, "treasury.settings", unit, unit=unit, data=changed)
    return setting


def check_period_open(unit: Unit, on: date, field: str = "voucher_date") -> None:
    closed = settings_for(unit).books_closed_through
    if closed is not None and on <= closed:
        raise DomainError(
            _("The books of this unit are closed through %(d)s: no voucher may be dated or "
              "changed on or before that day; use a date from %(next)s on.",
              d=closed.strftime("%d/%m/%Y"),
              next=date.fromordinal(closed.toordinal() + 1).strftime("%d/%m/%Y")), field)


def no_new_vouchers(unit: Unit) -> str | None:
    """Why a closed unit's books take no new voucher (no day is both in its life and after its
    closed books: a reorganisation closes both), or None when some day still is."""
    if unit.valid_to is None:
        return None
    closed = settings_for(unit).books_closed_through
    if closed is None or closed < unit.valid_to:
        return None
    if unit.successor is not None:
        return _("%(unit)s closed on %(d)s and its books are closed: it takes no new voucher. "
                 "Its work and funds went to %(s)s.", unit=unit.name,
                 d=unit.valid_to.strftime("%d/%m/%Y"), s=unit.successor.name)
    return _("%(unit)s closed on %(d)s and its books are closed: it takes no new voucher.",
             unit=unit.name, d=unit.valid_to.strftime("%d/%m/%Y"))


# ---------------------------------------------------------------------------------------------
# Funds
# ---------------------------------------------------------------------------------------------


def general_fund(unit: Unit) -> Fund:
    """The unit's general learning-promotion fund, created on first use."""

    def find():
        return db.session.scalar(
            select(Fund).where(Fund.unit_id == unit.id, Fund.kind == "general"))

    fund = find()
    if fund is not None:
        return fund
    return insert_or_find(
        Fund(unit_id=unit.id, code=GENERAL_FUND_CODE, name=GENERAL_FUND_NAME,
             search_key=search_key(GENERAL_FUND_NAME), kind="general", sponsor="", active=True),
        find)


def create_fund(actor: User | None, unit: Unit, *, code: str, name: str, sponsor: str = "",
                kind: str = "earmarked") -> Fund:
    code = clean(code).upper().replace(" ", "-")
    name = clean(name)
    if not code:
        raise DomainError(_("A code is required."), "code")
    if not name:
        raise DomainError(_("A name is required."), "name")
    if kind not in FUND_KINDS:
        raise DomainError(_("Unknown kind of fund."), "kind")
    if kind == "general" and db.session.scalar(
            select(Fund.id).where(Fund.unit_id == unit.id, Fund.kind == "general")):
        raise DomainError(_("This unit already has its general fund."), "kind")
    if db.session.scalar(select(Fund.id).where(Fund.unit_id == unit.id, Fund.code == code)):
        raise DomainError(_("This unit already has a fund with this code."), "code")
    fund = Fund(unit_id=unit.id, code=code, name=name, search_key=search_key(name), kind=kind,
                sponsor=clean(sponsor), active=True)
    db.session.add(fund)
    db.session.flush()
    audit.record(actor, "fund.create", fund, unit=unit,
                 data={"code": code, "name": name, "kind": kind, "sponsor": fund.sponsor})
    return fund


def set_fund_active(actor: User | None, fund: Fund, active: bool) -> Fund:
    if fund.kind == "general" and not active:
        raise DomainError(_("The general fund cannot be closed."), "active")
    if fund.active != active:
        fund.active = active
        db.session.flush()
        audit.record(actor, "fund.update", fund, unit=fund.unit, data={"active": active})
    return fund


def funds_of(unit: Unit, *, active_only: bool = False) -> list[Fund]:
    """The unit's funds (reads only: a general fund not opened yet is not listed; the first
    voucher or program that needs it creates it)."""
    q = select(Fund).where(Fund.unit_id == unit.id)
    if active_only:
        q = q.where(Fund.active.is_(True))
    return list(db.session.scalars(q.order_by(Fund.kind.desc(), Fund.name)))


def fund_choices(unit: Unit) -> list[tuple[int, str]]:
    """(id, name) of the unit's open funds for a form; the general fund not opened yet is
    offered as 0 and created by the service when chosen."""
    funds = funds_of(unit, active_only=True)
    choices = [(f.id, f.name) for f in funds]
    if not any(f.kind == "general" for f in funds):
        choices.insert(0, (0, GENERAL_FUND_NAME))
    return choices


def has_general_fund(unit: Unit) -> bool:
    return db.session.scalar(
        select(Fund.id).where(Fund.unit_id == unit.id, Fund.kind == "general")) is not None


def _signed_sum():
    return func.coalesce(func.sum(case(
        (Voucher.status == "void", 0),
        (Voucher.kind == "receipt", Voucher.amount),
        else_=-Voucher.amount,
    )), 0)


def fund_balance(fund: Fund, as_of: date | None = None) -> int:
    """Non-void receipts minus non-void payments of the fund, up to and including `as_of`."""
    q = select(_signed_sum()).where(Voucher.fund_id == fund.id)
    if as_of is not None:
        q = q.where(Voucher.voucher_date <= as_of)
    return int(db.session.scalar(q) or 0)


def method_balances(fund_ids: list[int]) -> dict[int, dict[str, int]]:
    """Cash on hand and bank balance of each fund, in one query."""
    out = {fid: {m: 0 for m in PAYMENT_METHODS} for fid in fund_ids}
    if not fund_ids:
        return out
    rows = db.session.execute(
        select(Voucher.fund_id, Voucher.method, _signed_sum())
        .where(Voucher.fund_id.in_(fund_ids)).group_by(Voucher.fund_id, Voucher.method)).all()
    for fid, method, total in rows:
        out[fid][method] = int(total)
    return out


def lowest_balance_from(fund: Fund, method: str | None, on: date) -> int:
    """The lowest end-of-day balance of the fund's `method` money (cash on hand, bank; None:
    both) on `on` and every later day that has a voucher. A payment dated `on` lowers all."""
    only = (Voucher.method == method,) if method else ()
    base = select(_signed_sum()).where(Voucher.fund_id == fund.id, *only,
                                       Voucher.voucher_date <= on)
    running = int(db.session.scalar(base) or 0)
    lowest = running
    later = db.session.execute(
        select(Voucher.voucher_date, _signed_sum())
        .where(Voucher.fund_id == fund.id, *only, Voucher.voucher_date > on)
        .group_by(Voucher.voucher_date).order_by(Voucher.voucher_date)).all()
    for _d, moved in later:
        running += int(moved)
        lowest = min(lowest, running)
    return lowest


def last_voucher_date(book: VoucherBook) -> date | None:
    return db.session.scalar(select(func.max(Voucher.voucher_date))
                             .where(Voucher.book_id == book.id))


def balances(fund_ids: list[int]) -> dict[int, int]:
    """Balance of each fund, in one query."""
    if not fund_ids:
        return {}
    rows = db.session.execute(
        select(Voucher.fund_id, _signed_sum()).where(Voucher.fund_id.in_(fund_ids))
        .group_by(Voucher.fund_id)).all()
    found = {fid: int(total) for fid, total in rows}
    return {fid: found.get(fid, 0) for fid in fund_ids}


# ---------------------------------------------------------------------------------------------
# Books and numbers
# ---------------------------------------------------------------------------------------------


def book_for(unit: Unit, kind: str, year: int) -> VoucherBook:
    """The unit's book of this kind and year, created on first use."""

    def find():
        return db.session.scalar(select(VoucherBook).where(
            VoucherBook.unit_id == unit.id, VoucherBook.kind == kind, VoucherBook.year == year))

    book = find()
    if book is not None:
        return book
    return insert_or_find(
        VoucherBook(unit_id=unit.id, kind=kind, year=year,
                    code=f"{BOOK_PREFIX[kind]}-{year}", next_number=1), find)


def _lock_book(book: VoucherBook) -> None:
    """Take the book's row lock (PostgreSQL) / the write lock (SQLite) until commit."""
    db.session.execute(update(VoucherBook).where(VoucherBook.id == book.id)
                       .values(next_number=VoucherBook.next_number)
                       .execution_options(synchronize_session=False))


def _take_number(book: VoucherBook) -> int:
    number = db.session.execute(
        update(VoucherBook).where(VoucherBook.id == book.id)
        .values(next_number=VoucherBook.next_number + 1)
        .returning(VoucherBook.next_number - 1)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(book, ["next_number"])
    return int(number)


# ---------------------------------------------------------------------------------------------
# Issue and void
# ---------------------------------------------------------------------------------------------


def find_by_token(token: str | None) -> Voucher | None:
    if not token or len(token) > 64 or "\x00" in token:  # read from the raw form: no NUL query
        return None
    return db.session.scalar(select(Voucher).where(Voucher.idempotency_token == token))


def check_amount(amount) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise DomainError(_("Enter the amount in whole đồng, e.g. 1.250.000."), "amount")
    if amount <= 0 or amount > MAX_AMOUNT:
        raise DomainError(_("The amount must be between 1 đ and 1.000.000.000.000 đ."), "amount")
    return amount


def issue_voucher(actor: User | None, unit: Unit, *, kind: str, amount: int, party_name: str,
                  reason: str, voucher_date: date | None = None, party_address: str = "",
                  method: str = "cash", fund: Fund | None = None, attachments: int = 0,
                  link_type: str | None = None, link_id: int | None = None,
                  token: str | None = None, allow_overdraw: bool = False) -> Voucher:
    """Issue a receipt or a payment voucher with the next number of the unit's book.

    A repeated `token` returns the voucher first issued with it. A payment may not take the
    fund below zero unless `allow_overdraw` (a chair's right, checked by the caller)."""
    if existing := find_by_token(token):
        return existing
    if kind not in VOUCHER_KINDS:
        raise DomainError(_("Unknown kind of voucher."), "kind")
    amount = check_amount(amount)
    party_name, reason, party_address = clean(party_name), clean(reason), clean(party_address)
    if not party_name:
        raise DomainError(_("Enter the name of the payer or payee."), "party_name")
    if not reason:
        raise DomainError(_("Enter the reason."), "reason")
    if len(party_name) > 200 or len(reason) > 500 or len(party_address) > 300:
        raise DomainError(_("The text is too long."), "reason")
    if method not in PAYMENT_METHODS:
        raise DomainError(_("Choose cash or bank transfer."), "method")
    if not isinstance(attachments, int) or not 0 <= attachments <= MAX_ATTACHMENTS:
        raise DomainError(_("The number of attached documents must be between 0 and 999."),
                          "attachments")
    link_label = check_link(unit, link_type, link_id)
    voucher_date = voucher_date or today()
    if voucher_date > today():
        raise DomainError(_("A voucher cannot be dated in the future: use today (%(d)s) or an "
                            "earlier day.", d=today().strftime("%d/%m/%Y")), "voucher_date")
    if not unit.is_active(voucher_date):
        last = min(unit.valid_to, today()) if unit.valid_to else today()
        raise DomainError(_("The unit was not active on that day: date the voucher from "
                            "%(a)s to %(b)s.", a=unit.valid_from.strftime("%d/%m/%Y"),
                            b=last.strftime("%d/%m/%Y")), "voucher_date")
    check_period_open(unit, voucher_date)
    fund = fund or general_fund(unit)
    if fund.unit_id != unit.id:
        raise DomainError(_("The fund belongs to another unit."), "fund")
    if not fund.active:
        raise DomainError(_("This fund is closed."), "fund")

    book = book_for(unit, kind, voucher_date.year)
    if kind == "payment":
        # Payments from one fund queue on the fund row, so two cannot both spend the last đồng.
        db.session.execute(select(Fund.id).where(Fund.id == fund.id).with_for_update())
    _lock_book(book)
    # Under the lock: a concurrent request with the same token may have committed meanwhile.
    if existing := find_by_token(token):
        return existing
    # Numbers follow dates, as auditors check: no voucher before the book's last one.
    last = last_voucher_date(book)
    if (loading := _LOADING.get()) is not None:
        loading.add(book.id)
    elif last is not None and voucher_date < last:
        raise DomainError(
            _("Book %(book)s already has a voucher dated %(last)s: date this one from %(last)s "
              "to today (%(today)s).", book=book.code, last=last.strftime("%d/%m/%Y"),
              today=today().strftime("%d/%m/%Y")), "voucher_date")
    if kind == "payment" and not allow_overdraw:
        # Cash on hand and the bank account are apart: a cash payment is checked against the
        # cash alone, a transfer against the bank balance alone (money moves between them by
        # a deposit or withdrawal pair), on its date and on every later day that already has
        # vouchers.
        lowest = lowest_balance_from(fund, method, voucher_date)
        if amount > lowest:
            where = _("cash on hand") if method == "cash" else _("the bank balance")
            raise DomainError(
                _("This payment would take %(where)s of %(fund)s below zero: at most "
                  "%(balance)s can be paid on %(d)s.", where=where, fund=fund.name,
                  balance=f"{max(lowest, 0):,}".replace(",", ".") + " đ",
                  d=voucher_date.strftime("%d/%m/%Y")), "amount")
    voucher = Voucher(
        book_id=book.id, number=_take_number(book), unit_id=unit.id, fund_id=fund.id, kind=kind,
        voucher_date=voucher_date, party_name=party_name, search_key=search_key(party_name),
        party_address=party_address, reason=reason, amount=amount, method=method,
        attachments=attachments, link_type=link_type, link_id=link_id,
        idempotency_token=token or None, public_token=secrets.token_urlsafe(18),
        status="valid", print_count=0, created_by_id=getattr(actor, "id", None),
    )
    voucher.unit, voucher.fund = unit, fund
    voucher.paper = freeze_voucher(voucher, settings_for(unit),
                                   getattr(actor, "full_name", "") or "")
    db.session.add(voucher)
    db.session.flush()
    data = {"number": voucher.display_number, "amount": amount, "fund": fund.code,
            "date": voucher_date, "party": party_name, "method": method}
    if link_type:
        data["link"] = {"type": link_type, "id": link_id, "name": link_label}
    if kind == "payment" and allow_overdraw:
        data["overdraw_allowed"] = True
    audit.record(actor, "voucher.issue", voucher, unit=unit, data=data)
    return voucher


@contextmanager
def loading_history():
    """For the demo only: a history written step by step out of date order. Yields the set of
    book ids written; `renumber_by_date` then puts their numbers in date order."""
    books: set[int] = set()
    token = _LOADING.set(books)
    try:
        yield books
    finally:
        _LOADING.reset(token)


def renumber_by_date(book_ids: set[int]) -> None:
    """Number the vouchers of freshly loaded books 1, 2, … in date order (never for books
    with a printed voucher), keeping the numbers in their issue entries in step."""
    from ..models import AuditEntry

    for book_id in sorted(book_ids):
        vouchers = list(db.session.scalars(select(Voucher).where(Voucher.book_id == book_id)
                                           .order_by(Voucher.voucher_date, Voucher.id)))
        if any(v.print_count for v in vouchers):
            continue
        if [v.number for v in vouchers] == list(range(1, len(vouchers) + 1)):
            continue
        for v in vouchers:
            v.number = -v.number
        db.session.flush()
        for n, v in enumerate(vouchers, start=1):
            v.number = n
        db.session.flush()
        by_id = {v.id: v for v in vouchers}
        for entry in db.session.scalars(select(AuditEntry).where(
                AuditEntry.object_type == "voucher", AuditEntry.object_id.in_(list(by_id)))):
            if isinstance(entry.data, dict) and "number" in entry.data:
                entry.data = {**entry.data, "number": by_id[entry.object_id].display_number}
        db.session.flush()


def void_voucher(actor: User | None, voucher: Voucher, reason: str, *,
                 restoring: bool = False) -> Voucher:
    """Void a voucher: its number stays, its amount leaves the books.

    A receipt whose money has been paid out since cannot be voided (cash on hand, or the fund
    for a transfer, would go below zero on some day from its date on): the correct receipt is
    issued first, or the payments are voided. `restoring` is for undoing a reorganisation,
    which puts the books back as they were before it.

    One half of an internal move (a handover, cash <-> bank: `pair_id`) is never voided alone:
    both halves go void together where both books allow it; otherwise nothing is voided and
    the refusal names the other half and why its book refuses."""
    reason = clean(reason)
    if voucher.is_void:
        raise DomainError(_("This voucher is already void."), "reason")
    if not reason:
        raise DomainError(_("Give the reason for voiding."), "reason")
    if len(reason) > 300:
        raise DomainError(_("The text is too long."), "reason")
    partner = pair_of(voucher)
    halves = [voucher] if partner is None or partner.is_void else [voucher, partner]
    for half in halves:
        try:
            _check_voidable(half, restoring)
        except DomainError as e:
            if half is voucher:
                raise
            raise DomainError(_(
                "This voucher is one half of a move of money between our own books, with %(no)s "
                "of %(unit)s: both are voided together, and that one cannot be: %(why)s",
                no=partner.display_number, unit=partner.unit.name, why=str(e)), "reason") from e
    for half in halves:
        half.status = "void"
        half.void_reason = reason
        half.voided_by_id = getattr(actor, "id", None)
        half.voided_at = utcnow()
    db.session.flush()
    for half in halves:
        data = {"number": half.display_number, "reason": reason}
        if len(halves) == 2:
            other = halves[1] if half is voucher else voucher
            data["pair"] = {"number": other.display_number, "unit": other.unit.name}
        audit.record(actor, "voucher.void", half, unit=half.unit, data=data)
    return voucher


def pair_of(voucher: Voucher) -> Voucher | None:
    """The other half of an internal move (INTERNAL_LINKS), or None."""
    return db.session.get(Voucher, voucher.pair_id) if voucher.pair_id else None


def _check_voidable(voucher: Voucher, restoring: bool) -> None:
    check_period_open(voucher.unit, voucher.voucher_date, "reason")
    if voucher.kind == "receipt" and not restoring:
        # Queued on the fund row like payments, so a payment and this void cannot both
        # count on the same money.
        db.session.execute(select(Fund.id).where(Fund.id == voucher.fund_id).with_for_update())
        cash = voucher.method == "cash"
        lowest = lowest_balance_from(voucher.fund, voucher.method, voucher.voucher_date)
        if voucher.amount > lowest:
            raise DomainError(
                _("Voiding this receipt would take %(where)s of %(fund)s below zero: its money "
                  "has been paid out since %(d)s. Issue the correct receipt first, or void the "
                  "payments that spent it.",
                  where=_("cash on hand") if cash else _("the bank balance"),
                  fund=voucher.fund.name, d=voucher.voucher_date.strftime("%d/%m/%Y")),
                "reason")


def preview_marks(vouchers: list[Voucher]) -> list[str]:
    """What a preview (a GET, counting nothing) stamps on each voucher: "XEM TRƯỚC" before the
    first official print, "BẢN SAO" after it."""
    return ["copy" if v.print_count > 0 else "preview" for v in vouchers]


def record_print(actor: User | None, vouchers: list[Voucher]) -> list[bool]:
    """Count an official print of each voucher; returns, for each, whether this print is a
    copy (the first official print is the original)."""
    copies = []
    for v in vouchers:
        copies.append(v.print_count > 0)
    if vouchers:
        ids = [v.id for v in vouchers]
        db.session.execute(update(Voucher).where(Voucher.id.in_(ids))
                           .values(print_count=Voucher.print_count + 1)
                           .execution_options(synchronize_session=False))
        for v in vouchers:
            db.session.expire(v, ["print_count"])
        for v, copy in zip(vouchers, copies, strict=True):
            audit.record(actor, "voucher.print", v, unit=v.unit,
                         data={"number": v.display_number, "copy": copy})
    return copies


def vouchers_for(link_type: str, link_id: int) -> list[Voucher]:
    return list(db.session.scalars(
        select(Voucher).where(Voucher.link_type == link_type, Voucher.link_id == link_id)
        .order_by(Voucher.voucher_date, Voucher.id)))


def by_public_token(token: str) -> Voucher | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Voucher).where(Voucher.public_token == token))


# ---------------------------------------------------------------------------------------------
# Cash book (sổ quỹ tiền mặt)
# ---------------------------------------------------------------------------------------------


@dataclass
class CashBookRow:
    id: int
    voucher_date: date
    kind: str
    number: str
    description: str
    amount_in: int
    amount_out: int
    balance: int
    void: bool
    note: str


@dataclass
class CashBook:
    unit: Unit
    fund: Fund
    date_from: date
    date_to: date
    opening: int
    method: str | None = "cash"
    rows: list[CashBookRow] = field(default_factory=list)
    total_in: int = 0
    total_out: int = 0

    @property
    def closing(self) -> int:
        return self.opening + self.total_in - self.total_out


def cash_book(fund: Fund, date_from: date, date_to: date, *, method: str | None = None) -> CashBook:
    """Opening balance, every voucher of the period in order with a running balance, totals and
    closing balance. Void vouchers are listed (struck through) but move nothing.
    `method="cash"` keeps only cash vouchers (the cash book proper); None keeps all."""
    if date_to < date_from:
        raise DomainError(_("The end date is before the start date."), "date_to")
    q = select(_signed_sum()).where(Voucher.fund_id == fund.id, Voucher.voucher_date < date_from)
    if method:
        q = q.where(Voucher.method == method)
    opening = int(db.session.scalar(q) or 0)
    book = CashBook(unit=fund.unit, fund=fund, date_from=date_from, date_to=date_to,
                    opening=opening, method=method)
    q = (select(Voucher.id, Voucher.voucher_date, Voucher.kind, VoucherBook.code, Voucher.number,
                Voucher.reason, Voucher.party_name, Voucher.amount, Voucher.status,
                Voucher.void_reason)
         .join(VoucherBook, Voucher.book_id == VoucherBook.id)
         .where(Voucher.fund_id == fund.id, Voucher.voucher_date >= date_from,
                Voucher.voucher_date <= date_to)
         .order_by(Voucher.voucher_date, Voucher.created_at, Voucher.id))
    if method:
        q = q.where(Voucher.method == method)
    balance, total_in, total_out = opening, 0, 0
    rows = book.rows
    for vid, vdate, kind, code, number, reason, party, amount, status, void_reason in (
            db.session.execute(q)):
        void = status == "void"
        a_in = amount if kind == "receipt" else 0
        a_out = amount if kind == "payment" else 0
        if not void:
            balance += a_in - a_out
            total_in += a_in
            total_out += a_out
        rows.append(CashBookRow(vid, vdate, kind, f"{code}/{number:04d}", f"{reason} — {party}",
                                a_in, a_out, balance, void, void_reason))
    book.total_in, book.total_out = total_in, total_out
    return book

