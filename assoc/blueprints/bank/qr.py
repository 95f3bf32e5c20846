"""The VietQR of each request for money: a member's dues of a year, a pledge, an event's
donations (no amount). Reads only; None when the unit has no receiving account."""

from __future__ import annotations

from ...models import BankAccount, Event, Member, Pledge, today
from ...services import members as member_svc
from . import accounts, banks, transfer_codes, vietqr


def _qr(account: BankAccount, amount: int | None, code: str) -> vietqr.TransferQR:
    return vietqr.TransferQR(
        payload=vietqr.payload(bin_=account.bank_bin, account=account.account_number,
                               amount=amount or None, text=code),
        bank=banks.short_name(account.bank_bin), account_number=account.account_number,
        account_name=account.account_name, amount=amount or None, code=code)


def member_dues(member: Member, year: int | None = None) -> vietqr.TransferQR | None:
    """The dues of `year` (this year): the collecting unit's receiving account, the year's
    amount, the code HV000123 2026. None when already paid, no account or no amount."""
    year = year or today().year
    if member.status != "active":
        return None
    account = accounts.receiving_account(member_svc.collecting_unit(member))
    if account is None:
        return None
    rate = member_svc.dues_rate(member.unit, year)
    return _qr(account, rate, transfer_codes.dues_code(member.number, year))


def pledge(p: Pledge) -> vietqr.TransferQR | None:
    if p.status != "open" or p.number is None:
        return None
    account = accounts.receiving_account(p.unit)
    if account is None:
        return None
    return _qr(account, p.outstanding or None, transfer_codes.pledge_code(p.number))


def event(e: Event) -> vietqr.TransferQR | None:
    if not e.accepts_donations or e.number is None:
        return None
    account = accounts.receiving_account(e.unit)
    if account is None:
        return None
    return _qr(account, None, transfer_codes.event_code(e.number))


def next_time(donation) -> vietqr.TransferQR | None:
    """The thank-you letter's "next time" code: the event's, while it takes donations, else
    the unit's receiving account without an amount or a text."""
    if donation.event is not None and (found := event(donation.event)) is not None:
        return found
    account = accounts.receiving_account(donation.unit)
    return _qr(account, None, "") if account is not None else None


def dues_payloads(members: list[Member], year: int | None = None) -> dict[int, str]:
    """The dues VietQR payload of every member who has not paid `year` (this year), for member
    cards: a few queries whatever the number of members (accounts and amounts per unit, the
    paid ones in one query)."""
    from sqlalchemy import select

    from ...extensions import db
    from ...models import DuesPayment

    year = year or today().year
    ids = [m.id for m in members if m.status == "active"]
    paid: set[int] = set()
    for start in range(0, len(ids), 500):
        paid.update(db.session.scalars(select(DuesPayment.member_id).where(
            DuesPayment.member_id.in_(ids[start:start + 500]), DuesPayment.year == year,
            member_svc.payment_counts())))
    account_of: dict[int, BankAccount | None] = {}
    rate_of: dict[int, int | None] = {}
    out: dict[int, str] = {}
    for m in members:
        if m.status != "active" or m.id in paid:
            continue
        unit = member_svc.collecting_unit(m)
        if unit.id not in account_of:
            account_of[unit.id] = accounts.receiving_account(unit)
        if m.unit_id not in rate_of:
            rate_of[m.unit_id] = member_svc.dues_rate(m.unit, year)
        account = account_of[unit.id]
        if account is None:
            continue
        out[m.id] = vietqr.payload(bin_=account.bank_bin, account=account.account_number,
                                   amount=rate_of[m.unit_id] or None,
                                   text=transfer_codes.dues_code(m.number, year))
    return out
