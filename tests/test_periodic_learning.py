"""Periodic reports carry the learning-model figures: registered and recognised per model, for
the period's year, from the same records the learning-model rates count."""

from __future__ import annotations

from datetime import date

from assoc.extensions import db
from assoc.models import today
from assoc.services import learning, periodic

from .builders import build_periodic_template
from .builders_learning import build_criteria, build_entry


def test_a_ward_report_is_prefilled_with_its_learning_models(tree):
    year = today().year
    build_criteria("family", from_year=2015)
    entries = [build_entry(tree.ward_a, f"Hộ {i}", year=year, points=[30, 20, 30, 20])
               for i in range(3)]
    build_entry(tree.branch_a, "Hộ ở chi hội", year=year)
    build_entry(tree.ward_b, "Hộ phường khác", year=year)
    build_entry(tree.ward_a, "Hộ năm trước", year=year - 1)
    learning.recognise(None, tree.ward_a, model="family", year=year,
                       entry_ids=[e.id for e in entries[:2]], number="12/QĐ-KH",
                       decided_on=date(year, 1, 20), signer="Nguyễn Văn Chủ",
                       issuing_body="Hội Khuyến học phường")
    db.session.commit()
    template = build_periodic_template(tree.city, year=year)
    assert any(s["kind"] == "figures" and s["group"] == "learning" for s in template.sections)
    report = periodic.start_report(None, template, tree.ward_a)
    values = {f.key: f.value for f in report.figures}
    assert values["learning.family.registered"] == 4  # the ward's and its branch's, this year
    assert values["learning.family.recognised"] == 2
    assert values["learning.clan.registered"] == 0
    row = periodic.row_of("learning.family.recognised")
    assert periodic.percent_note(row, report) == " (50%)"
