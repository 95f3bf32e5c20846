"""Every marked string has a Vietnamese translation; the demo loads twice without change."""

import sys
from pathlib import Path

from sqlalchemy import func, select

from assoc.demo import DEMO_PASSWORD, seed_demo
from assoc.models import RoleAssignment, Unit, User

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))


def test_every_string_has_a_vietnamese_translation():
    import i18n

    assert i18n.missing() == []


def test_demo_is_realistic_and_idempotent(db):
    logins = seed_demo()
    db.session.commit()
    counts = (db.session.scalar(select(func.count()).select_from(Unit)),
              db.session.scalar(select(func.count()).select_from(User)),
              db.session.scalar(select(func.count()).select_from(RoleAssignment)))
    seed_demo()
    db.session.commit()
    assert counts == (db.session.scalar(select(func.count()).select_from(Unit)),
                      db.session.scalar(select(func.count()).select_from(User)),
                      db.session.scalar(select(func.count()).select_from(RoleAssignment)))
    names = set(db.session.scalars(select(Unit.name)))
    assert {"Hội Khuyến học TP. Hồ Chí Minh", "Hội Khuyến học Quận 4",
            "Hội Khuyến học Huyện Củ Chi"} <= names
    levels = [u.level for u in db.session.scalars(select(Unit))]
    assert levels.count("board") >= 2 and levels.count("branch") >= 2
    assert any("Dòng họ" in n for n in names) and any("Trường" in n for n in names)
    usernames = {u for u, _p, _w in logins}
    assert {"admin", "chutich.khanhhoi", "thuquy.khanhhoi", "duyet.quan4"} <= usernames
    chair = db.session.scalar(select(User).where(User.username == "chutich.khanhhoi"))
    assert chair.check_password(DEMO_PASSWORD)


def test_cli_create_admin_and_seed(app, db):
    result = app.test_cli_runner().invoke(args=[
        "create-admin", "--username", "root.admin", "--full-name", "Quản Trị",
        "--password", "very secret pw"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.username == "root.admin"))
    assert admin.active_assignments()[0].role == "admin"
    assert admin.active_assignments()[0].unit.level == "national"
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "chutich.khanhhoi" in result.output
    again = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "already has data" in again.output


# The same English text may mean different things in two areas ("Paid" dues vs a paid award);
# the catalogue keeps one translation, so such texts must use distinct msgids. Listed here are
# the harmless synonyms only.
SYNONYMS = {"Kind", "Prepared by", "Cancel", "Donation", "Payer", "This field is required."}


def test_areas_do_not_translate_one_text_two_ways():
    from babel.messages.pofile import read_po

    seen, clashes = {}, []
    for part in sorted((Path(__file__).resolve().parent.parent / "translations/vi").glob("*.po")):
        with part.open("rb") as f:
            for m in read_po(f, locale="vi"):
                key = m.id if isinstance(m.id, str) else m.id[0]
                text = m.string if isinstance(m.string, str) else m.string[0]
                if key and key in seen and seen[key] != text and key not in SYNONYMS:
                    clashes.append((key, seen[key], text))
                seen.setdefault(key, text)
    assert clashes == []


def test_python_texts_and_lazy_labels_use_the_request_catalogue(app):
    from flask_babel import force_locale, get_domain, gettext, lazy_gettext

    from assoc.filters import RequestDomain

    label = lazy_gettext("Log out")
    with app.test_request_context("/"):
        assert isinstance(get_domain(), RequestDomain)
        assert gettext("Log out") == str(label) == "Đăng xuất"   # Vietnamese by default
        with force_locale("en"):
            assert gettext("Log out") == str(label) == "Log out"
        assert str(label) == "Đăng xuất"
