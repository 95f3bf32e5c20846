"""Everyday screens for a ward chair: axe-core finds no serious or critical problem on the login
page and the 20 most used pages, in Vietnamese and English; on a 360-px phone, with an
English (en-US) and a Vietnamese browser, a journey types dates as people write them and sees
no wrong date, no raw key and no hidden tab."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from assoc.demo import DEMO_PASSWORD
from assoc.extensions import db
from assoc.models import (
    Donor,
    Event,
    Fund,
    Member,
    Officer,
    ScholarshipProgram,
    Unit,
    Voucher,
)

AXE = Axe()
# A file name a user uploaded ("ds.xlsx") is their words, not a key.
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.(?!(?:xlsx|xls|csv|ods|pdf)\b)[a-z]+(?:_[a-z]+)*\b(?!\.)"
                     r"|\b(?:None|True|False)\b|\w+_id\b|\{\}")
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


@pytest.fixture(scope="module")
def ids(live_app):
    with live_app.app_context():
        ward = db.session.scalar(select(Unit).where(Unit.name.like("%Phường Khánh Hội")))
        member = db.session.scalar(select(Member.id).where(Member.unit_id == ward.id))
        voucher = db.session.scalar(select(Voucher.id).where(Voucher.unit_id == ward.id))
        fund = db.session.scalar(select(Fund.id).where(Fund.unit_id == ward.id))
        event = db.session.scalar(select(Event.id).where(Event.unit_id == ward.id))
        program = db.session.scalar(select(ScholarshipProgram.id))
        officer = db.session.scalar(select(Officer.id).where(Officer.unit_id == ward.id))
        donor = db.session.scalar(select(Donor.id).where(Donor.unit_id == ward.id))
        return {"ward": ward.id, "member": member, "voucher": voucher, "fund": fund,
                "event": event, "program": program, "officer": officer, "donor": donor}


def main_pages(ids):
    w = ids["ward"]
    return ["/home", "/units/", f"/units/{w}", f"/members/unit/{w}", f"/members/{ids['member']}",
            f"/members/unit/{w}/new", f"/members/unit/{w}/dues", f"/units/{w}/treasury",
            f"/vouchers/{ids['voucher']}", f"/units/{w}/vouchers/new/receipt",
            f"/funds/{ids['fund']}/cashbook", f"/events/unit/{w}", f"/events/{ids['event']}",
            f"/events/unit/{w}/new", f"/scholarships/units/{w}",
            f"/scholarships/programs/{ids['program']}", f"/officers/units/{w}",
            f"/units/{w}/dashboard", f"/units/{w}/report", f"/units/{w}/activity"]


def serious(page) -> list[str]:
    result = AXE.run(page)
    return [f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]


def login(page, base_url, username="chutich.khanhhoi"):
    page.goto(f"{base_url}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/home")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_axe_finds_nothing_serious_on_the_main_pages(browser, base_url, ids, lang):
    context = browser.new_context(locale="en-US" if lang == "en" else "vi-VN")
    page = context.new_page()
    page.goto(f"{base_url}/lang/{lang}?next=/login")
    problems = {"/login": serious(page)}
    login(page, base_url)
    page.goto(f"{base_url}/lang/{lang}?next=/home")
    for path in main_pages(ids):
        page.goto(base_url + path)
        assert page.locator("html").get_attribute("lang") == lang
        problems[path] = serious(page)
    context.close()
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("browser_locale, lang", [("en-US", "en"), ("vi-VN", "vi")])
def test_phone_journey_dates_keys_and_tabs(browser, base_url, ids, browser_locale, lang):
    context = browser.new_context(locale=browser_locale, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    login(page, base_url)
    page.goto(f"{base_url}/lang/{lang}?next=/home")
    ward = ids["ward"]

    # Every tab of the unit page is on the screen: none hidden off the right edge.
    page.goto(f"{base_url}/units/{ward}")
    tabs = page.get_by_test_id("unit-tabs").locator("a.nav-link")
    assert tabs.count() >= 8
    for i in range(tabs.count()):
        box = tabs.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, tabs.nth(i).inner_text()
        assert box["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # A join date typed day first is saved as typed (1 October, not 10 January).
    name = "Trần Thị Điện Thoại " + lang.upper()
    page.goto(f"{base_url}/members/unit/{ward}/new")
    page.locator("#full_name").fill(name)
    page.locator("#joined_on").fill("1/10/2025")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("body")).to_contain_text("01/10/2025")

    # An event's date and time in one box, shown back in Vietnam time.
    page.goto(f"{base_url}/events/unit/{ward}/new")
    page.locator("#title").fill("Ngày hội đọc sách " + lang)
    page.locator("#starts_at").fill("05/12/2026 08:00")
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_test_id("event-title")).to_contain_text("Ngày hội đọc sách")
    expect(page.locator("body")).to_contain_text("05/12/2026 08:00")

    # The history reads as sentences: no raw keys, no ISO dates, nothing wider than the phone.
    for path in (f"/units/{ward}/activity", f"/members/unit/{ward}", f"/events/unit/{ward}",
                 f"/units/{ward}/treasury"):
        page.goto(base_url + path)
        text = page.locator("main").inner_text()
        assert not RAW_KEY.search(text), (path, RAW_KEY.search(text)[0])
        assert not ISO_DATE.search(text), (path, ISO_DATE.search(text)[0])
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    context.close()


# Controls that stand alone (not a link inside a sentence or a table cell) and are smaller than
# a finger: the issue measured 9x16 px figure links on the dashboard.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'header a, header button, nav a, main a[href], main button, main select, main summary,'
    + ' main input:not([type=hidden]):not([type=checkbox]):not([type=radio])')]
  .filter(e => {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(e).visibility === 'hidden') return false;
    if (e.tagName === 'A' && !e.classList.contains('btn') && e.closest('p, td, th, dd')
        && !e.classList.contains('tap')) return false;
    return r.width < 44 || r.height < 44;
  })
  .map(e => `${(e.innerText || e.value || e.name || '').trim().slice(0, 30)} `
            + `${Math.round(e.getBoundingClientRect().width)}x${Math.round(e.getBoundingClientRect().height)}`)"""

# Tables wider than the phone, or scrolling sideways inside their box, instead of stacked cards.
WIDE_TABLES = """() => [...document.querySelectorAll('main table')]
  .filter(t => t.getBoundingClientRect().width > window.innerWidth
          || (t.parentElement.scrollWidth > t.parentElement.clientWidth + 1))
  .map(t => t.dataset.testid || t.className)"""


def test_phone_pages_stack_their_tables_and_have_finger_sized_targets(browser, base_url, ids):
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    login(page, base_url)
    problems = {}
    w = ids["ward"]
    more = [f"/officers/{ids['officer']}", f"/events/donors/{ids['donor']}",
            f"/periodic/units/{w}", f"/learning/units/{w}", f"/officers/units/{w}/sheets",
            f"/events/unit/{w}/donors", f"/events/unit/{w}/pledges", "/treasury/vouchers"]
    for path in main_pages(ids) + more:
        page.goto(base_url + path)
        small, wide = page.evaluate(SMALL_TARGETS), page.evaluate(WIDE_TABLES)
        if small or wide:
            problems[path] = {"small": small[:5], "wide": wide}
    context.close()
    assert problems == {}


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_the_content(page, base_url):
    page.goto(f"{base_url}/login")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("class") == "skip-link"
    box = focused.bounding_box()
    assert box and box["y"] >= 0 and box["height"] >= 40  # shown on the screen once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
