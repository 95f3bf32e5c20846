"""Inbox kinds of a unit's own records: treasury, members, the tree and its officers, and the
user's jobs. One query per kind (two where a second table is read)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, exists, func, or_, select

from ...config import INSTANCE
from ...extensions import db
from ...models import (
    KEY_TITLES,
    DuesPayment,
    Fund,
    Job,
    Member,
    Pledge,
    Position,
    RemunerationSheet,
    ReorgPlan,
    Unit,
    Voucher,
)
from ...money import format_money
from ...permissions import can_see_job, scope_clause
from .items import Ctx, Item, day_of

# ---------------------------------------------------------------------------------------------
# Treasury
# ---------------------------------------------------------------------------------------------


def _book_units(ctx: Ctx) -> list[Unit]:
    """The user's units whose books they keep (a role that issues vouchers at the unit)."""
    return [u for u in ctx.units.values() if ctx.can("voucher.issue", u)]


def _treasury_rows(ctx: Ctx, units: dict[int, Unit]) -> list:
    """Per fund of the user's book-keeping units: its balance (the treasury's one formula),
    its valid vouchers never printed and the newest date among them — one statement for the
    two kinds (a voucher is always in its fund's unit's books: issue_voucher checks it)."""
    key = "_treasury_rows"
    if key not in ctx.memo:
        from ...services.treasury import _signed_sum  # the one balance formula

        ctx.memo[key] = ctx.rows(("treasury",), lambda: _treasury_statement(_signed_sum()),
                                 {"units": list(units)})
    return ctx.memo[key]


def _treasury_statement(signed_sum):
    unprinted = (Voucher.status == "valid") & (Voucher.print_count == 0)
    return (select(Fund.id, Fund.name, Fund.unit_id, signed_sum, func.count(case((unprinted, 1))),
                   func.max(case((unprinted, Voucher.voucher_date))))
            .join(Voucher, Voucher.fund_id == Fund.id)
            .where(Fund.unit_id.in_(bindparam("units", expanding=True)))
            .group_by(Fund.id, Fund.name, Fund.unit_id))


def unprinted_vouchers(ctx: Ctx) -> list[Item]:
    """Valid vouchers never printed, per book-keeping unit of the user (count, newest date)."""
    units = {u.id: u for u in _book_units(ctx)}
    if not units:
        return []
    per_unit: dict[int, list] = {}
    for _fid, _name, uid, _balance, n, newest in _treasury_rows(ctx, units):
        if n:
            found = per_unit.setdefault(uid, [0, newest])
            found[0] += n
            found[1] = max(found[1], newest)
    label = _("Vouchers")
    return [Item("voucher_unprinted", f"voucher_unprinted:{uid}", label,
                 "treasury.unit_index", {"unit_id": uid}, uid, units[uid].name, units[uid].path,
                 since=newest, count=n)
            for uid, (n, newest) in per_unit.items()]


def remuneration_sheets(ctx: Ctx) -> list[Item]:
    """Draft sheets to lock, locked sheets to pay (paying takes the unit's own books)."""
    scope = ctx.scope("remuneration.edit", "re")
    if not scope:
        return []
    rows = ctx.rows(("sheets", len(scope)), lambda: (
        select(RemunerationSheet.id, RemunerationSheet.status, RemunerationSheet.year,
               RemunerationSheet.month, RemunerationSheet.created_at, RemunerationSheet.locked_at,
               Unit.id, Unit.name, Unit.path)
        .join(Unit, RemunerationSheet.unit_id == Unit.id)
        .where(RemunerationSheet.status.in_(("draft", "locked")),
               scope_clause(Unit.path, "re", len(scope)))), scope)
    items = []
    label = _("Remuneration %(month)s")  # translated once, filled per sheet
    for sid, status, year, month, created, locked, uid, uname, upath in rows:
        if status == "locked" and not ctx.can("voucher.issue", ctx.at(upath)):
            continue  # paying writes the unit's own books: a role at the unit itself
        kind = "sheet_lock" if status == "draft" else "sheet_pay"
        items.append(Item(kind, f"{kind}:{sid}", label % {"month": f"{month:02d}/{year}"},
                          "officers.sheet", {"sheet_id": sid}, uid, uname, upath,
                          since=day_of(locked or created)))
    return items


def negative_funds(ctx: Ctx) -> list[Item]:
    """Funds of the user's book-keeping units whose balance is below zero."""
    units = {u.id: u for u in _book_units(ctx)}
    if not units:
        return []
    return [Item("fund_negative", f"fund_negative:{fid}", name, "treasury.cash_book",
                 {"fund_id": fid}, uid, units[uid].name, units[uid].path, late=True,
                 note=format_money(int(balance)))
            for fid, name, uid, balance, _n, _newest in _treasury_rows(ctx, units)
            if balance < 0]


def overdue_pledges(ctx: Ctx) -> list[Item]:
    """Open pledges whose date has passed, per unit (a count; donors are not named)."""
    scope = ctx.scope("donation.edit", "de")
    if not scope:
        return []
    rows = ctx.rows(("pledges", len(scope)), lambda: (
        select(Unit.id, Unit.name, Unit.path, func.count(), func.min(Pledge.due_on))
        .join(Unit, Pledge.unit_id == Unit.id)
        .where(Pledge.status == "open", Pledge.due_on.is_not(None),
               Pledge.due_on < bindparam("on"), scope_clause(Unit.path, "de", len(scope)))
        .group_by(Unit.id, Unit.name, Unit.path)), {"on": ctx.on, **scope})
    return [Item("pledge_overdue", f"pledge_overdue:{uid}", _("Pledges"), "events.pledges",
                 {"unit_id": uid}, uid, name, path, since=first, due=first, count=n, late=True)
            for uid, name, path, n, first in rows]


# ---------------------------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------------------------


# Members are kept (dues collected, duplicates merged) by communes and the units below them:
# above, that is the wards' work, and a district-wide scan would cost every page view.
MEMBER_LEVELS = ("commune", "branch", "board")


def unpaid_dues(ctx: Ctx) -> list[Item]:
    """Active members of each of the user's collecting units (sub-tree) without this year's
    dues, counted as the member list's "unpaid" filter counts them (the item links there)."""
    from ...services.members import payment_counts

    year = ctx.on.year
    items = []
    for unit in ctx.units.values():  # one query per unit the user collects at (usually one)
        if unit.level not in MEMBER_LEVELS or not ctx.can("dues.collect", unit):
            continue
        paid = exists().where(DuesPayment.member_id == Member.id, DuesPayment.year == year,
                              payment_counts())
        unpaid = db.session.scalar(
            select(func.count(Member.id)).join(Unit, Member.unit_id == Unit.id)
            .where(Unit.path.startswith(unit.path, autoescape=True), Member.status == "active",
                   ~paid))
        if unpaid:
            items.append(Item("dues_unpaid", f"dues_unpaid:{unit.id}:{year}",
                              _("Dues %(year)s", year=year), "members.unit_list",
                              {"unit_id": unit.id, "dues": "unpaid", "year": year}, unit.id,
                              unit.name, unit.path, since=date(year, 1, 1), count=unpaid))
    return items


def duplicates(ctx: Ctx) -> list[Item]:
    """Groups of active members sharing a CCCD number, or a name and a birth date, in each of
    the user's communes (or units below) where they merge members (the duplicates page lists
    them)."""
    units = [u for u in ctx.units.values()
             if u.level in MEMBER_LEVELS and ctx.can("member.merge", u)]
    items = []
    for unit in units:  # one query per unit the user holds a merging role at (usually one)
        base = (select(Member).join(Unit, Member.unit_id == Unit.id)
                .where(Unit.path.startswith(unit.path, autoescape=True),
                       Member.status == "active").subquery())
        by_cccd = (select(base.c.cccd).where(base.c.cccd.is_not(None))
                   .group_by(base.c.cccd).having(func.count() > 1))
        by_name = (select(base.c.search_key).where(base.c.birth_date.is_not(None))
                   .group_by(base.c.search_key, base.c.birth_date).having(func.count() > 1))
        n = db.session.scalar(select(
            select(func.count()).select_from(by_cccd.subquery()).scalar_subquery()
            + select(func.count()).select_from(by_name.subquery()).scalar_subquery()))
        if n:
            items.append(Item("member_duplicates", f"member_duplicates:{unit.id}",
                              _("Possible duplicates"), "members.duplicates",
                              {"unit_id": unit.id}, unit.id, unit.name, unit.path, count=n))
    return items


def imports_at_preview(ctx: Ctx) -> list[Item]:
    """The user's own uploads left at the preview (kept two days), members or learning."""
    items = []
    folder = Path(current_app.config.get("IMPORT_DIR") or INSTANCE / "imports")
    if not folder.is_dir():
        return []
    units = {u.id: u for u in ctx.near_units()}
    for meta_path in folder.glob("*.json"):
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            continue
        if meta.get("user_id") != ctx.user.id:
            continue
        kind = meta.get("kind", "member")
        endpoint, action = {"member": ("members.import_preview", "member.edit"),
                            "learning": ("learning.import_preview", "learning.edit")}.get(
                                kind, (None, None))
        unit = units.get(meta.get("unit_id"))
        try:
            at = datetime.fromisoformat(meta.get("at") or "")
        except ValueError:
            continue
        # Still theirs to finish: a role that allows it, and an account older than the file
        # (a database made again reuses ids; the folder outlives it).
        if (endpoint is None or unit is None or not ctx.can(action, unit)
                or (ctx.user.created_at is not None and at < _aware(ctx.user.created_at))):
            continue
        items.append(Item("import_preview", f"import_preview:{meta_path.stem}",
                          meta.get("filename", ""), endpoint, {"token": meta_path.stem},
                          unit.id, unit.name, unit.path, since=day_of(at)))
    return items


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------------------------

POST_AHEAD = timedelta(days=30)


def posts(ctx: Ctx) -> list[Item]:
    """The user's units and those directly below (where they edit officers): key posts with
    nobody in them, and posts ending within 30 days. One query for the posts."""
    from ...services.officers import TITLE_LABELS

    units = {u.id: u for u in ctx.near_units() if ctx.can("officer.view", u)}
    if not units:
        return []
    on = ctx.on
    rows = ctx.rows(("posts",), lambda: (
        select(Position.id, Position.officer_id, Position.unit_id, Position.title,
               Position.end_date)
        .where(Position.unit_id.in_(bindparam("units", expanding=True)),
               Position.start_date <= bindparam("on"),
               Position.end_date.is_(None) | (Position.end_date >= bindparam("on")))),
        {"units": list(units), "on": on})
    held: dict[int, set[str]] = {}
    items = []
    for pid, officer_id, uid, title, end in rows:
        held.setdefault(uid, set()).add(title)
        unit = units[uid]
        if end is not None and end <= on + POST_AHEAD and ctx.can("officer.edit", unit):
            items.append(Item("post_ending", f"post_ending:{pid}:{end.isoformat()}",
                              str(TITLE_LABELS.get(title, title)), "officers.show",
                              {"officer_id": officer_id}, uid, unit.name, unit.path,
                              since=on, due=end))
    for uid, unit in units.items():
        if not ctx.can("officer.edit", unit) or not unit.is_active(on):
            continue
        missing = [t for t in KEY_TITLES.get(unit.level, ()) if t not in held.get(uid, set())]
        if missing:
            items.append(Item("post_vacant", f"post_vacant:{uid}:{'+'.join(missing)}",
                              ", ".join(str(TITLE_LABELS[t]) for t in missing),
                              "officers.unit_officers", {"unit_id": uid}, uid, unit.name,
                              unit.path))
    return items


def reappointments(ctx: Ctx) -> list[Item]:
    """Posts a reorganisation of the last 90 days ended that were not yet taken up again at
    the successor (the plan's page offers the one-click re-appointment)."""
    scope = ctx.scope("officer.edit", "oe")
    if not scope:
        return []
    plans = ctx.records(("reappointments", len(scope)), lambda: (
        select(ReorgPlan).join(Unit, ReorgPlan.unit_id == Unit.id)
        .where(ReorgPlan.status == "applied", ReorgPlan.effective >= bindparam("since"),
               scope_clause(Unit.path, "oe", len(scope)))),
        {"since": ctx.on - timedelta(days=90), **scope})
    offered = []  # (plan, successor id, post id)
    for plan in plans:
        for record in plan.summary.get("handovers", []):
            successor = (record.get("successor") or {}).get("id")
            for post in record.get("posts_ended", []):
                if successor and post.get("post_id"):
                    offered.append((plan, successor, post["post_id"]))
    if not offered:
        return []
    ended = {p.id: p for p in db.session.scalars(select(Position).where(or_(
        Position.id.in_([o[2] for o in offered]),
        Position.unit_id.in_({o[1] for o in offered}))))}
    items = []
    waiting: dict[int, int] = {}
    for plan, successor, post_id in offered:
        post = ended.get(post_id)
        if post is None:
            continue
        taken = any(p.unit_id == successor and p.officer_id == post.officer_id
                    and p.title == post.title and p.start_date >= plan.effective
                    for p in ended.values())
        if not taken:
            waiting[plan.id] = waiting.get(plan.id, 0) + 1
    for plan in plans:
        if waiting.get(plan.id):
            unit = plan.unit
            items.append(Item("reappoint", f"reappoint:{plan.id}", plan.title or _("Plan"),
                              "reorg.show", {"plan_id": plan.id}, unit.id, unit.name, unit.path,
                              since=plan.effective, count=waiting[plan.id]))
    return items


# ---------------------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------------------


def my_jobs(ctx: Ctx) -> list[Item]:
    """The user's own jobs finished or failed in the last 7 days (their page may still be
    opened: a role ended since closes it)."""
    since = ctx.on - timedelta(days=7)
    jobs = ctx.records(("jobs",), lambda: (
        select(Job).where(Job.owner_id == bindparam("owner"), Job.status.in_(("done", "failed")),
                          Job.finished_at.is_not(None))
        .order_by(Job.finished_at.desc()).limit(20)), {"owner": ctx.user.id})
    items = []
    for job in jobs:
        finished = day_of(job.finished_at)
        if finished < since or not can_see_job(ctx.user, job):
            continue
        kind = "job_done" if job.status == "done" else "job_failed"
        unit = job.unit
        items.append(Item(kind, f"{kind}:{job.id}", job.title, "jobs.show", {"token": job.token},
                          unit.id if unit else None, unit.name if unit else "",
                          unit.path if unit else "", since=finished))
    return items


KINDS = [unprinted_vouchers, remuneration_sheets, negative_funds, overdue_pledges, unpaid_dues,
         duplicates, imports_at_preview, posts, reappointments, my_jobs]
