"""Scholarships: programs, quotas per sub-unit, nominations, decisions, reports.

Flow: a district/city unit creates a program and shares it out as quotas to its sub-units →
a ward (or a branch/board below it) nominates students within its quota and submits them →
an approver at the program's unit approves or rejects → the treasurer pays approved awards.
Approvals and nominations lock the program row, so two approvers at once cannot overrun the
budget or a quota."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import (
    PRIORITY_GROUPS,
    Nomination,
    ScholarshipProgram,
    ScholarshipQuota,
    Unit,
    User,
    today,
    utcnow,
)
from ..money import MAX_AMOUNT, format_money
from ..text import clean, name_sort_key, normalize_phone, search_key, title_name
from . import DomainError, audit

PRIORITY_LABELS = {
    "poor": _l("Poor household"),
    "near_poor": _l("Near-poor household"),
    "orphan": _l("Orphan"),
    "ethnic_minority": _l("Ethnic minority"),
    "girl": _l("Girl"),
    "disability": _l("Disability"),
}
STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "paid": _l("Paid"),
}
AWARDED = ("approved", "paid")
NOT_REJECTED = ("draft", "submitted", "approved", "paid")
assert set(PRIORITY_LABELS) == set(PRIORITY_GROUPS)


# ---------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------


def _check_amount(amount: int | None, field_name: str) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= MAX_AMOUNT:
        raise DomainError(_("Enter an amount between 1 đ and 1.000.000.000.000 đ."), field_name)
    return amount


def _check_groups(groups) -> list[str]:
    groups = list(dict.fromkeys(groups or []))
    if any(g not in PRIORITY_GROUPS for g in groups):
        raise DomainError(_("Unknown priority group."), "priority_groups")
    return groups


def _program_values(values: dict) -> dict:
    v = dict(values)
    v["name"] = clean(v.get("name"))
    if not v["name"]:
        raise DomainError(_("A name is required."), "name")
    v["sponsor"] = clean(v.get("sponsor"))
    v["criteria"] = (v.get("criteria") or "").strip()
    v["amount_per_award"] = _check_amount(v.get("amount_per_award"), "amount_per_award")
    tiers = sorted(set(v.get("tiers") or []))
    for t in tiers:
        _check_amount(t, "tiers")
    v["tiers"] = tiers
    max_awards, budget = v.get("max_awards"), v.get("budget")
    if max_awards is None and budget is None:
        raise DomainError(_("Give the number of awards or the total budget."), "max_awards")
    if max_awards is not None and max_awards < 1:
        raise DomainError(_("The number of awards must be at least 1."), "max_awards")
    if budget is not None:
        _check_amount(budget, "budget")
    start, end = v.get("window_start"), v.get("window_end")
    if start is None or end is None:
        raise DomainError(_("Give the application window."), "window_start")
    if end < start:
        raise DomainError(_("The window closes before it opens."), "window_end")
    v["priority_groups"] = _check_groups(v.get("priority_groups"))
    return v


def _check_fund(fund, unit: Unit):
    if fund is None:
        from . import treasury

        return treasury.general_fund(unit)
    if fund.unit_id != unit.id:
        raise DomainError(_("Awards are paid from a fund of the program's own unit."), "fund")
    if not fund.active:
        raise DomainError(_("This fund is closed."), "fund")
    return fund


PROGRAM_FIELDS = ("name", "sponsor", "amount_per_award", "tiers", "max_awards", "budget",
                  "window_start", "window_end", "ceremony_date", "criteria", "priority_groups",
                  "fund")


def create_program(actor: User, unit: Unit, **values) -> ScholarshipProgram:
    v = _program_values({k: values.get(k) for k in PROGRAM_FIELDS})
    v["fund"] = _check_fund(v.get("fund"), unit)
    program = ScholarshipProgram(unit=unit, created_by=actor, search_key=search_key(v["name"]),
                                 **v)
    db.session.add(program)
    db.session.flush()
    audit.record(actor, "program.create", program, data={
        "name": program.name, "amount_per_award": program.amount_per_award,
        "max_awards": program.max_awards, "budget": program.budget,
        "window": [program.window_start, program.window_end], "fund": program.fund.code,
    })
    return program


def update_program(actor: User, program: ScholarshipProgram, **values) -> ScholarshipProgram:
    v = _program_values({k: values.get(k, getattr(program, k)) for k in PROGRAM_FIELDS})
    v["fund"] = _check_fund(v.get("fund") or program.fund, program.unit)
    used = awarded_totals(program)
    if v["max_awards"] is not None and v["max_awards"] < used.count:
        raise DomainError(_("%(n)d awards are already approved.", n=used.count), "max_awards")
    if v["budget"] is not None and v["budget"] < used.amount:
        raise DomainError(_("%(amount)s is already approved.", amount=format_money(used.amount)),
                          "budget")
    diff = audit.changes(program, {k: val for k, val in v.items() if k != "fund"})
    if v["fund"].id != program.fund_id:
        diff["fund"] = [program.fund.code, v["fund"].code]
    if not diff:
        return program
    for key, value in v.items():
        setattr(program, key, value)
    program.search_key = search_key(program.name)
    db.session.flush()
    audit.record(actor, "program.update", program, data=diff)
    return program


def _lock(program: ScholarshipProgram) -> None:
    """Serialise approvals and nominations of one program (row lock on PostgreSQL; SQLite
    serialises writers anyway)."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: a no-op write takes the database's writer lock now, so the
        # checks that follow read what the previous writer committed.
        db.session.execute(
            update(ScholarshipProgram).where(ScholarshipProgram.id == program.id)
            .values(id=ScholarshipProgram.id).execution_options(synchronize_session=False)
        )
    else:
        db.session.execute(
            select(ScholarshipProgram.id).where(ScholarshipProgram.id == program.id)
            .with_for_update()
        )


def quota_candidates(program: ScholarshipProgram) -> list[Unit]:
    """The open direct sub-units of the program's unit: the units a quota can go to."""
    return [u for u in program.unit.children if u.is_active()]


def set_quotas(actor: User, program: ScholarshipProgram,
               quotas: dict[int, tuple[int | None, int | None]]) -> list[ScholarshipQuota]:
    """Set the quota (number of awards, budget) of each sub-unit; (None, None) removes one."""
    _lock(program)
    allowed = {u.id: u for u in program.unit.children}
    existing = {q.unit_id: q for q in program.quotas}
    for unit_id, (count, budget) in quotas.items():
        if unit_id not in allowed:
            raise DomainError(_("A quota can only go to a direct sub-unit of the program's unit."))
        if (count is not None and count < 0) or (budget is not None and budget < 0):
            raise DomainError(_("A quota cannot be negative."))
    # Check everything first, change nothing until it all fits.
    planned = {q.unit_id: (q.max_awards, q.budget) for q in program.quotas}
    for unit_id, (count, budget) in quotas.items():
        quota = existing.get(unit_id)
        name = allowed[unit_id].name
        if count is None and budget is None:
            if quota is not None and _quota_nominations(quota):
                raise DomainError(_("%(unit)s already has nominations; set its quota to 0 "
                                    "instead of removing it.", unit=name))
            planned.pop(unit_id, None)
            continue
        if quota is not None:
            used = awarded_totals(program, quota)
            if count is not None and count < used.count:
                raise DomainError(_("%(unit)s already has %(n)d approved awards.", unit=name,
                                    n=used.count))
            if budget is not None and budget < used.amount:
                raise DomainError(_("%(unit)s already has %(amount)s approved.", unit=name,
                                    amount=format_money(used.amount)))
        planned[unit_id] = (count, budget)
    total_count = sum(c or 0 for c, _b in planned.values())
    total_budget = sum(b or 0 for _c, b in planned.values())
    if program.max_awards is not None and total_count > program.max_awards:
        raise DomainError(_("The quotas add up to %(n)d awards but the program has %(max)d.",
                            n=total_count, max=program.max_awards))
    if program.budget is not None and total_budget > program.budget:
        raise DomainError(_("The quotas add up to %(total)s but the budget is %(budget)s.",
                            total=format_money(total_budget),
                            budget=format_money(program.budget)))
    changes: dict[str, object] = {}
    for unit_id, quota in existing.items():
        if unit_id not in planned:
            program.quotas.remove(quota)
            changes[quota.unit.name] = None
    for unit_id, (count, budget) in planned.items():
        quota = existing.get(unit_id)
        if quota is None:
            quota = ScholarshipQuota(unit=allowed[unit_id])
            program.quotas.append(quota)
        if (quota.max_awards, quota.budget) != (count, budget):
            changes[allowed[unit_id].name] = [count, budget]
        quota.max_awards, quota.budget = count, budget
    db.session.flush()
    if changes:
        audit.record(actor, "program.quotas", program, data=changes)
    return program.quotas


def _quota_nominations(quota: ScholarshipQuota) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Nomination).where(Nomination.quota_id == quota.id)
    )


@dataclass
class Totals:
    count: int = 0
    amount: int = 0


def _totals(program: ScholarshipProgram, statuses, quota: ScholarshipQuota | None = None,
            exclude_id: int | None = None) -> Totals:
    q = select(func.count(), func.coalesce(func.sum(Nomination.amount), 0)).where(
        Nomination.program_id == program.id, Nomination.status.in_(statuses))
    if quota is not None:
        q = q.where(Nomination.quota_id == quota.id)
    if exclude_id is not None:
        q = q.where(Nomination.id != exclude_id)
    count, amount = db.session.execute(q).one()
    return Totals(int(count), int(amount))


def awarded_totals(program: ScholarshipProgram, quota: ScholarshipQuota | None = None) -> Totals:
    return _totals(program, AWARDED, quota)


def _remaining(limit: int | None, used: int) -> int | None:
    return None if limit is None else limit - used


@dataclass
class QuotaUsage:
    quota: ScholarshipQuota
    nominated: Totals
    awarded: Totals

    # What a unit may still nominate: every nomination not rejected (drafts included) takes a
    # place, as the quota check does (`_check_quota`).
    @property
    def remaining_count(self) -> int | None:
        return _remaining(self.quota.max_awards, self.nominated.count)

    @property
    def remaining_amount(self) -> int | None:
        return _remaining(self.quota.budget, self.nominated.amount)


def quota_usage(program: ScholarshipProgram) -> list[QuotaUsage]:
    """Per quota: nominations (not rejected, drafts included) and awards (approved or paid)."""
    rows = db.session.execute(
        select(Nomination.quota_id, Nomination.status, func.count(), func.sum(Nomination.amount))
        .where(Nomination.program_id == program.id)
        .group_by(Nomination.quota_id, Nomination.status)
    ).all()
    nominated: dict[int, Totals] = {}
    awarded: dict[int, Totals] = {}
    for quota_id, status, count, amount in rows:
        for bucket, keep in ((nominated, status != "rejected"), (awarded, status in AWARDED)):
            if keep:
                t = bucket.setdefault(quota_id, Totals())
                t.count += int(count)
                t.amount += int(amount or 0)
    quotas = sorted(program.quotas, key=lambda q: q.unit.name)
    return [QuotaUsage(q, nominated.get(q.id, Totals()), awarded.get(q.id, Totals()))
            for q in quotas]


@dataclass
class ProgramUsage:
    awarded: Totals
    max_awards: int | None
    budget: int | None
    nominated: Totals = field(default_factory=Totals)

    # Room left for approvals (what the decision check uses) …
    @property
    def remaining_count(self) -> int | None:
        return _remaining(self.max_awards, self.awarded.count)

    @property
    def remaining_amount(self) -> int | None:
        return _remaining(self.budget, self.awarded.amount)

    # … and what is still open to nominate: every nomination not rejected takes a place (the
    # "remaining" a program page shows, so it never offers places already nominated).
    @property
    def open_count(self) -> int | None:
        return _remaining(self.max_awards, self.nominated.count)

    @property
    def open_amount(self) -> int | None:
        return _remaining(self.budget, self.nominated.amount)


def program_usage(program: ScholarshipProgram) -> ProgramUsage:
    return ProgramUsage(awarded_totals(program), program.max_awards, program.budget,
                        _totals(program, NOT_REJECTED))


def planned_cost(program: ScholarshipProgram) -> int | None:
    """The most the program may pay out: its budget, or its number of awards times the highest
    amount an award may have; None when it sets neither limit."""
    if program.budget is not None:
        return program.budget
    if program.max_awards is not None:
        return program.max_awards * max(program.amounts)
    return None


def still_to_pay(program: ScholarshipProgram) -> int | None:
    """What the program may still pay from its fund: the planned cost less awards paid."""
    cost = planned_cost(program)
    if cost is None:
        return None
    paid = _totals(program, ("paid",)).amount
    return max(cost - paid, 0)


# ---------------------------------------------------------------------------------------------
# Nominations
# ---------------------------------------------------------------------------------------------

NOMINATION_FIELDS = ("student_name", "birth_date", "sex", "school", "grade", "academic_result",
                     "family_circumstance", "priority_groups", "guardian_name", "guardian_phone",
                     "address", "reason", "attachments", "amount")


def quota_for(program: ScholarshipProgram, unit: Unit) -> ScholarshipQuota | None:
    for quota in program.quotas:
        if unit.path.startswith(quota.unit.path):
            return quota
    return None


def _nomination_values(program: ScholarshipProgram, values: dict) -> dict:
    v = dict(values)
    v["student_name"] = title_name(v.get("student_name"))
    if not v["student_name"]:
        raise DomainError(_("A name is required."), "student_name")
    born = v.get("birth_date")
    if born is None:
        raise DomainError(_("Give the date of birth."), "birth_date")
    if born >= today() or born.year < today().year - 30:
        raise DomainError(_("This date of birth is not plausible for a student."), "birth_date")
    if v.get("sex") not in ("M", "F"):
        raise DomainError(_("Choose the sex."), "sex")
    for key in ("school", "grade", "academic_result", "guardian_name", "address"):
        v[key] = clean(v.get(key))
    v["guardian_name"] = title_name(v["guardian_name"])
    for key in ("family_circumstance", "reason"):
        v[key] = (v.get(key) or "").strip()
    if not v["school"]:
        raise DomainError(_("Give the school."), "school")
    phone = clean(v.get("guardian_phone"))
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValueError:
            raise DomainError(_("This is not a Vietnamese phone number."),
                              "guardian_phone") from None
    v["guardian_phone"] = phone
    v["priority_groups"] = _check_groups(v.get("priority_groups"))
    attachments = v.get("attachments") or 0
    if attachments < 0 or attachments > 100:
        raise DomainError(_("Between 0 and 100 documents."), "attachments")
    v["attachments"] = attachments
    amount = v.get("amount") or program.amount_per_award
    if amount not in program.amounts:
        raise DomainError(_("The award amount must be one of the program's amounts."), "amount")
    v["amount"] = amount
    return v


def _check_duplicate(program: ScholarshipProgram, key: str, born: date,
                     exclude_id: int | None = None) -> None:
    q = select(Nomination).where(Nomination.program_id == program.id,
                                 Nomination.search_key == key, Nomination.birth_date == born)
    if exclude_id is not None:
        q = q.where(Nomination.id != exclude_id)
    other = db.session.scalars(q).first()
    if other is not None:
        raise DomainError(_("%(name)s (born %(born)s) is already nominated in this program by "
                            "%(unit)s.", name=other.student_name,
                            born=born.strftime("%d/%m/%Y"), unit=other.unit.name),
                          "student_name")


def _check_quota(program: ScholarshipProgram, quota: ScholarshipQuota, amount: int,
                 exclude_id: int | None = None) -> None:
    used = _totals(program, ("draft", "submitted", "approved", "paid"), quota, exclude_id)
    if quota.max_awards is not None and used.count + 1 > quota.max_awards:
        raise DomainError(_("The quota of %(unit)s is full: %(n)d of %(max)d nominations used.",
                            unit=quota.unit.name, n=used.count, max=quota.max_awards))
    if quota.budget is not None and used.amount + amount > quota.budget:
        raise DomainError(_("This goes beyond the quota of %(unit)s: %(remaining)s remaining.",
                            unit=quota.unit.name,
                            remaining=format_money(max(quota.budget - used.amount, 0))),
                          "amount")


def _check_window(program: ScholarshipProgram) -> None:
    if not program.window_open():
        raise DomainError(_("Nominations are accepted from %(start)s to %(end)s only.",
                            start=program.window_start.strftime("%d/%m/%Y"),
                            end=program.window_end.strftime("%d/%m/%Y")))


def create_nomination(actor: User, program: ScholarshipProgram, unit: Unit,
                      **values) -> Nomination:
    _check_window(program)
    quota = quota_for(program, unit)
    if quota is None:
        raise DomainError(_("%(unit)s has no quota in this program.", unit=unit.name), "unit")
    v = _nomination_values(program, {k: values.get(k) for k in NOMINATION_FIELDS})
    _lock(program)
    key = search_key(v["student_name"])
    _check_duplicate(program, key, v["birth_date"])
    _check_quota(program, quota, v["amount"])
    nomination = Nomination(program=program, unit=unit, quota=quota, search_key=key,
                            created_by=actor, status="draft", **v)
    db.session.add(nomination)
    db.session.flush()
    audit.record(actor, "nomination.create", nomination, data={
        "program": program.id, "student": nomination.student_name,
        "birth_date": nomination.birth_date, "amount": nomination.amount,
    })
    return nomination


def update_nomination(actor: User, nomination: Nomination, **values) -> Nomination:
    if nomination.is_locked:
        raise DomainError(_("A submitted nomination can no longer be changed."))
    program = nomination.program
    _check_window(program)
    v = _nomination_values(program, {k: values.get(k, getattr(nomination, k))
                                     for k in NOMINATION_FIELDS})
    _lock(program)
    key = search_key(v["student_name"])
    _check_duplicate(program, key, v["birth_date"], exclude_id=nomination.id)
    _check_quota(program, nomination.quota, v["amount"], exclude_id=nomination.id)
    diff = audit.changes(nomination, v)
    if not diff:
        return nomination
    for k, value in v.items():
        setattr(nomination, k, value)
    nomination.search_key = key
    db.session.flush()
    audit.record(actor, "nomination.update", nomination, data=diff)
    return nomination


def submit_nomination(actor: User, nomination: Nomination) -> Nomination:
    if nomination.status != "draft":
        raise DomainError(_("This nomination has already been submitted."))
    _check_window(nomination.program)
    nomination.status = "submitted"
    nomination.submitted_at = utcnow()
    db.session.flush()
    audit.record(actor, "nomination.submit", nomination, data={"student": nomination.student_name})
    return nomination


def decide(actor: User, program: ScholarshipProgram, nominations: list[Nomination],
           decision: str, reason: str = "") -> list[Nomination]:
    """Approve or reject submitted nominations, all or none. Approving never takes the program
    or a quota beyond its number of awards or its budget."""
    if decision not in ("approve", "reject"):
        raise DomainError(_("Unknown decision."))
    if not nominations:
        raise DomainError(_("Choose at least one nomination."))
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise DomainError(_("Give the reason for the rejection."), "reason")
    _lock(program)
    for n in nominations:
        if n.program_id != program.id:
            raise DomainError(_("This nomination belongs to another program."))
        db.session.refresh(n)  # the status may have changed since the page was loaded
        if n.status != "submitted":
            raise DomainError(_("%(name)s is not waiting for a decision (%(status)s).",
                                name=n.student_name, status=STATUS_LABELS[n.status]))
    if decision == "approve":
        _check_room(program, nominations)
    status = "approved" if decision == "approve" else "rejected"
    for n in nominations:
        n.status = status
        n.decided_by = actor
        n.decided_at = utcnow()
        n.decision_reason = reason
    db.session.flush()
    for n in nominations:
        audit.record(actor, f"nomination.{decision}", n,
                     data={"student": n.student_name, "amount": n.amount, "reason": reason})
    return nominations


def _check_room(program: ScholarshipProgram, nominations: list[Nomination]) -> None:
    usage = program_usage(program)
    count, amount = len(nominations), sum(n.amount for n in nominations)
    if usage.remaining_count is not None and count > usage.remaining_count:
        raise DomainError(_("Only %(n)d more awards fit in the program.",
                            n=max(usage.remaining_count, 0)))
    if usage.remaining_amount is not None and amount > usage.remaining_amount:
        raise DomainError(_("This exceeds the program budget: %(remaining)s remaining, "
                            "%(asked)s asked.", remaining=format_money(max(usage.remaining_amount, 0)),
                            asked=format_money(amount)))
    by_quota: dict[int, list[Nomination]] = {}
    for n in nominations:
        by_quota.setdefault(n.quota_id, []).append(n)
    for group in by_quota.values():
        quota = group[0].quota
        used = awarded_totals(program, quota)
        if quota.max_awards is not None and used.count + len(group) > quota.max_awards:
            raise DomainError(_("The quota of %(unit)s allows %(n)d more awards.",
                                unit=quota.unit.name, n=max(quota.max_awards - used.count, 0)))
        asked = sum(n.amount for n in group)
        if quota.budget is not None and used.amount + asked > quota.budget:
            raise DomainError(_("This exceeds the quota of %(unit)s: %(remaining)s remaining.",
                                unit=quota.unit.name,
                                remaining=format_money(max(quota.budget - used.amount, 0))))


# ---------------------------------------------------------------------------------------------
# Payout (payment vouchers through the treasury)
# ---------------------------------------------------------------------------------------------

PAY_MODES = ("each", "ceremony")


def pay_awards(actor: User, program: ScholarshipProgram, nominations: list[Nomination], *,
               mode: str = "each", voucher_date: date | None = None, method: str = "cash",
               token: str | None = None) -> list:
    """Pay approved awards from the program's fund: one payment voucher per award ("each"), or
    one voucher for the whole ceremony with the signed recipient list attached ("ceremony").
    All or nothing: an unapproved or already paid award refuses the whole batch."""
    from . import treasury

    if mode not in PAY_MODES:
        raise DomainError(_("Choose how to pay."), "mode")
    if not nominations:
        raise DomainError(_("Choose at least one approved award."))
    _lock(program)
    for n in nominations:
        if n.program_id != program.id:
            raise DomainError(_("This nomination belongs to another program."))
        db.session.refresh(n)
        if n.is_paid:
            raise DomainError(_("The award of %(name)s is already paid (voucher %(no)s).",
                                name=n.student_name, no=n.voucher.display_number))
        if n.status not in AWARDED:
            raise DomainError(_("The award of %(name)s is not approved (%(status)s).",
                                name=n.student_name, status=STATUS_LABELS[n.status]))
    ordered = sorted(nominations, key=lambda n: (n.quota.unit.name, name_sort_key(n.student_name)))
    total, balance = sum(n.amount for n in ordered), treasury.fund_balance(program.fund)
    if total > balance:
        raise DomainError(_("%(fund)s holds %(balance)s; these awards need %(total)s.",
                            fund=program.fund.name, balance=format_money(balance),
                            total=format_money(total)))
    vouchers = []
    if mode == "each":
        for n in ordered:
            vouchers.append(treasury.issue_voucher(
                actor, program.unit, kind="payment", amount=n.amount,
                party_name=n.guardian_name or n.student_name, party_address=n.address,
                reason=_("Scholarship %(program)s for %(name)s, %(school)s",
                         program=program.name, name=n.student_name, school=n.school)[:500],
                voucher_date=voucher_date, method=method, fund=program.fund, attachments=1,
                link_type="award", link_id=n.id, token=f"{token}-{n.id}" if token else None))
        pairs = list(zip(ordered, vouchers, strict=True))
    else:
        voucher = treasury.issue_voucher(
            actor, program.unit, kind="payment", amount=total,
            party_name=_("Scholarship recipients (signed list, %(n)d students)", n=len(ordered)),
            reason=_("Scholarship %(program)s: %(n)d awards paid at the ceremony, per the signed "
                     "recipient list", program=program.name, n=len(ordered))[:500],
            voucher_date=voucher_date, method=method, fund=program.fund, attachments=1,
            link_type="award", link_id=ordered[0].id, token=token)
        vouchers.append(voucher)
        pairs = [(n, voucher) for n in ordered]
    now = utcnow()
    for n, voucher in pairs:
        n.status = "paid"
        n.voucher_id = voucher.id
        n.voucher = voucher
        n.paid_at = now
        n.paid_by = actor
    db.session.flush()
    for n, voucher in pairs:
        audit.record(actor, "award.pay", n, data={
            "student": n.student_name, "amount": n.amount, "voucher": voucher.display_number,
            "mode": mode})
    return vouchers


# ---------------------------------------------------------------------------------------------
# Lists and reports (queries; the views scope them)
# ---------------------------------------------------------------------------------------------


def nominations_query(program: ScholarshipProgram, *, quota_id: int | None = None,
                      school: str = "", group: str = "", status: str = ""):
    """Nominations of a program joined to their unit (for scope_query on Unit.path)."""
    q = (select(Nomination).join(Unit, Nomination.unit_id == Unit.id)
         .where(Nomination.program_id == program.id))
    if quota_id:
        q = q.where(Nomination.quota_id == quota_id)
    if school:
        q = q.where(func.lower(Nomination.school).contains(clean(school).lower(), autoescape=True))
    if status:
        q = q.where(Nomination.status == status)
    return q.order_by(Nomination.id), group


def filter_group(nominations: list[Nomination], group: str) -> list[Nomination]:
    """Priority groups are a JSON list: filtered in Python, the same on both databases."""
    return [n for n in nominations if group in (n.priority_groups or [])] if group else nominations


def sort_students(nominations: list[Nomination]) -> list[Nomination]:
    return sorted(nominations, key=lambda n: name_sort_key(n.student_name))


def recipients(nominations: list[Nomination]) -> list[Nomination]:
    """Awarded nominations in list order: by quota unit, then Vietnamese name order."""
    awarded = [n for n in nominations if n.status in AWARDED]
    return sorted(awarded, key=lambda n: (n.quota.unit.name, name_sort_key(n.student_name)))


def history_query(name: str, birth_date: date | None = None):
    """Every nomination of a student across programs and years (name without diacritics,
    and birth date when given), newest program first."""
    q = (select(Nomination).join(Unit, Nomination.unit_id == Unit.id)
         .join(ScholarshipProgram, Nomination.program_id == ScholarshipProgram.id)
         .where(Nomination.search_key == search_key(name)))
    if birth_date is not None:
        q = q.where(Nomination.birth_date == birth_date)
    return q.order_by(ScholarshipProgram.window_start.desc(), Nomination.id.desc())


@dataclass
class ReportRow:
    label: str
    hidden: bool = False  # the viewer may not see this unit's nominations: "—", never 0
    nominated: Totals = field(default_factory=Totals)   # submitted or decided (not drafts)
    approved: Totals = field(default_factory=Totals)    # approved or paid
    rejected: Totals = field(default_factory=Totals)
    paid: Totals = field(default_factory=Totals)

    def add(self, n: Nomination) -> None:
        if n.status == "draft":
            return
        for bucket, keep in ((self.nominated, True), (self.approved, n.status in AWARDED),
                             (self.rejected, n.status == "rejected"),
                             (self.paid, n.is_paid)):
            if keep:
                bucket.count += 1
                bucket.amount += n.amount


@dataclass
class ProgramReport:
    by_unit: list[ReportRow]
    by_group: list[ReportRow]
    total: ReportRow
    partial: bool = False  # some units are hidden from the viewer: the totals leave them out


def program_report(program: ScholarshipProgram, nominations: list[Nomination],
                   visible=None) -> ProgramReport:
    """Nominations, approvals, rejections and amounts by quota unit and by priority group.

    `nominations` are those the viewer may see; `visible(unit)` says whether the viewer may
    see a quota unit's nominations (None: every unit). A unit the viewer may not see is
    `hidden` (shown "—", never 0: it may well have nominations) and the totals are those of
    the units shown (`partial`).

    A student may belong to several priority groups, so the group rows need not add up to the
    total; a row "none" counts those in no group."""
    quotas = sorted(program.quotas, key=lambda q: q.unit.name)
    units = {q.id: ReportRow(q.unit.name, hidden=visible is not None and not visible(q.unit))
             for q in quotas}
    partial = any(r.hidden for r in units.values())
    groups = {g: ReportRow(str(PRIORITY_LABELS[g])) for g in PRIORITY_GROUPS}
    no_group = ReportRow(_("No priority group"))
    total = ReportRow(_("Total of the units shown") if partial else _("Total"))
    for n in nominations:
        if units[n.quota_id].hidden:
            continue
        units[n.quota_id].add(n)
        for g in n.priority_groups or []:
            groups[g].add(n)
        if not n.priority_groups:
            no_group.add(n)
        total.add(n)
    return ProgramReport(list(units.values()), [*groups.values(), no_group], total, partial)
