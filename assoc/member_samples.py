"""A messy member list like ward chairs really keep, for the demo, the docs and the tests.

Every oddity the importer must handle is in it: title rows above a two-row header with merged
cells ("Năm sinh" over "Nam | Nữ"), a row of column numbers, ALL CAPS and lower-case names,
decomposed Unicode, real Excel dates and text dates (dd/mm/yyyy, d-m-yy, year only), phones with
+84, dots, spaces, lost leading zeros and old 11-digit prefixes, a CCCD that lost its leading
zero, a "Chi hội" column merged down several rows, a section row, blank rows, a duplicate, bad
rows, and a totals and signature block at the bottom."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime

# What the importer must make of the sample: (name, birth, sex, cccd, phone, branch, status)
EXPECTED = [
    ("Nguyễn Văn An", "1958-03-12", "M", "079058001234", "0912345678", "Khu phố 1", "ok"),
    ("Trần Thị Bích", "1962", "F", "079162004321", "0381234567", "Khu phố 1", "ok"),
    ("Lê Hoàng Nam", "1985-07-05", "M", None, "0987654321", "Khu phố 1", "ok"),
    ("Phạm Thị Dung", None, "F", None, None, None, "error"),          # CCCD 12345
    ("Võ Văn Em", None, "M", None, None, None, "error"),              # 31/02/1970
    ("Đặng Thị Giang", None, "F", None, None, None, "error"),         # born in 2090
    ("Nguyễn Văn An", "1958-03-12", "M", "079058001234", None, None, "duplicate"),
    ("Huỳnh Thị Hoa", "1970", "F", None, "0903123456", "Khu phố 2", "ok"),
    ("Bùi Văn Khánh", "1975-11-20", "M", "079075009876", "0356789012", "Khu phố 2", "ok"),
    ("Dương Thị Lan", "1980", "F", None, "0708123456", "Khu phố 2", "ok"),
]


def messy_member_workbook(*, ward: str = "PHƯỜNG KHÁNH HỘI", year: int = 2026) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "DS hội viên"
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    ws.append([f"HỘI KHUYẾN HỌC {ward}"])
    ws.merge_cells("A1:K1")
    ws.append([f"DANH SÁCH HỘI VIÊN NĂM {year}"])
    ws.merge_cells("A2:K2")
    ws.append([])
    ws.append(["STT", "Họ và tên", "Năm sinh", None, "Số CCCD", "Điện thoại", "Địa chỉ",
               "Chi hội", "Ngày vào hội", "Nghề nghiệp", "Ghi chú"])
    ws.merge_cells("C4:D4")
    for col in "ABEFGHIJK":
        ws.merge_cells(f"{col}4:{col}5")
    ws.append([None, None, "Nam", "Nữ"])
    ws.append([f"({i})" for i in range(1, 12)])
    rows = [
        [1, "NGUYỄN VĂN AN", datetime(1958, 3, 12), None, 79058001234, "+84 912 345 678",
         "12 Bến Vân Đồn", "Khu phố 1", "15/3/2010", "Hưu trí", ""],
        [2, nfd("Trần Thị Bích"), None, "1962", "079162004321", "0168 123 4567",
         "25 Hoàng Diệu", None, 2012, "Giáo viên", ""],
        [3, "lê hoàng nam", "5-7-85", None, None, "098.765.4321", "40 Tôn Đản", None,
         "01/09/2015", "Kỹ sư", ""],
        [None, None, None, None, None, None, None, None, None, None, None],
        [4, "Phạm Thị Dung", None, "1966", "12345", "0913000111", "", None, "", "", ""],
        [5, "Võ Văn Em", "31/02/1970", None, None, "0913000222", "", None, "", "", ""],
        [6, "Đặng Thị Giang", None, "01/01/2090", None, "0913000333", "", None, "", "", ""],
        [7, "Nguyễn Văn An", "12/03/1958", None, "079058001234", "", "", None, "", "",
         "Ghi trùng"],
    ]
    for r in rows:
        ws.append(r)
    first_data = 7
    ws.merge_cells(f"H{first_data}:H{first_data + 2}")  # "Khu phố 1" merged down three rows
    ws.append(["Chi hội Khu phố 2"])
    ws.merge_cells(f"A{ws.max_row}:K{ws.max_row}")
    for r in [
        [8, "Huỳnh Thị Hoa", None, 1970, None, 903123456, "7 Đoàn Như Hài", None, "2018",
         "Buôn bán", ""],
        [9, "BÙI VĂN KHÁNH", "20/11/1975", None, "079075009876", "0356.789.012",
         "3 Nguyễn Tất Thành", None, datetime(2019, 10, 2), "Công nhân", ""],
        [10, "Dương Thị Lan", None, "1980", None, "0120 8123 456", "", None, "", "",
         "Nội trợ"],
    ]:
        ws.append(r)
    ws.append([])
    ws.append(["Tổng cộng: 10 hội viên"])
    ws.merge_cells(f"A{ws.max_row}:D{ws.max_row}")
    ws.append([])
    ws.append([None, None, None, None, None, None, None, None,
               f"Khánh Hội, ngày 10 tháng 3 năm {year}"])
    ws.append([None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, None, "CHỦ TỊCH"])
    ws.append([None, "(Ký, ghi rõ họ tên)"])
    ws.append([])
    ws.append([None, "Trần Văn Bình", None, None, None, None, None, None, "Nguyễn Thị Thu"])
    for col, width in zip("ABCDEFGHIJK", (5, 24, 11, 11, 15, 16, 22, 14, 13, 12, 12),
                          strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
