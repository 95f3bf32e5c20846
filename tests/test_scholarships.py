"""Scholarships: programs, quotas, nominations, decisions, history and report (services)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from assoc.models import AuditEntry, Nomination, today
from assoc.services import DomainError, scholarships

from .builders import build_nomination, build_program, build_user


@pytest.fixture
def program(tree):
    return build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 2},
                         max_awards=5, budget=10_000_000)


def test_program_is_created_and_audited(tree, db):
    approver = build_user("approver", tree.district_a)
    p = build_program(tree.district_a, by=approver, name="  Học bổng   Nguyễn Hữu Thọ 2026 ",
                      tiers=[1_500_000, 3_000_000], amount_per_award=1_500_000)
    assert p.name == "Học bổng Nguyễn Hữu Thọ 2026"
    assert p.search_key == "hoc bong nguyen huu tho 2026"
    assert p.amounts == [1_500_000, 3_000_000]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "program.create")).one()
    assert entry.user_id == approver.id and entry.data["budget"] == 20_000_000


@pytest.mark.parametrize("values, field", [
    ({"name": "  "}, "name"),
    ({"amount_per_award": 0}, "amount_per_award"),
    ({"max_awards": None, "budget": None}, "max_awards"),
    ({"max_awards": 0}, "max_awards"),
    ({"window_end": date(2020, 1, 1)}, "window_end"),
    ({"priority_groups": ["rich"]}, "priority_groups"),
])
def test_program_bad_input(tree, values, field):
    with pytest.raises(DomainError) as err:
        build_program(tree.district_a, **values)
    assert err.value.field == field


def test_quotas_go_to_direct_sub_units_and_fit_the_program(tree, program):
    with pytest.raises(DomainError, match="trực thuộc"):
        scholarships.set_quotas(None, program, {tree.branch_a.id: (1, None)})
    with pytest.raises(DomainError, match="6 suất"):
        scholarships.set_quotas(None, program, {tree.ward_b.id: (3, None)})
    with pytest.raises(DomainError, match="12.000.000 đ"):
        scholarships.set_quotas(None, program, {tree.ward_a.id: (3, 12_000_000)})


def test_nominate_within_quota_then_quota_full(tree, program, db):
    chair = build_user("chair", tree.ward_b)
    build_nomination(program, tree.ward_b, by=chair)
    build_nomination(program, tree.branch_b, by=chair)  # a branch counts against its ward
    with pytest.raises(DomainError, match="đã đủ chỉ tiêu: 2/2"):
        build_nomination(program, tree.ward_b, by=chair)
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 2


def test_rejected_nomination_frees_its_quota_place(tree, program):
    build_nomination(program, tree.ward_b, status="rejected")
    build_nomination(program, tree.ward_b)
    build_nomination(program, tree.ward_b)  # 2 live + 1 rejected in a quota of 2


def test_quota_budget_is_respected_when_nominating(tree, db):
    p = build_program(tree.district_a, quotas={tree.ward_a: (None, 5_000_000)},
                      tiers=[2_000_000, 3_000_000], amount_per_award=2_000_000)
    build_nomination(p, tree.ward_a, amount=3_000_000)
    with pytest.raises(DomainError, match="Còn lại 2.000.000 đ") as err:
        build_nomination(p, tree.ward_a, amount=3_000_000)
    assert err.value.field == "amount"
    build_nomination(p, tree.ward_a, amount=2_000_000)


def test_unit_without_quota_cannot_nominate(tree, program):
    with pytest.raises(DomainError) as err:
        build_nomination(program, tree.ward_c)
    assert err.value.field == "unit"


@pytest.mark.parametrize("start, end", [(10, 20), (-20, -1)])
def test_nominating_outside_the_window_is_refused(tree, db, start, end):
    p = build_program(tree.district_a, quotas={tree.ward_a: 3},
                      window_start=today() + timedelta(days=start),
                      window_end=today() + timedelta(days=end))
    with pytest.raises(DomainError, match="chỉ nhận hồ sơ đề cử từ"):
        build_nomination(p, tree.ward_a)


def test_duplicate_student_ignores_diacritics_and_case(tree, program, db):
    build_nomination(program, tree.ward_a, student_name="Nguyễn Thị Ánh",
                     birth_date=date(2012, 5, 3))
    with pytest.raises(DomainError, match="đã được đề cử") as err:
        build_nomination(program, tree.ward_b, student_name="nguyen thi anh",
                         birth_date=date(2012, 5, 3))
    assert err.value.field == "student_name"
    # same name, another birth date: another child
    build_nomination(program, tree.ward_b, student_name="Nguyễn Thị Ánh",
                     birth_date=date(2013, 5, 3))


@pytest.mark.parametrize("values, field", [
    ({"student_name": " "}, "student_name"),
    ({"birth_date": date(1980, 1, 1)}, "birth_date"),
    ({"sex": "X"}, "sex"),
    ({"school": ""}, "school"),
    ({"guardian_phone": "12345"}, "guardian_phone"),
    ({"amount": 1_000_000}, "amount"),
    ({"priority_groups": ["vip"]}, "priority_groups"),
])
def test_nomination_bad_input(tree, program, values, field):
    with pytest.raises(DomainError) as err:
        build_nomination(program, tree.ward_a, **values)
    assert err.value.field == field


def test_nomination_is_cleaned(tree, program):
    n = build_nomination(program, tree.ward_a, student_name="  trần   văn bình ",
                         guardian_phone="+84 903.123.456", submit=False)
    assert n.student_name == "Trần Văn Bình" and n.search_key == "tran van binh"
    assert n.guardian_phone == "0903123456" and n.amount == 2_000_000 and n.status == "draft"


def test_draft_is_editable_submitted_is_locked(tree, program, db):
    n = build_nomination(program, tree.ward_a, submit=False)
    scholarships.update_nomination(None, n, school="Trường THCS Vân Đồn")
    assert n.school == "Trường THCS Vân Đồn"
    scholarships.submit_nomination(None, n)
    assert n.status == "submitted" and n.submitted_at is not None
    with pytest.raises(DomainError, match="không thể sửa"):
        scholarships.update_nomination(None, n, school="Khác")
    with pytest.raises(DomainError):
        scholarships.submit_nomination(None, n)


def test_approve_and_reject(tree, program, db):
    approver = build_user("approver", tree.district_a)
    a = build_nomination(program, tree.ward_a)
    b = build_nomination(program, tree.ward_a)
    scholarships.decide(approver, program, [a], "approve")
    with pytest.raises(DomainError) as err:
        scholarships.decide(approver, program, [b], "reject", reason=" ")
    assert err.value.field == "reason"
    scholarships.decide(approver, program, [b], "reject", reason="Đã nhận học bổng khác")
    assert (a.status, b.status) == ("approved", "rejected")
    assert a.decided_by is approver and b.decision_reason == "Đã nhận học bổng khác"
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "nomination")).all()
    assert actions.count("nomination.approve") == 1 and actions.count("nomination.reject") == 1
    with pytest.raises(DomainError, match="không chờ xét duyệt"):
        scholarships.decide(approver, program, [a], "approve")


def test_drafts_cannot_be_decided(tree, program):
    n = build_nomination(program, tree.ward_a, submit=False)
    with pytest.raises(DomainError):
        scholarships.decide(None, program, [n], "approve")


def test_approval_never_exceeds_the_budget_and_shows_what_remains(tree, db):
    p = build_program(tree.district_a, quotas={tree.ward_a: 4, tree.ward_b: 4},
                      max_awards=None, budget=7_000_000, amount_per_award=2_000_000)
    noms = [build_nomination(p, w) for w in (tree.ward_a, tree.ward_a, tree.ward_b, tree.ward_b)]
    scholarships.decide(None, p, noms[:3], "approve")
    with pytest.raises(DomainError, match="còn lại 1.000.000 đ"):
        scholarships.decide(None, p, noms[3:], "approve")
    assert noms[3].status == "submitted"
    usage = scholarships.program_usage(p)
    assert (usage.awarded.count, usage.awarded.amount, usage.remaining_amount) == (
        3, 6_000_000, 1_000_000)


def test_bulk_approval_is_all_or_nothing_on_quota(tree, db):
    p = build_program(tree.district_a, quotas={tree.ward_a: 2}, max_awards=10)
    noms = [build_nomination(p, tree.ward_a) for _ in range(2)]
    scholarships.decide(None, p, noms[:1], "approve")
    # lower the ward's quota to the one already approved, then try the second one
    scholarships.set_quotas(None, p, {tree.ward_a.id: (1, None)})
    with pytest.raises(DomainError, match="thêm 0 suất"):
        scholarships.decide(None, p, noms[1:], "approve")
    with pytest.raises(DomainError, match="1 suất"):
        scholarships.set_quotas(None, p, {tree.ward_a.id: (0, None)})


def test_program_award_count_limit(tree, db):
    p = build_program(tree.district_a, quotas={tree.ward_a: 2, tree.ward_b: 1}, max_awards=3,
                      budget=None)
    noms = [build_nomination(p, tree.ward_a) for _ in range(2)] + [build_nomination(p, tree.ward_b)]
    p.max_awards = 2  # the district cut the program after nominations were in
    with pytest.raises(DomainError, match="Chỉ còn 2 suất"):
        scholarships.decide(None, p, noms, "approve")
    assert {n.status for n in noms} == {"submitted"}


def test_quota_usage_per_ward(tree, program):
    build_nomination(program, tree.ward_a, status="approved")
    build_nomination(program, tree.branch_a, status="rejected")
    build_nomination(program, tree.ward_a)
    build_nomination(program, tree.ward_b, submit=False)
    usage = {u.quota.unit.id: u for u in scholarships.quota_usage(program)}
    a, b = usage[tree.ward_a.id], usage[tree.ward_b.id]
    # Every nomination not rejected takes a place: 3 places, 2 nominated, 1 left.
    assert (a.nominated.count, a.awarded.count, a.awarded.amount, a.remaining_count) == (
        2, 1, 2_000_000, 1)
    assert (b.nominated.count, b.awarded.count, b.remaining_count) == (1, 0, 1)


def test_student_history_across_programs(tree, db):
    p2025 = build_program(tree.district_a, quotas={tree.ward_a: 3}, name="Học bổng 2025",
                          window_start=date(2025, 1, 1))
    p2026 = build_program(tree.district_a, quotas={tree.ward_a: 3}, name="Học bổng 2026")
    build_nomination(p2025, tree.ward_a, student_name="Lê Thị Hồng", birth_date=date(2011, 2, 2),
                     status="approved")
    build_nomination(p2026, tree.ward_a, student_name="LE THI HONG", birth_date=date(2011, 2, 2))
    build_nomination(p2026, tree.ward_a, student_name="Lê Thị Hồng", birth_date=date(2012, 2, 2))
    found = db.session.scalars(scholarships.history_query("le thi hong", date(2011, 2, 2))).all()
    assert [n.program.name for n in found] == ["Học bổng 2026", "Học bổng 2025"]
    assert len(db.session.scalars(scholarships.history_query("Lê Thị Hồng")).all()) == 3


def test_program_report_adds_up(tree, program, db):
    build_nomination(program, tree.ward_a, status="approved", priority_groups=["poor", "orphan"])
    build_nomination(program, tree.ward_a, status="rejected", priority_groups=["girl"])
    build_nomination(program, tree.ward_b, status="approved", priority_groups=[])
    build_nomination(program, tree.ward_b)
    build_nomination(program, tree.ward_a, submit=False)  # drafts are not in the report
    noms = db.session.scalars(select(Nomination)).all()
    report = scholarships.program_report(program, noms)
    rows = {r.label: r for r in report.by_unit}
    ward_a, ward_b = rows[tree.ward_a.name], rows[tree.ward_b.name]
    assert (ward_a.nominated.count, ward_a.approved.count, ward_a.rejected.count) == (2, 1, 1)
    assert (ward_b.nominated.count, ward_b.approved.amount) == (2, 2_000_000)
    assert report.total.nominated.count == 4
    assert report.total.approved.amount == 4_000_000
    assert sum(r.approved.amount for r in report.by_unit) == report.total.approved.amount
    groups = {r.label: r for r in report.by_group}
    assert groups["Mồ côi"].approved.count == 1
    assert groups["Không thuộc nhóm ưu tiên"].nominated.count == 1
    assert groups["Hộ nghèo"].nominated.count == 2


def test_two_approvers_at_once_cannot_overrun_the_budget(app, tree, db):
    """Each approver works in its own thread, session and connection; the program row lock
    lets exactly one of the two last-place approvals through."""
    import threading

    from assoc.models import ScholarshipProgram

    p = build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3},
                      max_awards=None, budget=4_000_000)
    build_nomination(p, tree.ward_a, status="approved")
    ids = [build_nomination(p, tree.ward_a).id, build_nomination(p, tree.ward_b).id]
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(nomination_id):
        with app.app_context():
            session = db.session
            program = session.get(ScholarshipProgram, p.id)
            n = session.get(Nomination, nomination_id)
            barrier.wait()
            try:
                scholarships.decide(None, program, [n], "approve")
                session.commit()
                outcomes.append("approved")
            except DomainError as e:
                session.rollback()
                outcomes.append(e.message)

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("approved") == 1
    refused = [o for o in outcomes if o != "approved"]
    assert len(refused) == 1 and "còn lại 0 đ" in refused[0]
    db.session.expire_all()
    assert scholarships.program_usage(db.session.get(ScholarshipProgram, p.id)).awarded.amount \
        == 4_000_000


# ---------------------------------------------------------------------------------------------
# Payout through the treasury
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def funded(tree):
    """A program paying from an earmarked fund of district_a holding 10.000.000 đ."""
    from .builders import build_fund, build_voucher

    fund = build_fund(tree.district_a, code="HB-NHT", name="Quỹ học bổng Nguyễn Hữu Thọ",
                      sponsor="Công ty Cảng Sài Gòn")
    build_voucher(tree.district_a, "receipt", 10_000_000, fund=fund,
                  party_name="Công ty Cảng Sài Gòn", reason="Tài trợ học bổng")
    return build_program(tree.district_a, quotas={tree.ward_a: 3, tree.ward_b: 3}, fund=fund)


def test_program_fund_defaults_to_general_and_must_be_the_units_own(tree, db):
    from assoc.services import treasury

    from .builders import build_fund

    p = build_program(tree.district_a)
    assert p.fund.id == treasury.general_fund(tree.district_a).id
    other = build_fund(tree.ward_a)
    with pytest.raises(DomainError) as err:
        build_program(tree.district_a, fund=other)
    assert err.value.field == "fund"


def test_pay_one_voucher_per_award(tree, funded, db):
    from assoc.services import treasury

    treasurer = build_user("treasurer", tree.district_a)
    a = build_nomination(funded, tree.ward_a, status="approved", guardian_name="Lê Thị Hoa")
    b = build_nomination(funded, tree.ward_b, status="approved")
    vouchers = scholarships.pay_awards(treasurer, funded, [a, b], mode="each")
    db.session.commit()
    assert [v.amount for v in vouchers] == [2_000_000, 2_000_000]
    assert [v.display_number for v in vouchers] == [f"PC-{today().year}/0001",
                                                    f"PC-{today().year}/0002"]
    assert (a.status, a.voucher.id, a.paid_by.id) == ("paid", vouchers[0].id, treasurer.id)
    assert vouchers[0].party_name == "Lê Thị Hoa" and a.student_name in vouchers[0].reason
    assert (vouchers[0].link_type, vouchers[0].link_id) == ("award", a.id)
    assert all(v.unit_id == tree.district_a.id and v.fund_id == funded.fund_id for v in vouchers)
    assert treasury.fund_balance(funded.fund) == 6_000_000
    assert [v.id for v in treasury.vouchers_for("award", b.id)] == [vouchers[1].id]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "award.pay")).all()
    assert len(entries) == 2 and entries[0].data["voucher"] == vouchers[0].display_number


def test_pay_one_voucher_for_the_ceremony(tree, funded, db):
    from assoc.services import treasury

    noms = [build_nomination(funded, w, status="approved")
            for w in (tree.ward_a, tree.ward_a, tree.ward_b)]
    vouchers = scholarships.pay_awards(None, funded, noms, mode="ceremony")
    assert len(vouchers) == 1 and vouchers[0].amount == 6_000_000
    assert "3 suất" in vouchers[0].reason and vouchers[0].attachments == 1
    assert {n.voucher_id for n in noms} == {vouchers[0].id}
    assert treasury.fund_balance(funded.fund) == 4_000_000
    report = scholarships.program_report(funded, noms)
    assert (report.total.paid.count, report.total.paid.amount) == (3, 6_000_000)


def test_paying_unapproved_or_already_paid_is_refused(tree, funded, db):
    from assoc.services import treasury

    submitted = build_nomination(funded, tree.ward_a)
    approved = build_nomination(funded, tree.ward_a, status="approved")
    with pytest.raises(DomainError, match="chưa được duyệt"):
        scholarships.pay_awards(None, funded, [approved, submitted])
    assert approved.status == "approved"  # all or nothing
    scholarships.pay_awards(None, funded, [approved])
    with pytest.raises(DomainError, match="đã được chi"):
        scholarships.pay_awards(None, funded, [approved])
    assert treasury.fund_balance(funded.fund) == 8_000_000


def test_a_voided_payment_makes_the_award_payable_again(tree, funded, db):
    from assoc.services import treasury

    n = build_nomination(funded, tree.ward_a, status="approved")
    (first,) = scholarships.pay_awards(None, funded, [n])
    treasury.void_voucher(None, first, "Ghi sai tên người nhận")
    assert not n.is_paid
    (second,) = scholarships.pay_awards(None, funded, [n])
    assert n.voucher_id == second.id and second.number == first.number + 1
    assert treasury.fund_balance(funded.fund) == 8_000_000


def test_payment_cannot_overdraw_the_fund(tree, db):
    from .builders import build_fund

    fund = build_fund(tree.district_a, code="HB-0")
    p = build_program(tree.district_a, quotas={tree.ward_a: 3}, fund=fund)
    n = build_nomination(p, tree.ward_a, status="approved")
    with pytest.raises(DomainError, match="hiện có 0 đ; các suất này cần 2.000.000 đ"):
        scholarships.pay_awards(None, p, [n])
    assert n.status == "approved" and n.voucher_id is None
