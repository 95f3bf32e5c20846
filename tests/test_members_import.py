"""Importing real-world member lists: every oddity, preview, confirm, rejected rows, CLI,
export round trip."""

import io
import unicodedata
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from assoc.member_samples import EXPECTED, messy_member_workbook
from assoc.models import AuditEntry, Member
from assoc.services import DomainError, audit, imports
from assoc.services import members as svc

from .builders import build_member, build_unit, build_user, build_workbook

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Điện thoại"]


@pytest.fixture
def khanh_hoi(tree, db):
    """ward_a with branches named like the sample file's "Chi hội" column."""
    kp1 = build_unit("branch_kp1", tree.ward_a, display_name="Chi hội Khu phố 1")
    kp2 = build_unit("branch_kp2", tree.ward_a, display_name="Chi hội Khu phố 2")
    db.session.commit()
    return tree.ward_a, kp1, kp2


def count(db):
    return db.session.scalar(select(func.count(Member.id)))


def test_messy_sample_is_understood(khanh_hoi, db):
    ward, kp1, kp2 = khanh_hoi
    preview = imports.parse(messy_member_workbook(), "ds.xlsx", ward)
    assert preview.header_row == 4
    got = []
    for row in preview.rows:
        v = row.values
        birth = v["birth_date"].isoformat() if v.get("birth_date") else (
            str(v["birth_year"]) if v.get("birth_year") else None)
        got.append((v["full_name"], birth if row.status != "error" else None, v["sex"],
                    v["cccd"] if row.status != "error" else None,
                    (v["phone"] or None) if row.status == "ok" else None,
                    row.unit_name.replace("Chi hội ", "") if row.status == "ok" else None,
                    row.status))
    assert got == EXPECTED
    assert [r.row_no for r in preview.rows] == [7, 8, 9, 11, 12, 13, 14, 16, 17, 18]
    errors = {r.row_no: r.errors for r in preview.error_rows}
    assert errors[11][0][0] == "Số CCCD" and "12" in errors[11][0][1]
    assert errors[12][0][0] == "Năm sinh (Nam)"
    assert errors[13][0][0] == "Năm sinh (Nữ)"
    assert "7" in preview.duplicate_rows[0].duplicate_of    # same CCCD as row 7
    assert preview.summary() == {"read": 10, "valid": 6, "imported": 0, "duplicates": 1,
                                 "possible": 0, "errors": 3, "notices": 0}


def test_with_errors_nothing_is_written_unless_valid_only(khanh_hoi, db):
    ward, kp1, kp2 = khanh_hoi
    preview = imports.parse(messy_member_workbook(), "ds.xlsx", ward)
    with pytest.raises(DomainError) as err:
        imports.commit(None, ward, preview)
    assert err.value.field == "valid_only"
    assert count(db) == 0
    summary = imports.commit(None, ward, preview, valid_only=True)
    db.session.commit()
    assert summary == {"read": 10, "valid": 6, "imported": 6, "duplicates": 1, "possible": 0, "errors": 3, "notices": 0}
    members = {m.full_name: m for m in db.session.scalars(select(Member))}
    assert set(members) == {"Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Nam", "Huỳnh Thị Hoa",
                            "Bùi Văn Khánh", "Dương Thị Lan"}
    an = members["Nguyễn Văn An"]
    assert (an.unit_id, an.cccd, an.phone, an.joined_on, an.given_name_key) == (
        kp1.id, "079058001234", "0912345678", date(2010, 3, 15), "an")
    assert members["Trần Thị Bích"].joined_on == date(2012, 1, 1)
    assert members["Bùi Văn Khánh"].unit_id == kp2.id
    assert sorted(m.number for m in members.values()) == [1, 2, 3, 4, 5, 6]
    assert len({m.card_token for m in members.values()}) == 6
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "member.import")).one()
    assert entry.data["imported"] == 6
    # Importing the same file again finds them all as duplicates of existing members.
    again = imports.parse(messy_member_workbook(), "ds.xlsx", ward)
    assert again.summary()["valid"] == 0
    # Those with a CCCD are the same people; those without one are possible duplicates
    # (same name and birth date), skipped unless chosen.
    assert (again.summary()["duplicates"], again.summary()["possible"]) == (4, 3)
    assert "HV-00000" in again.rows[0].duplicate_of
    assert again.to_import() == []
    # One entry for the whole import (who, when, which file, how many, which numbers), not
    # one per member; each member's history finds it.
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action.like("member.%"))) == 1
    assert (entry.data["file"], entry.data["numbers"]) == ("ds.xlsx", [1, 6])
    assert {audit.member_history(m)[0].id for m in members.values()} == {entry.id}


def test_rejected_rows_download_has_an_error_column(khanh_hoi):
    ward, _kp1, _kp2 = khanh_hoi
    preview = imports.parse(messy_member_workbook(), "ds.xlsx", ward)
    ws = load_workbook(io.BytesIO(imports.rejected_xlsx(preview))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Dòng" and rows[0][-1] == "Lỗi"
    assert [r[0] for r in rows[1:]] == [11, 12, 13, 14]
    assert rows[1][2] == "Phạm Thị Dung" and "Số CCCD" in rows[1][-1]


def test_csv_with_semicolons_bom_decomposed_unicode_and_totals(tree, db):
    text = "\n".join([
        "DANH SÁCH HỘI VIÊN CHI HỘI KHU PHỐ 1;;;",
        ";;;",
        "Ghi chú;Điện thoại;Ngày vào hội;Họ tên;Năm sinh;CMND/CCCD",   # any order
        f";0912 345 678;02/9/2015;{unicodedata.normalize('NFD', 'PHẠM THỊ ĐÀO')};1960;",
        ";;;;;",
        "Hưu trí;84 903 123 456;;đỗ văn lực;12.4.1950;079050001111",
        ";;;Tổng cộng: 2;;",
        ";;;Nguyễn Văn Ký Tên;;",
    ])
    data = ("\ufeff" + text).encode("utf-8")
    preview = imports.parse(data, "kp1.csv", tree.ward_a)
    assert [r.values["full_name"] for r in preview.rows] == ["Phạm Thị Đào", "Đỗ Văn Lực"]
    dao, luc = preview.rows
    assert dao.values["full_name"] == unicodedata.normalize("NFC", "Phạm Thị Đào")
    assert dao.values["birth_year"] == 1960 and dao.values["birth_date"] is None
    assert dao.values["joined_on"] == date(2015, 9, 2)
    assert luc.values["phone"] == "0903123456"
    assert luc.values["birth_date"] == date(1950, 4, 12)
    assert luc.values["notes"] == "Hưu trí"


def cp1258(text: str) -> bytes:
    """Windows-1258 has base letters and combining tone marks, not every precomposed letter."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            nfd = unicodedata.normalize("NFD", ch)
            tone = next(c for c in nfd if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", nfd.replace(tone, ""))
            out.append((base + tone).encode("cp1258"))
    return b"".join(out)


def test_csv_in_windows_1258_with_split_name_columns(tree):
    text = "STT,Họ và tên đệm,Tên,Ngày sinh\r\n1,Trần Văn,Bình,03/04/1970\r\n"
    preview = imports.parse(cp1258(text), "old.csv", tree.ward_a)
    assert preview.rows[0].values["full_name"] == "Trần Văn Bình"


def test_real_excel_dates_serials_and_numbers(tree):
    data = build_workbook([
        HEADER + ["Ngày vào hội"],
        [1, "Lê Văn Một", datetime(1960, 1, 2), "nam", 1234567890, 912345678, 2010],
        [2, "Lê Văn Hai", 22282, "Nam", "001060012345", "0912 000 111", "01-02-10"],
    ], title_rows=[["HỘI KHUYẾN HỌC XÃ CỦ CHI"], []])
    one, two = imports.parse(data, "x.xlsx", tree.ward_a).rows
    assert one.values["birth_date"] == date(1960, 1, 2)
    assert one.values["cccd"] == "001234567890"      # 10 digits: two zeros lost
    assert one.values["phone"] == "0912345678"
    assert one.values["joined_on"] == date(2010, 1, 1)
    assert two.values["birth_date"] == date(1961, 1, 1)   # Excel serial 22282
    assert two.values["joined_on"] == date(2010, 2, 1)


def identity_file():
    return build_workbook([
        HEADER,
        [1, "Nguyễn Văn Bảy", "01/01/1970", "Nam", "079070000011", "0911000222"],
        [2, "Nguyễn Văn Bảy", "01/01/1970", "Nam", "079070000012", "0911000222"],  # another CCCD
        [3, "Nguyễn V. Bảy", "", "Nam", "", "+84911000222"],     # no name match: ok
        [4, "NGUYỄN VĂN BẢY", "", "Nam", "", "0911 000 222"],      # phone + name, no CCCD
        [5, "Trần Văn Tám", "02/02/1972", "Nam", "", ""],
        [6, "TRẦN VĂN TÁM", "02/02/1972", "Nam", "", ""],          # name + birth, no CCCD
        [7, "Võ Thị Sáu", "1950", "Nữ", "079150000001", ""],        # same CCCD as a member here
        [8, "Võ Thị Sáu", "1950", "Nữ", "", ""],                    # name + birth, no CCCD
        [9, "Lê Văn Mười", "1980", "Nam", "079080000002", ""],      # a member the user cannot see
        [10, "Phạm Thị Chín", "1970", "Nữ", "079070000003", ""],    # same CCCD, other association
        [11, "Đỗ Văn Mười Một", "1960", "Nam", "00057154629", ""],  # text CCCD, 11 digits
        [12, "Đỗ Văn Mười Hai", "1960", "Nam", "0791 5000 0099", ""],
        [13, "Đỗ Văn Mười Ba", "1960", "Nam", 79150000098, ""],     # a number cell lost its 0
    ])


def test_import_identity_rules(tree, db):
    """Issue 15's spec, one case per row."""
    chair = build_user("chair", tree.ward_a)
    sau = build_member(tree.ward_a, "Võ Thị Sáu", birth="1950", cccd="079150000001")
    build_member(tree.ward_c, "Lê Văn Mười", birth="1980", cccd="079080000002")
    other = build_unit("city_other")  # another association: never compared
    build_member(other, "Phạm Thị Chín", birth="1970", cccd="079070000003")
    preview = imports.parse(identity_file(), "x.xlsx", tree.ward_a, user=chair)
    rows = {r.values["full_name"] if r.row_no != 4 else "row 4": r for r in preview.rows}
    status = [r.status for r in preview.rows]
    assert status == ["ok", "ok", "ok", "possible", "ok", "possible", "duplicate", "possible",
                      "duplicate", "ok", "error", "ok", "ok"]
    by_row = {r.row_no - 1: r for r in preview.rows}
    assert "2" in by_row[4].possible_of and "CCCD" in by_row[4].possible_of   # row 2 of the sheet
    assert "6" in by_row[6].possible_of
    assert sau.display_number in by_row[7].duplicate_of
    assert sau.display_number in by_row[8].possible_of
    hidden = by_row[9].duplicate_of
    assert "nơi khác" in hidden and "HV-" not in hidden and "Mười" not in hidden
    assert tree.ward_c.name not in hidden
    assert by_row[11].errors and by_row[11].errors[0][0] == "Số CCCD"
    assert by_row[12].values["cccd"] == "079150000099"
    assert by_row[13].values["cccd"] == "079150000098"
    assert preview.summary() == {"read": 13, "valid": 7, "imported": 0, "duplicates": 2,
                                 "possible": 3, "errors": 1, "notices": 3}
    del rows
    # The command line sees everything: the hidden member is named there.
    assert "HV-" in imports.parse(identity_file(), "x.xlsx", tree.ward_a).rows[8].duplicate_of
    # Import with one possible duplicate chosen: the choice is recorded.
    summary = imports.commit(chair, tree.ward_a, preview, valid_only=True,
                             possible={by_row[4].row_no})
    db.session.commit()
    assert summary["imported"] == 8
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "member.import")).one()
    assert entry.data["possible_imported"] == [5]
    assert entry.data["possible_skipped"] == [7, 9]


def test_duplicate_check_reads_only_the_files_keys(tree, db, monkeypatch):
    build_member(tree.ward_a, "Võ Thị Sáu", birth="1950", cccd="079150000001")
    for i in range(30):
        build_member(tree.ward_b, f"Người Thứ {i}", cccd=f"0791500002{i:02d}")
    statements = []
    from sqlalchemy import event

    def seen(conn, cursor, statement, params, context, many):
        if "FROM member" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        preview = imports.parse(identity_file(), "x.xlsx", tree.ward_a)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert preview.rows[6].status == "duplicate"
    # Every member query is by the file's own keys (one list parameter: a JSON array on SQLite,
    # an array on PostgreSQL), never a read of the table.
    assert statements and all(" IN (SELECT" in s and "json_each" in s or "= ANY (" in s
                              for s in statements), statements


@pytest.mark.parametrize("data, words", [
    (b"", "trống"),
    (b"   \n  ", "trống"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "bảng tính"),
    (b"PK\x03\x04garbage-not-a-zip", "bảng tính"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xlsx"),
    ("Chào anh,\nđây là thư mời họp.\n".encode(), "tiêu đề"),
])
def test_bad_files_give_a_clear_message(tree, db, data, words):
    with pytest.raises(DomainError) as err:
        imports.parse(data, "f", tree.ward_a)
    assert words in str(err.value)
    assert err.value.field == "file"
    assert count(db) == 0


def test_file_over_the_size_limit(app, tree):
    app.config["IMPORT_MAX_BYTES"] = 1000
    try:
        with pytest.raises(DomainError, match="MB"):
            imports.parse(b"x" * 1001, "big.csv", tree.ward_a)
    finally:
        app.config.pop("IMPORT_MAX_BYTES")


def test_header_without_data_rows(tree):
    with pytest.raises(DomainError, match="Không tìm thấy dòng hội viên"):
        imports.parse(build_workbook([HEADER, [], ["Tổng cộng"]]), "x.xlsx", tree.ward_a)


def test_export_imports_back_unchanged(tree, db):
    svc.create_member(None, tree.branch_a, full_name="Nguyễn Thị Thu", birth="05/07/1985",
                      sex="F", cccd="079185001234", phone="0912345678", address="12 Bến Vân Đồn",
                      occupation="Giáo viên", joined_on=date(2015, 10, 2), notes="Tổ trưởng")
    svc.create_member(None, tree.ward_a, full_name="Trần Văn Bình", birth="1962", sex="M")
    svc.create_member(None, tree.ward_a, kind="collective", full_name="Trường THCS Khánh Hội A",
                      representative="Lê Thị Vân", contact="028 3940 1234", honorary=True)
    db.session.commit()
    members = db.session.scalars(svc.member_query(None, tree.ward_a, svc.ListFilters())).all()
    fields = ["kind", "honorary", "full_name", "birth_date", "birth_year", "sex", "cccd",
              "phone", "address", "occupation", "joined_on", "representative", "contact", "notes"]
    original = [({f: getattr(m, f) for f in fields}, m.unit_id) for m in members]
    for exporter in (imports.export_xlsx, imports.export_csv):
        preview = imports.parse(exporter(members, tree.ward_a), "export", tree.ward_a)
        # The people exist already (same CCCD; same name + birth and no CCCD: possible); the
        # organisation has neither.
        assert [r.status for r in preview.rows] == ["possible", "duplicate", "ok"]
        back = [({f: r.values[f] for f in fields}, r.unit_id) for r in preview.rows]
        assert back == original


def test_cli_import_dry_run_and_valid_only(app, khanh_hoi, db, tmp_path):
    ward, _kp1, _kp2 = khanh_hoi
    path = tmp_path / "ds.xlsx"
    path.write_bytes(messy_member_workbook())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-members", str(path), "--unit", ward.code, "--dry-run"])
    assert "read: 10, imported: 0 (dry run), duplicates: 1, errors: 3" in result.output
    assert count(db) == 0
    result = runner.invoke(args=["import-members", str(path), "--unit", ward.code])
    assert result.exit_code == 1
    assert count(db) == 0
    result = runner.invoke(args=["import-members", str(path), "--unit", ward.code.lower(),
                                 "--valid-only"])
    assert result.exit_code == 0, result.output
    assert "read: 10, imported: 6, duplicates: 1, errors: 3" in result.output
    db.session.expire_all()
    assert count(db) == 6
    result = runner.invoke(args=["import-members", str(path), "--unit", "NOPE"])
    assert result.exit_code == 1


def test_imported_members_are_found_by_the_search_index_and_it_keeps_working(khanh_hoi, db):
    """The import fills the search index in one statement (SQLite FTS5: its insert trigger is
    paused for the bulk insert); afterwards, and after a failed import, it is kept as before."""
    ward, _kp1, _kp2 = khanh_hoi

    def found(q):
        return sorted(m.full_name for m in db.session.scalars(
            svc.member_query(None, ward, svc.ListFilters(q=q))))

    preview = imports.parse(messy_member_workbook(), "ds.xlsx", ward)
    imports.commit(None, ward, preview, valid_only=True)
    db.session.commit()
    assert found("hoang nam") == ["Lê Hoàng Nam"]
    assert found("0912345678") == ["Nguyễn Văn An"]
    assert found("058001234") == ["Nguyễn Văn An"]
    # A failed bulk insert leaves the index as it was, trigger included.
    preview = imports.parse(build_workbook([["STT", "Họ và tên", "Năm sinh"],
                                            [1, "Đoàn Văn Rủi", "1970"]]), "b.xlsx", ward)
    original = imports._insert_members
    imports._insert_members = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk"))
    try:
        with pytest.raises(RuntimeError):
            imports.commit(None, ward, preview)
    finally:
        imports._insert_members = original
    db.session.rollback()
    svc.create_member(None, ward, full_name="Đặng Thị Sau", birth="1980")
    db.session.commit()
    assert found("thi sau") == ["Đặng Thị Sau"]
    assert found("doan van") == []
