"""Money by bank transfer (issue 33): VietQR payload and CRC, transfer codes in bank noise,
the statement reader on six banks' layouts, matching and booking, the CLI (done means)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assoc.blueprints.bank import accounts, transfer_codes, vietqr
from assoc.blueprints.bank.matching import book, match
from assoc.blueprints.bank.statements import money, read
from assoc.models import BankStatementLine, DuesPayment, Voucher, today
from assoc.services import DomainError
from assoc.services import members as member_svc

from . import bank_samples
from .builders import build_member

DATA = Path(__file__).resolve().parent / "data"

# ---------------------------------------------------------------------------------------------
# VietQR
# ---------------------------------------------------------------------------------------------


def _missing(tool: str) -> None:
    """CI installs the tool (.ci/run, make system-deps): there its absence is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is not installed")
    pytest.skip(f"{tool} is not installed")


def test_crc16_ccitt_false_check_value():
    # The catalogue check value of CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF).
    assert vietqr.crc16_ccitt_false(b"123456789") == 0x29B1


def test_payload_equals_a_published_vietqr_sample():
    # github.com/subiz/vietqr README: 120.000 đ to VietinBank account 0011001932418.
    published = ("00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
                 "530370454061200005802VN62170813ung ho lu lut6304C15C")
    assert vietqr.payload(bin_="970415", account="0011001932418", amount=120000,
                          text="ung ho lu lut") == published
    assert vietqr.crc_valid(published)
    assert not vietqr.crc_valid(published[:-1] + "D")


def test_payload_fields_static_without_amount():
    data = vietqr.payload(bin_="970436", account="0071000123456", text="SK0007")
    fields = vietqr.parse(data)
    assert fields["00"] == "01" and fields["01"] == "11" and "54" not in fields
    assert fields["38.00"] == "A000000727" and fields["38.02"] == "QRIBFTTA"
    assert fields["38.01.00"] == "970436" and fields["38.01.01"] == "0071000123456"
    assert fields["53"] == "704" and fields["58"] == "VN" and fields["62.08"] == "SK0007"
    assert vietqr.crc_valid(data)
    with pytest.raises(ValueError):
        vietqr.payload(bin_="97043", account="1")


def test_qr_png_decodes_to_the_payload():
    pytest.importorskip("PIL")
    import shutil
    import subprocess

    if shutil.which("zbarimg") is None:
        _missing("zbarimg (Debian zbar-tools)")
    data = vietqr.payload(bin_="970436", account="0071000123456", amount=100000,
                          text=transfer_codes.dues_code(123, 2026))
    out = subprocess.run(["zbarimg", "--raw", "-q", "-"], input=vietqr.png(data),
                         capture_output=True, check=True).stdout.decode().strip()
    assert out == data and vietqr.crc_valid(out)
    assert vietqr.parse(out)["62.08"] == "HV000123 2026"


# ---------------------------------------------------------------------------------------------
# Transfer codes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "hv 000123-2026", "HV000123.2026", "NOP HOI PHI NAM 2026 HV000123", "HV000123 2026",
    "MBVCB.8123456.HV000123 2026.CT tu 0011001234567 NGUYEN VAN AN toi 0071000123456",
    "Chuyển tiền HV-000123 năm 2026", "HV0001232026",
])
def test_dues_code_found_in_bank_noise(text):
    found = transfer_codes.find(text)
    assert found.members == [123]
    assert (found.member_years.get(123) or found.years) == [2026]


def test_codes_are_letters_and_digits_and_other_kinds_are_found():
    code = transfer_codes.dues_code(123, 2026)
    assert code == "HV000123 2026" and code.replace(" ", "").isalnum()
    assert transfer_codes.find("ung ho " + transfer_codes.pledge_code(42)).pledges == [42]
    assert transfer_codes.find("sk-0007 quyen gop").events == [7]
    # A longer number is something else; no code in plain noise.
    assert not transfer_codes.find("HV00012345 2026").any
    assert not transfer_codes.find("NGUYEN THI GIANG chuyen tien ung ho").any


# ---------------------------------------------------------------------------------------------
# Statement reader: one sample per bank layout
# ---------------------------------------------------------------------------------------------


def test_money_cells_as_banks_write_them():
    assert money("1.250.000") == money("1,250,000") == money("1 250 000 VND") == 1250000
    assert money("+500,000.00") == 500000 and money("(22.000)") == -22000
    assert money("-11,000") == -11000 and money(None) is None and money(3e6) == 3000000
    with pytest.raises(ValueError):
        money("abc")


@pytest.mark.parametrize("name", sorted(bank_samples.LAYOUTS))
def test_each_bank_layout_is_read(name):
    statement = read((DATA / name).read_bytes(), name)
    tx = bank_samples.TRANSACTIONS
    assert statement.account_number == bank_samples.ACCOUNT
    assert [(ln.on, ln.reference, ln.amount) for ln in statement.lines] == [
        (d, r, a) for d, r, a, _t in tx]
    assert [ln.balance for ln in statement.lines] == bank_samples.balances()
    assert statement.lines[0].description.upper() == tx[0][3].upper()
    assert statement.opening_balance == bank_samples.OPENING
    assert statement.last_balance == bank_samples.balances()[-1]
    assert statement.errors == []


def test_a_file_without_a_statement_header_is_refused():
    from .builders import build_workbook

    with pytest.raises(DomainError, match="Ghi có"):
        read(build_workbook([["Họ và tên", "Ngày sinh"], ["A", "1/1/1990"]]), "x.xlsx")


# ---------------------------------------------------------------------------------------------
# Matching and booking
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def ward(tree, db):
    unit = tree.ward_a
    member_svc.set_dues_rate(None, unit, year=today().year, amount=100_000)
    account = accounts.create_account(None, unit, bank_bin="970436",
                                      account_number="0071 000 123 456",
                                      account_name="Hội Khuyến học Phường A")
    db.session.commit()
    return unit, account


def _six_members(unit, branch):
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung",
             "Hoàng Văn Em", "Vũ Thị Giang"]
    return [build_member(branch if i == 4 else unit, n) for i, n in enumerate(names)]


def _statement_file(tmp_path, members, *, layout=bank_samples.vietcombank):
    year = today().year
    first = max(date(year, 1, 1), today() - timedelta(days=40))
    tx = bank_samples.shifted([m.number for m in members], year, first)
    path = tmp_path / "saoke.xlsx"
    path.write_bytes(layout(tx))
    return path


def test_account_first_is_receiving_and_number_is_cleaned(ward):
    unit, account = ward
    assert account.account_number == "0071000123456" and account.receiving
    assert accounts.receiving_account(unit) == account
    with pytest.raises(DomainError):
        accounts.create_account(None, unit, bank_bin="123456", account_number="1",
                                account_name="x")


def test_done_means_cli_books_six_dues_then_nothing(app, tree, ward, tmp_path, db):
    unit, account = ward
    members = _six_members(unit, tree.branch_a)
    path = _statement_file(tmp_path, members)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["import-bank-statement", str(path), "--unit", unit.code,
                              "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "matched: 6, to choose: 0, unmatched: 2, already imported: 0" in dry.output
    assert db.session.scalar(select(func.count(Voucher.id))) == 0

    first = runner.invoke(args=["import-bank-statement", str(path), "--unit", unit.code])
    assert first.exit_code == 0, first.output
    assert "matched: 6, to choose: 0, unmatched: 2, already imported: 0" in first.output
    db.session.expire_all()
    vouchers = db.session.scalars(select(Voucher).order_by(Voucher.id)).all()
    assert len(vouchers) == 6
    assert {v.method for v in vouchers} == {"transfer"} and {v.kind for v in vouchers} == {
        "receipt"}
    assert {v.link_type for v in vouchers} == {"dues"} and all(v.bank_ref for v in vouchers)
    assert sorted(v.bank_ref for v in vouchers)[0] == "FT26306001"
    paid = db.session.scalars(select(DuesPayment)).all()
    assert sorted(p.member_id for p in paid) == sorted(m.id for m in members)
    assert {p.year for p in paid} == {today().year} and {p.amount for p in paid} == {100_000}

    second = runner.invoke(args=["import-bank-statement", str(path), "--unit", unit.code])
    assert second.exit_code == 0, second.output
    assert "matched: 0, to choose: 0, unmatched: 2, already imported: 6" in second.output
    assert db.session.scalar(select(func.count(Voucher.id))) == 6
    assert db.session.scalar(select(func.count(DuesPayment.id))) == 6


def test_several_years_partial_amounts_other_units_and_choices(tree, ward, db):
    unit, account = ward
    year = today().year
    member_svc.set_dues_rate(None, unit, year=year + 1, amount=100_000)
    a = build_member(unit, "Nguyễn Văn An")
    b = build_member(unit, "Trần Thị Bình")
    stranger = build_member(tree.ward_b, "Lê Văn Lạ")
    day = today() - timedelta(days=1)
    tx = [
        (day, "R1", 200_000, f"{transfer_codes.dues_code(a.number, year)} nop 2 nam"),
        (day, "R2", 150_000, f"HV{b.number:06d} {year}"),
        (day, "R3", 100_000, f"HV{stranger.number:06d} {year}"),
        (day, "R4", -5_500, "PHI SMS"),
    ]
    statement = read(bank_samples.techcombank(tx), "tcb.xlsx")
    preview = match(account, statement)
    groups = {m.line.reference: m for m in preview.lines}
    assert groups["R1"].group == "matched" and groups["R1"].proposal.years == [year, year + 1]
    assert groups["R2"].group == "choose"
    assert stranger.display_number in " ".join(groups["R3"].notes)
    assert groups["R3"].group == "unmatched" and groups["R4"].group == "debit"

    decisions = {groups["R2"].line.fingerprint: groups["R2"].options[0].key}
    summary = book(None, account, preview, decisions)
    db.session.commit()
    assert summary["booked"] == 2 and summary["dues"] == 3
    assert member_svc.dues_paid(a, year + 1) is not None
    assert member_svc.dues_paid(b, year).amount == 150_000
    assert member_svc.dues_paid(stranger, year) is None      # reported, never booked here
    fee = db.session.scalar(select(BankStatementLine).where(BankStatementLine.reference == "R4"))
    assert fee.status == "open"                              # fees only when chosen
    # An overlapping statement again: the booked lines are already imported.
    again = match(account, read(bank_samples.techcombank(tx), "tcb.xlsx"))
    assert again.counts()["imported"] == 2


def test_pledge_and_event_codes_book_donations(tree, ward, db):
    from sqlalchemy import update

    from assoc.models import NumberCounter
    from assoc.services import events as event_svc

    from .builders import build_donor, build_event

    unit, account = ward
    donor = build_donor(unit)
    event_svc.create_pledge(None, unit, donor=donor, amount=1)
    db.session.execute(update(NumberCounter).where(NumberCounter.name == "pledge")
                       .values(last=NumberCounter.last + 40))   # printed numbers ≠ row ids
    pledge = event_svc.create_pledge(None, unit, donor=donor, amount=1_000_000)
    assert pledge.number != pledge.id
    event = build_event(unit)
    db.session.commit()
    assert pledge.number and event.number
    day = today() - timedelta(days=1)
    tx = [(day, "P1", 400_000, f"ung ho {transfer_codes.pledge_code(pledge.number)}"),
          (day, "E1", 300_000, f"{transfer_codes.event_code(event.number)} quyen gop"),
          (day, "O1", 50_000, "ai do chuyen tien")]
    preview = match(account, read(bank_samples.mb(tx), "mb.csv"))
    assert [m.group for m in preview.lines] == ["matched", "matched", "unmatched"]
    other = preview.lines[2]
    book(None, account, preview, {other.line.fingerprint: "other"})
    db.session.commit()
    db.session.refresh(pledge)
    assert pledge.received == 400_000 and pledge.status == "open"
    receipts = db.session.scalars(select(Voucher).order_by(Voucher.id)).all()
    assert [v.amount for v in receipts] == [400_000, 300_000, 50_000]
    assert receipts[0].reason.endswith(f" {pledge.number}")     # the printed number
    assert {v.method for v in receipts} == {"transfer"}


def test_two_lines_paying_the_same_dues_the_second_needs_a_choice(tree, ward, db):
    """Found by the browser journey: both lines were proposed, and booking failed on the
    second (the dues were paid by the first) — the whole statement was refused."""
    unit, account = ward
    member = build_member(unit, "Nguyễn Văn An")
    day = today() - timedelta(days=2)
    code = transfer_codes.dues_code(member.number, today().year)
    tx = [(day, "A1", 100_000, code), (day + timedelta(days=1), "A2", 100_000, code + " lan 2")]
    preview = match(account, read(bank_samples.vietinbank(tx), "v.xlsx"))
    assert [m.group for m in preview.lines] == ["matched", "choose"]
    assert "A1" not in preview.lines[1].notes[0] and str(preview.lines[0].line.row_no) in (
        preview.lines[1].notes[0])
    summary = book(None, account, preview)
    db.session.commit()
    assert summary["booked"] == 1


def test_a_line_without_a_code_is_booked_to_a_donor_chosen_by_hand(tree, ward, db):
    from assoc.models import Donation

    from .builders import build_donor

    unit, account = ward
    donor = build_donor(unit, "Bà Nguyễn Thị Giang")
    stranger = build_donor(tree.ward_b, "Ông Lạ")
    day = today() - timedelta(days=1)
    tx = [(day, "G1", 500_000, "NGUYEN THI GIANG chuyen tien ung ho")]
    preview = match(account, read(bank_samples.agribank(tx), "a.xlsx"))
    (line,) = preview.lines
    assert line.group == "unmatched"
    with pytest.raises(DomainError):
        book(None, account, preview, {line.line.fingerprint: f"donor:{stranger.id}"})
    db.session.rollback()
    book(None, account, preview, {line.line.fingerprint: f"donor:{donor.id}"})
    db.session.commit()
    donation = db.session.scalar(select(Donation))
    assert (donation.donor_id, donation.amount, donation.method) == (donor.id, 500_000,
                                                                     "transfer")
    assert donation.voucher.bank_ref == "G1"


def test_a_stale_preview_books_nothing_already_booked(app, tree, ward, tmp_path, db):
    """A preview made before someone else booked the same statement (another tab, the CLI):
    its booking skips every line already booked."""
    unit, account = ward
    members = _six_members(unit, tree.branch_a)
    path = _statement_file(tmp_path, members)
    stale = match(account, read(path.read_bytes(), path.name))
    assert stale.counts()["matched"] == 6
    result = app.test_cli_runner().invoke(args=["import-bank-statement", str(path), "--unit",
                                                unit.code])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    summary = book(None, account, stale)
    db.session.commit()
    assert summary["booked"] == 0
    assert db.session.scalar(select(func.count(Voucher.id))) == 6


def test_two_bookings_of_one_statement_at_once_book_it_once(tree, ward, tmp_path, db,
                                                             racing_app):
    """Two treasurers (or a double click) book the same statement at the same moment, each in
    its own transaction: the dues are recorded once; the loser ends on a unique key (the view
    answers it with a message) or finds the lines booked."""
    from sqlalchemy.exc import IntegrityError

    from assoc.extensions import db as sa
    from assoc.models import BankAccount

    from .builders import race

    unit, account = ward
    members = _six_members(unit, tree.branch_a)
    data = _statement_file(tmp_path, members).read_bytes()
    account_id = account.id

    def work(_i):
        acc = sa.session.get(BankAccount, account_id)
        return book(None, acc, match(acc, read(data, "s.xlsx")))["booked"]

    results, errors = race(racing_app, 4, work)
    assert all(isinstance(e, IntegrityError | DomainError) for e in errors), errors
    db.session.expire_all()
    assert db.session.scalar(select(func.count(DuesPayment.id))) == 6
    assert db.session.scalar(select(func.count(Voucher.id))) == 6
    assert sum(r for r in results if r) == 6


def test_a_dues_code_without_a_year_pays_the_year_of_the_bank_date(tree, ward, db):
    unit, account = ward
    member = build_member(unit, "Nguyễn Văn An")
    day = today() - timedelta(days=1)
    tx = [(day, "Y1", 100_000, f"hoi phi HV{member.number:06d} nguyen van an")]
    (line,) = match(account, read(bank_samples.bidv(tx), "b.xlsx")).lines
    assert line.group == "matched" and line.proposal.years == [day.year]
