"""The banks of the NAPAS 247 network a unit may keep its account at: short name, full
Vietnamese name and BIN (the 6-digit acquirer id VietQR carries in tag 38/01/00).

BINs as NAPAS publishes them for VietQR (checked against several published lists, e.g. the
bank tables of VietQR libraries: Vietcombank 970436, VietinBank 970415, BIDV 970418,
Agribank 970405, Techcombank 970407, MB 970422, ACB 970416, VPBank 970432, Sacombank 970403,
TPBank 970423). Data, not code: a new bank is one line."""

from __future__ import annotations

# (BIN, short name, full name)
BANKS: tuple[tuple[str, str, str], ...] = (
    ("970436", "Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam"),
    ("970415", "VietinBank", "Ngân hàng TMCP Công Thương Việt Nam"),
    ("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam"),
    ("970405", "Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"),
    ("970407", "Techcombank", "Ngân hàng TMCP Kỹ Thương Việt Nam"),
    ("970422", "MB", "Ngân hàng TMCP Quân Đội"),
    ("970416", "ACB", "Ngân hàng TMCP Á Châu"),
    ("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng"),
    ("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín"),
    ("970423", "TPBank", "Ngân hàng TMCP Tiên Phong"),
    ("970437", "HDBank", "Ngân hàng TMCP Phát triển TP. Hồ Chí Minh"),
    ("970441", "VIB", "Ngân hàng TMCP Quốc tế Việt Nam"),
    ("970443", "SHB", "Ngân hàng TMCP Sài Gòn – Hà Nội"),
    ("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam"),
    ("970448", "OCB", "Ngân hàng TMCP Phương Đông"),
    ("970440", "SeABank", "Ngân hàng TMCP Đông Nam Á"),
    ("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam"),
    ("970431", "Eximbank", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam"),
    ("970428", "Nam A Bank", "Ngân hàng TMCP Nam Á"),
    ("970412", "PVcomBank", "Ngân hàng TMCP Đại Chúng Việt Nam"),
    ("970409", "Bac A Bank", "Ngân hàng TMCP Bắc Á"),
    ("970454", "Viet Capital Bank", "Ngân hàng TMCP Bản Việt"),
    ("970452", "KienlongBank", "Ngân hàng TMCP Kiên Long"),
    ("970425", "ABBANK", "Ngân hàng TMCP An Bình"),
    ("970419", "NCB", "Ngân hàng TMCP Quốc Dân"),
    ("970438", "BAOVIET Bank", "Ngân hàng TMCP Bảo Việt"),
    ("970446", "Co-opBank", "Ngân hàng Hợp tác xã Việt Nam"),
)

BY_BIN: dict[str, tuple[str, str, str]] = {b[0]: b for b in BANKS}


def short_name(bin_: str) -> str:
    return BY_BIN[bin_][1] if bin_ in BY_BIN else bin_


def full_name(bin_: str) -> str:
    return BY_BIN[bin_][2] if bin_ in BY_BIN else bin_


def choices() -> list[tuple[str, str]]:
    return [(b, f"{short} — {full}") for b, short, full in BANKS]
