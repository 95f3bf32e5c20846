"""Learning models: registers, criteria sets, score sheets, recognition, rates — the rules, and
each kind of bad input giving a field error that writes nothing."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assoc.models import (
    AuditEntry,
    LearningDenominator,
    LearningEntry,
    LearningRecognition,
    LearningScore,
)
from assoc.services import DomainError, learning

from .builders import build_user
from .builders_learning import build_criteria, build_entry

YEAR = 2026


def count(model) -> int:
    from assoc.extensions import db

    return db.session.scalar(select(func.count()).select_from(model))


def points(cs, values):
    return {i.id: v for i, v in zip(cs.items, values, strict=True)}


@pytest.fixture
def cs(db):
    return build_criteria("family")


@pytest.fixture
def clerk(tree):
    return build_user("clerk", tree.ward_a)


@pytest.fixture
def chair(tree):
    return build_user("chair", tree.ward_a)


# --- registers --------------------------------------------------------------------------------

def test_register_normalises_and_audits(tree, clerk):
    e = learning.register(clerk, tree.branch_a, model="family", year=YEAR,
                          name="  nguyễn   văn lộc ", address="12 Hoàng Diệu", people=5,
                          registered_on=date(YEAR, 1, 15), commitment="Cả nhà cùng học")
    assert e.name == "Nguyễn Văn Lộc" and e.search_key == "nguyen van loc"
    assert e.people == 5 and e.unit is tree.branch_a
    entry = e.id
    audit = [a for a in select_all(AuditEntry)
             if a.object_type == "learningentry" and a.object_id == entry]
    assert [a.action for a in audit] == ["learning.register"]


def select_all(model):
    from assoc.extensions import db

    return db.session.scalars(select(model)).all()


@pytest.mark.parametrize("values, field", [
    ({"name": ""}, "name"),
    ({"people": 0}, "people"),
    ({"registered_on": None}, "registered_on"),
    ({"registered_on": date(YEAR - 3, 5, 1)}, "registered_on"),
])
def test_register_rejects_bad_input(tree, clerk, values, field):
    base = {"name": "Trần Văn Minh", "address": "1 Lê Lợi", "people": 3,
            "registered_on": date(YEAR, 1, 15)}
    with pytest.raises(DomainError) as e:
        learning.register(clerk, tree.ward_a, model="family", year=YEAR, **{**base, **values})
    assert e.value.field == field
    assert count(LearningEntry) == 0


def test_the_same_household_is_registered_once_a_year(tree, clerk):
    build_entry(tree.ward_a, "Trần Văn Minh", address="1 Lê Lợi")
    with pytest.raises(DomainError, match="đã đăng ký|already registered"):
        build_entry(tree.ward_a, "tran van minh", address="1 LÊ LỢI")
    build_entry(tree.ward_a, "Trần Văn Minh", address="1 Lê Lợi", year=YEAR - 1)
    assert count(LearningEntry) == 2


def test_citizen_taken_from_a_member_of_the_subtree(tree, clerk):
    from assoc.services import members

    m = members.create_member(None, tree.branch_a, full_name="Lê Thị Hoa", address="5 Khánh Hội")
    e = learning.register(clerk, tree.ward_a, model="citizen", year=YEAR, name="",
                          member_number=m.display_number, registered_on=date(YEAR, 2, 1))
    assert e.member is m and e.name == "Lê Thị Hoa" and e.address == "5 Khánh Hội"
    other = members.create_member(None, tree.ward_c, full_name="Người Khác")
    with pytest.raises(DomainError) as err:
        learning.register(clerk, tree.ward_a, model="citizen", year=YEAR, name="",
                          member_number=str(other.number), registered_on=date(YEAR, 2, 1))
    assert err.value.field == "member_number"


# --- criteria sets ----------------------------------------------------------------------------

def test_the_version_in_force_is_the_newest_started(db):
    old = build_criteria("family", from_year=2015)
    new = build_criteria("family", from_year=2025, threshold=80)
    assert learning.set_in_force("family", 2024) == old
    assert learning.set_in_force("family", 2026) == new
    assert learning.set_in_force("family", 2014) is None
    assert learning.set_in_force("clan", 2026) is None


def test_criteria_groups_items_bands(db):
    cs = build_criteria(bands="Tốt | 80\nĐạt | 70")
    assert [g for g, _items in cs.groups()] == ["Học tập của trẻ em", "Học tập của người lớn",
                                                "Điều kiện học tập"]
    assert cs.max_total == 100
    assert cs.grade_for(85) == "Tốt" and cs.grade_for(70) == "Đạt" and cs.grade_for(50) == ""


@pytest.mark.parametrize("values, field", [
    ({"items": "Không có nhóm | 10"}, "items"),
    ({"items": "# Nhóm\nThiếu điểm"}, "items"),
    ({"items": "# Nhóm\nÂm | -3"}, "items"),
    ({"threshold": 101}, "threshold"),
    ({"threshold": 0}, "threshold"),
    ({"grade_bands": "Xuất sắc"}, "grade_bands"),
    ({"from_year": 1990}, "from_year"),
])
def test_criteria_set_bad_input(db, values, field):
    base = {"name": "Bộ tiêu chí", "from_year": 2026, "threshold": 70,
            "items": "# Nhóm 1\nMột | 50\n# Nhóm 2\nHai | 50", "grade_bands": ""}
    with pytest.raises(DomainError) as e:
        learning.create_set(None, "family", **{**base, **values})
    assert e.value.field == field


def test_a_used_version_cannot_be_edited(tree, cs):
    build_entry(tree.ward_a, points=[30, 20, 30, 20])
    with pytest.raises(DomainError, match="phiên bản mới|new version"):
        learning.update_set(None, cs, name="Khác", from_year=2015, threshold=60,
                            items="# A\nB | 100", grade_bands="")


# --- assessment -------------------------------------------------------------------------------

def test_score_sheet_totals_and_proposes(tree, cs, clerk):
    e = build_entry(tree.branch_a)
    learning.score(clerk, e, year=YEAR, points=points(cs, [30, 15, 20, 10]), evidence_count=2,
                   notes="Có ảnh góc học tập")
    assert e.total_score == 75 and learning.proposed(e)
    assert e.assessed_by == clerk and e.evidence_count == 2
    learning.score(clerk, e, year=YEAR, points=points(cs, [10, 10, 10, 10]))
    assert e.total_score == 40 and not learning.proposed(e)
    assert count(LearningScore) == 4


@pytest.mark.parametrize("values, field_index", [
    ([31, 20, 30, 20], 0),      # above the maximum
    ([30, -1, 30, 20], 1),      # negative
    ([30, 20, "", 20], 2),      # left out
    ([30, 20, 30, "x"], 3),     # not a number
])
def test_score_rejects_bad_points(tree, cs, clerk, values, field_index):
    e = build_entry(tree.branch_a)
    with pytest.raises(DomainError) as err:
        learning.score(clerk, e, year=YEAR, points=points(cs, values))
    assert err.value.field == f"p-{cs.items[field_index].id}"
    assert e.total_score is None and count(LearningScore) == 0


def test_cannot_score_an_entry_for_another_year(tree, cs, clerk):
    e = build_entry(tree.branch_a, year=YEAR - 1)
    with pytest.raises(DomainError) as err:
        learning.score(clerk, e, year=YEAR, points=points(cs, [30, 20, 30, 20]))
    assert err.value.field == "year" and count(LearningScore) == 0


def test_grid_writes_all_rows_or_none(tree, cs, clerk):
    a, b, c = (build_entry(tree.branch_a, n) for n in ("Hộ A", "Hộ B", "Hộ C"))
    rows = {a.id: points(cs, [30, 20, 30, 20]), b.id: points(cs, [30, 20, 30, 21]),
            c.id: points(cs, ["", "", "", ""])}
    with pytest.raises(DomainError) as err:
        learning.score_grid(clerk, [a, b, c], year=YEAR, rows=rows)
    assert err.value.field == f"p-{b.id}-{cs.items[3].id}"
    assert count(LearningScore) == 0 and a.total_score is None
    rows[b.id] = points(cs, [10, 10, 10, 10])
    assert learning.score_grid(clerk, [a, b, c], year=YEAR, rows=rows) == 2
    assert (a.total_score, b.total_score, c.total_score) == (100, 40, None)


# --- recognition ------------------------------------------------------------------------------

def decision(**kw):
    return {"number": "15/QĐ-KH", "decided_on": date(YEAR, 12, 5), "signer": "Nguyễn Thị Thu",
            "issuing_body": "Hội Khuyến học Phường", **kw}


def test_recognise_marks_entries_and_audits(tree, cs, chair):
    good = build_entry(tree.branch_a, "Hộ đạt", points=[30, 20, 20, 10])
    low = build_entry(tree.branch_a, "Hộ chưa đạt", points=[10, 10, 10, 10])
    r = learning.recognise(chair, tree.ward_a, model="family", year=YEAR,
                           entry_ids=[good.id, low.id],
                           reasons={low.id: "Hộ nghèo vượt khó, con học giỏi"}, **decision())
    assert good.recognition is r and low.recognition is r
    assert low.below_threshold_reason == "Hộ nghèo vượt khó, con học giỏi"
    assert [a.action for a in select_all(AuditEntry) if a.object_type == "learningrecognition"] \
        == ["learning.recognise"]


def test_below_threshold_needs_a_reason(tree, cs, chair):
    low = build_entry(tree.branch_a, "Hộ chưa đạt", points=[10, 10, 10, 10])
    with pytest.raises(DomainError) as err:
        learning.recognise(chair, tree.ward_a, model="family", year=YEAR, entry_ids=[low.id],
                           reasons={low.id: "  "}, **decision())
    assert err.value.field == f"reason-{low.id}"
    assert count(LearningRecognition) == 0 and low.recognition_id is None


def test_never_recognised_twice_a_year(tree, cs, chair):
    e = build_entry(tree.branch_a, points=[30, 20, 30, 20])
    learning.recognise(chair, tree.ward_a, model="family", year=YEAR, entry_ids=[e.id],
                       **decision())
    with pytest.raises(DomainError) as err:
        learning.recognise(chair, tree.ward_a, model="family", year=YEAR, entry_ids=[e.id],
                           **decision(number="16/QĐ-KH"))
    assert err.value.field == "entries" and count(LearningRecognition) == 1


@pytest.mark.parametrize("change, field", [
    ({"number": ""}, "number"), ({"signer": ""}, "signer"), ({"decided_on": None}, "decided_on"),
    ({"decided_on": date(YEAR - 1, 12, 31)}, "decided_on"), ({"issuing_body": ""}, "issuing_body"),
])
def test_decision_fields_are_required(tree, cs, chair, change, field):
    e = build_entry(tree.branch_a, points=[30, 20, 30, 20])
    with pytest.raises(DomainError) as err:
        learning.recognise(chair, tree.ward_a, model="family", year=YEAR, entry_ids=[e.id],
                           **decision(**change))
    assert err.value.field == field and count(LearningRecognition) == 0


def test_cannot_recognise_outside_the_subtree_or_unscored(tree, cs, chair):
    other = build_entry(tree.ward_b, points=[30, 20, 30, 20])
    unscored = build_entry(tree.ward_a, "Hộ chưa chấm")
    for e in (other, unscored):
        with pytest.raises(DomainError):
            learning.recognise(chair, tree.ward_a, model="family", year=YEAR, entry_ids=[e.id],
                               **decision())
    assert count(LearningRecognition) == 0


def test_an_entry_of_another_unit_is_not_named_in_the_error(tree, cs, chair):
    other = build_entry(tree.ward_b, "Hộ Bí Mật", points=[30, 20, 30, 20])
    with pytest.raises(DomainError) as err:
        learning.recognise(chair, tree.ward_a, model="family", year=YEAR,
                           entry_ids=[other.id], **decision())
    assert "Bí Mật" not in str(err.value.message) and err.value.field == "entries"


def test_recognised_three_years_running_is_a_tieu_bieu_candidate(tree, cs, chair):
    for y in (YEAR - 2, YEAR - 1, YEAR):
        e = build_entry(tree.branch_a, "Nguyễn Văn Lộc", address="12 Hoàng Diệu", year=y,
                        points=[30, 20, 30, 20])
        learning.recognise(chair, tree.ward_a, model="family", year=y, entry_ids=[e.id],
                           **decision(decided_on=date(y, 12, 1)))
    gap = build_entry(tree.branch_a, "Hộ cách quãng", year=YEAR, points=[30, 20, 30, 20])
    learning.recognise(chair, tree.ward_a, model="family", year=YEAR, entry_ids=[gap.id],
                       **decision())
    assert learning.outstanding([e, gap]) == {e.id: 3}


# --- denominators and rates -------------------------------------------------------------------

def test_denominator_smaller_than_registered_is_refused(tree, cs, clerk):
    for n in range(3):
        build_entry(tree.branch_a, f"Hộ {n}")
    with pytest.raises(DomainError) as err:
        learning.set_denominators(clerk, tree.ward_a, YEAR, {"family": (2, 70)})
    assert err.value.field == "total-family" and count(LearningDenominator) == 0
    with pytest.raises(DomainError) as err:
        learning.set_denominators(clerk, tree.ward_a, YEAR, {"family": (10, 120)})
    assert err.value.field == "target-family"
    learning.set_denominators(clerk, tree.ward_a, YEAR, {"family": (3, 70)})
    assert count(LearningDenominator) == 1


def test_rates_roll_up_the_tree(tree, cs, chair):
    # ward_a: 4 households, 3 recognised, of 10; ward_b: 2 registered of 5; district_a adds up.
    entries = [build_entry(tree.branch_a, f"Hộ {n}", points=[30, 20, 30, 20]) for n in range(3)]
    build_entry(tree.ward_a, "Hộ chưa chấm")
    build_entry(tree.branch_b, "Hộ B1")
    build_entry(tree.ward_b, "Hộ B2", points=[10, 10, 10, 10])
    build_entry(tree.ward_c, "Hộ ngoài")
    learning.recognise(chair, tree.ward_a, model="family", year=YEAR,
                       entry_ids=[e.id for e in entries], **decision())
    learning.set_denominators(chair, tree.ward_a, YEAR, {"family": (10, 70)})
    learning.set_denominators(chair, tree.ward_b, YEAR, {"family": (5, None)})
    learning.set_denominators(chair, tree.district_a, YEAR, {"family": (None, 60)})
    t = learning.rates(tree.district_a, YEAR)
    by_unit = {r.unit.id if r.unit else None: r.cells["family"] for r in t.rows}
    a, b = by_unit[tree.ward_a.id], by_unit[tree.ward_b.id]
    assert (a.registered, a.assessed, a.recognised, a.denominator) == (4, 3, 3, 10)
    assert a.recognised_percent == 30.0 and a.target == 70 and a.meets_target is False
    assert (b.registered, b.assessed, b.recognised, b.denominator, b.target) == (2, 1, 0, 5, 60)
    total = t.total.cells["family"]
    assert (total.registered, total.recognised, total.denominator) == (6, 3, 15)
    assert total.recognised_percent == 20.0
    city = learning.rates(tree.city, YEAR).total.cells["family"]
    assert (city.registered, city.recognised, city.denominator) == (7, 3, 15)
    # The dashboard card sums the same without placing entries under sub-units.
    for unit in (tree.city, tree.district_a, tree.district_b, tree.ward_a, tree.ward_c,
                 tree.branch_a):
        card = learning.dashboard_figures(unit, YEAR)
        assert card.cells == learning.rates(unit, YEAR).total.cells, unit.name
    card = learning.dashboard_figures(tree.district_a, YEAR).cells["family"]
    assert (card.registered, card.assessed, card.recognised, card.denominator, card.target) == \
        (6, 4, 3, 15, 60)


def test_racing_decisions_recognise_each_entry_once(tree, cs, racing_app):
    """Five chairs recognise the same households at once: one decision takes them; every other
    attempt fails and leaves no decision behind."""
    from assoc.extensions import db as sa
    from assoc.models import Unit

    from .builders import race

    ids = [build_entry(tree.branch_a, f"Hộ {n}", points=[30, 20, 30, 20]).id for n in range(3)]
    unit_id = tree.ward_a.id

    def attempt(i):
        unit = sa.session.get(Unit, unit_id)
        return learning.recognise(None, unit, model="family", year=YEAR, entry_ids=ids,
                                  **decision(number=f"{i}/QĐ-KH")).id

    results, errors = race(racing_app, 5, attempt)
    assert len([r for r in results if r]) == 1 and len(errors) == 4
    sa.session.expire_all()
    decisions = select_all(LearningRecognition)
    assert len(decisions) == 1
    assert {e.recognition_id for e in select_all(LearningEntry)} == {decisions[0].id}
