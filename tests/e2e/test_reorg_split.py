"""The city administrator splits Phường Khánh Hội of the demo into two wards in the browser:
the plan gives each its branches, boards and fund amounts, an uploaded list gives the ward's own
members; preview, apply, one handover record per successor, and the old ward's page names both
successors. Runs on its own copy of the demo, since the plan closes a unit others use."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assoc.extensions import db

from .conftest import demo_app, serving

WARD = "HCM-Q4-KH"


@pytest.fixture(scope="module")
def split_world(tmp_path_factory):
    """The running demo, the split plan for it (amounts from its books) and the member list."""
    folder = tmp_path_factory.mktemp("split")
    app = demo_app(folder / "s.db")
    with app.app_context():
        from assoc.models import Member, Unit
        from assoc.services import reorg

        ward = db.session.scalar(select(Unit).where(Unit.code == WARD))
        balances: dict[str, int] = {}
        for fund, _method, amount in reorg._handover_amounts(ward, reorg.Handover(ward)):
            balances[fund.code] = balances.get(fund.code, 0) + amount
        first = {code: amount // 2 for code, amount in balances.items()}
        second = {code: amount - first[code] for code, amount in balances.items()}
        shares = [";".join(f"{code}={amount}" for code, amount in part.items())
                  for part in (first, second)]
        own = db.session.scalars(select(Member).where(Member.unit_id == ward.id,
                                                      Member.status == "active")).all()
        plan = "\n".join([
            ",".join(reorg.PLAN_HEADER),
            f"split,{WARD},KH-A;KH-B,Hội Khuyến học Phường Khánh Hội A;Hội Khuyến học Phường "
            f"Khánh Hội B,commune,HCM-Q4",
            f"assign,HCM-Q4-KH-KP1;HCM-Q4-KH-THCS;{shares[0]},KH-A,,,",
            f"assign,HCM-Q4-KH-KP2;HCM-Q4-KH-DHN;{shares[1]},KH-B,,,"]) + "\n"
        members = "Số thẻ,Đơn vị mới\n" + "".join(
            f"{m.display_number},{'KH-A' if i % 2 == 0 else 'KH-B'}\n" for i, m in enumerate(own))
        (folder / "members.csv").write_text(members, encoding="utf-8")
        ward_id, total = ward.id, sum(balances.values())
    with serving(app) as url:
        yield {"url": url, "plan": plan, "ward_id": ward_id, "members": folder / "members.csv",
               "total": total}


def test_city_admin_splits_a_ward(page, split_world):
    from assoc.demo import DEMO_PASSWORD
    from assoc.models import today

    url = split_world["url"]
    page.goto(f"{url}/login")
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{url}/home")
    page.goto(f"{url}/units/1")
    page.get_by_role("link", name="Sắp xếp, sáp nhập").click()

    page.get_by_label("Phương án (mỗi dòng một thao tác)").fill(split_world["plan"])
    page.get_by_label("Hội viên khi chia tách").set_input_files(str(split_world["members"]))
    page.get_by_label("Ngày hiệu lực").fill(today().strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Xem trước").click()
    preview = page.get_by_test_id("preview")
    expect(preview.get_by_test_id("handover")).to_have_count(2)
    expect(preview.get_by_test_id("split-line").first).to_contain_text(
        "Hội Khuyến học Phường Khánh Hội được chia tách thành")
    # The uploaded list is now part of the plan the confirmation applies.
    expect(page.get_by_label("Phương án (mỗi dòng một thao tác)")).to_have_value(
        re.compile(r"assign,HV-\d{6}"))

    page.get_by_label("Tôi đã kiểm tra bản xem trước", exact=False).check()

    page.get_by_role("button", name="Thực hiện phương án").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã thực hiện phương án")
    links = page.get_by_role("link", name="Biên bản bàn giao (PDF)")
    expect(links).to_have_count(2)
    for i in range(2):
        pdf = page.request.get(f"{url}{links.nth(i).get_attribute('href')}")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

    page.goto(f"{url}/units/{split_world['ward_id']}")
    history = page.get_by_test_id("unit-history")
    expect(history).to_contain_text("Hội Khuyến học Phường Khánh Hội A")
    expect(history).to_contain_text("Hội Khuyến học Phường Khánh Hội B")
