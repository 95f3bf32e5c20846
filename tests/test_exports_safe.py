"""Every .xlsx and .csv export goes through the one safe-cell helper: user text that would start
a formula ("=HYPERLINK(...)", "+1", "@SUM", "-…", tab/CR first) is stored as text in .xlsx (no
formula anywhere in the file, the cell flagged with Excel's quote prefix) and gets a leading
apostrophe in .csv."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assoc.exports import FORMULA_PREFIXES, csv_bytes, workbook_bytes, xlsx_cell
from assoc.models import today
from assoc.services import events as ev
from assoc.services import imports, treasury
from assoc.services import officers as off

from .builders import (
    build_base_salaries,
    build_donor,
    build_event,
    build_member,
    build_nomination,
    build_officer,
    build_program,
    build_rule,
    build_unit,
    build_user,
)

LINK = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'
PLUS = "+1 (chuyển khoản)"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3 nợ"
TAB = "\t=1+1"
PAYLOADS = [LINK, PLUS, AT, MINUS]


def xlsx_cells(data: bytes):
    """Every (sheet, cell) of a workbook, after checking that the file holds no formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def assert_safe_xlsx(data: bytes, expected: list[str]) -> None:
    risky = [c for c in xlsx_cells(data) if isinstance(c.value, str)
             and c.value.startswith(FORMULA_PREFIXES)]
    for cell in risky:
        assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
    texts = " ".join(c.value for c in risky)
    for payload in expected:
        assert payload[:4].lower() in texts.lower(), (payload, texts)


@pytest.fixture
def chair(tree):
    return build_user("admin", tree.city)


def _get(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.data


def members_data(tree):
    build_member(tree.ward_a, LINK, address=PLUS, occupation=AT, notes=MINUS)
    return [LINK, PLUS, AT, MINUS]


def export_members_xlsx(client, tree, db):
    expected = members_data(tree)
    return _get(client, f"/members/unit/{tree.ward_a.id}/export.xlsx"), expected


def export_event_report(client, tree, db):
    event = build_event(tree.ward_a, title=LINK, place=PLUS)
    donor = build_donor(tree.ward_a, AT)
    ev.record_donation(None, tree.ward_a, method="in_kind", donor=donor, event=event,
                       items=MINUS, quantity=1, estimated_value=10_000)
    db.session.commit()
    return _get(client, f"/events/{event.id}/report.xlsx"), [LINK, PLUS, AT, MINUS]


def export_cash_book(client, tree, db):
    voucher = treasury.issue_voucher(None, tree.ward_a, kind="receipt", amount=100_000,
                                     party_name=PLUS, reason=LINK)
    db.session.commit()
    return _get(client, f"/funds/{voucher.fund_id}/cashbook?format=xlsx&method=all"), [LINK]


def export_recipients(client, tree, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 5})
    build_nomination(program, tree.ward_a, status="approved", school=LINK, grade="+1")
    return _get(client, f"/scholarships/programs/{program.id}/recipients.xlsx"), [LINK]


def _sheet(tree, db):
    build_base_salaries()
    build_rule(tree.ward_a, "chair", coefficient=1000)
    build_officer(tree.ward_a, AT, ("chair", date(2020, 1, 1)))
    sheet = off.create_sheet(None, tree.ward_a, year=2025, month=11)
    off.adjust_line(None, sheet.lines[0], adjustment=1000, reason=LINK)
    db.session.commit()
    return sheet


def export_remuneration_sheet(client, tree, db):
    sheet = _sheet(tree, db)
    return _get(client, f"/officers/sheets/{sheet.id}.xlsx"), [LINK, AT]


def export_officer_reports(client, tree, db):
    sheet = _sheet(tree, db)
    off.lock_sheet(None, sheet)
    db.session.commit()
    return _get(client, f"/officers/units/{tree.ward_a.id}/reports.xlsx?year=2025"), []


def export_period_report(client, tree, db):
    build_unit("branch_x", tree.ward_a, display_name=LINK)
    db.session.commit()
    return _get(client, f"/units/{tree.ward_a.id}/report.xlsx"), [LINK]


def export_rejected_rows(client, tree, db):
    rows = "Họ và tên,Năm sinh,Điện thoại\n" + f'"{LINK}",abc,{PLUS}\nNguyễn Văn A,1970,0903123456\n'
    token = imports.save_upload(client.user, tree.ward_a, rows.encode(), "ds.csv")
    return _get(client, f"/members/import/{token}/rejected.xlsx"), [LINK]


def export_unit_zip(client, tree, db):
    expected = members_data(tree)
    build_event(tree.ward_a, title=MINUS)
    treasury.issue_voucher(None, tree.ward_a, kind="receipt", amount=1_000, party_name=AT,
                           reason=LINK)
    treasury.create_fund(None, tree.ward_a, code="X", name=PLUS)
    db.session.commit()
    data = _get(client, f"/units/{tree.ward_a.id}/data.zip")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = sorted(z.namelist())
        assert names == ["hoi-vien.xlsx", "phieu-thu-chi.xlsx", "quy.xlsx", "su-kien.xlsx"]
        for name in names:
            assert_safe_xlsx(z.read(name), [])
    return None, expected


def export_learning_register(client, tree, db):
    from .builders_learning import build_entry

    build_entry(tree.ward_a, LINK, model="community", address=PLUS, commitment=AT,
                year=today().year)
    return _get(client, f"/learning/units/{tree.ward_a.id}/export.xlsx"), [LINK, PLUS, AT]


def export_learning_rates(client, tree, db):
    build_unit("branch_x", tree.ward_a, display_name=LINK)
    db.session.commit()
    return _get(client, f"/learning/units/{tree.ward_a.id}/rates.xlsx"), [LINK]


def export_periodic_report(client, tree, db):
    from assoc.services import periodic

    from .builders import build_periodic_template

    template = build_periodic_template(tree.city, title=LINK)
    report = periodic.start_report(None, template, tree.ward_a)
    db.session.commit()
    return _get(client, f"/periodic/reports/{report.id}.xlsx"), [LINK]


def _job_download(client, url) -> bytes:
    from assoc import jobs

    response = client.post(url, data={"status": "all"})
    assert response.status_code == 302 and "/jobs/" in response.location, response.status_code
    jobs.wait_for_threads()
    return _get(client, response.location.rstrip("/") + "/download")


def export_members_xlsx_by_job(client, tree, db):
    expected = members_data(tree)
    return _job_download(client, f"/members/unit/{tree.ward_a.id}/export.xlsx/prepare"), expected


XLSX_EXPORTS = [export_members_xlsx, export_members_xlsx_by_job, export_periodic_report, export_event_report, export_cash_book, export_recipients,
                export_remuneration_sheet, export_officer_reports, export_period_report,
                export_rejected_rows, export_unit_zip, export_learning_register,
                export_learning_rates]


@pytest.mark.parametrize("export", XLSX_EXPORTS, ids=lambda f: f.__name__)
def test_every_xlsx_export_stores_formula_text_as_text(client, login, tree, db, chair, export):
    login(chair)
    client.user = chair
    data, expected = export(client, tree, db)
    if data is not None:
        assert_safe_xlsx(data, expected)


def test_member_csv_gets_an_apostrophe(client, login, tree, db, chair):
    login(chair)
    members_data(tree)
    body = _get(client, f"/members/unit/{tree.ward_a.id}/export.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    cells = [c for row in rows for c in row]
    for payload in PAYLOADS:
        assert any(c.startswith("'" + payload[:3]) for c in cells), payload
    assert not [c for c in cells if c.startswith(FORMULA_PREFIXES)]


def test_member_csv_prepared_by_a_job_gets_an_apostrophe(client, login, tree, db, chair):
    login(chair)
    members_data(tree)
    body = _job_download(client, f"/members/unit/{tree.ward_a.id}/export.csv/prepare")
    cells = [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for c in row]
    for payload in PAYLOADS:
        assert any(c.startswith("'" + payload[:3]) for c in cells), payload
    assert not [c for c in cells if c.startswith(FORMULA_PREFIXES)]


def test_helper_covers_tab_and_carriage_return_and_control_characters():
    from openpyxl import Workbook

    assert csv_bytes([[TAB, "\r=2", "a\x00b", 5, None]]).decode("utf-8-sig") == (
        "'\t=1+1,\"'\r=2\",ab,5,\r\n")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    ws.append([xlsx_cell(ws, TAB), xlsx_cell(ws, "=1+1"), xlsx_cell(ws, "x\x01y")])
    cells = list(xlsx_cells(workbook_bytes(wb)))
    assert [c.value for c in cells] == [TAB, "=1+1", "xy"]
    assert all(c.data_type == "s" for c in cells)


def test_no_writer_bypasses_the_helper():
    """Every workbook is saved (and every CSV written) in assoc/exports.py only."""
    root = Path(__file__).resolve().parent.parent / "assoc"
    offenders = []
    for path in root.rglob("*.py"):
        if path.name in ("exports.py", "member_samples.py"):  # samples: input for the importer
            continue
        source = path.read_text()
        if re.search(r"\bcsv\.writer\(|\b(wb|workbook|book)\.save\(", source):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_a_chair_downloads_the_subtree_and_nothing_else(client, login, tree, db):
    """The zip holds the unit's sub-tree only; the download is audited; others get 403."""
    from assoc.models import AuditEntry

    chair = build_user("chair", tree.ward_a)
    build_member(tree.ward_a, "Nguyễn Văn Trong")
    build_member(tree.branch_a, "Trần Thị Nhánh")
    build_member(tree.ward_b, "Lê Văn Ngoài")
    login(chair)
    data = _get(client, f"/units/{tree.ward_a.id}/data.zip")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        wb = load_workbook(io.BytesIO(z.read("hoi-vien.xlsx")))
    names = {c.value for row in wb.active.iter_rows() for c in row}
    assert {"Nguyễn Văn Trong", "Trần Thị Nhánh"} <= names and "Lê Văn Ngoài" not in names
    entry = db.session.query(AuditEntry).filter_by(action="unit.export").one()
    assert entry.user_id == chair.id and entry.data["hoi-vien"] == 2
    assert client.get(f"/units/{tree.ward_b.id}/data.zip").status_code == 403
    assert client.get(f"/units/{tree.ward_a.id}").data.count(b"unit-data-zip") == 1
    treasurer = build_user("treasurer", tree.ward_a)
    login(treasurer)
    assert client.get(f"/units/{tree.ward_a.id}/data.zip").status_code == 403
