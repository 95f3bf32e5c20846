"""Moving money between a fund's cash on hand and its bank account, and finding where either
went below zero.

A deposit (nộp tiền mặt vào tài khoản) is a cash payment voucher out of the fund and a transfer
receipt into it; a withdrawal (rút tiền gửi về quỹ tiền mặt) a transfer payment and a cash
receipt. The two halves carry link_type "cash_move" and point at each other (pair_id): they are
never income or spending in any figure (INTERNAL_LINKS) and are voided only together
(treasury.void_voucher). Cash and bank are each checked against zero like any payment, with the
chair's logged override.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Fund, Unit, User, Voucher
from ..text import clean
from . import DomainError, audit
from . import treasury as tr

MOVES = {
    # direction: (method paid out, method received)
    "deposit": ("cash", "transfer"),
    "withdraw": ("transfer", "cash"),
}
REASONS = {
    "deposit": "Nộp tiền mặt vào tài khoản",
    "withdraw": "Rút tiền gửi về quỹ tiền mặt",
}


@dataclass
class CashMove:
    payment: Voucher
    receipt: Voucher


def move(actor: User | None, unit: Unit, *, direction: str, amount: int, fund: Fund | None = None,
         voucher_date: date | None = None, reason: str = "", person: str = "",
         token: str | None = None, allow_overdraw: bool = False) -> CashMove:
    """Issue the pair of vouchers of a deposit or a withdrawal within one fund of `unit`.

    `person`: who carries the money (the payee of the payment half and payer of the receipt
    half; the unit's own name when empty). A repeated `token` returns the pair first issued."""
    if direction not in MOVES:
        raise DomainError(_("Choose a deposit or a withdrawal."), "direction")
    if token:
        first = tr.find_by_token(f"{token}:out")
        if first is not None and first.pair_id:
            return CashMove(first, db.session.get(Voucher, first.pair_id))
    out_method, in_method = MOVES[direction]
    reason = clean(reason) or REASONS[direction]
    person = clean(person) or unit.name
    fund = fund or tr.general_fund(unit)
    payment = tr.issue_voucher(
        actor, unit, kind="payment", amount=amount, party_name=person, reason=reason,
        voucher_date=voucher_date, method=out_method, fund=fund,
        token=f"{token}:out" if token else None, allow_overdraw=allow_overdraw)
    receipt = tr.issue_voucher(
        actor, unit, kind="receipt", amount=amount, party_name=person, reason=reason,
        voucher_date=payment.voucher_date, method=in_method, fund=fund,
        token=f"{token}:in" if token else None)
    payment.link_type = receipt.link_type = "cash_move"
    payment.pair_id, receipt.pair_id = receipt.id, payment.id
    db.session.flush()
    audit.record(actor, "treasury.cash_move", payment, unit=unit, data={
        "direction": direction, "amount": amount, "fund": fund.code,
        "date": payment.voucher_date, "payment": payment.display_number,
        "receipt": receipt.display_number, **({"overdraw_allowed": True}
                                              if allow_overdraw else {})})
    return CashMove(payment, receipt)


def pair_of(voucher: Voucher) -> Voucher | None:
    if voucher.link_type != "cash_move" or not voucher.pair_id:
        return None
    return db.session.get(Voucher, voucher.pair_id)


# ---------------------------------------------------------------------------------------------
# Negative balances (a report for the treasurer: nothing is changed)
# ---------------------------------------------------------------------------------------------


@dataclass
class NegativeBalance:
    fund: Fund
    method: str
    balance: int        # today
    lowest: int         # the lowest end-of-day balance ever
    lowest_on: date     # the first day it was reached


def negative_balances(unit: Unit) -> list[NegativeBalance]:
    """Every fund of `unit` and the units below it whose cash on hand or bank balance is, or
    was on some day, below zero (void vouchers move nothing), by unit and fund."""
    signed = tr._signed_sum()
    rows = db.session.execute(
        select(Voucher.fund_id, Voucher.method, Voucher.voucher_date, signed)
        .join(Unit, Unit.id == Voucher.unit_id).where(Unit.path.like(f"{unit.path}%"))
        .group_by(Voucher.fund_id, Voucher.method, Voucher.voucher_date)
        .order_by(Voucher.fund_id, Voucher.method, Voucher.voucher_date)).all()
    found: dict[tuple[int, str], list] = {}
    for fund_id, method, day, moved in rows:
        state = found.setdefault((fund_id, method), [0, 0, None])
        state[0] += int(moved)
        if state[0] < state[1]:
            state[1], state[2] = state[0], day
    bad = {key: state for key, state in found.items() if state[1] < 0}
    if not bad:
        return []
    funds = {f.id: f for f in db.session.scalars(
        select(Fund).where(Fund.id.in_({fid for fid, _m in bad})))}
    out = [NegativeBalance(funds[fid], method, state[0], state[1], state[2])
           for (fid, method), state in bad.items()]
    out.sort(key=lambda n: (n.fund.unit.path, n.fund.name, n.method))
    return out
