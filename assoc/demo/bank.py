"""Demo step for bank transfers: Phường Khánh Hội's receiving account (Vietcombank), so the
member pages, cards, dues slips, pledge letters and the event page show their VietQR."""

from __future__ import annotations

from sqlalchemy import select

from ..demo import STEPS
from ..extensions import db
from ..models import BankAccount, Unit, User

ACCOUNT = ("970436", "0071000123456", "HOI KHUYEN HOC PHUONG KHANH HOI")


def seed_bank(units: dict[str, Unit], users: dict[str, User]) -> None:
    from ..blueprints.bank import accounts

    unit = units["HCM-Q4-KH"]
    if db.session.scalar(select(BankAccount.id).where(BankAccount.unit_id == unit.id)):
        return
    bin_, number, name = ACCOUNT
    accounts.create_account(users["thuquy.khanhhoi"], unit, bank_bin=bin_,
                            account_number=number, account_name=name, receiving=True)


STEPS.append(seed_bank)
