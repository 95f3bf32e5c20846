"""Tests for assoc.money: parsing, formatting and the Vietnamese amount speller."""

import unicodedata
from decimal import Decimal

import pytest

from assoc.money import (
    MAX_AMOUNT,
    WORD_STYLES,
    amount_in_words,
    format_money,
    format_number,
    parse_amount,
    validate_amount,
)

# ---------------------------------------------------------------------------
# amount_in_words: the receipt table (standard style)
# ---------------------------------------------------------------------------

WORDS = [
    # --- single digits and teens: "mười" for tens = 1, "lăm" after any tens
    (0, "Không đồng"),
    (1, "Một đồng"),
    (4, "Bốn đồng"),
    (5, "Năm đồng"),
    (7, "Bảy đồng"),
    (8, "Tám đồng"),
    (9, "Chín đồng"),
    (10, "Mười đồng"),
    (11, "Mười một đồng"),
    (14, "Mười bốn đồng"),
    (15, "Mười lăm đồng"),
    (19, "Mười chín đồng"),
    # --- tens >= 2: "mươi", "mốt", "tư", "lăm"
    (20, "Hai mươi đồng"),
    (21, "Hai mươi mốt đồng"),
    (24, "Hai mươi tư đồng"),
    (25, "Hai mươi lăm đồng"),
    (31, "Ba mươi mốt đồng"),
    (44, "Bốn mươi tư đồng"),
    (55, "Năm mươi lăm đồng"),
    (71, "Bảy mươi mốt đồng"),
    (99, "Chín mươi chín đồng"),
    # --- hundreds and "linh" (where 1/4/5 keep their plain names)
    (100, "Một trăm đồng"),
    (101, "Một trăm linh một đồng"),
    (104, "Một trăm linh bốn đồng"),
    (105, "Một trăm linh năm đồng"),
    (109, "Một trăm linh chín đồng"),
    (110, "Một trăm mười đồng"),
    (111, "Một trăm mười một đồng"),
    (115, "Một trăm mười lăm đồng"),
    (120, "Một trăm hai mươi đồng"),
    (121, "Một trăm hai mươi mốt đồng"),
    (205, "Hai trăm linh năm đồng"),
    (451, "Bốn trăm năm mươi mốt đồng"),
    (500, "Năm trăm đồng"),
    (555, "Năm trăm năm mươi lăm đồng"),
    (999, "Chín trăm chín mươi chín đồng"),
    # --- nghìn; "không trăm" in the units group after it
    (1_000, "Một nghìn đồng"),
    (1_001, "Một nghìn không trăm linh một đồng"),
    (1_005, "Một nghìn không trăm linh năm đồng"),
    (1_010, "Một nghìn không trăm mười đồng"),
    (1_015, "Một nghìn không trăm mười lăm đồng"),
    (1_021, "Một nghìn không trăm hai mươi mốt đồng"),
    (1_100, "Một nghìn một trăm đồng"),
    (1_234, "Một nghìn hai trăm ba mươi tư đồng"),
    (2_024, "Hai nghìn không trăm hai mươi tư đồng"),
    (6_000, "Sáu nghìn đồng"),
    (10_000, "Mười nghìn đồng"),
    (11_000, "Mười một nghìn đồng"),
    (14_000, "Mười bốn nghìn đồng"),
    (15_000, "Mười lăm nghìn đồng"),
    (21_000, "Hai mươi mốt nghìn đồng"),
    (24_000, "Hai mươi tư nghìn đồng"),
    (25_500, "Hai mươi lăm nghìn năm trăm đồng"),
    (50_000, "Năm mươi nghìn đồng"),
    (100_000, "Một trăm nghìn đồng"),
    (101_000, "Một trăm linh một nghìn đồng"),
    (104_000, "Một trăm linh bốn nghìn đồng"),
    (105_000, "Một trăm linh năm nghìn đồng"),
    (200_050, "Hai trăm nghìn không trăm năm mươi đồng"),
    (700_000, "Bảy trăm nghìn đồng"),
    (
        999_999,
        "Chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng",
    ),
    # --- triệu; "không trăm" in the nghìn and units groups; zero groups skipped
    (1_000_000, "Một triệu đồng"),
    (1_000_001, "Một triệu không trăm linh một đồng"),
    (1_000_100, "Một triệu một trăm đồng"),
    (1_000_500, "Một triệu năm trăm đồng"),
    (1_001_000, "Một triệu không trăm linh một nghìn đồng"),
    (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
    (1_050_000, "Một triệu không trăm năm mươi nghìn đồng"),
    (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
    (1_500_000, "Một triệu năm trăm nghìn đồng"),
    (
        1_011_011,
        "Một triệu không trăm mười một nghìn không trăm mười một đồng",
    ),
    (2_340_000, "Hai triệu ba trăm bốn mươi nghìn đồng"),
    (3_000_020, "Ba triệu không trăm hai mươi đồng"),
    (10_000_000, "Mười triệu đồng"),
    (
        15_015_015,
        "Mười lăm triệu không trăm mười lăm nghìn không trăm mười lăm đồng",
    ),
    (21_000_000, "Hai mươi mốt triệu đồng"),
    (90_000_000, "Chín mươi triệu đồng"),
    (105_000_000, "Một trăm linh năm triệu đồng"),
    (420_000_000, "Bốn trăm hai mươi triệu đồng"),
    (
        999_999_999,
        "Chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn "
        "chín trăm chín mươi chín đồng",
    ),
    # --- tỷ boundaries; "không trăm" in the triệu group too
    (1_000_000_000, "Một tỷ đồng"),
    (1_000_000_001, "Một tỷ không trăm linh một đồng"),
    (1_000_001_000, "Một tỷ không trăm linh một nghìn đồng"),
    (1_001_000_000, "Một tỷ không trăm linh một triệu đồng"),
    (1_050_000_000, "Một tỷ không trăm năm mươi triệu đồng"),
    (1_200_000_000, "Một tỷ hai trăm triệu đồng"),
    (2_500_000_000, "Hai tỷ năm trăm triệu đồng"),
    (10_000_000_000, "Mười tỷ đồng"),
    (21_000_000_000, "Hai mươi mốt tỷ đồng"),
    (100_000_000_000, "Một trăm tỷ đồng"),
    (105_000_000_000, "Một trăm linh năm tỷ đồng"),
    (
        999_999_999_999,
        "Chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu "
        "chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng",
    ),
    # --- MAX_AMOUNT
    (1_000_000_000_000, "Một nghìn tỷ đồng"),
]

# Above MAX_AMOUNT the speller still works (up to 10**15 - 1): the count of tỷ is
# spelled recursively, with its own "không trăm".
WORDS_LARGE = [
    (1_000_000_000_005, "Một nghìn tỷ không trăm linh năm đồng"),
    (1_000_000_000_500, "Một nghìn tỷ năm trăm đồng"),
    (1_000_050_000_000, "Một nghìn tỷ không trăm năm mươi triệu đồng"),
    (1_050_000_000_000, "Một nghìn không trăm năm mươi tỷ đồng"),
    (1_250_000_000_000, "Một nghìn hai trăm năm mươi tỷ đồng"),
    (5_000_000_000_000, "Năm nghìn tỷ đồng"),
    (
        12_345_678_901_234,
        "Mười hai nghìn ba trăm bốn mươi lăm tỷ sáu trăm bảy mươi tám triệu "
        "chín trăm linh một nghìn hai trăm ba mươi tư đồng",
    ),
    (100_000_000_000_000, "Một trăm nghìn tỷ đồng"),
    (
        10**15 - 1,
        "Chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ "
        "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn "
        "chín trăm chín mươi chín đồng",
    ),
]


@pytest.mark.parametrize(("amount", "expected"), WORDS)
def test_amount_in_words(amount, expected):
    assert amount_in_words(amount) == expected


@pytest.mark.parametrize(("amount", "expected"), WORDS_LARGE)
def test_amount_in_words_above_max_amount(amount, expected):
    assert amount_in_words(amount) == expected


def test_words_table_is_large_and_distinct():
    # The domain guide asks for a table of at least 60 amounts; keep it honest.
    amounts = [a for a, _ in WORDS + WORDS_LARGE]
    assert len(amounts) >= 70
    assert len(set(amounts)) == len(amounts)


def test_words_output_is_nfc_and_well_formed():
    for amount in [*range(0, 2_000), *range(0, MAX_AMOUNT + 1, 7_919_000_017)]:
        text = amount_in_words(amount)
        assert text == unicodedata.normalize("NFC", text)
        assert text[0].isupper()
        assert text[1:] == text[1:].lower()
        assert text.endswith(" đồng")
        assert "  " not in text


def test_leading_group_reads_the_same_at_every_scale():
    # So "n nghìn", "n triệu", "n tỷ" all reuse the words for n.
    for n in range(1, 1000):
        stem = amount_in_words(n).removesuffix(" đồng")
        assert amount_in_words(n * 10**3) == f"{stem} nghìn đồng"
        assert amount_in_words(n * 10**6) == f"{stem} triệu đồng"
        assert amount_in_words(n * 10**9) == f"{stem} tỷ đồng"


def test_non_leading_group_always_says_hundreds():
    for n in range(1, 100):
        assert amount_in_words(1_000_000 + n).startswith("Một triệu không trăm ")


# ---------------------------------------------------------------------------
# amount_in_words: styles and "chẵn"
# ---------------------------------------------------------------------------

REGIONAL = [
    (0, "Không đồng"),
    (105, "Một trăm lẻ năm đồng"),
    (1_001, "Một ngàn không trăm lẻ một đồng"),
    (1_250_000, "Một triệu hai trăm năm mươi ngàn đồng"),
    (1_005_000, "Một triệu không trăm lẻ năm ngàn đồng"),
    (2_500_000_000, "Hai tỉ năm trăm triệu đồng"),
    (1_000_000_000_000, "Một ngàn tỉ đồng"),
]


@pytest.mark.parametrize(("amount", "expected"), REGIONAL)
def test_regional_style(amount, expected):
    assert amount_in_words(amount, style="regional") == expected


@pytest.mark.parametrize(("amount", "expected"), WORDS[:20])
def test_standard_style_is_default(amount, expected):
    assert amount_in_words(amount, style="standard") == expected


def test_word_styles():
    assert WORD_STYLES == ("standard", "regional")
    for style in WORD_STYLES:
        assert amount_in_words(21, style=style) == "Hai mươi mốt đồng"


CHAN = [
    # "chẵn" only for non-zero multiples of 1.000
    (1_000_000, "standard", "Một triệu đồng chẵn"),
    (1_250_000, "standard", "Một triệu hai trăm năm mươi nghìn đồng chẵn"),
    (1_000, "standard", "Một nghìn đồng chẵn"),
    (2_000_000_000, "regional", "Hai tỉ đồng chẵn"),
    (1_250_500, "standard", "Một triệu hai trăm năm mươi nghìn năm trăm đồng"),
    (500, "standard", "Năm trăm đồng"),
    (0, "standard", "Không đồng"),
]


@pytest.mark.parametrize(("amount", "style", "expected"), CHAN)
def test_chan(amount, style, expected):
    assert amount_in_words(amount, style=style, chan=True) == expected


def test_chan_is_off_by_default():
    assert amount_in_words(1_000_000) == "Một triệu đồng"


@pytest.mark.parametrize("amount", [-1, -1_000_000, 10**15, 10**18])
def test_words_rejects_out_of_range(amount):
    with pytest.raises(ValueError, match=r"negative|too large"):
        amount_in_words(amount)


@pytest.mark.parametrize("amount", [True, False, 1.0, 1_000.5, "1000", None, Decimal("1000")])
def test_words_rejects_non_int(amount):
    with pytest.raises(TypeError):
        amount_in_words(amount)


def test_words_rejects_unknown_style():
    with pytest.raises(ValueError, match="Unknown style"):
        amount_in_words(1_000, style="northern")


def test_words_style_and_chan_are_keyword_only():
    with pytest.raises(TypeError):
        amount_in_words(1_000, "regional")


# ---------------------------------------------------------------------------
# parse_amount / validate_amount
# ---------------------------------------------------------------------------

PARSE_GOOD = [
    ("1.250.000", 1_250_000),
    ("1250000", 1_250_000),
    ("1 250 000", 1_250_000),
    ("1.250.000 đ", 1_250_000),
    ("1.250.000đ", 1_250_000),
    ("1,250,000", 1_250_000),
    ("  500000 ", 500_000),
    ("1.250.000 đồng", 1_250_000),
    ("1.250.000 VNĐ", 1_250_000),
    ("1.250.000 vnd", 1_250_000),
    ("1.250.000 ₫", 1_250_000),
    ("1\u00a0250\u00a0000", 1_250_000),  # non-breaking spaces from spreadsheets
    (unicodedata.normalize("NFD", "1.000 đồng"), 1_000),
    ("1.250", 1_250),  # Vietnamese grouping: a thousand, not a decimal
    ("999", 999),
    ("0", 0),
    ("1.000.000.000.000", MAX_AMOUNT),
    ("5000000000000", 5_000_000_000_000),  # range is the caller's job
    (1_250_000, 1_250_000),
    (0, 0),
]

PARSE_BAD = [
    "",
    "   ",
    "đ",
    "abc",
    "12a",
    "12,5",
    "1.5",
    "1.25",
    "1.2500",
    "1.250,000",  # mixed separators
    "1..250",
    ".250",
    "1.",
    "1 2",
    "1.250.000,00",
    "0.500",
    "-500",
    "-1.000 đ",
    "+500",
    "1e6",
    "\uff11\uff12\uff13",  # full-width digits: int() would accept them
    -1,
    True,
    False,
    1.0,
    1_250_000.0,
    None,
    Decimal("5"),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_GOOD)
def test_parse_amount(text, expected):
    result = parse_amount(text)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize("text", PARSE_BAD)
def test_parse_amount_rejects(text):
    with pytest.raises(ValueError, match=r"(?i)amount"):
        parse_amount(text)


@pytest.mark.parametrize("n", [1, 999, 1_000, 1_250_000, MAX_AMOUNT])
def test_parse_round_trips_format(n):
    assert parse_amount(format_money(n)) == n
    assert parse_amount(format_number(n)) == n


@pytest.mark.parametrize("n", [1, 1_250_000, MAX_AMOUNT])
def test_validate_amount_accepts(n):
    assert validate_amount(n) == n


@pytest.mark.parametrize("n", [0, -1, MAX_AMOUNT + 1])
def test_validate_amount_rejects_range(n):
    with pytest.raises(ValueError, match="between 1 đ and"):
        validate_amount(n)


@pytest.mark.parametrize("n", [True, 1.0, "1000", None])
def test_validate_amount_rejects_non_int(n):
    with pytest.raises(TypeError):
        validate_amount(n)


# ---------------------------------------------------------------------------
# format_money / format_number
# ---------------------------------------------------------------------------

FORMAT = [
    (0, "0 đ"),
    (1, "1 đ"),
    (999, "999 đ"),
    (1_000, "1.000 đ"),
    (12_345, "12.345 đ"),
    (1_250_000, "1.250.000 đ"),
    (-5, "-5 đ"),
    (-1_250_000, "-1.250.000 đ"),
    (MAX_AMOUNT, "1.000.000.000.000 đ"),
]


@pytest.mark.parametrize(("n", "expected"), FORMAT)
def test_format_money(n, expected):
    assert format_money(n) == expected
    assert format_number(n) == expected.removesuffix(" đ")


def test_format_money_unit():
    assert format_money(1_250_000, unit="đồng") == "1.250.000 đồng"
    assert format_money(1_250_000, unit="") == "1.250.000"


@pytest.mark.parametrize("n", [True, 1.0, 1_250_000.0, "1000", None, Decimal("1")])
def test_format_rejects_non_int(n):
    with pytest.raises(TypeError):
        format_money(n)
    with pytest.raises(TypeError):
        format_number(n)


def test_number_cells_format_each_value_in_its_own_cell():
    from assoc.filters import number_cells

    html = number_cells({"a": 1250000, "b": -5000, "c": 0}, ["c", "a", "b"])
    assert html == ('<td class="text-end text-nowrap">0</td>'
                    '<td class="text-end text-nowrap">1.250.000</td>'
                    '<td class="text-end text-nowrap">-5.000</td>')
    with pytest.raises(TypeError):  # money is integer đồng, as the number filter insists
        number_cells({"a": 1.5}, ["a"])
