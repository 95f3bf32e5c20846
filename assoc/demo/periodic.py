"""Demo step for periodic reports: TP. Hồ Chí Minh's six-month review of this year for its
districts and wards. Phường Khánh Hội has submitted, Phường Xóm Chiếu has a draft, the others
have not started (late, since the due date has passed). The Quận 4 chair (chutich.quan4)
reviews the wards' reports. Idempotent: nothing is added when the template exists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..demo import DEMO_PASSWORD, STEPS
from ..extensions import db
from ..models import PeriodicTemplate, Unit, User, today
from ..services import periodic, units, users

TEXTS = {
    "achievements": "Kết nạp thêm hội viên mới ở các khu phố; tổ chức Ngày hội khuyến học và "
                    "trao học bổng cho học sinh hộ nghèo, cận nghèo; các chi hội và ban khuyến "
                    "học hoạt động đều.",
    "limits": "Việc thu hội phí ở một số khu phố còn chậm do hội viên đi làm xa; nguyên nhân là "
              "chi hội trưởng kiêm nhiệm nhiều việc.",
    "tasks": "Hoàn thành thu hội phí năm; vận động quỹ khuyến học cho lễ trao học bổng cuối năm.",
    "proposals": "Đề nghị Hội cấp trên hỗ trợ tập huấn sử dụng phần mềm cho chi hội trưởng.",
}


def seed_periodic(by_code: dict[str, Unit], by_username: dict[str, User]) -> None:
    city, district = by_code["HCM"], by_code["HCM-Q4"]
    if "chutich.quan4" not in by_username:
        user = users.create_user(None, username="chutich.quan4", full_name="Trương Minh Đức",
                                 password=DEMO_PASSWORD)
        user.phone = "0908123456"
        units.grant_role(None, user, district, "chair", valid_from=date(2025, 1, 1))
        by_username["chutich.quan4"] = user
    year = today().year
    values = periodic.preset_values("six_month", city, year)
    if db.session.scalar(select(PeriodicTemplate.id).where(
            PeriodicTemplate.title == values["title"])) is not None:
        return
    admin = by_username.get("admin")
    template = periodic.create_template(admin, city, **values)
    ward = by_code["HCM-Q4-KH"]
    chair = by_username.get("chutich.khanhhoi")
    report = periodic.start_report(chair, template, ward)
    periodic.save_draft(chair, report, revision=report.revision, texts=TEXTS, figures={},
                        number="12/BC-KH", place="TP. Hồ Chí Minh",
                        signer=chair.full_name if chair else "", recipients=report.recipients)
    periodic.submit(chair, report)
    draft_chair = by_username.get("chutich.xomchieu")
    draft = periodic.start_report(draft_chair, template, by_code["HCM-Q4-XC"])
    periodic.save_draft(draft_chair, draft, revision=draft.revision, figures={},
                        texts={"achievements": TEXTS["achievements"]})


STEPS.append(seed_periodic)
