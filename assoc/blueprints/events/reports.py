"""Events views: Reports."""

from __future__ import annotations

import io
from datetime import date

from flask import render_template, send_file
from flask_login import current_user, login_required

from ...extensions import db
from ...forms import filter_day
from ...models import (
    Event,
    Unit,
    today,
)
from ...permissions import load, scope_query
from ...services import events as svc
from ...views import (
    record_download,
    unit_ancestors,
)
from . import bp
from .views import _pdf

# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------


def _report_data(event: Event) -> dict:
    vouchers = svc.event_vouchers(event)
    return {"event": event, "totals": svc.event_totals(event),
            "donations": svc.event_donations(event), "sheets": svc.event_sheets(event),
            "vouchers": vouchers,
            "receipted": sum(v.amount for v in vouchers if not v.is_void)}


@bp.get("/<int:event_id>/report")
@login_required
def report(event_id: int):
    event = load(Event, event_id, "event.view")
    return render_template("events/report.html", unit=event.unit, ancestors=unit_ancestors(event.unit),
                           donor_label=svc.donor_label, **_report_data(event))


@bp.get("/<int:event_id>/report.pdf")
@login_required
def report_pdf(event_id: int):
    event = load(Event, event_id, "event.view")
    from ...pdf.events import event_report_pdf

    name, body = f"bao-cao-su-kien-{event.id}.pdf", event_report_pdf(**_report_data(event))
    record_download("event.export", event, format="pdf")
    return _pdf(body, name)


@bp.get("/<int:event_id>/report.xlsx")
@login_required
def report_xlsx(event_id: int):
    event = load(Event, event_id, "event.view")
    from .exports import event_report_xlsx

    name, body = f"bao-cao-su-kien-{event.id}.xlsx", event_report_xlsx(**_report_data(event))
    record_download("event.export", event, format="xlsx")
    return send_file(io.BytesIO(body),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=name, as_attachment=True)


def _period() -> tuple[date, date]:
    def parse(name: str, default: date) -> date:
        return filter_day(name, default)

    this_year = today().year
    start = parse("from", date(this_year, 1, 1))
    end = parse("to", date(this_year, 12, 31))
    return (start, end) if start <= end else (end, start)


@bp.get("/unit/<int:unit_id>/summary")
@login_required
def summary(unit_id: int):
    """Events and totals by sub-unit (e.g. by ward of a district) for a period, with bars."""
    unit = load(Unit, unit_id, "event.view")
    date_from, date_to = _period()
    start, end = svc.local_date_range(date_from, date_to)
    q = scope_query(svc.events_query(unit), current_user, "event.view")
    events = db.session.scalars(q.where(Event.starts_at >= start, Event.starts_at < end,
                                        Event.status != "cancelled")).all()
    rows = svc.subtree_summary(unit, events)
    grand = svc.summary_total(rows)
    peak = max((r.totals.raised for r in rows), default=0) or 1
    return render_template("events/summary.html", unit=unit, ancestors=unit_ancestors(unit),
                           rows=rows, grand=grand, peak=peak, date_from=date_from,
                           date_to=date_to)
