"""All tables, in titled sections. Typed Mapped[...] columns; money is integer đồng (BigInteger).

Column defaults are callables: nothing is computed at import time.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
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
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_session_token() -> str:
    import secrets

    return secrets.token_urlsafe(32)


# A dry run of a plan for a later day runs as on that day (reorg.apply_plan(preview=True):
# rolled back, never committed); None everywhere else.
_AS_OF: ContextVar[date | None] = ContextVar("assoc_as_of", default=None)


def today() -> date:
    # The association works on Vietnamese calendar days, not UTC ones.
    from zoneinfo import ZoneInfo

    if (day := _AS_OF.get()) is not None:
        return day
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


@contextmanager
def as_of(day: date):
    """today() is `day` inside (for a preview that is rolled back; never for a write kept)."""
    token = _AS_OF.set(day)
    try:
        yield
    finally:
        _AS_OF.reset(token)


def local_day(moment: datetime) -> date:
    """The Vietnamese calendar day of a stored moment (SQLite gives it back without its zone;
    we always store UTC): 17:30 UTC is already the next day in Hà Nội."""
    from zoneinfo import ZoneInfo

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


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
        return Unit.depth_of(self.path)

    @staticmethod
    def depth_of(path: str) -> int:
        return path.count("/") - 2

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
    # Part of every session and remember cookie (Flask-Login's alternative id): replacing it
    # ends every session of the user at once (logout, password change, an admin's order).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # E-mail reminders of the work inbox (issue 32): "daily", "weekly" or "never".
    digest: Mapped[str] = mapped_column(String(10), default="daily", server_default="daily")

    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", foreign_keys="RoleAssignment.user_id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What the session and the remember cookie carry: id and the current session token."""
        if not self.session_token:
            self.session_token = new_session_token()
        return f"{self.id}:{self.session_token}"

    def end_all_sessions(self) -> None:
        """Every session and remember cookie issued so far stops working."""
        self.session_token = new_session_token()

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


DIGESTS = ("daily", "weekly", "never")


class ReminderSent(db.Model):
    """One reminder e-mailed to a user (issue 32): `key` names what it was about (an inbox item
    and the date rule it met, or the day's digest itself), so nothing is sent twice."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_reminder_sent_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    key: Mapped[str] = mapped_column(String(160))
    sent_on: Mapped[date] = mapped_column(Date, index=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    title: Mapped[str] = mapped_column(String(300), default="")


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


def new_job_token() -> str:
    import secrets

    return secrets.token_urlsafe(18)


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
        # Big lists walk these in order (keyset pages) and test the unit from the index alone.
        Index("ix_member_list_name", "status", "given_name_key", "search_key", "id", "unit_id"),
        Index("ix_member_list_number", "status", "number", "unit_id"),
        Index("ix_member_list_joined", "status", "joined_on", "number", "unit_id"),
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
    joined_on: Mapped[date | None] = mapped_column(Date, index=True)
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


class NumberCounter(db.Model):
    """The last number handed out of a series ("member"). Taking numbers is one UPDATE of this
    row, which queues concurrent registrations and imports so no two get the same number."""

    __tablename__ = "number_counter"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


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
    # The reorganisation plan that moved the member, if any (an undo moves them back).
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("reorg_plan.id"), index=True)
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
    paid_on: Mapped[date] = mapped_column(Date, default=today, index=True)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), index=True)
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
# Money moved between our own books (a reorganisation's handover, cash <-> bank): issued as a
# linked pair (pair_id), never income or spending in any figure, voided only together.
INTERNAL_LINKS = ("handover", "cash_move")
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
        # A unit's voucher list, newest first, a page at a time (keyset on date and id).
        Index("ix_voucher_unit_list", "unit_id", "voucher_date", "id"),
        Index("ix_voucher_link", "link_type", "link_id"),
        # The few void vouchers: "dues whose receipt was not voided" is then an index probe,
        # not a read of every voucher in the country.
        Index("ix_voucher_void", "id", postgresql_where=text("status = 'void'"),
              sqlite_where=text("status = 'void'")),
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
    # The other half of an internal move (INTERNAL_LINKS): payment out <-> receipt in.
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), index=True)
    # The bank's reference of the statement line a transfer receipt was booked from.
    bank_ref: Mapped[str] = mapped_column(String(60), default="", server_default="")
    idempotency_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="valid")
    void_reason: Mapped[str] = mapped_column(String(300), default="")
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    # What its paper prints that could change after issue (assoc/voucher_paper.py), frozen at
    # issue so that every copy reproduces the original.
    paper: Mapped[dict | None] = mapped_column(JSON)
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


class BankAccount(db.Model):
    """A bank account of a unit (bank from the NAPAS list by its BIN). One of a unit's accounts
    is marked for receiving: its VietQR codes are printed on dues slips, cards and pledge
    letters. `fund_id` names the fund whose bank book the account is (none: the general fund)."""

    __tablename__ = "bank_account"
    __table_args__ = (UniqueConstraint("unit_id", "bank_bin", "account_number",
                                       name="uq_bank_account_unit_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    bank_bin: Mapped[str] = mapped_column(String(6))
    account_number: Mapped[str] = mapped_column(String(19))
    account_name: Mapped[str] = mapped_column(String(100))
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"), index=True)
    receiving: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()
    fund: Mapped[Fund | None] = relationship()


class BankStatement(db.Model):
    """One imported bank statement (sao kê) of an account: its period and the balance the bank
    states at its end, for the reconciliation line of the bank book."""

    __tablename__ = "bank_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("bank_account.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    date_from: Mapped[date | None] = mapped_column(Date)
    date_to: Mapped[date | None] = mapped_column(Date)
    opening_balance: Mapped[int | None] = mapped_column(BigInteger)
    closing_balance: Mapped[int | None] = mapped_column(BigInteger)
    lines_read: Mapped[int] = mapped_column(Integer, default=0)
    lines_booked: Mapped[int] = mapped_column(Integer, default=0)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    account: Mapped[BankAccount] = relationship()
    unit: Mapped[Unit] = relationship()


class BankStatementLine(db.Model):
    """A line of a bank statement, kept once by its fingerprint (account, date, reference,
    amount, description): importing the same or an overlapping statement again finds it.
    `status`: open (not booked yet), booked (receipts of dues, pledges, donations or other
    income), fee (a debit booked as a payment). `vouchers` lists the vouchers it wrote."""

    __tablename__ = "bank_statement_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("bank_account.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statement.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    line_date: Mapped[date] = mapped_column(Date, index=True)
    reference: Mapped[str] = mapped_column(String(60), default="")
    amount: Mapped[int] = mapped_column(BigInteger)  # + credit (money in), - debit
    balance: Mapped[int | None] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    booked_as: Mapped[str] = mapped_column(String(20), default="")
    vouchers: Mapped[list] = mapped_column(JSON, default=list)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    booked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[BankAccount] = relationship()
    statement: Mapped[BankStatement] = relationship()


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
    # The legal-basis line under the form code; empty: the regime's default for the date.
    legal_basis: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Vouchers dated on or before this day can no longer be issued or voided.
    books_closed_through: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    unit: Mapped[Unit] = relationship()



# ---------------------------------------------------------------------------------------------
# Scholarships
# ---------------------------------------------------------------------------------------------

# Priority groups of scholarship programs (DOMAIN.md): codes stored, labels in the UI.
PRIORITY_GROUPS = ("poor", "near_poor", "orphan", "ethnic_minority", "girl", "disability")
NOMINATION_STATUSES = ("draft", "submitted", "approved", "rejected", "paid")


class ScholarshipProgram(db.Model):
    """A scholarship program (chương trình học bổng) run by a district or city unit, with a
    budget and/or a number of awards shared out as quotas to its sub-units."""

    __tablename__ = "scholarship_program"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    sponsor: Mapped[str] = mapped_column(String(200), default="")
    # Amount of one award; `tiers` (if any) lists the allowed amounts instead.
    amount_per_award: Mapped[int] = mapped_column(BigInteger)
    tiers: Mapped[list[int]] = mapped_column(JSON, default=list)
    max_awards: Mapped[int | None] = mapped_column(Integer)
    budget: Mapped[int | None] = mapped_column(BigInteger)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    ceremony_date: Mapped[date | None] = mapped_column(Date)
    criteria: Mapped[str] = mapped_column(Text, default="")
    priority_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The treasury fund of the program's unit that awards are paid from.
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()
    fund: Mapped[Fund] = relationship()
    created_by: Mapped[User | None] = relationship()
    quotas: Mapped[list[ScholarshipQuota]] = relationship(
        back_populates="program", cascade="all, delete-orphan", order_by="ScholarshipQuota.id"
    )

    @property
    def amounts(self) -> list[int]:
        """The amounts an award may have: the tiers, or the single amount per award."""
        return sorted(self.tiers) if self.tiers else [self.amount_per_award]

    def window_open(self, on: date | None = None) -> bool:
        on = on or today()
        return self.window_start <= on <= self.window_end


class ScholarshipQuota(db.Model):
    """Chỉ tiêu: how many awards (and/or how much money) one sub-unit of the program's unit may
    nominate; nominations come from that sub-unit or below."""

    __tablename__ = "scholarship_quota"
    __table_args__ = (UniqueConstraint("program_id", "unit_id", name="uq_scholarship_quota_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("scholarship_program.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    max_awards: Mapped[int | None] = mapped_column(Integer)
    budget: Mapped[int | None] = mapped_column(BigInteger)

    program: Mapped[ScholarshipProgram] = relationship(back_populates="quotas")
    unit: Mapped[Unit] = relationship()


class Nomination(db.Model):
    """Hồ sơ đề cử: a student nominated by a unit inside one quota of a program. Editable while
    a draft; locked once submitted; then approved or rejected; an approved award gets paid."""

    __tablename__ = "scholarship_nomination"
    __table_args__ = (
        UniqueConstraint("program_id", "search_key", "birth_date",
                         name="uq_scholarship_nomination_student"),
        Index("ix_scholarship_nomination_student", "search_key", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("scholarship_program.id"), index=True)
    # The unit that nominates (a ward, or a branch/board below it) …
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    # … and the quota it counts against (the sub-unit of the program's unit above it).
    quota_id: Mapped[int] = mapped_column(ForeignKey("scholarship_quota.id"), index=True)
    student_name: Mapped[str] = mapped_column(String(120))
    search_key: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))  # "M" / "F"
    school: Mapped[str] = mapped_column(String(200), default="")
    grade: Mapped[str] = mapped_column(String(20), default="")
    academic_result: Mapped[str] = mapped_column(String(200), default="")
    family_circumstance: Mapped[str] = mapped_column(Text, default="")
    priority_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    guardian_name: Mapped[str] = mapped_column(String(120), default="")
    guardian_phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The payment voucher (one per award, or one for a whole ceremony's signed list).
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    program: Mapped[ScholarshipProgram] = relationship()
    unit: Mapped[Unit] = relationship()
    quota: Mapped[ScholarshipQuota] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])
    voucher: Mapped[Voucher | None] = relationship()

    @property
    def is_locked(self) -> bool:
        return self.status != "draft"

    @property
    def counts_against_quota(self) -> bool:
        return self.status != "rejected"

    @property
    def is_awarded(self) -> bool:
        return self.status in ("approved", "paid")

    @property
    def is_paid(self) -> bool:
        """Paid by a voucher that still stands: voiding the payment voucher makes the award
        payable again."""
        return self.status == "paid" and self.voucher is not None and not self.voucher.is_void



# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------

# Vietnamese banknotes in circulation, then coins: (key, face value in đồng, is_coin).
DENOMINATIONS: tuple[tuple[str, int, bool], ...] = (
    ("n500000", 500_000, False), ("n200000", 200_000, False), ("n100000", 100_000, False),
    ("n50000", 50_000, False), ("n20000", 20_000, False), ("n10000", 10_000, False),
    ("n5000", 5_000, False), ("n2000", 2_000, False), ("n1000", 1_000, False),
    ("n500", 500, False),
    ("c5000", 5_000, True), ("c2000", 2_000, True), ("c1000", 1_000, True), ("c500", 500, True),
    ("c200", 200, True),
)
EVENT_KINDS = ("walk", "reading_day", "piggy_bank", "award_ceremony", "other")
EVENT_STATUSES = ("planned", "held", "closed", "cancelled")
DONATION_METHODS = ("cash", "transfer", "in_kind")


class Event(db.Model):
    """A fundraising or promotion event of a unit: walk, reading day, piggy-bank festival…"""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    place: Mapped[str] = mapped_column(String(300), default="")
    organiser: Mapped[str] = mapped_column(String(200), default="")
    partners: Mapped[str] = mapped_column(String(500), default="")
    target_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    description: Mapped[str] = mapped_column(String(4000), default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    participants_students: Mapped[int] = mapped_column(Integer, default=0)
    participants_members: Mapped[int] = mapped_column(Integer, default=0)
    participants_residents: Mapped[int] = mapped_column(Integer, default=0)
    books_collected: Mapped[int] = mapped_column(Integer, default=0)
    books_donated: Mapped[int] = mapped_column(Integer, default=0)
    # Printed number (global, from the "event" counter): donations transfer with SK + it.
    number: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()

    @property
    def participants_total(self) -> int:
        return self.participants_students + self.participants_members + self.participants_residents

    @property
    def accepts_donations(self) -> bool:
        return self.status in ("planned", "held")


class Donor(db.Model):
    """A person or organisation that gives; returning donors are found by name (no diacritics),
    phone or tax code."""

    __tablename__ = "donor"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="person")  # person | organisation
    name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)
    tax_code: Mapped[str] = mapped_column(String(20), default="", index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()


class Pledge(db.Model):
    """A promised gift (cam kết ủng hộ), fulfilled by one or more received donations."""

    __tablename__ = "pledge"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|fulfilled|cancelled
    # Printed number (global, from the "pledge" counter): the transfer code is UH + it.
    number: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()
    event: Mapped[Event | None] = relationship()
    donor: Mapped[Donor] = relationship()
    donations: Mapped[list[Donation]] = relationship(back_populates="pledge",
                                                     order_by="Donation.id")

    @property
    def received(self) -> int:
        return sum(d.amount for d in self.donations)

    @property
    def outstanding(self) -> int:
        return max(0, self.amount - self.received)


class Donation(db.Model):
    """A gift received, at an event or outside one. Cash and transfers carry the receipt the
    treasury issued; gifts in kind carry an acknowledgement number instead."""

    __tablename__ = "donation"
    __table_args__ = (UniqueConstraint("unit_id", "ack_year", "ack_number",
                                       name="uq_donation_ack"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donor.id"), index=True)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledge.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    method: Mapped[str] = mapped_column(String(20))  # cash | transfer | in_kind
    amount: Mapped[int] = mapped_column(BigInteger, default=0)  # money received (not in kind)
    items: Mapped[str] = mapped_column(String(300), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    estimated_value: Mapped[int] = mapped_column(BigInteger, default=0)
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date, default=today, index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), index=True)
    ack_year: Mapped[int | None] = mapped_column(Integer)
    ack_number: Mapped[int | None] = mapped_column(Integer)
    # Frozen when recorded: the names its acknowledgement and thank-you letter print (donor,
    # unit, event), so a later correction of the register does not change an issued paper.
    paper: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()
    event: Mapped[Event | None] = relationship()
    donor: Mapped[Donor | None] = relationship()
    pledge: Mapped[Pledge | None] = relationship(back_populates="donations")
    voucher: Mapped[Voucher | None] = relationship()

    @property
    def value(self) -> int:
        """What the gift is worth: money received, or the estimate of goods."""
        return self.estimated_value if self.method == "in_kind" else self.amount

    @property
    def ack_display(self) -> str:
        return f"BNHV-{self.ack_year}/{self.ack_number:04d}" if self.ack_number else ""


class CountingSheet(db.Model):
    """Biên bản kiểm đếm: the count of one class/group's piggy bank, per denomination."""

    __tablename__ = "counting_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(200))
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    counter_1: Mapped[str] = mapped_column(String(120))
    counter_2: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(300), default="")
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()
    event: Mapped[Event] = relationship()
    voucher: Mapped[Voucher | None] = relationship()

    def lines(self) -> list[tuple[str, int, bool, int, int]]:
        """(key, face value, is coin, count, subtotal) for every denomination."""
        return [(k, v, coin, int(self.counts.get(k, 0)), v * int(self.counts.get(k, 0)))
                for k, v, coin in DENOMINATIONS]



# ---------------------------------------------------------------------------------------------
# Officers
# ---------------------------------------------------------------------------------------------

# Titles of association posts (chức vụ). Key posts must be filled at every level that has them.
OFFICER_TITLES = (
    "chair",
    "vice_chair",
    "secretary",
    "standing_member",
    "committee_member",
    "inspection_head",
    "treasurer",
    "accountant",
    "branch_head",
    "board_head",
    "honorary_chair",
    "other",
)
# Posts whose vacancy the workload view flags, by unit level.
KEY_TITLES: dict[str, tuple[str, ...]] = {
    "national": ("chair", "treasurer"),
    "province": ("chair", "treasurer"),
    "district": ("chair", "treasurer"),
    "commune": ("chair", "treasurer"),
    "branch": ("branch_head",),
    "board": ("board_head",),
}


class Officer(db.Model):
    """A person holding (or having held) posts in the association. `unit_id` is the unit that
    keeps the record; the posts themselves may be at that unit or at units below it."""

    __tablename__ = "officer"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    search_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    birth_year: Mapped[int | None] = mapped_column(Integer)
    # Posts held outside the association, free text ("Bí thư chi bộ khu phố 2").
    outside_posts: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()
    positions: Mapped[list[Position]] = relationship(
        back_populates="officer", order_by="Position.start_date"
    )

    def active_positions(self, on: date | None = None) -> list[Position]:
        on = on or today()
        return [p for p in self.positions if p.is_active(on)]


class Position(db.Model):
    """A post (chức vụ) held by an officer at a unit, from–to, full-time or part-time."""

    __tablename__ = "position"
    __table_args__ = (Index("ix_position_unit_title", "unit_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(30))
    # Shown instead of the standard label when set ("Phó Chủ tịch thường trực").
    title_text: Mapped[str] = mapped_column(String(120), default="")
    term: Mapped[str] = mapped_column(String(20), default="")  # nhiệm kỳ, e.g. "2020–2025"
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    full_time: Mapped[bool] = mapped_column(default=False)  # chuyên trách / kiêm nhiệm
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    officer: Mapped[Officer] = relationship(back_populates="positions")
    unit: Mapped[Unit] = relationship()

    def is_active(self, on: date | None = None) -> bool:
        on = on or today()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class BaseSalary(db.Model):
    """Mức lương cơ sở: system-wide, in force from `effective_from` until the next row."""

    __tablename__ = "base_salary"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AllowanceRule(db.Model):
    """What a title is paid at a unit: coefficient × base salary (coefficient in thousandths,
    1.5 → 1500) or a fixed monthly amount in đồng; effective-dated."""

    __tablename__ = "allowance_rule"
    __table_args__ = (Index("ix_allowance_rule_unit_title", "unit_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(12))  # "coefficient" | "fixed"
    coefficient_milli: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[int | None] = mapped_column(BigInteger)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()

    def is_active(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


class OfficerSettings(db.Model):
    """Per-unit settings of the officers area (absent row = defaults)."""

    __tablename__ = "officer_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    combine: Mapped[str] = mapped_column(String(8), default="sum")  # "sum" | "max" of posts
    post_limit: Mapped[int] = mapped_column(Integer, default=2)
    # Remuneration cap as a multiple of the base salary, in thousandths; None = by level.
    cap_milli: Mapped[int | None] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship()


class RemunerationSheet(db.Model):
    """Bảng thanh toán thù lao of one unit for one month: draft → locked → paid."""

    __tablename__ = "remuneration_sheet"
    __table_args__ = (db.UniqueConstraint("unit_id", "year", "month",
                                          name="uq_remuneration_sheet_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft|locked|paid
    combine: Mapped[str] = mapped_column(String(8), default="sum")
    # Base salary in force on the last day of the month (shown on the sheet).
    base_salary: Mapped[int] = mapped_column(BigInteger, default=0)
    cap_amount: Mapped[int | None] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The payment voucher when the sheet is paid with one voucher (treasury's voucher id).
    voucher_id: Mapped[int | None] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    locked_by: Mapped[User | None] = relationship(foreign_keys=[locked_by_id])
    lines: Mapped[list[RemunerationLine]] = relationship(
        back_populates="sheet", order_by="RemunerationLine.position_no",
        cascade="all, delete-orphan",
    )

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"


class RemunerationLine(db.Model):
    """One officer on a sheet: what the posts give (computed), an adjustment with its reason,
    and the amount to pay. Names and posts are copied so the sheet never changes under us."""

    __tablename__ = "remuneration_line"
    __table_args__ = (db.UniqueConstraint("sheet_id", "officer_id",
                                          name="uq_remuneration_line_officer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("remuneration_sheet.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    position_no: Mapped[int] = mapped_column(Integer, default=0)
    full_name: Mapped[str] = mapped_column(String(120))
    posts: Mapped[str] = mapped_column(String(300), default="")
    rates: Mapped[str] = mapped_column(String(200), default="")  # "1,000 × LCS; 500.000 đ"
    days: Mapped[int] = mapped_column(Integer, default=0)
    computed: Mapped[int] = mapped_column(BigInteger, default=0)
    adjustment: Mapped[int] = mapped_column(BigInteger, default=0)
    adjustment_reason: Mapped[str] = mapped_column(String(300), default="")
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    over_cap: Mapped[bool] = mapped_column(default=False)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voucher_id: Mapped[int | None] = mapped_column(Integer)

    sheet: Mapped[RemunerationSheet] = relationship(back_populates="lines")
    unit: Mapped[Unit] = relationship()
    officer: Mapped[Officer] = relationship()


# ---------------------------------------------------------------------------------------------
# Roll-ups (kept by services.tally; dashboards read them instead of scanning every record)
# ---------------------------------------------------------------------------------------------


class UnitTally(db.Model):
    """The figures of one unit's own records (not its sub-units') for one calendar month, so a
    dashboard adds up a few rows per unit instead of scanning every member and voucher below.

    `month` is yyyymm of the record's Vietnamese calendar day (202603 = March 2026). Two kinds of
    row are not months: yyyy00 holds what belongs to a whole year (active members who paid
    that year's dues), and 0 holds active members with no joining date. 999999 (tally.TOTAL)
    is the sum of the unit's other rows, so "members now" reads one row per unit."""

    __tablename__ = "unit_tally"
    # A period's rows across a whole sub-tree (a national dashboard reads ~36,000 units), read
    # from the index alone on PostgreSQL (the figures are carried in it).
    __table_args__ = (Index("ix_unit_tally_month", "month", "unit_id", postgresql_include=[
        "members", "dues_paid", "dues", "money_in", "money_out", "awards", "award_amount",
        "award_paid", "events", "event_target", "raised", "in_kind"]),)

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    members: Mapped[int] = mapped_column(Integer, default=0)      # active, joined this month
    dues_paid: Mapped[int] = mapped_column(Integer, default=0)    # active members paid (yyyy00)
    dues: Mapped[int] = mapped_column(BigInteger, default=0)      # dues collected (đồng)
    money_in: Mapped[int] = mapped_column(BigInteger, default=0)  # valid receipts (not moves)
    money_out: Mapped[int] = mapped_column(BigInteger, default=0)  # valid payments (not moves)
    awards: Mapped[int] = mapped_column(Integer, default=0)       # approved or paid, by decision
    award_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    award_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)       # held or closed, by start
    event_target: Mapped[int] = mapped_column(BigInteger, default=0)
    raised: Mapped[int] = mapped_column(BigInteger, default=0)    # donations in cash/transfer
    in_kind: Mapped[int] = mapped_column(BigInteger, default=0)   # estimated value of gifts
    # Money moved between our own books (INTERNAL_LINKS: handovers, cash <-> bank): never in
    # money_in/money_out, but part of the balance.
    moved_in: Mapped[int] = mapped_column(BigInteger, default=0)
    moved_out: Mapped[int] = mapped_column(BigInteger, default=0)


class SubtreeTally(db.Model):
    """The figures of a unit's whole sub-tree as it is now (the unit and every unit below it)
    for one month: the sum of their UnitTally rows of that month, kept in step by
    services.tally in the transaction that changes them. A province or national dashboard then
    reads a few rows instead of every unit's. `unit_rows` counts the UnitTally rows summed (a
    row exists while it is above 0, as the rows it sums do). A migration that forgets the unit
    rows (to have them built again) must empty this table too: a rebuild adds what it builds
    to the rows above."""

    __tablename__ = "subtree_tally"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True,
                                         autoincrement=False)
    month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_rows: Mapped[int] = mapped_column(Integer, default=0)
    members: Mapped[int] = mapped_column(Integer, default=0)
    dues_paid: Mapped[int] = mapped_column(Integer, default=0)
    dues: Mapped[int] = mapped_column(BigInteger, default=0)
    money_in: Mapped[int] = mapped_column(BigInteger, default=0)
    money_out: Mapped[int] = mapped_column(BigInteger, default=0)
    awards: Mapped[int] = mapped_column(Integer, default=0)
    award_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    award_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    event_target: Mapped[int] = mapped_column(BigInteger, default=0)
    raised: Mapped[int] = mapped_column(BigInteger, default=0)
    in_kind: Mapped[int] = mapped_column(BigInteger, default=0)
    moved_in: Mapped[int] = mapped_column(BigInteger, default=0)
    moved_out: Mapped[int] = mapped_column(BigInteger, default=0)


class TalliedUnit(db.Model):
    """A unit whose UnitTally rows are built. A unit without one (new data loaded in bulk, or
    a database upgraded from before roll-ups) is built on the first dashboard that needs it."""

    __tablename__ = "tallied_unit"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True,
                                         autoincrement=False)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AreaVersion(db.Model):
    """A random token per area of the data, replaced by database triggers on every write to
    the area's tables: 'posts' (assoc/postsversion.py) lets the officer figures be kept while
    only money and members change."""

    __tablename__ = "area_version"

    area: Mapped[str] = mapped_column(String(20), primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


# ---------------------------------------------------------------------------------------------
# Learning models (Gia đình / Dòng họ / Cộng đồng / Đơn vị / Công dân học tập)
# ---------------------------------------------------------------------------------------------

# The five titles a household, clan, community, organisation or citizen can be recognised for.
LEARNING_MODELS = ("family", "clan", "community", "organisation", "citizen")


def new_learning_token() -> str:
    import secrets

    return secrets.token_urlsafe(16)


class LearningCriteriaSet(db.Model):
    """One version of the criteria (bộ tiêu chí) of one model, in force from `from_year` until
    a newer version of the same model starts. Kept as data: the association edits it."""

    __tablename__ = "learning_criteria_set"
    __table_args__ = (UniqueConstraint("model", "from_year", name="uq_learning_criteria_set_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    from_year: Mapped[int] = mapped_column(Integer)
    # Points needed to be proposed for recognition (on the set's total).
    threshold: Mapped[int] = mapped_column(Integer)
    # Optional grade bands, highest first: [{"name": "Xuất sắc", "min": 90}, ...].
    grade_bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Shipped with the demo as editable sample data, not the association's official text.
    sample: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    items: Mapped[list[LearningCriterion]] = relationship(
        back_populates="criteria_set", cascade="all, delete-orphan",
        order_by="LearningCriterion.position",
    )

    @property
    def max_total(self) -> int:
        return sum(i.max_points for i in self.items)

    def groups(self) -> list[tuple[str, list[LearningCriterion]]]:
        out: list[tuple[str, list[LearningCriterion]]] = []
        for item in self.items:
            if not out or out[-1][0] != item.group_name:
                out.append((item.group_name, []))
            out[-1][1].append(item)
        return out

    def grade_for(self, total: int | None) -> str:
        if total is None:
            return ""
        for band in sorted(self.grade_bands or [], key=lambda b: -int(b.get("min", 0))):
            if total >= int(band.get("min", 0)):
                return str(band.get("name", ""))
        return ""


class LearningCriterion(db.Model):
    """One item of a criteria set, inside a named group, with its maximum points."""

    __tablename__ = "learning_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("learning_criteria_set.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    group_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(String(500))
    max_points: Mapped[int] = mapped_column(Integer)
    guidance: Mapped[str] = mapped_column(Text, default="")

    criteria_set: Mapped[LearningCriteriaSet] = relationship(back_populates="items")


class LearningRecognition(db.Model):
    """A recognition decision (quyết định công nhận) of a unit for one model and year; the
    entries it covers point to it."""

    __tablename__ = "learning_recognition"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    model: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(60))
    decided_on: Mapped[date] = mapped_column(Date)
    signer: Mapped[str] = mapped_column(String(200))
    issuing_body: Mapped[str] = mapped_column(String(200))
    # Frozen at the decision: what its certificates print that could change later (the names
    # of the units, the place in the date line); see services.learning.freeze_certificates.
    paper: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship()
    entries: Mapped[list[LearningEntry]] = relationship(back_populates="recognition",
                                                        order_by="LearningEntry.id")


class LearningEntry(db.Model):
    """One household, clan, community, organisation or citizen registered (đăng ký) at a unit
    for one year, then assessed and perhaps recognised. The same household next year is a new
    entry with the same `identity_key`, which is how "N years running" is counted."""

    __tablename__ = "learning_entry"
    __table_args__ = (
        UniqueConstraint("unit_id", "model", "year", "identity_key",
                         name="uq_learning_entry_identity"),
        # Covers the rates' grouped count (no table reads): year, unit, model, scored, recognised.
        Index("ix_learning_entry_year_unit", "year", "unit_id", "model", "total_score",
              "recognition_id"),
        Index("ix_learning_entry_identity", "model", "identity_key", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    model: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    # Head of household, clan name, community / organisation name, or the citizen's name.
    name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    identity_key: Mapped[str] = mapped_column(String(420), default="")
    head: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    people: Mapped[int | None] = mapped_column(Integer)       # members of the household
    households: Mapped[int | None] = mapped_column(Integer)   # households of the clan
    description: Mapped[str] = mapped_column(String(500), default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    registered_on: Mapped[date] = mapped_column(Date, default=today)
    commitment: Mapped[str] = mapped_column(Text, default="")
    # Assessment (year end)
    criteria_set_id: Mapped[int | None] = mapped_column(ForeignKey("learning_criteria_set.id"))
    total_score: Mapped[int | None] = mapped_column(Integer)
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)
    assessment_notes: Mapped[str] = mapped_column(Text, default="")
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Recognition
    recognition_id: Mapped[int | None] = mapped_column(ForeignKey("learning_recognition.id"),
                                                       index=True)
    below_threshold_reason: Mapped[str] = mapped_column(Text, default="")
    # Withdrawn (registered by mistake, twice, moved away…): kept with its reason, counted
    # nowhere from then on (services.learning.withdraw_entry).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    public_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_learning_token)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()
    member: Mapped[Member | None] = relationship()
    criteria_set: Mapped[LearningCriteriaSet | None] = relationship()
    recognition: Mapped[LearningRecognition | None] = relationship(back_populates="entries")
    assessed_by: Mapped[User | None] = relationship(foreign_keys=[assessed_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    scores: Mapped[list[LearningScore]] = relationship(back_populates="entry",
                                                       cascade="all, delete-orphan")

    @property
    def is_assessed(self) -> bool:
        return self.total_score is not None

    @property
    def is_recognised(self) -> bool:
        return self.recognition_id is not None


class LearningScore(db.Model):
    """Points given to one entry for one criteria item."""

    __tablename__ = "learning_score"
    __table_args__ = (UniqueConstraint("entry_id", "criterion_id", name="uq_learning_score_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("learning_entry.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("learning_criterion.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)

    entry: Mapped[LearningEntry] = relationship(back_populates="scores")
    criterion: Mapped[LearningCriterion] = relationship()


class LearningDenominator(db.Model):
    """What a unit records for a year and model: how many households (clans, communities,
    organisations…) it has in all, and the share it aims to recognise."""

    __tablename__ = "learning_denominator"
    __table_args__ = (UniqueConstraint("unit_id", "year", "model",
                                       name="uq_learning_denominator_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(20))
    total: Mapped[int | None] = mapped_column(Integer)
    target_percent: Mapped[int | None] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship()


# ---------------------------------------------------------------------------------------------
# Jobs: long work (imports, exports, batch PDFs, roll-up rebuilds) with progress
# ---------------------------------------------------------------------------------------------

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")


class Job(db.Model):
    """A piece of long work run by a worker (RQ) or a background thread. Its page shows the
    progress (`done` of `total` `unit_label`s) and offers the result file for 24 hours. Users
    reach it by `token`, never by id; only the owner and those allowed at the unit see it."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_job_token)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(String(1000), default="")
    result_path: Mapped[str] = mapped_column(String(500), default="")
    result_name: Mapped[str] = mapped_column(String(200), default="")
    result_mime: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    owner: Mapped[User | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")


# ---------------------------------------------------------------------------------------------
# Periodic reports (báo cáo sơ kết / tổng kết that travel up the tree)
# ---------------------------------------------------------------------------------------------

PERIODIC_KINDS = ("six_month", "year_end", "custom")
PERIODIC_STATUSES = ("draft", "submitted", "returned", "accepted")


class PeriodicTemplate(db.Model):
    """A report template defined by a province (or the national level) for one period: which
    levels below it report, when they are due, and the sections (figure tables whose rows come
    from the catalogue in services.periodic, and free-text sections)."""

    __tablename__ = "periodic_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="custom")
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    # Unit levels below the template's unit that report (e.g. ["district", "commune"]).
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"key": "s1", "kind": "figures"|"text", "title": "...", "groups": [...], "required": bool}]
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()


class PeriodicReport(db.Model):
    """One unit's report for one template, in versions: a draft is filled and submitted, then
    returned (it reopens) or accepted (final). A later correction of an accepted report is a new
    version. `revision` is the optimistic-lock counter of the draft form."""

    __tablename__ = "periodic_report"
    __table_args__ = (UniqueConstraint("template_id", "unit_id", "version",
                                       name="uq_periodic_report_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("periodic_template.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    number: Mapped[str] = mapped_column(String(40), default="")
    place: Mapped[str] = mapped_column(String(120), default="")
    signer: Mapped[str] = mapped_column(String(120), default="")
    recipients: Mapped[str] = mapped_column(String(500), default="")
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Compiled reports: the reporting units below whose accepted report was missing, as
    # [{"id": .., "name": ..}] at the time the figures were last added up.
    missing: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    compiled_from: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Frozen at acceptance (services.periodic.freeze_paper): names, title, period and the
    # compiled table its paper prints, so every later export reproduces the accepted report.
    paper: Mapped[dict | None] = mapped_column(JSON)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    template: Mapped[PeriodicTemplate] = relationship()
    unit: Mapped[Unit] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    figures: Mapped[list[PeriodicFigure]] = relationship(
        back_populates="report", order_by="PeriodicFigure.position",
        cascade="all, delete-orphan")
    attachments: Mapped[list[PeriodicAttachment]] = relationship(
        back_populates="report", order_by="PeriodicAttachment.id", cascade="all, delete-orphan")

    @property
    def editable(self) -> bool:
        return self.status in ("draft", "returned")


class PeriodicFigure(db.Model):
    """One figure row of a report: what the system computed and, when the chair corrected it,
    the reported value with the stated reason. Both are kept and shown."""

    __tablename__ = "periodic_figure"
    __table_args__ = (UniqueConstraint("report_id", "key", name="uq_periodic_figure_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("periodic_report.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    computed: Mapped[int] = mapped_column(BigInteger, default=0)
    reported: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500), default="")

    report: Mapped[PeriodicReport] = relationship(back_populates="figures")

    @property
    def value(self) -> int:
        return self.computed if self.reported is None else self.reported

    @property
    def corrected(self) -> bool:
        return self.reported is not None and self.reported != self.computed


class PeriodicAttachment(db.Model):
    """A file attached to a report (PDF or image), stored outside static under a random name."""

    __tablename__ = "periodic_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("periodic_report.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    report: Mapped[PeriodicReport] = relationship(back_populates="attachments")


# ---------------------------------------------------------------------------------------------
# Reorganisation (merge, split, dissolve, move, rename units on an effective date)
# ---------------------------------------------------------------------------------------------

REORG_ACTIONS = ("merge", "split", "dissolve", "move", "rename")


class ReorgPlan(db.Model):
    """One applied reorganisation: the operations of a plan, carried out together on one
    effective date. `summary` keeps what the handover records print (per successor)."""

    __tablename__ = "reorg_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unit whose sub-tree the plan reorganised (the lowest unit above all it touched).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    effective: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="applied")  # applied | undone
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    changes: Mapped[list[UnitChange]] = relationship(back_populates="plan",
                                                     order_by="UnitChange.id")


class UnitChange(db.Model):
    """What one operation of a plan did to one unit: the unit as it was (name, code, parent)
    and where its work went (`successor`). A unit's page lists its predecessors and successors
    from these rows; reports before `effective` show the old name."""

    __tablename__ = "unit_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("reorg_plan.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    effective: Mapped[date] = mapped_column(Date)
    old_name: Mapped[str] = mapped_column(String(200), default="")
    old_code: Mapped[str] = mapped_column(String(40), default="")
    old_parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    plan: Mapped[ReorgPlan] = relationship(back_populates="changes")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    old_parent: Mapped[Unit | None] = relationship(foreign_keys=[old_parent_id])
    successor: Mapped[Unit | None] = relationship(foreign_keys=[successor_id])


def _listen_search_index() -> None:
    from . import postsversion
    from .search_index import listen

    listen(Member.__table__)
    postsversion.listen(db.metadata)


_listen_search_index()
