"""Vietnamese text helpers: cleaning, search keys, names, phones, CCCD and loose dates.

All stored text is NFC (:func:`clean`); searching ignores case and diacritics
(:func:`search_key`). This module is pure stdlib with no Flask dependency, except
:func:`cccd_warnings`, whose sentences are shown to users as they are: in the interface
language (Flask-Babel, imported when called; plain English outside a request).
``ValueError`` messages are plain English so callers (form validators, importers)
can translate or wrap them.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "CCCD_PROVINCES",
    "OLD_MOBILE_PREFIXES",
    "cccd_warnings",
    "clean",
    "name_sort_key",
    "normalize_cccd",
    "normalize_phone",
    "parse_date_loose",
    "phone_search_key",
    "search_key",
    "split_name",
    "title_name",
]

# ---------------------------------------------------------------------------
# Cleaning and search keys
# ---------------------------------------------------------------------------

# Invisible characters that sneak in from Word/Excel/web copy-paste. They are not
# whitespace to str.split(), so they must be deleted explicitly.
_ZERO_WIDTH = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"),
    None,
)

# "Đ" has no decomposition, so NFKD alone would keep it; "Ð" (Icelandic eth) is a
# look-alike that legacy Vietnamese keyboards/fonts produce instead of "Đ".
_D_MAP = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def _vietnam_today() -> date:
    # Vietnam's calendar day (models.today() without importing the models)
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _to_text(s: object) -> str:
    if s is None:
        return ""
    return s if isinstance(s, str) else str(s)


# NUL and the other C0/C1 control characters, DEL, and the bidirectional overrides that can
# make text display differently from what it is. Tab, CR and LF are handled separately.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_input(s: str | None, *, multiline: bool = False) -> str:
    """What every typed or imported text goes through first: NFC, no control characters.
    A single line loses its line breaks and tabs (they become spaces); multi-line text keeps
    its line breaks (as LF). Spaces are otherwise kept as typed (see `clean` for collapsing)."""
    text = unicodedata.normalize("NFC", _to_text(s))
    text = _CONTROL_RE.sub("", text)
    if multiline:
        return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")


def clean(s: str | None) -> str:
    """NFC-normalise, drop control and zero-width characters, and collapse/strip whitespace.

    ``None`` becomes ``""``. Non-breaking and other Unicode spaces count as whitespace.
    """
    text = clean_input(s).translate(_ZERO_WIDTH)
    # str.split() with no argument splits on every Unicode whitespace (NBSP, U+2009,
    # U+3000, tabs, newlines...), so joining on " " both replaces and collapses them.
    return " ".join(text.split())


def _fold(text: str) -> str:
    text = text.translate(_D_MAP)
    # NFKD splits letters from their tone/vowel marks (and folds compatibility forms
    # like full-width digits); dropping combining marks leaves the bare letters.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _search_key_slow(text: str) -> str:
    return " ".join(_fold(text).split())


# The same folding, one character at a time, for the characters Vietnamese (and other Latin)
# text is made of: ASCII, Latin-1, Latin Extended-A/B, combining marks and Latin Extended
# Additional (every precomposed Vietnamese letter). NFKD, dropping combining marks and
# lowering are all per character for these, so one str.translate gives what the three steps
# give; text with any other character takes the slow path (tests compare both).
_FAST_RANGES = ((0x00, 0x250), (0x300, 0x370), (0x1E00, 0x1F00))
_FOLD = {c: _fold(chr(c)) for lo, hi in _FAST_RANGES for c in range(lo, hi)}
_OUTSIDE_FAST = re.compile("[^\x00-\u024f\u0300-\u036f\u1e00-\u1eff]")


@functools.lru_cache(maxsize=65536)  # imports ask for the same names and words many times
def search_key(s: str | None) -> str:
    """Lower-case, diacritic-free, whitespace-collapsed form used for searching.

    "Nguyễn Văn Á" -> "nguyen van a"; "ĐẶNG THỊ THU" -> "dang thi thu".
    Stored in an indexed column, so the output for a given input must never change.
    """
    text = clean(s)
    if text.isascii():
        return text.lower()  # clean() already collapsed the whitespace
    if _OUTSIDE_FAST.search(text) is None:
        return " ".join(text.translate(_FOLD).split())
    return _search_key_slow(text)


# ---------------------------------------------------------------------------
# People's names
# ---------------------------------------------------------------------------

# Name parts joined by these keep a capital after them: "H'Hen", "Nguyễn-Trần".
_NAME_PART_RE = re.compile("([-'\u2019])")  # hyphen, apostrophe, typographic apostrophe


def _capitalise_word(word: str) -> str:
    # Mixed-case words ("McLeod", "DiCaprio") were typed deliberately: keep them.
    if not (word.isupper() or word.islower()):
        return word
    parts = _NAME_PART_RE.split(word)
    # str.upper()/lower() handle Vietnamese letters (đ -> Đ, ễ -> Ễ) once text is NFC,
    # because every Vietnamese letter then is a single code point.
    return "".join(p[:1].upper() + p[1:].lower() for p in parts)


def title_name(s: str | None) -> str:
    """Capitalise a person's name: "NGUYỄN VĂN  AN" -> "Nguyễn Văn An".

    Words that are all upper or all lower case are capitalised; words already in
    mixed case are left as typed (after :func:`clean`).
    """
    return " ".join(_capitalise_word(w) for w in clean(s).split())


def split_name(full: str | None) -> tuple[str, str, str]:
    """Split a Vietnamese full name into (family, middle, given).

    Vietnamese order is family name first and given name last. A single word is the
    given name; two words are family + given with an empty middle.
    """
    words = clean(full).split()
    if not words:
        return ("", "", "")
    if len(words) == 1:
        return ("", "", words[0])
    return (words[0], " ".join(words[1:-1]), words[-1])


def name_sort_key(full: str | None) -> tuple[str, str, str]:
    """Sort key matching Vietnamese class lists: given name first, then full name.

    "Trần Văn Bình" sorts before "Nguyễn Văn Cường". Both parts compare without
    diacritics; the cleaned name is a final tie-breaker so that names that differ only
    in diacritics ("Đào" / "Dao") still sort deterministically.
    """
    name = clean(full)
    return (search_key(split_name(name)[2]), search_key(name), name)


# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------

# 2018 conversion of 11-digit mobile numbers to 10 digits: old 4-digit prefix -> new
# 3-digit prefix; the remaining 7 digits are unchanged.
OLD_MOBILE_PREFIXES: dict[str, str] = {
    # Viettel
    "0162": "032",
    "0163": "033",
    "0164": "034",
    "0165": "035",
    "0166": "036",
    "0167": "037",
    "0168": "038",
    "0169": "039",
    # MobiFone
    "0120": "070",
    "0121": "079",
    "0122": "077",
    "0126": "076",
    "0128": "078",
    # VinaPhone
    "0123": "083",
    "0124": "084",
    "0125": "085",
    "0127": "081",
    "0129": "082",
    # Vietnamobile / Gmobile
    "0186": "056",
    "0188": "058",
    "0199": "059",
}

# Since 2018 every Vietnamese mobile number is 0 + one of these digits + 8 digits.
_MOBILE_SECOND_DIGITS = frozenset("35789")

# Characters people put inside phone numbers; anything else (letters, "/") means the
# cell holds something other than a single phone number.
_PHONE_ALLOWED_RE = re.compile(r"[0-9\s.\-()+]+")
# A number that went through a float on its way out of Excel: "912345678.0".
_FLOAT_TEXT_RE = re.compile(r"([0-9]+)\.0+")


def _phone_text(s: object) -> str:
    if isinstance(s, bool):
        raise ValueError("Phone number must be text or a whole number, not a boolean.")
    if isinstance(s, int):
        return str(s)
    if isinstance(s, float):
        if not math.isfinite(s) or not s.is_integer():
            raise ValueError(f"Phone number {s!r} is not a whole number.")
        return str(int(s))
    text = clean(s)
    m = _FLOAT_TEXT_RE.fullmatch(text)
    return m.group(1) if m else text


def _with_trunk_zero(national: str) -> str:
    # "+84 (0) 912 ..." already carries the domestic trunk 0; otherwise add it back.
    return national if national.startswith("0") else "0" + national


def normalize_phone(s: str | int | None) -> str:
    """Normalise a Vietnamese phone number to its current domestic form.

    Mobiles become 10 digits starting with 0; landlines (area code 02x, 2017 plan)
    stay 11 digits starting with "02". Accepts "+84"/"84"/"0084" prefixes, spaces,
    dots, dashes and parentheses, old 11-digit mobile prefixes (mapped per the 2018
    conversion), and numbers whose leading 0 Excel dropped (int or str).
    Raises ``ValueError`` when the input cannot be a Vietnamese phone number.
    """
    text = _phone_text(s)
    if not text:
        raise ValueError("Phone number is empty.")
    if not _PHONE_ALLOWED_RE.fullmatch(text):
        raise ValueError(
            f"Phone number {text!r} contains characters other than digits, spaces, "
            "'.', '-', '(', ')' and '+'."
        )
    digits = re.sub(r"[^0-9]", "", text)
    if not digits:
        raise ValueError(f"Phone number {text!r} has no digits.")

    if text.startswith("+") or digits.startswith("00"):
        # International form: "+84 ..." or "0084 ...".
        digits = digits[2:] if digits.startswith("00") else digits
        if not digits.startswith("84"):
            raise ValueError(f"Phone number {text!r} is not a Vietnamese (+84) number.")
        digits = _with_trunk_zero(digits[2:])
    elif digits.startswith("84") and len(digits) in (11, 12):
        # "84" + 9 digits (mobile) or + 10 digits (landline / old mobile): a country
        # code typed without "+". Domestic numbers never start with 84 at these lengths.
        digits = _with_trunk_zero(digits[2:])
    elif not digits.startswith("0") and len(digits) in (9, 10):
        # Excel stored the number as a number and dropped the leading 0.
        digits = "0" + digits

    if len(digits) == 11 and digits.startswith("01"):
        new_prefix = OLD_MOBILE_PREFIXES.get(digits[:4])
        if new_prefix is None:
            raise ValueError(
                f"Phone number {text!r} has an old 11-digit prefix {digits[:4]} "
                "with no known 10-digit equivalent."
            )
        return new_prefix + digits[4:]
    if len(digits) == 11 and digits.startswith("02"):
        return digits  # landline: 02x area code + subscriber number
    if len(digits) == 10 and digits[0] == "0" and digits[1] in _MOBILE_SECOND_DIGITS:
        return digits
    raise ValueError(
        f"Phone number {text!r} is not a valid Vietnamese number: expected a 10-digit "
        "mobile (03x, 05x, 07x, 08x, 09x) or an 11-digit landline starting with 02."
    )


def phone_search_key(s: str | int | None) -> str:
    """Digits to search phones by: the normalised number when possible.

    Falls back to the bare digits so partial input ("912 345") still matches stored
    numbers as a substring; a leading "+84" becomes "0" for the same reason.
    """
    try:
        return normalize_phone(s)
    except ValueError:
        pass
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        text = str(int(s)) if isinstance(s, int) or s.is_integer() else str(s)
    else:
        text = clean(s)
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+84"):
        digits = "0" + digits[2:]
    return digits


# ---------------------------------------------------------------------------
# CCCD (citizen identity card) numbers
# ---------------------------------------------------------------------------

# Province/city codes in the first 3 digits of a CCCD (Thông tư 07/2016/TT-BCA,
# following the administrative unit codes of the 63 provinces).
CCCD_PROVINCES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa \u2013 Vũng Tàu",  # en dash, as in official usage
    "079": "TP. Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

_CCCD_SEPARATORS_RE = re.compile(r"[\s.\-]")


def normalize_cccd(s: str | int | None) -> str:
    """Normalise a CCCD number to exactly 12 digits (as text).

    Strips spaces, dots and dashes (and Excel's leading "'" text marker) and restores
    leading zeros lost when Excel stored the number as a number: province codes start
    with 0, so 10 or 11 digits are padded to 12. Raises ``ValueError`` otherwise.
    """
    if isinstance(s, bool):
        raise ValueError("CCCD must be text or a whole number, not a boolean.")
    if isinstance(s, float):
        if not math.isfinite(s) or not s.is_integer():
            raise ValueError(f"CCCD {s!r} is not a whole number.")
        s = int(s)
    if isinstance(s, int):
        if s < 0:
            raise ValueError("CCCD must not be negative.")
        text = str(s)
    else:
        text = clean(s).lstrip("'")
        m = _FLOAT_TEXT_RE.fullmatch(text)
        text = m.group(1) if m else _CCCD_SEPARATORS_RE.sub("", text)
    if not text:
        raise ValueError("CCCD is empty.")
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"CCCD {text!r} must contain only digits.")
    if len(text) in (10, 11):
        text = text.zfill(12)
    if len(text) == 9:
        raise ValueError(f"{text!r} has 9 digits: that is an old CMND, not a 12-digit CCCD.")
    if len(text) != 12:
        raise ValueError(f"CCCD {text!r} must have 12 digits, not {len(text)}.")
    return text


_SEX_ALIASES = {
    "m": "M",
    "nam": "M",
    "male": "M",
    "f": "F",
    "nu": "F",
    "female": "F",
}


def _decode_cccd(cccd: str) -> tuple[str, int]:
    """Return (sex "M"/"F", full birth year) encoded in digits 4-6 of a CCCD."""
    code = int(cccd[3])
    # Digit 4: even = male, odd = female; each pair is one century starting in 1900.
    sex = "M" if code % 2 == 0 else "F"
    year = 1900 + (code // 2) * 100 + int(cccd[4:6])
    return sex, year


def cccd_warnings(
    cccd: str | int,
    *,
    sex: str | None,
    birth_year: int | None,
    today: date | None = None,
) -> list[str]:
    """Warnings, in the interface language, where a CCCD disagrees with the recorded sex or
    birth year.

    Mismatches are warnings, not errors: the record may be wrong rather than the
    card. Also warns about an unknown province code or a birth year in the future.
    ``sex`` is "M"/"F" (also "Nam"/"Nữ"); unknown values and ``None`` skip that check.
    Raises ``ValueError`` if ``cccd`` itself is not a valid 12-digit number.
    """
    from flask_babel import gettext as _

    sex_labels = {"M": _("Male"), "F": _("Female")}
    number = normalize_cccd(cccd)
    warnings: list[str] = []

    province = number[:3]
    if province not in CCCD_PROVINCES:
        warnings.append(_("The province code %(code)s of the CCCD is not in the list.",
                          code=province))

    card_sex, card_year = _decode_cccd(number)
    current_year = (today or _vietnam_today()).year
    if card_year > current_year:
        warnings.append(_("The birth year in the CCCD (%(year)s) is in the future.",
                          year=card_year))

    recorded_sex = _SEX_ALIASES.get(search_key(sex)) if sex else None
    if recorded_sex is not None and recorded_sex != card_sex:
        warnings.append(_("The CCCD gives the sex as %(card)s but the record says "
                          "%(recorded)s.", card=sex_labels[card_sex],
                          recorded=sex_labels[recorded_sex]))

    if birth_year is not None and birth_year != card_year:
        warnings.append(_("The CCCD gives the birth year as %(card)s but the record says "
                          "%(recorded)s.", card=card_year, recorded=birth_year))
    return warnings


# ---------------------------------------------------------------------------
# Loose dates from spreadsheets
# ---------------------------------------------------------------------------

# Excel's day 0. Using 1899-12-30 (not 1900-01-01) absorbs Excel's fake 1900-02-29,
# so every serial from 61 (1900-03-01) onwards maps to the right date.
_EXCEL_EPOCH = date(1899, 12, 30)

# Optional time part, as in str(datetime) or a CSV export of a datetime cell.
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
# Day first (Vietnamese order); the same separator must be used twice.
_DMY_RE = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME)
_YMD_RE = re.compile(r"(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})" + _TIME)
# A bare year, possibly as float text ("1990.0") from a numeric cell.
_YEAR_RE = re.compile(r"([1-9]\d{3})(?:\.0+)?")
# A serial number that arrived as text, e.g. from CSV: 5 digits covers 1927-2173.
_SERIAL_TEXT_RE = re.compile(r"\d{5}(?:\.\d+)?")

# Whole numbers in this range are years typed into a "năm sinh" cell, not serials
# (serials 1900-2100 would be dates in 1905, which no member is born on).
_YEAR_NUMBER_RANGE = range(1900, 2101)


def _from_serial(serial: float, original: object) -> date:
    if not math.isfinite(serial) or serial < 1:
        raise ValueError(f"{original!r} is not a valid Excel date serial number.")
    try:
        return _EXCEL_EPOCH + timedelta(days=math.floor(serial))
    except OverflowError:
        raise ValueError(f"{original!r} is not a valid Excel date serial number.") from None


def _make_date(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{original!r} is not a real date (day/month/year).") from None


def parse_date_loose(value: object, *, today: date | None = None) -> tuple[date | None, int | None]:
    """Parse a date cell from a spreadsheet into ``(date, year)``.

    Accepts ``date``/``datetime`` objects; "dd/mm/yyyy", "d/m/yyyy", "d-m-yy",
    "dd.mm.yyyy" (day first, Vietnamese order); "yyyy-mm-dd"; a bare "yyyy", which
    returns ``(None, year)``; and Excel serial numbers (int/float, 1899-12-30 epoch).
    Whole numbers 1900-2100 are taken as years. Two-digit years above the current
    two-digit year are 1900s, otherwise 2000s. Empty input returns ``(None, None)``.
    Raises ``ValueError`` for impossible dates (31/02/2020) and unrecognised text.
    """
    if value is None:
        return (None, None)
    if isinstance(value, datetime):  # before date: datetime is a date subclass
        return (value.date(), value.year)
    if isinstance(value, date):
        return (value, value.year)
    if isinstance(value, bool):
        raise ValueError("A boolean is not a date.")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value!r} is not a date.")
        if value == int(value) and int(value) in _YEAR_NUMBER_RANGE:
            return (None, int(value))
        d = _from_serial(value, value)
        return (d, d.year)

    text = clean(value) if isinstance(value, str) else clean(str(value))
    if not text:
        return (None, None)

    if m := _YEAR_RE.fullmatch(text):
        return (None, int(m[1]))
    if m := _YMD_RE.fullmatch(text):
        d = _make_date(int(m[1]), int(m[3]), int(m[4]), text)
        return (d, d.year)
    if m := _DMY_RE.fullmatch(text):
        year = int(m[4])
        if len(m[4]) == 2:
            # Two-digit years are nearly always birth years: a year "later" than this
            # year's two digits must be last century.
            current_yy = (today or _vietnam_today()).year % 100
            year += 1900 if year > current_yy else 2000
        d = _make_date(year, int(m[3]), int(m[1]), text)
        return (d, d.year)
    if _SERIAL_TEXT_RE.fullmatch(text):
        d = _from_serial(float(text), text)
        return (d, d.year)
    raise ValueError(
        f"{text!r} is not a recognised date: use dd/mm/yyyy, yyyy-mm-dd or a year (yyyy)."
    )
