"""Periodic reports through the web: the permission table of every route, bad input that keeps
what was typed, the optimistic check in the form, attachments served safely, exports."""

import io
import subprocess
import zipfile

import pytest

from assoc.models import PeriodicReport, today
from assoc.services import periodic as svc

from .builders import build_member, build_periodic_template, build_user

YEAR = today().year


@pytest.fixture
def template(tree):
    return build_periodic_template(tree.city, year=YEAR)


@pytest.fixture
def report(tree, template, db):
    """ward_a's report, started by its chair."""
    build_member(tree.ward_a, "Nguyễn Thị Thu")
    chair = build_user("chair", tree.ward_a)
    report = svc.start_report(chair, template, tree.ward_a)
    db.session.commit()
    return report


def texts(report, **overrides):
    data = {f"text-{s['key']}": f"Nội dung {s['title']}" for s in report.template.sections
            if s["kind"] == "text"}
    data.update(overrides)
    return data


def submit_as_ward(report, db):
    chair = build_user("chair", report.unit)
    svc.save_draft(chair, report, revision=report.revision, figures={},
                   texts={k[5:]: v for k, v in texts(report).items()})
    svc.submit(chair, report)
    db.session.commit()


# Who may do what, seen from ward_a's report (receiving level: district_a).
# role, where the role is held, action, allowed
PERMISSIONS = [
    ("chair", "own", "view", True), ("chair", "own", "edit", True),
    ("chair", "own", "submit", True), ("chair", "own", "accept", False),
    ("clerk", "own", "view", True), ("clerk", "own", "edit", False),
    ("clerk", "own", "submit", False),
    ("viewer", "parent", "view", True), ("viewer", "parent", "accept", False),
    ("approver", "parent", "accept", True), ("approver", "parent", "return", True),
    ("approver", "parent", "edit", False),
    ("chair", "parent", "accept", True), ("chair", "parent", "export", True),
    ("chair", "sibling", "view", False), ("chair", "sibling", "accept", False),
    ("chair", "sibling", "export", False), ("chair", "sibling", "attachment", False),
    ("chair", "unrelated", "view", False), ("approver", "unrelated", "accept", False),
    ("treasurer", "own", "attach", False), ("chair", "own", "attach", True),
    ("chair", "child", "view", False),
]


def _do(client, action, report, attachment_id):
    rid = report.id
    if action == "view":
        return client.get(f"/periodic/reports/{rid}")
    if action == "edit":
        return client.get(f"/periodic/reports/{rid}/edit")
    if action == "submit":
        return client.post(f"/periodic/reports/{rid}/submit", data={})
    if action == "accept":
        return client.post(f"/periodic/reports/{rid}/accept", data={"comment": ""})
    if action == "return":
        return client.post(f"/periodic/reports/{rid}/return", data={"comment": "Sửa lại"})
    if action == "export":
        return client.get(f"/periodic/reports/{rid}.pdf")
    if action == "attachment":
        return client.get(f"/periodic/attachments/{attachment_id}")
    if action == "attach":
        return client.post(f"/periodic/reports/{rid}/attachments",
                           data={"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
                           content_type="multipart/form-data")
    raise AssertionError(action)


@pytest.mark.parametrize("role, where, action, allowed", PERMISSIONS)
def test_permission_table(app, tree, report, client_as, db, role, where, action, allowed,
                          tmp_path):
    app.config["PERIODIC_UPLOAD_DIR"] = str(tmp_path)
    item = svc.add_attachment(None, report, filename="a.pdf", data=b"%PDF-1.4",
                              folder=tmp_path, limit=1000)
    if action in ("accept", "return"):
        submit_as_ward(report, db)
    db.session.commit()
    client = client_as(role, at=tree.relative(where))
    response = _do(client, action, report, item.id)
    assert (response.status_code != 403) is allowed, response.status_code
    assert response.status_code < 500


@pytest.mark.parametrize("role, where, allowed", [
    ("chair", "city", True), ("admin", "city", True), ("approver", "city", False),
    ("chair", "district_a", False),  # templates are defined at province/national level
])
def test_who_defines_templates(tree, client_as, role, where, allowed):
    client = client_as(role, at=getattr(tree, where))
    response = client.get(f"/periodic/units/{getattr(tree, where).id}/templates/new")
    assert (response.status_code == 200) is allowed


def test_defining_a_template_from_the_ready_made_one(tree, client_as, db):
    client = client_as("chair", at=tree.city)
    page = client.get(f"/periodic/units/{tree.city.id}/templates/new?kind=six_month")
    assert "Báo cáo sơ kết 6 tháng đầu năm" in page.get_data(as_text=True)
    response = client.post(f"/periodic/units/{tree.city.id}/templates/new", data={
        "kind": "year_end", "title": "Báo cáo tổng kết năm 2026", "period_start": "1/1/2026",
        "period_end": "31/12/2026", "due_date": "15/01/2027", "levels": ["commune"],
        "groups": ["members", "funds"], "text_achievements": "y", "required_achievements": "y",
        "extra_sections": "Công tác xây dựng xã hội học tập"})
    assert response.status_code == 302
    from assoc.models import PeriodicTemplate

    template = db.session.query(PeriodicTemplate).one()
    assert template.due_date.isoformat() == "2027-01-15" and template.levels == ["commune"]
    assert [s["kind"] for s in template.sections] == ["figures", "figures", "text", "text"]
    bad = client.post(f"/periodic/units/{tree.city.id}/templates/new", data={
        "kind": "year_end", "title": "Báo cáo", "period_start": "15/1/2026",
        "period_end": "31/12/2026", "due_date": "15/12/2026", "levels": ["commune"],
        "groups": ["members"]})
    assert bad.status_code == 400 and "tháng trọn vẹn" in bad.get_data(as_text=True)


def test_nul_and_control_characters_in_a_section_are_dropped(tree, report, client_as, db):
    """Section texts are read from the form directly: they are cleaned like every typed text
    (PostgreSQL refuses NUL in the stored JSON: it was a 500 there)."""
    client = client_as("chair", at=tree.ward_a)
    data = texts(report, **{"text-achievements": "Kết nạp\x00 25\x07 hội viên\r\nmới"})
    data.update({"revision": str(report.revision), "save": "1"})
    response = client.post(f"/periodic/reports/{report.id}/edit", data=data)
    assert response.status_code == 302, response.status_code
    db.session.expire_all()
    assert db.session.get(PeriodicReport, report.id).texts["achievements"] == (
        "Kết nạp 25 hội viên\nmới")


def test_a_correction_without_reason_keeps_everything_typed(tree, report, client_as):
    client = client_as("chair", at=tree.ward_a)
    data = texts(report, **{"text-achievements": "Kết nạp 25 hội viên mới <b>đậm</b>"})
    data.update({"revision": str(report.revision), "fig-members.total": "25",
                 "why-members.total": "", "save": "1"})
    response = client.post(f"/periodic/reports/{report.id}/edit", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "hãy ghi lý do" in body
    assert "Kết nạp 25 hội viên mới &lt;b&gt;đậm&lt;/b&gt;" in body  # kept, and escaped
    assert 'value="25"' in body


def test_submitting_with_a_required_section_empty_saves_the_draft(tree, report, client_as, db):
    client = client_as("chair", at=tree.ward_a)
    data = texts(report, **{"text-limits": "  "})
    data.update({"revision": str(report.revision), "submit": "1"})
    response = client.post(f"/periodic/reports/{report.id}/edit", data=data)
    assert response.status_code == 400
    assert "Hạn chế và nguyên nhân" in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(PeriodicReport, report.id)
    assert saved.status == "draft" and saved.texts["achievements"].startswith("Nội dung")


def test_two_people_editing_the_same_draft(tree, report, client_as, db):
    first, second = client_as("chair", at=tree.ward_a), client_as("chair", at=tree.ward_a)
    opened = str(report.revision)
    ok = first.post(f"/periodic/reports/{report.id}/edit", data=texts(
        report, **{"text-achievements": "Bản của chị Thu", "revision": opened, "save": "1"}))
    assert ok.status_code == 302
    refused = second.post(f"/periodic/reports/{report.id}/edit", data=texts(
        report, **{"text-achievements": "Bản của anh Bình", "revision": opened, "save": "1"}))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Người khác đã lưu" in body
    assert "Bản của anh Bình" in body and "Bản của chị Thu" in body  # neither text is lost
    db.session.expire_all()
    assert db.session.get(PeriodicReport, report.id).texts["achievements"] == "Bản của chị Thu"


def test_a_submitted_report_cannot_be_edited(tree, report, client_as, db):
    submit_as_ward(report, db)
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/periodic/reports/{report.id}/edit", data=texts(
        report, revision=str(report.revision), save="1",
        **{"text-achievements": "Viết thêm sau khi đã gửi"}))
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "không thể sửa nữa" in body and "Viết thêm sau khi đã gửi" in body
    assert client.get(f"/periodic/reports/{report.id}/edit").status_code == 302
    db.session.expire_all()
    assert db.session.get(PeriodicReport, report.id).status == "submitted"


def test_attachment_bad_input_and_download(app, tree, report, client_as, tmp_path, db):
    app.config["PERIODIC_UPLOAD_DIR"] = str(tmp_path)
    app.config["PERIODIC_MAX_ATTACHMENT"] = 1024
    client = client_as("chair", at=tree.ward_a)
    url = f"/periodic/reports/{report.id}/attachments"
    for data, name in ((b"<html><script>alert(1)</script>", "x.pdf"), (b"%PDF-" + b"0" * 2000,
                                                                       "big.pdf")):
        response = client.post(url, data={"file": (io.BytesIO(data), name)},
                               content_type="multipart/form-data", follow_redirects=True)
        assert "PDF" in response.get_data(as_text=True) or "MB" in response.get_data(as_text=True)
    assert not list(tmp_path.iterdir())
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    client.post(url, data={"file": (io.BytesIO(png), "anh hop.png")},
                content_type="multipart/form-data")
    db.session.expire_all()
    item = db.session.get(PeriodicReport, report.id).attachments[0]
    response = client.get(f"/periodic/attachments/{item.id}")
    assert response.data == png and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client_as("chair", at=tree.ward_b).get(
        f"/periodic/attachments/{item.id}").status_code == 403
    stored = tmp_path / item.stored_name
    assert client_as("chair", at=tree.ward_b).post(
        f"/periodic/attachments/{item.id}/delete").status_code == 403
    client.post(f"/periodic/attachments/{item.id}/delete")
    assert not stored.exists()
    db.session.expire_all()
    assert db.session.get(PeriodicReport, report.id).attachments == []


def test_review_journey_and_board(tree, report, client_as, db):
    submit_as_ward(report, db)
    district = client_as("chair", at=tree.district_a)
    board = district.get(f"/periodic/templates/{report.template_id}/units/{tree.district_a.id}")
    body = board.get_data(as_text=True)
    assert board.status_code == 200 and "Đã gửi" in body and "Chưa làm" in body
    returned = district.post(f"/periodic/reports/{report.id}/return", data={"comment": ""})
    assert returned.status_code == 302
    db.session.expire_all()
    assert db.session.get(PeriodicReport, report.id).status == "submitted"  # comment required
    district.post(f"/periodic/reports/{report.id}/accept", data={"comment": "Tốt"})
    db.session.expire_all()
    assert db.session.get(PeriodicReport, report.id).status == "accepted"
    start = district.post(f"/periodic/templates/{report.template_id}/units/"
                          f"{tree.district_a.id}/start")
    assert start.status_code == 302
    compiled = db.session.query(PeriodicReport).filter_by(unit_id=tree.district_a.id).one()
    page = district.get(f"/periodic/reports/{compiled.id}").get_data(as_text=True)
    assert tree.ward_b.name in page and "Chưa tổng hợp" in page
    docx = district.get(f"/periodic/reports/{compiled.id}.docx")
    with zipfile.ZipFile(io.BytesIO(docx.data)) as z:
        xml = z.read("word/document.xml").decode()
    assert "Đơn vị chưa được tổng hợp" in xml and tree.ward_b.name in xml
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(district.get(f"/periodic/reports/{compiled.id}.xlsx").data))
    sheet = wb["Tổng hợp"]
    assert [c.value for c in sheet[2]][1:3] == [tree.ward_a.name, tree.ward_b.name]
    assert [c.value for c in sheet[2]][3:] == [f"{tree.district_a.name} (số liệu riêng)",
                                               "Tổng cộng"]
    members = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "Hội viên")
    assert [c.value for c in members[1:]] == [1, "—", 0, 1]


def test_exports(tree, report, client_as, db, tmp_path):
    client = client_as("chair", at=tree.ward_a)
    evil = "=HYPERLINK(\"http://x\")"
    client.post(f"/periodic/reports/{report.id}/edit", data=texts(
        report, **{"text-achievements": f"Ngày hội khuyến học <script> {evil}",
                   "fig-members.total": "7", "why-members.total": evil,
                   "revision": str(report.revision), "number": "15/BC-KH",
                   "place": "TP. Hồ Chí Minh", "save": "1"}))
    pdf = client.get(f"/periodic/reports/{report.id}.pdf")
    assert pdf.mimetype == "application/pdf"
    (tmp_path / "r.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "Số: 15/BC-KH", "TP. Hồ Chí Minh, ngày", "Nơi nhận:", "CHỦ TỊCH",
                     "Ngày hội khuyến học <script>", "Báo cáo tổng kết năm"):
        assert expected in text, expected
    docx = client.get(f"/periodic/reports/{report.id}.docx")
    with zipfile.ZipFile(io.BytesIO(docx.data)) as z:
        xml = z.read("word/document.xml").decode()
    assert "Độc lập - Tự do - Hạnh phúc" in xml and "Số: 15/BC-KH" in xml
    assert "Ngày hội khuyến học &lt;script&gt;" in xml
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(f"/periodic/reports/{report.id}.xlsx").data))
    cells = [c for row in wb.active.iter_rows() for c in row if c.value == evil]
    assert cells and all(c.data_type == "s" for c in cells)
