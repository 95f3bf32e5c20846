"""A ward chair imports a messy member list through preview → confirm and finds the members in
the list; the district approver sees them across the wards; a phone-width list fits."""

import re

from playwright.sync_api import expect

from assoc.member_samples import messy_member_workbook


def test_ward_chair_imports_a_messy_list(page, base_url, login_as, tmp_path):
    path = tmp_path / "danh sách hội viên KP1.xlsx"
    path.write_bytes(messy_member_workbook())
    login_as("chutich.khanhhoi")
    page.get_by_test_id("nav-members").click()
    expect(page.get_by_test_id("unit-name")).to_have_text("Hội Khuyến học Phường Khánh Hội")
    expect(page.get_by_test_id("members-table")).to_be_visible()
    page.get_by_test_id("import-link").click()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_test_id("upload").click()

    expect(page.get_by_test_id("count-read")).to_have_text("10")
    expect(page.get_by_test_id("count-valid")).to_have_text("6")
    expect(page.get_by_test_id("count-duplicates")).to_have_text("1")
    expect(page.get_by_test_id("count-errors")).to_have_text("3")
    problems = page.get_by_test_id("problems-table")
    expect(problems).to_contain_text("Số CCCD")
    expect(problems).to_contain_text("12 chữ số")
    expect(page.get_by_test_id("ok-table")).to_contain_text("Nguyễn Văn An")   # ALL CAPS fixed
    expect(page.get_by_test_id("ok-table")).to_contain_text("0708123456")      # old 0120 prefix

    # The button says what will happen: the 6 ready rows, the rows with errors left out.
    expect(page.get_by_test_id("confirm-import")).to_contain_text("Nhập 6 hội viên")
    expect(page.get_by_test_id("import-outcome")).to_contain_text("3 dòng lỗi")
    page.get_by_test_id("confirm-import").click()
    expect(page.locator(".alert-success")).to_contain_text("nhập 6 hội viên")

    page.get_by_test_id("member-search").fill("bui van khanh")
    page.get_by_role("button", name="Lọc").click()
    table = page.get_by_test_id("members-table")
    expect(table).to_contain_text("Bùi Văn Khánh")
    expect(table).to_contain_text("Chi hội Khu phố 2")
    table.get_by_role("link", name="Bùi Văn Khánh").click()
    expect(page.get_by_test_id("member-name")).to_have_text("Bùi Văn Khánh")
    expect(page.locator("body")).to_contain_text("079075009876")


def test_district_officer_sees_members_across_wards(page, base_url, login_as):
    login_as("duyet.quan4")
    page.goto(f"{base_url}/members/")
    expect(page.get_by_test_id("unit-name")).to_have_text("Hội Khuyến học Quận 4")
    expect(page.get_by_test_id("members-table")).to_contain_text("Phường Khánh Hội")
    expect(page.get_by_test_id("new-member")).to_have_count(0)      # an approver only reads


def test_member_list_fits_a_phone(page, base_url, login_as):
    page.set_viewport_size({"width": 360, "height": 740})
    login_as("chutich.khanhhoi")
    page.goto(f"{base_url}/members/")
    expect(page).to_have_url(re.compile(r"/members/unit/\d+"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Stacked cards: every cell of a row is labelled with its column's heading (set by app.js).
    table = page.get_by_test_id("members-table")
    heads = table.locator("thead th").evaluate_all("ths => ths.map(th => th.textContent.trim())")
    labels = table.locator("tbody tr").first.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)")
    assert heads[0] == "Số thẻ" and labels == [f'"{head}"' for head in heads], (heads, labels)
