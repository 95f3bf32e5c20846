"""What a merger carries over of the newer records: open learning-model entries go to the
successor, recognised ones and earlier years stay with the old unit's history; draft periodic
reports for a period after the change go to the successor, others stay and are listed; the
preview's open items name what is left to settle; an undo puts everything back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from assoc.blueprints.reorg.describe import describe
from assoc.extensions import db
from assoc.models import LearningEntry, LearningRecognition, PeriodicReport, today
from assoc.services import learning, periodic, reorg

from .builders import build_periodic_template, build_tree

EFFECTIVE = today()
YEAR = EFFECTIVE.year


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def register(unit, name, year=YEAR, address="Tổ 1"):
    return learning.register(None, unit, model="family", year=year, name=name, address=address,
                             people=4, registered_on=date(year, 1, 5))


def first_of_next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@pytest.fixture
def world():
    tree = build_tree()
    b = tree.ward_b
    tree.open_entry = register(b, "Nguyễn Văn Mở")
    tree.recognised = register(b, "Trần Văn Công")
    decision = LearningRecognition(unit=b, model="family", year=YEAR, number="12/QĐ",
                                   decided_on=EFFECTIVE, signer="Lê Văn Ký",
                                   issuing_body="UBND phường")
    db.session.add(decision)
    db.session.flush()
    tree.recognised.recognition_id = decision.id
    tree.last_year = register(b, "Phạm Văn Cũ", year=YEAR - 1)
    register(tree.ward_a, "Võ Thị Trùng")
    tree.clash = register(b, "Võ Thị Trùng")  # the same household is registered at ward_a
    # A report for a period already under way, one for a period after the change, one the
    # successor has already started, and one submitted.
    running = build_periodic_template(tree.city, levels=("commune",))
    start = first_of_next_month(EFFECTIVE)
    later = build_periodic_template(
        tree.city, kind="custom", title="Báo cáo tháng sau", levels=("commune",),
        period_start=start, period_end=first_of_next_month(start) - timedelta(days=1),
        due_date=first_of_next_month(start))
    both = build_periodic_template(
        tree.city, kind="custom", title="Báo cáo chuyên đề", levels=("commune",),
        period_start=start, period_end=first_of_next_month(start) - timedelta(days=1),
        due_date=first_of_next_month(start))
    done = build_periodic_template(tree.city, kind="six_month", levels=("commune",))
    tree.running = periodic.start_report(None, running, b)
    tree.later = periodic.start_report(None, later, b)
    tree.both = periodic.start_report(None, both, b)
    periodic.start_report(None, both, tree.ward_a)
    tree.submitted = periodic.start_report(None, done, b)
    tree.submitted.status = "submitted"
    db.session.commit()
    return tree


def unit_of(model, row_id):
    return db.session.get(model, row_id).unit_id


def test_a_merger_carries_open_entries_and_draft_reports(world):
    tree = world
    result = reorg.apply_plan(None, reorg.parse_plan(
        f"{','.join(reorg.PLAN_HEADER)}\nmerge,{tree.ward_a.code};{tree.ward_b.code},"
        f"{tree.ward_a.code},,,\n"), EFFECTIVE)
    db.session.commit()
    a, b = tree.ward_a.id, tree.ward_b.id
    assert unit_of(LearningEntry, tree.open_entry.id) == a
    assert unit_of(LearningEntry, tree.recognised.id) == b  # stays with its decision
    assert unit_of(LearningEntry, tree.last_year.id) == b
    assert unit_of(LearningEntry, tree.clash.id) == b
    assert unit_of(PeriodicReport, tree.later.id) == a
    assert unit_of(PeriodicReport, tree.running.id) == b
    assert unit_of(PeriodicReport, tree.both.id) == b
    assert unit_of(PeriodicReport, tree.submitted.id) == b
    record = describe(result.summary["handovers"][0])
    name = tree.ward_b.name
    assert f"1 open learning-model entry of {name} (not yet recognised)" in record["moved"]
    assert f"1 draft periodic report of {name} (refresh its figures)" in record["moved"]
    assert (f"1 open learning-model entry of {name} stays there: {tree.ward_a.name} has the "
            "same entry for the year; settle it by hand") in record["open"]
    reports = [line for line in record["open"] if line.startswith("Periodic report")]
    stays = ("is not submitted yet and stays there: where its successor reports in that "
             "period, the successor's report covers its figures; otherwise a chair above may "
             "submit it")
    assert reports == [
        f"Periodic report “{tree.running.template.title}” of {name} {stays}",
        f"Periodic report “Báo cáo chuyên đề” of {name} {stays}"]

    reorg.undo_plan(None, result)
    db.session.commit()
    assert unit_of(LearningEntry, tree.open_entry.id) == b
    assert unit_of(PeriodicReport, tree.later.id) == b


def test_the_preview_lists_the_open_items(world, client_as):
    tree = world
    client = client_as("chair", tree.district_a)
    response = client.post(f"/reorganisation/unit/{tree.district_a.id}", data={
        "plan_text": f"{','.join(reorg.PLAN_HEADER)}\nmerge,{tree.ward_a.code};"
                     f"{tree.ward_b.code},{tree.ward_a.code},,,\n",
        "effective": EFFECTIVE.strftime("%d/%m/%Y"), "carry_roles": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Báo cáo chuyên đề" in page
    db.session.expire_all()
    assert unit_of(LearningEntry, tree.open_entry.id) == tree.ward_b.id  # a preview
