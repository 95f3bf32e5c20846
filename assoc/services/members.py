"""Members (hội viên): register, edit, transfer, end, delete, merge; dues (hội phí); the
filtered/sorted/searched member list shared by the list page, exports and cards."""

from __future__ import annotations

import base64
import contextlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import (
    and_,
    bindparam,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    tuple_,
    update,
)

from .. import statements
from ..extensions import db
from ..models import (
    DuesPayment,
    DuesRate,
    Member,
    MemberTransfer,
    NumberCounter,
    ReorgPlan,
    SubtreeTally,
    Unit,
    UnitChange,
    User,
    Voucher,
    format_member_number,
    today,
)
from ..money import MAX_AMOUNT
from ..permissions import SUCCEEDING, granting_paths, scope_query
from ..text import (
    cccd_warnings,
    clean,
    normalize_cccd,
    normalize_phone,
    parse_date_loose,
    phone_search_key,
    search_key,
    title_name,
)
from . import DomainError, audit, insert_or_find, tally, treasury

# Fields a member form or an import row may carry, in display/export order.
# A typed date whose year has two digits (1/10/26): which century is a guess, so it is refused.
TWO_DIGIT_YEAR_RE = re.compile(r"\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2}")

FIELDS = ("kind", "honorary", "full_name", "birth", "sex", "cccd", "phone", "address",
          "occupation", "branch", "joined_on", "representative", "contact", "notes")

SEX_VALUES = {"nam": "M", "m": "M", "male": "M", "trai": "M",
              "nu": "F", "f": "F", "female": "F", "gai": "F"}
COLLECTIVE_WORDS = {"tap the", "collective", "hoi vien tap the", "to chuc", "tt"}
YES_WORDS = {"x", "co", "yes", "1", "true", "danh du", "hoi vien danh du", "v", "✓"}


@dataclass
class Normalised:
    """Cleaned member values plus the problems found: errors block, warnings inform."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def cell_text(value: Any) -> str:
    """A spreadsheet cell as clean text (a whole float read as an integer: 5.0 → \"5\")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean(str(value))


def person_name(value: Any) -> str:
    """Clean a name; ALL CAPS or all lower case becomes "Nguyễn Thị Thu"."""
    name = cell_text(value)
    letters = [c for c in name if c.isalpha()]
    if letters and (name.isupper() or name.islower()):
        return title_name(name)
    return name


def normalise(values: dict[str, Any], *, on: date | None = None,
              typed: bool = False) -> Normalised:
    """Validate and normalise the values of one member (from a form or an import row).

    `birth` and `joined_on` may be a date, an Excel serial or text (dd/mm/yyyy, d-m-yy, yyyy).
    `typed` (a form, not a spreadsheet cell): a two-digit year is refused, with the message of
    every other date field, instead of its century being guessed."""
    on = on or today()
    out = Normalised()
    d = out.data

    kind_key = search_key(cell_text(values.get("kind")))
    d["kind"] = "collective" if kind_key in COLLECTIVE_WORDS or kind_key == "collective" else (
        "individual")
    honorary = values.get("honorary")
    d["honorary"] = honorary if isinstance(honorary, bool) else (
        search_key(cell_text(honorary)) in YES_WORDS)

    name = cell_text(values.get("full_name")) if d["kind"] == "collective" else person_name(
        values.get("full_name"))
    if not name:
        out.errors.append(("full_name", _("A name is required.")))
    elif len(name) > 200:
        out.errors.append(("full_name", _("The name is too long.")))
    d["full_name"] = name

    d["birth_date"], d["birth_year"] = None, None
    birth = values.get("birth")
    if typed and isinstance(birth, str) and TWO_DIGIT_YEAR_RE.fullmatch(clean(birth)):
        out.errors.append(("birth", _("Type the date as day/month/year, e.g. 01/10/2026.")))
    elif birth not in (None, ""):
        try:
            bd, by = parse_date_loose(birth, today=on)
        except ValueError:
            out.errors.append(("birth", _("Not a real date: %(v)s (use dd/mm/yyyy or a year).",
                                          v=cell_text(birth))))
        else:
            if by is not None and (by > on.year or (bd is not None and bd > on)):
                out.errors.append(("birth", _("The birth date is in the future.")))
            elif by is not None and by < 1900:
                out.errors.append(("birth", _("The birth year is before 1900.")))
            else:
                d["birth_date"], d["birth_year"] = bd, by

    sex_raw = cell_text(values.get("sex"))
    d["sex"] = values.get("sex") if values.get("sex") in ("M", "F") else SEX_VALUES.get(
        search_key(sex_raw), "")
    if sex_raw and not d["sex"] and sex_raw not in ("M", "F"):
        out.warnings.append(("sex", _("Unknown sex %(v)s: left blank.", v=sex_raw)))

    d["cccd"] = None
    cccd_raw = values.get("cccd")
    if cccd_raw not in (None, ""):
        try:
            d["cccd"] = cccd_value(cccd_raw)
        except ValueError:
            out.errors.append(("cccd", _("Invalid CCCD %(v)s: it must have 12 digits.",
                                         v=cell_text(cccd_raw))))
        else:
            for w in cccd_warnings(d["cccd"], sex=d["sex"] or None,
                                   birth_year=d["birth_year"], today=on):
                out.warnings.append(("cccd", w))

    d["phone"] = ""
    phone_raw = values.get("phone")
    if phone_raw not in (None, ""):
        parts = [p for p in re.split(r"[/,;]| - ", cell_text(phone_raw)) if p.strip()] if isinstance(
            phone_raw, str) else [phone_raw]
        try:
            d["phone"] = normalize_phone(parts[0] if parts else phone_raw)
        except ValueError:
            out.errors.append(("phone", _("Invalid phone number %(v)s.", v=cell_text(phone_raw))))
        else:
            if len(parts) > 1:
                out.warnings.append(("phone", _("Several phone numbers: only the first is kept.")))

    d["joined_on"] = None
    joined = values.get("joined_on")
    if joined not in (None, ""):
        try:
            jd, jy = parse_date_loose(joined, today=on)
        except ValueError:
            out.errors.append(("joined_on", _("Not a real date: %(v)s (use dd/mm/yyyy or a "
                                              "year).", v=cell_text(joined))))
        else:
            jd = jd or (date(jy, 1, 1) if jy else None)
            if jd and jd > on:
                out.errors.append(("joined_on", _("The joining date is in the future.")))
            else:
                d["joined_on"] = jd

    for key, limit in (("address", 300), ("occupation", 120), ("representative", 200),
                       ("contact", 200), ("notes", 1000)):
        d[key] = cell_text(values.get(key))[:limit]
    if d["kind"] == "collective":
        d["representative"] = person_name(d["representative"])
    return out


def cccd_value(value: Any) -> str:
    """A CCCD as typed or read from a cell. Text is never padded: spaces are removed and exactly
    12 digits must remain. Only a number cell (Excel dropped its leading zeros) is left-padded."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return normalize_cccd(value)
    text = re.sub(r"\s+", "", clean(str(value))).lstrip("'")
    if not re.fullmatch(r"\d{12}", text):
        raise ValueError(f"CCCD {text!r} does not have exactly 12 digits.")
    return text


def _derived(data: dict[str, Any]) -> dict[str, Any]:
    """Search and sort keys of a member's name."""
    name = data["full_name"]
    if data.get("kind") == "collective":
        return {"search_key": search_key(name), "given_name_key": search_key(name)[:60]}
    words = name.split()  # the name is clean: its words are split_name's
    return {"search_key": search_key(name),
            "given_name_key": search_key(words[-1])[:60] if words else ""}


def take_numbers(count: int = 1) -> int:
    """Reserve `count` consecutive member numbers and return the first. The counter's UPDATE
    holds a row lock (PostgreSQL) or the write lock (SQLite) until commit, so two registrations
    or imports at once never get the same number."""

    def bump():
        return db.session.execute(
            update(NumberCounter).where(NumberCounter.name == "member")
            .values(last=NumberCounter.last + count).returning(NumberCounter.last)
            .execution_options(synchronize_session=False)).scalar()

    last = bump()
    if last is None:  # the first number ever (or a database from before the counter)
        start = db.session.scalar(select(func.max(Member.number))) or 0
        insert_or_find(NumberCounter(name="member", last=start),
                       lambda: db.session.get(NumberCounter, "member"))
        last = bump()
    return last - count + 1


def _raise_first(result: Normalised) -> None:
    if result.errors:
        fld, message = result.errors[0]
        raise DomainError(message, fld)


# ---------------------------------------------------------------------------------------------
# Register, edit, transfer, end, delete
# ---------------------------------------------------------------------------------------------


def create_member(actor: User | None, unit: Unit, **values) -> Member:
    if not unit.is_active():
        raise DomainError(_("The unit is closed."), "unit")
    result = normalise(values, typed=True)
    _raise_first(result)
    data = result.data
    member = Member(unit=unit, number=take_numbers(), status="active", **data, **_derived(data))
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "member.create", member,
                 data={"number": member.display_number, "name": member.full_name,
                       "kind": member.kind})
    return member


def update_member(actor: User | None, member: Member, **values) -> Member:
    result = normalise(values, typed=True)
    _raise_first(result)
    data = {**result.data, **_derived(result.data)}
    diff = audit.changes(member, data)
    if not diff:
        return member
    for key, value in data.items():
        setattr(member, key, value)
    db.session.flush()
    audit.record(actor, "member.update", member, data=diff)
    return member


def transfer_member(actor: User | None, member: Member, to_unit: Unit, *,
                    on: date | None = None, reason: str = "") -> MemberTransfer:
    if member.status != "active":
        raise DomainError(_("Only an active member can be transferred."), "unit")
    if to_unit.id == member.unit_id:
        raise DomainError(_("The member already belongs to this unit."), "unit")
    if not to_unit.is_active():
        raise DomainError(_("The unit is closed."), "unit")
    on = on or today()
    move = MemberTransfer(member=member, unit=to_unit, from_unit_id=member.unit_id, on=on,
                          reason=clean(reason), created_by_id=getattr(actor, "id", None))
    from_unit = member.unit
    member.unit = to_unit
    db.session.add(move)
    db.session.flush()
    audit.record(actor, "member.transfer", member, unit=to_unit,
                 data={"from": from_unit.code, "to": to_unit.code, "on": on,
                       "reason": move.reason})
    return move


def end_membership(actor: User | None, member: Member, *, on: date | None = None,
                   reason: str) -> Member:
    reason = clean(reason)
    if not reason:
        raise DomainError(_("A reason is required."), "reason")
    if member.status != "active":
        raise DomainError(_("This membership has already ended."), "reason")
    on = on or today()
    member.status, member.ended_on, member.end_reason = "ended", on, reason[:300]
    db.session.flush()
    audit.record(actor, "member.end", member, data={"on": on, "reason": reason})
    return member


def reinstate(actor: User | None, member: Member) -> Member:
    if member.status != "ended":
        raise DomainError(_("Only an ended membership can be restored."))
    member.status, member.ended_on, member.end_reason = "active", None, ""
    db.session.flush()
    audit.record(actor, "member.reinstate", member)
    return member


def has_receipts(member: Member) -> bool:
    """Dues paid are money received: such a member is ended, never deleted."""
    return db.session.scalar(
        select(exists().where(DuesPayment.member_id == member.id))
    )


def delete_member(actor: User | None, member: Member) -> None:
    """Delete a record entered by mistake. A member with receipts cannot be deleted."""
    if has_receipts(member):
        raise DomainError(_("This member has dues receipts and cannot be deleted: end the "
                            "membership instead."))
    if db.session.scalar(select(exists().where(Member.merged_into_id == member.id))):
        raise DomainError(_("Other records were merged into this member: end the membership "
                            "instead."))
    audit.record(actor, "member.delete", member,
                 data={"number": member.display_number, "name": member.full_name})
    db.session.execute(MemberTransfer.__table__.delete().where(
        MemberTransfer.member_id == member.id))
    db.session.delete(member)
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Dues (hội phí)
# ---------------------------------------------------------------------------------------------


def set_dues_rate(actor: User | None, unit: Unit, *, year: int, amount: int) -> DuesRate:
    if not 2000 <= year <= 2100:
        raise DomainError(_("Invalid year."), "year")
    if amount <= 0 or amount > MAX_AMOUNT:
        raise DomainError(_("The amount must be more than 0 đ."), "amount")
    rate = db.session.scalar(select(DuesRate).where(DuesRate.unit_id == unit.id,
                                                    DuesRate.year == year))
    old = rate.amount if rate else None
    if rate is None:
        rate = DuesRate(unit=unit, year=year, amount=amount)
        db.session.add(rate)
    rate.amount = amount
    db.session.flush()
    audit.record(actor, "dues.rate", rate, unit=unit,
                 data={"year": year, "amount": [old, amount]})
    return rate


def dues_rate(unit: Unit, year: int) -> int | None:
    """The yearly amount set at the unit, or at its nearest ancestor that has one."""
    ids = unit.ancestor_ids
    rates = dict(db.session.execute(
        select(DuesRate.unit_id, DuesRate.amount).where(DuesRate.unit_id.in_(ids),
                                                        DuesRate.year == year)
    ).all())
    for unit_id in reversed(ids):
        if unit_id in rates:
            return rates[unit_id]
    return None


def payment_counts():
    """A dues payment counts unless its receipt was voided in the treasury."""
    return ~exists().where(Voucher.id == DuesPayment.voucher_id, Voucher.status == "void")


def payment_counted(payment: DuesPayment) -> bool:
    """`payment_counts()` for a payment already loaded (with its voucher)."""
    return payment.voucher is None or payment.voucher.status != "void"


def dues_paid(member: Member, year: int) -> DuesPayment | None:
    return db.session.scalar(select(DuesPayment).where(
        DuesPayment.member_id == member.id, DuesPayment.year == year, payment_counts()))


def pay_dues(actor: User | None, member: Member, *, year: int, amount: int | None = None,
             paid_on: date | None = None, token: str | None = None, method: str = "cash",
             fund=None) -> DuesPayment:
    """Record the dues of `member` for `year`; with the treasury, also issue the receipt
    (`method` cash or transfer, into `fund` of the collecting unit, else its general fund).

    A repeated `token` (double submission) returns the first payment."""
    if token:
        first = db.session.scalar(select(DuesPayment).where(DuesPayment.token == token))
        if first is not None:
            return first
    if member.status != "active":
        raise DomainError(_("The membership has ended."), "year")
    if not 2000 <= year <= today().year + 1:
        raise DomainError(_("Invalid year."), "year")
    if dues_paid(member, year) is not None:
        raise DomainError(_("Dues for %(year)s are already paid.", year=year), "year")
    if amount is None:
        amount = dues_rate(member.unit, year)
        if amount is None:
            raise DomainError(_("No dues amount is set for %(year)s.", year=year), "amount")
    if amount <= 0 or amount > MAX_AMOUNT:
        raise DomainError(_("The amount must be more than 0 đ."), "amount")
    unit = collecting_unit(member)
    payment = DuesPayment(member=member, unit_id=unit.id, year=year, amount=amount,
                          paid_on=paid_on or today(), token=token,
                          collected_by_id=getattr(actor, "id", None))
    db.session.add(payment)
    db.session.flush()
    voucher = treasury.issue_voucher(
        actor, unit, kind="receipt", amount=amount, party_name=member.full_name,
        party_address=member.address, reason=f"Hội phí năm {year}",
        voucher_date=payment.paid_on, link_type="dues", link_id=payment.id,
        token=f"dues:{token}" if token else None, method=method, fund=fund,
    )
    payment.voucher_id = voucher.id
    db.session.flush()
    audit.record(actor, "dues.pay", member,
                 data={"year": year, "amount": amount, "payment": payment.id,
                       "receipt": voucher.display_number})
    return payment


def collecting_unit(member: Member) -> Unit:
    """Branches and boards keep no books: their members' dues are receipted by the parent."""
    unit = member.unit
    if unit.level in ("branch", "board") and unit.parent is not None:
        return unit.parent
    return unit


# ---------------------------------------------------------------------------------------------
# The member list: scope, filters, search, sort (shared by pages, exports and cards)
# ---------------------------------------------------------------------------------------------


@dataclass
class ListFilters:
    q: str = ""
    status: str = "active"       # active | ended | all
    kind: str = ""               # "" | individual | collective | honorary
    dues_year: int | None = None
    dues: str = ""               # "" | paid | unpaid
    subtree: bool = True
    sort: str = "name"           # name | number | joined | unit
    joined_year: int | None = None  # joined in that year (dashboards link here)

    @classmethod
    def from_args(cls, args) -> ListFilters:
        # Years of four digits only: a query string's huge number must not reach the database
        # (an integer overflow there is a 500), whether it comes from a list's URL or a job.
        raw = str(args.get("year") or "").strip()
        year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None
        joined = args.get("joined", "")
        return cls(q=args.get("q", "")[:100], status=args.get("status", "active"),
                   kind=args.get("kind", ""), dues_year=year, dues=args.get("dues", ""),
                   subtree=args.get("sub", "1") != "0", sort=args.get("sort", "name"),
                   joined_year=int(joined) if joined.isdigit() and len(joined) == 4 else None)

    def as_args(self) -> dict[str, str]:
        args = {"q": self.q, "status": self.status, "kind": self.kind, "dues": self.dues,
                "year": str(self.dues_year or ""), "sub": "1" if self.subtree else "0",
                "sort": self.sort, "joined": str(self.joined_year or "")}
        return {k: v for k, v in args.items() if v}


CARD_NUMBER_RE = re.compile(r"^hv[\s\-_.:#]*0*(\d{1,9})$", re.I)
FTS_MIN = 3  # the trigram index answers terms of 3 characters or more


def _fts_ids(match: str, index: str = ""):
    """select() of the member ids whose indexed columns match (SQLite FTS5: the trigram index,
    or the word index of names)."""
    from ..search_index import FTS_TABLE

    index = index or FTS_TABLE
    fts = table(index, column("rowid"))
    return select(fts.c.rowid).where(literal_column(index).op("MATCH")(match)).subquery(
        ).c.rowid


def _fts(match: str):
    return Member.id.in_(select(_fts_ids(match)))


def _name_words(key: str):
    """Names whose words start with the typed words, in order ("thi lan" finds "Nguyễn Thị
    Lan" and "Lê Thị Lành"), through the word index: SQLite FTS5, PostgreSQL full text (a key
    with other characters than letters and digits: the word-start regular expression, from the
    trigram index)."""
    from ..search_index import WORDS_TABLE, word_phrase

    if db.session.get_bind().dialect.name == "sqlite":
        return Member.id.in_(select(_fts_ids(word_phrase(key), WORDS_TABLE)))
    if re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", key):
        # PostgreSQL's own word index (0021_name_words): its statistics know how common each
        # word is, so a rare name is looked up and a common one walks the list in order (the
        # regular expression's guessed selectivity once walked 2,000,000 names for a rare one).
        words = key.split()
        query = " <-> ".join([*words[:-1], words[-1] + ":*"])
        return name_words(Member.search_key).op("@@")(func.to_tsquery(SIMPLE, query))
    return Member.search_key.op("~")("(^| )" + re.sub(r"([^a-z0-9 ])", r"\\\1", key))


SIMPLE = literal_column("'simple'::regconfig")


def name_words(column):
    """The expression of PostgreSQL's word index of names (the same text as the index's)."""
    return func.to_tsvector(SIMPLE, column)


def search_condition(term: str):
    """Name (no case, no diacritics), phone in any format, CCCD, or the printed member number
    ("HV-000043", "hv43", "000043"). Whole numbers use the indexes (equality); partial ones the
    search index (SQLite FTS5 trigram / PostgreSQL pg_trgm)."""
    term = clean(term)
    if not term:
        return None
    if m := CARD_NUMBER_RE.match(term.replace(" ", "")):
        return Member.number == int(m.group(1))
    digits = re.sub(r"\D", "", term)
    if digits and not re.search(r"[^\d\s.+\-()]", term):
        exact = []
        for col, normalise_value in ((Member.phone, normalize_phone),
                                     (Member.cccd, normalize_cccd)):
            with contextlib.suppress(ValueError):
                exact.append(col == normalise_value(term))
        if len(digits) <= 9 and digits == term.strip():
            exact.append(Member.number == int(digits))
        if len(digits) >= 10 and exact or len(digits) < 3:
            return or_(*exact) if exact else None  # a whole phone or CCCD: the plain indexes
        partial = phone_search_key(term)
        if db.session.get_bind().dialect.name == "sqlite":
            from ..search_index import fts_phrase

            ids = select(_fts_ids(f"{{phone cccd}} : {fts_phrase(partial)}"))
            if exact:
                ids = ids.union(select(Member.id).where(*exact))
            return Member.id.in_(ids)
        return or_(*exact, Member.phone.contains(partial, autoescape=True),
                   Member.cccd.contains(digits, autoescape=True))
    key = search_key(term)
    if len(key) < FTS_MIN:  # "An", "Hà": a given name, or the start of a full name (indexes)
        return or_(Member.given_name_key == key,
                   and_(Member.search_key >= key, Member.search_key < key + "\uffff"))
    return _name_words(key)


# A closed unit's list shows its members as they were the day before the plan that closed it
# (issue 26 "members as they were"): they have since moved to the successors.
FORMER_DEPTH = 20  # sub-units moved within sub-units moved by the same plan


@dataclass
class Former:
    """Where the members of a unit closed by a plan were on `day` (the day before it): the
    unit and the sub-units it had then (`unit_ids`; `paths` are their trees as they stand
    now), and the plan whose member transfers moved its own members out."""

    day: date
    plan_id: int
    effective: date
    unit_ids: list[int]
    paths: list[str]
    change: UnitChange


def members_before(unit: Unit) -> Former | None:
    """The members "as they were" of a unit that an applied plan merged, dissolved or split
    (None for an open unit, or one closed by hand: its list is the ordinary one).
    A few small queries (two per generation of sub-units the plan moved out of it), before
    the list's one query for its rows."""
    if unit.valid_to is None:
        return None
    change = db.session.scalar(
        select(UnitChange).join(ReorgPlan, ReorgPlan.id == UnitChange.plan_id)
        .where(UnitChange.unit_id == unit.id, UnitChange.action.in_(SUCCEEDING),
               ReorgPlan.status == "applied")
        .order_by(UnitChange.effective.desc(), UnitChange.id.desc()).limit(1))
    if change is None:
        return None
    # The units it had then: those still under it (closed by the same plan, say) and the
    # sub-units the plan moved out of any of them, with what is under those now.
    ids: set[int] = set()
    paths = {unit.path}
    new_paths = [unit.path]
    for _depth in range(FORMER_DEPTH):
        if not new_paths:
            break
        found = set(db.session.scalars(select(Unit.id).where(
            or_(*[Unit.path.startswith(p, autoescape=True) for p in new_paths])))) - ids
        ids |= found
        moved = db.session.execute(
            select(Unit.path).join(UnitChange, UnitChange.unit_id == Unit.id)
            .where(UnitChange.plan_id == change.plan_id, UnitChange.action == "move",
                   UnitChange.old_parent_id.in_(found))).scalars().all() if found else []
        new_paths = [p for p in moved if not any(p.startswith(q) for q in paths)]
        paths.update(new_paths)
    return Former(day=change.effective - timedelta(days=1), plan_id=change.plan_id,
                  effective=change.effective, unit_ids=sorted(ids), paths=sorted(paths),
                  change=change)


def _former_condition(unit: Unit, former: Former, subtree: bool):
    """Members moved out of the unit (or, with `subtree`, out of the sub-units it had then) by
    the plan, and those still there that had joined before it."""
    from_ids = former.unit_ids if subtree else [unit.id]
    moved = select(MemberTransfer.member_id).where(
        MemberTransfer.plan_id == former.plan_id, MemberTransfer.from_unit_id.in_(from_ids))
    if subtree:
        there = select(Unit.id).where(or_(*[Unit.path.startswith(p, autoescape=True)
                                            for p in former.paths]))
    else:
        there = select(Unit.id).where(Unit.id == unit.id)
    still = and_(Member.unit_id.in_(there.scalar_subquery()),
                 or_(Member.joined_on.is_(None), Member.joined_on < former.effective))
    return or_(Member.id.in_(moved.scalar_subquery()), still)


def member_query(user: User | None, unit: Unit, filters: ListFilters, *, action="member.view",
                 plan: str = "", search=None, former: Former | None = None):
    """select(Member) of `unit` (and its sub-tree), limited to what `user` may see.

    The units are picked first (a small table) and members filtered by `unit_id IN (...)`.
    SQLite has no statistics to choose between indexes, so a page tells it (`plan`):
    "walk" (a big sub-tree, or a search matching many) walks the list index in the page's order
    and tests the unit from that index, so a page reads about one page of rows whatever the
    size of the sub-tree; "seek" (a small sub-tree) starts from the unit, "search" (a narrow
    search) from the search's index, and both sort the few rows found. `search`, when given,
    replaces the search condition of `filters.q` (the ids a narrow search already found).

    With `former` (members_before of a closed unit), the members as they were the day before
    the plan that closed it, wherever they are now: the caller has checked `action` at the
    closed unit, whose records these are (a successor's chair reads them, permissions.py)."""
    unit_col = Member.unit_id + 0 if plan in ("walk", "search") else Member.unit_id
    status_col = Member.status + "" if plan in ("seek", "search") else Member.status
    if former is not None:
        q = select(Member).where(_former_condition(unit, former, filters.subtree))
        return _filtered(q, filters, status_col, search)
    units = select(Unit.id)
    if filters.subtree:
        units = units.where(Unit.path.startswith(unit.path, autoescape=True))
    else:
        units = units.where(Unit.id == unit.id)
    # scope_query keeps the units under the paths where the user may `action`: when `unit`
    # lies under one of them, so does its whole sub-tree, and the filter would keep them all.
    if user is not None and not any(unit.path.startswith(p)
                                    for p in granting_paths(user, action)):
        units = scope_query(units, user, action)
    q = select(Member).where(unit_col.in_(units.scalar_subquery()))
    return _filtered(q, filters, status_col, search)


def _filtered(q, filters: ListFilters, status_col, search):
    if filters.status in ("active", "ended"):
        q = q.where(status_col == filters.status)
    else:
        q = q.where(status_col.in_(("active", "ended")))
    if filters.joined_year:
        q = q.where(Member.joined_on.between(date(filters.joined_year, 1, 1),
                                             date(filters.joined_year, 12, 31)))
    if filters.kind in ("individual", "collective"):
        q = q.where(Member.kind == filters.kind)
    elif filters.kind == "honorary":
        q = q.where(Member.honorary.is_(True))
    if filters.dues in ("paid", "unpaid"):
        year = filters.dues_year or today().year
        paid = exists().where(DuesPayment.member_id == Member.id, DuesPayment.year == year,
                              payment_counts())
        q = q.where(paid if filters.dues == "paid" else ~paid)
    if (cond := search if search is not None else search_condition(filters.q)) is not None:
        q = q.where(cond)
    if filters.sort == "unit":
        q = q.join(Unit, Member.unit_id == Unit.id)
    return q.order_by(*_ordered(sort_keys(filters)))


def _date_or_none(value):
    return None if value is None else date.fromisoformat(value)


def _ordered(keys, backwards: bool = False) -> list:
    out = []
    for col, desc, _decode in keys:
        term = col.desc() if desc != backwards else col.asc()
        if col is Member.joined_on:  # the same on both databases: no date after every date
            term = term.nulls_last() if not backwards else term.nulls_first()
        out.append(term)
    return out


def _beyond(keys, cursor: list, backwards: bool):
    """Rows after the cursor in the list's order (before it when going back)."""
    if keys[0][0] is Member.joined_on:
        (joined, _, _), (number, _, _) = keys
        day, no = cursor
        if not backwards:
            if day is None:
                return and_(joined.is_(None), number < no)
            return or_(joined < day, and_(joined == day, number < no), joined.is_(None))
        if day is None:
            return or_(joined.is_not(None), number > no)
        return or_(joined > day, and_(joined == day, number > no))
    cols = tuple_(*[c for c, _, _ in keys])
    vals = tuple_(*[literal(v) for v in cursor])
    return cols < vals if keys[0][1] != backwards else cols > vals


def sort_keys(filters: ListFilters) -> list[tuple[Any, bool, Any]]:
    """(column, descending, decoder) of the list's order; the last key is unique, so a row's
    keys place it exactly (keyset pages)."""
    if filters.sort == "number":
        return [(Member.number, False, int)]
    if filters.sort == "joined":  # newest first, no date last
        return [(Member.joined_on, True, _date_or_none), (Member.number, True, int)]
    name = [(Member.given_name_key, False, str), (Member.search_key, False, str),
            (Member.id, False, int)]
    if filters.sort == "unit":
        return [(Unit.path, False, str), *name]
    return name


def _row_keys(member: MemberRow, filters: ListFilters) -> list:
    if filters.sort == "number":
        return [member.number]
    if filters.sort == "joined":
        return [member.joined_on.isoformat() if member.joined_on else None, member.number]
    name = [member.given_name_key, member.search_key, member.id]
    return [member.unit.path, *name] if filters.sort == "unit" else name


def encode_cursor(keys: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(keys, separators=(",", ":")).encode()).decode(
        ).rstrip("=")


def decode_cursor(cursor: str | None, filters: ListFilters) -> list | None:
    if not cursor or len(cursor) > 800:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        keys = sort_keys(filters)
        if not isinstance(raw, list) or len(raw) != len(keys):
            return None
        values = [decode(v) for v, (_, _, decode) in zip(raw, keys, strict=True)]
        if any(v is None for v in values[1:]):
            return None
        return values
    except (ValueError, TypeError):
        return None


@dataclass
class MemberPage:
    """One page of a member list, reached by "next"/"previous" links (keyset pagination):
    page 2,000 costs what page 1 costs. `total` is known for the plain list (from the roll-ups),
    never counted per request."""

    items: list[MemberRow]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total: int | None = None


class UnitRef(NamedTuple):
    id: int
    name: str
    path: str


class MemberRow(NamedTuple):
    """What a list row shows of a member, read as plain columns: building full ORM objects
    cost more than the rest of the page's work together."""

    id: int
    number: int | None
    full_name: str
    kind: str
    honorary: bool
    status: str
    birth_date: date | None
    birth_year: int | None
    phone: str
    given_name_key: str
    search_key: str
    joined_on: date | None
    unit_id: int
    unit: UnitRef | None = None

    @property
    def display_number(self) -> str:
        return format_member_number(self.number)


ROW_COLUMNS = [Member.id, Member.number, Member.full_name, Member.kind, Member.honorary,
               Member.status, Member.birth_date, Member.birth_year, Member.phone,
               Member.given_name_key, Member.search_key, Member.joined_on, Member.unit_id]


UNIT_REFS = select(Unit.id, Unit.name, Unit.path).where(
    Unit.id.in_(bindparam("ids", expanding=True)))


def _member_rows(q) -> list[MemberRow]:
    # Plain rows on the session's connection: no ORM result layer for what is only shown.
    rows = statements.rows(q.with_only_columns(*ROW_COLUMNS, maintain_column_froms=True)).all()
    if not rows:
        return []
    units = {u.id: u for u in (UnitRef(*r) for r in statements.rows(
        UNIT_REFS, {"ids": sorted({r.unit_id for r in rows})}))}
    return [MemberRow(*r, units.get(r.unit_id)) for r in rows]


BIG_LIST = 5000  # from this many members, walk the list index in order (see member_query)


BROAD = 1000


def _few_matches(cond) -> list[int] | None:
    """The ids a search matches anywhere, or None when it matches BROAD or more (stops there).
    A narrow search's page then reads these rows instead of asking the search index again."""
    found = db.session.scalars(select(Member.id).where(cond).limit(BROAD)).all()
    return None if len(found) >= BROAD else found


def subtree_members(unit: Unit) -> int:
    """Active members of the sub-tree, from the roll-ups."""
    session = db.session()
    if tally.unchecked(unit, session):
        # Whether every unit has its roll-ups, asked with the count: one statement.
        members, unbuilt = statements.rows(MEMBERS_IF_BUILT, {"id": unit.id}).one()
        if not unbuilt:
            tally.seen_built(unit, session)
            return int(members or 0)
    tally.ensure(unit)
    # The unit's per-level TOTAL row: the sum of the TOTAL rows of its whole sub-tree.
    return int(statements.rows(SUBTREE_MEMBERS, {"id": unit.id}).scalar() or 0)


# The unit's TOTAL row (one row: unit and month are its key), built once (assoc/statements.py).
SUBTREE_MEMBERS = select(SubtreeTally.members).where(SubtreeTally.month == tally.TOTAL,
                                                    SubtreeTally.unit_id == bindparam("id"))
MEMBERS_IF_BUILT = select(SUBTREE_MEMBERS.scalar_subquery(), tally.UNBUILT.scalar_subquery())


def member_page(user: User | None, unit: Unit, filters: ListFilters, *, after: str | None = None,
                before: str | None = None, per_page: int = 50,
                former: Former | None = None) -> MemberPage:
    plain = (filters.status == "active" and not filters.q and not filters.kind
             and not filters.dues and not filters.joined_year and filters.subtree
             and former is None)
    size = subtree_members(unit) if former is None else 0
    plan, search = "", None
    if former is None and db.session.get_bind().dialect.name == "sqlite":
        cond = search_condition(filters.q)
        plan = "seek" if cond is None else "search"
        if size >= BIG_LIST and filters.sort in ("name", "number", "joined"):
            found = None if cond is None else _few_matches(cond)
            if found is None:
                plan = "walk"
            else:
                search = Member.id.in_(found)
    q = member_query(user, unit, filters, plan=plan, search=search, former=former)
    keys = sort_keys(filters)
    backwards = False
    cursor = decode_cursor(after, filters)
    if cursor is None and (cursor := decode_cursor(before, filters)) is not None:
        backwards = True
    if cursor is not None:
        q = q.where(_beyond(keys, cursor, backwards))
    if backwards:
        q = q.order_by(None).order_by(*_ordered(keys, backwards=True))
    rows = _member_rows(q.limit(per_page + 1))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards and not more:  # back at the start: show a full first page
        return member_page(user, unit, filters, per_page=per_page, former=former)
    if backwards:
        rows.reverse()
    page = MemberPage(rows, total=size if plain else None)
    if rows:
        if more or backwards:
            page.next_cursor = encode_cursor(_row_keys(rows[-1], filters))
        if cursor is not None and (more or not backwards):
            page.prev_cursor = encode_cursor(_row_keys(rows[0], filters))
    return page


def paid_years(member_ids: list[int], year: int) -> set[int]:
    """Which of these members paid dues for `year` (one query for a whole page)."""
    if not member_ids:
        return set()
    return set(statements.rows(PAID_YEAR, {"ids": member_ids, "year": year}).scalars())


PAID_YEAR = select(DuesPayment.member_id).where(
    DuesPayment.member_id.in_(bindparam("ids", expanding=True)),
    DuesPayment.year == bindparam("year"), payment_counts())


# ---------------------------------------------------------------------------------------------
# Duplicates and merging
# ---------------------------------------------------------------------------------------------


def duplicate_groups(user: User | None, unit: Unit, *, limit: int = 200) -> list[dict]:
    """Likely duplicates among active members of the sub-tree: same CCCD, same phone, same
    name and birth date (or birth year). Returns [{"reason", "value", "members"}]."""
    base = (select(Member).join(Unit, Member.unit_id == Unit.id)
            .where(Unit.path.startswith(unit.path, autoescape=True), Member.status == "active"))
    if user is not None:
        base = scope_query(base, user, "member.view")
    sub = base.subquery()
    groups: list[dict] = []
    specs = [
        ("cccd", [sub.c.cccd], sub.c.cccd.is_not(None)),
        ("phone", [sub.c.phone], sub.c.phone != ""),
        ("name_birth", [sub.c.search_key, sub.c.birth_year, sub.c.birth_date],
         sub.c.birth_year.is_not(None)),
    ]
    seen_pairs: set[frozenset[int]] = set()
    for reason, cols, cond in specs:
        keys = db.session.execute(
            select(*cols).where(cond).group_by(*cols).having(func.count() > 1).limit(limit)
        ).all()
        for key in keys:
            match = and_(*[(Member.__table__.c[c.name] == v) if v is not None
                           else Member.__table__.c[c.name].is_(None) for c, v in zip(cols, key, strict=True)])
            members = db.session.scalars(
                base.where(match).order_by(Member.number)
            ).all()
            ids = frozenset(m.id for m in members)
            if len(members) > 1 and ids not in seen_pairs:
                seen_pairs.add(ids)
                groups.append({"reason": reason, "value": " ".join(str(v) for v in key if v),
                               "members": members})
    return groups[:limit]


MERGE_FILL = ("birth_date", "birth_year", "sex", "cccd", "phone", "address", "occupation",
              "representative", "contact", "joined_on")


def merge_members(actor: User | None, keep: Member, other: Member) -> Member:
    """Merge `other` into `keep`: blanks of `keep` are filled from `other`, dues payments move
    to `keep`, `other` stays as a "merged" record pointing to `keep` (its history kept)."""
    if keep.id == other.id:
        raise DomainError(_("Choose two different members."))
    if keep.status == "merged" or other.status == "merged":
        raise DomainError(_("This record was already merged."))
    filled = {}
    for key in MERGE_FILL:
        if getattr(keep, key) in (None, "") and getattr(other, key) not in (None, ""):
            filled[key] = getattr(other, key)
            setattr(keep, key, getattr(other, key))
    if other.joined_on and keep.joined_on and other.joined_on < keep.joined_on:
        filled["joined_on"] = other.joined_on
        keep.joined_on = other.joined_on
    if other.notes:
        keep.notes = clean(f"{keep.notes} {other.notes}")[:1000]
    moved = db.session.execute(
        update(DuesPayment).where(DuesPayment.member_id == other.id)
        .values(member_id=keep.id)
    ).rowcount
    tally.touch(member_ids=[keep.id])  # dues moved behind the ORM's back
    other.status, other.merged_into_id = "merged", keep.id
    other.ended_on, other.end_reason = today(), f"→ {keep.display_number}"
    db.session.flush()
    audit.record(actor, "member.merge", keep,
                 data={"merged": other.display_number, "filled": filled, "dues_moved": moved})
    audit.record(actor, "member.merged_into", other, data={"into": keep.display_number})
    return keep


__all__ = ["FIELDS", "ListFilters", "Normalised", "format_member_number", "normalise"]


def similar_members(values: dict[str, Any], *, exclude_id: int | None = None,
                    limit: int = 5) -> list[tuple[Member, str]]:
    """Active members anywhere in the association that a new record may duplicate: the same
    CCCD, the same phone, or the same name with the same birth date (or, without one, birth
    year). Returns [(member, "cccd" | "phone" | "name_birth")]. A warning for the user, never a refusal: two
    people may share a name and a birthday, and the caller decides what the user may see."""
    result = normalise(values)
    data = result.data
    found: dict[int, tuple[Member, str]] = {}
    active = [Member.status == "active"] + ([Member.id != exclude_id] if exclude_id else [])
    if data.get("cccd"):
        for m in db.session.scalars(select(Member).where(Member.cccd == data["cccd"], *active)
                                    .limit(limit)):
            found.setdefault(m.id, (m, "cccd"))
    if data.get("phone"):
        for m in db.session.scalars(select(Member).where(Member.phone == data["phone"], *active)
                                    .limit(limit)):
            found.setdefault(m.id, (m, "phone"))
    name = data.get("full_name")
    if name and (data.get("birth_date") or data.get("birth_year")):
        same_birth = (Member.birth_date == data["birth_date"]) if data.get("birth_date") else (
            Member.birth_year == data["birth_year"])
        for m in db.session.scalars(select(Member).where(
                Member.search_key == search_key(name), same_birth, *active).limit(limit)):
            found.setdefault(m.id, (m, "name_birth"))
    return list(found.values())[:limit]
