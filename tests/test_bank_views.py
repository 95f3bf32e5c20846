"""Bank pages (issue 33): accounts form and access, statement upload → preview → booking,
re-upload books nothing, the dues slips PDF whose QR decodes, the member page's VietQR, the
reconciliation line of the bank book."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from assoc.blueprints.bank import accounts, vietqr
from assoc.models import BankAccount, DuesPayment, Voucher, today
from assoc.services import members as member_svc

from . import bank_samples
from .builders import build_member


def _missing(tool: str) -> None:
    """CI installs the tool (.ci/run, make system-deps): there its absence is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is not installed")
    pytest.skip(f"{tool} is not installed")


@pytest.fixture
def ward(tree, db):
    unit = tree.ward_a
    member_svc.set_dues_rate(None, unit, year=today().year, amount=100_000)
    db.session.commit()
    return unit


def _add_account(client, unit):
    return client.post(f"/units/{unit.id}/bank/accounts", data={
        "acc-bank_bin": "970436", "acc-account_number": "0071000123456",
        "acc-account_name": "Hội Khuyến học Phường A", "acc-fund_id": "0",
        "acc-receiving": "y"})


def test_treasurer_adds_the_account_others_may_not(client_as, ward, tree, db):
    viewer = client_as("viewer", ward)
    assert _add_account(viewer, ward).status_code == 403
    upper = client_as("treasurer", tree.district_a)      # books are the unit's own
    assert _add_account(upper, ward).status_code == 403
    treasurer = client_as("treasurer", ward)
    r = _add_account(treasurer, ward)
    assert r.status_code == 302
    account = db.session.scalar(select(BankAccount))
    assert account.receiving and account.bank_bin == "970436"
    page = treasurer.get(f"/units/{ward.id}/bank")
    assert page.status_code == 200 and "0071000123456" in page.text
    assert viewer.get(f"/units/{ward.id}/bank").status_code == 200
    assert client_as("viewer", tree.ward_c).get(f"/units/{ward.id}/bank").status_code == 403
    bad = treasurer.post(f"/units/{ward.id}/bank/accounts", data={
        "acc-bank_bin": "970436", "acc-account_number": "12", "acc-account_name": "x",
        "acc-fund_id": "0"})
    assert bad.status_code == 409 and "19" in bad.text


def _statement(members, layout=bank_samples.vietcombank):
    year = today().year
    first = max(date(year, 1, 1), today() - timedelta(days=40))
    return layout(bank_samples.shifted([m.number for m in members], year, first))


def test_upload_preview_book_and_again_nothing(client_as, ward, tree, db):
    treasurer = client_as("treasurer", ward)
    _add_account(treasurer, ward)
    account = db.session.scalar(select(BankAccount))
    members = [build_member(ward, f"Nguyễn Văn {c}") for c in "ABCDEG"]
    data = _statement(members)

    def upload():
        return treasurer.post(f"/units/{ward.id}/bank/statements", data={
            "st-account_id": str(account.id),
            "st-file": (io.BytesIO(data), "saoke.xlsx")}, content_type="multipart/form-data")

    r = upload()
    assert r.status_code == 302, r.text
    preview_url = r.headers["Location"]
    page = treasurer.get(preview_url)
    assert page.status_code == 200
    assert db.session.scalar(select(func.count(Voucher.id))) == 0   # GET books nothing
    assert re.search(r'data-testid="count-matched">[^<]*6', page.text)
    # Another user cannot open someone's upload.
    assert client_as("treasurer", ward).get(preview_url).status_code == 404
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    form = {"csrf_token": token.group(1)} if token else {}
    done = treasurer.post(preview_url, data=form)
    assert done.status_code == 302, done.text
    assert db.session.scalar(select(func.count(DuesPayment.id))) == 6
    assert db.session.scalar(select(func.count(Voucher.id))) == 6

    r = upload()
    again = treasurer.get(r.headers["Location"])
    assert re.search(r'data-testid="count-imported">[^<]*6', again.text)
    treasurer.post(r.headers["Location"], data=form)
    assert db.session.scalar(select(func.count(Voucher.id))) == 6


def test_a_statement_of_another_account_is_refused(client_as, ward, db):
    treasurer = client_as("treasurer", ward)
    treasurer.post(f"/units/{ward.id}/bank/accounts", data={
        "acc-bank_bin": "970418", "acc-account_number": "12345678901",
        "acc-account_name": "HKH", "acc-fund_id": "0"})
    account = db.session.scalar(select(BankAccount))
    r = treasurer.post(f"/units/{ward.id}/bank/statements", data={
        "st-account_id": str(account.id),
        "st-file": (io.BytesIO(bank_samples.vietcombank()), "x.xlsx")},
        content_type="multipart/form-data")
    assert r.status_code == 400 and "0071000123456" in r.text


def _decode_pdf_qrs(pdf: bytes, tmp_path) -> list[str]:
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        _missing("zbarimg (zbar-tools) or pdftoppm (poppler-utils)")
    (tmp_path / "slips.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1",
                    str(tmp_path / "slips.pdf"), str(tmp_path / "page")], check=True)
    page = sorted(tmp_path.glob("page*.png"))[0]
    out = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True,
                         text=True).stdout
    return [line for line in out.splitlines() if line]


def test_dues_slips_pdf_qr_decodes_to_the_member_payload(client_as, ward, tree, db, tmp_path):
    accounts.create_account(None, ward, bank_bin="970436", account_number="0071000123456",
                            account_name="HOI KHUYEN HOC PHUONG A")
    members = [build_member(ward, "Nguyễn Văn An"), build_member(tree.branch_a, "Trần Bình")]
    paid = build_member(ward, "Lê Đã Đóng")
    member_svc.pay_dues(None, paid, year=today().year)
    db.session.commit()
    clerk = client_as("viewer", ward)
    r = clerk.get(f"/units/{ward.id}/bank/dues-slips.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    codes = _decode_pdf_qrs(r.data, tmp_path)
    assert len(codes) == 2
    year = today().year
    for payload in codes:
        assert vietqr.crc_valid(payload)
        fields = vietqr.parse(payload)
        assert fields["38.00"] == "A000000727" and fields["38.02"] == "QRIBFTTA"
        assert fields["38.01.00"] == "970436" and fields["38.01.01"] == "0071000123456"
        assert fields["53"] == "704" and fields["54"] == "100000" and fields["58"] == "VN"
    assert sorted(vietqr.parse(p)["62.08"] for p in codes) == sorted(
        f"HV{m.number:06d} {year}" for m in members)


def test_member_page_shows_the_dues_qr(client_as, ward, db):
    accounts.create_account(None, ward, bank_bin="970436", account_number="0071000123456",
                            account_name="HKH PHUONG A")
    member = build_member(ward, "Nguyễn Văn An")
    db.session.commit()
    page = client_as("viewer", ward).get(f"/members/{member.id}")
    assert page.status_code == 200
    payload = re.search(r'data-testid="vietqr" data-payload="([^"]+)"', page.text).group(1)
    assert vietqr.crc_valid(payload)
    assert vietqr.parse(payload)["62.08"] == f"HV{member.number:06d} {today().year}"
    assert "<svg" in page.text


def test_bank_book_reconciliation_line(app, ward, tmp_path, db, client_as):
    from assoc.services import treasury

    account = accounts.create_account(None, ward, bank_bin="970436",
                                      account_number="0071000123456", account_name="HKH")
    members = [build_member(ward, f"Nguyễn Văn {c}") for c in "ABCDEG"]
    first = max(date(today().year, 1, 1), today() - timedelta(days=40))
    # The bank book starts from the statement's opening balance.
    treasury.issue_voucher(None, ward, kind="receipt", amount=bank_samples.OPENING,
                           party_name="Số dư đầu kỳ", reason="Số dư chuyển sang",
                           voucher_date=first - timedelta(days=1), method="transfer")
    db.session.commit()
    path = tmp_path / "s.xlsx"
    path.write_bytes(_statement(members))
    result = app.test_cli_runner().invoke(args=["import-bank-statement", str(path), "--unit",
                                                ward.code])
    assert result.exit_code == 0, result.output
    fund = treasury.general_fund(ward)
    db.session.commit()
    page = client_as("viewer", ward).get(f"/funds/{fund.id}/cashbook?method=transfer&"
                                         f"date_from=01/01/{today().year}")
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="reconciliation"' in text
    # Statement: 2.000.000 + 6 × 100.000 + 750.000 − 11.000; book: 2.000.000 + 600.000.
    assert "3.339.000" in text and "2.600.000" in text and "739.000" in text
    bank_page = client_as("viewer", ward).get(f"/units/{ward.id}/bank").text
    assert f"/funds/{fund.id}/cashbook?method=transfer" in bank_page
    assert account.account_number


def test_pledge_letter_event_page_poster_and_thank_you_carry_the_qr(client_as, ward, db,
                                                                     tmp_path):
    from assoc.services import events as event_svc

    from .builders import build_donor, build_event

    donor = build_donor(ward)
    pledge = event_svc.create_pledge(None, ward, donor=donor, amount=2_000_000)
    event = build_event(ward)
    db.session.commit()
    clerk = client_as("clerk", ward)
    # Without an account: the letter says to add it first.
    assert clerk.get(f"/bank/pledges/{pledge.id}/letter.pdf").status_code == 302
    accounts.create_account(None, ward, bank_bin="970418", account_number="12010000123456",
                            account_name="HOI KHUYEN HOC PHUONG A")
    db.session.commit()
    letter = clerk.get(f"/bank/pledges/{pledge.id}/letter.pdf")
    assert letter.status_code == 200
    (payload,) = _decode_pdf_qrs(letter.data, tmp_path)
    fields = vietqr.parse(payload)
    assert vietqr.crc_valid(payload) and fields["54"] == "2000000"
    assert fields["62.08"] == f"UH{pledge.number:05d}" and fields["38.01.00"] == "970418"
    assert f"UH{pledge.number:05d}" in clerk.get(f"/events/unit/{ward.id}/pledges").text

    page = clerk.get(f"/events/{event.id}")
    payload = re.search(r'data-testid="vietqr" data-payload="([^"]+)"', page.text).group(1)
    assert vietqr.parse(payload)["62.08"] == f"SK{event.number:04d}"
    assert "54" not in vietqr.parse(payload) and vietqr.parse(payload)["01"] == "11"
    poster = clerk.get(f"/bank/events/{event.id}/poster.pdf")
    assert poster.status_code == 200
    (tmp_path / "p").mkdir()
    assert _decode_pdf_qrs(poster.data, tmp_path / "p") == [payload]

    donation = event_svc.record_donation(None, ward, method="cash", donor=donor, event=event,
                                         amount=100_000)
    db.session.commit()
    thanks = clerk.get(f"/events/donations/{donation.id}/thank-you.pdf")
    assert thanks.status_code == 200
    (tmp_path / "t").mkdir()
    assert _decode_pdf_qrs(thanks.data, tmp_path / "t") == [payload]


def test_member_card_carries_the_dues_qr_until_paid(client_as, ward, db, tmp_path):
    accounts.create_account(None, ward, bank_bin="970436", account_number="0071000123456",
                            account_name="HKH PHUONG A")
    member = build_member(ward, "Nguyễn Văn An")
    db.session.commit()
    viewer = client_as("viewer", ward)
    card = viewer.get(f"/members/{member.id}/card.pdf")
    assert card.status_code == 200
    codes = _decode_pdf_qrs(card.data, tmp_path)
    dues = [c for c in codes if c.startswith("000201")]
    assert len(codes) == 2 and len(dues) == 1 and vietqr.crc_valid(dues[0])
    assert vietqr.parse(dues[0])["62.08"] == f"HV{member.number:06d} {today().year}"
    member_svc.pay_dues(None, member, year=today().year)
    db.session.commit()
    (tmp_path / "paid").mkdir()
    paid = _decode_pdf_qrs(viewer.get(f"/members/{member.id}/card.pdf").data, tmp_path / "paid")
    assert len(paid) == 1 and not paid[0].startswith("000201")


def test_a_big_statement_is_booked_as_a_job(client_as, ward, db, app, tmp_path):
    from assoc import jobs
    from assoc.models import Job

    app.config.update(IMPORT_DIR=str(tmp_path / "imports"), JOB_DIR=str(tmp_path / "jobs"),
                      BANK_JOB_LINES=5)
    try:
        treasurer = client_as("treasurer", ward)
        _add_account(treasurer, ward)
        account = db.session.scalar(select(BankAccount))
        members = [build_member(ward, f"Nguyễn Văn {c}") for c in "ABCDEG"]
        url = treasurer.post(f"/units/{ward.id}/bank/statements", data={
            "st-account_id": str(account.id),
            "st-file": (io.BytesIO(_statement(members)), "saoke.xlsx")},
            content_type="multipart/form-data").headers["Location"]
        response = treasurer.post(url, data={})
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
        jobs.wait_for_threads()
        db.session.expire_all()
        job = db.session.scalars(select(Job)).one()
        assert (job.kind, job.status, job.summary["booked"]) == ("bank_import", "done", 6)
        assert db.session.scalar(select(func.count(DuesPayment.id))) == 6
        page = treasurer.get(response.headers["Location"])
        assert page.status_code == 200 and 'data-status="done"' in page.text
    finally:
        for key in ("IMPORT_DIR", "JOB_DIR", "BANK_JOB_LINES"):
            app.config.pop(key, None)


def test_booking_that_loses_a_race_says_so(client_as, ward, db, monkeypatch):
    """The unique keys stop a second booking of the same lines (see the race test); the page
    answers with a message and the preview again, never an error page."""
    from sqlalchemy.exc import IntegrityError

    from assoc.blueprints.bank import views as bank_views

    treasurer = client_as("treasurer", ward)
    _add_account(treasurer, ward)
    account = db.session.scalar(select(BankAccount))
    members = [build_member(ward, f"Nguyễn Văn {c}") for c in "ABCDEG"]
    url = treasurer.post(f"/units/{ward.id}/bank/statements", data={
        "st-account_id": str(account.id),
        "st-file": (io.BytesIO(_statement(members)), "saoke.xlsx")},
        content_type="multipart/form-data").headers["Location"]

    def lost(*_a, **_k):
        raise IntegrityError("INSERT", {}, Exception("duplicate key value: fingerprint"))

    monkeypatch.setattr(bank_views.matching, "book", lost)
    response = treasurer.post(url, data={})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = treasurer.get(url)
    assert page.status_code == 200 and 'data-testid="count-matched"' in page.text
    assert db.session.scalar(select(func.count(Voucher.id))) == 0
