"""The city administrator reorganises Quận 4 with the sample plan: preview, apply, handover
record, and the old ward's page that points to its successor. Runs on its own copy of the
demo, since the plan closes units other journeys use."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import demo_app, serving

SAMPLE = Path(__file__).resolve().parents[2] / "assoc" / "static" / "samples" / \
    "reorganise-demo.csv"


@pytest.fixture(scope="module")
def reorg_url(tmp_path_factory):
    with serving(demo_app(tmp_path_factory.mktemp("reorg") / "r.db")) as url:
        yield url


def test_city_admin_applies_the_sample_plan(page, reorg_url):
    from assoc.demo import DEMO_PASSWORD

    page.goto(f"{reorg_url}/login")
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{reorg_url}/home")
    page.goto(f"{reorg_url}/units/1")
    page.get_by_role("link", name="Sắp xếp, sáp nhập").click()

    page.get_by_label("Phương án (mỗi dòng một thao tác)").fill(SAMPLE.read_text("utf-8"))
    from assoc.models import today

    page.get_by_label("Ngày hiệu lực").fill(today().strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Xem trước").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("Hội Khuyến học Phường Khánh Hội (mới)")
    expect(preview).to_contain_text("PC-")  # voucher numbers of the handover pairs

    page.get_by_label("Tôi đã kiểm tra bản xem trước", exact=False).check()

    page.get_by_role("button", name="Thực hiện phương án").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã thực hiện phương án")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sắp xếp tổ chức có hiệu lực")
    href = page.get_by_role("link", name="Biên bản bàn giao (PDF)").first.get_attribute("href")
    pdf = page.request.get(f"{reorg_url}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

    page.get_by_role("link", name="Hội Khuyến học Phường Xóm Chiếu").first.click()
    expect(page.get_by_test_id("unit-history")).to_contain_text(
        "Hội Khuyến học Phường Khánh Hội (mới)")

    # Reports for the days before the date still show Quận 4 with its three wards, by the
    # names they had; from the date on, Vĩnh Hội is no longer under it.
    page.locator("nav[aria-label='breadcrumb']").get_by_role(
        "link", name="Hội Khuyến học Quận 4").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quận 4")
    district = page.url.split("?")[0].rstrip("/")
    yesterday = today() - timedelta(days=1)
    page.goto(f"{district}/report?from=01/01/{today().year - 1}"
              f"&to={yesterday:%d/%m/%Y}")
    table = page.get_by_test_id("report-table")
    for ward in ("Khánh Hội", "Xóm Chiếu", "Vĩnh Hội"):
        expect(table).to_contain_text(f"Hội Khuyến học Phường {ward}")
    expect(table).not_to_contain_text("Khánh Hội (mới)")
    page.goto(f"{district}/report?from={today():%d/%m/%Y}&to=31/12/{today().year}")
    expect(page.get_by_test_id("report-table")).not_to_contain_text("Vĩnh Hội")
