"""Inbox kinds of the work that travels between levels: scholarships, periodic reports and
learning models. One query per kind (periodic reads its templates and their reports)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Integer, String, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from ...models import (
    LearningCriteriaSet,
    LearningEntry,
    Nomination,
    PeriodicReport,
    PeriodicTemplate,
    ScholarshipProgram,
    Unit,
)
from ...permissions import RECOGNISING_LEVELS, scope_clause
from .items import Ctx, Item, day_of

ProgramUnit = aliased(Unit)

# ---------------------------------------------------------------------------------------------
# Scholarships
# ---------------------------------------------------------------------------------------------


def _nomination_rows(ctx: Ctx) -> dict[str, list]:
    """The three scholarship kinds' rows in one statement (UNION ALL of one SELECT per kind
    the user's roles can have, each scoped through permissions.scope_query), by kind:

    - decide: submitted nominations of programs at units where the user decides, per program,
      creator and nominating unit;
    - draft: drafts of programs whose window is open, per program and nominating unit;
    - pay: approved nominations (awards to pay), per program.

    Every branch has the same columns: kind, program id and name, window end, the nominating
    unit (id, name, path), the program's unit (id, name, path), the creator, count, first."""
    if "_nominations" in ctx.memo:
        return ctx.memo["_nominations"]
    params = {"on": ctx.on, **ctx.scope("nomination.decide", "nd"),
              **ctx.scope("nomination.edit", "ne"), **ctx.scope("award.pay", "ap")}
    shape = tuple(len(ctx.scope(a, n)) for a, n in (
        ("nomination.decide", "nd"), ("nomination.edit", "ne"), ("award.pay", "ap")))
    found: dict[str, list] = {"decide": [], "draft": [], "pay": []}
    if any(shape):
        for row in ctx.rows(("nominations", *shape), lambda: _nomination_statement(*shape),
                            params):
            found[row[0]].append(row[1:])
    ctx.memo["_nominations"] = found
    return found


def _nomination_statement(decide: int, edit: int, pay: int):
    none_int = literal(None, Integer)
    none_text = literal(None, String)
    parts = []
    if decide:
        parts.append(
            select(literal("decide"), Nomination.program_id, ScholarshipProgram.name,
                   ScholarshipProgram.window_end, Unit.id, Unit.name, Unit.path, ProgramUnit.id,
                   ProgramUnit.name, ProgramUnit.path, Nomination.created_by_id, func.count(),
                   func.min(Nomination.submitted_at))
            .join(ScholarshipProgram, Nomination.program_id == ScholarshipProgram.id)
            .join(ProgramUnit, ScholarshipProgram.unit_id == ProgramUnit.id)
            .join(Unit, Nomination.unit_id == Unit.id)
            .where(Nomination.status == "submitted",
                   scope_clause(ProgramUnit.path, "nd", decide))
            .group_by(Nomination.program_id, ScholarshipProgram.name,
                      ScholarshipProgram.window_end, Unit.id, Unit.name, Unit.path,
                      ProgramUnit.id, ProgramUnit.name, ProgramUnit.path,
                      Nomination.created_by_id))
    if edit:
        parts.append(
            select(literal("draft"), Nomination.program_id, ScholarshipProgram.name,
                   ScholarshipProgram.window_end, Unit.id, Unit.name, Unit.path, none_int,
                   none_text, none_text, none_int, func.count(), func.min(Nomination.created_at))
            .join(ScholarshipProgram, Nomination.program_id == ScholarshipProgram.id)
            .join(Unit, Nomination.unit_id == Unit.id)
            .where(Nomination.status == "draft", ScholarshipProgram.window_end >= bindparam("on"),
                   scope_clause(Unit.path, "ne", edit))
            .group_by(Nomination.program_id, ScholarshipProgram.name,
                      ScholarshipProgram.window_end, Unit.id, Unit.name, Unit.path))
    if pay:
        parts.append(
            select(literal("pay"), ScholarshipProgram.id, ScholarshipProgram.name,
                   ScholarshipProgram.window_end, none_int, none_text, none_text, ProgramUnit.id,
                   ProgramUnit.name, ProgramUnit.path, none_int, func.count(),
                   func.min(Nomination.decided_at))
            .join(ScholarshipProgram, Nomination.program_id == ScholarshipProgram.id)
            .join(ProgramUnit, ScholarshipProgram.unit_id == ProgramUnit.id)
            .where(Nomination.status == "approved", scope_clause(ProgramUnit.path, "ap", pay))
            .group_by(ScholarshipProgram.id, ScholarshipProgram.name,
                      ScholarshipProgram.window_end, ProgramUnit.id, ProgramUnit.name,
                      ProgramUnit.path))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def nominations_to_decide(ctx: Ctx) -> list[Item]:
    """Submitted nominations of programs at units where the user decides, one item per program
    (never those the user created, nor those of a unit where the user nominates)."""
    rows = _nomination_rows(ctx)["decide"]
    if not rows:
        return []
    nominating = ctx.paths("nomination.edit")
    groups: dict[int, list] = {}
    for program_id, name, _end, _uid, _uname, path, puid, puname, pupath, created_by, n, \
            first in rows:
        if created_by is not None and created_by == ctx.user.id:
            continue
        if any(p.startswith(pupath) and p != pupath
               and (path.startswith(p) or p.startswith(path)) for p in nominating):
            continue
        groups.setdefault(program_id, []).append((first, name, puid, puname, pupath, n))
    items = []
    for program_id, found in groups.items():
        since = min((day_of(s) for s, *_rest in found if s), default=None)
        _s, name, puid, puname, pupath, _n = found[0]
        items.append(Item("nomination_decide", f"nomination_decide:{program_id}", name,
                          "scholarships.program", {"program_id": program_id}, puid, puname,
                          pupath, since=since, count=sum(f[5] for f in found)))
    return items


def draft_nominations(ctx: Ctx) -> list[Item]:
    """Nominations left as drafts while the program's window is open, per program and unit."""
    return [Item("nomination_draft", f"nomination_draft:{pid}:{uid}", name,
                 "scholarships.program", {"program_id": pid}, uid, uname, upath,
                 since=day_of(first), due=end, count=n)
            for pid, name, end, uid, uname, upath, _pu, _pn, _pp, _c, n, first
            in _nomination_rows(ctx)["draft"]]


def awards_to_pay(ctx: Ctx) -> list[Item]:
    """Approved, unpaid awards of programs whose books the user keeps (award.pay and a role at
    the program's own unit), one item per program."""
    return [Item("award_pay", f"award_pay:{pid}", name, "scholarships.program",
                 {"program_id": pid}, puid, puname, pupath, since=day_of(first), count=n)
            for pid, name, _end, _u, _un, _up, puid, puname, pupath, _c, n, first
            in _nomination_rows(ctx)["pay"] if ctx.can("voucher.issue", ctx.at(pupath))]


# ---------------------------------------------------------------------------------------------
# Periodic reports
# ---------------------------------------------------------------------------------------------

# A report to fill is shown from a month before its period ends (or once started).
FILL_AHEAD = timedelta(days=30)


class Template(NamedTuple):
    id: int
    unit_id: int
    unit_path: str
    title: str
    period_start: date
    period_end: date
    due_date: date
    levels: list


class Report(NamedTuple):
    id: int
    template_id: int
    unit_id: int
    status: str
    created_at: datetime | None
    submitted_at: datetime | None
    submitted_by_id: int | None
    reviewed_at: datetime | None
    review_comment: str
    compiled_from: list

    @property
    def editable(self) -> bool:
        return self.status in ("draft", "returned")


def _takes_part(template: Template, unit: Unit) -> bool:
    if unit.id == template.unit_id:
        return True
    return (unit.path.startswith(template.unit_path) and unit.level in (template.levels or [])
            and unit.valid_from <= template.period_end
            and (unit.valid_to is None or unit.valid_to >= template.period_start))


def periodic(ctx: Ctx) -> list[Item]:
    """The user's own units' reports (to fill, returned, accepted reports below to compile)
    and the reports of the units directly below (submitted: to review; not in by the due
    date: late, counted per unit). Two queries: the templates, then their reports."""
    near = ctx.near_units()
    ancestor_ids = {i for u in ctx.units.values() for i in u.ancestor_ids}
    own = sorted(ctx.units.values(), key=lambda u: u.path)
    templates = [Template(*row) for row in ctx.rows(
        ("periodic_templates", len(own)), lambda: _templates_statement(len(own)),
        {"ancestors": sorted(ancestor_ids), "on": ctx.on,
         "oldest_due": ctx.on - timedelta(days=365),
         **{f"own{i}": u.path for i, u in enumerate(own)}})]
    if not templates:
        return []
    latest: dict[tuple[int, int], Report] = {}
    for row in ctx.rows(("periodic_reports",), _reports_statement,
                        {"templates": [t.id for t in templates],
                         "units": [u.id for u in near]}):
        report = Report(*row)
        latest[(report.template_id, report.unit_id)] = report
    items: list[Item] = []
    for t in templates:
        late = ctx.on > t.due_date
        for u in ctx.units.values():
            if not _takes_part(t, u):
                continue
            r = latest.get((t.id, u.id))
            below = [c for c in near if c.parent_id == u.id and c.id != t.unit_id
                     and _takes_part(t, c)]
            items += _own_report(ctx, t, u, r, below, latest, late)
            if not ctx.can("periodic.review", u):
                continue
            for c in below:
                rc = latest.get((t.id, c.id))
                if (rc is not None and rc.status == "submitted"
                        and rc.submitted_by_id != ctx.user.id):
                    items.append(Item("periodic_review", f"periodic_review:{rc.id}",
                                      f"{t.title} — {c.name}", "periodic.show",
                                      {"report_id": rc.id}, u.id, u.name, u.path,
                                      since=day_of(rc.submitted_at), due=t.due_date))
                elif late and (rc is None or rc.status in ("draft", "returned")) \
                        and not ctx.is_own(c.path):
                    items.append(Item("periodic_fill", f"periodic_fill:{t.id}:{c.id}", t.title,
                                      "periodic.board", {"template_id": t.id, "unit_id": u.id},
                                      c.id, c.name, c.path, since=t.due_date, due=t.due_date,
                                      late=True))
    return items


def _templates_statement(own: int):
    """Templates of the user's units' ancestors or sub-trees (`own<i>`: their paths)."""
    return (select(PeriodicTemplate.id, PeriodicTemplate.unit_id, Unit.path,
                   PeriodicTemplate.title, PeriodicTemplate.period_start,
                   PeriodicTemplate.period_end, PeriodicTemplate.due_date,
                   PeriodicTemplate.levels)
            .join(Unit, PeriodicTemplate.unit_id == Unit.id).where(
                or_(PeriodicTemplate.unit_id.in_(bindparam("ancestors", expanding=True)),
                    *[Unit.path.startswith(bindparam(f"own{i}")) for i in range(own)]),
                PeriodicTemplate.period_start <= bindparam("on"),
                PeriodicTemplate.due_date >= bindparam("oldest_due")))


def _reports_statement():
    return (select(
        PeriodicReport.id, PeriodicReport.template_id, PeriodicReport.unit_id,
        PeriodicReport.status, PeriodicReport.created_at, PeriodicReport.submitted_at,
        PeriodicReport.submitted_by_id, PeriodicReport.reviewed_at,
        PeriodicReport.review_comment, PeriodicReport.compiled_from).where(
        PeriodicReport.template_id.in_(bindparam("templates", expanding=True)),
        PeriodicReport.unit_id.in_(bindparam("units", expanding=True)))
        .order_by(PeriodicReport.version))


def _own_report(ctx: Ctx, t, u, r, below, latest, late) -> list[Item]:
    if not ctx.can("periodic.submit", u):
        return []
    items = []
    if r is None or r.status == "draft":
        if r is not None or ctx.on >= t.period_end - FILL_AHEAD:
            target = ("periodic.edit", {"report_id": r.id}) if r is not None else (
                "periodic.unit_reports", {"unit_id": u.id})
            items.append(Item("periodic_fill", f"periodic_fill:{t.id}:{u.id}", t.title,
                              *target, u.id, u.name, u.path,
                              since=day_of(r.created_at) if r is not None else t.period_end,
                              due=t.due_date, late=late))
    elif r.status == "returned":
        items.append(Item("periodic_returned", f"periodic_returned:{r.id}", t.title,
                          "periodic.edit", {"report_id": r.id}, u.id, u.name, u.path,
                          since=day_of(r.reviewed_at), due=t.due_date, late=late,
                          note=(r.review_comment or "")[:200]))
    if r is not None and r.editable:
        compiled = set(r.compiled_from or [])
        accepted = [rc for c in below if (rc := latest.get((t.id, c.id))) is not None
                    and rc.status == "accepted" and rc.id not in compiled]
        if accepted:
            items.append(Item("periodic_compile", f"periodic_compile:{r.id}", t.title,
                              "periodic.edit", {"report_id": r.id}, u.id, u.name, u.path,
                              since=max((day_of(a.reviewed_at) for a in accepted
                                         if a.reviewed_at), default=None),
                              due=t.due_date, count=len(accepted)))
    return items


# ---------------------------------------------------------------------------------------------
# Learning models
# ---------------------------------------------------------------------------------------------


def learning(ctx: Ctx) -> list[Item]:
    """This year's and last year's entries not yet recognised: to score (per unit and model) and
    scored up to the threshold, to recognise (per recognising unit of the user and model)."""
    from ...services.learning import MODEL_LABELS

    scope = ctx.scope("learning.edit", "le")
    if not scope:
        return []
    rows = ctx.rows(("learning", len(scope)), lambda: _learning_statement(len(scope)),
                    {"years": [ctx.on.year, ctx.on.year - 1], **scope})
    recognisers = sorted((u for u in ctx.units.values() if u.level in RECOGNISING_LEVELS
                          and ctx.can("learning.recognise", u)), key=lambda u: -len(u.path))
    items: list[Item] = []
    to_recognise: dict[tuple, list] = {}
    for uid, uname, upath, model, year, is_unscored, is_reaching, n, first in rows:
        label = f"{MODEL_LABELS[model]} {year}"
        if is_unscored:
            items.append(Item("learning_score", f"learning_score:{uid}:{model}:{year}", label,
                              "learning.grid", {"unit_id": uid, "model": model, "year": year},
                              uid, uname, upath, since=first, count=n))
        elif is_reaching:
            unit = next((u for u in recognisers if upath.startswith(u.path)), None)
            if unit is not None:
                to_recognise.setdefault((unit.id, model, year), [unit, label, 0, first])
                entry = to_recognise[(unit.id, model, year)]
                entry[2] += n
                entry[3] = min(entry[3], first)
    for (uid, model, year), (unit, label, n, first) in to_recognise.items():
        items.append(Item("learning_recognise", f"learning_recognise:{uid}:{model}:{year}",
                          label, "learning.recognise",
                          {"unit_id": uid, "model": model, "year": year}, uid, unit.name,
                          unit.path, since=first, count=n))
    return items


def _learning_statement(scope: int):
    unscored = LearningEntry.total_score.is_(None)
    reaches = LearningEntry.total_score >= LearningCriteriaSet.threshold
    return (select(Unit.id, Unit.name, Unit.path, LearningEntry.model, LearningEntry.year,
                   unscored, reaches, func.count(), func.min(LearningEntry.registered_on))
            .join(Unit, LearningEntry.unit_id == Unit.id)
            .outerjoin(LearningCriteriaSet,
                       LearningEntry.criteria_set_id == LearningCriteriaSet.id)
            .where(LearningEntry.year.in_(bindparam("years", expanding=True)),
                   LearningEntry.recognition_id.is_(None), scope_clause(Unit.path, "le", scope))
            .group_by(Unit.id, Unit.name, Unit.path, LearningEntry.model, LearningEntry.year,
                      unscored, reaches))


KINDS = [nominations_to_decide, draft_nominations, awards_to_pay, periodic, learning]
