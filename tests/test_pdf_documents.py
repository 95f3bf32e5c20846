"""Printed papers read back (issue 13): every word on the paper, nothing overlapping, every font
embedded — for vouchers of any amount up to 10^12 đ with the longest texts the form accepts, and
for every other document the system prints."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pdfplumber
import pytest
from sqlalchemy import select

from assoc.demo import seed_demo
from assoc.models import (
    CountingSheet,
    Donation,
    Member,
    Nomination,
    RemunerationSheet,
    ScholarshipProgram,
    Unit,
    User,
    Voucher,
    today,
)
from assoc.money import amount_in_words, format_money
from assoc.pdf import vouchers as voucher_pdf
from assoc.services import treasury

from .builders import build_voucher

AMOUNTS = sorted({1, 15, 21, 105, 1_000, 10_005, 121_021_000, 123_456_789, 987_654_321_987,
                  10**12, *(int("9" * k) for k in range(1, 13)),
                  *(10**k + 7 * 10 ** (k // 2) for k in range(2, 12))})
NAME = ("Nguyễn Thị Hồng Nhung " * 10)[:200].strip()
ADDRESS = ("Số 12 đường Hoàng Diệu, Khu phố 3, Phường Khánh Hội, TP. Hồ Chí Minh; " * 5)[:300]
REASON = ("Chi học bổng cho học sinh có hoàn cảnh khó khăn vượt khó học giỏi năm học "
          "2025–2026 theo danh sách ký nhận đính kèm; ") * 5


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pages_of(data: bytes):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            level = page.filter(lambda o: o.get("object_type") != "char" or not _rotated(o))
            yield level.extract_text() or "", level.extract_words(use_text_flow=True)


def _rotated(char) -> bool:
    return abs(char["matrix"][1]) > 1e-6


def stamps(data: bytes) -> str:
    """The rotated text of a PDF (stamps such as XEM TRƯỚC, BẢN SAO, ĐÃ HỦY), which lies over
    the page on purpose and is left out of the overlap checks."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(c["text"] for page in pdf.pages for c in page.chars if _rotated(c))


def overlaps(words) -> list[tuple[str, str]]:
    """Pairs of words whose boxes intersect (1 pt of slack)."""
    found = []
    boxes = sorted(words, key=lambda w: (w["top"], w["x0"]))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if b["top"] >= a["bottom"] - 1:
                break
            if a["x0"] < b["x1"] - 1 and b["x0"] < a["x1"] - 1 \
                    and a["top"] < b["bottom"] - 1 and b["top"] < a["bottom"] - 1:
                found.append((a["text"], b["text"]))
    return found


def in_order(needle: str, text: str) -> bool:
    """Every word of `needle`, in order, in `text` (other words may come between: a table
    cell's lines read back interleaved with its neighbours')."""
    words = iter(text.split())
    return all(any(w == found for found in words) for w in needle.split())


def overlapping_chars(data: bytes) -> list[tuple[str, str, int]]:
    """Characters drawn over one another (1.5 pt of slack), page by page. Word boxes miss a
    figure that runs into its neighbour cell: the two figures read back as one word."""
    found = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            chars = sorted((c for c in page.chars if not _rotated(c) and c["text"].strip()),
                           key=lambda c: c["top"])
            for i, a in enumerate(chars):
                for b in chars[i + 1:]:
                    if b["top"] >= a["bottom"] - 1.5:
                        break
                    if a["x0"] < b["x1"] - 1.5 and b["x0"] < a["x1"] - 1.5 \
                            and a["top"] < b["bottom"] - 1.5 and b["top"] < a["bottom"] - 1.5:
                        found.append((a["text"], b["text"], number))
    return found


def fonts_embedded(data: bytes, name: str = "") -> None:
    assert b"Helvetica" not in data and b"Times-Roman" not in data, name
    fonts = set(re.findall(rb"/BaseFont /([A-Za-z0-9+_-]+)", data))
    assert fonts, "no font at all?"
    # TrueType subsets carry their font program (FontFile2) with every descriptor.
    assert data.count(b"/FontFile2") >= len({f for f in fonts if b"+" in f}), fonts
    assert all(b"+" in f for f in fonts), fonts  # every font is an embedded subset


def _page(voucher, mark="original", series="tt", maker=NAME):
    settings = treasury.settings_for(voucher.unit)
    settings.form_series = series
    return voucher_pdf.prepare(voucher, settings, "https://khuyenhoc.test/verify/x" * 2,
                               mark=mark, print_no=1, maker_name=maker)


@pytest.mark.parametrize("copies", [1, 2])
@pytest.mark.parametrize("kind", ["receipt", "payment"])
def test_every_amount_and_the_longest_texts_print_in_full(tree, db, kind, copies):
    """Amounts across every magnitude with 200-character names, 300-character addresses and
    500-character reasons: the full amount in words and the full name are on the paper, and no
    two words overlap anywhere (body, signature row)."""
    unit = db.session.get(Unit, tree.ward_a.id)
    unit.name = ("Hội Khuyến học Phường Khánh Hội <b>Quận 4</b> " * 4)[:200]
    unit.address = ADDRESS
    pages = []
    for amount in AMOUNTS:
        extra = {"allow_overdraw": True} if kind == "payment" else {}
        v = build_voucher(tree.ward_a, kind, amount, party_name=NAME, party_address=ADDRESS,
                          reason=REASON[:500], **extra)
        pages.append((amount, _page(v, series="bb" if amount % 2 else "tt")))
    data = voucher_pdf.vouchers_pdf([p for _a, p in pages], copies=copies)
    fonts_embedded(data)
    texts = []
    for text, words in pages_of(data):
        assert not overlaps(words), overlaps(words)[:5]
        texts.append(flat(text))
    per_voucher = 2 if copies == 2 else 1
    # With such long texts each liên takes a page of its own; every one carries everything.
    assert len(texts) == len(pages) * per_voucher
    for i, (amount, page) in enumerate(pages):
        for text in texts[i * per_voucher:(i + 1) * per_voucher]:
            assert flat(amount_in_words(amount)) in text, amount
            assert format_money(amount) in text
            assert text.count(NAME) >= 2  # the name line and the signature box
            assert flat(ADDRESS) in text and flat(REASON[:500]) in text
            assert page.number in text and "<b>Quận 4</b>" in text


def test_a_short_voucher_keeps_two_liens_on_one_a4_page(tree, db):
    v = build_voucher(tree.ward_a, "payment", 1, party_name="Học sinh nhận học bổng (theo "
                      "danh sách ký nhận, 2 em)", allow_overdraw=True)
    data = voucher_pdf.vouchers_pdf([_page(v, maker="Trần Văn Bình")], copies=2)
    [(text, words)] = list(pages_of(data))
    assert "Liên 1" in text and "Liên 2" in text and not overlaps(words)


def test_preview_original_and_copy_marks(tree, db):
    v = build_voucher(tree.ward_a)
    preview = voucher_pdf.vouchers_pdf([_page(v, "preview")])
    original = voucher_pdf.vouchers_pdf([_page(v, "original")], copies=2)
    copy = voucher_pdf.vouchers_pdf([_page(v, "copy")])
    assert "XEM TRƯỚC" in stamps(preview)
    assert "Không có giá trị thanh toán" in stamps(preview)
    assert stamps(original) == ""
    assert "BẢN SAO" in stamps(copy) and "In lần 1" in flat(next(pages_of(copy))[0])


def _stamp_over_text(data: bytes) -> list[tuple[str, str]]:
    """(stamp character, word) pairs where a slanted stamp's character lies over a word."""
    found = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            marks = [c for c in page.chars if _rotated(c) and c["text"].strip()]
            level = page.filter(lambda o: o.get("object_type") != "char" or not _rotated(o))
            for w in level.extract_words():
                for c in marks:
                    if c["x0"] < w["x1"] and w["x0"] < c["x1"] and c["top"] < w["bottom"] \
                            and w["top"] < c["bottom"]:
                        found.append((c["text"], w["text"]))
    return found


@pytest.mark.parametrize("copies", [1, 2])
def test_the_copy_stamp_covers_no_text(tree, db, copies):
    """"BẢN SAO" takes its own room under the voucher's number, whatever the header's length
    (a long unit name pushed the number under a stamp drawn at a fixed place)."""
    unit = db.session.get(Unit, tree.ward_a.id)
    for name, address in (("Hội Khuyến học Phường Khánh Hội", "12 Hoàng Diệu"),
                          ((f"{NAME} " * 2)[:200], ADDRESS)):
        unit.name, unit.address = name, address
        v = build_voucher(tree.ward_a, "receipt", 987_654_321_987, party_name=NAME)
        for series in ("tt", "bb"):
            data = voucher_pdf.vouchers_pdf([_page(v, "copy", series=series)], copies=copies)
            assert "BẢN SAO" in stamps(data)
            assert not _stamp_over_text(data), (name[:20], series, _stamp_over_text(data)[:5])


def test_legal_basis_is_data_with_a_dated_default(tree, db):
    settings = treasury.settings_for(tree.ward_a)
    assert "99/2025/TT-BTC" in voucher_pdf.legal_basis(settings, date(2026, 1, 1))
    assert "200/2014/TT-BTC" in voucher_pdf.legal_basis(settings, date(2025, 12, 31))
    settings.form_series = "bb"
    assert "107/2017/TT-BTC" in voucher_pdf.legal_basis(settings, date(2026, 5, 1))
    treasury.update_settings(None, tree.ward_a, form_series="bb",
                             legal_basis="Ban hành theo Thông tư số 24/2024/TT-BTC")
    db.session.commit()
    v = build_voucher(tree.ward_a)
    text = flat(next(pages_of(voucher_pdf.vouchers_pdf([_page(v, series="bb")])))[0])
    assert "Thông tư số 24/2024/TT-BTC" in text and "C40-BB" in text
    assert "Kế toán trưởng" in text and "Thủ trưởng đơn vị" in text


# ---------------------------------------------------------------------------------------------
# Every document the system prints, from the demo world
# ---------------------------------------------------------------------------------------------


def _as_admin(db, client) -> None:
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True


def _documents(db, client, ward: Unit) -> dict:
    """Every document type the system prints, from the demo world (responses by name)."""
    v = db.session.scalar(select(Voucher).where(Voucher.unit_id == ward.id).order_by(Voucher.id))
    member = db.session.scalar(select(Member).where(Member.unit_id == ward.id)
                               .order_by(Member.id))
    donation = db.session.scalar(select(Donation).where(Donation.method == "in_kind")
                              .order_by(Donation.id))
    sheet = db.session.scalar(select(CountingSheet).order_by(CountingSheet.id))
    pay_sheet = db.session.scalar(select(RemunerationSheet).order_by(RemunerationSheet.id))
    program = db.session.scalar(select(ScholarshipProgram).order_by(ScholarshipProgram.id))
    fund = treasury.general_fund(ward)
    start = (today() - timedelta(days=365)).isoformat()
    gets = {
        "voucher preview": f"/vouchers/{v.id}/pdf",
        "voucher preview two liên": f"/vouchers/{v.id}/pdf?copies=2",
        "batch preview": f"/treasury/vouchers.pdf?unit={ward.id}",
        "cash book": f"/funds/{fund.id}/cashbook?format=pdf&date_from={start}",
        "bank book": f"/funds/{fund.id}/cashbook?format=pdf&method=transfer&date_from={start}",
        "member card": f"/members/{member.id}/card.pdf",
        "member cards": f"/members/unit/{ward.id}/cards.pdf",
        "counting sheet": f"/events/sheets/{sheet.id}.pdf",
        "in-kind acknowledgement": f"/events/donations/{donation.id}/acknowledgement.pdf",
        "thank-you letter": f"/events/donations/{donation.id}/thank-you.pdf",
        "event report": f"/events/{sheet.event_id}/report.pdf",
        "recipient list": f"/scholarships/programs/{program.id}/recipients.pdf",
        "remuneration sheet": f"/officers/sheets/{pay_sheet.id}.pdf",
        "period report": f"/units/{ward.parent_id}/report.pdf",
        "ward period report": f"/units/{ward.id}/report.pdf",
    }
    documents = {name: client.get(url) for name, url in gets.items()}
    documents["official print"] = client.post(f"/vouchers/{v.id}/print", data={"copies": "2"})
    for name, response in documents.items():
        assert response.status_code == 200, (name, response.status_code)
        assert response.data.startswith(b"%PDF"), name
        fonts_embedded(response.data, name)
        for _text, words in pages_of(response.data):
            assert not overlaps(words), (name, overlaps(words)[:5])
        assert not overlapping_chars(response.data), (name, overlapping_chars(response.data)[:5])
    return documents


def test_every_document_type_prints_cleanly(app, db, client):
    seed_demo()
    ward = db.session.scalar(select(Unit).where(Unit.code == "HCM-Q4-KH"))
    ward.name = "Hội Khuyến học <b>Phường</b> Khánh Hội <a href='http://x.test'>link</a>"
    v = db.session.scalar(select(Voucher).where(Voucher.unit_id == ward.id).order_by(Voucher.id))
    # A voucher prints the unit's name as it was at issue (frozen): as if issued under this one.
    v.paper = {**v.paper, "unit_name": ward.name}
    db.session.commit()
    _as_admin(db, client)
    documents = _documents(db, client, ward)
    report = flat("".join(t for t, _w in pages_of(documents["period report"].data)))
    assert "<b>Phường</b>" in report.replace("PHƯỜNG", "Phường") or "<B>PHƯỜNG</B>" in report
    assert b"/URI" not in documents["period report"].data  # the <a href> is text, not a link
    voucher_text = flat(next(pages_of(documents["voucher preview"].data))[0])
    assert v.display_number in voucher_text and "<a href='http://x.test'>link</a>" in voucher_text


N120 = ("Nguyễn Trần Phạm Lê Hoàng Thị Minh Khai " * 4)[:120].strip()
SCHOOL = ("Trường THCS Nguyễn Văn Trỗi " * 8)[:200].strip()
ITEMS = ("Sách giáo khoa lớp 1 đến lớp 12, vở ô li, bút bi, " * 8)[:300].strip()
WHY = ("Nghỉ phép có lương theo quyết định của Ban Thường vụ; " * 6)[:300].strip()


def test_every_document_prints_the_longest_texts_and_the_biggest_sums_in_full(app, db, client):
    """The demo world with the longest names the forms accept and a receipt of
    987.654.321.987 đ: every document reads in full and no character lies over another
    (the period report's sums, the recipient list's rows, the remuneration lines)."""
    seed_demo()
    ward = db.session.scalar(select(Unit).where(Unit.code == "HCM-Q4-KH"))
    ward.name = ("Hội Khuyến học <b>Phường</b> Khánh Hội <a href=x>link</a> " * 4)[:200]
    ward.address = ADDRESS
    first = db.session.scalar(select(Voucher).where(Voucher.unit_id == ward.id)
                              .order_by(Voucher.id))
    # Vouchers print the unit as it was at issue (frozen): as if issued under these long texts.
    first.paper = {**first.paper, "unit_name": ward.name, "unit_address": ADDRESS}
    build_voucher(ward, "receipt", 987_654_321_987, party_name=NAME, party_address=ADDRESS,
                  reason=REASON[:500])
    member = db.session.scalar(select(Member).where(Member.unit_id == ward.id)
                               .order_by(Member.id))
    member.full_name, member.address = NAME, ADDRESS
    donation = db.session.scalar(select(Donation).where(Donation.method == "in_kind")
                              .order_by(Donation.id))
    donation.donor.name, donation.donor.address, donation.items = NAME, ADDRESS, ITEMS
    # Its papers print the names frozen when it was recorded: as if recorded under these.
    donation.paper = {**donation.paper, "donor_name": NAME, "donor_address": ADDRESS}
    sheet = db.session.scalar(select(CountingSheet).order_by(CountingSheet.id))
    sheet.group_name = NAME
    program = db.session.scalar(select(ScholarshipProgram).order_by(ScholarshipProgram.id))
    for nomination in db.session.scalars(select(Nomination)
                                         .where(Nomination.program_id == program.id)):
        nomination.student_name, nomination.school = N120, SCHOOL
    pay_sheet = db.session.scalar(select(RemunerationSheet).order_by(RemunerationSheet.id))
    for line in pay_sheet.lines:
        line.full_name, line.adjustment_reason = N120, WHY
    db.session.commit()
    _as_admin(db, client)
    documents = _documents(db, client, ward)
    text = {name: [flat(t) for t, _w in pages_of(r.data)] for name, r in documents.items()}
    everything = {name: " ".join(pages) for name, pages in text.items()}
    for name in ("member card", "counting sheet", "in-kind acknowledgement", "thank-you letter"):
        assert NAME in everything[name], name
    assert flat(ADDRESS) in everything["in-kind acknowledgement"]
    # The items wrap in a table cell, read back between the figures of the other cells.
    assert in_order(ITEMS, everything["in-kind acknowledgement"])
    assert in_order(N120, everything["recipient list"])
    assert in_order(SCHOOL, everything["recipient list"])
    assert "987.654.321.987" in everything["cash book"]
    # The year's receipts (the demo's and 987.654.321.987 đ) as one figure of its own.
    assert re.search(r"(^| )987\.\d{3}\.\d{3}\.\d{3}( |$)", everything["ward period report"])
    # The remuneration sheet starts its table on its first page, each reason on a row of its
    # own, in full.
    assert in_order(N120, text["remuneration sheet"][0])
    assert everything["remuneration sheet"].count(f"Lý do điều chỉnh: {WHY}") == len(
        pay_sheet.lines)


def _stream_order(data: bytes) -> list[str]:
    """The page's characters in the order they are drawn, rotated ones marked with "*"."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return ["*" if _rotated(c) else c["text"] for c in pdf.pages[0].chars]


def test_a_draft_remuneration_sheet_is_stamped_over_its_table(app, db, client):
    seed_demo()
    pay_sheet = db.session.scalar(select(RemunerationSheet).order_by(RemunerationSheet.id))
    pay_sheet.status = "draft"
    db.session.commit()
    _as_admin(db, client)
    data = client.get(f"/officers/sheets/{pay_sheet.id}.pdf").data
    assert "BẢN NHÁP" in stamps(data)
    order = _stream_order(data)
    # The stamp is drawn after every character of the page (the table included), so the
    # table's cells cannot cover it.
    first_stamp = order.index("*")
    assert all(c == "*" for c in order[first_stamp:]), order[first_stamp:][:20]


def test_qr_codes_carry_the_configured_public_address_never_the_host_header(app, db, client,
                                                                            monkeypatch):
    """PUBLIC_BASE_URL (https://khuyenhoc.test in tests) is the address in every QR code; a
    request with a forged Host header changes nothing on the paper."""
    seed_demo()
    db.session.commit()  # a download's audit entry is written after a rollback of the read
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    forged = "http://evil.example"  # the Host header a client may send
    with client.session_transaction(base_url=forged) as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    encoded = []
    real = voucher_pdf.qr_modules
    monkeypatch.setattr(voucher_pdf, "qr_modules", lambda data: encoded.append(data) or real(data))
    import assoc.pdf.member_cards as cards

    monkeypatch.setattr(cards, "draw_qr", lambda c, data, *a: encoded.append(data))
    v = db.session.scalar(select(Voucher).order_by(Voucher.id))
    member = db.session.scalar(select(Member).where(Member.card_token.is_not(None)))
    headers = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    for url in (f"/vouchers/{v.id}/pdf", f"/members/{member.id}/card.pdf"):
        response = client.get(url, base_url=forged, headers=headers)
        assert response.status_code == 200 and b"evil.example" not in response.data
    response = client.post(f"/vouchers/{v.id}/print", base_url=forged, headers=headers)
    assert response.status_code == 200
    assert encoded == [f"https://khuyenhoc.test/verify/{v.public_token}",
                       f"https://khuyenhoc.test/members/check/{member.card_token}",
                       f"https://khuyenhoc.test/verify/{v.public_token}"]
    assert f"https://khuyenhoc.test/verify/{v.public_token}" in flat(
        next(pages_of(response.data))[0])
