"""Periodic reports (services): who reports to whom, prefilled figures from the roll-ups,
corrections with reasons, the optimistic version check, review, compilation, versions."""

from datetime import date

import pytest

from assoc.models import today
from assoc.services import DomainError, reports
from assoc.services import periodic as svc
from assoc.services.reports import Period, Scope

from .builders import build_member, build_periodic_template, build_unit, build_user, build_voucher

YEAR = today().year


@pytest.fixture
def template(tree):
    return build_periodic_template(tree.city, year=YEAR)


@pytest.fixture
def chair_a(tree):
    return build_user("chair", tree.ward_a)


def write_texts(report):
    return {s["key"]: f"Nội dung {s['title']}" for s in report.template.sections
            if s["kind"] == "text"}


def submitted(report, actor, db, **figures):
    svc.save_draft(actor, report, revision=report.revision, texts=write_texts(report),
                   figures={k: svc.FigureInput(*v) for k, v in figures.items()})
    svc.submit(actor, report)
    db.session.commit()
    return report


def test_each_unit_reports_to_the_nearest_reporting_unit_above(tree, template):
    assert {u.id for u in svc.participants(template)} == {
        tree.district_a.id, tree.district_b.id, tree.ward_a.id, tree.ward_b.id, tree.ward_c.id}
    assert svc.receiving_unit(template, tree.ward_a) == tree.district_a
    assert svc.receiving_unit(template, tree.district_a) == tree.city
    assert svc.receiving_unit(template, tree.city) is None
    assert svc.reporting_below(template, tree.district_a) == [tree.ward_a, tree.ward_b]
    communes_only = build_periodic_template(tree.city, year=YEAR, levels=("commune",))
    assert svc.receiving_unit(communes_only, tree.ward_a) == tree.city


def test_ready_made_templates_hold_the_usual_sections(tree, template):
    six = build_periodic_template(tree.city, kind="six_month", year=YEAR)
    assert (six.period_start, six.period_end) == (date(YEAR, 1, 1), date(YEAR, 6, 30))
    assert (template.period_end, template.due_date) == (date(YEAR, 12, 31), date(YEAR + 1, 1, 15))
    groups = [s["group"] for s in template.sections if s["kind"] == "figures"]
    assert groups == list(svc.CATALOGUE)
    required = {s["key"] for s in template.sections if s["kind"] == "text" and s["required"]}
    assert required == {"achievements", "limits", "tasks"}


@pytest.mark.parametrize("changes, field", [
    ({"period_start": date(YEAR, 1, 15)}, "period_start"),
    ({"period_end": date(YEAR - 1, 1, 31)}, "period_end"),
    ({"levels": []}, "levels"),
    ({"title": "  "}, "title"),
])
def test_template_bad_input(tree, changes, field):
    with pytest.raises(DomainError) as e:
        build_periodic_template(tree.city, year=YEAR, **changes)
    assert e.value.field == field


def test_only_a_province_or_national_unit_defines_templates(tree):
    with pytest.raises(DomainError):
        build_periodic_template(tree.district_a, year=YEAR)


def test_the_report_is_prefilled_from_the_roll_ups(tree, template, chair_a, db):
    build_member(tree.ward_a, "Nguyễn Thị Thu", joined_on=date(YEAR, 3, 1))
    build_member(tree.branch_a, "Trần Văn Bình", joined_on=date(2020, 3, 1))
    build_voucher(tree.ward_a, "receipt", 5_000_000)
    report = svc.start_report(chair_a, template, tree.ward_a)
    db.session.commit()
    values = {f.key: f.computed for f in report.figures}
    period = Period(template.period_start, template.period_end)
    expected = reports.member_figures(Scope(tree.ward_a), period)
    assert (values["members.total"], values["members.new"]) == (expected.total, expected.new)
    assert values["members.total"] == 2
    assert values["money.in"] == reports.money_figures(Scope(tree.ward_a), period).money_in
    assert values["coverage.units"] == 2  # branch_a and board_a
    build_user("chair", tree.branch_a)
    svc.refresh_figures(chair_a, report, report.revision)
    assert svc.percent_note(svc.row_of("coverage.with_chair"), report) == " (50%)"
    assert svc.percent_note(svc.row_of("members.total"), report) == ""
    assert report.status == "draft"
    with pytest.raises(DomainError):
        svc.start_report(chair_a, template, tree.ward_a)


def test_a_correction_needs_a_reason_and_keeps_both_numbers(tree, template, chair_a, db):
    build_member(tree.ward_a)
    report = svc.start_report(chair_a, template, tree.ward_a)
    db.session.commit()
    with pytest.raises(DomainError) as e:
        svc.save_draft(chair_a, report, revision=report.revision, texts={},
                       figures={"members.total": svc.FigureInput("12", "")})
    assert e.value.field == "why-members.total"
    db.session.rollback()
    svc.save_draft(chair_a, report, revision=report.revision, texts={},
                   figures={"members.total": svc.FigureInput("12", "Hội viên chưa nhập máy")})
    db.session.commit()
    figure = next(f for f in report.figures if f.key == "members.total")
    assert (figure.computed, figure.reported, figure.value) == (1, 12, 12)
    assert figure.corrected and figure.reason == "Hội viên chưa nhập máy"


def test_submitting_needs_the_required_sections(tree, template, chair_a, db):
    report = svc.start_report(chair_a, template, tree.ward_a)
    svc.save_draft(chair_a, report, revision=report.revision, figures={},
                   texts={"achievements": "Đã làm được nhiều việc"})
    with pytest.raises(DomainError, match="Hạn chế và nguyên nhân"):
        svc.submit(chair_a, report)
    db.session.rollback()
    assert report.status == "draft"


def test_a_submitted_report_is_locked(tree, template, chair_a, db):
    report = submitted(svc.start_report(chair_a, template, tree.ward_a), chair_a, db)
    assert report.status == "submitted"
    with pytest.raises(DomainError):
        svc.save_draft(chair_a, report, revision=report.revision, figures={}, texts={})


def test_the_second_of_two_saves_from_the_same_revision_is_refused(tree, template, chair_a, db):
    report = svc.start_report(chair_a, template, tree.ward_a)
    db.session.commit()
    opened = report.revision
    svc.save_draft(chair_a, report, revision=opened, figures={},
                   texts={"achievements": "Bản của chị Thu"})
    db.session.commit()
    with pytest.raises(DomainError) as e:
        svc.save_draft(chair_a, report, revision=opened, figures={},
                       texts={"achievements": "Bản của anh Bình"})
    assert e.value.field == "revision"
    db.session.rollback()
    assert report.texts["achievements"] == "Bản của chị Thu"


def test_return_reopens_and_accept_is_final(tree, template, chair_a, db):
    reviewer = build_user("approver", tree.district_a)
    report = submitted(svc.start_report(chair_a, template, tree.ward_a), chair_a, db)
    with pytest.raises(DomainError):
        svc.return_report(reviewer, report, "")
    svc.return_report(reviewer, report, "Bổ sung số liệu học bổng")
    assert report.editable and report.review_comment == "Bổ sung số liệu học bổng"
    submitted(report, chair_a, db)
    svc.accept(reviewer, report)
    db.session.commit()
    assert report.status == "accepted" and not report.editable
    with pytest.raises(DomainError):
        svc.accept(reviewer, report)
    with pytest.raises(DomainError):
        svc.return_report(reviewer, report, "Muộn rồi")


def test_an_accepted_report_keeps_its_figures_and_is_corrected_in_a_new_version(
        tree, template, chair_a, db):
    build_member(tree.ward_a)
    reviewer = build_user("chair", tree.district_a)
    report = submitted(svc.start_report(chair_a, template, tree.ward_a), chair_a, db)
    svc.accept(reviewer, report)
    db.session.commit()
    build_member(tree.ward_a, "Lê Hoàng Cường")  # the records change afterwards
    assert next(f.value for f in report.figures if f.key == "members.total") == 1
    copy = svc.new_version(chair_a, report)
    db.session.commit()
    assert (copy.version, copy.status, report.status) == (2, "draft", "accepted")
    svc.refresh_figures(chair_a, copy, copy.revision)
    assert next(f.computed for f in copy.figures if f.key == "members.total") == 2
    assert svc.accepted_reports(template, [tree.ward_a])[tree.ward_a.id] == report


def test_the_compiled_report_adds_up_accepted_reports_and_names_the_missing(
        tree, template, chair_a, db):
    build_member(tree.ward_a, "Nguyễn Thị Thu")
    build_member(tree.ward_a, "Trần Văn Bình")
    build_member(tree.ward_b, "Lê Văn Tư")             # ward_b never reports
    build_member(tree.district_a, "Phạm Đức Hải")       # the district's own member
    reviewer = build_user("chair", tree.district_a)
    report = submitted(svc.start_report(chair_a, template, tree.ward_a), chair_a, db,
                       **{"members.total": ("3", "Một hội viên chưa nhập")})
    svc.accept(reviewer, report)
    compiled = svc.start_report(reviewer, template, tree.district_a)
    db.session.commit()
    values = {f.key: f.computed for f in compiled.figures}
    assert values["members.total"] == 3 + 1  # ward_a as reported + the district's own
    assert compiled.missing == [{"id": tree.ward_b.id, "name": tree.ward_b.name}]
    rows, columns = svc.compiled_table(compiled)
    assert [name for name, _v in columns][:2] == [tree.ward_a.name, tree.ward_b.name]
    assert len(columns) == 4  # the units below, the district's own figures, the total
    assert columns[0][1]["members.total"] == 3 and columns[1][1] is None
    assert columns[2][1]["members.total"] == 1 and columns[3][1]["members.total"] == 4


def test_board_status_and_late_list(tree, template, chair_a, db):
    late_template = build_periodic_template(tree.city, year=YEAR, title="Báo cáo quá hạn",
                                            period_start=date(YEAR - 1, 1, 1),
                                            period_end=date(YEAR - 1, 12, 31),
                                            due_date=date(YEAR - 1, 12, 31))
    report = submitted(svc.start_report(chair_a, late_template, tree.ward_a), chair_a, db)
    rows = {r.unit.id: r for r in svc.board(late_template, tree.district_a)}
    assert rows[tree.ward_a.id].status == "submitted" and not rows[tree.ward_a.id].late
    assert rows[tree.ward_b.id].status == "not_started" and rows[tree.ward_b.id].late
    assert rows[tree.ward_b.id].chairs == []
    build_user("chair", tree.ward_b, full_name="Võ Thị Lan")
    assert svc.board(late_template, tree.district_a)[1].chairs[0]["name"] == "Võ Thị Lan"
    assert report.submitted_at is not None


def test_attachments_only_pdf_or_images_within_the_limit(tree, template, chair_a, db, tmp_path):
    report = svc.start_report(chair_a, template, tree.ward_a)
    with pytest.raises(DomainError, match="PDF"):
        svc.add_attachment(chair_a, report, filename="x.exe", data=b"MZ\x90\x00",
                           folder=tmp_path, limit=1000)
    with pytest.raises(DomainError, match="MB"):
        svc.add_attachment(chair_a, report, filename="big.pdf", data=b"%PDF-" + b"0" * 2000,
                           folder=tmp_path, limit=1000)
    item = svc.add_attachment(chair_a, report, filename="../../bien ban.pdf.html",
                              data=b"%PDF-1.4 ...", folder=tmp_path, limit=1000)
    assert item.filename == "bien ban.pdf.pdf" and item.content_type == "application/pdf"
    assert (tmp_path / item.stored_name).read_bytes() == b"%PDF-1.4 ..."
    assert "/" not in item.stored_name


def test_a_unit_outside_the_template_cannot_start_a_report(tree, template, chair_a):
    other = build_unit("province_x")
    with pytest.raises(DomainError):
        svc.start_report(chair_a, template, other)
    with pytest.raises(DomainError):
        svc.start_report(chair_a, template, tree.branch_a)  # branches do not report here


def test_a_compiled_report_travels_up_the_same_way(tree, template, chair_a, db):
    build_member(tree.ward_a, "Nguyễn Thị Thu")
    build_member(tree.ward_c, "Mai Văn Minh")
    district_chair = build_user("chair", tree.district_a)
    city_chair = build_user("chair", tree.city)
    ward = submitted(svc.start_report(chair_a, template, tree.ward_a), chair_a, db)
    svc.accept(district_chair, ward)
    district = submitted(svc.start_report(district_chair, template, tree.district_a),
                         district_chair, db)
    assert district.status == "submitted"
    assert [m["name"] for m in district.missing] == [tree.ward_b.name]
    svc.accept(city_chair, district)
    city = svc.start_report(city_chair, template, tree.city)
    db.session.commit()
    values = {f.key: f.computed for f in city.figures}
    # district_a's accepted compiled report (ward_a's member); district_b has not reported,
    # so its member (ward_c) is not counted and district_b is named as missing
    assert values["members.total"] == 1
    assert [m["name"] for m in city.missing] == [tree.district_b.name]
    svc.save_draft(city_chair, city, revision=city.revision, figures={},
                   texts=write_texts(city))
    svc.submit(city_chair, city)  # nobody above the template's unit: final at once
    assert city.status == "accepted"


def test_editing_a_template_keeps_its_period_once_reports_exist(tree, template, chair_a, db):
    svc.start_report(chair_a, template, tree.ward_a)
    values = svc.preset_values("year_end", tree.city, YEAR)
    values.update(levels=["district", "commune"], due_date=date(YEAR + 1, 1, 20),
                  groups=["members"])
    svc.update_template(None, template, **values)
    assert template.due_date == date(YEAR + 1, 1, 20)
    assert [s["group"] for s in template.sections if s["kind"] == "figures"] == ["members"]
    values["period_start"] = date(YEAR, 7, 1)
    with pytest.raises(DomainError):
        svc.update_template(None, template, **values)


def test_the_national_level_asks_the_provinces(db):
    from .builders import build_tree

    world = build_tree("national>province_a,province_b>ward_x")
    template = build_periodic_template(world.national, year=YEAR, levels=("province",))
    assert svc.participants(template) == [world.province_a, world.province_b]
    with pytest.raises(DomainError):  # a province cannot ask other provinces
        build_periodic_template(world.province_a, year=YEAR, levels=("province",))
