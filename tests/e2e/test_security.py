"""In Chromium with the Content-Security-Policy on: the page behaviour moved out of inline
handlers still works (confirmations, filters that submit themselves), logging out ends the
session."""

import re

from playwright.sync_api import expect


def test_confirmation_and_auto_submit_work_under_the_csp(page, base_url, login_as):
    login_as("admin")
    page.goto(f"{base_url}/users/?q=chutich.khanhhoi")
    page.get_by_role("link", name=re.compile("chutich.khanhhoi")).first.click()
    answers = iter([False, True])
    page.on("dialog", lambda dialog: dialog.accept() if next(answers) else dialog.dismiss())
    page.get_by_test_id("end-sessions").click()
    expect(page.locator(".alert-success")).to_have_count(0)  # declined: nothing happened
    page.get_by_test_id("end-sessions").click()
    expect(page.locator(".alert-success")).to_contain_text("kết thúc")
    page.goto(f"{base_url}/units/")
    page.locator("#closed").check()
    page.wait_for_url(re.compile(r"closed=1"))


def test_logout_ends_the_session(page, base_url, login_as):
    login_as("chutich.khanhhoi")
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.goto(f"{base_url}/home")
    expect(page).to_have_url(re.compile(r"/login"))
