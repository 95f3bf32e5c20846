"""The same figure, for the same scope and period, is the same number on every screen and paper
(issue 27). Generated data (several wards and branches, events of every kind with gifts and
counting sheets, gifts outside events, members and dues, vouchers, scholarships, officers with
posts at two levels, learning models); the wards report, the district accepts and compiles.
Every number is read from the rendered outputs — the dashboards (HTML), the period report
(page, PDF text, .xlsx cells), the periodic reports (page, compiled table, PDF, .xlsx, .docx),
the learning-model card and rates table, the program report — never from the functions alone,
so a template or an export that computes its own sum is caught. Every breakdown adds up, every
compiled row adds up to its total, and every figure of the catalogue is covered: the number of
figures and of comparisons is printed."""

from __future__ import annotations

import io
import os
import random
import re
from collections import defaultdict
from datetime import UTC, date, datetime

import pdfplumber
from openpyxl import load_workbook

from assoc import figures
from assoc.extensions import db as _db
from assoc.models import LEARNING_MODELS, today
from assoc.services import events as ev
from assoc.services import learning, members, scholarships
from assoc.services import periodic as svc
from assoc.services.reports import Period, Scope

from .builders import (
    build_event,
    build_member,
    build_nomination,
    build_officer,
    build_periodic_template,
    build_program,
    build_tree,
    build_unit,
    build_user,
    build_voucher,
)
from .builders_learning import build_criteria, build_entry

YEAR = today().year
SEED = int(os.environ.get("FIGURES_SEED", "27"))
WARDS = ("ward_a", "ward_b", "ward_c")
REORG = os.environ.get("FIGURES_REORG", "1") == "1"


def _when(rng) -> datetime:
    month = rng.randint(1, max(1, min(today().month, 11)))
    return datetime(YEAR, month, rng.randint(1, 27), 2, 0, tzinfo=UTC)


def _build_world(rng):
    tree = build_tree("city>district_a>ward_a,ward_b,ward_c")
    for ward in WARDS:
        for n in range(rng.randint(1, 2)):
            tree.units[f"branch_{ward}_{n}"] = build_unit(f"branch_{ward[-1]}{n}",
                                                          getattr(tree, ward))
    _db.session.commit()
    build_criteria("family")
    places = [tree.district_a, *(getattr(tree, w) for w in WARDS),
              *(u for k, u in tree.units.items() if k.startswith("branch_"))]
    people = iter(f"Người {i}" for i in range(1, 1000))
    for unit in places:
        for _n in range(rng.randint(1, 3)):
            joined = date(YEAR - rng.randint(0, 3), rng.randint(1, 6), 1)
            member = build_member(unit, f"Nguyễn Văn {next(people)}", joined_on=joined)
            if rng.random() < 0.6:
                members.pay_dues(None, member, year=YEAR, amount=rng.choice([60_000, 120_000]),
                                 paid_on=today())
        if rng.random() < 0.5:  # one who left this year
            gone = build_member(unit, f"Trần Thị {next(people)}", joined_on=date(YEAR - 2, 3, 1))
            members.end_membership(None, gone, on=today(), reason="Chuyển nơi ở")
        build_voucher(unit, "receipt", rng.randint(10, 40) * 100_000, commit=False,
                      method="transfer")
        if rng.random() < 0.7:
            build_voucher(unit, "payment", rng.randint(1, 5) * 50_000, commit=False,
                          method="transfer")
        _db.session.commit()
    for unit in places[:4]:  # the district and the wards: events of every kind
        for kind in figures.FUND_KINDS:
            event = build_event(unit, kind=kind, title=f"Sự kiện {kind}", starts_at=_when(rng))
            if kind == "piggy_bank":
                for g in range(rng.randint(1, 3)):
                    ev.record_counting_sheet(None, event, group_name=f"Lớp {g + 6}A",
                                             counter_1="Lê Thị Hoa", counter_2="Phạm Văn Nam",
                                             counts={"n500000": rng.randint(0, 9),
                                                     "n10000": rng.randint(1, 30),
                                                     "c500": rng.randint(0, 5)})
            else:
                ev.record_donation(None, unit, method="cash", event=event, anonymous=True,
                                   amount=rng.randint(1, 20) * 100_000, received_on=today())
            if rng.random() < 0.5:
                ev.record_donation(None, unit, method="in_kind", event=event, anonymous=True,
                                   items="Sách giáo khoa", quantity=10,
                                   estimated_value=rng.randint(1, 9) * 100_000)
            ev.record_participation(None, event, students=rng.randint(0, 50),
                                    members=rng.randint(0, 20), residents=rng.randint(0, 30))
            status = rng.choice(["held", "held", "closed", "planned"])
            if status != "planned":
                ev.set_status(None, event, status)
        ev.record_donation(None, unit, method="transfer", anonymous=True,  # outside events
                           amount=rng.randint(1, 9) * 100_000, received_on=today())
        _db.session.commit()
    on = date(2020, 1, 1)
    build_officer(tree.district_a, "Phạm Đức Hải", ("chair", on))
    build_officer(tree.district_a, "Nguyễn Văn An", ("vice_chair", on),  # two levels, one person
                  ("chair", on, None, tree.ward_a))
    for ward in WARDS[1:]:
        build_officer(getattr(tree, ward), f"Chủ tịch {ward}", ("chair", on))
    build_officer(tree.ward_b, "Trần Văn Bình", ("secretary", on),
                  ("branch_head", on, None, tree.units["branch_ward_b_0"]))
    program = build_program(tree.district_a, quotas={getattr(tree, w): 3 for w in WARDS})
    for ward in WARDS:
        for _n in range(rng.randint(1, 3)):
            build_nomination(program, getattr(tree, ward),
                             status=rng.choice(["approved", "approved", "rejected", None]),
                             priority_groups=rng.choice([["poor"], ["orphan", "girl"], []]))
    for ward in WARDS:
        unit = getattr(tree, ward)
        entries = [build_entry(unit, f"Hộ {next(people)}", year=YEAR, points=[30, 20, 30, 20])
                   for _n in range(rng.randint(1, 3))]
        entries.append(build_entry(unit, f"Hộ {next(people)}", year=YEAR))  # registered only
        learning.recognise(None, unit, model="family", year=YEAR,
                           entry_ids=[e.id for e in entries[:-1][:rng.randint(1, 3)]],
                           number=f"{rng.randint(1, 99)}/QĐ-KH",
                           decided_on=date(YEAR, 1, 1) if today().month == 1 else today(),
                           signer="Nguyễn Thị Thu", issuing_body="Hội Khuyến học")
        learning.set_denominators(None, unit, YEAR, {"family": (rng.randint(5, 40), 50)})
    _db.session.commit()
    if REORG:  # a reorganisation in the period: a branch of ward_c moves under ward_a today
        from assoc.services import reorg

        branch = tree.units["branch_ward_c_0"]
        reorg.apply_plan(None, reorg.parse_plan("\n".join([
            ",".join(reorg.PLAN_HEADER), f"move,{branch.code},,,,{tree.ward_a.code}"])), today())
        _db.session.commit()
        assert branch.parent_id == tree.ward_a.id
        # and two branches of ward_b merge (their books handed over to the one that stays)
        kept, gone = tree.units["branch_ward_b_0"], build_unit("branch_b9", tree.ward_b)
        build_member(gone, "Lê Văn Chín")
        build_voucher(gone, "receipt", 700_000)
        reorg.apply_plan(None, reorg.parse_plan("\n".join([
            ",".join(reorg.PLAN_HEADER), f"merge,{kept.code};{gone.code},{kept.code},,,"])),
            today())
        _db.session.commit()
        assert gone.successor_id == kept.id
    return tree, program


# ---------------------------------------------------------------------------------------------
# Reading numbers back from what a person sees
# ---------------------------------------------------------------------------------------------


def number(text) -> int | float | None:
    """"12.901.000 đ" → 12901000, "1 (100%)" → 1, "25.0%" → 25.0, "—" → None."""
    if isinstance(text, (int, float)):
        return text
    text = re.sub(r"<[^>]+>", " ", str(text or "")).strip()
    if re.match(r"^-?\d+\.\d%", text):
        return float(text.split("%")[0])
    m = re.match(r"^(-?[\d.]+)", text.replace("\u00a0", ""))
    return int(m.group(1).replace(".", "")) if m else None


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


class Seen:
    """Every value read, by (scope, figure key): where it was read and what it said."""

    def __init__(self):
        self.values: dict[tuple[str, str], list[tuple[str, object]]] = defaultdict(list)

    def add(self, scope: str, key: str, place: str, value) -> None:
        assert key in figures.FIGURES, key
        self.values[(scope, key)].append((place, number(value)))

    def check(self) -> tuple[int, int]:
        comparisons = 0
        for (scope, key), found in self.values.items():
            numbers = {v for _p, v in found}
            assert len(numbers) == 1, f"{scope} {key}: {found}"
            comparisons += len(found) - 1
        return len({k for _s, k in self.values}), comparisons


def _cell_texts(row_html: str) -> list[str]:
    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row_html, re.S)


DASHBOARD = {
    "fig-members": "members.total", "fig-new-members": "members.new",
    "fig-dues": "members.dues_paid", "fig-money-in": "money.in", "fig-money-out": "money.out",
    "fig-balance": "money.balance", "fig-awards": "awards.count",
    "fig-award-amount": "awards.amount", "fig-award-paid": "awards.paid",
    "fig-events": "events.held", "fig-raised": "funds.raised", "fig-in-kind": "funds.in_kind",
    "fig-officers": "officers.count", "fig-posts": "officers.posts",
    "fig-vacancies": "officers.vacant", "fig-coverage-units": "coverage.units",
    "fig-coverage-with-chair": "coverage.with_chair",
    "fig-balance-cash": "money.balance.cash", "fig-balance-bank": "money.balance.bank",
    "fig-members-left": "members.left", "fig-nominated": "awards.nominated",
    "fig-nominated-amount": "awards.nominated_amount",
}
# Money in by source: the card lists the sources with money (and "other" always).
SOURCES = {f"fig-money-in-{s.replace('.', '-')}": f"money.in.{s}"
           for s in figures.MONEY_SOURCES}


def read_dashboard(seen: Seen, scope: str, html: str) -> None:
    shown = {}
    for testid, key in DASHBOARD.items():
        m = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
        assert m, testid
        seen.add(scope, key, "dashboard", m.group(1))
        shown[key] = number(m.group(1))
    assert 'data-testid="fig-money-in-other"' in html
    for testid, key in SOURCES.items():
        m = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
        shown[key] = number(m.group(1)) if m else 0  # a source without money is not listed
        seen.add(scope, key, "dashboard", shown[key])
    # The card's breakdowns add up, as shown.
    assert sum(shown[k] for k in SOURCES.values()) == shown["money.in"], scope
    assert all(shown[k] >= 0 for k in SOURCES.values()), scope  # "other" is not a plug
    assert shown["money.balance.cash"] + shown["money.balance.bank"] == shown["money.balance"]
    card = html.split('data-testid="learning-card"')[1].split("</table>")[0]
    for m in LEARNING_MODELS:
        row = card.split(f"model={m}\"")[1]
        seen.add(scope, f"learning.{m}.registered", "learning card",
                 _cell_texts("<td" + row.split("<td", 1)[1])[0])
        seen.add(scope, f"learning.{m}.recognised", "learning card",
                 re.search(rf'data-testid="fig-learning-{m}"[^>]*>([^<]*)<', card).group(1))
        rate = re.search(rf'data-testid="fig-learning-{m}-rate">([^<]*)<', card)
        seen.add(scope, f"learning.{m}.rate", "learning card", rate.group(1) if rate else "—")


def read_rates_table(seen: Seen, scope: str, html: str) -> None:
    total = html.split('data-testid="rate-total"')[1].split("</tr>")[0]
    cells = _cell_texts("<tr" + total)[1:]
    for i, m in enumerate(LEARNING_MODELS):
        denominator, registered, assessed, recognised = cells[4 * i:4 * i + 4]
        seen.add(scope, f"learning.{m}.total", "rates table", denominator)
        seen.add(scope, f"learning.{m}.registered", "rates table", registered)
        seen.add(scope, f"learning.{m}.assessed", "rates table", assessed)
        seen.add(scope, f"learning.{m}.recognised", "rates table", recognised)
        rate = re.search(r"<div>([\d.]+%)", recognised)
        seen.add(scope, f"learning.{m}.rate", "rates table", rate.group(1) if rate else "—")


PERIOD_MORE = {"period-members-left": "members.left", "period-nominated": "awards.nominated",
               "period-nominated-amount": "awards.nominated_amount",
               **{f"period-money-in-{s.replace('.', '-')}": f"money.in.{s}"
                  for s in figures.MONEY_SOURCES}}


def read_period_report(seen: Seen, scope: str, html: str, pdf: bytes, xlsx: bytes) -> None:
    keys = list(figures.REPORT_COLUMNS)
    for column, key in figures.REPORT_COLUMNS.items():
        m = re.search(rf'data-testid="total-{column}">([^<]*)<', html)
        seen.add(scope, key, "period report", m.group(1))
    shown = {}
    for testid, key in PERIOD_MORE.items():
        m = re.search(rf'data-testid="{testid}">([^<]*)<', html)
        assert m, testid
        shown[key] = number(m.group(1))
        seen.add(scope, key, "period report", m.group(1))
    money_in = number(re.search(r'data-testid="total-money_in">([^<]*)<', html).group(1))
    assert sum(v for k, v in shown.items() if k.startswith("money.in.")) == money_in, scope
    ws = load_workbook(io.BytesIO(xlsx)).active
    last = [c.value for c in ws[ws.max_row]]
    assert last[0] == "Tổng cộng"
    for key, value in zip(keys, last[1:], strict=True):
        seen.add(scope, figures.REPORT_COLUMNS[key], "period report .xlsx", value)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        rows = [row for page in doc.pages for table in page.extract_tables() for row in table]
    total = next(r for r in rows if any(squash(c) == "Tổngcộng" for c in r if c))
    values = [c for c in total if c and number(c) is not None]
    for key, value in zip(keys, values, strict=True):
        seen.add(scope, figures.REPORT_COLUMNS[key], "period report PDF", value)


def read_periodic(seen: Seen, scope: str, html: str, pdf: bytes, xlsx: bytes, docx: bytes,
                  place: str) -> dict[str, int]:
    """The report's figures from its page and its three papers; returns them (page)."""
    page = html.split('data-testid="compiled"')[0]
    values = {}
    for key, value in re.findall(r'<tr data-key="([^"]+)"[^>]*>\s*<td>.*?</td>\s*<td[^>]*>'
                                 r"(.*?)</td>", page, re.S):
        values[key] = number(value)
        seen.add(scope, key, place, value)
    labels = {squash(str(figures.FIGURES[k].label)): k for k in values}
    wb = load_workbook(io.BytesIO(xlsx))
    for row in wb["Báo cáo"].iter_rows(values_only=True):
        if row and isinstance(row[0], str) and squash(row[0]) in labels and row[1] is not None:
            seen.add(scope, labels[squash(row[0])], place + " .xlsx", row[1])
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        rows = [row for page in doc.pages for table in page.extract_tables() for row in table]
    found = 0
    for row in rows:
        if len(row) == 4 and row[1] and squash(row[1]) in labels:
            seen.add(scope, labels[squash(row[1])], place + " PDF", row[2])
            found += 1
    assert found == len(values), (found, len(values))
    from docx import Document

    word = Document(io.BytesIO(docx))
    for table in word.tables:
        for row in table.rows:
            cells = [c.text for c in row.cells]
            if len(cells) == 4 and squash(cells[1]) in labels:
                seen.add(scope, labels[squash(cells[1])], place + " .docx", cells[2])
    return values


def read_compiled(html: str, xlsx: bytes) -> tuple[list[str], dict[str, list]]:
    """{figure key: [values of its row…, total]} from the page, checked against the .xlsx."""
    table = html.split('data-testid="compiled"')[1].split("</table>")[0]
    head = _cell_texts(table.split("</thead>")[0])[1:]
    rows = {key: [number(c) for c in _cell_texts(row)[1:]]
            for key, row in re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', table, re.S)}
    sheet = load_workbook(io.BytesIO(xlsx))["Tổng hợp"]
    names = [c.value for c in sheet[2]][1:]
    assert [squash(n) for n in names] == [squash(re.sub(r"<[^>]+>", "", h)) for h in head]
    lines = list(sheet.iter_rows(min_row=3, values_only=True))
    for key, (line) in zip(rows, lines, strict=True):
        assert [number(v) for v in line[1:]] == rows[key], key
    return names, rows


# ---------------------------------------------------------------------------------------------


def test_every_figure_is_the_same_number_everywhere(tree, db, client_as, capsys):
    rng = random.Random(SEED)
    db.session.rollback()
    tree, program = _build_world(rng)
    template = build_periodic_template(tree.city, year=YEAR)
    period = Period(template.period_start, template.period_end)
    reviewer = build_user("chair", tree.district_a)
    texts = {s["key"]: "Nội dung" for s in template.sections if s["kind"] == "text"}
    reports = {}
    for ward in WARDS:
        chair = build_user("chair", getattr(tree, ward))
        report = svc.start_report(chair, template, getattr(tree, ward))
        svc.save_draft(chair, report, revision=report.revision, texts=texts, figures={})
        svc.submit(chair, report)
        svc.accept(reviewer, report)
        reports[ward] = report
    db.session.commit()
    compiled = svc.start_report(reviewer, template, tree.district_a)
    db.session.commit()
    reports["district_a"] = compiled

    seen = Seen()
    client = client_as("chair", at=tree.district_a)
    q = f"year={YEAR}"
    span = f"from={period.start.isoformat()}&to={period.end.isoformat()}"
    for name in (*WARDS, "district_a"):
        unit = getattr(tree, name)
        dashboard = client.get(f"/units/{unit.id}/dashboard?{q}")
        assert dashboard.status_code == 200
        read_dashboard(seen, name, dashboard.get_data(as_text=True))
        read_rates_table(seen, name, client.get(f"/learning/units/{unit.id}/rates?{q}")
                         .get_data(as_text=True))
        read_period_report(seen, name,
                           client.get(f"/units/{unit.id}/report?{span}").get_data(as_text=True),
                           client.get(f"/units/{unit.id}/report.pdf?{span}").data,
                           client.get(f"/units/{unit.id}/report.xlsx?{span}").data)
        summary = client.get(f"/events/unit/{unit.id}/summary?{span}").get_data(as_text=True)
        for testid, key in (("summary-money", "funds.raised"), ("summary-in-kind", "funds.in_kind")):
            m = re.search(rf'data-testid="{testid}">([^<]*)<', summary)
            seen.add(name, key, "events summary", m.group(1))
        report = reports[name]
        base = f"/periodic/reports/{report.id}"
        html = client.get(base).get_data(as_text=True)
        values = read_periodic(seen, name, html, client.get(base + ".pdf").data,
                               client.get(base + ".xlsx").data, client.get(base + ".docx").data,
                               "periodic report")
        # Breakdowns add up, on the page as shown.
        for total in {f.part_of for f in figures.FIGURES.values()
                      if f.part_of and figures.GROUPS[f.group].reported}:
            parts = [f.key for f in figures.parts_of(total)]
            assert sum(values[k] for k in parts) == values[total], (name, total)
        # And every catalogue figure not on a screen is checked against its function.
        scope = Scope(unit)
        for key, value in figures.compute(
                [k for k, f in figures.FIGURES.items() if figures.GROUPS[f.group].reported
                 or f.group in ("balance", "vacancies", "learning_rates", "money_sources",
                                "members_left", "nominations")],
                scope, period).items():
            seen.add(name, key, "catalogue", value)

    # The compiled table: a column per ward, the district's own, the total; rows add up.
    base = f"/periodic/reports/{compiled.id}"
    names, rows = read_compiled(client.get(base).get_data(as_text=True),
                                client.get(base + ".xlsx").data)
    assert len(names) == len(WARDS) + 2
    for key, row in rows.items():
        assert sum(row[:-1]) == row[-1], key
        seen.add("district_a", key, "compiled table total", row[-1])
        for ward, value in zip(WARDS, row, strict=False):
            seen.add(ward, key, "compiled table column", value)

    # The program report, as the district chair sees it, against the catalogue.
    page = client.get(f"/scholarships/programs/{program.id}/report").get_data(as_text=True)
    foot = page.split('data-testid="report-units"')[1].split("<tfoot>")[1].split("</tr>")[0]
    keys = ["program.nominated", "program.approved", "program.rejected",
            "program.approved_amount", "program.paid_amount"]
    for key, cell in zip(keys, _cell_texts(foot)[1:], strict=True):
        seen.add("program", key, "program report", cell)
    noms = list(db.session.scalars(scholarships.nominations_query(program)[0]))
    for key, value in figures.GROUPS["program"].compute(program, noms).items():
        seen.add("program", key, "catalogue", value)

    covered, comparisons = seen.check()
    missing = set(figures.FIGURES) - {k for _s, k in seen.values}
    assert not missing, sorted(missing)
    with capsys.disabled():
        print(f"\nfigures: {covered} of {len(figures.FIGURES)} in the catalogue covered, "
              f"{len(seen.values)} (scope, figure) pairs, {comparisons} comparisons "
              f"(seed {SEED})")
