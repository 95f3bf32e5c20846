"""Periodic reports and units closed during or before the period (issue 18): a unit closed
before the period is not expected; one closed during the period is covered by its successor's
report when the successor reports under the same template (its figures are counted there, never
left out), else it is still expected and listed as missing; the status page shows them."""

from datetime import date, timedelta

import pytest

from assoc.models import today
from assoc.services import DomainError
from assoc.services import periodic as svc

from .builders import build_periodic_template, build_user, build_voucher

YEAR = today().year


def close(db, unit, on, successor=None):
    unit.valid_to = on
    unit.successor = successor
    db.session.commit()


def template_for(tree, **kw):
    return build_periodic_template(tree.city, year=YEAR, **kw)


def texts(report):
    return {s["key"]: "Nội dung" for s in report.template.sections if s["kind"] == "text"}


def submit_and_accept(report, chair, reviewer, db):
    svc.save_draft(chair, report, revision=report.revision, texts=texts(report), figures={})
    svc.submit(chair, report)
    svc.accept(reviewer, report)
    db.session.commit()
    return report


def figures(report):
    return {f.key: f.computed for f in report.figures}


def test_a_unit_closed_before_the_period_is_not_expected(tree, db):
    close(db, tree.ward_c, date(YEAR - 1, 12, 31))
    template = template_for(tree)
    assert tree.ward_c not in svc.participants(template)
    assert svc.board(template, tree.district_b) == []
    reviewer = build_user("chair", tree.district_b)
    compiled = svc.start_report(reviewer, template, tree.district_b)
    assert compiled.missing == []


def test_a_merged_unit_is_covered_by_its_successors_report(tree, db):
    build_voucher(tree.ward_b, "receipt", 300_000)   # before the merger
    build_voucher(tree.ward_a, "receipt", 200_000)
    close(db, tree.ward_b, date(YEAR, 6, 30), successor=tree.ward_a)
    template = template_for(tree)
    # the status page: ward_b closed on 30/06, covered by ward_a, neither late nor counted
    rows = {r.unit.id: r for r in svc.board(template, tree.district_a)}
    assert rows[tree.ward_b.id].closed_on == date(YEAR, 6, 30)
    assert rows[tree.ward_b.id].covered_by == tree.ward_a and not rows[tree.ward_b.id].late
    assert rows[tree.ward_a.id].covered_by is None and rows[tree.ward_a.id].closed_on is None
    assert svc.predecessors_covered(template, tree.ward_a) == [tree.ward_b]
    # ward_a's report counts ward_b's months: its receipt is not left out
    chair = build_user("chair", tree.ward_a)
    reviewer = build_user("chair", tree.district_a)
    report = svc.start_report(chair, template, tree.ward_a)
    assert figures(report)["money.in"] == 500_000
    submit_and_accept(report, chair, reviewer, db)
    # the district adds up ward_a's report; ward_b is not missing, nor counted twice
    compiled = svc.start_report(reviewer, template, tree.district_a)
    assert figures(compiled)["money.in"] == 500_000
    assert compiled.missing == []
    _rows, columns = svc.compiled_table(compiled)
    assert columns[0][0] == tree.ward_a.name and columns[0][1]["money.in"] == 500_000
    assert "30/06" in columns[1][0] and tree.ward_a.name in columns[1][0]
    # nobody files a separate report for the merged ward
    with pytest.raises(DomainError, match="30/06"):
        svc.start_report(reviewer, template, tree.ward_b)


def test_a_successor_in_another_district_takes_the_figures_with_it(tree, db):
    build_voucher(tree.ward_c, "receipt", 700_000)
    close(db, tree.ward_c, date(YEAR, 6, 30), successor=tree.ward_a)
    template = template_for(tree)
    chair_b = build_user("chair", tree.district_b)
    compiled_b = svc.start_report(chair_b, template, tree.district_b)
    assert figures(compiled_b)["money.in"] == 0 and compiled_b.missing == []
    ward_a = svc.start_report(build_user("chair", tree.ward_a), template, tree.ward_a)
    assert figures(ward_a)["money.in"] == 700_000
    assert svc.board(template, tree.district_b)[0].covered_by == tree.ward_a


def test_a_unit_dissolved_during_the_period_is_still_expected(tree, db):
    # last year's report, due when its year ended (a due date is never before the period ends)
    last = YEAR - 1
    build_voucher(tree.ward_b, "receipt", 300_000, voucher_date=date(last, 3, 2))
    close(db, tree.ward_b, date(last, 6, 30))
    template = build_periodic_template(tree.city, year=last, due_date=date(last, 12, 31))
    rows = {r.unit.id: r for r in svc.board(template, tree.district_a)}
    row = rows[tree.ward_b.id]
    assert row.closed_on == date(last, 6, 30) and row.covered_by is None
    assert row.status == "not_started" and row.late
    reviewer = build_user("chair", tree.district_a)
    compiled = svc.start_report(reviewer, template, tree.district_a)
    assert {"id": tree.ward_b.id, "name": tree.ward_b.name,
            "closed_on": date(last, 6, 30).isoformat()} in compiled.missing
    # the district chair files the dissolved ward's report; once accepted, it counts
    closed_report = svc.start_report(reviewer, template, tree.ward_b)
    assert figures(closed_report)["money.in"] == 300_000
    submit_and_accept(closed_report, reviewer, reviewer, db)
    svc.refresh_figures(reviewer, compiled, compiled.revision)
    assert figures(compiled)["money.in"] == 300_000
    assert all(m["id"] != tree.ward_b.id for m in compiled.missing)


def test_the_status_page_and_the_report_show_closed_units(tree, db, client_as):
    close(db, tree.ward_b, date(YEAR, 6, 30), successor=tree.ward_a)
    close(db, tree.ward_c, date(YEAR, 3, 31))
    template = template_for(tree)
    client = client_as("chair", at=tree.city)
    html = client.get(f"/periodic/templates/{template.id}/units/{tree.district_a.id}"
                      ).get_data(as_text=True)
    assert 'data-testid="covered-badge"' in html and tree.ward_a.name in html
    assert "30/06/" in html and 'data-testid="closed-rule"' in html
    assert 'data-testid="count-covered">1<' in html
    html_b = client.get(f"/periodic/templates/{template.id}/units/{tree.district_b.id}"
                        ).get_data(as_text=True)
    assert "31/03/" in html_b and 'data-testid="covered-badge"' not in html_b
    reviewer = build_user("chair", tree.district_b)
    compiled = svc.start_report(reviewer, template, tree.district_b)
    db.session.commit()
    page = client.get(f"/periodic/reports/{compiled.id}").get_data(as_text=True)
    assert 'data-testid="closed-units"' in page and "31/03/" in page
    pdf = client.get(f"/periodic/reports/{compiled.id}.pdf")
    assert pdf.status_code == 200


def test_the_2025_reform_no_figure_is_left_out_or_counted_twice(tree, db):
    """A district dissolved mid-year (its successor is the city that asks for the report), its
    two wards merged into a new ward directly under the city: the new ward's report holds the
    old wards' months, the city's own figures hold the district's own, nothing twice."""
    from .builders import build_unit

    for unit, amount in ((tree.district_a, 100_000), (tree.ward_a, 200_000),
                         (tree.ward_b, 300_000), (tree.branch_a, 10_000)):
        build_voucher(unit, "receipt", amount)
    reform = date(YEAR, 6, 30)
    new_ward = build_unit("ward_n", tree.city, level="commune", valid_from=reform
                          + timedelta(days=1))
    db.session.commit()
    build_voucher(new_ward, "receipt", 50_000)
    close(db, tree.ward_a, reform, successor=new_ward)
    close(db, tree.ward_b, reform, successor=new_ward)
    close(db, tree.district_a, reform, successor=tree.city)
    template = template_for(tree)
    assert {u.id for u in svc.participants(template)} == {
        tree.district_b.id, tree.ward_c.id, new_ward.id}
    assert svc.receiving_unit(template, new_ward) == tree.city
    city_chair = build_user("chair", tree.city)
    ward_chair = build_user("chair", new_ward)
    report = svc.start_report(ward_chair, template, new_ward)
    assert figures(report)["money.in"] == 50_000 + 200_000 + 300_000 + 10_000
    submit_and_accept(report, ward_chair, city_chair, db)
    compiled = svc.start_report(city_chair, template, tree.city)
    assert figures(compiled)["money.in"] == 560_000 + 100_000  # + the district's own months
    assert [m["id"] for m in compiled.missing] == [tree.district_b.id]
    board = {r.unit.id: r for r in svc.board(template, tree.city)}
    assert board[tree.district_a.id].covered_by == tree.city
    # the old wards reported to the district, which is gone: the city's board shows them
    assert board[tree.ward_a.id].covered_by == new_ward and new_ward.id in board
    assert {c.unit.id for c in svc.closed_below(template, tree.city)} == {
        tree.district_a.id, tree.ward_a.id, tree.ward_b.id}
