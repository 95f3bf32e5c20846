"""A district officer opens the dashboard, follows a figure to the list behind it, and
downloads the period report."""

from playwright.sync_api import expect


def test_district_dashboard(page, base_url, login_as):
    login_as("duyet.quan4")
    page.get_by_test_id("nav-reports").click()
    expect(page.get_by_test_id("unit-name")).to_have_text("Hội Khuyến học Quận 4")
    members = page.get_by_test_id("fig-members")
    shown = int(members.inner_text().replace(".", ""))
    assert shown > 0
    expect(page.get_by_test_id("money-chart")).to_be_visible()
    expect(page.get_by_test_id("report-table")).to_contain_text("Phường Khánh Hội")
    total = int(page.get_by_test_id("total-members").inner_text().replace(".", ""))
    assert total == shown
    members.click()
    expect(page.get_by_test_id("unit-name")).to_have_text("Hội Khuyến học Quận 4")
    expect(page.locator("body")).to_contain_text(f"Tổng cộng {shown}")
    page.go_back()
    page.get_by_role("link", name="Báo cáo theo kỳ").click()
    with page.expect_download() as download:
        page.get_by_test_id("report-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    response = page.request.get(page.get_by_test_id("report-pdf").get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
