"""One truth for every figure (issue 27): the disagreements found between the dashboard, the
period report, the periodic reports and their compilation, the learning-model rates and the
scholarship program report."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assoc.models import today
from assoc.services import events as ev
from assoc.services import periodic as svc
from assoc.services import reports
from assoc.services.reports import Period, Scope

from .builders import (
    build_event,
    build_officer,
    build_periodic_template,
    build_user,
)

YEAR = today().year


def _day(month: int) -> datetime:
    return datetime(YEAR, month, 2, 1, 0, tzinfo=UTC)


def _piggy_bank_and_walk(unit):
    """A piggy-bank festival raising 10.901.000 đ through counting sheets and a walk raising
    2.000.000 đ through a donation (the shape of Khánh Hội's year)."""
    piggy = build_event(unit, kind="piggy_bank", title="Ngày hội khui heo đất",
                        starts_at=_day(min(today().month, 9)), status="held")
    ev.record_counting_sheet(None, piggy, group_name="Lớp 6A1", counter_1="Lê Thị Hoa",
                             counter_2="Phạm Văn Nam", counts={"n500000": 21, "n200000": 2,
                                                               "n1000": 1})
    walk = build_event(unit, kind="walk", starts_at=_day(min(today().month, 9)), status="held")
    ev.record_donation(None, unit, method="cash", event=walk, amount=2_000_000, anonymous=True,
                       received_on=today())
    return piggy, walk


def test_the_fundraising_breakdown_adds_up_and_counts_counting_sheets(tree, db):
    _piggy_bank_and_walk(tree.ward_a)
    db.session.commit()
    template = build_periodic_template(tree.city, year=YEAR)
    report = svc.start_report(build_user("chair", tree.ward_a), template, tree.ward_a)
    db.session.commit()
    values = {f.key: f.computed for f in report.figures}
    period = Period(template.period_start, template.period_end)
    assert values["funds.raised"] == reports.event_figures(Scope(tree.ward_a), period).raised
    assert values["funds.raised"] == 10_901_000 + 2_000_000
    assert values["funds.kind.piggy_bank"] == 10_901_000
    assert values["funds.kind.walk"] == 2_000_000
    parts = [row.key for row in svc.rows_of_template(template) if row.part_of == "funds.raised"]
    assert sum(values[k] for k in parts) == values["funds.raised"]
