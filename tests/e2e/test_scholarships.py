"""The scholarship chain in a browser: a ward chair nominates → the district approver approves →
the district treasurer pays (the fund balance drops) → the recipient list PDF downloads."""

from playwright.sync_api import expect

PROGRAM = "Học bổng Nguyễn Hữu Thọ 2026"
STUDENT = "Võ Thị Thanh Trúc"


def open_program(page):
    page.get_by_test_id("nav-scholarships").click()
    page.get_by_test_id("programs").get_by_role("link", name=PROGRAM).click()
    expect(page.get_by_test_id("program-name")).to_have_text(PROGRAM)


def test_nominate_approve_pay_and_download_the_recipient_list(page, base_url, login_as):
    # the ward chair of Phường Khánh Hội nominates a student and submits the nomination
    login_as("chutich.khanhhoi")
    open_program(page)
    page.get_by_test_id("nominate").click()
    page.get_by_label("Họ và tên học sinh").fill(STUDENT)
    page.get_by_label("Ngày sinh").fill("2012-04-15")
    page.get_by_label("Giới tính").select_option("F")
    page.get_by_label("Trường", exact=True).fill("Trường THCS Khánh Hội A")
    page.get_by_label("Lớp").fill("8")
    page.get_by_label("Kết quả học tập").fill("Học sinh giỏi, điểm TB 8,9")
    page.get_by_label("Hộ nghèo").check()
    page.get_by_label("Học sinh nữ").check()
    page.get_by_label("Cha mẹ hoặc người giám hộ").fill("Võ Văn Hùng")
    page.get_by_label("Điện thoại người giám hộ").fill("0908 765 432")
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_test_id("student-name")).to_have_text(STUDENT)
    expect(page.get_by_test_id("status")).to_have_text("Nháp")
    page.get_by_test_id("submit-nomination").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã gửi hồ sơ đề cử")
    row = page.get_by_test_id("nomination-row").filter(has_text=STUDENT)
    expect(row.get_by_test_id("status")).to_have_text("Đã gửi")
    # the chair's own nominations cannot be ticked for approval
    expect(row.locator("input[type=checkbox]")).to_have_count(0)

    # the district approver of Quận 4 approves it
    page.context.clear_cookies()
    login_as("duyet.quan4")
    open_program(page)
    row = page.get_by_test_id("nomination-row").filter(has_text=STUDENT)
    row.get_by_role("checkbox").check()
    page.get_by_test_id("approve-selected").click()
    expect(page.locator(".alert-success")).to_contain_text("1 hồ sơ đã được duyệt")
    row = page.get_by_test_id("nomination-row").filter(has_text=STUDENT)
    expect(row.get_by_test_id("status")).to_have_text("Đã duyệt")

    # the district treasurer pays it with its own payment voucher; the fund balance drops
    page.context.clear_cookies()
    login_as("thuquy.quan4")
    open_program(page)
    balance_before = page.get_by_test_id("fund-balance").inner_text()
    row = page.get_by_test_id("nomination-row").filter(has_text=STUDENT)
    row.get_by_role("checkbox").check()
    page.get_by_label("Cách chi").select_option("each")
    # the sponsor's money is in the bank: paid by transfer (cash on hand would go below zero)
    page.get_by_label("Hình thức").select_option("transfer")
    page.get_by_test_id("pay-selected").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã chi 1 suất học bổng: PC-")
    row = page.get_by_test_id("nomination-row").filter(has_text=STUDENT)
    expect(row.get_by_test_id("status")).to_have_text("Đã chi")
    expect(row.get_by_test_id("voucher-number")).to_contain_text("PC-")
    balance_after = page.get_by_test_id("fund-balance").inner_text()
    to_int = lambda text: int(text.replace(".", "").replace("đ", "").strip())  # noqa: E731
    assert to_int(balance_before) - to_int(balance_after) == 2_000_000

    # the recipient list PDF downloads
    with page.expect_download() as info:
        page.get_by_test_id("recipients-pdf").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as f:
        assert f.read(4) == b"%PDF"


def test_rejection_needs_a_reason(page, base_url, login_as):
    login_as("duyet.quan4")
    open_program(page)
    page.get_by_test_id("nominations").get_by_role("link", name="Lê Hoàng Phúc").click()
    page.get_by_test_id("reject").click()
    expect(page.get_by_test_id("reason-error")).to_contain_text("Nhập lý do không duyệt")
    page.get_by_label("Lý do (bắt buộc khi không duyệt)").fill("Đã nhận học bổng của trường")
    page.get_by_test_id("reject").click()
    row = page.get_by_test_id("nomination-row").filter(has_text="Lê Hoàng Phúc")
    expect(row.get_by_test_id("status")).to_have_text("Không duyệt")
