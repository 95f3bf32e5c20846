"""Edit forms of the house shape (units, events, officers): a save made on a stale copy writes
only the fields its sender changed; a field both people changed is shown beside the saved
value and nothing is saved until the sender saves again (assoc/merge.py)."""

from datetime import date

import pytest

from assoc.models import Event, Officer, Position, Unit

from .builders import build_event, build_officer
from .test_periodic_conflicts import FillForm


def opened(client, url) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200, url
    fields = FillForm(page.get_data(as_text=True)).fields
    assert fields.get("loaded"), "the edit form carries its fingerprints"
    return fields


def fresh(db, model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


@pytest.fixture
def pages(tree, db):
    event = build_event(tree.ward_a, title="Ngày hội đọc sách", place="Nhà văn hóa khu phố 1")
    officer = build_officer(tree.ward_a, "Nguyễn Văn An", ("chair", date(2020, 1, 1)),
                            phone="0903123456")
    return {
        "unit": (Unit, tree.ward_a.id, f"/units/{tree.ward_a.id}/edit", "address", "name"),
        "event": (Event, event.id, f"/events/{event.id}/edit", "place", "organiser"),
        "officer": (Officer, officer.id, f"/officers/{officer.id}/edit", "notes",
                    "outside_posts"),
        "position": (Position, officer.positions[0].id,
                     f"/officers/positions/{officer.positions[0].id}/edit", "title_text",
                     "term"),
    }


@pytest.mark.parametrize("kind", ["unit", "event", "officer", "position"])
def test_a_stale_save_keeps_the_other_persons_change(kind, tree, pages, client_as, db):
    model, id_, url, field_a, field_b = pages[kind]
    first, second = client_as("chair", at=tree.ward_a), client_as("chair", at=tree.ward_a)
    form_1, form_2 = opened(first, url), opened(second, url)
    assert first.post(url, data=dict(form_1, **{field_a: "Bản người một"})
                      ).status_code == 302
    # The second never touched field_a: their stale copy of it must not replace the first's.
    response = second.post(url, data=dict(form_2, **{field_b: "Bản người hai"}))
    assert response.status_code == 302
    saved = fresh(db, model, id_)
    assert getattr(saved, field_a) == "Bản người một"
    assert getattr(saved, field_b) == "Bản người hai"


@pytest.mark.parametrize("kind", ["unit", "event", "officer", "position"])
def test_a_field_both_changed_is_shown_and_nothing_saved(kind, tree, pages, client_as, db):
    model, id_, url, field_a, field_b = pages[kind]
    first, second = client_as("chair", at=tree.ward_a), client_as("chair", at=tree.ward_a)
    form_1, form_2 = opened(first, url), opened(second, url)
    first.post(url, data=dict(form_1, **{field_a: "Bản người một"}))
    refused = second.post(url, data=dict(form_2, **{field_a: "Bản người hai",
                                                    field_b: "Thêm người hai"}))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Người khác đã sửa mục này" in body and body.count("Người khác đã sửa mục này") == 1
    assert "Bản người một" in body and "Bản người hai" in body
    saved = fresh(db, model, id_)
    assert getattr(saved, field_a) == "Bản người một"
    assert (getattr(saved, field_b) or "") != "Thêm người hai"  # nothing written
    # Saving again keeps what is in the box.
    again = second.post(url, data=FillForm(body).fields)
    assert again.status_code == 302
    saved = fresh(db, model, id_)
    assert getattr(saved, field_a) == "Bản người hai"
    assert getattr(saved, field_b) == "Thêm người hai"


def test_an_event_form_saved_unchanged_keeps_a_change_made_meanwhile(tree, pages, client_as,
                                                                     db):
    """Dates and amounts compare as the form shows them: an untouched form is no conflict and
    writes nothing over the other person's change."""
    _model, id_, url, *_f = pages["event"]
    first, second = client_as("chair", at=tree.ward_a), client_as("chair", at=tree.ward_a)
    form_1, form_2 = opened(first, url), opened(second, url)
    assert first.post(url, data=dict(form_1, title="Tên mới", target_amount="5.000.000")
                      ).status_code == 302
    assert second.post(url, data=form_2).status_code == 302
    saved = fresh(db, Event, id_)
    assert (saved.title, saved.target_amount) == ("Tên mới", 5_000_000)
