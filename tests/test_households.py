"""Households (issue 28): one household per ward per year across branches, on the register form
and in the import alike; an entry can be withdrawn (reason, audited) and is then counted
nowhere."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from assoc import figures
from assoc.models import AuditEntry, LearningEntry, today
from assoc.services import DomainError, learning
from assoc.services import learning_import as li
from assoc.services.reports import Period, Scope

from .builders_learning import build_criteria, build_entry

YEAR = today().year


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    yield
    app.config.pop("IMPORT_DIR", None)


def test_the_form_refuses_a_household_registered_under_another_branch(tree, db):
    build_entry(tree.branch_a, "Nguyễn Văn Lộc", address="12 Đoàn Văn Bơ", year=YEAR)
    with pytest.raises(DomainError) as e:
        build_entry(tree.board_a, "nguyễn văn lộc", address="12 Đoàn Văn Bơ", year=YEAR)
    assert tree.branch_a.name in str(e.value)
    db.session.rollback()
    with pytest.raises(DomainError):  # nor at the ward itself
        build_entry(tree.ward_a, "Nguyễn Văn Lộc", address="12 Đoàn văn Bơ", year=YEAR)
    db.session.rollback()
    # Another ward, another model or another year is another registration.
    build_entry(tree.branch_b, "Nguyễn Văn Lộc", address="12 Đoàn Văn Bơ", year=YEAR)
    build_entry(tree.board_a, "Nguyễn Văn Lộc", address="12 Đoàn Văn Bơ", year=YEAR - 1)


def test_editing_into_a_household_of_another_branch_is_refused(tree, db):
    build_entry(tree.branch_a, "Nguyễn Văn Lộc", address="12 Đoàn Văn Bơ", year=YEAR)
    other = build_entry(tree.board_a, "Trần Thị Hoa", address="25 Tôn Đản", year=YEAR)
    with pytest.raises(DomainError):
        learning.update_entry(None, other, name="Nguyễn Văn Lộc", address="12 Đoàn Văn Bơ")


def _file(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên chủ hộ", "Địa chỉ", "Số nhân khẩu", "Chi hội", "Ngày đăng ký"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_import_at_a_branch_sees_the_other_branches_of_the_ward(tree, db):
    build_entry(tree.board_a, "Nguyễn Văn Lộc", address="12 Đoàn Văn Bơ", year=YEAR)
    data = _file([[1, "Nguyễn Văn Lộc", "12 Đoàn Văn Bơ", 4, "", f"15/01/{YEAR}"],
                  [2, "Trần Thị Hoa", "25 Tôn Đản", 3, "", f"15/01/{YEAR}"]])
    preview = li.parse(data, "ds.xlsx", tree.branch_a, model="family", year=YEAR,
                       default_on=date(YEAR, 1, 10))
    dup = [r for r in preview.rows if r.duplicate_of]
    assert [r.values["name"] for r in dup] == ["Nguyễn Văn Lộc"]
    assert tree.board_a.name in dup[0].duplicate_of


def test_a_withdrawn_entry_is_counted_nowhere(tree, db, client_as):
    build_criteria("family")
    keep = build_entry(tree.branch_a, "Trần Thị Hoa", address="25 Tôn Đản", year=YEAR,
                       points=[30, 20, 30, 20])
    twice = build_entry(tree.board_a, "Nguyễn Văn Lộc", address="Tổ 5", year=YEAR,
                        points=[30, 20, 30, 20])
    assert learning.registered_counts(tree.ward_a, YEAR)["family"] == 2
    c = client_as("clerk", at=tree.ward_a)
    page = c.get(f"/learning/entries/{twice.id}").get_data(as_text=True)
    assert 'data-testid="withdraw"' in page
    refused = c.post(f"/learning/entries/{twice.id}/withdraw", data={"reason": ""})
    assert refused.status_code == 400
    r = c.post(f"/learning/entries/{twice.id}/withdraw",
               data={"reason": "Đăng ký trùng ở chi hội khác"})
    assert r.status_code == 302
    db.session.expire_all()
    entry = db.session.get(LearningEntry, twice.id)
    assert entry.withdrawn_reason == "Đăng ký trùng ở chi hội khác" and entry.withdrawn_at
    log = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "learning.withdraw"))
    assert log.object_id == twice.id and log.data["reason"] == "Đăng ký trùng ở chi hội khác"
    # Counted nowhere: registered counts, the rates, the dashboard, the candidates for a
    # decision, the register list, the periodic report's figures.
    assert learning.registered_counts(tree.ward_a, YEAR)["family"] == 1
    assert learning.dashboard_figures(tree.ward_a, YEAR).cells["family"].registered == 1
    assert [e.id for e in learning.candidates(tree.ward_a, "family", YEAR)] == [keep.id]
    listed = db.session.scalars(learning.entries_query(
        tree.ward_a, learning.EntryFilters(year=YEAR))).all()
    assert [e.id for e in listed] == [keep.id]
    withdrawn = db.session.scalars(learning.entries_query(
        tree.ward_a, learning.EntryFilters(year=YEAR, status="withdrawn"))).all()
    assert [e.id for e in withdrawn] == [twice.id]
    values = figures.compute(["learning.family.registered"], Scope(tree.ward_a),
                             Period.year(YEAR))
    assert values["learning.family.registered"] == 1
    with pytest.raises(DomainError):
        learning.recognise(None, tree.ward_a, model="family", year=YEAR, entry_ids=[twice.id],
                           number="1/QĐ", decided_on=today(), signer="A", issuing_body="B")
    db.session.rollback()
    with pytest.raises(DomainError):
        learning.update_entry(None, db.session.get(LearningEntry, twice.id), name="Khác")
    db.session.rollback()
    with pytest.raises(DomainError):  # once only
        learning.withdraw_entry(None, db.session.get(LearningEntry, twice.id), "Lần nữa")
    db.session.rollback()
    # The household can now be registered where it belongs.
    build_entry(tree.branch_a, "Nguyễn Văn Lộc", address="Tổ 5", year=YEAR)
    assert learning.registered_counts(tree.ward_a, YEAR)["family"] == 2


def test_a_recognised_entry_cannot_be_withdrawn(tree, db):
    build_criteria("family")
    e = build_entry(tree.ward_a, "Trần Thị Hoa", year=YEAR, points=[30, 20, 30, 20])
    learning.recognise(None, tree.ward_a, model="family", year=YEAR, entry_ids=[e.id],
                       number="1/QĐ", decided_on=date(YEAR, 1, 1) if today().month == 1
                       else today(), signer="A", issuing_body="B")
    with pytest.raises(DomainError):
        learning.withdraw_entry(None, e, "Nhầm")
