"""One truth for every figure (issue 27): the disagreements found between the dashboard, the
period report, the periodic reports and their compilation, the learning-model rates and the
scholarship program report."""

from __future__ import annotations

from datetime import UTC, date, datetime

from assoc.models import today
from assoc.services import events as ev
from assoc.services import periodic as svc
from assoc.services import reports
from assoc.services.reports import Period, Scope

from .builders import (
    build_event,
    build_officer,
    build_periodic_template,
    build_user,
)

YEAR = today().year


def _day(month: int) -> datetime:
    return datetime(YEAR, month, 2, 1, 0, tzinfo=UTC)


def _piggy_bank_and_walk(unit):
    """A piggy-bank festival raising 10.901.000 đ through counting sheets and a walk raising
    2.000.000 đ through a donation (the shape of Khánh Hội's year)."""
    piggy = build_event(unit, kind="piggy_bank", title="Ngày hội khui heo đất",
                        starts_at=_day(min(today().month, 9)), status="held")
    ev.record_counting_sheet(None, piggy, group_name="Lớp 6A1", counter_1="Lê Thị Hoa",
                             counter_2="Phạm Văn Nam", counts={"n500000": 21, "n200000": 2,
                                                               "n1000": 1})
    walk = build_event(unit, kind="walk", starts_at=_day(min(today().month, 9)), status="held")
    ev.record_donation(None, unit, method="cash", event=walk, amount=2_000_000, anonymous=True,
                       received_on=today())
    return piggy, walk


def test_the_fundraising_breakdown_adds_up_and_counts_counting_sheets(tree, db):
    _piggy_bank_and_walk(tree.ward_a)
    db.session.commit()
    template = build_periodic_template(tree.city, year=YEAR)
    report = svc.start_report(build_user("chair", tree.ward_a), template, tree.ward_a)
    db.session.commit()
    values = {f.key: f.computed for f in report.figures}
    period = Period(template.period_start, template.period_end)
    assert values["funds.raised"] == reports.event_figures(Scope(tree.ward_a), period).raised
    assert values["funds.raised"] == 10_901_000 + 2_000_000
    assert values["funds.kind.piggy_bank"] == 10_901_000
    assert values["funds.kind.walk"] == 2_000_000
    parts = [row.key for row in svc.rows_of_template(template) if row.part_of == "funds.raised"]
    assert sum(values[k] for k in parts) == values["funds.raised"]


def _accepted(report, actor, reviewer, db):
    texts = {s["key"]: "Nội dung" for s in report.template.sections if s["kind"] == "text"}
    svc.save_draft(actor, report, revision=report.revision, texts=texts, figures={})
    svc.submit(actor, report)
    svc.accept(reviewer, report)
    db.session.commit()
    return report


def test_an_officer_with_posts_in_the_district_and_a_ward_is_counted_once(tree, db):
    on = date(2020, 1, 1)
    build_officer(tree.ward_a, "Lê Thị Hoa", ("chair", on))
    build_officer(tree.ward_a, "Trần Văn Bình", ("secretary", on))
    # Nguyễn Văn An: vice-chair of the district and chair of ward_a's branch
    build_officer(tree.district_a, "Nguyễn Văn An", ("vice_chair", on),
                  ("branch_head", on, None, tree.branch_a))
    build_officer(tree.district_a, "Phạm Đức Hải", ("chair", on))
    template = build_periodic_template(tree.city, year=YEAR)
    chair_a, reviewer = build_user("chair", tree.ward_a), build_user("chair", tree.district_a)
    ward = _accepted(svc.start_report(chair_a, template, tree.ward_a), chair_a, reviewer, db)
    assert {f.key: f.value for f in ward.figures}["officers.count"] == 3
    compiled = svc.start_report(reviewer, template, tree.district_a)
    db.session.commit()
    values = {f.key: f.computed for f in compiled.figures}
    dashboard = reports.officer_figures(Scope(tree.district_a))
    assert values["officers.count"] == dashboard.officers == 4
    assert values["officers.posts"] == dashboard.posts == 5


def test_the_compiled_table_has_own_and_total_columns_and_every_row_adds_up(tree, db):
    _piggy_bank_and_walk(tree.ward_a)
    build_event(tree.district_a, kind="reading_day", starts_at=_day(min(today().month, 9)),
                status="held")
    build_officer(tree.district_a, "Nguyễn Văn An", ("vice_chair", date(2020, 1, 1)),
                  ("chair", date(2020, 1, 1), None, tree.ward_a))
    template = build_periodic_template(tree.city, year=YEAR)
    chair_a, reviewer = build_user("chair", tree.ward_a), build_user("chair", tree.district_a)
    _accepted(svc.start_report(chair_a, template, tree.ward_a), chair_a, reviewer, db)
    compiled = svc.start_report(reviewer, template, tree.district_a)
    db.session.commit()
    rows, columns = svc.compiled_table(compiled)
    names = [name for name, _v in columns]
    assert names[:2] == [tree.ward_a.name, tree.ward_b.name] and len(names) == 4
    assert tree.district_a.name in names[2]  # the district's own figures, then the total
    totals = {f.key: f.value for f in compiled.figures}
    for row in rows:
        parts = [values[row.key] for _n, values in columns[:-1] if values is not None]
        assert sum(parts) == columns[-1][1][row.key] == totals[row.key], row.key
    assert columns[-1][1]["funds.raised"] == 12_901_000
    assert columns[-1][1]["officers.count"] == 1  # one person, posts in two columns


# --- the learning-model rates: one basis per label --------------------------------------------


def _learning_world(tree):
    from assoc.extensions import db as _db
    from assoc.services import learning

    from .builders_learning import build_criteria, build_entry

    build_criteria("family")
    recognised = build_entry(tree.ward_a, "Nguyễn Văn Lộc", year=YEAR, points=[30, 20, 30, 20])
    learning.recognise(None, tree.ward_a, model="family", year=YEAR, entry_ids=[recognised.id],
                       number="15/QĐ-KH", decided_on=date(YEAR, 1, 1) if today().month == 1
                       else today(), signer="Nguyễn Thị Thu", issuing_body="Hội Khuyến học")
    build_entry(tree.district_a, "Trần Thị Hoa", year=YEAR)  # the district's own entry
    learning.set_denominators(None, tree.ward_a, YEAR, {"family": (4, None)})
    _db.session.commit()


def test_each_learning_rate_names_its_basis_on_the_report_the_card_and_the_table(
        tree, db, client_as):
    _learning_world(tree)
    template = build_periodic_template(tree.city, year=YEAR)
    chair = build_user("chair", tree.ward_a)
    report = svc.start_report(chair, template, tree.ward_a)
    db.session.commit()
    client = client_as("chair", at=tree.ward_a)
    page = client.get(f"/periodic/reports/{report.id}").get_data(as_text=True)
    # The report: 1 recognised of 1 registered, labelled recognised / registered.
    assert "Gia đình học tập: được công nhận (tỷ lệ công nhận / đăng ký)" in page
    assert "1 (100%)" in page
    # The card and the rates table: 1 of 4 households, labelled recognised / households.
    card = client.get(f"/units/{tree.ward_a.id}/dashboard?year={YEAR}").get_data(as_text=True)
    assert 'data-testid="fig-learning-family-rate">25.0%' in card
    assert "công nhận / số hộ" in card
    rates = client.get(f"/learning/units/{tree.ward_a.id}/rates?year={YEAR}").get_data(
        as_text=True)
    assert "công nhận / số hộ" in rates and "25.0%" in rates


def test_own_unit_only_applies_to_the_learning_card(tree, db, client_as):
    _learning_world(tree)
    client = client_as("chair", at=tree.district_a)
    url = f"/units/{tree.district_a.id}/dashboard?year={YEAR}"
    whole = client.get(url).get_data(as_text=True)
    own = client.get(url + "&scope=unit").get_data(as_text=True)

    def recognised(page):
        return page.split('data-testid="fig-learning-family"')[1].split(">")[1].split("<")[0]

    def registered(page):
        card = page.split('data-testid="learning-card"')[1]
        row = card.split("Gia đình học tập")[1]
        return row.split('<td class="text-end">')[1].split("<")[0]

    assert (registered(whole), recognised(whole)) == ("2", "1")
    assert (registered(own), recognised(own)) == ("1", "0")  # the district's own entry only
    assert 'data-testid="fig-learning-family-rate"' not in own  # no rate: own entries alone


def test_the_glossary_lists_every_figure_and_the_dashboard_links_to_it(tree, db, client_as,
                                                                       client):
    from assoc import figures

    assert client.get("/figures").status_code == 302  # signed-in users only
    client = client_as("viewer", at=tree.ward_a)
    page = client.get("/figures")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for key, f in figures.FIGURES.items():
        assert f'id="{f.anchor}"' in body, key
    assert "Vận động bằng tiền tại các sự kiện" in body and "công nhận / số hộ" in body
    dashboard = client.get(f"/units/{tree.ward_a.id}/dashboard").get_data(as_text=True)
    assert 'href="/figures#fig-members-total"' in dashboard
    assert 'href="/figures#fig-officers-count"' in dashboard


# --- a figure the viewer may not see is "—", never 0 ------------------------------------------


def test_a_ward_chair_sees_other_wards_of_a_program_as_dashes_not_zeros(tree, db, client_as):
    from .builders import build_nomination, build_program

    program = build_program(tree.district_a, quotas={tree.ward_a: 5, tree.ward_b: 5})
    build_nomination(program, tree.ward_a)
    for _n in range(4):
        build_nomination(program, tree.ward_b)
    db.session.commit()
    client = client_as("chair", at=tree.ward_a)
    page = client.get(f"/scholarships/programs/{program.id}/report").get_data(as_text=True)
    table = page.split('data-testid="report-units"')[1].split("</table>")[0]
    ward_b = table.split(tree.ward_b.name)[1].split("</tr>")[0]
    assert "—" in ward_b and ">0<" not in ward_b
    assert 'data-testid="hidden-note"' in page
    assert "Tổng các đơn vị được hiển thị" in table
    # The district chair sees both wards, and the plain total.
    district = client_as("chair", at=tree.district_a)
    page = district.get(f"/scholarships/programs/{program.id}/report").get_data(as_text=True)
    table = page.split('data-testid="report-units"')[1].split("</table>")[0]
    assert 'data-testid="hidden-row"' not in table
    assert table.split(tree.ward_b.name)[1].split("</tr>")[0].count(">4<") == 1


def test_every_printed_compiled_table_ends_with_the_total_column():
    from assoc.pdf.periodic import _column_chunks

    assert _column_chunks(5) == [[0, 1, 2, 3, 4]]  # three wards, own, total: one table
    assert _column_chunks(9) == [[0, 1, 2, 3, 8], [4, 5, 6, 7, 8]]
    assert _column_chunks(7) == [[0, 1, 2, 3, 6], [4, 5, 6]]


def test_exports_print_the_services_totals_not_their_own(app):
    """Review (issue 27): the remuneration year tables and sheets get their total rows from the
    officers service; no export adds figures up by itself."""
    import pathlib

    from assoc.services.officers import YearRow, year_total

    total = year_total([YearRow(1, "A", [1] * 12), YearRow(2, "B", [2] + [0] * 11)])
    assert total.months[0] == 3 and total.total == 14
    root = pathlib.Path(__file__).resolve().parent.parent
    for path in [*(root / "templates").rglob("*.html"), *(root / "assoc" / "pdf").glob("*.py"),
                 *(root / "assoc" / "blueprints").rglob("*.py")]:
        text = path.read_text()
        assert "|sum(attribute='nominated" not in text and "coverage.total - " not in text, path
        assert "sum(x.computed" not in text and "sum(r.months" not in text, path


def test_money_in_by_source_balances_members_left_and_nominations_are_catalogue_figures(
        tree, db, client_as):
    """Issue 27, the catalogue's missing figures: money in by source adds up to money in (an
    "other" part), the balance splits into cash and bank, members who left, and nominations
    (count and money) per scope — each on the dashboard, with the catalogue's numbers."""
    from assoc import figures
    from assoc.services import events as events_svc
    from assoc.services import members

    from .builders import build_member, build_nomination, build_program, build_voucher

    piggy, walk = _piggy_bank_and_walk(tree.ward_a)
    events_svc.receipt_counting_sheets(None, piggy, mode="event")
    ev.record_donation(None, tree.ward_a, method="transfer", amount=300_000, anonymous=True,
                       received_on=today())  # outside events
    member = build_member(tree.ward_a, "Lê Văn Tám")
    members.pay_dues(None, member, year=YEAR, amount=120_000, paid_on=today())
    build_voucher(tree.ward_a, "receipt", 1_000_000)  # support from above: "other"
    build_voucher(tree.ward_a, "receipt", 500_000, method="transfer")
    build_voucher(tree.ward_a, "payment", 200_000)
    gone = build_member(tree.ward_a, "Phạm Thị Chín", joined_on=date(YEAR - 2, 1, 1))
    members.end_membership(None, gone, on=today(), reason="Chuyển nơi ở")
    program = build_program(tree.district_a, quotas={tree.ward_a: 5})
    build_nomination(program, tree.ward_a)
    build_nomination(program, tree.ward_a, status="rejected")
    build_nomination(program, tree.ward_a, submit=False)  # a draft
    each = program.amount_per_award
    db.session.commit()

    period = Period.year(YEAR)
    keys = [k for k, f in figures.FIGURES.items() if f.part_of in ("money.in", "money.balance")]
    values = figures.compute(["money.in", "money.balance", *keys, "members.left",
                              "awards.nominated", "awards.nominated_amount"],
                             Scope(tree.ward_a), period)
    assert values["money.in.counting"] == 10_901_000
    assert values["money.in.events.walk"] == 2_000_000
    assert values["money.in.donations"] == 300_000
    assert values["money.in.dues"] == 120_000
    assert values["money.in.other"] == 1_500_000
    parts_in = [k for k in keys if k.startswith("money.in.")]
    assert sum(values[k] for k in parts_in) == values["money.in"]
    assert values["money.balance.cash"] == 10_901_000 + 2_000_000 + 120_000 + 1_000_000 - 200_000
    assert values["money.balance.bank"] == 300_000 + 500_000
    assert values["money.balance.cash"] + values["money.balance.bank"] == values["money.balance"]
    assert values["members.left"] == 1
    assert (values["awards.nominated"], values["awards.nominated_amount"]) == (2, 2 * each)
    # The district sees the ward's nominations and leavers; its own-unit scope does not.
    district = figures.compute(["members.left", "awards.nominated"], Scope(tree.district_a),
                               period)
    assert district == {"members.left": 1, "awards.nominated": 2}
    own = figures.compute(["members.left", "awards.nominated"],
                          Scope(tree.district_a, subtree=False), period)
    assert own == {"members.left": 0, "awards.nominated": 0}

    html = client_as("chair", at=tree.ward_a).get(
        f"/units/{tree.ward_a.id}/dashboard?year={YEAR}").get_data(as_text=True)
    for testid, value in (("fig-money-in-counting", "10.901.000"),
                          ("fig-money-in-events-walk", "2.000.000"),
                          ("fig-money-in-other", "1.500.000"),
                          ("fig-balance-bank", "800.000"), ("fig-members-left", "1"),
                          ("fig-nominated", "2"),
                          ("fig-nominated-amount", f"{2 * each:,}".replace(",", "."))):
        assert f'data-testid="{testid}">{value}' in html, testid
    assert "#fig-money-in-counting" in html  # the label links to the glossary
    glossary = client_as("chair", at=tree.ward_a).get("/figures").get_data(as_text=True)
    for key in ("money.in.other", "money.balance.cash", "members.left", "awards.nominated"):
        assert f'id="{figures.FIGURES[key].anchor}"' in glossary, key


def test_a_list_that_leaves_out_units_the_viewer_may_not_see_says_so(tree, db, client_as):
    """Issue 27: the program page's quota list shows a ward chair only the own ward's quota
    (the other wards' are not theirs to see); the page says units are left out, the district
    chair's page (every unit shown) does not."""
    from .builders import build_nomination, build_program

    program = build_program(tree.district_a, quotas={tree.ward_a: 5, tree.ward_b: 5})
    build_nomination(program, tree.ward_b)
    db.session.commit()
    note = "Các đơn vị bạn không có quyền xem không được liệt kê."
    page = client_as("chair", at=tree.ward_a).get(
        f"/scholarships/programs/{program.id}").get_data(as_text=True)
    usage = page.split('data-testid="quota-usage"')[1].split("</table>")[0]
    assert f'data-unit="{tree.ward_b.id}"' not in usage
    assert 'data-testid="partial-note"' in page and note in page
    page = client_as("chair", at=tree.district_a).get(
        f"/scholarships/programs/{program.id}").get_data(as_text=True)
    assert f'data-unit="{tree.ward_b.id}"' in page
    assert 'data-testid="partial-note"' not in page


def test_the_period_report_lists_money_in_by_source_for_any_days(tree, db, client_as):
    """The period report shows the new catalogue figures under its table, also for a period
    that cuts months (the roll-ups hold whole months: the days are read as the report reads
    them), and the sources add up to the report's money in."""
    import re

    from .builders import build_voucher

    ev.record_donation(None, tree.ward_a, method="cash", amount=300_000, anonymous=True,
                       received_on=today())
    build_voucher(tree.ward_a, "receipt", 1_000_000)
    db.session.commit()
    client = client_as("chair", at=tree.district_a)
    day = today().isoformat()
    for span in (f"from={YEAR}-01-01&to={YEAR}-12-31", f"from={day}&to={day}"):
        html = client.get(f"/units/{tree.district_a.id}/report?{span}").get_data(as_text=True)

        def shown(testid, page=html):
            return int(re.search(rf'data-testid="{testid}">([^<]*)<', page).group(1)
                       .replace(".", "").replace("đ", "").strip() or 0)

        assert shown("period-money-in-donations") == 300_000, span
        assert shown("period-money-in-other") == 1_000_000, span
        assert shown("total-money_in") == 1_300_000, span
