"""The periodic report's Word export in the official shape, checked the way a reader sees it:
the .docx converted to PDF by LibreOffice (`soffice --headless --convert-to pdf`) — A4, not
more pages than the PDF export, the motto on one line, the table header repeated on each page,
no row split, numbers right-aligned, "Nơi nhận" as typed. The XML checks run everywhere; the
conversion runs where LibreOffice is installed (CI installs it: .ci/run, make system-deps)."""

import io
import shutil
import subprocess
import zipfile
from datetime import date

import pdfplumber
import pytest

from assoc.pdf import periodic as out
from assoc.pdf.periodic_docx import report_docx

A4 = (595.3, 841.9)


def big_document() -> out.ReportDocument:
    """A report as long as a ward's year-end one: two figure tables of 15 rows (long labels,
    corrections with reasons), long texts, missing units, a compiled table of 6 units."""
    lines = [out.FigureLine(f"Chỉ tiêu số {i}: số hội viên khuyến học được khen thưởng trong kỳ",
                            i * 12345, i * 12345, i % 5 == 0,
                            "Điều chỉnh theo biên bản kiểm tra" if i % 5 == 0 else "", i % 3 == 0)
             for i in range(1, 31)]
    return out.ReportDocument(
        superior="Hội Khuyến học thành phố Hồ Chí Minh", unit="Hội Khuyến học phường Bến Thành",
        number="15/BC-KH", place="TP. Hồ Chí Minh", on=date(2026, 12, 1),
        title="Báo cáo tổng kết năm 2026", period="Kỳ từ 01/01/2026 đến 31/12/2026",
        status="Nháp", tables=[("Hội viên và tổ chức", lines[:15]), ("Quỹ khuyến học", lines[15:])],
        texts=[("Kết quả đạt được", "Đoạn văn dài. " * 120), ("Phương hướng", "Tiếp tục. " * 60)],
        missing=["Chi hội khu phố 1", "Chi hội khu phố 2"],
        recipients=["Hội Khuyến học TP;", "UBND phường Bến Thành", "- Lưu: VT."],
        signer="Nguyễn Văn An",
        compiled=([f"Chi hội khu phố số {i}" for i in range(1, 7)],
                  [(f"Chỉ tiêu {j}", [j * 1000 + i if i != 3 else None for i in range(6)])
                   for j in range(25)]))


def document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode()


def test_recipient_lines_as_typed():
    doc = big_document()
    assert doc.recipient_lines == ["- Hội Khuyến học TP;", "- UBND phường Bến Thành;",
                                   "- Lưu: VT."]


def test_docx_xml_shape(app):
    with app.test_request_context():
        xml = document_xml(report_docx(big_document()))
    assert 'w:w="11906"' in xml and 'w:h="16838"' in xml  # A4 in twentieths of a point
    assert 'w:left="1701"' in xml and 'w:right="850"' in xml  # 30 mm / 15 mm
    assert "<w:tblHeader/>" in xml and "<w:cantSplit/>" in xml
    assert '<w:tblLayout w:type="fixed"/>' in xml
    assert ";;" not in xml


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_docx_as_libreoffice_prints_it(app, tmp_path):
    with app.test_request_context():
        doc = big_document()
        (tmp_path / "report.pdf").write_bytes(out.report_pdf(doc))
        (tmp_path / "report.docx").write_bytes(report_docx(doc))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "conv"),
                    str(tmp_path / "report.docx")], check=True, capture_output=True, timeout=180)
    with pdfplumber.open(tmp_path / "report.pdf") as ours:
        pdf_pages = len(ours.pages)
    with pdfplumber.open(tmp_path / "conv" / "report.pdf") as word:
        pages = word.pages
        assert len(pages) <= pdf_pages
        for page in pages:
            assert (round(page.width, 1), round(page.height, 1)) == pytest.approx(A4, abs=0.5)
        texts = [page.extract_text() for page in pages]
        lines = [line for text in texts for line in text.splitlines()]
        assert any(out.MOTTO in line for line in lines)  # one line, not wrapped
        assert ";;" not in "".join(texts)
        assert "- UBND phường Bến Thành;" in lines and "- Lưu: VT." in lines
        # The first table runs over onto page 2: its header row is repeated there.
        assert texts[1].lstrip().startswith("STT Chỉ tiêu Số báo cáo Ghi chú")
        # Numbers right-aligned: "12.345" and "123.450" end at the same x in column 3.
        words = pages[0].extract_words()
        right = {w["text"]: w["x1"] for w in words if w["text"] in ("12.345", "123.450")}
        assert len(right) == 2 and abs(right["12.345"] - right["123.450"]) < 1
        # No row split: every "Chỉ tiêu số N:" label's second line is on the same page.
        for text in texts:
            for line in text.splitlines():
                if line.startswith(("1 Chỉ tiêu số", "2 Chỉ tiêu số")):
                    assert "trong kỳ" in text[text.index(line):]
        assert "Nguyễn Văn An" in texts[-1] and "Nơi nhận:" in texts[-1]
