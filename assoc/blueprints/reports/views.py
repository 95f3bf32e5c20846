"""Dashboards and period reports across the tree. Figures come from services.reports (SQL
roll-ups over the materialised path); every figure links to the list behind it."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...figures import FIGURES, MONEY_SOURCES, REPORT_COLUMNS
from ...figures import compute as compute_figures
from ...filters import url_by_id
from ...forms import filter_day
from ...models import Unit, today
from ...permissions import granting_paths, load, scope_query
from ...services import reports as svc
from ...services.learning import dashboard_figures as learning_figures
from ...views import record_download, unit_ancestors, year_arg
from . import bp

# Columns of the period report, in order (the same for the page, the PDF and the .xlsx): the
# catalogue's figures (assoc/figures.py), under their column headings.
COLUMN_LABELS = {column: FIGURES[key].heading for column, key in REPORT_COLUMNS.items()}
MONEY_COLUMNS = {column for column, key in REPORT_COLUMNS.items() if FIGURES[key].money}



def _report_unit(unit_id: int) -> Unit:
    """Load the unit, check the reader may report on it, and make its roll-ups current for
    this request (roll-ups missing are computed, never committed: a GET never writes)."""
    unit = load(Unit, unit_id, "report.view")
    svc.prepare(unit)
    return unit


def _year_arg() -> int:
    year = year_arg("year", today().year)
    return year if 2000 <= year <= today().year + 1 else today().year


def _period_args() -> svc.Period:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD, defaulting to the current year; swapped if reversed."""
    def parse(name: str, default: date) -> date:
        return filter_day(name, default)

    year = today().year
    start, end = parse("from", date(year, 1, 1)), parse("to", date(year, 12, 31))
    return svc.Period(min(start, end), max(start, end))


@bp.get("/reports/")
@login_required
def index():
    """The dashboard of the highest unit the user may report on."""
    paths = sorted(granting_paths(current_user, "report.view"), key=len)
    if not paths:
        return redirect(url_for("main.home"))
    unit_id = int(paths[0].strip("/").split("/")[-1])
    return redirect(url_for(".dashboard", unit_id=unit_id))


@bp.get("/units/<int:unit_id>/dashboard")
@login_required
def dashboard(unit_id: int):
    unit = _report_unit(unit_id)
    year = _year_arg()
    scope = svc.Scope(unit, subtree=request.args.get("scope") != "unit")
    period = svc.Period.year(year)
    rows, totals = svc.period_report(unit, period) if scope.subtree else ([], {})
    officers, coverage = svc.officers_and_coverage(scope, limit=svc.LIST_LIMIT)
    return render_template(
        "reports/dashboard.html", unit=unit, ancestors=unit_ancestors(unit),
        year=year, scope=scope, period=period,
        members=svc.member_figures(scope, period),
        money=svc.money_figures(scope, period),
        # Catalogue figures the cards show beside the roll-ups': money in by source, cash and
        # bank, members who left, nominations.
        more=compute_figures(DASHBOARD_MORE, scope, period),
        sources=MONEY_SOURCES,
        awards=svc.award_figures(scope, period),
        events=svc.event_figures(scope, period),
        officers=officers, coverage=coverage, rows=rows, totals=totals,
        member_bars=_member_bars(rows),
        columns=COLUMN_LABELS,
        to_mark_held=_held_but_planned(unit, scope),
        learning=learning_figures(unit, year, subtree=scope.subtree),
    )


DASHBOARD_MORE = (*(f"money.in.{s}" for s in MONEY_SOURCES), "money.balance.cash",
                  "money.balance.bank", "members.left", "awards.nominated",
                  "awards.nominated_amount")


# The period report's lines under its table (the whole unit, for the period).
PERIOD_MORE = (*(f"money.in.{s}" for s in MONEY_SOURCES), "members.left", "awards.nominated",
               "awards.nominated_amount")


def _member_bars(rows) -> list[tuple[str, int, str]]:
    """(name, members, link) per sub-unit row; one url_for for all (up to 168 rows)."""
    link = url_by_id("members.unit_list", "unit_id")
    return [(r.name, r.values["members"], link(r.unit.id)) for r in rows if r.unit]


def _held_but_planned(unit, scope):
    """Past events with receipts that are still "planned", which the user may mark as held."""
    from ...services import events as event_svc

    query = scope_query(event_svc.events_query(unit, subtree=scope.subtree), current_user,
                        "event.edit")
    return event_svc.held_but_planned(query, limit=10)


@bp.get("/units/<int:unit_id>/report")
@login_required
def period_report(unit_id: int):
    unit = _report_unit(unit_id)
    period = _period_args()
    rows, totals = svc.period_report(unit, period)
    return render_template("reports/period.html", unit=unit, ancestors=unit_ancestors(unit),
                           period=period, rows=rows, totals=totals, columns=COLUMN_LABELS,
                           name_then=svc.Tree(period.end).name(unit),
                           more=compute_figures(PERIOD_MORE, svc.Scope(unit), period),
                           sources=MONEY_SOURCES)


@bp.get("/units/<int:unit_id>/report.<fmt>")
@login_required
def period_report_file(unit_id: int, fmt: str):
    unit = _report_unit(unit_id)
    period = _period_args()
    rows, totals = svc.period_report(unit, period)
    name_then = svc.Tree(period.end).name(unit)  # a unit renamed since: its name in the period
    name = f"bao-cao-{unit.code.lower()}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if fmt == "xlsx":
        from .xlsx import period_report_xlsx

        data = period_report_xlsx(unit, period, rows, totals, COLUMN_LABELS, MONEY_COLUMNS,
                                  name=name_then)
        record_download("report.export", unit, format="xlsx")
        return Response(data, headers={
            "Content-Disposition": f'attachment; filename="{name}.xlsx"'},
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if fmt == "pdf":
        from ...pdf.reports import period_report_pdf

        data = period_report_pdf(unit, period, rows, totals, COLUMN_LABELS, MONEY_COLUMNS,
                                 name=name_then)
        record_download("report.export", unit, format="pdf")
        return Response(data, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})
    abort(404)


@bp.get("/figures")
@login_required
def glossary():
    """The figure catalogue as a glossary: every figure with what it counts (any signed-in
    user; it names no unit and no number)."""
    from ... import figures

    return render_template("reports/glossary.html", groups=figures.GROUPS.values(),
                           units=figures.UNITS, figures=figures.FIGURES)
