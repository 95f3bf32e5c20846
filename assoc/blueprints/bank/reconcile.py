"""The reconciliation line of a fund's bank book: the balance the latest statement states
against the book's bank balance on the statement's last day, and what makes the difference
(statement lines not booked; transfer vouchers not from a statement)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, or_, select

from ...extensions import db
from ...models import BankAccount, BankStatement, BankStatementLine, Fund, Voucher


@dataclass
class Reconciliation:
    account: BankAccount
    statement: BankStatement
    on: date
    per_statement: int
    per_book: int
    open_lines: list[BankStatementLine] = field(default_factory=list)
    unmatched_vouchers: list[Voucher] = field(default_factory=list)

    @property
    def difference(self) -> int:
        return self.per_statement - self.per_book


def _accounts(fund: Fund) -> list[BankAccount]:
    q = select(BankAccount).where(BankAccount.unit_id == fund.unit_id)
    if fund.kind == "general":
        q = q.where(or_(BankAccount.fund_id == fund.id, BankAccount.fund_id.is_(None)))
    else:
        q = q.where(BankAccount.fund_id == fund.id)
    return list(db.session.scalars(q))


def for_fund(fund: Fund) -> Reconciliation | None:
    accounts = _accounts(fund)
    if not accounts:
        return None
    statement = db.session.scalar(
        select(BankStatement).where(BankStatement.account_id.in_([a.id for a in accounts]),
                                    BankStatement.closing_balance.is_not(None),
                                    BankStatement.date_to.is_not(None))
        .order_by(BankStatement.date_to.desc(), BankStatement.id.desc()).limit(1))
    if statement is None:
        return None
    on = statement.date_to
    signed = case((Voucher.status == "void", 0), (Voucher.kind == "receipt", Voucher.amount),
                  else_=-Voucher.amount)
    per_book = int(db.session.scalar(
        select(func.coalesce(func.sum(signed), 0)).where(
            Voucher.fund_id == fund.id, Voucher.method == "transfer",
            Voucher.voucher_date <= on)) or 0)
    open_lines = list(db.session.scalars(
        select(BankStatementLine).where(BankStatementLine.account_id == statement.account_id,
                                        BankStatementLine.status == "open",
                                        BankStatementLine.line_date <= on)
        .order_by(BankStatementLine.line_date, BankStatementLine.id).limit(200)))
    by_hand = list(db.session.scalars(
        select(Voucher).where(Voucher.fund_id == fund.id, Voucher.method == "transfer",
                              Voucher.status != "void", Voucher.bank_ref == "",
                              Voucher.voucher_date <= on)
        .order_by(Voucher.voucher_date, Voucher.id).limit(200)))
    return Reconciliation(account=statement.account, statement=statement, on=on,
                          per_statement=int(statement.closing_balance), per_book=per_book,
                          open_lines=open_lines, unmatched_vouchers=by_hand)
