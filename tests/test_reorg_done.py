"""Issue 26 on the demo: the sample plan (dissolve Quận 4, merge Khánh Hội + Xóm Chiếu, move
Vĩnh Hội under the city) as real people then use it — the merged ward's chair reads the old
ward, handovers are neither income nor spending and stay whole, undo leaves no trace."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from assoc.extensions import db
from assoc.models import Unit, User, Voucher, today
from assoc.services import reorg, reports

EFFECTIVE = today()
SAMPLE = Path(__file__).resolve().parents[1] / "assoc" / "static" / "samples" / \
    "reorganise-demo.csv"


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def by_code(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def city_year():
    city = by_code("HCM")
    year = reports.Period(date(EFFECTIVE.year, 1, 1), date(EFFECTIVE.year, 12, 31))
    money = reports.money_figures(reports.Scope(city), year)
    return money.money_in, money.money_out, money.balance


@pytest.fixture
def demo(db):
    from assoc.demo import seed_demo

    seed_demo()
    db.session.commit()
    before = city_year()
    plan = reorg.apply_plan(None, reorg.parse_plan(SAMPLE.read_bytes()), EFFECTIVE)
    db.session.commit()
    return {"before": before, "plan": plan}


def test_the_merged_wards_chair_reads_the_old_ward(demo, client, login):
    chair = db.session.scalar(select(User).where(User.username == "chutich.khanhhoi"))
    old = by_code("HCM-Q4-KH")
    voucher = db.session.scalar(select(Voucher).where(
        Voucher.unit_id == old.id, Voucher.reason.not_like("Bàn giao%")).order_by(Voucher.id))
    login(chair)
    for url in (f"/units/{old.id}", f"/units/{old.id}/activity", f"/units/{old.id}/treasury",
                f"/members/unit/{old.id}", f"/vouchers/{voucher.id}",
                f"/vouchers/{voucher.id}/pdf", f"/funds/{voucher.fund_id}/cashbook"):
        assert client.get(url).status_code == 200, url
    # Reading only: no voucher in the closed ward's book, no edit of it.
    assert client.get(f"/units/{old.id}/edit").status_code == 403
    assert client.post(f"/vouchers/{voucher.id}/void",
                       data={"reason": "thử"}).status_code == 403
    # The chair of an unrelated district's unit still reads nothing of it.
    login(db.session.scalar(select(User).where(User.username == "chutich.cuchi")))
    assert client.get(f"/units/{old.id}").status_code == 403
    assert client.get(f"/vouchers/{voucher.id}/pdf").status_code == 403



def test_the_citys_money_for_the_year_is_unchanged_by_the_plan(demo):
    assert city_year() == demo["before"]
    # The successor's own figures: what it received is not money in; its balance holds it.
    new = by_code("HCM-KHXC")
    year = reports.Period(date(EFFECTIVE.year, 1, 1), date(EFFECTIVE.year, 12, 31))
    money = reports.money_figures(reports.Scope(new), year)
    handed = db.session.scalars(select(Voucher).where(
        Voucher.unit_id == new.id, Voucher.link_type == "handover")).all()
    assert handed and money.money_in == 0 and money.money_out == 0
    assert money.moved_in == sum(v.amount for v in handed) == money.balance
    # The dissolved district spent nothing: its handover is money moved, shown apart.
    q4 = reports.money_figures(reports.Scope(by_code("HCM-Q4")), year)
    assert q4.moved_out > 0 and q4.balance == 0
    # (All the demo's spending this year was in Quận 4's wards: 16.750.000 đ, not 123.631.000.)
    assert q4.money_out == demo["before"][1] < q4.moved_out


def test_the_periodic_report_prefill_leaves_handovers_out(demo):
    from assoc import figures as catalogue

    year = reports.Period(date(EFFECTIVE.year, 1, 1), date(EFFECTIVE.year, 12, 31))
    figures = catalogue.compute(["money.in", "money.out"], reports.Scope(by_code("HCM-KHXC")),
                                year)
    assert figures == {"money.in": 0, "money.out": 0}


def test_the_dashboard_shows_handovers_on_their_own_line(demo, client, login):
    login(db.session.scalar(select(User).where(User.username == "admin")))
    new = by_code("HCM-KHXC")
    page = client.get(f"/units/{new.id}/dashboard").get_data(as_text=True)
    assert 'data-testid="fig-moved"' in page
    # Each figure's list holds what the figure counts: handovers apart, and on their own.
    import html
    import re

    money_in = html.unescape(re.search(r'data-testid="fig-money-in" href="([^"]+)"',
                                       page).group(1))
    listed = client.get(money_in).get_data(as_text=True)
    handed = db.session.scalars(select(Voucher).where(Voucher.unit_id == new.id,
                                                      Voucher.link_type == "handover")).all()
    assert all(v.display_number not in listed for v in handed)
    moved = page[page.index('data-testid="fig-moved"'):]
    listed = client.get(html.unescape(re.search(r'href="([^"]+)"', moved).group(1))).get_data(
        as_text=True)
    assert all(v.display_number in listed for v in handed)


def test_the_pair_is_linked_and_one_half_is_never_voided_alone(demo, client, login):
    handed = db.session.scalars(select(Voucher).where(Voucher.link_type == "handover")
                                .order_by(Voucher.id)).all()
    assert handed and len(handed) % 2 == 0
    for v in handed:
        other = db.session.get(Voucher, v.pair_id)
        assert other.pair_id == v.id and other.amount == v.amount and other.kind != v.kind
    receipt = next(v for v in handed if v.kind == "receipt" and v.unit.code == "HCM-KHXC")
    balance = city_year()[2]
    treasurer = db.session.scalar(select(User).where(User.username == "thuquy.khanhhoi"))
    login(treasurer)  # carried over to the successor: may void its vouchers
    response = client.post(f"/vouchers/{receipt.id}/void", data={"reason": "Nhầm"})
    assert response.status_code == 400
    assert "closed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert {v.status for v in handed} == {"valid"}
    assert city_year()[2] == balance


def test_a_pair_voids_whole_where_both_books_allow(db):
    from assoc.services import treasury

    from .builders import build_tree, build_voucher

    tree = build_tree()
    build_voucher(tree.ward_a, amount=900_000)
    out = build_voucher(tree.ward_a, "payment", amount=400_000)
    into = build_voucher(tree.ward_b, amount=400_000)
    out.link_type = into.link_type = "handover"
    out.pair_id, into.pair_id = into.id, out.id
    db.session.commit()
    treasury.void_voucher(None, into, "Nhầm")
    db.session.commit()
    assert (out.status, into.status) == ("void", "void")
    assert treasury.fund_balance(treasury.general_fund(tree.ward_a)) == 900_000
    assert treasury.fund_balance(treasury.general_fund(tree.ward_b)) == 0


def counts():
    """What a city's screens count: coverage, units without a chair, report rows."""
    city = by_code("HCM")
    cover = reports.coverage(city, limit=100)
    year = reports.Period(date(EFFECTIVE.year, 1, 1), date(EFFECTIVE.year, 12, 31))
    rows, _totals = reports.period_report(city, year)
    return (cover.total, cover.with_chair, len(cover.missing), cover.levels,
            sorted(r.name for r in rows if r.unit))


def test_a_download_does_not_block_the_undo_and_writes_are_named(demo, client, login):
    plan = demo["plan"]
    login(db.session.scalar(select(User).where(User.username == "admin")))
    city = by_code("HCM")
    year = f"from=01/01/{EFFECTIVE.year}&to=31/12/{EFFECTIVE.year}"
    assert client.get(f"/units/{city.id}/report.xlsx?{year}").status_code == 200
    new = by_code("HCM-KHXC")
    assert client.get(f"/members/unit/{new.id}/export.csv").status_code in (200, 302)
    db.session.expire_all()
    assert reorg.undo_blockers(plan) == [] and reorg.can_undo(plan)
    # A real write blocks, and the plan's page names it with a link to what was written.
    from .builders import build_member

    member = build_member(new, "Đặng Thị Hoa")
    db.session.expire_all()
    assert [e.action for e in reorg.undo_blockers(plan)] == ["member.create"]
    page = client.get(f"/reorganisation/plans/{plan.id}").get_data(as_text=True)
    assert f'href="/members/{member.id}"' in page and "Đặng Thị Hoa" in page


def test_undo_then_apply_again_counts_as_one_apply(demo, client, login):
    plan, once = demo["plan"], counts()
    first = by_code("HCM-KHXC")
    reorg.undo_plan(None, plan)
    db.session.commit()
    db.session.expire_all()
    gone = db.session.get(Unit, first.id)
    assert gone.code != "HCM-KHXC" and not gone.is_active(gone.valid_from)
    assert first.name not in counts()[-1]
    # The unit pages show the plan as undone.
    login(db.session.scalar(select(User).where(User.username == "admin")))
    page = client.get(f"/units/{by_code('HCM-Q4-KH').id}").get_data(as_text=True)
    assert 'data-testid="change-undone"' in page
    again = reorg.apply_plan(None, reorg.parse_plan(SAMPLE.read_bytes()), EFFECTIVE)
    db.session.commit()
    new = by_code("HCM-KHXC")
    assert new.id != first.id and new.valid_to is None
    assert by_code("HCM-Q4-KH").successor_id == new.id
    assert again.status == "applied" and counts() == once


def test_a_closed_unit_is_never_a_successor(demo):
    # Quận 4 is closed: merging into it, dissolving into it or moving under it is refused.
    header = ",".join(reorg.PLAN_HEADER)
    for line in ("merge,HCM-Q4-VH,HCM-Q4,,,", "dissolve,HCM-Q4-VH,HCM-Q4,,,HCM",
                 "move,HCM-Q4-VH,,,,HCM-Q4"):
        with pytest.raises(reorg.PlanError) as e:
            reorg.apply_plan(None, reorg.parse_plan(f"{header}\n{line}\n"), EFFECTIVE)
        db.session.rollback()
        assert "HCM-Q4 is closed" in str(e.value), line


def test_a_closed_unit_is_refused_for_the_real_cause_alone(demo):
    header = ",".join(reorg.PLAN_HEADER)
    with pytest.raises(reorg.PlanError) as e:
        reorg.apply_plan(None, reorg.parse_plan(
            f"{header}\nmerge,HCM-Q4-KH;HCM-Q4-VH,HCM-Q4-VH,,,\n"), EFFECTIVE)
    db.session.rollback()
    assert [m for _line, m in e.value.errors] == ["HCM-Q4-KH is closed."]


def test_the_closed_units_treasury_offers_no_voucher_and_says_why(demo, client, login):
    login(db.session.scalar(select(User).where(User.username == "admin")))
    old = by_code("HCM-Q4-KH")
    page = client.get(f"/units/{old.id}/treasury").get_data(as_text=True)
    assert 'data-testid="no-new-vouchers"' in page and 'data-testid="new-receipt"' not in page
    assert "Hội Khuyến học Phường Khánh Hội (mới)" in page
    response = client.get(f"/units/{old.id}/vouchers/new/receipt")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/units/{old.id}/treasury")


def test_history_shows_moves_as_sentences_without_paths(demo, client, login):
    login(db.session.scalar(select(User).where(User.username == "admin")))
    moved = by_code("HCM-Q4-VH")
    page = client.get(f"/units/{moved.id}/activity").get_data(as_text=True)
    assert "Hội Khuyến học Quận 4" in page
    assert "/1/" not in page.replace('href="/', "")


def test_the_dissolutions_vouchers_say_giai_the(demo):
    q4 = by_code("HCM-Q4")
    reasons = db.session.scalars(select(Voucher.reason).where(
        Voucher.link_type == "handover", Voucher.unit_id == q4.id)).all()
    assert reasons and all("giải thể" in r for r in reasons)


def test_the_record_counts_who_ends_up_in_the_successor_and_warns_of_two_chairs(demo):
    from assoc.models import Member

    record = next(h for h in demo["plan"].summary["handovers"]
                  if h["successor"]["code"] == "HCM-KHXC")
    new = by_code("HCM-KHXC")
    now = db.session.scalar(select(func.count()).select_from(Member).join(
        Unit, Member.unit_id == Unit.id).where(Unit.path.startswith(new.path),
                                               Member.status == "active"))
    assert record["members_total"] == now == record["members"] + record["members_with_units"]
    assert record["members_with_units"] > record["members"]  # most came with their branches
    # Both wards' chairs are carried into the new ward: said, not silently done.
    (warning,) = record["warnings"]
    assert warning["role"] == "chair" and set(warning["holders"]) == {"Nguyễn Thị Thu",
                                                                     "Võ Thị Lan"}
    # Each fund is named with the unit that hands it over; signers by name.
    assert {f["from_name"] for f in record["funds"]} == {by_code("HCM-Q4-KH").name,
                                                        by_code("HCM-Q4-XC").name}
    assert record["signers"][by_code("HCM-Q4-KH").name]


def test_one_click_reappointment_keeps_the_level(db):
    from assoc.services import DomainError

    from .builders import build_officer, build_tree

    tree = build_tree()
    build_officer(tree.district_a, "Phan Văn Quận", ("chair", date(2021, 1, 1)))
    header = ",".join(reorg.PLAN_HEADER)
    plan = reorg.apply_plan(None, reorg.parse_plan(
        f"{header}\ndissolve,{tree.district_a.code},{tree.city.code},,,{tree.city.code}\n"),
        EFFECTIVE)
    db.session.commit()
    (record,) = [h for h in plan.summary["handovers"] if h["posts_ended"]]
    post_id = record["posts_ended"][0]["post_id"]
    with pytest.raises(DomainError, match="level"):
        reorg.reappoint(None, plan, tree.city, post_id)


def test_the_handover_record_prints_names_money_on_one_line_and_signers(demo, client, login,
                                                                         tmp_path):
    import subprocess

    login(db.session.scalar(select(User).where(User.username == "admin")))
    plan = demo["plan"]
    index = next(i for i, h in enumerate(plan.summary["handovers"])
                 if h["successor"]["code"] == "HCM-KHXC")
    response = client.get(f"/reorganisation/plans/{plan.id}/handover/{index}.pdf")
    assert response.status_code == 200
    (tmp_path / "h.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "h.pdf"), "-"],
                          capture_output=True, text=True).stdout
    assert "HCM-Q4-KH" not in text and "HCM-KHXC" not in text  # names, not codes
    assert "Phường Khánh Hội" in text and "Nguyễn Thị Thu" in text  # a signer by name
    record = plan.summary["handovers"][index]
    for f in record["funds"]:
        figure = f"{f['amount']:,}".replace(",", ".") + " đ"
        assert figure in text.replace("\u00a0", " "), figure  # on one line
        assert f["payment"] in text and f["receipt"] in text
    pages = subprocess.run(["pdfinfo", str(tmp_path / "h.pdf")], capture_output=True,
                           text=True).stdout
    last = subprocess.run(["pdftotext", "-f", pages.split("Pages:")[1].split()[0],
                           str(tmp_path / "h.pdf"), "-"], capture_output=True, text=True).stdout
    assert "6. Chức vụ" in last or "Không có" in last or "–" in last  # not a lone signature page
