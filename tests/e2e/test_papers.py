"""Issue 28 journeys: a treasurer moves cash into the bank (two vouchers, one move) and reads
the list of balances below zero; a donation typed with another donor's tax code is asked
about, and keeping what was typed prints the typed name."""

import os

from playwright.sync_api import expect

SHOTS = os.environ.get("SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_treasurer_deposits_cash_into_the_bank(page, base_url, login_as):
    login_as("thuquy.khanhhoi")
    page.get_by_test_id("my-unit").first.click()
    page.get_by_test_id("tab-treasury").click()
    page.get_by_test_id("cash-move").click()
    page.get_by_label("Số tiền (đồng)").fill("100.000")
    _shot(page, "cash-move-form")
    page.get_by_test_id("issue-move").click()
    expect(page.locator(".alert-success")).to_contain_text("PC-")
    expect(page.get_by_test_id("voucher-pair")).to_contain_text("PT-")
    _shot(page, "cash-move-voucher")
    page.get_by_test_id("voucher-pair").get_by_role("link").click()
    expect(page.get_by_test_id("voucher-title")).to_contain_text("PT-")
    page.go_back()
    page.go_back()
    page.go_back()
    page.get_by_test_id("below-zero").click()
    expect(page.locator("h1")).to_contain_text("số dư âm")
    _shot(page, "below-zero")


def test_a_typed_donor_matching_another_is_asked_about(page, base_url, login_as):
    login_as("chutich.khanhhoi")
    page.get_by_test_id("my-unit").first.click()
    unit_url = page.url
    unit_id = unit_url.rstrip("/").split("/")[-1]
    page.goto(f"{base_url}/events/unit/{unit_id}/donations/new")
    typed = "Công ty TNHH Một Thành Viên Vận Tải Đường Thủy Khánh Hội"
    page.get_by_label("Tên nhà tài trợ").fill(typed)
    page.get_by_label("Mã số thuế").fill("0300123456")  # the demo's Cảng Sài Gòn
    page.get_by_label("Số tiền (đ)").fill("1.000.000")
    page.get_by_test_id("save-donation").click()
    expect(page.get_by_test_id("donor-match")).to_contain_text("Công ty CP Cảng Sài Gòn")
    _shot(page, "donor-match")
    page.get_by_label("Đây là người khác: thêm nhà hảo tâm mới đúng như đã nhập").check()
    page.get_by_test_id("save-donation").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi nhận")
    expect(page.locator("body")).to_contain_text(typed)
