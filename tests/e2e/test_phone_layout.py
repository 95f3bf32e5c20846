"""A 360-px phone (issue 29): stacked-card labels that wrap stay inside their row, no page
scrolls sideways, a wide table stacks or says that it scrolls, and every checkbox or radio row
is a 44-px target. Checked from the elements' boxes in Chromium, on the pages where the outside
test found the faults (66 hidden labels, a sideways reorganisation page, cut tables, 24-px
rows)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assoc.demo import DEMO_PASSWORD
from assoc.extensions import db
from assoc.member_samples import messy_member_workbook
from assoc.models import ScholarshipProgram, Unit

# For every stacked cell: its label (the ::before box, floated or absolute) must lie inside the
# cell and cross no other cell's box; every box that scrolls sideways has a visible cue; every
# checkbox/radio row is at least 44 px tall.
MEASURE = """() => {
  const shown = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"; };
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
    && b.top < a.bottom - 1;
  const cells = [...document.querySelectorAll("table.table-stack td[data-label]")].filter(shown);
  const boxes = cells.map(td => td.getBoundingClientRect());
  const overlaps = [];
  cells.forEach((td, i) => {
    const before = getComputedStyle(td, "::before");
    if (before.content === "none" || before.display === "none") return;
    const cell = boxes[i], style = getComputedStyle(td);
    const top = before.position === "absolute" ? cell.top + (parseFloat(before.top) || 0)
      : cell.top + (parseFloat(style.paddingTop) || 0);
    const label = {left: cell.left, right: cell.left + parseFloat(before.width),
                   top: top, bottom: top + parseFloat(before.height)};
    if (label.bottom > cell.bottom + 1) overlaps.push(td.dataset.label + ": below its row");
    boxes.forEach((other, j) => {
      if (j !== i && hit(label, other)) overlaps.push(td.dataset.label + ": on " + cells[j].dataset.label);
    });
  });
  const uncued = [];
  document.querySelectorAll("main *").forEach(el => {
    const s = getComputedStyle(el);
    if (!["auto", "scroll"].includes(s.overflowX) || el.tagName === "TEXTAREA" || !shown(el)
        || el.scrollWidth <= el.clientWidth + 1) return;
    const prev = el.previousElementSibling;
    const cued = el.classList.contains("nav-scroll")
      || (prev && prev.classList.contains("scroll-cue") && shown(prev));
    if (!cued) uncued.push(el.tagName + "." + [...el.classList].join("."));
  });
  const small = [];
  document.querySelectorAll("main input[type=checkbox], main input[type=radio]").forEach(i => {
    if (!shown(i)) return;
    const row = i.closest(".form-check") || i.closest("label") || (i.labels && i.labels[0]) || i;
    const h = row.getBoundingClientRect().height;
    if (h < 44) small.push((i.name || i.id) + ": " + Math.round(h) + " px");
  });
  return {scrollWidth: document.documentElement.scrollWidth, labels: cells.length,
          overlaps: overlaps, uncued: uncued, small: small};
}"""


@pytest.fixture(scope="module")
def phone(browser, base_url):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.locator("#username").fill("admin")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/home")
    yield page
    context.close()


@pytest.fixture(scope="module")
def where(live_app):
    with live_app.app_context():
        def unit(code):
            return db.session.scalar(select(Unit.id).where(Unit.code == code))
        return {"city": unit("HCM"), "district": unit("HCM-Q4"), "ward": unit("HCM-Q4-KH"),
                "program": db.session.scalar(select(ScholarshipProgram.id))}


def pages(w):
    return [f"/units/{w['city']}/dashboard", f"/units/{w['district']}/dashboard",
            f"/units/{w['ward']}/dashboard", f"/units/{w['ward']}/report",
            f"/units/{w['district']}/report", "/reports/", "/periodic/",
            f"/units/{w['ward']}/treasury", "/treasury/vouchers",
            f"/scholarships/units/{w['ward']}", f"/scholarships/units/{w['district']}",
            f"/scholarships/programs/{w['program']}", f"/reorganisation/unit/{w['district']}",
            f"/units/{w['ward']}/roles", f"/units/{w['district']}/roles",
            f"/events/unit/{w['ward']}/summary", f"/events/unit/{w['district']}/summary",
            f"/members/unit/{w['ward']}", f"/units/{w['ward']}/activity"]


def check(page) -> dict:
    found = page.evaluate(MEASURE)
    return {k: v for k, v in found.items() if k not in ("labels", "scrollWidth") and v} | (
        {"scrollWidth": found["scrollWidth"]} if found["scrollWidth"] > 360 else {})


def test_no_hidden_label_no_sideways_page_no_small_target(phone, base_url, where):
    problems, labels = {}, 0
    for path in pages(where):
        response = phone.goto(base_url + path)
        assert response.ok, path
        labels += phone.evaluate(MEASURE)["labels"]
        if found := check(phone):
            problems[path] = found
    assert problems == {}
    assert labels > 300  # the stacked cards were measured, not skipped


def test_the_import_preview_on_a_phone(phone, base_url, where):
    phone.goto(f"{base_url}/members/unit/{where['ward']}/import")
    phone.set_input_files("input[type=file]", files=[{
        "name": "ds.xlsx", "mimeType": "application/octet-stream",
        "buffer": messy_member_workbook(ward="PHƯỜNG KHÁNH HỘI")}])
    phone.locator("main form button[type=submit]").last.click()
    phone.get_by_test_id("problems-table").wait_for()
    assert check(phone) == {}
    # the problem table stacks: each problem row is a card as wide as the screen
    box = phone.get_by_test_id("problems-table").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360


def test_a_table_wider_than_the_screen_says_it_scrolls(phone, base_url, where):
    phone.goto(f"{base_url}/units/{where['ward']}/activity")
    phone.evaluate("""() => {
      const box = document.createElement("div");
      box.className = "table-responsive"; box.id = "wide-box";
      box.innerHTML = "<table class='table'><tr>" + "<td>Nguyễn&nbsp;Văn&nbsp;Một</td>".repeat(12)
        + "</tr></table>";
      document.querySelector("main").appendChild(box);
      window.dispatchEvent(new Event("resize"));
    }""")
    phone.wait_for_selector("#wide-box.scroll-cued")
    cue = phone.locator("#wide-box").locator("xpath=preceding-sibling::*[1]")
    assert cue.get_attribute("data-testid") == "scroll-cue"
    assert "vuốt sang ngang" in cue.inner_text() and cue.is_visible()
    assert check(phone) == {}
