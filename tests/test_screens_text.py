"""No internal keys or wrong-language words on the everyday screens: error pages in the app's
layout and language, the duplicates page, remuneration lines in English mode."""

import io

from flask_babel import force_locale

from assoc.relabel import relabel

from .builders import build_member, build_user


def test_every_error_page_is_in_the_layout_and_language(app, client, tree, login, monkeypatch):
    login(build_user("chair", tree.ward_a))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    big = io.BytesIO(b"x" * 20_000)
    r = client.post(f"/members/unit/{tree.ward_a.id}/import",
                    data={"file": (big, "list.xlsx")}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 413
    assert "Tệp quá lớn" in html and 'class="navbar' in html and "Request Entity" not in html
    r = client.put("/home")
    assert r.status_code == 405 and 'class="navbar' in r.get_data(as_text=True)


def test_duplicates_heading_is_a_name_and_a_date_not_a_key(tree, client_as):
    for _ in range(2):
        build_member(tree.ward_a, name="Nguyễn Xuân Tuấn", birth="09/04/1999")
    html = client_as("chair", tree.ward_a).get(
        f"/members/unit/{tree.ward_a.id}/duplicates").get_data(as_text=True)
    assert "Nguyễn Xuân Tuấn, 09/04/1999" in html
    assert "nguyen xuan tuan" not in html and "1999-04-09" not in html


def test_remuneration_lines_follow_the_interface_language(app):
    with app.test_request_context():
        with force_locale("en"):
            assert relabel("Chủ tịch; Thủ quỹ") == "Chair; Treasurer"
            assert relabel("Chủ tịch: 1,000 × lương cơ sở") == "Chair: 1,000 × base salary"
            assert relabel("Ông Ba (tự ghi)") == "Ông Ba (tự ghi)"
        with force_locale("vi"):
            assert relabel("Chair: 0,500 × base salary") == "Chủ tịch: 0,500 × lương cơ sở"
