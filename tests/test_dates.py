"""Dates typed as people write them, in every form; never the browser's locale-bound date box."""

import pathlib
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from assoc.forms import VN, DateError, parse_day, parse_moment
from assoc.models import Event, Member

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("typed", ["1/10/2026", "01-10-2026", "01.10.2026", "2026-10-01",
                                   "01/10/2026", " 1 / 10 / 2026 ", "01 10 2026", "01102026"])
def test_every_usual_way_of_writing_1_october_2026(typed):
    assert parse_day(typed) == date(2026, 10, 1)


@pytest.mark.parametrize("typed", ["31/02/2026", "1/10/26", "10/2026", "abc", "2026-13-01",
                                   "32/1/2026", "1/1/0026"])
def test_impossible_or_ambiguous_dates_say_what_to_type(typed):
    with pytest.raises(DateError) as e:
        parse_day(typed)
    assert "01/10/2026" in str(e.value)


@pytest.mark.parametrize("typed, expected", [
    ("05/12/2026 08:00", datetime(2026, 12, 5, 8, 0, tzinfo=VN)),
    ("5/12/2026 8:30", datetime(2026, 12, 5, 8, 30, tzinfo=VN)),
    ("05/12/2026 8h", datetime(2026, 12, 5, 8, 0, tzinfo=VN)),
    ("2026-12-05T08:00", datetime(2026, 12, 5, 8, 0, tzinfo=VN)),
])
def test_a_date_and_time_in_one_go(typed, expected):
    assert parse_moment(typed) == expected


@pytest.mark.parametrize("typed", ["05/12/2026", "05/12/2026 25:00", "08:00"])
def test_bad_date_times_are_refused(typed):
    with pytest.raises(DateError):
        parse_moment(typed)


def test_no_template_or_form_uses_the_browsers_date_box():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html")
                 if re.search(r'type="(date|datetime-local)"', p.read_text())]
    offenders += [str(p.relative_to(ROOT)) for p in (ROOT / "assoc").rglob("*.py")
                  if re.search(r"from wtforms import (\([^)]*|[^(\n]*)\bDate(Time)?(Local)?Field",
                               p.read_text())]
    assert offenders == []


def test_event_typed_in_vietnamese_order_with_time_in_one_box(tree, client_as, db):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/events/unit/{tree.ward_a.id}/new", data={
        "kind": "walk", "title": "Đi bộ gây quỹ", "starts_at": "05/12/2026 08:00"})
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert event.starts_at.replace(tzinfo=None) == datetime(2026, 12, 5, 1, 0)  # UTC
    html = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="05/12/2026 08:00"' in html
    assert 'type="datetime-local"' not in html


def test_badly_typed_date_is_one_field_error_not_required(tree, client_as, db):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/events/unit/{tree.ward_a.id}/new", data={
        "kind": "walk", "title": "Đi bộ gây quỹ", "starts_at": "31/02/2026 08:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    errors = re.findall(r'<div class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', html, re.S)
    assert len(errors) == 1 and "31/02/2026" in errors[0] and "01/10/2026" in errors[0]
    assert 'value="31/02/2026 08:00"' in html  # what was typed stays in the box


def test_member_join_date_typed_day_first_is_saved_as_typed(tree, client_as, db):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/members/unit/{tree.ward_a.id}/new", data={
        "kind": "individual", "full_name": "Trần Thị Bích", "unit_id": tree.ward_a.id,
        "joined_on": "1/10/2026"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    member = db.session.scalars(select(Member)).one()
    assert member.joined_on == date(2026, 10, 1)


def _every_form_class():
    import importlib
    import pkgutil

    import assoc
    from assoc.forms import Form

    for info in pkgutil.walk_packages(assoc.__path__, "assoc."):
        importlib.import_module(info.name)
    seen, todo = set(), [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return seen


DATE_NAME = re.compile(r"(^on$|_on$|_at$|date|^effective$|_from$|_to$|_start$|_end$)")


def test_every_date_field_of_every_form_is_the_one_typed_date_field(app):
    """A date field of any form is DayField or DayTimeField: no other date class (WTForms' own,
    or a look-alike of one area) that reads dates differently."""
    from wtforms import BooleanField, HiddenField

    from assoc.forms import DayField, DayTimeField

    offenders = []
    with app.test_request_context():
        for cls in _every_form_class():
            form = cls(formdata=None)
            for field in form:
                if isinstance(field, (DayField, DayTimeField, HiddenField, BooleanField)):
                    continue
                kinds = {k.__name__ for k in type(field).__mro__}
                if DATE_NAME.search(field.name) or any("Date" in k or "Day" in k for k in kinds):
                    offenders.append(f"{cls.__module__}.{cls.__name__}.{field.name}: "
                                     f"{type(field).__name__}")
    assert offenders == []


def test_learning_dates_read_as_everywhere_else(tree, client_as, db):
    """A learning entry's registration date: 01.10.2026 is 1 October; a two-digit year is a
    field error saying what to type (not silently 2026)."""
    from assoc.models import LearningEntry

    client = client_as("clerk", at=tree.ward_a)
    url = f"/learning/units/{tree.ward_a.id}/register/family?year=2026"
    data = {"unit_id": tree.ward_a.id, "name": "Lê Văn Học", "people": "3"}
    response = client.post(url, data={**data, "registered_on": "1/10/26"})
    assert response.status_code == 400
    assert "01/10/2026" in response.get_data(as_text=True)
    assert db.session.scalars(select(LearningEntry)).all() == []
    response = client.post(url, data={**data, "registered_on": "01.10.2026"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.scalars(select(LearningEntry)).one().registered_on == date(2026, 10, 1)
    html = client.get(url).get_data(as_text=True)
    assert 'placeholder="dd/mm/yyyy"' in html
