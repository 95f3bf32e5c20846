"""A year-end report travels up in a browser: a city chair defines the template from the
ready-made one; of three wards two submit and one is late; the city chair returns one report,
accepts it after correction, compiles the city's report (which names the missing ward) and
exports it to .docx and PDF."""

from datetime import date

import pytest
from playwright.sync_api import expect

from assoc.demo import DEMO_PASSWORD
from assoc.extensions import db
from assoc.models import today
from assoc.services import units, users

WARDS = [("Phường An Khánh", "chutich.ankhanh"), ("Phường Bình Trưng", "chutich.binhtrung"),
         ("Phường Cát Lái", "chutich.catlai")]


@pytest.fixture(scope="module")
def city(live_app):
    """A city of its own (the demo's wards report to a district), three wards, their chairs."""
    with live_app.app_context():
        root = units.create_unit(None, parent=None, level="province", code="E2E-TD",
                                 name="Hội Khuyến học Thành phố Thủ Đức Mới",
                                 valid_from=date(2020, 1, 1))
        chair = users.create_user(None, username="chutich.thuduc", full_name="Lê Văn Thành",
                                  password=DEMO_PASSWORD)
        units.grant_role(None, chair, root, "chair", valid_from=date(2025, 1, 1))
        for n, (name, username) in enumerate(WARDS):
            ward = units.create_unit(None, parent=root, level="commune", code=f"E2E-TD-{n}",
                                     name=f"Hội Khuyến học {name}", valid_from=date(2020, 1, 1))
            user = users.create_user(None, username=username, full_name=f"Chủ tịch {name}",
                                     password=DEMO_PASSWORD)
            user.phone = f"090812345{n}"
            units.grant_role(None, user, ward, "chair", valid_from=date(2025, 1, 1))
        db.session.commit()
        return root.id


def login(browser, base_url, username):
    page = browser.new_page()
    page.goto(f"{base_url}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base_url}/home")
    return page


def open_my_report(page, title):
    page.get_by_test_id("nav-periodic").click()
    page.get_by_role("link", name=title).click()


def fill_sections(page, **texts):
    for key, text in texts.items():
        page.get_by_test_id(f"text-{key}").fill(text)


def test_reports_travel_up_and_are_compiled(browser, base_url, city, tmp_path):
    year = today().year - 1
    title = f"Báo cáo tổng kết năm {year}"
    # the city chair defines last year's template from the ready-made year-end one, due already
    # (when last year ended: a due date is never before the period ends)
    boss = login(browser, base_url, "chutich.thuduc")
    boss.goto(f"{base_url}/periodic/units/{city}")
    boss.get_by_test_id("new-year-end").click()
    expect(boss.get_by_label("Tên báo cáo")).to_have_value(f"Báo cáo tổng kết năm {year + 1}")
    boss.get_by_label("Tên báo cáo").fill(title)
    boss.get_by_label("Kỳ báo cáo từ").fill(f"01/01/{year}")
    boss.get_by_label("Đến", exact=True).fill(f"31/12/{year}")
    boss.get_by_label("Hạn nộp báo cáo").fill(f"31/12/{year}")
    boss.get_by_role("button", name="Lưu mẫu báo cáo").click()
    expect(boss.get_by_test_id("template-title")).to_have_text(title)
    expect(boss.get_by_test_id("count-not_started")).to_have_text("3")

    # ward 1 submits, with a corrected figure and its reason
    ward1 = login(browser, base_url, WARDS[0][1])
    open_my_report(ward1, title)
    ward1.get_by_test_id("start-report").click()
    ward1.get_by_test_id("fig-members.total").fill("120")
    ward1.get_by_test_id("save-draft").click()
    expect(ward1.get_by_test_id("form-error")).to_contain_text("lý do")
    expect(ward1.get_by_test_id("fig-members.total")).to_have_value("120")  # nothing lost
    ward1.get_by_test_id("why-members.total").fill("Danh sách giấy chưa nhập vào hệ thống")
    fill_sections(ward1, achievements="Kết nạp 120 hội viên", limits="Thu hội phí chậm",
                  tasks="Hoàn thành thu hội phí")
    ward1.get_by_test_id("save-submit").click()
    expect(ward1.get_by_test_id("report-status")).to_contain_text("Đã gửi")
    expect(ward1.get_by_test_id("corrected-row")).to_contain_text("Danh sách giấy")

    # ward 2 forgets a required section first; what was typed stays
    ward2 = login(browser, base_url, WARDS[1][1])
    open_my_report(ward2, title)
    ward2.get_by_test_id("start-report").click()
    fill_sections(ward2, achievements="Tổ chức ngày hội đọc sách", tasks="Trao học bổng")
    ward2.get_by_test_id("save-submit").click()
    expect(ward2.get_by_test_id("form-error")).to_contain_text("Hạn chế và nguyên nhân")
    expect(ward2.get_by_test_id("text-achievements")).to_have_value("Tổ chức ngày hội đọc sách")
    fill_sections(ward2, limits="Kinh phí hạn hẹp")
    ward2.get_by_test_id("save-submit").click()
    expect(ward2.get_by_test_id("report-status")).to_contain_text("Đã gửi")

    # the city sees two submitted and one late, with the late chair's phone; returns ward 1
    boss.reload()
    expect(boss.get_by_test_id("count-submitted")).to_have_text("2")
    expect(boss.get_by_test_id("late-list")).to_contain_text(WARDS[2][0])
    expect(boss.get_by_test_id("late-list")).to_contain_text("0908123452")
    boss.get_by_test_id("board-row").filter(has_text=WARDS[0][0]).get_by_role(
        "link", name="Mở báo cáo").click()
    boss.get_by_label("Ý kiến (bắt buộc khi trả lại báo cáo)").fill(
        "Đề nghị bổ sung nguyên nhân hạn chế")
    boss.get_by_test_id("return-report").click()
    expect(boss.get_by_test_id("count-returned")).to_have_text("1")

    # ward 1 corrects and submits again
    open_my_report(ward1, title)
    ward1.get_by_test_id("edit-report").click()
    expect(ward1.get_by_test_id("review-comment")).to_contain_text("bổ sung nguyên nhân")
    fill_sections(ward1, limits="Thu hội phí chậm do hội viên đi làm xa")
    ward1.get_by_test_id("save-submit").click()
    expect(ward1.get_by_test_id("report-status")).to_contain_text("Đã gửi")

    # the city accepts both, then compiles: the late ward is named as missing
    for name, _user in WARDS[:2]:
        boss.get_by_test_id("board-row").filter(has_text=name).get_by_role(
            "link", name="Mở báo cáo").click()
        boss.get_by_test_id("accept-report").click()
    expect(boss.get_by_test_id("count-accepted")).to_have_text("2")
    boss.get_by_test_id("start-report").click()
    boss.get_by_role("link", name="Hủy").click()
    expect(boss.get_by_test_id("missing-units")).to_contain_text(WARDS[2][0])
    members = boss.get_by_test_id("figures").first.locator("tr").nth(1)
    expect(members).to_contain_text("120")  # ward 1's reported figure is added up

    with boss.expect_download() as download:
        boss.get_by_test_id("export-docx").click()
    assert download.value.suggested_filename.endswith(".docx")
    path = tmp_path / "r.docx"
    download.value.save_as(path)
    import zipfile

    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert "Độc lập - Tự do - Hạnh phúc" in xml and WARDS[2][0] in xml
    response = boss.request.get(base_url + boss.get_by_test_id("export-pdf").get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
