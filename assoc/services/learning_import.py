"""Learning-model registers from the ward's own Excel/CSV list, through the member import's
engine (assoc/services/imports.py): the same reader (python-calamine for .xlsx/.xls/.ods, CSV
in UTF-8 or Windows-1258), the same header search under title rows, the same footer and
section-row rules, the same row/column error report and the same duplicate report.

    preview = parse(data, filename, unit, model="family", year=2026, default_on=date(...))
    summary = commit(actor, unit, preview, year=2026)      # nothing written if any row is bad

A file the register exports (assoc/blueprints/learning/export.py) reads back in: its
"Mô hình" column says each row's model, its score and recognition columns are ignored (a new
registration starts unassessed), and a date outside the target year can be replaced by one
date for every row, so last year's register becomes this year's in one upload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry, LearningEntry, Member, Unit, User, utcnow
from ..text import clean, search_key, title_name
from . import DomainError, audit
from .imports import (
    COLUMN_NUMBER_RE,
    FOOTER_RE,
    HEADER_SCAN_ROWS,
    ImportFileError,
    ImportPreview,
    ImportRow,
    _branch_index,
    _cell,
    _first_text,
    _is_blank,
    _unit_key,
    header_key,
    read_grid,
)
from .imports import header_field as imports_header_field
from .learning import (
    MODEL_FIELDS,
    MODEL_TITLES,
    NAME_LABELS,
    PERSON_MODELS,
    check_model,
    check_year,
    identity_key,
    ward_of,
)
from .members import cell_text

CHUNK = 500  # entries written between two progress reports
MAX_ROWS = 10_000  # a ward's register is a few hundred rows; a province-wide list is not one

# Header text (search key, punctuation removed) → field. Exact names first, then fragments.
HEADER_EXACT = {
    "stt": "stt", "tt": "stt", "so tt": "stt", "so thu tu": "stt",
    "ten": "name", "ho va ten": "name", "ho ten": "name", "ten chu ho": "name",
    "chu ho": "name", "ho ten chu ho": "name", "ho va ten chu ho": "name",
    "ten dong ho": "name", "dong ho": "name", "ten cong dong": "name",
    "ten to chuc": "name", "ten don vi": "name", "ten co quan don vi": "name",
    "ten co quan": "name", "ten ho gia dinh": "name",
    "ten chi hoi": "branch", "don vi": "branch", "thuoc don vi": "branch",
}
HEADER_FRAGMENTS = [
    ("mo hinh", "model"), ("loai mo hinh", "model"),
    ("ma hoi vien", "member_number"), ("so the", "member_number"), ("ma hv", "member_number"),
    ("nguoi dung dau", "head"), ("truong ho", "head"), ("toc truong", "head"),
    ("truong toc", "head"), ("truong dong ho", "head"),
    ("so nguoi", "people"), ("nhan khau", "people"), ("so thanh vien", "people"),
    ("so ho", "households"),
    ("ngay dang ky", "registered_on"), ("ngay dk", "registered_on"),
    ("cam ket", "commitment"), ("noi dung dang ky", "commitment"),
    ("mo ta", "description"), ("loai hinh", "description"),
    ("dia chi", "address"), ("noi o", "address"), ("cu tru", "address"), ("dia ban", "address"),
    ("chi hoi", "branch"), ("ban khuyen hoc", "branch"),
    ("chu ho", "name"), ("ho va ten", "name"), ("ho ten", "name"),
]

# The columns of the sample file and of the register's export, in order (the importer reads
# every one of them back); the name column's title depends on the model.
COLUMN_TITLES = {
    "stt": "STT", "model": "Mô hình", "name": "Tên / chủ hộ", "head": "Người đứng đầu",
    "address": "Địa chỉ / nơi ở", "people": "Số người", "households": "Số hộ",
    "description": "Mô tả", "member_number": "Mã hội viên", "branch": "Đơn vị",
    "registered_on": "Ngày đăng ký", "commitment": "Cam kết",
}
NAME_TITLES = {"family": "Họ và tên chủ hộ", "clan": "Tên dòng họ",
               "community": "Tên cộng đồng (tổ dân phố, ấp)", "organisation": "Tên đơn vị",
               "citizen": "Họ và tên"}

# A model as people write it in a cell: the official title, with or without "học tập".
MODEL_WORDS = {
    "gia dinh": "family", "ho gia dinh": "family", "dong ho": "clan", "cong dong": "community",
    "don vi": "organisation", "co quan don vi": "organisation", "to chuc": "organisation",
    "cong dan": "citizen",
}


def header_field(text: Any) -> str | None:
    found = imports_header_field(text, HEADER_EXACT, HEADER_FRAGMENTS)
    if found is None and (key := header_key(text)) is not None and key.startswith("ten "):
        return "name"  # "Tên hộ", "Tên dòng họ", "Tên tổ chức"…
    return found


def find_header(grid: list[list[Any]]) -> tuple[int, dict[int, str]]:
    """(header row index, {column: field}): the first row with a name column and another."""
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        fields = {c: header_field(v) for c, v in enumerate(row)}
        found = {f for f in fields.values() if f}
        if "name" in found and len(found) >= 2:
            columns: dict[int, str] = {}
            for c, f in fields.items():
                if f and f not in columns.values():
                    columns[c] = f
            return r, columns
    raise ImportFileError(_(
        "No header row found: the file needs a name column (\"Họ và tên chủ hộ\", \"Tên dòng "
        "họ\", \"Tên đơn vị\"…) and at least one other known column (Địa chỉ, Số người, Ngày "
        "đăng ký, Cam kết…). Download the sample file to see them."))


def check_file(data: bytes, filename: str) -> None:
    """Raise ImportFileError unless the file can be read and has a header (the upload step)."""
    find_header(read_grid(data, filename))


def model_of(value: Any) -> str | None:
    """The model a cell names ("Gia đình học tập", "Dòng họ", "family"), or None."""
    key = search_key(clean(str(value))) if value is not None else ""
    if not key:
        return None
    key = key.removeprefix("learning ").removesuffix(" hoc tap").strip()
    if key in MODEL_FIELDS:
        return key
    return MODEL_WORDS.get(key)


@dataclass
class Settings:
    """What the upload form says about the rows: the model (None: each row's "Mô hình"
    column), the year, and the registration date for rows without one (or for every row)."""

    model: str | None
    year: int
    default_on: date | None
    same_date: bool = False


def _count(value: Any) -> int | str:
    """A whole number above 0 from a cell, or the error message."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and clean(value).isdigit():
        value = int(clean(value))
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 100_000:
        return _("Enter a whole number above 0.")
    return value


def _row_values(raw: dict[str, Any], s: Settings, label_of, members: dict[int, Member]
                ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The entry's values from one row, and the errors as (column label, reason)."""
    errors: list[tuple[str, str]] = []
    v: dict[str, Any] = {}
    cell_model = model_of(raw.get("model"))
    if raw.get("model") is not None and cell_model is None:
        errors.append((label_of("model"), _(
            "Unknown learning model %(v)s: write Gia đình học tập, Dòng họ học tập, Cộng đồng "
            "học tập, Đơn vị học tập or Công dân học tập.", v=cell_text(raw["model"]))))
        return v, errors
    if s.model and cell_model and cell_model != s.model:
        errors.append((label_of("model"), _(
            "This row is a %(row)s; this import is for %(chosen)s.",
            row=MODEL_TITLES[cell_model], chosen=MODEL_TITLES[s.model])))
        return v, errors
    model = s.model or cell_model
    if model is None:
        errors.append((label_of("model"), _("Say which learning model this row is, or choose "
                                            "one model for the whole file.")))
        return v, errors
    v["model"] = model
    fields = MODEL_FIELDS[model]
    v["name"] = cell_text(raw.get("name"))
    v["head"] = title_name(cell_text(raw.get("head"))) if "head" in fields else ""
    v["address"] = cell_text(raw.get("address"))
    v["description"] = cell_text(raw.get("description")) if "description" in fields else ""
    v["commitment"] = ("" if raw.get("commitment") is None else str(raw["commitment"])).strip()
    v["people"] = v["households"] = None
    for f in ("people", "households"):
        if f in fields and raw.get(f) is not None:
            n = _count(raw[f])
            if isinstance(n, str):
                errors.append((label_of(f), n))
            else:
                v[f] = n
    v["member_id"] = None
    if model == "citizen" and raw.get("member_number") is not None:
        text = cell_text(raw["member_number"]).upper().removeprefix("HV-").removeprefix("HV")
        member = members.get(int(text)) if text.isdigit() else None
        if member is None:
            errors.append((label_of("member_number"), _(
                "No member with the number %(v)s in this unit.", v=cell_text(raw["member_number"]))))
        else:
            v["member_id"] = member.id
            v["name"] = v["name"] or member.full_name
            v["address"] = v["address"] or member.address
    if model in PERSON_MODELS:
        v["name"] = title_name(v["name"])
    if not v["name"]:
        errors.append((label_of("name"), _("%(what)s is required.", what=NAME_LABELS[model])))
    for f, limit in (("name", 200), ("head", 200), ("address", 300), ("description", 500),
                     ("commitment", 3000)):
        if len(v[f]) > limit:
            errors.append((label_of(f), _("This text is too long (at most %(n)s characters).",
                                          n=limit)))
    on, typed = s.default_on, raw.get("registered_on")
    if typed is not None and not s.same_date:
        from ..text import parse_date_loose

        try:
            on, _year = parse_date_loose(typed)
        except ValueError:
            on = None
            errors.append((label_of("registered_on"), _(
                "Write the date as day/month/year, e.g. 15/01/%(year)s.", year=s.year)))
        else:
            if on is None:
                errors.append((label_of("registered_on"), _(
                    "Write the whole date (day/month/year), not only the year.")))
    if on is None and not any(c == label_of("registered_on") for c, _m in errors):
        errors.append((label_of("registered_on"), _(
            "The row has no date of registration: fill the column, or give a date for the "
            "rows without one.")))
    elif on is not None and on.year not in (s.year - 1, s.year):
        errors.append((label_of("registered_on"), _(
            "A registration for %(year)s is dated in %(year)s or at the end of the year "
            "before; this row says %(day)s.", year=s.year, day=on.strftime("%d/%m/%Y"))))
    v["registered_on"] = on
    return v, errors


def _members_by_number(unit: Unit, raws: list[dict[str, Any]]) -> dict[int, Member]:
    numbers = set()
    for raw in raws:
        text = cell_text(raw.get("member_number")).upper().removeprefix("HV-").removeprefix("HV")
        if text.isdigit():
            numbers.add(int(text))
    if not numbers:
        return {}
    found = db.session.scalars(select(Member).join(Unit, Member.unit_id == Unit.id).where(
        Member.number.in_(sorted(numbers)), Unit.path.startswith(unit.path, autoescape=True)))
    return {m.number: m for m in found}


def parse(data: bytes, filename: str, unit: Unit, *, model: str | None, year: int,
          default_on: date | None = None, same_date: bool = False) -> ImportPreview:
    """Read and check a register file for `unit` (a ward, or a branch/board below it). Every
    row gets its errors by column; duplicates inside the file and against the entries already
    registered in the unit's sub-tree for the same model and year are marked."""
    if model:
        check_model(model)
    check_year(year)
    if same_date and default_on is None:
        raise DomainError(_("Give the date to use for every row."), "registered_on")
    s = Settings(model or None, year, default_on, same_date)
    grid = read_grid(data, filename)
    header_idx, columns = find_header(grid)
    width = max(len(grid[header_idx]), max((c + 1 for c in columns), default=0))
    labels = [clean(str(v)) if v is not None else "" for v in grid[header_idx]]
    labels += [""] * (width - len(labels))
    field_cols = {f: c for c, f in columns.items()}
    name_col = field_cols["name"]
    branches = _branch_index(unit)
    section_unit: Unit | None = None

    def label_of(f: str) -> str:
        c = field_cols.get(f)
        return labels[c] if c is not None and labels[c] else COLUMN_TITLES.get(f, f)

    pending: list[tuple[int, list[Any], dict[str, Any], Unit | None]] = []
    for r in range(header_idx + 1, len(grid)):
        row = grid[r]
        non_empty = [v for v in row if not _is_blank(v)]
        if not non_empty:
            continue
        first = _first_text(row)
        name_val = _cell(row, name_col)
        if FOOTER_RE.search(first) or (name_val is not None and FOOTER_RE.search(
                search_key(str(name_val)))):
            break
        if name_val is not None and COLUMN_NUMBER_RE.match(str(name_val).strip()):
            continue  # the (1) (2) (3) row under a header
        texts = {str(v).strip() for v in non_empty}
        if len(texts) == 1 and not isinstance(non_empty[0], (int, float)) and (
                len(non_empty) >= 2 or name_val is None):
            # A section row ("Chi hội Khu phố 1") files the rows below it there.
            section_unit = branches.get(_unit_key(next(iter(texts))), section_unit)
            continue
        raw = {f: _cell(row, c) for f, c in field_cols.items()}
        if all(raw.get(k) is None for k in ("name", "member_number", "address", "head")):
            continue  # a row with only a number or a date is not an entry
        pending.append((r + 1, list(row[:width]) + [None] * (width - len(row)), raw,
                        section_unit))
        if len(pending) > MAX_ROWS:
            raise ImportFileError(_("The file has more than %(n)s rows.", n=MAX_ROWS))
    if not pending:
        raise ImportFileError(_("No rows were found under the header."))

    members = _members_by_number(unit, [p[2] for p in pending])
    rows: list[ImportRow] = []
    for row_no, cells, raw, section in pending:
        item = ImportRow(row_no=row_no, raw=cells)
        item.values, item.errors = _row_values(raw, s, label_of, members)
        target = section or unit
        if raw.get("branch") is not None:
            found = branches.get(_unit_key(cell_text(raw["branch"])))
            if found is None:
                item.unknown_branch = cell_text(raw["branch"])[:200]
                item.warnings.append((label_of("branch"), _(
                    "Unknown unit %(v)s: the entry is registered at %(unit)s.",
                    v=item.unknown_branch, unit=target.name)))
            else:
                target = found
        item.unit_id, item.unit_name = target.id, target.name
        if not item.errors:
            item.values["identity_key"] = identity_key(item.values["name"],
                                                       item.values["address"])
        rows.append(item)
    _mark_duplicates(rows, unit, year)
    return ImportPreview(filename=filename, header_row=header_idx + 1, labels=labels,
                         columns=columns, rows=rows)


def _mark_duplicates(rows: list[ImportRow], unit: Unit, year: int) -> None:
    """The same name and address (the entry's identity, as the register form checks it) for the
    same model: twice in the file, or already registered (not withdrawn) that year anywhere in
    the unit's ward, under whichever branch."""
    ward = ward_of(unit)
    good = [r for r in rows if not r.errors]
    keys = sorted({r.values["identity_key"] for r in good})
    existing: dict[tuple[str, str], str] = {}
    for i in range(0, len(keys), 500):
        for model, key, unit_name in db.session.execute(
                select(LearningEntry.model, LearningEntry.identity_key, Unit.name)
                .join(Unit, LearningEntry.unit_id == Unit.id)
                .where(LearningEntry.year == year, LearningEntry.identity_key.in_(keys[i:i + 500]),
                       LearningEntry.withdrawn_at.is_(None),
                       Unit.path.startswith(ward.path, autoescape=True))):
            existing.setdefault((model, key), unit_name)
    seen: dict[tuple[str, str], int] = {}
    for r in good:
        k = (r.values["model"], r.values["identity_key"])
        if k in existing:
            r.duplicate_of = _("%(name)s is already registered at %(unit)s for %(year)s.",
                               name=r.values["name"], unit=existing[k], year=year)
        elif k in seen:
            r.duplicate_of = _("Same name and address as row %(row)s.", row=seen[k])
        else:
            seen[k] = r.row_no


def commit(actor: User | None, unit: Unit, preview: ImportPreview, *, year: int,
           progress=None) -> dict[str, int]:
    """Register the ready rows (duplicates are left out). With any error row nothing is
    written. One history entry for the import, one per entry saying which row it came from.
    `progress(done, total, phase)` is told as the entries are written (a job's progress bar)."""
    if preview.error_rows:
        raise DomainError(_("%(n)s rows have errors: nothing was imported. Fix the file and "
                            "upload it again.", n=len(preview.error_rows)), "file")
    if not unit.is_active():
        raise DomainError(_("The unit is closed."), "file")
    ok = preview.ok_rows
    if not ok:
        raise DomainError(_("Nothing to import: every row is already registered."), "file")
    closed = {u.id for u in db.session.scalars(select(Unit).where(
        Unit.id.in_({r.unit_id for r in ok}))) if not u.is_active()}
    if closed:
        raise DomainError(_("A unit of the file was closed meanwhile: upload the file again."),
                          "file")
    user_id = getattr(actor, "id", None)
    entries = []
    for r in ok:
        v = r.values
        entries.append(LearningEntry(
            unit_id=r.unit_id, model=v["model"], year=year, name=v["name"],
            search_key=search_key(v["name"]), identity_key=v["identity_key"], head=v["head"],
            address=v["address"], people=v["people"], households=v["households"],
            description=v["description"], member_id=v["member_id"],
            registered_on=v["registered_on"], commitment=v["commitment"],
            created_by_id=user_id))
    summary = preview.summary(imported=len(entries))
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            for start in range(0, len(entries), CHUNK):
                db.session.add_all(entries[start:start + CHUNK])
                db.session.flush()
                if progress is not None:
                    progress(min(start + CHUNK, len(entries)), len(entries), "registering")
    except IntegrityError as e:  # registered by someone else between preview and confirm
        raise DomainError(_("Some of these entries were registered meanwhile: upload the file "
                            "again to see them."), "file") from e
    models = sorted({e.model for e in entries})
    entry = audit.record(actor, "learning.import", unit, data={
        "file": preview.filename, "year": year,
        **({"model": models[0]} if len(models) == 1 else {}),
        "read": summary["read"], "imported": summary["imported"],
        "duplicates": summary["duplicates"]})
    now = utcnow()
    db.session.execute(AuditEntry.__table__.insert(), [{
        "at": now, "user_id": user_id, "unit_id": e.unit_id, "action": "learning.imported",
        "object_type": "learningentry", "object_id": e.id,
        "data": {"file": preview.filename, "row": r.row_no, "import": entry.id, "year": year}}
        for e, r in zip(entries, ok, strict=True)])
    db.session.flush()
    return summary


# ---------------------------------------------------------------------------------------------
# The sample file of each register, in the columns the export writes
# ---------------------------------------------------------------------------------------------

SAMPLES = {
    "family": [("Nguyễn Văn Lộc", {"address": "12 Đoàn Văn Bơ, Khu phố 1", "people": 5,
                                   "commitment": "Con cháu đi học đủ, người lớn đọc sách mỗi "
                                                 "tuần"}),
               ("Trần Thị Hoa", {"address": "25 Tôn Đản, Khu phố 2", "people": 3,
                                 "commitment": "Cả nhà học tin học cơ bản"})],
    "clan": [("Dòng họ Lê", {"head": "Lê Văn Tám", "households": 42,
                             "address": "Ấp Bình Thạnh", "commitment": "Lập quỹ khuyến học"})],
    "community": [("Tổ dân phố 5", {"address": "Khu phố 2", "commitment":
                                    "Duy trì tủ sách cộng đồng"})],
    "organisation": [("Trường Tiểu học Nguyễn Trãi", {"description": "Trường học",
                                                      "address": "30 Nguyễn Trãi",
                                                      "commitment": "100% giáo viên tự học"})],
    "citizen": [("Phạm Thị Mai", {"member_number": "", "address": "8 Hoàng Diệu",
                                  "commitment": "Học tiếng Anh giao tiếp"})],
}


def columns_for(model: str | None) -> list[str]:
    """The sample's columns for one model (all of them when None, as the export writes)."""
    if model is None:
        return list(COLUMN_TITLES)
    fields = MODEL_FIELDS[model]
    return ["stt", "model", "name", *[f for f in ("head", "address", "people", "households",
                                                  "description", "member_number")
                                      if f in fields], "branch", "registered_on", "commitment"]


def sample_xlsx(model: str, unit: Unit, year: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..exports import workbook_bytes

    check_model(model)
    cols = columns_for(model)
    wb = Workbook()
    ws = wb.active
    ws.title = "Đăng ký"
    ws.append([f"Danh sách đăng ký {MODEL_TITLES[model]} năm {year}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append([NAME_TITLES[model] if c == "name" else COLUMN_TITLES[c] for c in cols])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for n, (name, extra) in enumerate(SAMPLES[model], start=1):
        values = {"stt": n, "model": MODEL_TITLES[model], "name": name,
                  "registered_on": date(year, 1, 15), "branch": "", **extra}
        ws.append([values.get(c, "") for c in cols])
        ws.cell(ws.max_row, cols.index("registered_on") + 1).number_format = "DD/MM/YYYY"
    for i, c in enumerate(cols):
        ws.column_dimensions[chr(ord("A") + i)].width = {"name": 28, "address": 30,
                                                         "commitment": 40}.get(c, 14)
    return workbook_bytes(wb)
