"""The date defects found by the outside test (issue 29): ending a membership with a bad date,
two-digit birth years, impossible dates in list filters, a report due before its period ends.
One rule everywhere: a date that cannot be read is a field error that says what to type, and
what was typed stays in the box."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from assoc.models import Member, PeriodicTemplate
from assoc.services import DomainError
from assoc.services import periodic as periodic_svc

from .builders import build_member, build_periodic_template, build_voucher

DATE_MESSAGE = "01/10/2026"  # every date field's message shows how to type one


def field_errors(html):
    return [re.sub(r"\s+", " ", e).strip() for e in
            re.findall(r'<div class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', html, re.S)]


@pytest.mark.parametrize("typed", ["31/02/2026", "1/10/26", "abc"])
def test_ending_a_membership_with_a_bad_date_says_so_and_keeps_it(tree, client_as, db, typed):
    m = build_member(tree.ward_a, "Nguyễn Văn Á")
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/members/{m.id}/end", data={"on": typed, "reason": "Chuyển đi"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    errors = field_errors(html)
    assert len(errors) == 1 and DATE_MESSAGE in errors[0]
    assert "Cần ghi lý do" not in html and "reason required" not in html.lower()
    assert f'value="{typed}"' in html                      # what was typed stays
    assert 'value="Chuyển đi"' in html
    assert re.search(r'<details[^>]*\bopen\b[^>]*data-testid="end-membership"', html)
    db.session.expire_all()
    assert db.session.get(Member, m.id).status == "active"


def test_ending_without_a_reason_is_the_reasons_error_with_the_date_kept(tree, client_as, db):
    m = build_member(tree.ward_a, "Nguyễn Văn Á")
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/members/{m.id}/end", data={"on": "01/05/2026", "reason": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert len(field_errors(html)) == 1 and 'value="01/05/2026"' in html
    ok = client.post(f"/members/{m.id}/end", data={"on": "01/05/2026", "reason": "Chuyển đi"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, m.id).ended_on == date(2026, 5, 1)


@pytest.mark.parametrize("typed", ["1/10/26", "1/10/30", "01-10-85", "1.10.26"])
def test_a_birth_date_with_a_two_digit_year_is_refused_like_any_date(tree, client_as, db,
                                                                       typed):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/members/unit/{tree.ward_a.id}/new", data={
        "kind": "individual", "full_name": "Trần Thị Bích", "unit_id": tree.ward_a.id,
        "birth": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Hãy gõ ngày theo dạng ngày/tháng/năm, ví dụ 01/10/2026." in field_errors(html)
    assert db.session.scalars(select(Member)).first() is None
    # the same message as the joining date, a DayField
    other = client.post(f"/members/unit/{tree.ward_a.id}/new", data={
        "kind": "individual", "full_name": "Trần Thị Bích", "unit_id": tree.ward_a.id,
        "joined_on": typed}).get_data(as_text=True)
    assert field_errors(other) == field_errors(html)
    # four digits, or the year alone, are still taken; an edit refuses two digits too
    for good, year in (("1/10/1926", 1926), ("1930", 1930)):
        assert client.post(f"/members/unit/{tree.ward_a.id}/new", data={
            "kind": "individual", "full_name": f"Người {year}", "unit_id": tree.ward_a.id,
            "birth": good}).status_code == 302
    m = db.session.scalars(select(Member).where(Member.birth_year == 1926)).one()
    response = client.post(f"/members/{m.id}/edit", data={
        "kind": "individual", "full_name": m.full_name, "unit_id": tree.ward_a.id,
        "birth": typed})
    assert response.status_code == 400


@pytest.mark.parametrize("url, arg", [
    ("/units/{ward}/treasury", "date_from"),
    ("/treasury/vouchers", "date_to"),
    ("/units/{ward}/report", "from"),
    ("/events/unit/{ward}/summary", "to"),
    ("/officers/units/{ward}/workload", "on"),
])
@pytest.mark.parametrize("typed", ["31/02/2026", "1/10/26", "abc"])
def test_an_impossible_filter_date_is_a_field_error(tree, client_as, db, url, arg, typed):
    client = client_as("chair", at=tree.ward_a)
    url = url.format(ward=tree.ward_a.id)
    response = client.get(url, query_string={arg: typed})
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    errors = re.findall(r'data-testid="filter-error">([^<]*)<', html)
    assert len(errors) == 1 and DATE_MESSAGE in errors[0], url
    assert f'name="{arg}" value="{typed}"' in html, url
    # a good date is no error
    good = client.get(url, query_string={arg: "01/10/2026"}).get_data(as_text=True)
    assert 'data-testid="filter-error"' not in good


def test_the_cash_book_filter_too(tree, client_as, db):
    voucher = build_voucher(tree.ward_a, "receipt", 100_000)
    client = client_as("chair", at=tree.ward_a)
    html = client.get(f"/funds/{voucher.fund_id}/cashbook",
                      query_string={"date_from": "31/02/2026"}).get_data(as_text=True)
    assert len(re.findall(r'data-testid="filter-error"', html)) == 1
    assert 'name="date_from" value="31/02/2026"' in html


def test_a_report_cannot_be_due_before_its_period_ends(tree, client_as, db):
    with pytest.raises(DomainError) as err:
        build_periodic_template(tree.city, year=2026, due_date=date(2026, 12, 15))
    assert err.value.field == "due_date" and "31/12/2026" in err.value.message
    # the ready-made year-end template is due after its year
    values = periodic_svc.preset_values("year_end", tree.city, 2026)
    assert values["due_date"] > values["period_end"]
    client = client_as("chair", at=tree.city)
    response = client.post(f"/periodic/units/{tree.city.id}/templates/new", data={
        "kind": "custom", "title": "Báo cáo quý", "period_start": "1/1/2026",
        "period_end": "31/3/2026", "due_date": "15/3/2026", "levels": ["commune"],
        "groups": ["members"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert any("31/03/2026" in e for e in field_errors(html))
    assert db.session.scalars(select(PeriodicTemplate)).first() is None
    # due on the period's last day is fine
    assert build_periodic_template(tree.city, year=2025, due_date=date(2025, 12, 31))
