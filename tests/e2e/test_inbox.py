"""The work inbox, as each demo user (issue 32): the menu badge, the home page's section, the
inbox page listing what waits, and every link opening the page where the work is done. A late
item shows in red; axe-core finds nothing serious on the inbox page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

ROLES = {
    "duyet.quan4": ["nomination_decide", "periodic_review"],
    "chutich.quan4": ["nomination_decide", "periodic_review", "late_below"],
    "chutich.khanhhoi": ["periodic_fill", "pledge_overdue", "dues_unpaid"],
    "thuquy.khanhhoi": ["voucher_unprinted", "pledge_overdue"],
    "thuquy.quan4": ["voucher_unprinted"],
    "chutich.xomchieu": ["periodic_fill"],
    "chutich.cuchi": ["periodic_fill", "late_below"],
    "admin": ["nomination_decide", "late_below"],
}


@pytest.mark.parametrize("username", list(ROLES))
def test_inbox_lists_the_work_and_every_link_opens(page, base_url, login_as, username):
    login_as(username)
    badge = page.get_by_test_id("inbox-badge")
    expect(badge).to_be_visible()
    expect(page.get_by_test_id("home-inbox")).to_contain_text("Việc cần làm")
    count = int(badge.inner_text())

    page.get_by_test_id("inbox-menu").click()
    page.wait_for_url(f"{base_url}/inbox")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Việc cần làm")
    expect(page.get_by_test_id("inbox-count")).to_have_text(str(count))
    items = page.get_by_test_id("inbox-item")
    assert items.count() == count
    kinds = {items.nth(i).get_attribute("data-kind") for i in range(count)}
    assert set(ROLES[username]) <= kinds, kinds
    links = page.get_by_test_id("inbox-link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]

    # The first item, by a click; the others by their address: each opens, none refused.
    links.first.click()
    page.wait_for_load_state()
    assert page.url != f"{base_url}/inbox"
    expect(page.locator("h1").first).to_be_visible()
    for href in hrefs:
        response = page.goto(base_url + href)
        assert response.status == 200, href
        expect(page.locator("h1").first).to_be_visible()


def test_late_items_are_red_and_the_page_is_accessible(page, base_url, login_as):
    login_as("chutich.xomchieu")
    page.goto(f"{base_url}/inbox")
    late = page.locator('[data-kind="periodic_fill"] [data-testid="inbox-due"].text-danger')
    expect(late.first).to_contain_text("Trễ hạn")
    result = Axe().run(page)
    serious = [v["id"] for v in result.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_reminder_settings_from_the_user_menu(page, base_url, login_as):
    login_as("thuquy.quan4")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Nhắc việc qua e-mail").click()
    expect(page.get_by_label("Địa chỉ e-mail")).to_have_value(
        "thuquy.quan4@khuyenhoc.example.com")
    page.get_by_label("Mỗi tuần một lần").check()
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu cài đặt nhắc việc")
    expect(page.get_by_label("Mỗi tuần một lần")).to_be_checked()
