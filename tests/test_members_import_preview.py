"""The import preview a ward chair reads: summary first, errors first with an "errors only"
filter, repeated notices as one line with a "create this branch" action, a confirm button that
says what will happen, nothing capped silently, possible duplicates chosen and recorded."""

import io
import re

import pytest
from sqlalchemy import func, select

from assoc.models import AuditEntry, Member, Unit

from .builders import build_member, build_workbook

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Số CCCD", "Chi hội"]


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    yield
    app.config.pop("IMPORT_DIR", None)


def upload(client, unit, rows):
    response = client.post(f"/members/unit/{unit.id}/import", data={
        "file": (io.BytesIO(build_workbook([HEADER, *rows])), "ds.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def many_rows(n, branch="Chi hội TDP số 4"):
    return [[i, f"Nguyễn Văn Người {i}", "1970", f"0790700{i:05d}", branch]
            for i in range(1, n + 1)]


def test_repeated_notices_are_one_line_and_errors_come_first(tree, client_as, db):
    client = client_as("chair", at=tree.ward_a)
    rows = many_rows(40) + [[41, "Lê Văn Lỗi", "31/02/1970", "", ""],
                            [42, "Lê Văn Sai", "1970", "00057154629", ""]]
    url = upload(client, tree.ward_a, rows)
    html = client.get(url).get_data(as_text=True)
    assert re.search(r'data-testid="count-valid">40<', html)
    assert re.search(r'data-testid="count-errors">2<', html)
    assert re.search(r'data-testid="count-notices">40<', html)
    assert html.count('data-testid="notice"') == 1
    assert "40 dòng" in html and "Chi hội TDP số 4" in html
    # The problems table (errors) comes before the notices.
    assert html.index('data-testid="error-row"') < html.index('data-testid="notices"')
    # The button says what will happen: the 40 valid rows, the errors left out.
    button = re.search(r'data-testid="confirm-import">\s*([^<]+)<', html).group(1)
    assert "40" in button
    assert "2 dòng lỗi" in html
    # The column badges speak the interface language, not field names.
    assert "Họ và tên → Họ và tên" in html and "full_name" not in html
    english = client.get("/lang/en", headers={"Referer": url})
    assert english.status_code in (302, 303)
    assert "Họ và tên → Full name" in client.get(url).get_data(as_text=True)


def test_errors_only_filter_and_nothing_capped_silently(tree, client_as, db, monkeypatch):
    from assoc.blueprints.members import importing

    monkeypatch.setattr(importing, "SHOW_ROWS", 3)
    client = client_as("chair", at=tree.ward_a)
    rows = [[i, f"Người Lỗi {i}", "32/01/1970", "", ""] for i in range(1, 6)]
    rows += [[9, "Võ Thị Sáu", "1950", "079150000001", ""]]
    build_member(tree.ward_a, "Võ Thị Sáu", birth="1950", cccd="079150000001")
    url = upload(client, tree.ward_a, rows)
    html = client.get(url).get_data(as_text=True)
    assert "3" in re.search(r'data-testid="rows-capped">([^<]+)', html).group(1)
    assert "6" in re.search(r'data-testid="rows-capped">([^<]+)', html).group(1)
    assert html.count('data-testid="error-row"') == 3
    every = client.get(url + "?all=1").get_data(as_text=True)
    assert every.count('data-testid="error-row"') == 5 and 'data-testid="duplicate-row"' in every
    errors_only = client.get(url + "?show=errors&all=1").get_data(as_text=True)
    assert 'data-testid="duplicate-row"' not in errors_only
    # Nothing can be imported: no button, a plain sentence instead.
    assert 'data-testid="confirm-import"' not in html
    assert 'data-testid="nothing-to-import"' in html


def test_create_the_missing_branch_from_the_preview(tree, client_as, db):
    clerk = client_as("clerk", at=tree.ward_a)
    url = upload(clerk, tree.ward_a, many_rows(3))
    html = clerk.get(url).get_data(as_text=True)
    assert 'data-testid="create-branch"' not in html  # a clerk may not create units
    assert clerk.post(url + "/branch", data={"name": "Chi hội TDP số 4"}).status_code == 403
    chair = client_as("chair", at=tree.ward_a)
    url = upload(chair, tree.ward_a, many_rows(3))
    assert 'data-testid="create-branch"' in chair.get(url).get_data(as_text=True)
    assert chair.get(url + "/branch").status_code == 405  # GET changes nothing
    response = chair.post(url + "/branch", data={"name": "Chi hội TDP số 4"})
    assert response.status_code == 302
    branch = db.session.scalar(select(Unit).where(Unit.name == "Chi hội TDP số 4"))
    assert branch is not None and branch.parent_id == tree.ward_a.id
    html = chair.get(url).get_data(as_text=True)
    assert 'data-testid="notice"' not in html
    chair.post(url, data={})
    assert db.session.scalar(select(func.count(Member.id)).where(
        Member.unit_id == branch.id)) == 3


def test_possible_duplicates_default_to_skip_and_the_choice_is_recorded(tree, client_as, db):
    build_member(tree.ward_a, "Trần Văn Tám", birth="02/02/1972")
    client = client_as("chair", at=tree.ward_a)
    rows = [[1, "Trần Văn Tám", "02/02/1972", "079072000001", ""],
            [2, "Phạm Văn Mới", "1990", "079090000002", ""]]
    url = upload(client, tree.ward_a, rows)
    html = client.get(url).get_data(as_text=True)
    assert re.search(r'data-testid="count-possible">1<', html)
    assert 'id="possible-skip" value="skip" checked' in html
    client.post(url, data={"possible_all": "each", "possible": ["2"]})
    names = set(db.session.scalars(select(Member.full_name)))
    assert names == {"Trần Văn Tám", "Phạm Văn Mới"}
    assert db.session.scalar(select(func.count(Member.id))) == 3
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "member.import")).one()
    assert entry.data["possible_imported"] == [2]
    # The imported member's history shows the import.
    member = db.session.scalar(select(Member).where(Member.full_name == "Phạm Văn Mới"))
    show = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "member.imported" in show or "ds.xlsx" in show
