"""Demo step of the work inbox (issue 32): every demo user gets an example e-mail address (a
reserved example.com domain: nothing reaches a real mailbox), and a few items are left waiting
so that `make run` shows a useful inbox for each role at once:

- a short custom report of last month from the city, due in 7 days, for the districts and
  wards (to fill; the date rules of the reminders apply to it);
- a sponsor's pledge in Phường Khánh Hội past its date and unpaid;
- (the other demo steps already leave nominations to decide, an award to pay, reports late
  and to review, unprinted vouchers, a locked remuneration sheet, entries to score, dues.)

Idempotent: what exists is left alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import Donor, PeriodicTemplate, Pledge, Unit, User, today

DOMAIN = "khuyenhoc.example.com"
PLEDGE_NOTE = "Cam kết ủng hộ quỹ học bổng cuối năm"


def seed_inbox(by_code: dict[str, Unit], by_username: dict[str, User]) -> None:
    for username, user in by_username.items():
        if not user.email:
            user.email = f"{username}@{DOMAIN}"
    _monthly_report(by_code, by_username)
    _overdue_pledge(by_code, by_username)
    db.session.flush()


def _monthly_report(by_code, by_username) -> None:
    from ...services import periodic

    city = by_code["HCM"]
    on = today()
    end = on.replace(day=1) - timedelta(days=1)  # the last day of last month
    title = f"Báo cáo nhanh công tác khuyến học tháng {end.month:02d}/{end.year}"
    if db.session.scalar(select(PeriodicTemplate.id).where(
            PeriodicTemplate.title == title)) is not None:
        return
    values = periodic.preset_values("six_month", city, end.year)
    values.update(kind="custom", title=title, period_start=end.replace(day=1), period_end=end,
                  due_date=on + timedelta(days=7), levels=["district", "commune"])
    periodic.create_template(by_username.get("admin"), city, **values)


def _overdue_pledge(by_code, by_username) -> None:
    from ...services import events

    ward = by_code["HCM-Q4-KH"]
    if db.session.scalar(select(Pledge.id).where(Pledge.unit_id == ward.id,
                                                 Pledge.note == PLEDGE_NOTE)) is not None:
        return
    donor = db.session.scalar(select(Donor).where(Donor.unit_id == ward.id).order_by(Donor.id))
    if donor is None:
        return
    events.create_pledge(by_username.get("thuquy.khanhhoi"), ward, donor=donor,
                         amount=5_000_000, due_on=today() - timedelta(days=14), note=PLEDGE_NOTE)
