"""A big import runs as a job: the browser shows its progress page, which survives a reload and
ends with the summary and a link to the members."""

import io

from openpyxl import Workbook
from playwright.sync_api import expect


def big_workbook(n: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Năm sinh", "Số CCCD"])
    for i in range(1, n + 1):
        ws.append([i, f"Trần Thị Tiến Độ {i}", 1960 + i % 40, f"0791600{i:05d}"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_big_import_shows_its_progress(page, base_url, login_as, live_app, tmp_path):
    live_app.config["IMPORT_JOB_ROWS"] = 50
    try:
        path = tmp_path / "danh-sach-lon.xlsx"
        path.write_bytes(big_workbook(400))
        login_as("chutich.khanhhoi")
        page.get_by_test_id("nav-members").click()
        page.get_by_test_id("import-link").click()
        page.locator("input[type=file]").set_input_files(str(path))
        page.get_by_test_id("upload").click()
        expect(page.get_by_test_id("count-valid")).to_have_text("400")
        page.get_by_test_id("confirm-import").click()

        # The job page: a progress bar that reaches 100 % and the summary.
        expect(page).to_have_url(f"{base_url}/jobs/" + page.url.rsplit("/", 1)[-1])
        expect(page.get_by_test_id("job-bar")).to_be_visible()
        card = page.get_by_test_id("job-card")
        expect(card).to_have_attribute("data-status", "done", timeout=60_000)
        expect(page.get_by_test_id("job-bar")).to_have_text("100%")
        expect(page.get_by_test_id("job-summary")).to_contain_text("Đã nhập 400 hội viên")
        # Leave and come back: the page still knows.
        url = page.url
        page.goto(f"{base_url}/home")
        page.goto(url)
        expect(page.get_by_test_id("job-summary")).to_contain_text("400")
        page.get_by_role("link", name="Xem danh sách hội viên").click()
        expect(page.get_by_test_id("members-table")).to_contain_text("Trần Thị Tiến Độ")
    finally:
        live_app.config.pop("IMPORT_JOB_ROWS", None)
