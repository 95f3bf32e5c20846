"""Bank accounts of a unit: which bank (by BIN), the number, the name on the account, the fund
whose bank book it is, and the one marked for receiving (its VietQR codes are printed).

Services flush and never commit; every write is audited."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import BankAccount, Fund, Unit, User
from ...services import DomainError, audit
from ...text import clean, search_key
from . import banks


def accounts_of(unit: Unit, *, active_only: bool = False) -> list[BankAccount]:
    q = select(BankAccount).where(BankAccount.unit_id == unit.id)
    if active_only:
        q = q.where(BankAccount.active.is_(True))
    return list(db.session.scalars(q.order_by(BankAccount.receiving.desc(), BankAccount.id)))


def receiving_account(unit: Unit) -> BankAccount | None:
    """The account money is asked to: the unit's own receiving account."""
    return db.session.scalar(select(BankAccount).where(
        BankAccount.unit_id == unit.id, BankAccount.receiving.is_(True),
        BankAccount.active.is_(True)))


def account_for_fund(fund: Fund) -> BankAccount | None:
    """The account a fund names, else its unit's receiving account."""
    named = db.session.scalar(select(BankAccount).where(
        BankAccount.fund_id == fund.id, BankAccount.active.is_(True)).order_by(
        BankAccount.receiving.desc(), BankAccount.id).limit(1))
    return named or receiving_account(fund.unit)


def clean_account_name(name: str) -> str:
    """Banks print the holder's name in capitals without diacritics: so does VietQR's text."""
    return " ".join(re.sub(r"[^A-Z0-9 ]", " ", search_key(clean(name)).upper()).split())


def _values(unit: Unit, bank_bin: str, account_number: str, account_name: str,
            fund: Fund | None) -> dict:
    bank_bin = (bank_bin or "").strip()
    if bank_bin not in banks.BY_BIN:
        raise DomainError(_("Choose the bank from the list."), "bank_bin")
    number = re.sub(r"[\s.\-]", "", account_number or "")
    if not re.fullmatch(r"[0-9A-Za-z]{4,19}", number):
        raise DomainError(_("An account number has 4 to 19 digits or letters."),
                          "account_number")
    name = clean(account_name)
    if not name:
        raise DomainError(_("Enter the name on the account."), "account_name")
    if len(name) > 100:
        raise DomainError(_("The text is too long."), "account_name")
    if fund is not None and fund.unit_id != unit.id:
        raise DomainError(_("The fund belongs to another unit."), "fund_id")
    return {"bank_bin": bank_bin, "account_number": number.upper(), "account_name": name,
            "fund_id": fund.id if fund else None}


def _only_receiving(unit: Unit, account: BankAccount) -> None:
    for other in accounts_of(unit):
        if other.id != account.id and other.receiving:
            other.receiving = False


def create_account(actor: User | None, unit: Unit, *, bank_bin: str, account_number: str,
                   account_name: str, fund: Fund | None = None,
                   receiving: bool = False) -> BankAccount:
    values = _values(unit, bank_bin, account_number, account_name, fund)
    if db.session.scalar(select(BankAccount.id).where(
            BankAccount.unit_id == unit.id, BankAccount.bank_bin == values["bank_bin"],
            BankAccount.account_number == values["account_number"])):
        raise DomainError(_("This unit already has this account."), "account_number")
    first = not accounts_of(unit)
    account = BankAccount(unit_id=unit.id, unit=unit, receiving=bool(receiving) or first,
                          active=True, **values)
    db.session.add(account)
    db.session.flush()
    if account.receiving:
        _only_receiving(unit, account)
    db.session.flush()
    audit.record(actor, "bank_account.create", account, unit=unit, data={
        "bank": banks.short_name(account.bank_bin), "account_number": account.account_number,
        "account_name": account.account_name, "receiving": account.receiving,
        "fund_id": account.fund_id})
    return account


def update_account(actor: User | None, account: BankAccount, *, bank_bin: str,
                   account_number: str, account_name: str, fund: Fund | None = None,
                   receiving: bool = False, active: bool = True) -> BankAccount:
    unit = account.unit
    values = _values(unit, bank_bin, account_number, account_name, fund)
    values["receiving"] = bool(receiving) and bool(active)
    values["active"] = bool(active)
    clash = db.session.scalar(select(BankAccount.id).where(
        BankAccount.unit_id == unit.id, BankAccount.bank_bin == values["bank_bin"],
        BankAccount.account_number == values["account_number"], BankAccount.id != account.id))
    if clash:
        raise DomainError(_("This unit already has this account."), "account_number")
    changed = audit.changes(account, values)
    for key, value in values.items():
        setattr(account, key, value)
    if account.receiving:
        _only_receiving(unit, account)
    db.session.flush()
    if changed:
        audit.record(actor, "bank_account.update", account, unit=unit, data=changed)
    return account
