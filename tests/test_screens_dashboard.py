"""The dashboard's event figures equal the events summary they link to, for every kind of money
an event raises; a past event with receipts is offered "mark as held"."""

import re
from datetime import UTC, datetime

from sqlalchemy import select

from assoc.models import Event, today
from assoc.services import events

from .builders import build_event, build_user

YEAR = today().year


def _figure(html, testid):
    m = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    return m[1].strip()


def _fair(tree, db, status="planned"):
    fair = build_event(tree.ward_a, kind="piggy_bank", title="Ngày hội khui heo đất",
                       status=status, starts_at=datetime(YEAR, 1, 2, 1, tzinfo=UTC))
    events.record_donation(None, tree.ward_a, method="cash", event=fair, amount=1_000_000,
                           anonymous=True)
    events.record_donation(None, tree.ward_a, method="transfer", event=fair, amount=250_000,
                           anonymous=True)
    events.record_donation(None, tree.ward_a, method="in_kind", event=fair, anonymous=True,
                           items="Vở", quantity=50, estimated_value=400_000)
    for group, n in (("Lớp 5A", 3), ("Lớp 5B", 2)):
        events.record_counting_sheet(None, fair, group_name=group, counts={"n200000": n},
                                     counter_1="Cô Lan", counter_2="Thầy Hùng")
    events.receipt_counting_sheets(None, fair, mode="event")
    db.session.commit()
    return fair


def test_dashboard_raised_equals_the_summary_it_links_to(tree, db, client_as):
    _fair(tree, db, status="held")
    client = client_as("chair", tree.district_a)
    dash = client.get(f"/units/{tree.district_a.id}/dashboard?year={YEAR}").get_data(as_text=True)
    raised = _figure(dash, "fig-raised")
    assert raised == "2.250.000 đ"  # 1.000.000 + 250.000 + 5 × 200.000 from the piggy banks
    link = re.search(r'data-testid="fig-raised" href="([^"]+)"', dash)[1].replace("&amp;", "&")
    summary = client.get(link).get_data(as_text=True)
    assert _figure(summary, "summary-money") == raised
    assert _figure(dash, "fig-in-kind") == "400.000 đ"


def test_every_kind_of_event_money_on_the_dashboard_equals_the_summary(tree, db, client_as):
    """Donations, a pledge fulfilled (paid months after the event), piggy-bank counting sheets
    and gifts in kind: each figure of the dashboard equals the events summary it links to."""
    fair = _fair(tree, db, status="held")
    donor = events.register_donor(None, tree.ward_a, name="Công ty Sách Phương Nam",
                                  kind="organisation")
    pledge = events.create_pledge(None, tree.ward_a, donor=donor, amount=3_000_000, event=fair)
    events.record_donation(None, tree.ward_a, method="transfer", pledge=pledge,
                           amount=3_000_000)  # today: months after the event
    db.session.commit()
    client = client_as("chair", tree.district_a)
    dash = client.get(f"/units/{tree.district_a.id}/dashboard?year={YEAR}").get_data(as_text=True)
    assert _figure(dash, "fig-raised") == "5.250.000 đ"  # 2.250.000 + the pledge's 3.000.000
    assert _figure(dash, "fig-in-kind") == "400.000 đ"
    for testid, in_summary in (("fig-raised", "summary-money"), ("fig-in-kind", "summary-in-kind")):
        link = re.search(rf'data-testid="{testid}" href="([^"]+)"', dash)[1].replace("&amp;", "&")
        summary = client.get(link).get_data(as_text=True)
        assert _figure(summary, in_summary) == _figure(dash, testid), testid


def test_past_event_with_receipts_is_offered_mark_as_held(tree, db, client_as):
    fair = _fair(tree, db)
    client = client_as("chair", tree.ward_a)
    page = client.get(f"/events/{fair.id}").get_data(as_text=True)
    assert 'data-testid="held-prompt"' in page
    dash = client.get(f"/units/{tree.ward_a.id}/dashboard?year={YEAR}").get_data(as_text=True)
    assert 'data-testid="to-mark-held"' in dash and "Ngày hội khui heo đất" in dash
    r = client.post(f"/events/{fair.id}/status",
                    data={"status": "held", "next": f"/units/{tree.ward_a.id}/dashboard"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/units/{tree.ward_a.id}/dashboard")
    assert db.session.scalar(select(Event.status).where(Event.id == fair.id)) == "held"
    assert 'data-testid="held-prompt"' not in client.get(f"/events/{fair.id}").get_data(as_text=True)


def test_no_prompt_for_future_events_or_viewers(tree, db, client_as):
    fair = _fair(tree, db)
    viewer = client_as("viewer", tree.ward_a)
    assert 'data-testid="held-prompt"' not in viewer.get(f"/events/{fair.id}").get_data(as_text=True)
    later = build_event(tree.ward_a, starts_at=datetime(YEAR + 1, 1, 2, 1, tzinfo=UTC))
    assert not events.should_be_held(later)
    build_user  # noqa: B018 - builders imported for symmetry with other files
