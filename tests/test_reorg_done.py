"""Issue 26 on the demo: the sample plan (dissolve Quận 4, merge Khánh Hội + Xóm Chiếu, move
Vĩnh Hội under the city) as real people then use it — the merged ward's chair reads the old
ward, handovers are neither income nor spending and stay whole, undo leaves no trace."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

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

