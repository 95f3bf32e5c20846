"""All tables, in titled sections. Typed Mapped[...] columns; money is integer đồng (BigInteger).

Column defaults are callables: nothing is computed at import time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    # The association works on Vietnamese calendar days, not UTC ones.
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------

# Rank of each level: a unit's parent must have a strictly smaller rank.
LEVELS: dict[str, int] = {
    "national": 0,
    "province": 1,
    "district": 2,
    "commune": 3,
    "branch": 4,
    "board": 4,
}


class Unit(db.Model):
    """A node of the association tree. `path` is materialised ("/1/7/42/") so a sub-tree is
    one indexed LIKE on SQLite and PostgreSQL alike."""

    __tablename__ = "unit"
    # varchar_pattern_ops lets PostgreSQL use the index for `path LIKE '/1/7/%'`.
    __table_args__ = (
        Index("ix_unit_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower case, no diacritics: "phuong khanh hoi" finds "Phường Khánh Hội".
    search_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    path: Mapped[str] = mapped_column(String(500), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    valid_from: Mapped[date] = mapped_column(Date, default=today)
    valid_to: Mapped[date | None] = mapped_column(Date)
    closed_reason: Mapped[str] = mapped_column(String(300), default="")
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parent: Mapped[Unit | None] = relationship(
        remote_side="Unit.id", foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Unit]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Unit.name"
    )
    successor: Mapped[Unit | None] = relationship(remote_side="Unit.id", foreign_keys=[successor_id])

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit (inclusive), read from the path."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def is_active(self, on: date | None = None) -> bool:
        on = on or today()
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)

    def is_within(self, other: Unit) -> bool:
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.path}>"


# ---------------------------------------------------------------------------------------------
# People and access
# ---------------------------------------------------------------------------------------------

ROLES = ("viewer", "clerk", "treasurer", "approver", "chair", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", foreign_keys="RoleAssignment.user_id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        from flask import current_app

        # scrypt in production; tests configure a cheaper method to stay fast.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def active_assignments(self, on: date | None = None) -> list[RoleAssignment]:
        on = on or today()
        return [a for a in self.assignments if a.is_active(on) and a.unit.is_active(on)]

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleAssignment(db.Model):
    """A role held at a unit; it applies to that unit and every unit below it."""

    __tablename__ = "role_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date] = mapped_column(Date, default=today)
    valid_to: Mapped[date | None] = mapped_column(Date)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="assignments", foreign_keys=[user_id])
    unit: Mapped[Unit] = relationship(lazy="joined")
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])

    def is_active(self, on: date | None = None) -> bool:
        on = on or today()
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


# ---------------------------------------------------------------------------------------------
# Audit
# ---------------------------------------------------------------------------------------------


class AuditEntry(db.Model):
    """Who did what, when, to which object, in which unit. Written by services, never edited."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


# ---------------------------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------------------------

MEMBER_KINDS = ("individual", "collective")
MEMBER_STATUSES = ("active", "ended", "merged")


def new_card_token() -> str:
    import secrets

    return secrets.token_urlsafe(16)


class Member(db.Model):
    """A member (hội viên) of one unit: a person, or an organisation (collective member).

    `number` is global and unique, shown as "HV-000123". `search_key` is the whole name without
    case or diacritics; `given_name_key` is that of the given name, so lists sort like Vietnamese
    class lists (given name, then full name) in SQL, on an index."""

    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_sort", "given_name_key", "search_key"),
        Index("ix_member_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(12), default="individual")
    honorary: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="active")
    # Person's full name, or the organisation's name for a collective member.
    full_name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    given_name_key: Mapped[str] = mapped_column(String(60), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(1), default="")  # "M", "F" or unknown ""
    cccd: Mapped[str | None] = mapped_column(String(12), index=True)
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    occupation: Mapped[str] = mapped_column(String(120), default="")
    representative: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    joined_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(String(1000), default="")
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(String(300), default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    card_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_card_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    merged_into: Mapped[Member | None] = relationship(remote_side="Member.id")

    @property
    def display_number(self) -> str:
        return format_member_number(self.number)

    @property
    def is_collective(self) -> bool:
        return self.kind == "collective"

    @property
    def shown_birth_year(self) -> int | None:
        return self.birth_date.year if self.birth_date else self.birth_year

    def __repr__(self) -> str:
        return f"<Member {self.display_number} {self.full_name}>"


def format_member_number(number: int | None) -> str:
    return f"HV-{number:06d}" if number is not None else ""


class MemberTransfer(db.Model):
    """A move of a member from one unit to another: the history a transfer keeps."""

    __tablename__ = "member_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # destination
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    on: Mapped[date] = mapped_column(Date, default=today)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    member: Mapped[Member] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    from_unit: Mapped[Unit] = relationship(foreign_keys=[from_unit_id])


class DuesRate(db.Model):
    """The yearly dues (hội phí) amount of a unit; units without one use their nearest
    ancestor's."""

    __tablename__ = "dues_rate"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()


class DuesPayment(db.Model):
    """Dues paid by a member for a year, with the receipt (phiếu thu) the treasury issued for
    it. `unit_id` is the unit that collected it (the ward for members of its branches)."""

    __tablename__ = "dues_payment"
    __table_args__ = (Index("ix_dues_payment_member_year", "member_id", "year"),
                      Index("ix_dues_payment_year_member", "year", "member_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date, default=today)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"))
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    member: Mapped[Member] = relationship()
    unit: Mapped[Unit] = relationship()
    collected_by: Mapped[User | None] = relationship()
    voucher: Mapped[Voucher | None] = relationship()



# ---------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------

VOUCHER_KINDS = ("receipt", "payment")
PAYMENT_METHODS = ("cash", "transfer")
FUND_KINDS = ("general", "earmarked")
# What a voucher may pay for or come from (link_type); link_id is that object's id.
VOUCHER_LINKS = ("dues", "donation", "event", "award", "remuneration")
BOOK_PREFIX = {"receipt": "PT", "payment": "PC"}


class Fund(db.Model):
    """A fund of a unit: the general learning-promotion fund or an earmarked one (a sponsor's
    scholarship fund). Its balance is always computed from its vouchers, never stored."""

    __tablename__ = "fund"
    __table_args__ = (UniqueConstraint("unit_id", "code", name="uq_fund_unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    kind: Mapped[str] = mapped_column(String(20), default="earmarked")
    sponsor: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()

    def __repr__(self) -> str:
        return f"<Fund {self.code} of unit {self.unit_id}>"


class VoucherBook(db.Model):
    """A series of vouchers of one unit, one kind, one year (quyển số), e.g. "PT-2026".
    `next_number` is taken under a row lock, so numbers have no gaps and no duplicates."""

    __tablename__ = "voucher_book"
    __table_args__ = (
        UniqueConstraint("unit_id", "kind", "year", name="uq_voucher_book_unit_kind_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    next_number: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship()


class Voucher(db.Model):
    """A receipt (phiếu thu) or payment voucher (phiếu chi). Never edited or deleted after
    issue: a mistake is voided (number kept) and a new voucher issued."""

    __tablename__ = "voucher"
    __table_args__ = (
        UniqueConstraint("book_id", "number", name="uq_voucher_book_number"),
        Index("ix_voucher_fund_date", "fund_id", "voucher_date"),
        Index("ix_voucher_link", "link_type", "link_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("voucher_book.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    voucher_date: Mapped[date] = mapped_column(Date, default=today, index=True)
    party_name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    party_address: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(String(500))
    amount: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(10), default="cash")
    attachments: Mapped[int] = mapped_column(Integer, default=0)
    link_type: Mapped[str | None] = mapped_column(String(20))
    link_id: Mapped[int | None] = mapped_column(BigInteger)
    idempotency_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="valid")
    void_reason: Mapped[str] = mapped_column(String(300), default="")
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    book: Mapped[VoucherBook] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship()
    fund: Mapped[Fund] = relationship()
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def display_number(self) -> str:
        return f"{self.book.code}/{self.number:04d}"

    @property
    def is_void(self) -> bool:
        return self.status == "void"

    @property
    def signed_amount(self) -> int:
        """What the voucher does to its fund's balance: + for receipts, - for payments, 0 if void."""
        if self.is_void:
            return 0
        return self.amount if self.kind == "receipt" else -self.amount

    @property
    def voided_by_name(self) -> str:
        return self.voided_by.full_name if self.voided_by else ""

    def __repr__(self) -> str:
        return f"<Voucher {self.kind} {self.book_id}/{self.number}>"


class TreasurySetting(db.Model):
    """How a unit prints its vouchers and which of its periods are closed. One row per unit,
    created when a chair first saves the settings; until then the defaults apply."""

    __tablename__ = "treasury_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    # "tt": Mẫu 01-TT / 02-TT (enterprise forms); "bb": C40-BB / C41-BB (public-sector).
    form_series: Mapped[str] = mapped_column(String(4), default="tt")
    word_style: Mapped[str] = mapped_column(String(10), default="standard")
    chan: Mapped[bool] = mapped_column(default=False)
    head_name: Mapped[str] = mapped_column(String(120), default="")
    accountant_name: Mapped[str] = mapped_column(String(120), default="")
    cashier_name: Mapped[str] = mapped_column(String(120), default="")
    # Vouchers dated on or before this day can no longer be issued or voided.
    books_closed_through: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    unit: Mapped[Unit] = relationship()



# ---------------------------------------------------------------------------------------------
# Scholarships
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Officers
# ---------------------------------------------------------------------------------------------
