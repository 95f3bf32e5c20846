"""Issued means frozen (issue 28): a voucher's copy reproduces its original whatever changes
after issue (the unit's regime, word style, "chẵn", signer names, the unit's and the maker's
names) except the "BẢN SAO" mark and its print number."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from assoc import create_app
from assoc.config import TestConfig
from assoc.extensions import db as _db
from assoc.models import Voucher
from assoc.services import treasury

from .builders import build_voucher
from .dbsetup import TestDatabase


def _pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True,
                         check=True)
    return out.stdout.decode()


def _without_copy_mark(text_: str) -> str:
    text_ = text_.replace("BẢN SAO", "")
    text_ = re.sub(r"In lần \d+", "In lần #", text_)
    return re.sub(r"\s+", " ", text_).strip()


def _change_everything(tree, db, c):
    treasury.update_settings(None, tree.ward_a, form_series="bb", word_style="regional",
                             chan=True, head_name="Phạm Văn Mới", accountant_name="Đỗ Thị Khác",
                             cashier_name="Hồ Văn Thay", legal_basis="")
    tree.ward_a.name = "Hội Khuyến học phường Đổi Tên"
    tree.ward_a.address = "99 đường Khác"
    c.user.full_name = "Tên Người Lập Đã Đổi"
    db.session.commit()


@pytest.mark.parametrize("kind", ["receipt", "payment"])
def test_a_copy_reproduces_its_original_after_the_settings_change(tree, client_as, db, kind):
    treasury.update_settings(None, tree.ward_a, form_series="tt", word_style="standard",
                             chan=False, head_name="Nguyễn Thị Thu", accountant_name="Lê Văn Kế",
                             cashier_name="Trần Thị Quỹ")
    db.session.commit()
    c = client_as("treasurer", at=tree.ward_a)
    if kind == "payment":
        build_voucher(tree.ward_a, "receipt", 5_000_000)
    v = build_voucher(tree.ward_a, kind, 1_050_000, party_name="Lê Văn Sáu", actor=c.user)
    original = _pdf_text(c.post(f"/vouchers/{v.id}/print", data={"copies": "2"}).data)
    assert "Mẫu số 01-TT" in original or "Mẫu số 02-TT" in original
    assert "99/2025/TT-BTC" in original and "Chủ tịch" in original
    assert "Một triệu không trăm năm mươi nghìn đồng" in original
    assert "Tên Người Lập Đã Đổi" not in original

    _change_everything(tree, db, c)
    copy = _pdf_text(c.post(f"/vouchers/{v.id}/print", data={"copies": "2"}).data)
    assert "BẢN SAO" in copy and "In lần 2" in copy
    assert _without_copy_mark(copy) == _without_copy_mark(original)
    preview = _pdf_text(c.get(f"/vouchers/{v.id}/pdf?copies=2").data)
    assert _without_copy_mark(preview) == _without_copy_mark(original)

    # What is issued after the change follows the new settings.
    later = build_voucher(tree.ward_a, "receipt", 1_050_000, actor=c.user)
    new = _pdf_text(c.post(f"/vouchers/{later.id}/print").data)
    for expected in ("Mẫu số C40-BB", "107/2017/TT-BTC", "Thủ trưởng đơn vị", "Phạm Văn Mới",
                     "ngàn đồng chẵn", "Hội Khuyến học phường Đổi Tên", "Tên Người Lập Đã Đổi"):
        assert expected in re.sub(r"\s+", " ", new), expected


def test_the_paper_is_frozen_at_issue(tree, db):
    treasury.update_settings(None, tree.ward_a, head_name="Nguyễn Thị Thu", word_style="regional",
                             chan=True)
    v = build_voucher(tree.ward_a, "receipt", 2_000_000)
    paper = db.session.get(Voucher, v.id).paper
    assert paper["names"]["head"] == "Nguyễn Thị Thu"
    assert paper["amount_words"] == "Hai triệu đồng chẵn"
    assert paper["form_code"] == "Mẫu số 01-TT" and paper["unit_name"] == tree.ward_a.name


@pytest.fixture
def empty_database(tmp_path):
    database = TestDatabase(tmp_path)
    if database.is_pg:
        database.schema = "m_" + database.schema
    database.create()
    yield database
    database.drop()


def test_the_migration_freezes_vouchers_issued_before_it(empty_database):
    """0029 fills the paper of existing vouchers from the unit's settings as they stand."""
    config = TestConfig()
    for key, value in empty_database.config().items():
        setattr(config, key, value)
    app = create_app(config)
    with app.app_context():
        upgrade(revision="0026_voucher_pairs")
        s = _db.session
        s.execute(text(
            "INSERT INTO unit (id, parent_id, level, code, name, search_key, path, address, "
            "phone, email, valid_from, closed_reason, created_at) VALUES (1, NULL, 'commune', "
            "'P1', 'Phường Một', 'phuong mot', '/1/', '12 Lê Lợi', '', '', '2020-01-01', '', "
            "'2020-01-01 00:00:00')"))
        s.execute(text(
            "INSERT INTO treasury_setting (id, unit_id, form_series, word_style, chan, head_name, "
            "accountant_name, cashier_name, legal_basis, updated_at) VALUES (1, 1, 'bb', "
            "'regional', :t, 'Chủ Tịch A', 'Kế Toán B', 'Thủ Quỹ C', '', "
            "'2026-01-01 00:00:00')"), {"t": True})
        s.execute(text(
            "INSERT INTO fund (id, unit_id, code, name, search_key, kind, sponsor, active, created_at) "
            "VALUES (1, 1, 'KH', 'Quỹ khuyến học', 'quy khuyen hoc', 'general', '', :t, "
            "'2020-01-01 00:00:00')"),
            {"t": True})
        s.execute(text(
            "INSERT INTO voucher_book (id, unit_id, kind, year, code, next_number) "
            "VALUES (1, 1, 'payment', 2026, 'PC-2026', 2)"))
        s.execute(text(
            "INSERT INTO voucher (id, book_id, number, unit_id, fund_id, kind, voucher_date, "
            "party_name, search_key, party_address, reason, amount, method, attachments, "
            "public_token, status, void_reason, print_count, created_at) VALUES (1, 1, 1, 1, 1, "
            "'payment', '2026-02-03', 'Lê Văn Sáu', 'le van sau', '', 'Chi', 1050000, 'cash', 0, "
            "'tok', 'valid', '', 1, '2026-02-03 00:00:00')"))
        s.commit()
        upgrade(revision="0029_frozen_papers")
        paper = s.get(Voucher, 1).paper
        assert paper["form_code"] == "Mẫu số C41-BB" and "107/2017" in paper["basis"]
        assert paper["names"] == {"head": "Chủ Tịch A", "accountant": "Kế Toán B",
                                  "cashier": "Thủ Quỹ C", "maker": ""}
        assert paper["amount_words"] == "Một triệu không trăm năm mươi ngàn đồng chẵn"
        assert paper["unit_name"] == "Phường Một" and paper["unit_address"] == "12 Lê Lợi"
        s.remove()
        _db.engine.dispose()


# ---------------------------------------------------------------------------------------------
# Certificates and accepted periodic reports
# ---------------------------------------------------------------------------------------------


def test_certificates_print_the_names_as_they_were_at_the_decision(tree, db, client_as):
    from datetime import date as _date

    from assoc.models import today
    from assoc.services import learning

    from .builders_learning import build_criteria, build_entry

    year = today().year
    build_criteria("family")
    entry = build_entry(tree.branch_a, "Nguyễn Văn Lộc", year=year, points=[30, 20, 30, 20])
    tree.ward_a.address = "12 Lê Lợi, Phường Bến Thành"
    db.session.commit()
    decision = learning.recognise(None, tree.ward_a, model="family", year=year,
                                  entry_ids=[entry.id], number="15/QĐ-KH",
                                  decided_on=_date(year, 1, 1) if today().month == 1
                                  else today(), signer="Nguyễn Thị Thu",
                                  issuing_body="Hội Khuyến học Phường A")
    db.session.commit()
    c = client_as("viewer", at=tree.ward_a)
    url = f"/learning/recognitions/{decision.id}/certificates.pdf"
    before = _pdf_text(c.get(url).data)
    assert tree.branch_a.name in before and "Phường Bến Thành" in before
    old_branch = tree.branch_a.name
    tree.branch_a.name = "Chi hội Đổi Tên Hẳn"
    tree.district_a.name = "Quận Đổi Tên Hẳn"
    tree.ward_a.address = "1 Nơi Khác, Xã Mới"
    db.session.commit()
    after = _pdf_text(c.get(url).data)
    assert after == before and old_branch in after and "Đổi Tên Hẳn" not in after


def test_an_accepted_report_prints_as_it_was_accepted(tree, db, client_as):
    from assoc.models import today
    from assoc.services import periodic as svc

    from .builders import build_member, build_periodic_template, build_user

    template = build_periodic_template(tree.city, year=today().year)
    chair_a = build_user("chair", tree.ward_a)
    district_chair = build_user("chair", tree.district_a)
    city_chair = build_user("chair", tree.city)
    build_member(tree.ward_a, "Nguyễn Thị Thu")

    def submit(report, actor, **figures):
        texts = {s["key"]: f"Nội dung {s['title']}" for s in report.template.sections
                 if s["kind"] == "text"}
        svc.save_draft(actor, report, revision=report.revision, texts=texts,
                       figures={k: svc.FigureInput(*v) for k, v in figures.items()})
        svc.submit(actor, report)
        db.session.commit()
        return report

    ward = submit(svc.start_report(chair_a, template, tree.ward_a), chair_a)
    svc.accept(district_chair, ward)
    db.session.commit()
    district = submit(svc.start_report(district_chair, template, tree.district_a),
                      district_chair)
    svc.accept(city_chair, district)
    db.session.commit()
    c = client_as("viewer", at=tree.city)
    before = _pdf_text(c.get(f"/periodic/reports/{district.id}.pdf").data)
    assert tree.ward_a.name in " ".join(before.split())  # (a column header may wrap)

    # Later: the ward corrects its report (a new version, accepted), units are renamed.
    correction = svc.new_version(chair_a, ward)
    db.session.commit()
    submit(correction, chair_a, **{"members.total": ("7", "Thêm hội viên mới nhập")})
    svc.accept(district_chair, correction)
    tree.ward_a.name = "Phường Đổi Tên Hẳn"
    tree.district_a.name = "Quận Đổi Tên Hẳn"
    tree.city.name = "Thành phố Đổi Tên Hẳn"
    db.session.commit()
    after = _pdf_text(c.get(f"/periodic/reports/{district.id}.pdf").data)
    assert after == before and "Đổi Tên Hẳn" not in after


def test_a_donation_s_papers_keep_the_names_they_were_issued_with(tree, db, client_as):
    """The in-kind acknowledgement and the thank-you letter: a later correction of the donor
    register (or a renamed unit or event) does not change them."""
    from assoc.services import events

    from .builders import build_donor, build_event

    donor = build_donor(tree.ward_a, "Nhà sách Phương Nam", kind="organisation",
                        address="5 Trần Hưng Đạo")
    event = build_event(tree.ward_a)
    gift = events.record_donation(None, tree.ward_a, method="in_kind", donor=donor, event=event,
                                  items="Truyện thiếu nhi", quantity=300,
                                  estimated_value=9_000_000)
    db.session.commit()
    c = client_as("clerk", at=tree.ward_a)
    urls = [f"/events/donations/{gift.id}/acknowledgement.pdf",
            f"/events/donations/{gift.id}/thank-you.pdf"]
    before = [_pdf_text(c.get(u).data) for u in urls]
    assert "Nhà sách Phương Nam" in before[0] and "5 Trần Hưng Đạo" in before[0]
    events.update_donor_details(None, donor, {"name": "Công ty Sách Đổi Tên",
                                              "address": "9 Nơi Khác"})
    tree.ward_a.name = "Phường Đổi Tên Hẳn"
    event.title = "Sự kiện Đổi Tên Hẳn"
    db.session.commit()
    after = [_pdf_text(c.get(u).data) for u in urls]
    assert after == before
