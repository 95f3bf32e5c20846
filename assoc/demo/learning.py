"""Demo step for learning models: one criteria set per model, clearly marked as editable sample
data (the association enters its official items), and a few years of registers: Phường Khánh
Hội recognised three households in the two years before this one (so recognising them again
makes them "tiêu biểu" candidates), Phường Xóm Chiếu and Xã Củ Chi have this year's registers
scored and partly recognised, and the wards record their totals and targets.
Idempotent: nothing is added when the criteria sets exist."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..demo import STEPS
from ..extensions import db
from ..models import LearningCriteriaSet, Unit, User, today
from ..services import learning

SAMPLE_NOTE = ("Dữ liệu mẫu kèm bản trình diễn, có thể sửa: nội dung chính thức do Hội Khuyến "
               "học ban hành (ví dụ Quyết định 448/QĐ-KHVN năm 2015 và các văn bản sau).")

# model -> (name, threshold, bands, items text)
SETS = {
    "family": ("Bộ tiêu chí mẫu Gia đình học tập", 70, "Xuất sắc | 90\nTốt | 80\nĐạt | 70", """
# Học tập của trẻ em
Trẻ em trong độ tuổi đi học đều được đến trường | 15 | Đủ 15 điểm khi mọi trẻ 6–18 tuổi đi học
Kết quả học tập, rèn luyện của trẻ từ trung bình trở lên | 15 | Theo học bạ, nhận xét của nhà trường
# Học tập của người lớn
Người lớn tham gia học tập thường xuyên (lớp học, câu lạc bộ, tự học) | 15
Vận dụng kiến thức đã học vào công việc, sản xuất, đời sống | 15
# Điều kiện học tập của gia đình
Có góc học tập, sách báo, thiết bị học tập | 10
Dành thời gian, kinh phí cho việc học của các thành viên | 10
# Gia đình văn hóa, tham gia khuyến học
Đạt danh hiệu Gia đình văn hóa | 10
Tham gia hoạt động khuyến học, khuyến tài ở địa phương | 10
"""),
    "clan": ("Bộ tiêu chí mẫu Dòng họ học tập", 70, "Xuất sắc | 90\nĐạt | 70", """
# Tổ chức khuyến học của dòng họ
Có ban khuyến học, quỹ khuyến học của dòng họ | 20 | Có quy chế, sổ sách thu chi rõ ràng
Khen thưởng con cháu học giỏi, vượt khó hằng năm | 15
# Phong trào học tập trong dòng họ
Trên 70% hộ trong dòng họ đăng ký Gia đình học tập | 25
Con cháu trong độ tuổi đi học đều được đến trường | 20
# Đoàn kết, chấp hành chính sách
Dòng họ đoàn kết, không có người vi phạm pháp luật | 20
"""),
    "community": ("Bộ tiêu chí mẫu Cộng đồng học tập", 70, "", """
# Phổ cập và học tập suốt đời
Duy trì phổ cập giáo dục, không có trẻ bỏ học | 25
Người dân tham gia học tập ở trung tâm học tập cộng đồng, thư viện, câu lạc bộ | 25
# Phong trào xây dựng mô hình học tập
Trên 70% hộ đăng ký Gia đình học tập | 20
Có dòng họ, đơn vị học tập được công nhận | 10
# Đời sống văn hóa
Đạt danh hiệu Khu phố / Ấp văn hóa | 20
"""),
    "organisation": ("Bộ tiêu chí mẫu Đơn vị học tập", 70, "Xuất sắc | 90\nĐạt | 70", """
# Lãnh đạo, quản lý
Có kế hoạch học tập, bồi dưỡng cán bộ, người lao động hằng năm | 20
Tạo điều kiện thời gian, kinh phí cho người lao động học tập | 20
# Kết quả học tập
Trên 80% cán bộ, người lao động tham gia học tập, bồi dưỡng | 30
Ứng dụng công nghệ thông tin, chuyển đổi số trong công việc | 15
# Khuyến học
Có ban khuyến học, tham gia phong trào khuyến học địa phương | 15
"""),
    "citizen": ("Bộ tiêu chí mẫu Công dân học tập", 70, "", """
# Năng lực học tập
Tự học, học tập thường xuyên để nâng cao trình độ | 30
Kỹ năng số: sử dụng dịch vụ công trực tuyến, thiết bị số | 30
# Vận dụng và lan tỏa
Vận dụng kiến thức vào công việc, đời sống | 20
Tham gia hoạt động khuyến học, chia sẻ tri thức với cộng đồng | 20
"""),
}

# Households of Khánh Hội recognised in each of the last two years (name, address, people).
KHANH_HOI_PAST = [
    ("Nguyễn Văn Lộc", "12 Hoàng Diệu, Phường Khánh Hội", 5),
    ("Trần Thị Bích Ngọc", "45/3 Bến Vân Đồn, Phường Khánh Hội", 4),
    ("Lê Hoàng Sơn", "88 Nguyễn Tất Thành, Phường Khánh Hội", 6),
]
# This year's households of Xóm Chiếu (name, address, people, points per item).
XOM_CHIEU = [
    ("Phạm Văn Đức", "9 Đoàn Văn Bơ, Phường Xóm Chiếu", 4, [15, 14, 13, 12, 9, 9, 10, 9]),
    ("Huỳnh Thị Mỹ Linh", "27 Xóm Chiếu, Phường Xóm Chiếu", 3, [15, 12, 10, 11, 8, 7, 10, 8]),
    ("Võ Minh Trí", "102 Tôn Đản, Phường Xóm Chiếu", 5, [10, 10, 8, 9, 6, 6, 5, 5]),
    ("Đặng Thị Thu Hà", "15/2 Đoàn Văn Bơ, Phường Xóm Chiếu", 4, None),
]


def _items(text: str) -> str:
    return text.strip()


def _register_and_score(actor, unit, model, year, name, address, people, points,
                        registered_on):
    entry = learning.register(actor, unit, model=model, year=year, name=name, address=address,
                              people=people, registered_on=registered_on,
                              commitment="Cả nhà cùng học tập, tham gia khuyến học ở khu phố.")
    if points is not None and actor is not None:
        cs = learning.set_in_force(model, year)
        learning.score(actor, entry, year=year,
                       points={i.id: p for i, p in zip(cs.items, points, strict=True)},
                       evidence_count=3)
    return entry


def seed_learning(by_code: dict[str, Unit], by_username: dict[str, User]) -> None:
    if db.session.scalar(select(LearningCriteriaSet.id).limit(1)) is not None:
        return
    admin = by_username.get("admin")
    for model, (name, threshold, bands, items) in SETS.items():
        learning.create_set(admin, model, name=name, from_year=2015, threshold=threshold,
                            grade_bands=bands, items=_items(items), notes=SAMPLE_NOTE,
                            sample=True)
    year = today().year
    kh, xc = by_code["HCM-Q4-KH"], by_code["HCM-Q4-XC"]
    kh_chair, xc_chair = by_username.get("chutich.khanhhoi"), by_username.get("chutich.xomchieu")
    branch = by_code["HCM-Q4-KH-KP1"]
    full = [15, 14, 14, 13, 9, 9, 10, 9]
    for past in (year - 2, year - 1):
        entries = [_register_and_score(kh_chair, branch, "family", past, n, a, p, full,
                                       date(past, 2, 15)) for n, a, p in KHANH_HOI_PAST]
        learning.recognise(kh_chair, kh, model="family", year=past,
                           entry_ids=[e.id for e in entries], number=f"12/QĐ-KH.{past}",
                           decided_on=date(past, 12, 5), signer="Nguyễn Thị Thu",
                           issuing_body=kh.name)
    xc_entries = [_register_and_score(xc_chair, by_code["HCM-Q4-XC-KP3"], "family", year, n, a,
                                      p, pts, date(year, 1, 20)) for n, a, p, pts in XOM_CHIEU]
    learning.recognise(xc_chair, xc, model="family", year=year,
                       entry_ids=[e.id for e in xc_entries[:2]], number=f"08/QĐ-KH.{year}",
                       decided_on=today(), signer="Võ Thị Lan", issuing_body=xc.name)
    learning.register(xc_chair, xc, model="clan", year=year, name="Dòng họ Huỳnh",
                      head="Huỳnh Văn Sáu", households=42, address="Phường Xóm Chiếu",
                      registered_on=date(year, 1, 20),
                      commitment="Duy trì quỹ khuyến học dòng họ, khen thưởng con cháu học giỏi.")
    learning.register(xc_chair, by_code["HCM-Q4-XC-TH"], model="organisation", year=year,
                      name="Trường Tiểu học Xóm Chiếu", address="Phường Xóm Chiếu",
                      description="Trường công lập, 42 cán bộ giáo viên",
                      registered_on=date(year, 1, 20), commitment="100% giáo viên học tập, "
                      "bồi dưỡng chuyên môn và kỹ năng số.")
    for unit, totals in ((kh, {"family": 40, "clan": 3, "community": 6, "organisation": 5}),
                         (xc, {"family": 30, "clan": 2, "community": 4, "organisation": 3})):
        learning.set_denominators(kh_chair if unit is kh else xc_chair, unit, year, {
            m: (n, 70 if m == "family" else 65) for m, n in totals.items()})


STEPS.append(seed_learning)
