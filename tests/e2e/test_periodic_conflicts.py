"""Two chairs edit one draft report in two browsers: the second save keeps the first person's
text in the section the second never touched, shows side by side only the section both
changed, and writes nothing until the second person chooses."""

from datetime import date

import pytest
from playwright.sync_api import expect

from assoc.demo import DEMO_PASSWORD
from assoc.extensions import db
from assoc.models import PeriodicReport, today
from assoc.services import periodic, units, users


@pytest.fixture(scope="module")
def draft(live_app):
    with live_app.app_context():
        root = units.create_unit(None, parent=None, level="province", code="E2E-XD",
                                 name="Hội Khuyến học tỉnh Xung Đột",
                                 valid_from=date(2020, 1, 1))
        ward = units.create_unit(None, parent=root, level="commune", code="E2E-XD-1",
                                 name="Hội Khuyến học xã Hai Người", valid_from=date(2020, 1, 1))
        for username in ("chutich.thu", "phochutich.binh"):
            user = users.create_user(None, username=username, full_name=username,
                                     password=DEMO_PASSWORD)
            units.grant_role(None, user, ward, "chair", valid_from=date(2025, 1, 1))
        values = periodic.preset_values("year_end", root, today().year)
        values["levels"] = ["commune"]
        template = periodic.create_template(None, root, **values)
        report = periodic.start_report(None, template, ward)
        periodic.save_draft(None, report, revision=report.revision, figures={},
                            texts={"achievements": "Bản đầu", "limits": "Hạn chế đầu"})
        db.session.commit()
        return report.id


def login(browser, base_url, username):
    page = browser.new_page()
    page.goto(f"{base_url}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base_url}/home")
    return page


def test_two_people_edit_one_draft(browser, base_url, live_app, draft, tmp_path):
    thu, binh = login(browser, base_url, "chutich.thu"), login(browser, base_url,
                                                               "phochutich.binh")
    for page in (thu, binh):
        page.goto(f"{base_url}/periodic/reports/{draft}/edit")
    thu.get_by_test_id("text-achievements").fill("Thành tích chị Thu viết")
    thu.get_by_test_id("text-tasks").fill("Nhiệm vụ chị Thu viết")
    thu.get_by_test_id("save-draft").click()
    expect(thu.get_by_role("alert").first).to_be_visible()

    binh.get_by_test_id("text-achievements").fill("Thành tích anh Bình viết")
    binh.get_by_test_id("text-limits").fill("Hạn chế anh Bình viết")
    binh.get_by_test_id("save-draft").click()
    expect(binh.get_by_test_id("form-error")).to_contain_text("cạnh nhau")
    expect(binh.get_by_test_id("conflict-text:achievements")).to_have_text(
        "Thành tích chị Thu viết")
    expect(binh.locator("[data-testid^='conflict-']")).to_have_count(1)  # only that one
    expect(binh.get_by_test_id("text-tasks")).to_have_value("Nhiệm vụ chị Thu viết")
    expect(binh.get_by_test_id("text-limits")).to_have_value("Hạn chế anh Bình viết")
    binh.screenshot(path=str(tmp_path / "conflict.png"), full_page=True)
    binh.get_by_label("Giữ bản của tôi").check()
    binh.get_by_test_id("save-draft").click()
    expect(binh.get_by_test_id("form-error")).to_have_count(0)
    with live_app.app_context():
        saved = db.session.get(PeriodicReport, draft)
        assert (saved.texts["achievements"], saved.texts["limits"], saved.texts["tasks"]) == (
            "Thành tích anh Bình viết", "Hạn chế anh Bình viết", "Nhiệm vụ chị Thu viết")
