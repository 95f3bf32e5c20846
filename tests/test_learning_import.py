"""Learning-model registers imported from the ward's Excel/CSV list with the member import's
engine: errors by row and column, nothing written while any row is bad, duplicates in the file
and against the unit's register for the year, the preview before the confirmation, the sample
file of each register kind, and an exported register imported back into another year/unit."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from assoc.extensions import db as _db
from assoc.models import AuditEntry, LearningEntry, today
from assoc.services import DomainError, learning
from assoc.services import learning_import as li
from assoc.services.imports import ImportFileError

from .builders import build_member, build_workbook
from .builders_learning import build_entry

YEAR = today().year
TITLE = [["HỘI KHUYẾN HỌC PHƯỜNG A"], [f"DANH SÁCH ĐĂNG KÝ GIA ĐÌNH HỌC TẬP NĂM {YEAR}"], []]
FAMILY_HEADER = ["STT", "Họ và tên chủ hộ", "Địa chỉ", "Số nhân khẩu", "Chi hội", "Ngày đăng ký",
                 "Cam kết"]


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    yield
    app.config.pop("IMPORT_DIR", None)


def family_file(rows, title=TITLE):
    return build_workbook([FAMILY_HEADER, *rows], title_rows=title)


def good_rows():
    return [
        [1, "nguyễn văn lộc", "12 Đoàn Văn Bơ", 5, "", f"15/01/{YEAR}", "Cả nhà đọc sách"],
        [2, "Trần Thị Hoa", "25 Tôn Đản", "3", "Branch A", date(YEAR, 1, 20), ""],
        [3, "Lê Văn Tám", "8 Hoàng Diệu", 4, "", None, "Học tin học"],
    ]


def parse(unit, data, model="family", year=YEAR, **kw):
    kw.setdefault("default_on", date(YEAR, 1, 10))
    return li.parse(data, "ds.xlsx", unit, model=model, year=year, **kw)


def count_entries():
    return _db.session.scalar(select(func.count()).select_from(LearningEntry))


# --- the service ------------------------------------------------------------------------------

def test_a_ward_list_with_title_rows_and_a_footer_imports(tree, db):
    data = family_file(good_rows() + [[], ["Tổng cộng: 3 hộ"], ["Người lập bảng"]])
    preview = parse(tree.ward_a, data)
    assert preview.header_row == 4 and [r.row_no for r in preview.rows] == [5, 6, 7]
    assert preview.summary()["valid"] == 3 and not preview.error_rows
    summary = li.commit(None, tree.ward_a, preview, year=YEAR)
    db.session.commit()
    assert summary["imported"] == 3
    e = {x.name: x for x in db.session.scalars(select(LearningEntry))}
    assert set(e) == {"Nguyễn Văn Lộc", "Trần Thị Hoa", "Lê Văn Tám"}
    assert e["Trần Thị Hoa"].unit == tree.branch_a and e["Trần Thị Hoa"].people == 3
    assert e["Nguyễn Văn Lộc"].unit == tree.ward_a
    assert e["Nguyễn Văn Lộc"].registered_on == date(YEAR, 1, 15)
    assert e["Lê Văn Tám"].registered_on == date(YEAR, 1, 10)  # the default for a blank cell
    assert all(x.year == YEAR and x.model == "family" and not x.is_assessed for x in e.values())
    # one history entry for the import, one per entry naming its row
    log = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("learning.import%"))
                             ).all()
    assert sorted(a.action for a in log) == ["learning.import"] + ["learning.imported"] * 3
    per_entry = {a.object_id: a.data["row"] for a in log if a.action == "learning.imported"}
    assert per_entry[e["Lê Văn Tám"].id] == 7


def test_every_bad_cell_is_named_by_row_and_column_and_nothing_is_written(tree, db):
    data = family_file([
        [1, "Nguyễn Văn Lộc", "12 Đoàn Văn Bơ", "năm", "", f"15/01/{YEAR}", ""],
        [2, "", "25 Tôn Đản", 3, "", f"15/01/{YEAR}", ""],
        [3, "Lê Văn Tám", "8 Hoàng Diệu", 4, "", f"31/02/{YEAR}", ""],
        [4, "Phạm Văn Đức", "9 Tôn Thất Thuyết", 4, "", f"15/01/{YEAR - 3}", ""],
        [5, "Võ Thị Sáu", "1 Lê Lợi", 4, "", f"15/01/{YEAR}", ""],
    ])
    preview = parse(tree.ward_a, data)
    errors = {r.row_no: r.errors for r in preview.rows if r.errors}
    assert errors[5] == [("Số nhân khẩu", "Nhập một số nguyên lớn hơn 0.")]
    assert errors[6][0][0] == "Họ và tên chủ hộ" and "Cần nhập" in errors[6][0][1]
    assert errors[7][0][0] == "Ngày đăng ký"
    assert errors[8][0][0] == "Ngày đăng ký" and f"15/01/{YEAR - 3}" in errors[8][0][1]
    assert 9 not in errors
    with pytest.raises(DomainError, match="4 dòng có lỗi"):
        li.commit(None, tree.ward_a, preview, year=YEAR)
    assert count_entries() == 0


def test_duplicates_in_the_file_and_in_the_register_are_left_out(tree, db):
    build_entry(tree.branch_a, "Trần Thị Hoa", year=YEAR, address="25 Tôn Đản")
    build_entry(tree.ward_a, "Lê Văn Tám", year=YEAR - 1, address="8 Hoàng Diệu")  # last year
    build_entry(tree.ward_b, "Nguyễn Văn Lộc", year=YEAR, address="12 Đoàn Văn Bơ")  # elsewhere
    data = family_file(good_rows() + [
        [4, "NGUYEN VAN LOC", "12 Doan Van Bo", 5, "", f"15/01/{YEAR}", ""]])
    preview = parse(tree.ward_a, data)
    status = {r.row_no: (r.status, r.duplicate_of) for r in preview.rows}
    assert status[5][0] == "ok" and status[7][0] == "ok"
    assert status[6][0] == "duplicate" and "Branch A" in status[6][1] and str(YEAR) in status[6][1]
    assert status[8] == ("duplicate", "Trùng tên và địa chỉ với dòng 5.")
    assert li.commit(None, tree.ward_a, preview, year=YEAR)["imported"] == 2
    assert count_entries() == 5


def test_the_model_column_is_read_and_checked(tree, db):
    header = ["STT", "Mô hình", "Tên", "Người đứng đầu", "Số hộ", "Địa chỉ", "Ngày đăng ký"]
    data = build_workbook([header,
                           [1, "Dòng họ học tập", "Dòng họ Lê", "lê văn tám", 42, "Ấp 1",
                            f"10/01/{YEAR}"],
                           [2, "Gia đình", "Nguyễn Văn Lộc", "", "", "12 Đoàn Văn Bơ",
                            f"10/01/{YEAR}"],
                           [3, "Câu lạc bộ", "CLB thơ", "", "", "", f"10/01/{YEAR}"]])
    mixed = parse(tree.ward_a, data, model=None)
    by_row = {r.row_no: r for r in mixed.rows}
    assert by_row[2].values["model"] == "clan" and by_row[2].values["head"] == "Lê Văn Tám"
    assert by_row[2].values["households"] == 42
    assert by_row[3].values["model"] == "family" and by_row[3].values["households"] is None
    assert by_row[4].errors[0][0] == "Mô hình" and "Câu lạc bộ" in by_row[4].errors[0][1]
    only_clans = parse(tree.ward_a, data, model="clan")
    wrong = {r.row_no: r.errors for r in only_clans.rows}[3]
    assert wrong == [("Mô hình", "Dòng này là Gia đình học tập; lần nhập này dành cho Dòng họ "
                                 "học tập.")]


def test_a_learning_citizen_is_found_by_member_number_in_the_unit_only(tree, db):
    mine = build_member(tree.branch_a, "Phạm Thị Mai", address="8 Hoàng Diệu")
    theirs = build_member(tree.ward_b, "Đỗ Văn Nam")
    data = build_workbook([["STT", "Họ và tên", "Mã hội viên", "Ngày đăng ký"],
                           [1, "", mine.display_number, f"10/01/{YEAR}"],
                           [2, "Đỗ Văn Nam", theirs.display_number, f"10/01/{YEAR}"]])
    preview = parse(tree.ward_a, data, model="citizen")
    first, second = preview.rows
    assert first.values["name"] == "Phạm Thị Mai" and first.values["member_id"] == mine.id
    assert first.values["address"] == "8 Hoàng Diệu"
    assert second.errors and second.errors[0][0] == "Mã hội viên"


def test_a_csv_in_windows_1258_with_semicolons(tree, db):
    text = "Họ và tên chủ hộ;Địa chỉ;Ngày đăng ký\nNguyễn Văn Lộc;12 Đoàn Văn Bơ;15/01/{0}\n"
    data = text.format(YEAR).encode("utf-8-sig")
    preview = li.parse(data, "ds.csv", tree.ward_a, model="family", year=YEAR)
    assert preview.rows[0].values["name"] == "Nguyễn Văn Lộc" and not preview.error_rows


@pytest.mark.parametrize("data, message", [
    (b"", "trống"),
    (b"\x00\x01garbage" * 10, "không phải bảng tính"),
    (build_workbook([["Cột A", "Cột B"], [1, 2]]), "Không tìm thấy dòng tiêu đề"),
])
def test_a_file_that_is_not_a_register_says_why(tree, db, data, message):
    with pytest.raises(ImportFileError, match=message):
        parse(tree.ward_a, data)


def test_without_a_date_and_without_a_default_the_row_says_so(tree, db):
    data = family_file([[1, "Nguyễn Văn Lộc", "12 Đoàn Văn Bơ", 5, "", None, ""]])
    preview = parse(tree.ward_a, data, default_on=None)
    assert preview.rows[0].errors[0][0] == "Ngày đăng ký"


def test_an_exported_register_imports_into_another_year_and_unit(tree, db, client_as):
    last = YEAR - 1
    build_entry(tree.ward_a, "Nguyễn Văn Lộc", year=last, address="12 Đoàn Văn Bơ",
                commitment="Đọc sách")
    build_entry(tree.branch_a, "Trần Thị Hoa", year=last, address="25 Tôn Đản", people=3)
    build_entry(tree.ward_a, "Dòng họ Lê", model="clan", year=last, head="Lê Văn Tám",
                households=42, address="Ấp 1", people=None)
    member = build_member(tree.ward_a, "Phạm Thị Mai")
    learning.register(None, tree.ward_a, model="citizen", year=last, name="",
                      member_number=member.display_number, registered_on=date(last, 1, 5))
    db.session.commit()
    client = client_as("viewer", at=tree.ward_a)
    exported = client.get(f"/learning/units/{tree.ward_a.id}/export.xlsx?year={last}").data

    # next year, same ward: every row, branch and member kept; the dates replaced
    again = li.parse(exported, "x.xlsx", tree.ward_a, model=None, year=YEAR,
                     default_on=date(YEAR, 1, 2), same_date=True)
    assert not again.error_rows and again.summary()["valid"] == 4
    li.commit(None, tree.ward_a, again, year=YEAR)
    new = {e.name: e for e in db.session.scalars(select(LearningEntry).where(
        LearningEntry.year == YEAR))}
    assert new["Trần Thị Hoa"].unit == tree.branch_a and new["Trần Thị Hoa"].people == 3
    assert new["Dòng họ Lê"].model == "clan" and new["Dòng họ Lê"].households == 42
    assert new["Dòng họ Lê"].head == "Lê Văn Tám"
    assert new["Phạm Thị Mai"].member_id == member.id
    assert new["Nguyễn Văn Lộc"].commitment == "Đọc sách"
    assert {e.registered_on for e in new.values()} == {date(YEAR, 1, 2)}
    # the same file again is all duplicates: nothing to import
    twice = li.parse(exported, "x.xlsx", tree.ward_a, model=None, year=YEAR,
                     default_on=date(YEAR, 1, 2), same_date=True)
    assert twice.summary()["duplicates"] == 4
    with pytest.raises(DomainError, match="Không có gì để nhập"):
        li.commit(None, tree.ward_a, twice, year=YEAR)

    # another ward, its own year: the branch is unknown there (a notice), the member is not
    # its own (an error) — the clear message, nothing written
    other = li.parse(exported, "x.xlsx", tree.ward_b, model=None, year=last)
    rows = {r.values.get("name") or r.row_no: r for r in other.rows}
    assert rows["Trần Thị Hoa"].warnings and rows["Trần Thị Hoa"].unit_id == tree.ward_b.id
    assert any(c == "Mã hội viên" for c, _m in other.error_rows[0].errors)


def test_the_sample_file_of_every_model_imports_cleanly(tree, db):
    for model in learning.MODEL_FIELDS:
        data = li.sample_xlsx(model, tree.ward_a, YEAR)
        preview = li.parse(data, "mau.xlsx", tree.ward_a, model=model, year=YEAR)
        assert not preview.error_rows, (model, [r.errors for r in preview.rows])
        assert preview.summary()["valid"] == len(li.SAMPLES[model])


# --- the pages --------------------------------------------------------------------------------

def upload(client, unit, data, filename="ds.xlsx", **fields):
    form = {"model": "family", "year": str(YEAR), "registered_on": f"10/01/{YEAR}", **fields,
            "file": (io.BytesIO(data), filename)}
    return client.post(f"/learning/units/{unit.id}/import", data=form,
                       content_type="multipart/form-data")


def test_upload_preview_confirm(tree, db, client_as):
    client = client_as("clerk", at=tree.ward_a)
    page = client.get(f"/learning/units/{tree.ward_a.id}?year={YEAR}").get_data(as_text=True)
    assert 'data-testid="import-register"' in page
    response = upload(client, tree.ward_a, family_file(good_rows()))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert re.search(r'data-testid="count-valid">3<', html)
    assert "Nguyễn Văn Lộc" in html and 'data-testid="confirm-import"' in html
    assert count_entries() == 0  # the preview writes nothing
    done = client.post(preview_url, data={})
    assert done.status_code == 302 and f"year={YEAR}" in done.headers["Location"]
    assert count_entries() == 3
    follow = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "3 mục được đăng ký" in follow
    assert client.get(preview_url).status_code == 404  # the upload is gone


def test_a_file_with_errors_shows_them_and_cannot_be_confirmed(tree, db, client_as):
    client = client_as("clerk", at=tree.ward_a)
    rows = good_rows()
    rows[1][3] = "ba"
    preview_url = upload(client, tree.ward_a, family_file(rows)).headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert 'data-testid="errors-block"' in html and 'data-testid="confirm-import"' not in html
    assert re.search(r"<td>6</td><td>Trần Thị Hoa</td><td>Số nhân khẩu</td>", html)
    response = client.post(preview_url, data={})
    assert response.status_code == 409 and "1 dòng có lỗi" in response.get_data(as_text=True)
    assert count_entries() == 0
    rejected = client.get(preview_url + "/rejected.xlsx")
    assert rejected.status_code == 200 and rejected.data[:2] == b"PK"


@pytest.mark.parametrize("fields, data, message", [
    ({}, b"not a spreadsheet\x00", "không phải bảng tính"),
    ({"same_date": "y", "registered_on": ""}, None, "Nhập ngày dùng cho mọi dòng"),
    ({"year": "1990"}, None, "2000"),
])
def test_bad_uploads_say_why_and_keep_nothing(tree, db, client_as, app, fields, data, message):
    client = client_as("clerk", at=tree.ward_a)
    response = upload(client, tree.ward_a, data or family_file(good_rows()), **fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    import pathlib

    folder = pathlib.Path(app.config["IMPORT_DIR"])
    assert not folder.exists() or not list(folder.glob("*.data"))


def test_sample_files_download(tree, db, client_as):
    client = client_as("clerk", at=tree.ward_a)
    html = client.get(f"/learning/units/{tree.ward_a.id}/import?year={YEAR}").get_data(
        as_text=True)
    for model in learning.MODEL_FIELDS:
        assert f'data-testid="sample-{model}"' in html
        response = client.get(f"/learning/units/{tree.ward_a.id}/import/sample-{model}.xlsx")
        assert response.status_code == 200 and response.data[:2] == b"PK"
    assert client.get(f"/learning/units/{tree.ward_a.id}/import/sample-x.xlsx"
                      ).status_code == 404


@pytest.mark.parametrize("role, where, allowed", [
    ("clerk", "ward_a", True), ("chair", "district_a", True), ("viewer", "ward_a", False),
    ("treasurer", "ward_a", False), ("chair", "ward_b", False), ("clerk", "branch_a", False),
])
def test_who_may_import(tree, db, client_as, role, where, allowed):
    client = client_as(role, at=tree.units[where])
    url = f"/learning/units/{tree.ward_a.id}/import"
    assert client.get(url).status_code == (200 if allowed else 403)
    assert client.get(url + "/sample-family.xlsx").status_code == (200 if allowed else 403)
    response = upload(client, tree.ward_a, family_file(good_rows()))
    assert (response.status_code == 302) is allowed


def test_an_upload_is_its_owners_and_its_kind(tree, db, client_as):
    owner = client_as("clerk", at=tree.ward_a)
    preview_url = upload(owner, tree.ward_a, family_file(good_rows())).headers["Location"]
    colleague = client_as("clerk", at=tree.ward_a)
    assert colleague.get(preview_url).status_code == 404
    assert colleague.post(preview_url, data={}).status_code == 404
    token = preview_url.rsplit("/", 1)[-1]
    assert owner.get(f"/members/import/{token}").status_code == 404  # not a member list
    from assoc.services import imports

    member_token = imports.save_upload(owner.user, tree.ward_a, b"Ho ten\nA\n", "ds.csv")
    assert owner.get(f"/learning/import/{member_token}").status_code == 404
    assert count_entries() == 0


def test_a_closed_unit_imports_nothing(tree, db, client_as):
    client = client_as("clerk", at=tree.ward_a)
    preview_url = upload(client, tree.ward_a, family_file(good_rows())).headers["Location"]
    tree.ward_a.valid_to = date(YEAR - 1, 12, 31)  # closed between the preview and the confirm
    db.session.commit()
    assert upload(client, tree.ward_a, family_file(good_rows())).status_code == 403
    assert client.post(preview_url, data={}).status_code in (403, 409)
    assert count_entries() == 0
    with pytest.raises(DomainError, match="đã đóng"):  # the service says so on its own too
        li.commit(None, tree.ward_a, parse(tree.ward_b, family_file(good_rows())), year=YEAR)


# --- a big register: a job with a progress page --------------------------------------------

def many_rows(n):
    return [[i, f"Hộ gia đình số {i}", f"{i} Đoàn Văn Bơ", 4, "", f"15/01/{YEAR}", ""]
            for i in range(1, n + 1)]


@pytest.mark.parametrize("mode", ["thread", "rq"])
def test_a_big_register_is_imported_by_a_job(tree, db, client_as, app, tmp_path, mode):
    from assoc.models import Job

    from .test_jobs import rq_mode, work_off

    app.config.update(IMPORT_JOB_ROWS=5, JOB_DIR=str(tmp_path / "jobs"))
    if mode == "rq":
        rq_mode(app)
    try:
        client = client_as("clerk", at=tree.ward_a)
        preview_url = upload(client, tree.ward_a, family_file(many_rows(12))).headers["Location"]
        started = client.post(preview_url, data={})
        assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
        job_url = started.headers["Location"]
        assert 'data-testid="job-bar"' in client.get(job_url).get_data(as_text=True)
        work_off(app)
        db.session.expire_all()
        job = db.session.scalars(select(Job)).one()
        assert (job.status, job.kind, job.summary["imported"]) == ("done", "learning_import", 12)
        assert count_entries() == 12
        html = client.get(job_url).get_data(as_text=True)
        assert f"12 mục được đăng ký năm {YEAR}" in html and 'data-testid="job-entries"' in html
        assert client.get(preview_url).status_code == 404  # the upload is used up
    finally:
        for key in ("IMPORT_JOB_ROWS", "JOB_DIR", "JOB_QUEUE"):
            app.config.pop(key, None)
        app.config["REDIS_URL"] = ""


def test_a_big_register_with_an_error_starts_no_job(tree, db, client_as, app, tmp_path):
    from assoc.models import Job

    app.config.update(IMPORT_JOB_ROWS=5, JOB_DIR=str(tmp_path / "jobs"))
    try:
        client = client_as("clerk", at=tree.ward_a)
        rows = many_rows(12)
        rows[3][3] = "bốn"  # not a number of people
        preview_url = upload(client, tree.ward_a, family_file(rows)).headers["Location"]
        response = client.post(preview_url, data={})
        assert response.status_code == 409
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0
        assert count_entries() == 0
    finally:
        for key in ("IMPORT_JOB_ROWS", "JOB_DIR"):
            app.config.pop(key, None)
