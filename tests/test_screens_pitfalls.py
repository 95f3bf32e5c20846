"""Small pitfalls: counting sheets keep the counters' names and show a running total; the
program page counts nominations against the quota and warns when the fund is short."""

from sqlalchemy import select

from assoc.models import CountingSheet

from .builders import build_event, build_nomination, build_program, build_voucher


def test_save_and_count_another_keeps_the_counters(tree, client_as, db):
    event = build_event(tree.ward_a, kind="piggy_bank")
    client = client_as("clerk", at=tree.ward_a)
    r = client.post(f"/events/{event.id}/sheets/new", data={
        "group_name": "Lớp 8A2", "counter_1": "Lê Hoa", "counter_2": "Phạm Nam",
        "n200000": "3", "again": "1"})
    assert r.status_code == 302
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'value="Lê Hoa"' in html and 'value="Phạm Nam"' in html
    assert 'name="group_name"' in html and 'value="Lớp 8A2"' not in html  # a new group
    assert db.session.scalar(select(CountingSheet.total)) == 600_000


def test_counting_form_shows_a_running_total(tree, client_as):
    event = build_event(tree.ward_a, kind="piggy_bank")
    client = client_as("clerk", at=tree.ward_a)
    html = client.post(f"/events/{event.id}/sheets/new", data={
        "group_name": "Lớp 8A2", "counter_1": "Lê Hoa", "counter_2": "Lê Hoa",
        "n200000": "3", "n10000": "4"}).get_data(as_text=True)  # refused: same counter twice
    assert 'data-testid="running-total"' in html and "640.000 đ" in html
    assert 'data-face="200000"' in html and "counting.js" in html


def test_remaining_places_count_nominations_not_only_approvals(tree, client_as, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 2})
    build_nomination(program, tree.ward_a)
    build_nomination(program, tree.ward_a, submit=False)
    html = client_as("chair", tree.district_a).get(
        f"/scholarships/programs/{program.id}").get_data(as_text=True)
    remaining = html.split('data-testid="remaining">')[1].split("</td>")[0]
    assert remaining.startswith("0 ")


def test_program_bigger_than_its_fund_is_warned(tree, client_as, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 2}, budget=20_000_000)
    client = client_as("chair", tree.district_a)
    html = client.get(f"/scholarships/programs/{program.id}").get_data(as_text=True)
    assert 'data-testid="fund-short"' in html and "20.000.000 đ" in html
    build_voucher(tree.district_a, "receipt", 25_000_000, fund=program.fund)
    html = client.get(f"/scholarships/programs/{program.id}").get_data(as_text=True)
    assert 'data-testid="fund-short"' not in html
