"""Periodic reports (báo cáo sơ kết / tổng kết) that travel up the tree.

A province (or the national level) defines a template for a period; every unit of the chosen
levels below it gets its report, prefilled from its own figures; the chair corrects figures
(with a reason), writes the text sections, attaches files and submits; the receiving level (the
nearest reporting unit above, or the template's unit) returns or accepts; a receiving level's
own report adds up the accepted reports below plus its own figures, naming the units missing.

Figures come from the figure catalogue (assoc/figures.py): a template's figure sections are
its reported groups, each computed by its one group function for the report's own scope (the
unit without the reporting units below, see OwnScope). A new row kind is one more group
there, nothing else."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from .. import figures
from ..extensions import db
from ..models import (
    LEVELS,
    PeriodicAttachment,
    PeriodicFigure,
    PeriodicReport,
    PeriodicTemplate,
    Position,
    RoleAssignment,
    Unit,
    User,
    today,
    utcnow,
)
from ..money import parse_amount
from ..text import clean, clean_input
from . import DomainError, audit
from . import reports as rep

STATUS_LABELS = {
    "not_started": _l("Not started"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned"),
    "accepted": _l("Accepted"),
}
KIND_LABELS = {
    "six_month": _l("Six-month review"),
    "year_end": _l("Year-end review"),
    "custom": _l("Other report"),
}
REPORTING_LEVELS = ("province", "district", "commune", "branch", "board")
TEMPLATE_LEVELS = ("national", "province")
MAX_TEXT = 20_000
MAX_FIGURE = 10**15
ALLOWED_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
MAX_ATTACHMENTS = 10


# ---------------------------------------------------------------------------------------------
# The figure catalogue (assoc/figures.py): a report's figure sections are its reported groups
# ---------------------------------------------------------------------------------------------

FigureRow = figures.Figure
EVENT_KIND_LABELS = figures.EVENT_KIND_LABELS
PRIORITY_LABELS = figures.PRIORITY_LABELS


@dataclass(frozen=True)
class FigureGroup:
    key: str
    label: object
    rows: tuple[FigureRow, ...]
    compute: Callable[[OwnScope, rep.Period], dict[str, int]]


CATALOGUE: dict[str, FigureGroup] = {
    key: FigureGroup(key, g.label, g.figures, g.compute)
    for key, g in figures.reported_groups().items()}


def row_of(key: str) -> FigureRow | None:
    return figures.FIGURES.get(key)


@dataclass(frozen=True)
class OwnScope(rep.Scope):
    """A unit's sub-tree without the sub-trees of the reporting units below it (those report
    for themselves). Works with every figure function of services.reports that takes a Scope.
    `own_ids` holds the units left when some are excluded (read once, see own_scope), and the
    sub-trees of the units closed during the period that the unit's report covers
    (`predecessors`)."""

    excluded: tuple[Unit, ...] = ()
    own_ids: tuple[int, ...] = ()
    predecessors: tuple[Unit, ...] = ()

    @property
    def levels(self) -> int | None:
        """Per-level roll-ups hold whole sub-trees: only when nothing is cut out or added."""
        return super().levels if not self.excluded and not self.predecessors else None

    def covers(self, unit_id_column):
        if not self.excluded and not self.predecessors:
            return super().covers(unit_id_column)
        return unit_id_column.in_(self.own_ids)

    def keys(self, tree: rep.Tree) -> rep.Keys:
        """In the tree of a piece of the period: the unit's sub-tree then, without the
        sub-trees the reporting units below had then. A report covering closed units counts
        their records all period long, wherever they lay (`own_ids`)."""
        if self.predecessors:
            ids = frozenset(self.own_ids)
            return rep.Keys(lambda u: 0 if u in ids else None,
                            lambda c: c.in_(self.own_ids))
        if not self.excluded:
            return super().keys(tree)
        inside = tree.below(self.unit)
        cut = [tree.below(u) for u in self.excluded]

        def key(unit_id: int) -> int | None:
            own = inside.contains(unit_id) and not any(b.contains(unit_id) for b in cut)
            return 0 if own else None

        return rep.Keys(key, inside.condition, inside.extra)


def own_scope(unit: Unit, below: list[Unit], predecessors: list[Unit] = (),
              cut: list[str] = (), on=None) -> OwnScope:
    """`unit`'s sub-tree without the sub-trees of `below`, plus the sub-trees of the units
    closed during the period whose successor `unit` is (`predecessors`, from elsewhere),
    without the sub-trees inside them whose paths are in `cut`. `on`: the tree as it stood
    that day (the period's last day), see reports.Tree."""
    if not below and not predecessors:
        return OwnScope(unit, True, on)
    if on is not None and not predecessors:
        tree = rep.Tree(on)
        inside = tree.below(unit)
        if inside.historic:
            cuts = [tree.below(u) for u in below]
            ids = tuple(u for u in (unit.id, *inside.child_of)
                        if not any(b.contains(u) for b in cuts))
            return OwnScope(unit, True, on, tuple(below), ids)
    paths = [u.path for u in below]
    ids = [unit_id for unit_id, path in db.session.execute(
        select(Unit.id, Unit.path).where(Unit.path.startswith(unit.path, autoescape=True)))
        if not any(path.startswith(p) for p in paths)]
    for p in predecessors:
        inner = [c for c in cut if c != p.path and c.startswith(p.path)]
        ids += [unit_id for unit_id, path in db.session.execute(
            select(Unit.id, Unit.path).where(Unit.path.startswith(p.path, autoescape=True)))
            if not any(path.startswith(c) for c in inner)]
    return OwnScope(unit, True, on, tuple(below), tuple(dict.fromkeys(ids)), tuple(predecessors))


def percent_note(row: FigureRow, report: PeriodicReport) -> str:
    """" (48%)" for a row shown as a share of another row of the same report, else ""."""
    if not row.percent_of:
        return ""
    values = {f.key: f.value for f in report.figures}
    whole = values.get(row.percent_of)
    if not whole:
        return ""
    return f" ({rep.percent(values.get(row.key, 0), whole)}%)"


def rows_of_template(template: PeriodicTemplate) -> list[FigureRow]:
    return [row for section in template.sections if section["kind"] == "figures"
            for row in CATALOGUE[section["group"]].rows if section["group"] in CATALOGUE]


def own_figures(template: PeriodicTemplate, unit: Unit, below: list[Unit],
                predecessors: list[Unit] = (), progress=None, total: int = 0
                ) -> dict[str, int]:
    cut = []
    if predecessors:  # inside a predecessor, what reports for itself or is covered elsewhere
        cut = [u.path for u in participants(template)] + [
            u.path for u, s in _covered_in(template, template.unit.path) if s.id != unit.id]
    period = rep.Period(template.period_start, template.period_end)
    scope = own_scope(unit, below, predecessors, cut, on=period.end)
    rep.prepare(unit)
    for p in predecessors:
        rep.prepare(p)
    values: dict[str, int] = {}
    groups = [s["group"] for s in template.sections
              if s["kind"] == "figures" and s["group"] in CATALOGUE]
    for done, group in enumerate(groups, start=1):
        values.update(CATALOGUE[group].compute(scope, period))
        if progress is not None:
            progress(done, total or len(groups), "compiling")
    return values


# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------

TEXT_SECTIONS = {
    "achievements": _l("Achievements"),
    "limits": _l("Limits and causes"),
    "lessons": _l("Lessons learned"),
    "tasks": _l("Tasks for the next period"),
    "proposals": _l("Proposals and requests"),
}
PRESETS = {
    "six_month": {"groups": ["members", "money", "funds", "scholarships", "events"],
                  "text": {"achievements": True, "limits": True, "tasks": True,
                           "proposals": False}},
    "year_end": {"groups": list(CATALOGUE),
                 "text": {"achievements": True, "limits": True, "lessons": False,
                          "tasks": True, "proposals": False}},
}


def preset_values(kind: str, unit: Unit, year: int) -> dict:
    """Ready-made values for a six-month (sơ kết) or year-end (tổng kết) template."""
    preset = PRESETS.get(kind, PRESETS["year_end"])
    if kind == "six_month":
        title = _("Six-month review report %(year)s", year=year)
        start, end, due = date(year, 1, 1), date(year, 6, 30), date(year, 7, 10)
    else:
        title = _("Year-end review report %(year)s", year=year)
        start, end, due = date(year, 1, 1), date(year, 12, 31), date(year + 1, 1, 15)
    return {"kind": kind if kind in PRESETS else "year_end", "title": title,
            "period_start": start, "period_end": end, "due_date": due,
            "levels": ["district", "commune"] if unit.level == "province" else ["province"],
            "groups": list(preset["groups"]), "text_sections": dict(preset["text"]),
            "extra_sections": ""}


def build_sections(groups: list[str], text_sections: dict[str, bool],
                   extra_sections: str) -> list[dict]:
    """Sections from the template form: figure tables in catalogue order, the standard text
    sections (with their required flag), then extra optional sections (one title a line)."""
    sections = [{"key": f"g.{g}", "kind": "figures", "group": g, "title": str(CATALOGUE[g].label)}
                for g in CATALOGUE if g in groups]
    sections += [{"key": key, "kind": "text", "title": str(label),
                  "required": bool(text_sections[key])}
                 for key, label in TEXT_SECTIONS.items() if key in text_sections]
    titles = [clean(line)[:200] for line in (extra_sections or "").splitlines() if clean(line)]
    sections += [{"key": f"x{n}", "kind": "text", "title": title, "required": False}
                 for n, title in enumerate(titles[:10], start=1)]
    return sections


def _check_template(unit: Unit, values: dict) -> dict:
    if unit.level not in TEMPLATE_LEVELS:
        raise DomainError(_("Only a province or the national level defines report templates."))
    title = clean(values.get("title"))[:200]
    if not title:
        raise DomainError(_("Give the report a title."), "title")
    start, end, due = values["period_start"], values["period_end"], values["due_date"]
    if start > end:
        raise DomainError(_("The period must start before it ends."), "period_end")
    if start.day != 1 or (end + timedelta(days=1)).day != 1:
        raise DomainError(_("A report period covers whole months: from the first day of a month "
                            "to the last day of a month."), "period_start")
    if due < end:
        raise DomainError(_("The due date cannot be before the period ends (%(end)s): a report "
                            "covers its whole period.", end=end.strftime("%d/%m/%Y")),
                          "due_date")
    below = [lvl for lvl in REPORTING_LEVELS if LEVELS[lvl] > LEVELS[unit.level]]
    levels = [lvl for lvl in below if lvl in (values.get("levels") or [])]
    if not levels:
        raise DomainError(_("Choose at least one level that reports."), "levels")
    groups = [g for g in values.get("groups") or [] if g in CATALOGUE]
    sections = build_sections(groups, values.get("text_sections") or {},
                              values.get("extra_sections") or "")
    if not sections:
        raise DomainError(_("A report needs at least one section."), "groups")
    kind = values.get("kind") if values.get("kind") in KIND_LABELS else "custom"
    return {"kind": kind, "title": title, "period_start": start, "period_end": end,
            "due_date": due, "levels": levels, "sections": sections}


def create_template(actor: User | None, unit: Unit, **values) -> PeriodicTemplate:
    data = _check_template(unit, values)
    template = PeriodicTemplate(unit_id=unit.id, unit=unit, created_by_id=getattr(actor, "id", None),
                                **data)
    db.session.add(template)
    db.session.flush()
    audit.record(actor, "periodic.template_create", template,
                 data={"title": template.title, "due_date": template.due_date})
    return template


def update_template(actor: User | None, template: PeriodicTemplate, **values) -> None:
    data = _check_template(template.unit, values)
    started = db.session.scalar(select(func.count()).select_from(PeriodicReport).where(
        PeriodicReport.template_id == template.id))
    if started and (data["period_start"], data["period_end"]) != (
            template.period_start, template.period_end):
        raise DomainError(_("Reports have been started for this period: the period can no longer "
                            "change."), "period_start")
    changed = audit.changes(template, {k: v for k, v in data.items() if k != "sections"})
    if data["sections"] != template.sections:
        changed["sections"] = [len(template.sections), len(data["sections"])]
    for key, value in data.items():
        setattr(template, key, value)
    db.session.flush()
    if changed:
        audit.record(actor, "periodic.template_edit", template, data=changed)


def templates_for(unit: Unit) -> list[PeriodicTemplate]:
    """Templates of the unit itself or of a unit above it that reach its level."""
    rows = db.session.scalars(select(PeriodicTemplate).where(
        PeriodicTemplate.unit_id.in_(unit.ancestor_ids)).order_by(
        PeriodicTemplate.period_end.desc(), PeriodicTemplate.id.desc())).all()
    return [t for t in rows if t.unit_id == unit.id or unit.level in (t.levels or [])]


# ---------------------------------------------------------------------------------------------
# Who reports to whom
# ---------------------------------------------------------------------------------------------


# Units closed (valid_to) during or before a period. One closed before the period starts does
# not take part at all. One closed during the period still has months to account for: what an
# association does after a merger is that the successor's report covers its predecessors' part
# of the period (the handover moved members, funds and records to it). So when a successor
# (followed along a chain of successors) reports under the same template, or is the template's
# own unit, the closed unit is "covered": it leaves the reporting structure (the units that
# reported to it report to the next reporting unit above), its own part of the figures is
# counted in the successor's report, and it is neither expected nor listed as missing. A unit
# closed during the period without such a successor (dissolved) is still expected: a chair
# above it may file its report, and until one is accepted it is listed as missing.


def _in_template(template: PeriodicTemplate, unit: Unit) -> bool:
    """Of a reporting level below the template's unit, and open at some point of the period."""
    return (unit.id != template.unit_id and unit.path.startswith(template.unit.path)
            and unit.level in (template.levels or []) and unit.valid_from <= template.period_end
            and (unit.valid_to is None or unit.valid_to >= template.period_start))


def closed_during(template: PeriodicTemplate, unit: Unit) -> bool:
    return unit.valid_to is not None and (
        template.period_start <= unit.valid_to < template.period_end)


def covering_successor(template: PeriodicTemplate, unit: Unit,
                       _seen: frozenset = frozenset()) -> Unit | None:
    """The unit whose report covers `unit`, closed during the period: its successor, followed
    along the chain of successors, that reports under the template (or defined it)."""
    if not closed_during(template, unit) or unit.successor_id is None:
        return None
    seen = _seen | {unit.id}
    successor = unit.successor
    while successor is not None and successor.id not in seen:
        if successor.id == template.unit_id:
            return successor
        if _in_template(template, successor):
            return covering_successor(template, successor, seen) or successor
        seen |= {successor.id}
        successor = successor.successor
    return None


def participants(template: PeriodicTemplate) -> list[Unit]:
    """The units that report under `template`: open at some point of the period, and not
    covered by a successor's report."""
    top = template.unit
    return [u for u in db.session.scalars(select(Unit).where(
        Unit.path.startswith(top.path, autoescape=True), Unit.id != top.id,
        Unit.level.in_(template.levels or []),
        Unit.valid_from <= template.period_end,
        Unit.valid_to.is_(None) | ((Unit.valid_to >= template.period_start)
                                   & (Unit.valid_to >= Unit.valid_from)),  # never existed
    ).order_by(Unit.path)) if covering_successor(template, u) is None]


def takes_part(template: PeriodicTemplate, unit: Unit) -> bool:
    """Whether `unit` has a report under `template` (a reporting unit or the template's own)."""
    if unit.id == template.unit_id:
        return True
    return _in_template(template, unit) and covering_successor(template, unit) is None


def receiving_unit(template: PeriodicTemplate, unit: Unit) -> Unit | None:
    """The nearest reporting unit above `unit`, or the template's unit (None for the latter)."""
    if unit.id == template.unit_id:
        return None
    ids = unit.ancestor_ids[:-1]
    above = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    for unit_id in reversed(ids):
        candidate = above.get(unit_id)
        if candidate is not None and (candidate.id == template.unit_id
                                      or takes_part(template, candidate)):
            return candidate
    return template.unit


def reporting_below(template: PeriodicTemplate, unit: Unit) -> list[Unit]:
    """The reporting units whose reports `unit` receives."""
    below = [u for u in participants(template) if u.path.startswith(unit.path) and u.id != unit.id]
    paths = [u.path for u in below]
    # keep only those with no reporting unit between them and `unit`
    return sorted((u for u in below if not any(u.path != p and u.path.startswith(p)
                                               for p in paths)), key=lambda u: u.name)


def _covered_in(template: PeriodicTemplate, path: str) -> list[tuple[Unit, Unit]]:
    """(closed unit, the unit covering it) for the covered units under `path`."""
    closed = db.session.scalars(select(Unit).where(
        Unit.path.startswith(path, autoescape=True),
        Unit.level.in_(template.levels or []), Unit.successor_id.is_not(None),
        Unit.valid_to.is_not(None), Unit.valid_to >= template.period_start,
        Unit.valid_to < template.period_end).order_by(Unit.path)).all()
    return [(u, s) for u in closed if (s := covering_successor(template, u)) is not None]


def predecessors_covered(template: PeriodicTemplate, unit: Unit) -> list[Unit]:
    """The units closed during the period whose part of the figures `unit`'s report holds."""
    return [u for u, s in _covered_in(template, template.unit.path) if s.id == unit.id]


@dataclass
class ClosedUnit:
    unit: Unit
    closed_on: date
    covered_by: Unit | None  # None: dissolved, still expected to report


def closed_below(template: PeriodicTemplate, unit: Unit) -> list[ClosedUnit]:
    """The units below `unit` closed during the period that would report to it: the covered
    ones (and who covers them) and the reporting ones still expected."""
    found = [ClosedUnit(u, u.valid_to, None) for u in reporting_below(template, unit)
             if closed_during(template, u)]
    found += [ClosedUnit(u, u.valid_to, s) for u, s in _covered_in(template, unit.path)
              if u.id != unit.id and receiving_unit(template, u) == unit]
    return sorted(found, key=lambda c: c.unit.name)


def current_report(template: PeriodicTemplate, unit: Unit) -> PeriodicReport | None:
    return db.session.scalars(select(PeriodicReport).where(
        PeriodicReport.template_id == template.id, PeriodicReport.unit_id == unit.id)
        .order_by(PeriodicReport.version.desc()).limit(1)).first()


def accepted_reports(template: PeriodicTemplate, units: list[Unit]) -> dict[int, PeriodicReport]:
    """{unit id: its latest accepted report} for `units`."""
    if not units:
        return {}
    result: dict[int, PeriodicReport] = {}
    for report in db.session.scalars(select(PeriodicReport).where(
            PeriodicReport.template_id == template.id, PeriodicReport.status == "accepted",
            PeriodicReport.unit_id.in_([u.id for u in units]))
            .options(selectinload(PeriodicReport.figures))
            .order_by(PeriodicReport.version)):
        result[report.unit_id] = report
    return result


def is_late(template: PeriodicTemplate, report: PeriodicReport | None, on: date | None = None) -> bool:
    on = on or today()
    return on > template.due_date and (report is None or report.status in ("draft", "returned"))


@dataclass
class BoardRow:
    unit: Unit
    report: PeriodicReport | None
    status: str
    late: bool
    chairs: list[dict] = field(default_factory=list)
    has_below: bool = False
    closed_on: date | None = None   # closed during the period
    covered_by: Unit | None = None  # the successor whose report covers it (not expected)


def chairs_of(units: list[Unit]) -> dict[int, list[dict]]:
    """{unit id: [{name, phone, email}]}: chair roles in the system, then chair posts."""
    result: dict[int, list[dict]] = {u.id: [] for u in units}
    if not units:
        return result
    ids = list(result)
    on = today()
    for assignment in db.session.scalars(select(RoleAssignment).where(
            RoleAssignment.unit_id.in_(ids), RoleAssignment.role == "chair",
            rep.active_on(RoleAssignment, on))):
        user = assignment.user
        result[assignment.unit_id].append({"name": user.full_name, "phone": user.phone,
                                           "email": user.email})
    for position in db.session.scalars(select(Position).where(
            Position.unit_id.in_(ids), Position.title.in_(("chair", "branch_head", "board_head")),
            Position.start_date <= on, Position.end_date.is_(None) | (Position.end_date >= on))):
        names = {c["name"] for c in result[position.unit_id]}
        if position.officer.full_name not in names:
            result[position.unit_id].append({"name": position.officer.full_name,
                                             "phone": position.officer.phone, "email": ""})
    return result


def board(template: PeriodicTemplate, unit: Unit) -> list[BoardRow]:
    """The status of every reporting unit whose report `unit` receives."""
    below = reporting_below(template, unit)
    reports: dict[int, PeriodicReport] = {}
    if below:
        for report in db.session.scalars(select(PeriodicReport).where(
                PeriodicReport.template_id == template.id,
                PeriodicReport.unit_id.in_([u.id for u in below]))
                .order_by(PeriodicReport.version)):
            reports[report.unit_id] = report
    chairs = chairs_of(below)
    paths = [u.path for u in participants(template)]
    rows = []
    for u in below:
        report = reports.get(u.id)
        rows.append(BoardRow(u, report, report.status if report else "not_started",
                             is_late(template, report), chairs.get(u.id, []),
                             any(p != u.path and p.startswith(u.path) for p in paths),
                             u.valid_to if closed_during(template, u) else None))
    # the units closed during the period whose successor's report covers them, last
    for c in closed_below(template, unit):
        if c.covered_by is not None:
            rows.append(BoardRow(c.unit, None, "not_started", False, closed_on=c.closed_on,
                                 covered_by=c.covered_by))
    return rows


# ---------------------------------------------------------------------------------------------
# Filling in
# ---------------------------------------------------------------------------------------------


def compute(template: PeriodicTemplate, unit: Unit, progress=None
            ) -> tuple[dict[str, int], list[dict], list[int]]:
    """The prefilled figures of `unit`'s report: its own figures (with those of the units
    closed during the period that it succeeds) plus, for a receiving level, the accepted
    reports below; with the reporting units whose accepted report is missing. A unit below
    closed during the period and covered by its successor's report is not expected: its
    figures come through that report (or this unit's own, when this unit is the successor).
    `progress(done, total, "compiling")` is called as the work goes (jobs show it)."""
    below = reporting_below(template, unit)
    # Covered units in the sub-tree: their part goes to their successor's report ("away"),
    # unless `unit` is that successor (then it stays in `unit`'s own figures).
    away = [u for u, s in _covered_in(template, unit.path) if u.id != unit.id and s.id != unit.id]
    predecessors = [p for p in predecessors_covered(template, unit)
                    if not p.path.startswith(unit.path)]
    groups = sum(1 for s in template.sections
                 if s["kind"] == "figures" and s["group"] in CATALOGUE)
    total = groups + len(below)
    values = own_figures(template, unit, below + away, predecessors, progress, total)
    accepted = accepted_reports(template, below)
    for done, report in enumerate(accepted.values(), start=1):
        for figure in report.figures:
            if figure.key in values:
                values[figure.key] += figure.value
        if progress is not None and done % 10 == 0:
            progress(groups + done, total, "compiling")
    if "officers.count" in values and accepted:
        on = min(template.period_end, today())
        values["officers.count"] -= officers_counted_twice(
            unit, [u for u in below if u.id in accepted], below + away, on)
    missing = [{"id": u.id, "name": u.name,
                **({"closed_on": u.valid_to.isoformat()} if closed_during(template, u)
                   else {})}
               for u in below if u.id not in accepted]
    if progress is not None:
        progress(total, total, "compiling")
    return values, missing, sorted(r.id for r in accepted.values())


def officers_counted_twice(unit: Unit, reported: list[Unit], cut: list[Unit], on: date) -> int:
    """Officers is a count of distinct persons: one who holds posts in the compiling unit's own
    part and in a reporting unit below (or in two of them) is counted by each part. The
    number of times the parts' counts count someone again (their sum − the distinct persons
    across them), from the posts held on `on` in `unit`'s sub-tree: `reported` are the units
    whose accepted reports are added, `cut` every unit whose sub-tree is not `unit`'s own
    part."""
    parts: dict[object, set[int]] = {}
    for officer_id, path in db.session.execute(
            select(Position.officer_id, Unit.path).join(Unit, Unit.id == Position.unit_id)
            .where(Unit.path.startswith(unit.path, autoescape=True),
                   Position.start_date <= on,
                   Position.end_date.is_(None) | (Position.end_date >= on))):
        part = next((u.id for u in cut if path.startswith(u.path)), "own")
        if part == "own" or any(u.id == part for u in reported):
            parts.setdefault(part, set()).add(officer_id)
    everyone = set().union(*parts.values()) if parts else set()
    return sum(len(ids) for ids in parts.values()) - len(everyone)


def _set_figures(report: PeriodicReport, values: dict[str, int]) -> None:
    existing = {f.key: f for f in report.figures}
    for position, row in enumerate(rows_of_template(report.template)):
        figure = existing.get(row.key)
        if figure is None:
            figure = PeriodicFigure(key=row.key)
            report.figures.append(figure)
        figure.position = position
        figure.computed = values.get(row.key, 0)


def check_startable(template: PeriodicTemplate, unit: Unit) -> None:
    if (successor := covering_successor(template, unit)) is not None:
        raise DomainError(_("%(unit)s closed on %(day)s: its figures are in the report of "
                            "%(successor)s.", unit=unit.name,
                            day=unit.valid_to.strftime("%d/%m/%Y"), successor=successor.name))
    if not takes_part(template, unit):
        raise DomainError(_("%(unit)s does not report under this template.", unit=unit.name))
    if current_report(template, unit) is not None:
        raise DomainError(_("This report has already been started."))


def start_report(actor: User | None, template: PeriodicTemplate, unit: Unit,
                 progress=None) -> PeriodicReport:
    check_startable(template, unit)
    values, missing, compiled_from = compute(template, unit, progress)
    parent = receiving_unit(template, unit)
    report = PeriodicReport(
        template=template, unit=unit, version=1, status="draft", revision=1,
        place=_default_place(unit), signer=getattr(actor, "full_name", "") or "",
        recipients="\n".join(filter(None, [parent.name if parent else "", _("Filed")])),
        missing=missing, compiled_from=compiled_from, created_by_id=getattr(actor, "id", None),
        texts={})
    db.session.add(report)
    _set_figures(report, values)
    db.session.flush()
    audit.record(actor, "periodic.start", report,
                 data={"template": template.title, "missing": len(missing)})
    return report


def _default_place(unit: Unit) -> str:
    parts = [p.strip() for p in (unit.address or "").split(",") if p.strip()]
    return parts[-1] if parts else ""


def check_editable(report: PeriodicReport) -> None:
    if not report.editable:
        raise DomainError(_("This report is %(status)s and can no longer be changed.",
                            status=str(STATUS_LABELS[report.status]).lower()))


def _changed_meanwhile() -> str:
    return _("The report was changed by someone else meanwhile: reload the page and try again.")


def _bump(report: PeriodicReport, revision: int, message: str | None = None) -> None:
    """Optimistic check: only the holder of the current revision may save (or decide)."""
    done = db.session.execute(
        update(PeriodicReport).where(PeriodicReport.id == report.id,
                                     PeriodicReport.revision == revision)
        .values(revision=PeriodicReport.revision + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.refresh(report)
        raise DomainError(message or _("Someone else saved this report after you opened it. "
                                       "Your text is still in the form below; compare it with "
                                       "the saved version, then save again."), "revision")
    db.session.refresh(report, ["revision", "updated_at"])


def refresh_figures(actor: User | None, report: PeriodicReport, revision: int,
                    progress=None) -> None:
    """Recompute the prefilled figures (corrections and their reasons are kept)."""
    check_editable(report)
    _bump(report, revision)
    values, missing, compiled_from = compute(report.template, report.unit, progress)
    _set_figures(report, values)
    report.missing, report.compiled_from = missing, compiled_from
    db.session.flush()
    audit.record(actor, "periodic.refresh", report, data={"missing": len(missing)})


@dataclass
class FigureInput:
    reported: str = ""
    reason: str = ""


HEADER_FIELDS = ("number", "place", "signer", "recipients")


class EditConflict(DomainError):
    """A stale save and the saved report both changed `conflicts` (field keys of
    `draft_values`), differently: nothing is written until the sender chooses, field by
    field. `mine` is what they submitted, `theirs` what is saved (normalised alike)."""

    def __init__(self, message: str, conflicts: list[str], mine: dict, theirs: dict):
        super().__init__(message, "revision")
        self.conflicts, self.mine, self.theirs = conflicts, mine, theirs


def draft_values(report: PeriodicReport) -> dict[str, object]:
    """Every field of the draft form as saved, under the keys the merge compares:
    the header fields, "fig:<key>" [reported or None, reason], "text:<key>"."""
    values: dict[str, object] = {"number": report.number or "", "place": report.place or "",
                                 "signer": report.signer or "",
                                 "recipients": report.recipients or ""}
    for figure in report.figures:
        values[f"fig:{figure.key}"] = [figure.reported, figure.reason or ""]
    for s in report.template.sections:
        if s["kind"] == "text":
            values[f"text:{s['key']}"] = (report.texts or {}).get(s["key"], "")
    return values


def _typed_values(report: PeriodicReport, figures: dict[str, FigureInput],
                  texts: dict[str, str], header: dict[str, str]) -> dict[str, object]:
    """The submitted form, validated and normalised as `draft_values` keeps it."""
    values: dict[str, object] = {
        "number": clean(header.get("number"))[:40], "place": clean(header.get("place"))[:120],
        "signer": clean(header.get("signer"))[:120],
        "recipients": "\n".join(clean(line) for line in (header.get("recipients") or "")
                                 .splitlines() if clean(line))[:500]}
    for figure in report.figures:
        typed = figures.get(figure.key, FigureInput())
        label = _figure_label(figure.key)
        raw = clean(typed.reported)
        reason = clean(typed.reason)[:500]
        if raw == "":
            value = None
        else:
            try:
                value = parse_amount(raw)
            except ValueError:
                raise DomainError(_("%(row)s: type a whole number (for example 1.250.000).",
                                    row=label), f"fig-{figure.key}") from None
            if value > MAX_FIGURE:
                raise DomainError(_("%(row)s: the number is too large.", row=label),
                                  f"fig-{figure.key}")
        if value is not None and value == figure.computed:
            value = None
        if value is not None and not reason:
            raise DomainError(_("%(row)s: give the reason for changing the computed figure.",
                                row=label), f"why-{figure.key}")
        values[f"fig:{figure.key}"] = [value, reason if value is not None else ""]
    for s in report.template.sections:
        if s["kind"] != "text":
            continue
        text = clean_input(texts.get(s["key"]) or "", multiline=True).strip()
        if len(text) > MAX_TEXT:
            raise DomainError(_("A section may hold at most %(n)s characters.", n=MAX_TEXT),
                              f"text-{s['key']}")
        values[f"text:{s['key']}"] = text
    return values


def save_draft(actor: User | None, report: PeriodicReport, *, revision: int,
               figures: dict[str, FigureInput], texts: dict[str, str], number: str = "",
               place: str = "", signer: str = "", recipients: str = "",
               base: dict[str, str] | None = None,
               choices: dict[str, str | None] | None = None) -> list[str]:
    """Save the form. A figure differing from the computed one needs a reason.

    A save made on an older revision (someone saved meanwhile) writes only the fields its
    sender changed since they loaded the form (`base`: fingerprints of what they loaded,
    assoc/merge.py); a field both people changed differently raises `EditConflict` and
    nothing is written. `choices` answers an earlier conflict field by field: "mine" (write
    what I typed) or "theirs" (keep what is saved). Returns the fields whose saved value was
    kept because only the other person had changed them."""
    from ..merge import merge

    check_editable(report)
    mine = _typed_values(report, figures, texts, {"number": number, "place": place,
                                                   "signer": signer, "recipients": recipients})
    theirs = draft_values(report)
    unanswered = [key for key, choice in (choices or {}).items()
                  if choice not in ("mine", "theirs") and key in mine]
    if unanswered:
        raise EditConflict(_("Choose, for each field shown side by side, which version to "
                             "keep."), unanswered, mine, theirs)
    for key, choice in (choices or {}).items():
        if choice == "theirs":
            mine.pop(key, None)
    kept: list[str] = []
    if revision == report.revision:
        write = mine
    else:
        if base is None:
            base = {}
        merged = merge(base, mine, theirs)
        if merged.conflicts:
            raise EditConflict(_("Someone else saved this report after you opened it and "
                                 "changed the same fields as you (%(fields)s). Both versions "
                                 "are shown side by side: choose which to keep, then save "
                                 "again.", fields="; ".join(
                                     _field_label(report, key) for key in merged.conflicts)),
                               merged.conflicts, mine, theirs)
        write, kept = merged.write, merged.kept
    _bump(report, report.revision)  # still the revision `theirs` was read at
    changed: dict[str, object] = {}
    by_key = {f.key: f for f in report.figures}
    new_texts = dict(report.texts or {})
    text_changes = []
    for key, value in write.items():
        kind, _sep, name = key.partition(":")
        if kind == "fig":
            figure = by_key[name]
            reported, reason = value
            if (reported, reason) != (figure.reported, figure.reason):
                changed[name] = [figure.value,
                                 reported if reported is not None else figure.computed]
            figure.reported, figure.reason = reported, reason
        elif kind == "text":
            if new_texts.get(name, "") != value:
                text_changes.append(name)
            new_texts[name] = value
        else:
            setattr(report, key, value)
    if text_changes:
        changed["texts"] = sorted(text_changes)
    report.texts = new_texts
    db.session.flush()
    audit.record(actor, "periodic.save", report, data={"changed": changed})
    return kept


HEADER_LABELS = {"number": _l("Number (Số)"), "place": _l("Place"),
                 "signer": _l("Signed by (chair)"),
                 "recipients": _l("Recipients (Nơi nhận), one a line")}


def _field_label(report: PeriodicReport, key: str) -> str:
    """A field of the draft form (a `draft_values` key) as its label on the form."""
    kind, _sep, name = key.partition(":")
    if kind == "fig":
        return _figure_label(name)
    if kind == "text":
        return next((str(s["title"]) for s in report.template.sections
                     if s["kind"] == "text" and s["key"] == name), name)
    return str(HEADER_LABELS.get(key, key))


def _figure_label(key: str) -> str:
    row = row_of(key)
    return str(row.label).lstrip("– ") if row else key


def submit(actor: User | None, report: PeriodicReport) -> None:
    check_editable(report)
    empty = [s["title"] for s in report.template.sections
             if s["kind"] == "text" and s.get("required")
             and not (report.texts or {}).get(s["key"], "").strip()]
    if empty:
        raise DomainError(_("Write the required sections before submitting: %(names)s.",
                            names="; ".join(empty)))
    for figure in report.figures:
        if figure.corrected and not figure.reason:
            raise DomainError(_("%(row)s: give the reason for changing the computed figure.",
                                row=_figure_label(figure.key)))
    top = report.unit_id == report.template.unit_id
    report.status = "accepted" if top else "submitted"
    report.submitted_at = utcnow()
    report.submitted_by_id = getattr(actor, "id", None)
    report.review_comment = ""
    if top:
        freeze_paper(report)
    _bump(report, report.revision, _changed_meanwhile())
    db.session.flush()
    audit.record(actor, "periodic.submit", report,
                 data={"version": report.version, "figures": _snapshot(report)})


def _snapshot(report: PeriodicReport) -> dict[str, int]:
    return {f.key: f.value for f in report.figures}


def return_report(actor: User | None, report: PeriodicReport, comment: str) -> None:
    comment = (comment or "").strip()[:2000]
    if report.status != "submitted":
        raise DomainError(_("Only a submitted report can be returned."))
    if not comment:
        raise DomainError(_("Say what needs correcting: the comment goes back to the unit."),
                          "comment")
    report.status = "returned"
    report.review_comment = comment
    report.reviewed_at = utcnow()
    report.reviewed_by_id = getattr(actor, "id", None)
    _bump(report, report.revision, _changed_meanwhile())
    db.session.flush()
    audit.record(actor, "periodic.return", report, data={"comment": comment})


def accept(actor: User | None, report: PeriodicReport, comment: str = "") -> None:
    if report.status != "submitted":
        raise DomainError(_("Only a submitted report can be accepted."))
    report.status = "accepted"
    freeze_paper(report)
    report.review_comment = (comment or "").strip()[:2000]
    report.reviewed_at = utcnow()
    report.reviewed_by_id = getattr(actor, "id", None)
    _bump(report, report.revision, _changed_meanwhile())
    db.session.flush()
    audit.record(actor, "periodic.accept", report,
                 data={"version": report.version, "figures": _snapshot(report)})


def new_version(actor: User | None, report: PeriodicReport) -> PeriodicReport:
    """A correction of an accepted report: a new draft version; the accepted one stays as it
    was (and counts upwards) until the new one is accepted."""
    if report.status != "accepted":
        raise DomainError(_("Only an accepted report is corrected through a new version."))
    latest = current_report(report.template, report.unit)
    if latest is not None and latest.id != report.id:
        raise DomainError(_("A newer version of this report already exists."))
    copy = PeriodicReport(
        template=report.template, unit=report.unit, version=report.version + 1, status="draft",
        revision=1, number=report.number, place=report.place, signer=report.signer,
        recipients=report.recipients, texts=dict(report.texts or {}),
        missing=list(report.missing or []), compiled_from=list(report.compiled_from or []),
        created_by_id=getattr(actor, "id", None))
    db.session.add(copy)
    for f in report.figures:
        copy.figures.append(PeriodicFigure(key=f.key, position=f.position, computed=f.computed,
                                           reported=f.reported, reason=f.reason))
    db.session.flush()
    audit.record(actor, "periodic.new_version", copy, data={"version": copy.version})
    return copy


ACTION_LABELS = {
    "periodic.start": _l("started the report"),
    "periodic.save": _l("saved the draft"),
    "periodic.refresh": _l("brought the computed figures up to date"),
    "periodic.submit": _l("submitted the report"),
    "periodic.return": _l("returned the report"),
    "periodic.accept": _l("accepted the report"),
    "periodic.new_version": _l("opened a new version for corrections"),
    "periodic.attach": _l("attached a file"),
    "periodic.detach": _l("removed a file"),
    "periodic.export": _l("downloaded the report"),
}


def history_line(entry) -> str:
    """One audit entry of a report as a sentence's details (no internal keys)."""
    data = entry.data or {}
    if entry.action == "periodic.save":
        changed = data.get("changed") or {}
        parts = [_("%(row)s: %(old)s → %(new)s", row=_figure_label(k), old=v[0], new=v[1])
                 for k, v in changed.items() if k != "texts"]
        if changed.get("texts"):
            parts.append(_("text sections changed: %(n)s", n=len(changed["texts"])))
        return "; ".join(parts)
    if entry.action in ("periodic.return", "periodic.accept") and data.get("comment"):
        return str(data["comment"])
    if entry.action in ("periodic.attach", "periodic.detach"):
        return str(data.get("file", ""))
    if entry.action in ("periodic.submit", "periodic.accept", "periodic.new_version"):
        return _("Version %(n)s", n=data.get("version", ""))
    if entry.action == "periodic.export":
        return str(data.get("format", "")).upper()
    if entry.action in ("periodic.start", "periodic.refresh") and data.get("missing"):
        return _("%(n)s units below not yet included", n=data["missing"])
    return ""


def versions(report: PeriodicReport) -> list[PeriodicReport]:
    return list(db.session.scalars(select(PeriodicReport).where(
        PeriodicReport.template_id == report.template_id,
        PeriodicReport.unit_id == report.unit_id).order_by(PeriodicReport.version)))


def freeze_paper(report: PeriodicReport) -> None:
    """Issued is frozen: what the accepted report's paper prints that could change later (the
    unit's and the receiving unit's names, the template's title and period, the compiled table
    of the reports below as accepted now) is kept on the report (`report.paper`); its own
    figures and texts no longer change once accepted."""
    template, unit = report.template, report.unit
    receiving = receiving_unit(template, unit) or unit.parent
    below = bool(reporting_below(template, unit))
    columns = [[name, values] for name, values in compiled_table(report)[1]] if below else []
    report.paper = {
        "v": 1, "superior": receiving.name if receiving else "", "unit": unit.name,
        "title": template.title, "period_start": template.period_start.isoformat(),
        "period_end": template.period_end.isoformat(), "below": below, "columns": columns,
        "missing": list(report.missing or []),
    }


def compiled_table(report: PeriodicReport) -> tuple[list[FigureRow], list[tuple[str, dict]]]:
    """The compiled table: one column per reporting unit below (the figures of its accepted
    report that were added up, `compiled_from`), the compiling unit's own column and the
    total (the report's figures). The own column is the total less the columns before it, so
    every row adds up to its total by construction; it holds the unit's own figures, its
    corrections, and takes back a person counted in two columns (officers are distinct
    persons). A unit whose report was not added has an empty column ("—")."""
    template, unit = report.template, report.unit
    below = reporting_below(template, unit)
    used = {r.unit_id: r for r in db.session.scalars(select(PeriodicReport).where(
        PeriodicReport.id.in_(list(report.compiled_from or [])))
        .options(selectinload(PeriodicReport.figures)))}
    rows = rows_of_template(template)
    columns: list[tuple[str, dict | None]] = []
    for u in below:
        r = used.get(u.id)
        columns.append((u.name, {f.key: f.value for f in r.figures} if r else None))
    for c in closed_below(template, unit):  # their figures are in their successor's report
        if c.covered_by is not None:
            columns.append((_("%(unit)s (closed on %(day)s, in the report of %(successor)s)",
                              unit=c.unit.name, day=c.closed_on.strftime("%d/%m/%Y"),
                              successor=c.covered_by.name), None))
    total = {f.key: f.value for f in report.figures}
    own = {row.key: total.get(row.key, 0) - sum((values or {}).get(row.key, 0)
                                                for _name, values in columns)
           for row in rows}
    columns.append((_("%(unit)s (own figures)", unit=unit.name), own))
    columns.append((_("Total"), {row.key: total.get(row.key, 0) for row in rows}))
    return rows, columns


# ---------------------------------------------------------------------------------------------
# Attachments
# ---------------------------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def add_attachment(actor: User | None, report: PeriodicReport, *, filename: str, data: bytes,
                   folder: Path, limit: int) -> PeriodicAttachment:
    check_editable(report)
    if not data:
        raise DomainError(_("Choose a file to attach."), "file")
    if len(data) > limit:
        raise DomainError(_("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)),
                          "file")
    content_type = sniff(data)
    if content_type is None:
        raise DomainError(_("Only PDF files and images (PNG, JPEG) can be attached."), "file")
    if len(report.attachments) >= MAX_ATTACHMENTS:
        raise DomainError(_("A report holds at most %(n)s files.", n=MAX_ATTACHMENTS), "file")
    name = clean(Path(filename or "").name).replace("/", "_").replace("\\", "_")[:150]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    name = (stem or "tep-dinh-kem") + ALLOWED_TYPES[content_type]
    stored = secrets.token_hex(16) + ALLOWED_TYPES[content_type]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(data)
    attachment = PeriodicAttachment(filename=name, stored_name=stored, content_type=content_type,
                                    size=len(data), uploaded_by_id=getattr(actor, "id", None))
    report.attachments.append(attachment)
    db.session.flush()
    audit.record(actor, "periodic.attach", report, data={"file": name, "size": len(data)})
    return attachment


def remove_attachment(actor: User | None, attachment: PeriodicAttachment) -> None:
    report = attachment.report
    check_editable(report)
    name = attachment.filename
    report.attachments.remove(attachment)
    db.session.flush()
    audit.record(actor, "periodic.detach", report, data={"file": name})
