"""Officers and remuneration: posts, workload, base salaries, allowance rules, monthly sheets."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assoc.models import AuditEntry, Position, RemunerationSheet
from assoc.services import DomainError
from assoc.services import officers as svc

from .builders import build_base_salaries, build_officer, build_rule, build_user

# --- arithmetic --------------------------------------------------------------------------------


@pytest.mark.parametrize("num, den, expected", [
    (0, 7, 0), (5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (24, 10, 2),
    (1_500_000 * 15 * 1000 + 500 * 30, 1000 * 30, 750_001),  # 750.000,5 → up
    (49, 100, 0), (50, 100, 1),
])
def test_round_half_up(num, den, expected):
    assert svc.round_half_up(num, den) == expected


@pytest.mark.parametrize("text, milli", [
    ("1,5", 1500), ("1.5", 1500), ("0,35", 350), ("2", 2000), ("0,125", 125), (" 1,0 ", 1000),
])
def test_parse_coefficient_without_floats(text, milli):
    assert svc.parse_coefficient(text) == milli


@pytest.mark.parametrize("text", ["1,2345", "abc", "-1", "1,5,2", ""])
def test_bad_coefficient(text):
    with pytest.raises(DomainError) as err:
        svc.parse_coefficient(text)
    assert err.value.field == "coefficient"


def test_format_coefficient():
    assert [svc.format_coefficient(m) for m in (1500, 1000, 350, 125)] == [
        "1,5", "1,0", "0,35", "0,125"]


# --- officers and positions --------------------------------------------------------------------


def test_officer_names_are_clean_and_searchable(tree, db):
    officer = svc.create_officer(None, tree.ward_a, full_name="  trần   Thị Bích ",
                                 phone="0168 123 4567", birth_year=1958,
                                 outside_posts="Bí thư chi bộ")
    assert officer.full_name == "trần Thị Bích"
    assert officer.search_key == "tran thi bich"
    assert officer.phone == "0381234567"
    found = db.session.scalars(svc.officers_query(tree.district_a, "tran thi")).all()
    assert found == [officer]
    assert db.session.scalars(svc.officers_query(tree.ward_b)).all() == []


def test_position_end_before_start_is_a_field_error(tree, db):
    officer = build_officer(tree.ward_a, "Lê Văn Cường")
    with pytest.raises(DomainError) as err:
        svc.add_position(None, officer, unit=tree.ward_a, title="chair",
                         start_date=date(2024, 5, 1), end_date=date(2024, 4, 30))
    assert err.value.field == "end_date"
    assert db.session.scalar(select(func.count()).select_from(Position)) == 0


def test_overlapping_identical_positions_are_refused(tree, db):
    officer = build_officer(tree.ward_a, "Lê Văn Cường", ("chair", date(2020, 1, 1), date(2025, 6, 30)))
    with pytest.raises(DomainError, match="đã giữ") as err:
        svc.add_position(None, officer, unit=tree.ward_a, title="chair",
                         start_date=date(2025, 6, 1))
    assert err.value.field == "title"
    # the same post after the first ended, another post, or the same post elsewhere: fine
    svc.add_position(None, officer, unit=tree.ward_a, title="chair", start_date=date(2025, 7, 1))
    svc.add_position(None, officer, unit=tree.ward_a, title="treasurer",
                     start_date=date(2021, 1, 1))
    svc.add_position(None, officer, unit=tree.branch_a, title="chair", start_date=date(2021, 1, 1))
    assert len(officer.positions) == 4
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "position.create")).all()
    assert len(actions) == 4


# --- workload ----------------------------------------------------------------------------------


def test_workload_flags_overloaded_officers_and_vacant_key_posts(tree, db):
    on = date(2025, 3, 1)
    busy = build_officer(tree.ward_a, "Phạm Thị Dung", ("chair", date(2020, 1, 1)),
                         ("treasurer", date(2020, 1, 1)),
                         ("branch_head", date(2021, 1, 1), None, tree.branch_a),
                         outside_posts="Bí thư chi bộ")
    build_officer(tree.ward_a, "Võ Văn Em", ("vice_chair", date(2020, 1, 1)),
                  ("committee_member", date(2020, 1, 1)))
    build_officer(tree.ward_a, "Đỗ Văn Giang", ("accountant", date(2020, 1, 1), date(2024, 12, 31)))
    rows, vacancies, limit = svc.workload(tree.ward_a, on)
    assert limit == 2
    assert [(r.officer.full_name, r.count, r.over_limit) for r in rows] == [
        ("Phạm Thị Dung", 3, True), ("Võ Văn Em", 2, False)]
    assert busy.outside_posts == "Bí thư chi bộ"
    # ward_a has chair and treasurer; branch_a has its head; board_a has nobody
    assert [(v.unit.id, v.titles) for v in vacancies] == [(tree.board_a.id, ["board_head"])]
    svc.update_settings(None, tree.ward_a, combine="sum", post_limit=3, cap_milli=None)
    rows, _v, limit = svc.workload(tree.ward_a, on)
    assert limit == 3 and not any(r.over_limit for r in rows)
    _rows, vacancies, _l = svc.workload(tree.ward_b, on)
    assert [(v.unit.id, v.titles) for v in vacancies] == [
        (tree.ward_b.id, ["chair", "treasurer"]), (tree.branch_b.id, ["branch_head"])]


# --- base salary and rules ---------------------------------------------------------------------


def test_base_salary_table(db):
    build_base_salaries()
    assert svc.base_salary_on(date(2019, 6, 30)) is None
    assert svc.base_salary_on(date(2019, 7, 1)) == 1_490_000
    assert svc.base_salary_on(date(2024, 6, 30)) == 1_800_000
    assert svc.base_salary_on(date(2024, 7, 1)) == 2_340_000
    assert svc.ensure_known_base_salaries() == 0  # idempotent
    with pytest.raises(DomainError) as err:
        svc.add_base_salary(None, effective_from=date(2024, 7, 1), amount=2_500_000)
    assert err.value.field == "effective_from"


def test_a_new_rate_closes_the_open_one(tree, db):
    old = build_rule(tree.ward_a, "chair", coefficient=1000, valid_from=date(2020, 1, 1))
    new = build_rule(tree.ward_a, "chair", coefficient=1200, valid_from=date(2025, 1, 1))
    assert old.valid_to == date(2024, 12, 31) and new.valid_to is None
    with pytest.raises(DomainError) as err:
        build_rule(tree.ward_a, "chair", amount=500_000, valid_from=date(2022, 1, 1),
                   valid_to=date(2022, 12, 31))
    assert err.value.field == "valid_from"
    with pytest.raises(DomainError) as err:
        build_rule(tree.ward_a, "chair", coefficient=0, valid_from=date(2026, 1, 1))
    assert err.value.field == "coefficient"


# --- sheets ------------------------------------------------------------------------------------


@pytest.fixture
def ward(tree, db):
    """ward_a with a chair (1,0 × base), a treasurer (0,5 × base) who is also vice chair
    (fixed 400.000 đ), and a committee member without allowance."""
    build_base_salaries()
    build_rule(tree.ward_a, "chair", coefficient=1000)
    build_rule(tree.ward_a, "treasurer", coefficient=500)
    build_rule(tree.ward_a, "vice_chair", amount=400_000)
    chair = build_officer(tree.ward_a, "Nguyễn Thị Thu", ("chair", date(2020, 1, 1)))
    treasurer = build_officer(tree.ward_a, "Trần Văn Bình", ("treasurer", date(2020, 1, 1)),
                              ("vice_chair", date(2020, 1, 1)))
    build_officer(tree.ward_a, "Lý Văn Khoa", ("committee_member", date(2020, 1, 1)))
    return tree.ward_a, chair, treasurer


def _amounts(sheet):
    return {line.full_name: line.amount for line in sheet.lines}


def test_base_salary_change_in_july_2024(ward, db):
    unit, _c, _t = ward
    june = svc.create_sheet(None, unit, year=2024, month=6)
    july = svc.create_sheet(None, unit, year=2024, month=7)
    assert june.base_salary == 1_800_000 and july.base_salary == 2_340_000
    assert _amounts(june) == {"Nguyễn Thị Thu": 1_800_000, "Trần Văn Bình": 900_000 + 400_000}
    assert _amounts(july) == {"Nguyễn Thị Thu": 2_340_000, "Trần Văn Bình": 1_170_000 + 400_000}
    assert june.total == 3_100_000 and july.total == 3_910_000
    # the committee member has no allowance: not on the sheet
    assert len(july.lines) == 2


def test_pro_rata_by_days_and_base_change_inside_a_month(tree, db):
    build_base_salaries()
    build_rule(tree.ward_a, "chair", coefficient=1000)
    build_rule(tree.ward_a, "treasurer", amount=1_000_001)
    # chair from 16/11/2024: 15 of 30 days
    build_officer(tree.ward_a, "Hồ Văn Lâm", ("chair", date(2024, 11, 16)))
    # treasurer until 10/11/2024: 1.000.001 × 10 / 30 = 333.333,67 → 333.334
    build_officer(tree.ward_a, "Mai Thị Nga", ("treasurer", date(2020, 1, 1), date(2024, 11, 10)))
    sheet = svc.create_sheet(None, tree.ward_a, year=2024, month=11)
    assert _amounts(sheet) == {"Hồ Văn Lâm": 1_170_000, "Mai Thị Nga": 333_334}
    assert {line.full_name: line.days for line in sheet.lines} == {"Hồ Văn Lâm": 15,
                                                                   "Mai Thị Nga": 10}
    # a base salary taking effect on 16/01/2030 (hypothetical): 15 days at 2.340.000, 16 at
    # 3.000.000 over 31 days = (15 × 2.340.000 + 16 × 3.000.000) / 31 = 2.680.645,16 → 2.680.645
    svc.add_base_salary(None, effective_from=date(2030, 1, 16), amount=3_000_000)
    jan = svc.create_sheet(None, tree.ward_a, year=2030, month=1)
    assert _amounts(jan) == {"Hồ Văn Lâm": 2_680_645}


def test_half_dong_rounds_up(tree, db):
    build_base_salaries()
    build_rule(tree.ward_a, "chair", amount=1_500_001)
    # 15 of 30 days: 750.000,5 → 750.001
    build_officer(tree.ward_a, "Hồ Văn Lâm", ("chair", date(2024, 11, 16)))
    sheet = svc.create_sheet(None, tree.ward_a, year=2024, month=11)
    assert sheet.lines[0].amount == 750_001


def test_several_posts_take_the_highest_when_the_unit_says_so(ward, db):
    unit, _c, _t = ward
    svc.update_settings(None, unit, combine="max", post_limit=2, cap_milli=None)
    sheet = svc.create_sheet(None, unit, year=2024, month=7)
    assert _amounts(sheet)["Trần Văn Bình"] == 1_170_000  # max(0,5 × 2.340.000; 400.000)
    assert sheet.combine == "max"


def test_no_base_salary_for_the_month_names_it(ward, db):
    unit, _c, _t = ward
    with pytest.raises(DomainError, match="06/2019") as err:
        svc.create_sheet(None, unit, year=2019, month=6)
    assert err.value.field == "month"
    assert db.session.scalar(select(func.count()).select_from(RemunerationSheet)) == 0


def test_one_sheet_per_unit_and_month(ward, db):
    unit, _c, _t = ward
    svc.create_sheet(None, unit, year=2025, month=11)
    with pytest.raises(DomainError) as err:
        svc.create_sheet(None, unit, year=2025, month=11)
    assert err.value.field == "month"


def test_adjust_recompute_lock(ward, db):
    unit, chair, _t = ward
    treasurer_user = build_user("treasurer", unit)
    sheet = svc.create_sheet(treasurer_user, unit, year=2025, month=11)
    line = next(x for x in sheet.lines if x.officer_id == chair.id)
    with pytest.raises(DomainError) as err:
        svc.adjust_line(treasurer_user, line, adjustment=100_000, reason=" ")
    assert err.value.field == "reason"
    with pytest.raises(DomainError) as err:
        svc.adjust_line(treasurer_user, line, adjustment=-3_000_000, reason="Trừ")
    assert err.value.field == "adjustment"
    svc.adjust_line(treasurer_user, line, adjustment=-340_000, reason="Nghỉ phép 4 ngày")
    assert line.amount == 2_000_000 and sheet.total == 2_000_000 + 1_570_000
    # a recompute keeps the adjustment
    svc.recompute_sheet(treasurer_user, sheet)
    line = next(x for x in sheet.lines if x.officer_id == chair.id)
    assert (line.computed, line.adjustment, line.amount) == (2_340_000, -340_000, 2_000_000)
    assert line.adjustment_reason == "Nghỉ phép 4 ngày"
    svc.lock_sheet(treasurer_user, sheet)
    assert sheet.status == "locked" and sheet.locked_by is treasurer_user
    with pytest.raises(DomainError, match="đã khóa"):
        svc.adjust_line(treasurer_user, line, adjustment=0, reason="")
    with pytest.raises(DomainError, match="đã khóa"):
        svc.recompute_sheet(treasurer_user, sheet)
    with pytest.raises(DomainError, match="đã khóa"):
        svc.lock_sheet(treasurer_user, sheet)
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "remunerationsheet").order_by(AuditEntry.id)).all()
    assert actions == ["remuneration_sheet.create", "remuneration_line.adjust",
                       "remuneration_sheet.recompute", "remuneration_sheet.lock"]


def test_cap_warning_by_level(tree, db):
    build_base_salaries()
    build_rule(tree.ward_a, "chair", coefficient=1600)  # above the ward cap of 1,5×
    build_rule(tree.ward_a, "treasurer", coefficient=1500)
    build_officer(tree.ward_a, "Hồ Văn Lâm", ("chair", date(2020, 1, 1)))
    build_officer(tree.ward_a, "Mai Thị Nga", ("treasurer", date(2020, 1, 1)))
    sheet = svc.create_sheet(None, tree.ward_a, year=2025, month=11)
    assert sheet.cap_amount == 3_510_000
    assert {x.full_name: x.over_cap for x in sheet.lines} == {"Hồ Văn Lâm": True,
                                                              "Mai Thị Nga": False}


# --- reports -----------------------------------------------------------------------------------


def test_yearly_reports_and_unpaid_share(ward, tree, db):
    unit, chair, treasurer = ward
    for month in (6, 7):
        sheet = svc.create_sheet(None, unit, year=2024, month=month)
        svc.lock_sheet(None, sheet)
    svc.create_sheet(None, unit, year=2024, month=8)  # a draft does not count
    by_officer = {r.name: r for r in svc.yearly_by_officer(tree.district_a, 2024)}
    assert by_officer["Nguyễn Thị Thu"].months[5:8] == [1_800_000, 2_340_000, 0]
    assert by_officer["Nguyễn Thị Thu"].total == 4_140_000
    assert by_officer["Trần Văn Bình"].total == 1_300_000 + 1_570_000
    by_unit = svc.yearly_by_unit(tree.district_a, 2024)
    assert [(r.key, r.total) for r in by_unit] == [(unit.id, 3_100_000 + 3_910_000)]
    share = svc.unpaid_share(tree.district_a, 2024)
    assert (share.officers, share.paid, share.unpaid, share.percent) == (3, 2, 1, 33)
    assert [o.full_name for o in share.unpaid_officers] == ["Lý Văn Khoa"]
    assert (share.awaiting_sheets, share.awaiting_amount) == (2, 3_100_000 + 3_910_000)
    assert svc.yearly_by_officer(tree.ward_b, 2024) == []


# --- paying through the treasury ---------------------------------------------------------------


def test_pay_one_voucher_per_officer(ward, db):
    from assoc.models import Voucher
    from assoc.services import treasury

    from .builders import build_voucher

    unit, chair, treasurer = ward
    build_voucher(unit, "receipt", 10_000_000)
    sheet = svc.create_sheet(None, unit, year=2025, month=11)
    with pytest.raises(DomainError, match="Khóa bảng"):
        svc.pay_sheet(None, sheet, per_officer=True)
    svc.lock_sheet(None, sheet)
    vouchers = svc.pay_sheet(None, sheet, per_officer=True, token="t1")
    assert [(v.kind, v.party_name, v.amount) for v in vouchers] == [
        ("payment", "Nguyễn Thị Thu", 2_340_000), ("payment", "Trần Văn Bình", 1_570_000)]
    assert {(v.link_type, v.link_id) for v in vouchers} == {("remuneration", sheet.id)}
    assert [v.display_number for v in vouchers] == [f"PC-{vouchers[0].voucher_date.year}/0001",
                                                    f"PC-{vouchers[0].voucher_date.year}/0002"]
    assert [line.voucher_id for line in sheet.lines] == [v.id for v in vouchers]
    assert sheet.status == "paid" and svc.is_paid(sheet)
    assert treasury.fund_balance(treasury.general_fund(unit)) == 10_000_000 - 3_910_000
    # a double submit returns the same vouchers; a second payment is refused
    assert svc.pay_sheet(None, sheet, per_officer=True, token="t1") == vouchers
    with pytest.raises(DomainError, match="đã được chi"):
        svc.pay_sheet(None, sheet, per_officer=False, token="t2")
    assert db.session.scalar(select(func.count()).select_from(Voucher)) == 3


def test_pay_one_voucher_for_the_sheet_and_again_after_void(ward, db):
    from assoc.services import treasury

    from .builders import build_voucher

    unit, _c, _t = ward
    build_voucher(unit, "receipt", 5_000_000)
    # A transfer is paid from the bank balance (cash and bank apart).
    build_voucher(unit, "receipt", 5_000_000, method="transfer")
    sheet = svc.create_sheet(None, unit, year=2025, month=11)
    svc.lock_sheet(None, sheet)
    (voucher,) = svc.pay_sheet(None, sheet, per_officer=False, method="transfer")
    assert (voucher.amount, voucher.method, voucher.attachments) == (3_910_000, "transfer", 1)
    assert "11/2025" in voucher.reason and sheet.voucher_id == voucher.id
    totals = {r.name: r.total for r in svc.yearly_by_officer(unit, 2025)}  # paid sheets count
    assert totals == {"Nguyễn Thị Thu": 2_340_000, "Trần Văn Bình": 1_570_000}
    treasury.void_voucher(None, voucher, "Nhầm hình thức chi")
    assert not svc.is_paid(sheet)
    (again,) = svc.pay_sheet(None, sheet, per_officer=False)
    assert again.id != voucher.id and svc.is_paid(sheet)


def test_pay_refused_when_the_fund_is_short(ward, db):
    from assoc.models import Voucher

    from .builders import build_voucher

    unit, _c, _t = ward
    build_voucher(unit, "receipt", 3_000_000)  # enough for the chair, not for both
    sheet = svc.create_sheet(None, unit, year=2025, month=11)
    svc.lock_sheet(None, sheet)
    db.session.commit()
    with pytest.raises(DomainError) as err:
        svc.pay_sheet(None, sheet, per_officer=True)
    assert err.value.field == "amount"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Voucher)) == 1
    assert db.session.get(RemunerationSheet, sheet.id).status == "locked"
    (voucher,) = svc.pay_sheet(None, sheet, per_officer=False, allow_overdraw=True)
    assert voucher.amount == 3_910_000
