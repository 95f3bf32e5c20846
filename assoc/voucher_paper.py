"""What a voucher's paper prints that could change after issue, frozen on the voucher when it is
issued (DESIGN "Issued is frozen"): the regime's form code and legal basis, the signers' titles
and names, the amount in words (word style, "chẵn"), the unit's name and address, the fund's and
the party's names. Every later print (a copy) draws from this snapshot, so it reproduces the
original except for the "BẢN SAO" mark and its print number; settings changed later apply only
to vouchers issued after them.

Plain data and functions, no Flask and no reportlab: the migration that fills the snapshot of
vouchers issued before it uses them too.
"""

from __future__ import annotations

from datetime import date

from .money import amount_in_words

# The regimes a unit may print under (unit setting `form_series`): form codes, signature titles
# and the default legal-basis line. The circular cited is data: a unit may store its own line
# (setting `legal_basis`); otherwise the default in force on the voucher's date applies.
SERIES = {
    "tt": {
        "receipt": "01-TT", "payment": "02-TT",
        "head": "Chủ tịch", "accountant": "Kế toán", "maker": "Người lập phiếu",
    },
    "bb": {
        "receipt": "C40-BB", "payment": "C41-BB",
        "head": "Thủ trưởng đơn vị", "accountant": "Kế toán trưởng", "maker": "Người lập",
    },
}
# (in force from, legal basis) per regime, newest last.
LEGAL_BASIS = {
    "tt": [
        (date(2015, 1, 1), "Ban hành kèm theo Thông tư số 200/2014/TT-BTC ngày 22/12/2014 "
                           "của Bộ Tài chính"),
        (date(2026, 1, 1), "Ban hành kèm theo Thông tư số 99/2025/TT-BTC "
                           "của Bộ trưởng Bộ Tài chính"),
    ],
    "bb": [
        (date(2018, 1, 1), "Ban hành kèm theo Thông tư số 107/2017/TT-BTC ngày 10/10/2017 "
                           "của Bộ Tài chính"),
    ],
}
METHOD_WORDS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản"}
# The snapshot's keys (a version number lets a later change of shape read old snapshots).
PAPER_VERSION = 1


def legal_basis(settings, on: date) -> str:
    """The legal-basis line printed under the form code: the unit's own when it set one, else
    the regime's default in force on `on`."""
    own = (getattr(settings, "legal_basis", "") or "").strip()
    if own:
        return own
    found = LEGAL_BASIS["tt"][0][1]
    for since, text in LEGAL_BASIS.get(settings.form_series, LEGAL_BASIS["tt"]):
        if since <= on:
            found = text
    return found


def freeze(*, kind: str, amount: int, voucher_date: date, settings, unit_name: str,
           unit_address: str, fund_name: str, party_name: str, party_address: str,
           maker_name: str) -> dict:
    """The snapshot stored in `voucher.paper` at issue: plain strings, exactly as printed."""
    series = SERIES.get(settings.form_series, SERIES["tt"])
    return {
        "v": PAPER_VERSION,
        "series": settings.form_series if settings.form_series in SERIES else "tt",
        "form_code": f"Mẫu số {series[kind]}",
        "basis": legal_basis(settings, voucher_date),
        "titles": {"head": series["head"], "accountant": series["accountant"],
                   "maker": series["maker"]},
        "names": {"head": settings.head_name or "", "accountant": settings.accountant_name or "",
                  "cashier": settings.cashier_name or "", "maker": maker_name or ""},
        "word_style": settings.word_style or "standard",
        "chan": bool(settings.chan),
        "amount_words": amount_in_words(amount, style=settings.word_style or "standard",
                                        chan=bool(settings.chan)),
        "unit_name": unit_name or "",
        "unit_address": unit_address or "",
        "fund_name": fund_name or "",
        "party_name": party_name or "",
        "party_address": party_address or "",
    }


def freeze_voucher(voucher, settings, maker_name: str) -> dict:
    return freeze(kind=voucher.kind, amount=voucher.amount, voucher_date=voucher.voucher_date,
                  settings=settings, unit_name=voucher.unit.name,
                  unit_address=voucher.unit.address or "", fund_name=voucher.fund.name,
                  party_name=voucher.party_name, party_address=voucher.party_address or "",
                  maker_name=maker_name)


def paper_of(voucher, settings, maker_name: str = "") -> dict:
    """The voucher's frozen paper; for a voucher without one (built but not issued through the
    service), what it would be frozen as now."""
    paper = getattr(voucher, "paper", None)
    if isinstance(paper, dict) and paper.get("v") == PAPER_VERSION:
        return paper
    return freeze_voucher(voucher, settings, maker_name)
