"""VietQR: the NAPAS 247 / EMVCo merchant-presented payload a banking app scans to fill the
bank, the account, the amount and the transfer text — and its drawing.

    payload(bin_="970436", account="0071000123456", amount=100_000, text="HV000123 2026")

Tags: 00 payload format "01"; 01 initiation "12" (dynamic: with an amount) or "11" (static);
38 merchant account {00 GUID "A000000727", 01 {00 BIN, 01 account}, 02 service "QRIBFTTA"};
53 currency "704"; 54 amount (when known); 58 country "VN"; 62 {08 purpose: the transfer
code}; 63 CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of everything before it, "6304"
included, as four upper-case hex digits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

GUID = "A000000727"
SERVICE_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"tag {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def payload(*, bin_: str, account: str, amount: int | None = None, text: str = "") -> str:
    if not re.fullmatch(r"\d{6}", bin_ or ""):
        raise ValueError("a BIN has six digits")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account or ""):
        raise ValueError("an account number has 1 to 19 letters or digits")
    if amount is not None and (not isinstance(amount, int) or amount <= 0):
        raise ValueError("the amount is a whole number of đồng above 0")
    text = (text or "")[:25]
    merchant = tlv("00", GUID) + tlv("01", tlv("00", bin_) + tlv("01", account)) \
        + tlv("02", SERVICE_ACCOUNT)
    body = tlv("00", "01") + tlv("01", "12" if amount else "11") + tlv("38", merchant) \
        + tlv("53", CURRENCY_VND)
    if amount:
        body += tlv("54", str(amount))
    body += tlv("58", COUNTRY)
    if text:
        body += tlv("62", tlv("08", text))
    body += "6304"
    return body + f"{crc16_ccitt_false(body.encode('utf-8')):04X}"


def parse(data: str) -> dict[str, str]:
    """The top-level tags of a payload, with 38 and 62 opened ("38.01.00" …)."""

    def split(s: str) -> list[tuple[str, str]]:
        out, i = [], 0
        while i < len(s):
            tag, n = s[i:i + 2], int(s[i + 2:i + 4])
            out.append((tag, s[i + 4:i + 4 + n]))
            i += 4 + n
        return out

    fields: dict[str, str] = {}
    for tag, value in split(data):
        fields[tag] = value
        if tag in ("38", "62"):
            for sub, v in split(value):
                fields[f"{tag}.{sub}"] = v
                if tag == "38" and sub == "01":
                    for sub2, v2 in split(v):
                        fields[f"38.01.{sub2}"] = v2
    return fields


def crc_valid(data: str) -> bool:
    return len(data) > 8 and data[-8:-4] == "6304" and \
        f"{crc16_ccitt_false(data[:-4].encode('utf-8')):04X}" == data[-4:]


@dataclass
class TransferQR:
    """What a page or a paper shows beside the code: the payload and the words under it."""

    payload: str
    bank: str
    account_number: str
    account_name: str
    amount: int | None
    code: str

    def svg(self, size: int = 180) -> Markup:
        label = f"VietQR {self.bank} {self.account_number} {self.code}".strip()
        return svg(self.payload, size, label=label)


def svg(data: str, size: int = 180, *, label: str = "QR") -> Markup:
    """The QR code of `data` as inline SVG (the modules of the app's one QR encoder, with the
    four-module quiet zone), `size` pixels wide; `label` names it for screen readers."""
    from markupsafe import escape

    from ...pdf import qr_modules

    modules = qr_modules(data)
    n = len(modules) + 8
    rects = []
    for r, row in enumerate(modules):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                rects.append(f"M{start + 4} {r + 4}h{c - start}v1h-{c - start}z")
            else:
                c += 1
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{size}" '
        f'height="{size}" role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(rects)}"/></svg>')


def png(data: str, scale: int = 6) -> bytes:
    """The QR code of `data` as a PNG (for tests and downloads)."""
    import io

    from PIL import Image

    from ...pdf import qr_modules

    modules = qr_modules(data)
    n = len(modules) + 8
    img = Image.new("L", (n, n), 255)
    px = img.load()
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                px[c + 4, r + 4] = 0
    img = img.resize((n * scale, n * scale), Image.NEAREST)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
