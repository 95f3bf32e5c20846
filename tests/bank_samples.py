"""Bank statements as six Vietnamese banks export them, for the statement reader's tests.

    python -m tests.bank_samples      # (re)writes tests/data/bank_*.{xlsx,xls,csv}

Each layout is the bank's own: title rows, its header names (bilingual, two dates, one signed
amount column…), its date and number formats, its footer. The same transactions go into every
file (`TRANSACTIONS`): dues transfers in bank noise for members HV000001…HV000006, two credits
without a code, a fee. The .xls files are the .xlsx converted by LibreOffice (kept in git)."""

from __future__ import annotations

import csv
import io
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

DATA = Path(__file__).resolve().parent / "data"
ACCOUNT = "0071000123456"
OPENING = 2_000_000

# (day, reference, amount: + credit, - debit, description as the bank prints it)
TRANSACTIONS = [
    (date(2026, 11, 2), "FT26306001", 100_000,
     "MBVCB.8123456.HV000001 2026.CT tu 0011001234567 NGUYEN VAN AN toi 0071000123456"),
    (date(2026, 11, 3), "FT26307002", 100_000, "hv 000002-2026 tran thi binh nop hoi phi"),
    (date(2026, 11, 5), "FT26309003", 100_000, "IBFT HV000003.2026 LE VAN CUONG"),
    (date(2026, 11, 9), "FT26313004", 100_000, "NOP HOI PHI NAM 2026 HV000004"),
    (date(2026, 11, 12), "FT26316005", 100_000,
     "REM Tfr Ac: 1903456789012 HV000005 2026 PHAM THI DUNG"),
    (date(2026, 11, 16), "FT26320006", 100_000, "Chuyển tiền HV-000006 năm 2026 Hoàng Văn Em"),
    (date(2026, 11, 18), "FT26322007", 500_000, "NGUYEN THI GIANG chuyen tien ung ho"),
    (date(2026, 11, 20), "FT26324008", 250_000, "TRAN VAN HUNG CK"),
    (date(2026, 11, 30), "FEE2611", -11_000, "Phi quan ly tai khoan thang 11/2026"),
]


def balances(transactions=None) -> list[int]:
    out, running = [], OPENING
    for _d, _r, amount, _t in transactions or TRANSACTIONS:
        running += amount
        out.append(running)
    return out


def shifted(numbers: list[int], year: int, first_day: date) -> list[tuple]:
    """TRANSACTIONS for members numbered `numbers` (six), dues of `year`, dated from
    `first_day` on (the same gaps between days)."""
    start = TRANSACTIONS[0][0]
    out = []
    for k, (d, ref, amount, text) in enumerate(TRANSACTIONS):
        if k < len(numbers):  # the k-th line pays for member k + 1 of the sample
            text = text.replace(f"{k + 1:06d}", f"{numbers[k]:06d}")
        text = text.replace("2026", str(year))
        out.append((first_day + (d - start), ref, amount, text))
    return out


def _money_text(amount: int, sep: str = ",") -> str:
    return f"{amount:,}".replace(",", sep) if amount else ""


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def vietcombank(transactions=None) -> bytes:
    tx = transactions or TRANSACTIONS
    balance_list = balances(tx)
    wb = Workbook()
    ws = wb.active
    ws.append(["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"])
    ws.append(["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"])
    ws.append([f"Số tài khoản/Account number: {ACCOUNT}"])
    ws.append(["Tên tài khoản/Account name: HOI KHUYEN HOC PHUONG A"])
    ws.append(["Từ ngày/From: 01/11/2026  Đến ngày/To: 30/11/2026"])
    ws.append([f"Số dư đầu kỳ/Opening balance: {OPENING:,}"])
    ws.append([])
    ws.append(["STT\nNo.", "Ngày giao dịch\nTransaction Date", "Số tham chiếu\nReference No.",
               "Số tiền ghi nợ\nDebit", "Số tiền ghi có\nCredit", "Số dư\nBalance",
               "Mô tả\nDescription"])
    for i, ((d, ref, amount, text), bal) in enumerate(zip(tx, balance_list, strict=True), 1):
        ws.append([i, d.strftime("%d/%m/%Y"), ref, _money_text(-amount) if amount < 0 else "",
                   _money_text(amount) if amount > 0 else "", _money_text(bal), text])
    ws.append(["", "Tổng cộng/Total", "", _money_text(-sum(t[2] for t in tx if t[2] < 0)),
               _money_text(sum(t[2] for t in tx if t[2] > 0)), "", ""])
    ws.append(["", f"Số dư cuối kỳ/Closing balance: {balance_list[-1]:,}"])
    return _save(wb)


def vietinbank(transactions=None) -> bytes:
    tx = transactions or TRANSACTIONS
    balance_list = balances(tx)
    wb = Workbook()
    ws = wb.active
    ws.append(["NGÂN HÀNG TMCP CÔNG THƯƠNG VIỆT NAM - VIETINBANK"])
    ws.append(["LỊCH SỬ GIAO DỊCH"])
    ws.append(["Số tài khoản:", ACCOUNT, "", "Loại tiền:", "VND"])
    ws.append(["Số dư đầu kỳ:", OPENING])
    ws.append([])
    ws.append(["STT", "Ngày giao dịch", "Mô tả giao dịch", "Nợ", "Có", "Số dư", "Số giao dịch"])
    for i, ((d, ref, amount, text), bal) in enumerate(zip(tx, balance_list, strict=True), 1):
        ws.append([i, datetime(d.year, d.month, d.day, 9, 15, 22).strftime("%d/%m/%Y %H:%M:%S"),
                   text, -amount if amount < 0 else None, amount if amount > 0 else None, bal,
                   ref])
    ws.append(["Số dư cuối kỳ:", balance_list[-1]])
    return _save(wb)


def bidv(transactions=None) -> bytes:
    tx = transactions or TRANSACTIONS
    balance_list = balances(tx)
    wb = Workbook()
    ws = wb.active
    ws.append(["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM"])
    ws.append(["", "", "SAO KÊ TÀI KHOẢN"])
    ws.append([f"Tài khoản số: {ACCOUNT} - HOI KHUYEN HOC PHUONG A"])
    ws.append(["Kỳ sao kê: 01/11/2026 - 30/11/2026"])
    ws.append([])
    ws.append(["Ngày hiệu lực", "Ngày giao dịch", "Số bút toán", "Phát sinh nợ",
               "Phát sinh có", "Số dư", "Diễn giải"])
    ws.append(["", "", "", "", "", OPENING, "Số dư đầu kỳ"])
    for (d, ref, amount, text), bal in zip(tx, balance_list, strict=True):
        ws.append([d, d, ref, -amount if amount < 0 else 0, amount if amount > 0 else 0, bal,
                   text])
        ws.cell(ws.max_row, 1).number_format = "DD/MM/YYYY"
        ws.cell(ws.max_row, 2).number_format = "DD/MM/YYYY"
    ws.append(["Cộng phát sinh", "", "", -sum(t[2] for t in tx if t[2] < 0),
               sum(t[2] for t in tx if t[2] > 0), "", ""])
    return _save(wb)


def agribank(transactions=None) -> bytes:
    tx = transactions or TRANSACTIONS
    balance_list = balances(tx)
    wb = Workbook()
    ws = wb.active
    ws.append(["NGÂN HÀNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN VIỆT NAM"])
    ws.append(["Chi nhánh: Agribank Chi nhánh Hà Nội"])
    ws.append(["SAO KÊ CHI TIẾT TÀI KHOẢN"])
    ws.append(["Số TK:", ACCOUNT])
    ws.append(["Số dư đầu kỳ", f"{OPENING:,}".replace(",", ".")])
    ws.append(["STT", "Ngày GD", "Số CT", "Ghi nợ", "Ghi có", "Số dư", "Nội dung"])
    for i, ((d, ref, amount, text), bal) in enumerate(zip(tx, balance_list, strict=True), 1):
        ws.append([i, d, ref, _money_text(-amount, ".") if amount < 0 else "",
                   _money_text(amount, ".") if amount > 0 else "", _money_text(bal, "."),
                   text.upper()])
        ws.cell(ws.max_row, 2).number_format = "DD/MM/YYYY"
    ws.append(["", "Số dư cuối kỳ", "", "", "", f"{balance_list[-1]:,}".replace(",", ".")])
    ws.append(["", "Kế toán viên", "", "", "Kiểm soát viên"])
    return _save(wb)


def techcombank(transactions=None) -> bytes:
    tx = transactions or TRANSACTIONS
    balance_list = balances(tx)
    wb = Workbook()
    ws = wb.active
    ws.append(["TECHCOMBANK"])
    ws.append(["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"])
    ws.append(["Số tài khoản / Account No.", ACCOUNT])
    ws.append(["Số dư đầu kỳ / Opening balance", OPENING])
    ws.append([])
    ws.append(["Ngày giao dịch / Transaction Date", "Đối tác / Remitter",
               "Ngân hàng đối tác / Remitter Bank", "Diễn giải / Details",
               "Số bút toán / Transaction No.", "Nợ / Debit", "Có / Credit",
               "Số dư / Balance"])
    for (d, ref, amount, text), bal in zip(tx, balance_list, strict=True):
        ws.append([d.strftime("%d/%m/%Y"), "", "", text, ref,
                   -amount if amount < 0 else None, amount if amount > 0 else None, bal])
    ws.append(["Số dư cuối kỳ / Closing balance", "", "", "", "", "", "", balance_list[-1]])
    return _save(wb)


def mb(transactions=None) -> bytes:
    tx = transactions or TRANSACTIONS
    balance_list = balances(tx)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["NGAN HANG TMCP QUAN DOI - MB"])
    writer.writerow(["SAO KE TAI KHOAN", "", f"So tai khoan: {ACCOUNT}"])
    writer.writerow([])
    writer.writerow(["STT", "Ngày giao dịch", "Mã giao dịch", "Số tiền", "Số dư",
                     "Nội dung giao dịch"])
    for i, ((d, ref, amount, text), bal) in enumerate(zip(tx, balance_list, strict=True), 1):
        writer.writerow([i, d.isoformat(), ref, f"{amount:+,}", f"{bal:,}", text])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


LAYOUTS = {
    "bank_vietcombank.xlsx": vietcombank,
    "bank_vietinbank.xlsx": vietinbank,
    "bank_bidv.xls": bidv,
    "bank_agribank.xls": agribank,
    "bank_techcombank.xlsx": techcombank,
    "bank_mb.csv": mb,
}


def write_all() -> None:
    DATA.mkdir(exist_ok=True)
    for name, make in LAYOUTS.items():
        data = make()
        if name.endswith(".xls"):
            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / (name[:-4] + ".xlsx")
                src.write_bytes(data)
                subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile",
                                "--headless", "--convert-to", "xls", "--outdir", tmp, str(src)],
                               check=True, capture_output=True, timeout=180)
                data = (Path(tmp) / name).read_bytes()
        (DATA / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")


if __name__ == "__main__":
    write_all()
