"""The learning-models journey in a browser, on the demo data: the ward chair of Phường Khánh
Hội registers 20 households, scores them on the grid, recognises the 15 that reach the
threshold, prints their certificates; the rate shows on the district and city dashboards."""

import re

from playwright.sync_api import expect

from assoc.models import today

HOUSEHOLDS = [f"Hộ Thử Nghiệm Số {n:02d}" for n in range(1, 21)]


def test_register_score_recognise_print_and_see_the_rate(page, base_url, login_as):
    year = today().year
    login_as("chutich.khanhhoi")
    page.get_by_test_id("nav-learning").click()
    expect(page.get_by_test_id("unit-name")).to_have_text("Hội Khuyến học Phường Khánh Hội")

    # 20 households, one after the other ("register and add another")
    page.get_by_test_id("register-family").click()
    for n, name in enumerate(HOUSEHOLDS, start=1):
        page.get_by_label("Chủ hộ").fill(name)
        page.get_by_label("Địa chỉ / nơi cư trú").fill(f"{n} Bến Vân Đồn, Phường Khánh Hội")
        page.get_by_label("Số nhân khẩu").fill("4")
        page.get_by_label("Ngày đăng ký").fill(f"15/01/{year}")
        page.get_by_test_id("save-and-next").click()
        expect(page.locator(".alert-success")).to_contain_text(name)

    # points above an item's maximum: a clear error, nothing saved
    page.goto(f"{base_url}/learning/")
    page.get_by_test_id("grid-family").click()
    rows = page.get_by_test_id("grid-row")
    expect(rows).to_have_count(20)
    first = rows.nth(0).locator("input[name^='p-']").first
    first.fill("99")
    page.get_by_test_id("save-grid").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("tối đa 15 điểm")

    # the first 15 reach the threshold, the last 5 do not
    for i in range(20):
        inputs = page.get_by_test_id("grid-row").nth(i).locator("input[name^='p-']")
        for j in range(inputs.count()):
            box = inputs.nth(j)
            box.fill(box.get_attribute("max") if i < 15 else "4")
    page.get_by_test_id("save-grid").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu 20 phiếu chấm điểm")

    # the ward (commune level) recognises: those reaching the threshold come ticked
    page.get_by_test_id("recognise-family").click()
    expect(page.get_by_test_id("candidate-row")).to_have_count(20)
    expect(page.locator("input[name=entry]:checked")).to_have_count(15)
    page.get_by_label("Số quyết định").fill(f"25/QĐ-KH.{year}")
    page.get_by_label("Người ký").fill("Nguyễn Thị Thu")
    page.get_by_test_id("recognise-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("công nhận 15 trường hợp")
    expect(page.get_by_test_id("recognised-count")).to_contain_text("15")

    # certificates: one PDF, one page per household
    href = page.get_by_test_id("certificates-pdf").get_attribute("href")
    pdf = page.request.get(f"{base_url}{href}")
    assert pdf.ok and pdf.body()[:4] == b"%PDF"
    assert len(re.findall(rb"/Type /Page\b", pdf.body())) == 15

    # the district (Quận 4) and the city see the rate: Khánh Hội 15 of 40 households,
    # Xóm Chiếu (demo) 2 of 30: 17 of 70 = 24.3 %
    for username in ("duyet.quan4", "admin"):
        page.context.clear_cookies()
        login_as(username)
        page.goto(f"{base_url}/reports/")
        card = page.get_by_test_id("learning-card")
        expect(card.get_by_test_id("fig-learning-family")).to_have_text("17")
        expect(card.get_by_test_id("fig-learning-family-rate")).to_have_text("24.3%")
    card.get_by_role("link", name="Gia đình học tập").click()
    expect(page.get_by_test_id("entry-row")).not_to_have_count(0)


def _register_file(rows) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH ĐĂNG KÝ GIA ĐÌNH HỌC TẬP"])
    ws.append(["STT", "Họ và tên chủ hộ", "Địa chỉ", "Số nhân khẩu", "Ngày đăng ký"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_register_imported_from_excel(page, base_url, login_as):
    """The ward chair uploads the ward's list: a bad cell is shown by row and column and nothing
    can be confirmed; the corrected file is previewed and registered."""
    year = today().year
    names = [f"Hộ Nhập Từ Tệp {n}" for n in (1, 2, 3)]
    rows = [[n, name, f"{n} Hoàng Diệu", 4, f"10/01/{year}"] for n, name in enumerate(names, 1)]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    login_as("chutich.khanhhoi")
    page.get_by_test_id("nav-learning").click()
    page.get_by_test_id("import-register").click()
    sample = page.get_by_test_id("sample-family").get_attribute("href")
    assert page.request.get(f"{base_url}{sample}").body()[:2] == b"PK"

    bad = [list(r) for r in rows]
    bad[1][3] = "bốn"
    page.get_by_label("Mô hình học tập").select_option("family")
    page.get_by_label("Tệp Excel (.xlsx, .xls, .ods) hoặc CSV").set_input_files(
        {"name": "ds.xlsx", "mimeType": xlsx, "buffer": _register_file(bad)})
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("errors-block")).to_be_visible()
    expect(page.get_by_test_id("error-row")).to_contain_text("Số nhân khẩu")
    expect(page.get_by_test_id("confirm-import")).to_have_count(0)

    page.get_by_role("link", name="Tải tệp khác").click()
    page.get_by_label("Mô hình học tập").select_option("family")
    page.get_by_label("Tệp Excel (.xlsx, .xls, .ods) hoặc CSV").set_input_files(
        {"name": "ds.xlsx", "mimeType": xlsx, "buffer": _register_file(rows)})
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("count-valid")).to_have_text("3")
    expect(page.get_by_test_id("ok-row")).to_have_count(3)
    page.get_by_test_id("confirm-import").click()
    expect(page.locator(".alert-success")).to_contain_text("3 mục được đăng ký")
    page.goto(page.url + "&q=nhap+tu+tep")
    expect(page.get_by_test_id("entry-row")).to_have_count(3)
    for name in names:
        expect(page.get_by_test_id("entries")).to_contain_text(name)
