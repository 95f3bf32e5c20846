"""A ward treasurer makes November's remuneration sheet, adjusts a line, locks it, downloads the
PDF and pays it with one payment voucher per officer; the workload page flags officers holding
three posts."""

import re

from playwright.sync_api import expect


def test_treasurer_builds_locks_and_prints_november(page, base_url, login_as):
    login_as("thuquy.khanhhoi")
    page.get_by_test_id("nav-officers").click()
    expect(page.get_by_test_id("unit-name")).to_have_text("Hội Khuyến học Phường Khánh Hội")
    expect(page.get_by_test_id("officers-table")).to_contain_text("Trần Văn Bình")
    page.get_by_test_id("subnav-sheets").click()
    page.get_by_label("Tháng").select_option("11")
    page.get_by_label("Năm").fill("2026")
    page.get_by_role("button", name="Lập bảng").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lập bảng tháng 11/2026")
    lines = page.get_by_test_id("sheet-lines")
    expect(lines).to_contain_text("Nguyễn Thị Thu")
    # chair 1,0 × 2.340.000 + treasurer 0,5 × + vice chair 0,7 × + secretary 0,7 × + accountant
    # 500.000 + inspection head 300.000
    expect(page.get_by_test_id("sheet-total")).to_have_text("7.586.000 đ")

    row = lines.locator("tr", has_text="Phạm Văn Hùng")
    row.get_by_placeholder("Lý do").fill("Truy lĩnh tháng 10")
    row.locator("input[name$='-adjustment']").fill("50.000")
    row.get_by_role("button", name="Lưu").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu điều chỉnh")
    expect(page.get_by_test_id("sheet-total")).to_have_text("7.636.000 đ")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("lock").click()
    expect(page.get_by_test_id("sheet-status")).to_have_text("đã khóa")
    expect(page.get_by_test_id("lock")).to_have_count(0)

    href = page.get_by_test_id("sheet-pdf").get_attribute("href")
    response = page.request.get(f"{base_url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert re.search(r"bang-thu-lao-hcm-q4-kh-2026-11\.pdf",
                     response.headers["content-disposition"])

    page.get_by_label("Mỗi cán bộ một phiếu chi").check()
    # by bank transfer: the cash book (cash only) of the demo ward stays as it was
    page.get_by_test_id("payment").get_by_label("Hình thức").select_option("transfer")
    page.get_by_test_id("pay").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã chi bảng thanh toán: PC-")
    expect(page.get_by_test_id("sheet-status")).to_have_text("đã chi")
    vouchers = page.get_by_test_id("sheet-vouchers").locator("li")
    expect(vouchers).to_have_count(4)
    expect(vouchers.filter(has_text="Phạm Văn Hùng")).to_contain_text("350.000 đ")
    expect(page.get_by_test_id("pay")).to_have_count(0)
    # the voucher opens in the treasury
    vouchers.filter(has_text="Nguyễn Thị Thu").get_by_role("link").click()
    expect(page.locator("body")).to_contain_text("2.340.000")


def test_workload_on_a_phone(page, base_url, login_as):
    page.set_viewport_size({"width": 360, "height": 740})
    login_as("chutich.khanhhoi")
    page.goto(f"{base_url}/officers/")  # the menu is folded on a phone
    page.get_by_role("link", name="Kiêm nhiệm").click()
    overloaded = page.get_by_test_id("overloaded")
    expect(overloaded.first).to_contain_text("quá tải")
    expect(page.get_by_test_id("workload-table")).to_contain_text("Nguyễn Thị Thu")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
