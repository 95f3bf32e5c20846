"""Officers and remuneration: officers and their posts, workload, base salaries, allowance
rules, monthly remuneration sheets (bảng thanh toán thù lao) and yearly reports.

Money is integer đồng. Coefficients are integer thousandths (1,5 → 1500). A month's amount is
computed day by day in exact integers (thousandths of đồng) and rounded ONCE, half up, to whole
đồng: amount = round_half_up(Σ_day rate(day), 1000 × days_in_month), where rate(day) is the
sum (or the highest, per unit setting) over the officer's posts active that day of
coefficient × base salary in force that day (or 1000 × the fixed monthly amount). A full month
at 1,5 × 2.340.000 đ gives exactly 3.510.000 đ; 15 of 30 days gives half; a base-salary change
or a rule change inside the month is weighted by its days.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    KEY_TITLES,
    OFFICER_TITLES,
    AllowanceRule,
    BaseSalary,
    Officer,
    OfficerSettings,
    Position,
    RemunerationLine,
    RemunerationSheet,
    Unit,
    User,
    today,
    utcnow,
)
from ..money import MAX_AMOUNT, format_money
from ..text import clean, name_sort_key, normalize_phone, search_key
from . import DomainError, audit

TITLE_LABELS = {
    "chair": _l("Chair"),
    "vice_chair": _l("Vice chair"),
    "secretary": _l("Secretary / general secretary"),
    "standing_member": _l("Standing committee member"),
    "committee_member": _l("Executive committee member"),
    "inspection_head": _l("Head of the inspection board"),
    "treasurer": _l("Treasurer"),
    "accountant": _l("Accountant"),
    "branch_head": _l("Branch head"),
    "board_head": _l("Head of the learning-promotion board"),
    "honorary_chair": _l("Honorary chair"),
    "other": _l("Other post"),
}
assert set(TITLE_LABELS) == set(OFFICER_TITLES)

# The known base salaries (mức lương cơ sở); admins add new ones as decrees come out.
KNOWN_BASE_SALARIES = [
    (date(2019, 7, 1), 1_490_000, "Nghị định 38/2019/NĐ-CP"),
    (date(2023, 7, 1), 1_800_000, "Nghị định 24/2023/NĐ-CP"),
    (date(2024, 7, 1), 2_340_000, "Nghị định 73/2024/NĐ-CP"),
]

# Quyết định 30/2011/QĐ-TTg: monthly pay cap of full-time retired association leaders, as a
# multiple of the base salary (thousandths). Units of a special-class city (Hà Nội, TP.HCM: 5,4×
# and 3,6×) set their own value in the officer settings.
DEFAULT_CAP_MILLI = {"national": 6500, "province": 5000, "district": 3200, "commune": 1500}

COMBINE_RULES = ("sum", "max")
MAX_COEFFICIENT_MILLI = 20_000


def title_label(position: Position) -> str:
    return position.title_text or str(TITLE_LABELS.get(position.title, position.title))


# ---------------------------------------------------------------------------------------------
# Small arithmetic helpers (integers only)
# ---------------------------------------------------------------------------------------------


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves up (non-negative)."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("round_half_up expects a non-negative numerator and positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


_COEFFICIENT_RE = re.compile(r"(\d{1,3})(?:[.,](\d{1,3}))?")


def parse_coefficient(text: str | int) -> int:
    """"1,5" / "1.5" / "0,35" / "2" -> thousandths (1500, 350, 2000). No floats involved."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text * 1000
    m = _COEFFICIENT_RE.fullmatch(clean(str(text)))
    if not m:
        raise DomainError(_("Write the coefficient as a number with at most three decimals, "
                            "e.g. 1,5."), "coefficient")
    whole, frac = m.group(1), (m.group(2) or "")
    return int(whole) * 1000 + int(frac.ljust(3, "0") or 0)


def format_coefficient(milli: int) -> str:
    """1500 -> "1,5"; 1000 -> "1,0"; 350 -> "0,35" (Vietnamese decimal comma)."""
    whole, frac = divmod(milli, 1000)
    digits = f"{frac:03d}".rstrip("0") or "0"
    return f"{whole},{digits}"


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _days(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Officers and positions
# ---------------------------------------------------------------------------------------------


def _officer_values(full_name, phone, birth_year, outside_posts, notes) -> dict:
    full_name = clean(full_name)
    if not full_name:
        raise DomainError(_("A full name is required."), "full_name")
    phone = clean(phone)
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValueError:
            raise DomainError(_("This is not a Vietnamese phone number."), "phone") from None
    if birth_year is not None and not 1900 <= birth_year <= today().year:
        raise DomainError(_("The birth year is not plausible."), "birth_year")
    return {"full_name": full_name, "search_key": search_key(full_name), "phone": phone,
            "birth_year": birth_year, "outside_posts": clean(outside_posts),
            "notes": clean(notes)}


def create_officer(actor: User | None, unit: Unit, *, full_name: str, phone: str = "",
                   birth_year: int | None = None, outside_posts: str = "",
                   notes: str = "") -> Officer:
    values = _officer_values(full_name, phone, birth_year, outside_posts, notes)
    officer = Officer(unit=unit, **values)
    db.session.add(officer)
    db.session.flush()
    audit.record(actor, "officer.create", officer,
                 data={k: v for k, v in values.items() if k != "search_key"})
    return officer


def update_officer(actor: User, officer: Officer, *, full_name: str, phone: str = "",
                   birth_year: int | None = None, outside_posts: str = "",
                   notes: str = "") -> Officer:
    values = _officer_values(full_name, phone, birth_year, outside_posts, notes)
    diff = audit.changes(officer, values)
    if not diff:
        return officer
    for key, value in values.items():
        setattr(officer, key, value)
    db.session.flush()
    diff.pop("search_key", None)
    audit.record(actor, "officer.update", officer, data=diff)
    return officer


def _check_position(officer: Officer, unit: Unit, title: str, start: date, end: date | None,
                    position_id: int | None = None) -> None:
    if title not in OFFICER_TITLES:
        raise DomainError(_("Unknown title."), "title")
    if start is None:
        raise DomainError(_("The start date is required."), "start_date")
    if end is not None and end < start:
        raise DomainError(_("The end date is before the start date."), "end_date")
    q = select(Position).where(
        Position.officer_id == officer.id, Position.unit_id == unit.id, Position.title == title,
        Position.start_date <= (end or date.max),
        Position.end_date.is_(None) | (Position.end_date >= start),
    )
    if position_id is not None:
        q = q.where(Position.id != position_id)
    if db.session.scalars(q).first() is not None:
        raise DomainError(_("%(name)s already holds this post at this unit in that period.",
                            name=officer.full_name), "title")


def add_position(actor: User | None, officer: Officer, *, unit: Unit, title: str,
                 start_date: date, end_date: date | None = None, term: str = "",
                 full_time: bool = False, title_text: str = "") -> Position:
    _check_position(officer, unit, title, start_date, end_date)
    position = Position(officer=officer, unit=unit, title=title, start_date=start_date,
                        end_date=end_date, term=clean(term), full_time=bool(full_time),
                        title_text=clean(title_text))
    db.session.add(position)
    db.session.flush()
    audit.record(actor, "position.create", position, unit=unit,
                 data={"officer": officer.full_name, "title": title, "from": start_date,
                       "to": end_date, "term": position.term, "full_time": position.full_time})
    return position


def update_position(actor: User, position: Position, *, title: str, start_date: date,
                    end_date: date | None, term: str = "", full_time: bool = False,
                    title_text: str = "") -> Position:
    _check_position(position.officer, position.unit, title, start_date, end_date, position.id)
    values = {"title": title, "start_date": start_date, "end_date": end_date,
              "term": clean(term), "full_time": bool(full_time), "title_text": clean(title_text)}
    diff = audit.changes(position, values)
    if not diff:
        return position
    for key, value in values.items():
        setattr(position, key, value)
    db.session.flush()
    audit.record(actor, "position.update", position, unit=position.unit,
                 data={"officer": position.officer.full_name, **diff})
    return position


def officers_query(unit: Unit, term: str = ""):
    """Officers kept by the unit's sub-tree, or holding a post there."""
    in_tree = Unit.path.startswith(unit.path, autoescape=True)
    holding = select(Position.officer_id).join(Unit, Position.unit_id == Unit.id).where(in_tree)
    kept = select(Officer.id).join(Unit, Officer.unit_id == Unit.id).where(in_tree)
    q = select(Officer).where(Officer.id.in_(holding) | Officer.id.in_(kept))
    key = search_key(term)
    if key:
        q = q.where(Officer.search_key.contains(key, autoescape=True))
    return q


def sorted_officers(officers) -> list[Officer]:
    return sorted(officers, key=lambda o: name_sort_key(o.full_name))


def chair_on(unit: Unit, on: date) -> str:
    """The full name of the unit's chair on `on` (the latest to take the post), or ""."""
    return db.session.scalar(
        select(Officer.full_name).join(Position, Position.officer_id == Officer.id)
        .where(Position.unit_id == unit.id, Position.title == "chair",
               Position.start_date <= on,
               (Position.end_date.is_(None)) | (Position.end_date >= on))
        .order_by(Position.start_date.desc(), Position.id.desc()).limit(1)) or ""


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------


def settings_for(unit: Unit) -> OfficerSettings:
    """The unit's settings (an unsaved default object when none were saved)."""
    found = db.session.scalar(select(OfficerSettings).where(OfficerSettings.unit_id == unit.id))
    return found or OfficerSettings(unit_id=unit.id, combine="sum", post_limit=2, cap_milli=None)


def cap_milli_for(unit: Unit) -> int | None:
    settings = settings_for(unit)
    return settings.cap_milli if settings.cap_milli is not None else DEFAULT_CAP_MILLI.get(
        unit.level)


def update_settings(actor: User, unit: Unit, *, combine: str, post_limit: int,
                    cap_milli: int | None) -> OfficerSettings:
    if combine not in COMBINE_RULES:
        raise DomainError(_("Choose how several posts are paid."), "combine")
    if post_limit is None or not 1 <= post_limit <= 20:
        raise DomainError(_("The limit must be between 1 and 20 posts."), "post_limit")
    if cap_milli is not None and not 0 < cap_milli <= MAX_COEFFICIENT_MILLI:
        raise DomainError(_("The cap must be a coefficient between 0 and 20."), "cap")
    settings = settings_for(unit)
    values = {"combine": combine, "post_limit": post_limit, "cap_milli": cap_milli}
    diff = audit.changes(settings, values) if settings.id else values
    if settings.id is None:
        db.session.add(settings)
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.flush()
    if diff:
        audit.record(actor, "officer_settings.update", settings, unit=unit, data=diff)
    return settings


# ---------------------------------------------------------------------------------------------
# Workload
# ---------------------------------------------------------------------------------------------


@dataclass
class LoadRow:
    officer: Officer
    positions: list[Position]
    over_limit: bool

    @property
    def count(self) -> int:
        return len(self.positions)


@dataclass
class Vacancy:
    unit: Unit
    titles: list[str]


def workload(unit: Unit, on: date) -> tuple[list[LoadRow], list[Vacancy], int]:
    """Officers with posts active on `on` in the unit's sub-tree, most loaded first; units of
    the sub-tree whose key posts are vacant; and the limit used (the unit's setting)."""
    limit = settings_for(unit).post_limit
    units_q = select(Unit).where(Unit.path.startswith(unit.path, autoescape=True),
                                 Unit.valid_from <= on,
                                 Unit.valid_to.is_(None) | (Unit.valid_to >= on))
    tree = db.session.scalars(units_q.order_by(Unit.path)).all()
    ids = [u.id for u in tree]
    active = db.session.scalars(
        select(Position).where(Position.unit_id.in_(ids), Position.start_date <= on,
                               Position.end_date.is_(None) | (Position.end_date >= on))
    ).all()
    by_officer: dict[int, list[Position]] = defaultdict(list)
    filled: dict[int, set[str]] = defaultdict(set)
    for p in active:
        by_officer[p.officer_id].append(p)
        filled[p.unit_id].add(p.title)
    rows = []
    for posts in by_officer.values():
        officer = posts[0].officer
        # Count every association post the person holds that day, also outside this sub-tree.
        all_posts = officer.active_positions(on)
        rows.append(LoadRow(officer, all_posts, len(all_posts) > limit))
    rows.sort(key=lambda r: (-r.count, name_sort_key(r.officer.full_name)))
    vacancies = []
    for u in tree:
        missing = [t for t in KEY_TITLES.get(u.level, ()) if t not in filled[u.id]]
        if missing:
            vacancies.append(Vacancy(u, missing))
    return rows, vacancies, limit


# ---------------------------------------------------------------------------------------------
# Base salary
# ---------------------------------------------------------------------------------------------


def base_salaries() -> list[BaseSalary]:
    return db.session.scalars(select(BaseSalary).order_by(BaseSalary.effective_from.desc())).all()


def base_salary_on(on: date) -> int | None:
    return db.session.scalar(
        select(BaseSalary.amount).where(BaseSalary.effective_from <= on)
        .order_by(BaseSalary.effective_from.desc()).limit(1)
    )


def add_base_salary(actor: User | None, *, effective_from: date, amount: int,
                    legal_basis: str = "") -> BaseSalary:
    if effective_from is None:
        raise DomainError(_("The date it takes effect is required."), "effective_from")
    if not isinstance(amount, int) or not 1 <= amount <= 100_000_000:
        raise DomainError(_("The base salary must be between 1 đ and 100.000.000 đ."), "amount")
    if db.session.scalar(select(BaseSalary.id).where(BaseSalary.effective_from == effective_from)):
        raise DomainError(_("A base salary already takes effect on that date."), "effective_from")
    row = BaseSalary(effective_from=effective_from, amount=amount, legal_basis=clean(legal_basis))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "base_salary.create", row,
                 data={"from": effective_from, "amount": amount, "basis": row.legal_basis})
    return row


def ensure_known_base_salaries(actor: User | None = None) -> int:
    """Add the known values that are missing (idempotent). Returns how many were added."""
    have = set(db.session.scalars(select(BaseSalary.effective_from)))
    added = 0
    for on, amount, basis in KNOWN_BASE_SALARIES:
        if on not in have:
            add_base_salary(actor, effective_from=on, amount=amount, legal_basis=basis)
            added += 1
    return added


# ---------------------------------------------------------------------------------------------
# Allowance rules
# ---------------------------------------------------------------------------------------------


def rules_query(unit: Unit):
    return select(AllowanceRule).where(AllowanceRule.unit_id == unit.id).order_by(
        AllowanceRule.title, AllowanceRule.valid_from.desc())


def add_allowance_rule(actor: User | None, unit: Unit, *, title: str, kind: str,
                       coefficient_milli: int | None = None, amount: int | None = None,
                       valid_from: date, valid_to: date | None = None) -> AllowanceRule:
    """A new rate for a title at a unit. An open rule that started earlier is closed the day
    before; a rule that would overlap any other period is refused."""
    if title not in OFFICER_TITLES:
        raise DomainError(_("Unknown title."), "title")
    if valid_from is None:
        raise DomainError(_("The start date is required."), "valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("The end date is before the start date."), "valid_to")
    if kind == "coefficient":
        if coefficient_milli is None or not 0 < coefficient_milli <= MAX_COEFFICIENT_MILLI:
            raise DomainError(_("The coefficient must be above 0 and at most 20."),
                              "coefficient")
        amount = None
    elif kind == "fixed":
        if amount is None or not 1 <= amount <= MAX_AMOUNT:
            raise DomainError(_("Give the monthly amount."), "amount")
        coefficient_milli = None
    else:
        raise DomainError(_("Choose a coefficient or a fixed amount."), "kind")
    others = db.session.scalars(
        select(AllowanceRule).where(AllowanceRule.unit_id == unit.id, AllowanceRule.title == title)
    ).all()
    closed = None
    for other in others:
        if other.valid_to is None and other.valid_from < valid_from:
            closed = other
            continue
        if other.valid_from <= (valid_to or date.max) and (other.valid_to or date.max) >= valid_from:
            raise DomainError(_("Another rate for this post already applies in that period."),
                              "valid_from")
    if closed is not None:
        closed.valid_to = valid_from - timedelta(days=1)
        audit.record(actor, "allowance_rule.close", closed, unit=unit,
                     data={"title": title, "to": closed.valid_to})
    rule = AllowanceRule(unit=unit, title=title, kind=kind, coefficient_milli=coefficient_milli,
                         amount=amount, valid_from=valid_from, valid_to=valid_to)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "allowance_rule.create", rule, unit=unit,
                 data={"title": title, "kind": kind, "coefficient_milli": coefficient_milli,
                       "amount": amount, "from": valid_from, "to": valid_to})
    return rule


def describe_rule(rule: AllowanceRule) -> str:
    if rule.kind == "coefficient":
        return _("%(c)s × base salary", c=format_coefficient(rule.coefficient_milli))
    return format_money(rule.amount)


# ---------------------------------------------------------------------------------------------
# Computing a month
# ---------------------------------------------------------------------------------------------


def _no_base_salary(year: int, month: int):
    raise DomainError(
        _("No base salary is in force for %(month)s: an administrator must enter it first.",
          month=f"{month:02d}/{year}"), "month")


@dataclass
class OfficerMonth:
    officer: Officer
    positions: list[Position] = field(default_factory=list)
    rates: list[str] = field(default_factory=list)
    days: int = 0
    amount: int = 0


def compute_month(unit: Unit, year: int, month: int, *, combine: str | None = None
                  ) -> tuple[list[OfficerMonth], int]:
    """What each officer with a post at `unit` earns for the month, and the base salary in force
    on its last day. Raises DomainError when no base salary is in force for the month."""
    first, last = month_bounds(year, month)
    salaries = db.session.execute(
        select(BaseSalary.effective_from, BaseSalary.amount).order_by(BaseSalary.effective_from)
    ).all()
    if not salaries or salaries[0].effective_from > first:
        _no_base_salary(year, month)
    combine = combine or settings_for(unit).combine

    def base_on(d: date) -> int:
        value = 0
        for s in salaries:
            if s.effective_from <= d:
                value = s.amount
        return value

    days = list(_days(first, last))
    base_by_day = {d: base_on(d) for d in days}
    positions = db.session.scalars(
        select(Position).where(Position.unit_id == unit.id, Position.start_date <= last,
                               Position.end_date.is_(None) | (Position.end_date >= first))
        .order_by(Position.start_date, Position.id).options(selectinload(Position.officer))
    ).all()
    rules = db.session.scalars(
        select(AllowanceRule).where(AllowanceRule.unit_id == unit.id,
                                    AllowanceRule.valid_from <= last,
                                    AllowanceRule.valid_to.is_(None)
                                    | (AllowanceRule.valid_to >= first))
    ).all()
    rules_by_title: dict[str, list[AllowanceRule]] = defaultdict(list)
    for r in rules:
        rules_by_title[r.title].append(r)
    by_officer: dict[int, OfficerMonth] = {}
    for p in positions:
        by_officer.setdefault(p.officer_id, OfficerMonth(p.officer)).positions.append(p)
    for om in by_officer.values():
        numerator = 0
        rates_seen: list[str] = []
        described: set[tuple[int, int]] = set()
        for d in days:
            values = []
            active_today = False
            for p in om.positions:
                if not p.is_active(d):
                    continue
                active_today = True
                rule = next((r for r in rules_by_title.get(p.title, ()) if r.is_active(d)), None)
                if rule is None:
                    continue
                if rule.kind == "coefficient":
                    values.append(rule.coefficient_milli * base_by_day[d])
                else:
                    values.append(rule.amount * 1000)
                if (p.id, rule.id) not in described:
                    described.add((p.id, rule.id))
                    text = f"{title_label(p)}: {describe_rule(rule)}"
                    if text not in rates_seen:
                        rates_seen.append(text)
            if active_today:
                om.days += 1
            if values:
                numerator += sum(values) if combine == "sum" else max(values)
        om.amount = round_half_up(numerator, 1000 * len(days))
        om.rates = rates_seen
    result = sorted(by_officer.values(), key=lambda om: (
        min(OFFICER_TITLES.index(p.title) for p in om.positions),
        name_sort_key(om.officer.full_name)))
    return result, base_by_day[last]


# ---------------------------------------------------------------------------------------------
# Sheets
# ---------------------------------------------------------------------------------------------


def _check_draft(sheet: RemunerationSheet) -> None:
    if not sheet.is_draft:
        raise DomainError(_("This sheet is locked and can no longer be changed."))


def _fill_lines(sheet: RemunerationSheet, keep: dict[int, tuple[int, str]]) -> None:
    computed, base = compute_month(sheet.unit, sheet.year, sheet.month, combine=sheet.combine)
    cap_milli = cap_milli_for(sheet.unit)
    sheet.base_salary = base
    sheet.cap_amount = round_half_up(cap_milli * base, 1000) if cap_milli else None
    sheet.lines.clear()
    db.session.flush()
    n = 0
    for om in computed:
        adjustment, reason = keep.get(om.officer.id, (0, ""))
        if om.amount == 0 and adjustment == 0:
            continue  # no allowance for these posts: not on the sheet
        n += 1
        amount = max(0, om.amount + adjustment)
        sheet.lines.append(RemunerationLine(
            unit_id=sheet.unit_id, officer=om.officer, position_no=n,
            full_name=om.officer.full_name,
            posts="; ".join(dict.fromkeys(title_label(p) for p in om.positions))[:300],
            rates="; ".join(om.rates)[:200], days=om.days, computed=om.amount,
            adjustment=amount - om.amount, adjustment_reason=reason, amount=amount,
            over_cap=sheet.cap_amount is not None and om.amount > sheet.cap_amount,
        ))
    sheet.total = sum(line.amount for line in sheet.lines)
    db.session.flush()


def create_sheet(actor: User | None, unit: Unit, *, year: int, month: int) -> RemunerationSheet:
    if not 1 <= (month or 0) <= 12:
        raise DomainError(_("Choose a month from 1 to 12."), "month")
    if not 2000 <= (year or 0) <= 2100:
        raise DomainError(_("Choose a year between 2000 and 2100."), "year")
    exists = db.session.scalar(select(RemunerationSheet.id).where(
        RemunerationSheet.unit_id == unit.id, RemunerationSheet.year == year,
        RemunerationSheet.month == month))
    if exists:
        raise DomainError(_("This unit already has a sheet for %(month)s.",
                            month=f"{month:02d}/{year}"), "month")
    if base_salary_on(date(year, month, 1)) is None:
        _no_base_salary(year, month)
    sheet = RemunerationSheet(unit=unit, year=year, month=month, status="draft",
                              combine=settings_for(unit).combine, created_by=actor)
    db.session.add(sheet)
    _fill_lines(sheet, {})
    audit.record(actor, "remuneration_sheet.create", sheet,
                 data={"month": sheet.label, "lines": len(sheet.lines), "total": sheet.total,
                       "base_salary": sheet.base_salary})
    return sheet


def recompute_sheet(actor: User, sheet: RemunerationSheet) -> RemunerationSheet:
    """Recompute a draft from the current posts and rules, keeping the adjustments made."""
    _check_draft(sheet)
    keep = {line.officer_id: (line.adjustment, line.adjustment_reason) for line in sheet.lines
            if line.adjustment}
    old_total = sheet.total
    sheet.combine = settings_for(sheet.unit).combine
    _fill_lines(sheet, keep)
    audit.record(actor, "remuneration_sheet.recompute", sheet,
                 data={"total": [old_total, sheet.total]})
    return sheet


def adjust_line(actor: User, line: RemunerationLine, *, adjustment: int,
                reason: str) -> RemunerationLine:
    _check_draft(line.sheet)
    reason = clean(reason)
    if adjustment and not reason:
        raise DomainError(_("Give the reason for the adjustment."), "reason")
    if line.computed + adjustment < 0:
        raise DomainError(_("The adjustment cannot make the amount negative."), "adjustment")
    if abs(adjustment) > MAX_AMOUNT:
        raise DomainError(_("The adjustment is too large."), "adjustment")
    old = (line.adjustment, line.adjustment_reason)
    line.adjustment = adjustment
    line.adjustment_reason = reason if adjustment else ""
    line.amount = line.computed + adjustment
    line.sheet.total = sum(x.amount for x in line.sheet.lines)
    db.session.flush()
    audit.record(actor, "remuneration_line.adjust", line.sheet,
                 data={"officer": line.full_name, "adjustment": [old[0], adjustment],
                       "reason": reason, "amount": line.amount})
    return line


def lock_sheet(actor: User, sheet: RemunerationSheet) -> RemunerationSheet:
    _check_draft(sheet)
    if not sheet.lines:
        raise DomainError(_("The sheet has nobody to pay."))
    sheet.status = "locked"
    sheet.locked_by = actor
    sheet.locked_at = utcnow()
    db.session.flush()
    audit.record(actor, "remuneration_sheet.lock", sheet,
                 data={"month": sheet.label, "total": sheet.total})
    return sheet


def sheets_query(unit: Unit):
    return select(RemunerationSheet).where(RemunerationSheet.unit_id == unit.id).order_by(
        RemunerationSheet.year.desc(), RemunerationSheet.month.desc())


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------

COUNTED = ("locked", "paid")  # drafts are not remuneration yet


@dataclass
class YearRow:
    key: int
    name: str
    months: list[int]

    @property
    def total(self) -> int:
        return sum(self.months)


def year_total(rows: list[YearRow]) -> YearRow:
    """The total row of a year table: each month's sum and the year's (exports print it)."""
    return YearRow(0, str(_("Total")), [sum(r.months[i] for r in rows) for i in range(12)])


@dataclass(frozen=True)
class SheetSums:
    computed: int
    adjustment: int
    total: int


def sheet_sums(sheet: RemunerationSheet) -> SheetSums:
    """A remuneration sheet's totals: computed, adjustments and the amount (`sheet.total`, kept
    as the lines' amounts add up), for the sheet's PDF and .xlsx."""
    return SheetSums(sum(x.computed for x in sheet.lines),
                     sum(x.adjustment for x in sheet.lines), sheet.total)


def _year_lines(unit: Unit, year: int):
    return db.session.execute(
        select(RemunerationLine.officer_id, RemunerationLine.full_name, RemunerationLine.unit_id,
               RemunerationSheet.month, RemunerationLine.amount)
        .join(RemunerationSheet, RemunerationLine.sheet_id == RemunerationSheet.id)
        .join(Unit, RemunerationSheet.unit_id == Unit.id)
        .where(Unit.path.startswith(unit.path, autoescape=True), RemunerationSheet.year == year,
               RemunerationSheet.status.in_(COUNTED))
    ).all()


def yearly_by_officer(unit: Unit, year: int) -> list[YearRow]:
    rows: dict[int, YearRow] = {}
    for officer_id, name, _unit_id, month, amount in _year_lines(unit, year):
        row = rows.setdefault(officer_id, YearRow(officer_id, name, [0] * 12))
        row.months[month - 1] += amount
    return sorted(rows.values(), key=lambda r: name_sort_key(r.name))


def yearly_by_unit(unit: Unit, year: int) -> list[YearRow]:
    rows: dict[int, YearRow] = {}
    names = dict(db.session.execute(
        select(Unit.id, Unit.name).where(Unit.path.startswith(unit.path, autoescape=True))).all())
    for _officer_id, _name, unit_id, month, amount in _year_lines(unit, year):
        row = rows.setdefault(unit_id, YearRow(unit_id, names.get(unit_id, ""), [0] * 12))
        row.months[month - 1] += amount
    return sorted(rows.values(), key=lambda r: r.name)


@dataclass
class UnpaidShare:
    officers: int
    paid: int
    unpaid_officers: list[Officer]
    awaiting_sheets: int = 0  # locked sheets of the year not paid yet
    awaiting_amount: int = 0

    @property
    def unpaid(self) -> int:
        return self.officers - self.paid

    @property
    def percent(self) -> int:
        """Share of officers who received nothing in the year, in whole percent (half up)."""
        return round_half_up(100 * self.unpaid, self.officers) if self.officers else 0


def unpaid_share(unit: Unit, year: int) -> UnpaidShare:
    """Officers holding a post in the sub-tree during the year, and how many of them received
    any remuneration (on a locked or paid sheet) that year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    holders = db.session.scalars(
        select(Officer).where(Officer.id.in_(
            select(Position.officer_id).join(Unit, Position.unit_id == Unit.id).where(
                Unit.path.startswith(unit.path, autoescape=True), Position.start_date <= last,
                Position.end_date.is_(None) | (Position.end_date >= first))))
    ).all()
    paid_ids = set(db.session.scalars(
        select(RemunerationLine.officer_id)
        .join(RemunerationSheet, RemunerationLine.sheet_id == RemunerationSheet.id)
        .where(RemunerationSheet.year == year, RemunerationSheet.status.in_(COUNTED),
               RemunerationLine.amount > 0)
        .group_by(RemunerationLine.officer_id)
        .having(func.count() > 0)
    ))
    unpaid = sorted_officers(o for o in holders if o.id not in paid_ids)
    awaiting = db.session.execute(
        select(func.count(), func.coalesce(func.sum(RemunerationSheet.total), 0))
        .join(Unit, RemunerationSheet.unit_id == Unit.id)
        .where(Unit.path.startswith(unit.path, autoescape=True), RemunerationSheet.year == year,
               RemunerationSheet.status == "locked")
    ).one()
    return UnpaidShare(len(holders), len(holders) - len(unpaid), unpaid,
                       int(awaiting[0]), int(awaiting[1]))


# ---------------------------------------------------------------------------------------------
# Paying a sheet (payment vouchers of the treasury)
# ---------------------------------------------------------------------------------------------


def sheet_vouchers(sheet: RemunerationSheet) -> list:
    from . import treasury

    return treasury.vouchers_for("remuneration", sheet.id)


def is_paid(sheet: RemunerationSheet) -> bool:
    """Paid = at least one valid payment voucher (voiding them all makes it payable again)."""
    return sheet.status == "paid" and any(not v.is_void for v in sheet_vouchers(sheet))


def pay_sheet(actor: User | None, sheet: RemunerationSheet, *, per_officer: bool,
              voucher_date: date | None = None, method: str = "cash", token: str | None = None,
              allow_overdraw: bool = False) -> list:
    """Pay a locked sheet through the treasury: one payment voucher per officer, or one for the
    whole sheet (the signed sheet attached). All vouchers link to the sheet
    (link_type "remuneration"). A repeated `token` returns the vouchers first issued with it."""
    from . import treasury

    vouchers = sheet_vouchers(sheet)
    if token:
        again = [v for v in vouchers if (v.idempotency_token or "").startswith(f"{token}:")
                 or v.idempotency_token == token]
        if again:
            return again
    if sheet.is_draft:
        raise DomainError(_("Lock the sheet before paying it."))
    if is_paid(sheet):
        raise DomainError(_("This sheet has already been paid."))
    if sheet.total <= 0:
        raise DomainError(_("The sheet has nobody to pay."))
    reason = _("Remuneration for %(month)s", month=sheet.label)
    issued = []
    now = utcnow()
    if per_officer:
        for line in sheet.lines:
            if line.amount <= 0:
                continue
            voucher = treasury.issue_voucher(
                actor, sheet.unit, kind="payment", amount=line.amount,
                party_name=line.full_name, reason=f"{reason}: {line.posts}"[:500],
                voucher_date=voucher_date, method=method, attachments=1,
                link_type="remuneration", link_id=sheet.id,
                token=f"{token}:{line.id}" if token else None, allow_overdraw=allow_overdraw)
            line.voucher_id, line.paid_at = voucher.id, now
            issued.append(voucher)
        sheet.voucher_id = None
    else:
        voucher = treasury.issue_voucher(
            actor, sheet.unit, kind="payment", amount=sheet.total,
            party_name=_("Officers of %(unit)s", unit=sheet.unit.name)[:200],
            reason=_("%(reason)s, per the signed remuneration sheet (%(n)s officers)",
                     reason=reason, n=sum(1 for x in sheet.lines if x.amount > 0)),
            voucher_date=voucher_date, method=method, attachments=1,
            link_type="remuneration", link_id=sheet.id, token=token,
            allow_overdraw=allow_overdraw)
        sheet.voucher_id = voucher.id
        for line in sheet.lines:
            line.voucher_id, line.paid_at = None, now
        issued.append(voucher)
    sheet.status, sheet.paid_at = "paid", now
    db.session.flush()
    audit.record(actor, "remuneration_sheet.pay", sheet,
                 data={"month": sheet.label, "total": sheet.total,
                       "vouchers": [v.display_number for v in issued]})
    return issued
