"""A ward treasurer issues a receipt, opens its PDF, voids it; the cash book balances."""

import re

from playwright.sync_api import expect


def test_treasurer_issues_prints_and_voids_a_receipt(page, base_url, login_as):
    login_as("thuquy.khanhhoi")
    page.get_by_test_id("my-unit").first.click()
    page.get_by_test_id("tab-treasury").click()
    expect(page.get_by_test_id("funds-table")).to_contain_text("Quỹ học bổng Nguyễn Phước")
    page.get_by_test_id("new-receipt").click()

    page.get_by_label("Số tiền (đồng)").fill("1.250.000")
    page.get_by_label("Họ tên người nộp tiền").fill("Ông Nguyễn Văn Tám")
    page.get_by_label("Địa chỉ").fill("25 Bến Vân Đồn, Phường Khánh Hội")
    page.get_by_label("Lý do nộp").fill("Ủng hộ quỹ khuyến học")
    page.get_by_label("Số chứng từ gốc kèm theo").fill("1")
    page.get_by_test_id("issue").click()

    expect(page.locator(".alert-success")).to_contain_text("Đã lập phiếu PT-")
    expect(page.get_by_test_id("voucher-amount")).to_have_text("1.250.000 đ")
    title = page.get_by_test_id("voucher-title").inner_text()
    assert re.search(r"PT-\d{4}/\d{4}", title)

    # The preview opens in a new tab and counts nothing; fetch it with the browser's session.
    href = page.get_by_test_id("voucher-pdf").get_attribute("href")
    response = page.request.get(f"{base_url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    page.reload()
    expect(page.get_by_test_id("print-count")).to_have_text("0")
    # The official print is one explicit action (two liên on A4), in a new tab.
    page.get_by_label("Hai liên (liên 1, liên 2) trên khổ A4").check()
    with page.expect_popup():
        page.get_by_test_id("print-official").click()
    page.reload()
    expect(page.get_by_test_id("print-count")).to_have_text("1")

    page.get_by_label("Lý do hủy").fill("Ghi sai tên người nộp")
    page.get_by_role("button", name="Hủy phiếu").click()
    expect(page.get_by_test_id("void-badge")).to_have_text("ĐÃ HỦY")
    expect(page.get_by_test_id("void-info")).to_contain_text("Ghi sai tên người nộp")

    # A reprint of the void voucher still works and is counted (stamped BẢN SAO and ĐÃ HỦY).
    with page.expect_popup():
        page.get_by_test_id("print-official").click()
    page.reload()
    expect(page.get_by_test_id("print-count")).to_have_text("2")


def test_cash_book_and_district_view(page, base_url, login_as):
    page.set_viewport_size({"width": 360, "height": 740})
    login_as("thuquy.khanhhoi")
    page.goto(f"{base_url}/treasury/")
    expect(page.get_by_test_id("overview-table")).to_contain_text("Quỹ khuyến học")
    page.get_by_role("link", name="Sổ quỹ").first.click()
    expect(page.get_by_test_id("cashbook")).to_contain_text("Số dư đầu kỳ")
    expect(page.get_by_test_id("closing")).to_have_text(re.compile(r"^[\d.]+$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
