"""Event pages: who may open what (a table), forms with bad input, PDFs and exports."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from assoc.models import ROLES, CountingSheet, Donation, Event, today
from assoc.services import events as svc

from .builders import build_donor, build_event

RELATIONS = ("own", "child", "parent", "sibling", "unrelated")
ALL = set(ROLES)
EVENT_EDITORS = {"clerk", "chair", "admin"}
DONATION_EDITORS = {"clerk", "treasurer", "chair", "admin"}
DOWN = {"own", "child"}

# page -> (roles allowed, relations allowed): written out, not computed from permissions.py
EXPECTED = {
    "list": (ALL, DOWN),
    "calendar": (ALL, DOWN),
    "summary": (ALL, DOWN),
    "pledges": (ALL, DOWN),
    "show": (ALL, DOWN),
    "report": (ALL, DOWN),
    "report_pdf": (ALL, DOWN),
    "report_xlsx": (ALL, DOWN),
    "sheet_pdf": (ALL, DOWN),
    "ack_pdf": (ALL, DOWN),
    "new_event": (EVENT_EDITORS, DOWN),
    "edit": (EVENT_EDITORS, DOWN),
    "participation": (EVENT_EDITORS, DOWN),
    "cancel": (EVENT_EDITORS, DOWN),
    "donors": (DONATION_EDITORS, DOWN),
    "new_sheet": (DONATION_EDITORS, DOWN),
    "new_donation": (DONATION_EDITORS, DOWN),
    "new_pledge": (DONATION_EDITORS, DOWN),
}


def world(unit):
    event = build_event(unit, kind="piggy_bank", title="Khui heo đất")
    sheet = svc.record_counting_sheet(None, event, group_name="Lớp 6A1", counter_1="An",
                                      counter_2="Bình", counts={"n10000": 5})
    gift = svc.record_donation(None, unit, method="in_kind", anonymous=True, event=event,
                               items="Sách", quantity=3, estimated_value=90_000)
    from assoc.extensions import db

    db.session.commit()
    return event, sheet, gift


def url_for_page(page, unit, event, sheet, gift):
    return {
        "list": f"/events/unit/{unit.id}",
        "calendar": f"/events/unit/{unit.id}?view=calendar&month=2026-10",
        "summary": f"/events/unit/{unit.id}/summary?from=2026-01-01&to=2026-12-31",
        "pledges": f"/events/unit/{unit.id}/pledges",
        "show": f"/events/{event.id}",
        "report": f"/events/{event.id}/report",
        "report_pdf": f"/events/{event.id}/report.pdf",
        "report_xlsx": f"/events/{event.id}/report.xlsx",
        "sheet_pdf": f"/events/sheets/{sheet.id}.pdf",
        "ack_pdf": f"/events/donations/{gift.id}/acknowledgement.pdf",
        "new_event": f"/events/unit/{unit.id}/new",
        "edit": f"/events/{event.id}/edit",
        "participation": f"/events/{event.id}/participation",
        "cancel": f"/events/{event.id}/cancel",
        "donors": f"/events/unit/{unit.id}/donors",
        "new_sheet": f"/events/{event.id}/sheets/new",
        "new_donation": f"/events/unit/{unit.id}/donations/new",
        "new_pledge": f"/events/unit/{unit.id}/pledges/new",
    }[page]


@pytest.mark.parametrize("page", list(EXPECTED))
def test_event_page_permissions(tree, client_as, page):
    """Every role held at ward_a × every relation, for one page; mismatches are listed."""
    roles, relations = EXPECTED[page]
    worlds = {where: world(tree.relative(where)) for where in RELATIONS}
    wrong = []
    for role in ROLES:
        client = client_as(role, at=tree.ward_a)
        for where in RELATIONS:
            allowed = role in roles and where in relations
            unit = tree.relative(where)
            status = client.get(url_for_page(page, unit, *worlds[where])).status_code
            if status != (200 if allowed else 403):
                wrong.append((role, where, allowed, status))
    assert wrong == []


def test_list_shows_only_events_the_user_may_see(tree, client_as):
    build_event(tree.ward_a, title="Đi bộ phường A")
    build_event(tree.branch_a, title="Khui heo chi hội A")
    build_event(tree.ward_b, title="Đi bộ phường B")
    client = client_as("chair", at=tree.ward_a)
    html = client.get(f"/events/unit/{tree.ward_a.id}").get_data(as_text=True)
    assert "Đi bộ phường A" in html and "Khui heo chi hội A" in html
    assert "Đi bộ phường B" not in html
    html = client.get(f"/events/unit/{tree.ward_a.id}?scope=unit").get_data(as_text=True)
    assert "Khui heo chi hội A" not in html
    html = client.get(f"/events/unit/{tree.ward_a.id}?q=khui heo").get_data(as_text=True)
    assert "Khui heo chi hội A" in html and "Đi bộ phường A" not in html


def test_calendar_places_event_on_its_local_day(tree, client_as):
    from datetime import UTC, datetime

    # 23:30 UTC on 1 October is 06:30 on 2 October in Vietnam
    build_event(tree.ward_a, title="Đi bộ sáng sớm",
                starts_at=datetime(2026, 10, 1, 23, 30, tzinfo=UTC))
    client = client_as("viewer", at=tree.ward_a)
    html = client.get(f"/events/unit/{tree.ward_a.id}?view=calendar&month=2026-10").get_data(
        as_text=True)
    assert "Tháng 10/2026" in html
    day2 = html.split('<div class="fw-semibold">2</div>', 1)[1].split("</td>", 1)[0]
    assert "Đi bộ sáng sớm" in day2


def test_create_event_through_the_form(tree, client_as, db):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/events/unit/{tree.ward_a.id}/new", data={
        "kind": "reading_day", "title": "Ngày hội văn hóa đọc 2026",
        "starts_at": "2026-04-21T08:00", "place": "Nhà văn hóa phường",
        "organiser": "Hội Khuyến học phường", "partners": "Thư viện Quận 4, Đoàn phường",
        "target_amount": "5.000.000", "description": "Quyên góp sách cho thư viện lớp học"})
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert (event.kind, event.target_amount, event.partners) == (
        "reading_day", 5_000_000, "Thư viện Quận 4, Đoàn phường")
    assert event.starts_at.hour == 1  # 08:00 in Vietnam is 01:00 UTC


def test_bad_event_form_is_400_and_keeps_input(tree, client_as, db):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/events/unit/{tree.ward_a.id}/new", data={
        "kind": "walk", "title": "Đi bộ gây quỹ", "starts_at": "",
        "target_amount": "12,5"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Đi bộ gây quỹ" in html and "1.250.000" in html
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_participation_form(tree, client_as, db):
    event = build_event(tree.ward_a, kind="reading_day")
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/events/{event.id}/participation", data={
        "participants_students": "320", "participants_members": "40",
        "participants_residents": "95", "books_collected": "1200", "books_donated": "800"})
    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.participants_total, event.books_collected) == (455, 1200)
    bad = client.post(f"/events/{event.id}/participation", data={
        "participants_students": "-3"})
    assert bad.status_code == 400


def test_counting_sheet_form_bad_counts_are_field_errors(tree, client_as, db):
    event = build_event(tree.ward_a, kind="piggy_bank")
    client = client_as("clerk", at=tree.ward_a)
    base = {"group_name": "Lớp 8A2", "counter_1": "Lê Hoa", "counter_2": "Phạm Nam"}
    for bad in ({"n10000": "-2"}, {"n10000": "2.5"}, {"c500": "mười"}):
        response = client.post(f"/events/{event.id}/sheets/new", data={**base, **bad})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "is-invalid" in html and "Lớp 8A2" in html
    assert db.session.scalar(select(func.count()).select_from(CountingSheet)) == 0


def test_counting_sheet_typed_total_mismatch_is_shown(tree, client_as, db):
    event = build_event(tree.ward_a, kind="piggy_bank")
    client = client_as("clerk", at=tree.ward_a)
    data = {"group_name": "Lớp 8A2", "counter_1": "Lê Hoa", "counter_2": "Phạm Nam",
            "n100000": "3", "n20000": "4", "c1000": "12", "typed_total": "400.000"}
    response = client.post(f"/events/{event.id}/sheets/new", data=data)
    assert response.status_code == 400
    assert "392.000 đ" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CountingSheet)) == 0
    response = client.post(f"/events/{event.id}/sheets/new", data={**data,
                                                                   "typed_total": "392.000"})
    assert response.status_code == 302
    assert db.session.scalars(select(CountingSheet)).one().total == 392_000


def test_counting_sheet_pdf_and_event_sheets_pdf(tree, client_as):
    event, sheet, _gift = world(tree.ward_a)
    client = client_as("viewer", at=tree.ward_a)
    for url in (f"/events/sheets/{sheet.id}.pdf", f"/events/{event.id}/sheets.pdf"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")


def test_gift_in_kind_through_the_form_by_a_clerk(tree, client_as, db):
    event = build_event(tree.ward_a, kind="reading_day")
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/events/unit/{tree.ward_a.id}/donations/new", data={
        "event_id": str(event.id), "donor_kind": "organisation",
        "donor_name": "Nhà sách Phương Nam", "donor_tax_code": "0301234567",
        "method": "in_kind", "items": "Truyện thiếu nhi", "quantity": "300",
        "estimated_value": "9.000.000", "fund_id": "0", "received_on": "2026-04-21"})
    assert response.status_code == 302, response.get_data(as_text=True)
    gift = db.session.scalars(select(Donation)).one()
    assert (gift.method, gift.estimated_value, gift.voucher_id) == ("in_kind", 9_000_000, None)
    assert gift.donor.tax_code == "0301234567"
    ack = client.get(f"/events/donations/{gift.id}/acknowledgement.pdf")
    assert ack.data.startswith(b"%PDF")
    thanks = client.get(f"/events/donations/{gift.id}/thank-you.pdf")
    assert thanks.data.startswith(b"%PDF")


def test_clerk_may_not_take_cash(tree, client_as, db):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/events/unit/{tree.ward_a.id}/donations/new", data={
        "donor_name": "Trần Văn Hùng", "method": "cash", "amount": "500.000",
        "fund_id": "0", "received_on": today().isoformat()})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Donation)) == 0


def test_donation_to_closed_event_is_refused(tree, client_as, db):
    event = build_event(tree.ward_a, status="closed")
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/events/unit/{tree.ward_a.id}/donations/new", data={
        "event_id": str(event.id), "donor_name": "Trần Văn Hùng", "method": "in_kind",
        "items": "Vở", "quantity": "10", "estimated_value": "100.000", "fund_id": "0",
        "received_on": "2026-01-05"})
    assert response.status_code == 400
    assert "không nhận thêm" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Donation)) == 0


def test_donor_search_page_finds_returning_donor(tree, client_as):
    build_donor(tree.ward_a, "Đặng Thị Thu Hà", phone="0903123456")
    client = client_as("treasurer", at=tree.ward_a)
    html = client.get(f"/events/unit/{tree.ward_a.id}/donors?q=dang thi thu ha").get_data(
        as_text=True)
    assert "Đặng Thị Thu Hà" in html
    html = client.get(f"/events/unit/{tree.ward_a.id}/donors?q=0903 123 456").get_data(
        as_text=True)
    assert "Đặng Thị Thu Hà" in html


def test_pledge_form_and_open_list(tree, client_as, db):
    client = client_as("clerk", at=tree.ward_a)
    response = client.post(f"/events/unit/{tree.ward_a.id}/pledges/new", data={
        "donor_name": "Công ty Cảng Sài Gòn", "donor_kind": "organisation",
        "amount": "20.000.000", "due_on": "2026-12-31", "event_id": "0"})
    assert response.status_code == 302
    assert client.get(f"/events/unit/{tree.district_a.id}/pledges").status_code == 403
    viewer = client_as("viewer", at=tree.ward_a)
    html = viewer.get(f"/events/unit/{tree.ward_a.id}/pledges").get_data(as_text=True)
    assert "Công ty Cảng Sài Gòn" in html and "20.000.000 đ" in html


def test_summary_groups_by_ward(tree, client_as):
    a = build_event(tree.ward_a, kind="reading_day", target_amount=1_000_000)
    b = build_event(tree.branch_a, kind="reading_day", target_amount=2_000_000)
    c = build_event(tree.ward_b, kind="reading_day", target_amount=0)
    for event, value in ((a, 700_000), (b, 300_000), (c, 4_000_000)):
        svc.record_donation(None, event.unit, method="in_kind", anonymous=True, event=event,
                            items="Sách", quantity=10, estimated_value=value)
    from assoc.extensions import db

    db.session.commit()
    rows = svc.subtree_summary(tree.district_a, [a, b, c])
    assert [(r.unit.id, r.totals.events, r.totals.in_kind, r.totals.target) for r in rows] == [
        (tree.ward_b.id, 1, 4_000_000, 0), (tree.ward_a.id, 2, 1_000_000, 3_000_000)]
    client = client_as("approver", at=tree.district_a)
    html = client.get(f"/events/unit/{tree.district_a.id}/summary?from=2026-01-01&to=2026-12-31"
                      ).get_data(as_text=True)
    assert "<svg" in html and "5.000.000 đ" in html
    assert tree.ward_a.name in html and tree.ward_b.name in html


def test_report_xlsx_has_the_totals(tree, client_as):
    event, _sheet, _gift = world(tree.ward_a)
    client = client_as("viewer", at=tree.ward_a)
    response = client.get(f"/events/{event.id}/report.xlsx")
    wb = load_workbook(io.BytesIO(response.data))
    summary = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Heo đất"] == 50_000
    assert summary["Hiện vật (ước tính)"] == 90_000
    assert wb["Biên bản kiểm đếm"]["A2"].value == "Lớp 6A1"


def test_delete_event_without_receipts_via_view(tree, client_as, db):
    event = build_event(tree.ward_a)
    client = client_as("chair", at=tree.ward_a)
    assert client.post(f"/events/{event.id}/delete").status_code == 302
    assert db.session.get(Event, event.id) is None


# --- with receipts from the treasury --------------------------------------------------------


def test_cash_donation_form_issues_a_receipt_once(tree, client_as, db):
    from assoc.models import Voucher

    event = build_event(tree.ward_a)
    client = client_as("treasurer", at=tree.ward_a)
    data = {"event_id": str(event.id), "donor_name": "Trần Văn Hùng",
            "donor_phone": "0912 345 678", "method": "cash", "amount": "1.500.000",
            "fund_id": "0", "received_on": today().isoformat(), "token": "form-tok-1"}
    first = client.post(f"/events/unit/{tree.ward_a.id}/donations/new", data=data)
    again = client.post(f"/events/unit/{tree.ward_a.id}/donations/new", data=data)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    donation = db.session.scalars(select(Donation)).one()
    voucher = db.session.scalars(select(Voucher)).one()
    assert (donation.voucher_id, voucher.amount, voucher.party_name) == (
        voucher.id, 1_500_000, "Trần Văn Hùng")
    html = client.get(first.headers["Location"]).get_data(as_text=True)
    assert voucher.display_number in html


def test_quick_entry_bad_line_writes_nothing(tree, client_as, db):
    event = build_event(tree.ward_a)
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/events/{event.id}/quick", data={
        "lines": "Nguyễn Văn A; 100.000; tm\nTrần Thị B; 12,5; ck\n", "token": "q1"})
    assert response.status_code == 400
    assert "Dòng 2" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Donation)) == 0
    response = client.post(f"/events/{event.id}/quick", data={
        "lines": "Nguyễn Văn A; 100.000; tm\n\nTrần Thị B; 250000; ck\n; 50.000", "token": "q2"})
    assert response.status_code == 302
    totals = svc.event_totals(event)
    assert (totals.cash, totals.transfer, totals.anonymous) == (150_000, 250_000, 1)


def test_sheet_receipts_need_the_treasurer_and_respect_the_mode(tree, client_as, db):
    from assoc.models import Voucher

    event, sheet, _gift = world(tree.ward_a)
    svc.record_counting_sheet(None, event, group_name="Lớp 6A2", counter_1="An",
                              counter_2="Bình", counts={"n20000": 10})
    db.session.commit()
    clerk = client_as("clerk", at=tree.ward_a)
    assert clerk.post(f"/events/{event.id}/sheets/receipt",
                      data={"mode": "event", "fund_id": "0"}).status_code == 403
    treasurer = client_as("treasurer", at=tree.ward_a)
    response = treasurer.post(f"/events/{event.id}/sheets/receipt",
                              data={"mode": "event", "fund_id": "0", "token": "s1"})
    assert response.status_code == 302
    voucher = db.session.scalars(select(Voucher)).one()
    assert voucher.amount == 50_000 + 200_000
    assert svc.receipted_amount(event) == svc.event_totals(event).money == 250_000


def test_event_with_receipts_is_cancelled_not_deleted(tree, client_as, db):
    event = build_event(tree.ward_a)
    svc.record_donation(None, tree.ward_a, method="cash", anonymous=True, event=event,
                        amount=100_000)
    db.session.commit()
    client = client_as("chair", at=tree.ward_a)
    response = client.post(f"/events/{event.id}/delete", follow_redirects=True)
    assert "không xóa được" in response.get_data(as_text=True)
    assert db.session.get(Event, event.id) is not None
    assert client.post(f"/events/{event.id}/cancel", data={"reason": ""}).status_code == 400
    response = client.post(f"/events/{event.id}/cancel", data={"reason": "Mưa bão"})
    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.status, event.cancel_reason) == ("cancelled", "Mưa bão")


def test_report_hides_anonymous_names_and_lists_receipts(tree, client_as, db):
    event = build_event(tree.ward_a)
    donor = build_donor(tree.ward_a, "Bà Lâm Thị Kín Tiếng")
    d = svc.record_donation(None, tree.ward_a, method="cash", donor=donor, anonymous=True,
                            event=event, amount=5_000_000)
    db.session.commit()
    client = client_as("viewer", at=tree.ward_a)
    html = client.get(f"/events/{event.id}/report").get_data(as_text=True)
    assert "Kín Tiếng" not in html and "Nhà hảo tâm ẩn danh" in html
    from assoc.models import Voucher

    assert db.session.get(Voucher, d.voucher_id).display_number in html
    assert client.get(f"/events/donations/{d.id}/thank-you.pdf").status_code == 404
