"""A ward chair logs in, opens the ward, switches to English and back, and logs out."""

import re

from playwright.sync_api import expect


def test_ward_chair_journey(page, base_url, login_as):
    login_as("chutich.khanhhoi")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nguyễn Thị Thu")
    page.get_by_test_id("my-unit").first.click()
    expect(page.get_by_test_id("unit-name")).to_have_text("Hội Khuyến học Phường Khánh Hội")
    expect(page.get_by_test_id("children")).to_contain_text("Ban Khuyến học Dòng họ Nguyễn Phước")
    # breadcrumbs show the path from the city down
    expect(page.locator(".breadcrumb")).to_contain_text("Hội Khuyến học Quận 4")

    page.get_by_test_id("lang-switch").get_by_role("button", name="EN").click()
    expect(page.get_by_test_id("unit-tabs")).to_contain_text("Overview")
    expect(page.get_by_test_id("unit-name")).to_have_text("Hội Khuyến học Phường Khánh Hội")
    page.get_by_test_id("lang-switch").get_by_role("button", name="VI").click()
    expect(page.get_by_test_id("unit-tabs")).to_contain_text("Tổng quan")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator(".alert")).to_contain_text("Bạn đã đăng xuất.")


def test_another_ward_is_forbidden(page, base_url, login_as):
    login_as("chutich.khanhhoi")
    page.goto(f"{base_url}/units/")
    expect(page.get_by_test_id("unit-tree")).not_to_contain_text("Phường Xóm Chiếu")
    response = page.goto(f"{base_url}/units/5")  # Phường Xóm Chiếu in the demo tree
    assert response.status == 403


def test_phone_width_layout(page, base_url, login_as):
    page.set_viewport_size({"width": 360, "height": 740})
    login_as("chutich.khanhhoi")
    page.get_by_test_id("my-unit").first.click()
    # the click navigates: wait for the unit page before measuring it
    expect(page.get_by_test_id("unit-name")).to_be_visible()
    page.wait_for_load_state()
    # nothing wider than the screen
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
