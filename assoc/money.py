"""Integer-đồng money helpers: parse, format, and spell amounts in Vietnamese words.

Money is always a plain ``int`` of đồng — never ``float`` or ``Decimal``.
This module has no Flask dependency; error messages are plain English so callers
(form validators, services) can translate or wrap them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "MAX_AMOUNT",
    "WORD_STYLES",
    "amount_in_words",
    "format_money",
    "format_number",
    "parse_amount",
    "validate_amount",
]

MAX_AMOUNT = 10**12

# ---------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------

# Currency marks people type after an amount; compared after casefold().
_UNIT_SUFFIXES = ("đồng", "vnđ", "vnd", "đ", "₫")

# Non-breaking and thin spaces show up when amounts are pasted from spreadsheets.
_SPACE_CHARS = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})

_PLAIN_RE = re.compile(r"[0-9]+")
# Grouped form: one consistent separator, every group after the first exactly 3 digits.
# A leading 0 in the first group is refused: "0.500" could mean half a đồng.
_GROUPED_RE = re.compile(r"[1-9][0-9]{0,2}(?P<sep>[., ])[0-9]{3}(?:(?P=sep)[0-9]{3})*")


def _is_int(value: object) -> bool:
    # bool is a subclass of int, but True is never a sum of money.
    return isinstance(value, int) and not isinstance(value, bool)


def parse_amount(text: str | int) -> int:
    """Parse a user-typed amount of đồng into an ``int``.

    Accepts plain digits ("1250000"), digits grouped by 3 with ".", "," or a space
    ("1.250.000", "1,250,000", "1 250 000"), an optional trailing "đ"/"đồng"/"VND"/"₫",
    surrounding whitespace, and non-negative ints. Raises ``ValueError`` for anything else,
    including bool, float, negative numbers and decimals ("12,5", "1.25").
    Does not check the range: see :func:`validate_amount`.
    """
    if isinstance(text, bool):
        raise ValueError("Amount must be a whole number of đồng, not a boolean.")
    if isinstance(text, int):
        if text < 0:
            raise ValueError("Amount must not be negative.")
        return int(text)
    if not isinstance(text, str):
        # float included: money is never fractional, and 1e6 hides rounding.
        raise ValueError(f"Amount must be text or a whole number, not {type(text).__name__}.")

    s = unicodedata.normalize("NFC", text).translate(_SPACE_CHARS).strip()
    folded = s.casefold()
    for suffix in _UNIT_SUFFIXES:
        if folded.endswith(suffix):
            s = s[: -len(suffix)].rstrip()
            break
    if not s:
        raise ValueError("Amount is empty.")
    if s[0] in "-\u2212":
        raise ValueError("Amount must not be negative.")
    if _PLAIN_RE.fullmatch(s) or _GROUPED_RE.fullmatch(s):
        return int(re.sub(r"[., ]", "", s))
    raise ValueError(
        f"Invalid amount {text.strip()!r}: use whole đồng, digits optionally grouped by "
        "three with '.', ',' or spaces (e.g. 1.250.000)."
    )


def validate_amount(n: int) -> int:
    """Return ``n`` if it is an int with ``1 <= n <= MAX_AMOUNT``, else raise ``ValueError``.

    Non-int values (bool and float included) raise ``TypeError``: that is a programming
    error, not bad user input.
    """
    if not _is_int(n):
        raise TypeError(f"Amount must be an int, not {type(n).__name__}.")
    if not 1 <= n <= MAX_AMOUNT:
        raise ValueError("Amount must be between 1 đ and 1.000.000.000.000 đ.")
    return n


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def format_number(n: int) -> str:
    """Format an int with "." thousands separators: 1250000 -> "1.250.000"."""
    if not _is_int(n):
        raise TypeError(f"Amount must be an int, not {type(n).__name__}.")
    sign = "-" if n < 0 else ""
    return sign + f"{abs(n):,}".replace(",", ".")


def format_money(n: int, unit: str = "đ") -> str:
    """Format an int amount with its unit: 1250000 -> "1.250.000 đ"."""
    number = format_number(n)
    return f"{number} {unit}" if unit else number


# ---------------------------------------------------------------------------
# Amount in words (viết bằng chữ)
# ---------------------------------------------------------------------------

WORD_STYLES = ("standard", "regional")

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

# Words that differ between styles; "standard" is the receipt style of the domain guide.
_STYLE_WORDS = {
    "standard": {"linh": "linh", "nghìn": "nghìn", "tỷ": "tỷ"},
    "regional": {"linh": "lẻ", "nghìn": "ngàn", "tỷ": "tỉ"},
}

_MAX_WORDS_AMOUNT = 10**15 - 1
_BILLION = 10**9


@lru_cache(maxsize=4096)
def _triplet(n: int, leading: bool, linh: str) -> tuple[str, ...]:
    """Words for one 3-digit group 1..999 (never called with 0: zero groups are skipped).

    A leading group drops empty hundreds ("năm mươi"); any later group keeps them
    ("không trăm năm mươi"), which is why 1.050.000 reads "... không trăm năm mươi nghìn".
    """
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or not leading:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        # "linh" only bridges a spoken hundreds to a lone unit: 105, but not 5 or 100.
        if units and words:
            words.append(linh)
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 4 and tens >= 2:
            words.append("tư")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        else:
            words.append(_DIGITS[units])
    return tuple(words)


def _below_billion(n: int, leading: bool, names: dict[str, str]) -> list[str]:
    """Words for 0 <= n < 10**9 as groups of triệu / nghìn / units; 0 gives []."""
    words: list[str] = []
    for scale, name in ((10**6, "triệu"), (10**3, names["nghìn"]), (1, "")):
        group, n = divmod(n, scale)
        if group:
            words += _triplet(group, leading and not words, names["linh"])
            if name:
                words.append(name)
    return words


def _spell(n: int, leading: bool, names: dict[str, str]) -> list[str]:
    """Words for any n >= 0; the count of tỷ is itself spelled recursively."""
    billions, rest = divmod(n, _BILLION)
    words: list[str] = []
    if billions:
        words += _spell(billions, leading, names)
        words.append(names["tỷ"])
    words += _below_billion(rest, leading and not words, names)
    return words


def amount_in_words(amount: int, *, style: str = "standard", chan: bool = False) -> str:
    """Spell an amount of đồng in Vietnamese, as written on receipts.

    >>> amount_in_words(1_050_000)
    'Một triệu không trăm năm mươi nghìn đồng'

    ``style="regional"`` says "lẻ", "ngàn", "tỉ" instead of "linh", "nghìn", "tỷ".
    ``chan=True`` appends " chẵn" after "đồng" for non-zero multiples of 1.000.
    Accepts 0 .. 10**15 - 1; raises ``TypeError`` for non-int (bool, float) and
    ``ValueError`` for negative or larger amounts or an unknown style.
    """
    if not _is_int(amount):
        raise TypeError(f"Amount must be an int, not {type(amount).__name__}.")
    if amount < 0:
        raise ValueError("Amount must not be negative.")
    if amount > _MAX_WORDS_AMOUNT:
        raise ValueError("Amount is too large to spell (maximum 10^15 - 1).")
    if style not in _STYLE_WORDS:
        raise ValueError(f"Unknown style {style!r}; expected one of {WORD_STYLES}.")

    words = _spell(amount, True, _STYLE_WORDS[style]) or [_DIGITS[0]]
    text = " ".join(words) + " đồng"
    if chan and amount > 0 and amount % 1000 == 0:
        text += " chẵn"
    return unicodedata.normalize("NFC", text[0].upper() + text[1:])
