"""One reader for every file a ward keeps its lists in: the "Unicode text" Excel saves (UTF-16
with a byte-order mark, tab-separated, .txt), UTF-8 with a BOM, Windows-1258 from old Vietnamese
Excel; the member and learning imports read them alike, and the preview names the columns it
did not use."""

import io
import re
import unicodedata
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from assoc.member_samples import messy_member_workbook
from assoc.models import today
from assoc.services import DomainError, imports
from assoc.services import learning_import as li

from .builders import build_unit, build_workbook
from .test_members_import import cp1258

YEAR = today().year


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    yield
    app.config.pop("IMPORT_DIR", None)


def as_excel_text(xlsx: bytes) -> str:
    """What Excel's "Save as Unicode text" writes for a sheet: the cells as shown, one line per
    row, tab between cells, a merged range's value only in its top-left cell."""
    ws = load_workbook(io.BytesIO(xlsx)).active
    lines = []
    for row in ws.iter_rows(values_only=True):
        cells = []
        for v in row:
            if v is None:
                cells.append("")
            elif isinstance(v, datetime):
                cells.append(f"{v.day:02d}/{v.month:02d}/{v.year}")
            else:
                text = str(v)
                cells.append(f'"{text}"' if any(c in text for c in '\t"\n') else text)
        lines.append("\t".join(cells).rstrip("\t"))
    return "\r\n".join(lines) + "\r\n"


def people(preview):
    out = []
    for row in preview.rows:
        v = row.values
        out.append((row.row_no, v.get("full_name"), v.get("birth_date"), v.get("birth_year"),
                    v.get("sex"), v.get("cccd"), v.get("phone"), row.status,
                    [label for label, _m in row.errors]))
    return out


@pytest.fixture
def khanh_hoi(tree, db):
    build_unit("branch_kp1", tree.ward_a, display_name="Chi hội Khu phố 1")
    build_unit("branch_kp2", tree.ward_a, display_name="Chi hội Khu phố 2")
    db.session.commit()
    return tree.ward_a


def test_excel_unicode_text_imports_the_same_people_as_the_xlsx(khanh_hoi, db):
    xlsx = messy_member_workbook()
    text = as_excel_text(xlsx)
    utf16 = "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")   # what Excel writes
    assert utf16[:2] == b"\xff\xfe" and b"\t\x00" in utf16
    from_xlsx = imports.parse(xlsx, "ds.xlsx", khanh_hoi)
    from_text = imports.parse(utf16, "ds.txt", khanh_hoi)
    assert len(from_text.rows) == 10
    assert people(from_text) == people(from_xlsx)
    assert from_text.summary() == from_xlsx.summary()
    assert from_text.recognised == from_xlsx.recognised
    # The same text in the other encodings a ward's computer may save.
    for data in (b"\xfe\xff" + text.encode("utf-16-be"),
                 text.encode("utf-16-le"),                      # no byte-order mark
                 b"\xef\xbb\xbf" + text.encode("utf-8"),
                 cp1258(text)):
        assert people(imports.parse(data, "ds.txt", khanh_hoi)) == people(from_xlsx)
    # Imported, the text file gives the people the .xlsx would.
    summary = imports.commit(None, khanh_hoi, from_text, valid_only=True)
    assert summary["imported"] == 6


def test_windows_1258_is_read_to_composed_letters(tree):
    text = "Họ và tên\tNgày sinh\tGhi chú\r\nNguyễn Thị Ánh Tuyết\t01/02/1970\tỞ xa\r\n"
    data = cp1258(text)
    assert data.decode("cp1258") != text    # tone marks are separate characters in cp1258
    row = imports.parse(data, "x.txt", tree.ward_a).rows[0]
    assert row.values["full_name"] == "Nguyễn Thị Ánh Tuyết"
    assert unicodedata.is_normalized("NFC", row.values["full_name"])
    assert imports.decode_text(data) == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("text, delimiter", [
    ("Họ và tên\tĐịa chỉ\tNăm sinh\nA\t1, Lê Lợi; P.1\t1970\nB\t2, Lê Lợi\t1971\n", "\t"),
    ("Họ và tên;Địa chỉ;Năm sinh\nA;1, Lê Lợi, P.1;1970\nB;2, Lê Lợi;1971\n", ";"),
    ('Họ và tên,Địa chỉ,Năm sinh\nA,"1; Lê Lợi",1970\nB,"2, Lê Lợi; Q.1",1971\n', ","),
])
def test_the_delimiter_is_the_one_that_splits_every_line(text, delimiter):
    assert imports.sniff_delimiter(text) == delimiter


def test_binary_files_are_still_refused(tree):
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20, b"\x00\x01\x02\x03" * 50):
        with pytest.raises(DomainError) as err:
            imports.parse(data, "f.txt", tree.ward_a)
        assert "bảng tính" in str(err.value)


def test_learning_register_reads_utf16_text_too(tree, db):
    header = ["STT", "Họ và tên chủ hộ", "Khu phố", "Địa chỉ", "Số nhân khẩu", "Số điện thoại",
              "Ngày đăng ký", "Ghi chú"]
    rows = [[1, "Nguyễn Văn Lộc", "KP1", "12 Đoàn Văn Bơ", 5, "0912345678", f"15/01/{YEAR}", ""],
            [2, "Trần Thị Hoa", "KP2", "25 Tôn Đản", 3, "", f"20/01/{YEAR}", "mới"]]
    xlsx = build_workbook([header, *rows])
    utf16 = b"\xff\xfe" + as_excel_text(xlsx).encode("utf-16-le")
    got = []
    for data, name in ((xlsx, "ds.xlsx"), (utf16, "ds.txt")):
        preview = li.parse(data, name, tree.ward_a, model="family", year=YEAR,
                           default_on=date(YEAR, 1, 10))
        got.append([(r.values.get("name"), r.values.get("people"), r.status)
                    for r in preview.rows])
        assert preview.unused == ["Khu phố", "Số điện thoại", "Ghi chú"]
    assert got[0] == got[1] and len(got[0]) == 2


def test_both_previews_name_the_columns_not_used(tree, db, client_as):
    client = client_as("chair", at=tree.ward_a)
    header = ["STT", "Họ và tên", "Ngày sinh", "Khu phố", "Số CCCD", "Sở thích"]
    data = build_workbook([header, [1, "Lê Văn Một", "1970", "KP1", "", "đọc sách"]])
    response = client.post(f"/members/unit/{tree.ward_a.id}/import", data={
        "file": (io.BytesIO(data), "ds.xlsx")}, content_type="multipart/form-data")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    unused = re.search(r'data-testid="unused-columns">([^<]+)<', html).group(1)
    assert "không được dùng" in unused and "Khu phố, Sở thích" in unused

    header = ["STT", "Họ và tên chủ hộ", "Khu phố", "Địa chỉ", "Số điện thoại", "Ghi chú"]
    data = build_workbook([header, [1, "Nguyễn Văn Lộc", "KP1", "12 Đoàn Văn Bơ", "09", ""]])
    response = client.post(f"/learning/units/{tree.ward_a.id}/import", data={
        "model": "family", "year": str(YEAR), "registered_on": f"10/01/{YEAR}",
        "file": (io.BytesIO(data), "ds.xlsx")}, content_type="multipart/form-data")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    unused = re.search(r'data-testid="unused-columns">([^<]+)<', html).group(1)
    assert "Khu phố, Số điện thoại, Ghi chú" in unused


def test_both_upload_pages_say_text_files_are_read(tree, db, client_as):
    client = client_as("chair", at=tree.ward_a)
    for url in (f"/members/unit/{tree.ward_a.id}/import", f"/learning/units/{tree.ward_a.id}/import"):
        html = client.get(url).get_data(as_text=True)
        assert "Unicode text" in html and "UTF-16" in html, url
