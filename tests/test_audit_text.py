"""History entries read as sentences: every action a service writes has one, in both languages,
and no internal key (`voucher.issue`, `donor_id`, `None`, `True`, `{}`) reaches the page."""

import ast
import pathlib
import re

import pytest
from flask_babel import force_locale

from assoc import audit_text
from assoc.audit_text import ACTIONS, KEYS, describe
from assoc.models import (
    AuditEntry,
    Event,
    Member,
    Nomination,
    Officer,
    Position,
    ScholarshipProgram,
    TreasurySetting,
    Unit,
)

from .builders import build_donor, build_event, build_fund, build_user, build_voucher

ROOT = pathlib.Path(__file__).resolve().parents[1] / "assoc"
SAMPLES = {int: 1_050_000, str: "Nguyễn Văn An"}


def _written_actions():
    """(action, data keys) for every `audit.record(...)` and `record_download(...)` call in the
    application."""
    found = []
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            # views.record_download(action, obj, **data): a download's audit entry
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "record_download"):
                assert isinstance(node.args[0], ast.Constant), f"{path.name}:{node.lineno}"
                found.append((node.args[0].value, [kw.arg for kw in node.keywords if kw.arg]))
                continue
            if (path.name == "views.py" and path.parent == ROOT and isinstance(node, ast.Call)
                    and getattr(node.func, "attr", "") == "record" and node.args
                    and isinstance(node.args[1], ast.Name) and node.args[1].id == "action"):
                continue  # inside record_download itself: its callers are read above
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "audit"):
                continue
            arg = node.args[1]
            keys = []
            for kw in node.keywords:
                if kw.arg == "data" and isinstance(kw.value, ast.Dict):
                    keys = [k.value for k in kw.value.keys if isinstance(k, ast.Constant)]
            if isinstance(arg, ast.Constant):
                found.append((arg.value, keys))
            elif isinstance(arg, ast.IfExp):
                found += [(arg.body.value, keys), (arg.orelse.value, keys)]
            elif isinstance(arg, ast.JoinedStr):
                prefix = arg.values[0].value
                matches = [a for a in ACTIONS if a.startswith(prefix)]
                assert len(matches) >= 2, f"{path.name}: no sentences for {prefix}*"
                found += [(a, keys) for a in matches]
            else:
                raise AssertionError(f"{path.name}:{node.lineno}: action is not a literal")
    return found


WRITTEN = _written_actions()
RAW = re.compile(r"\b(None|True|False)\b|\{\}|\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_]+\b")


def test_the_walk_finds_the_actions():
    names = {a for a, _ in WRITTEN}
    assert {"voucher.issue", "member.import", "nomination.approve", "user.deactivate"} <= names


@pytest.mark.parametrize("action, keys", WRITTEN, ids=[a for a, _ in WRITTEN])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_written_action_is_a_sentence_without_raw_keys(app, db, action, keys, lang):
    assert action in ACTIONS, f"add a sentence for {action} to assoc/audit_text.py"
    data = {k: (SAMPLES[int] if k in ("amount", "total", "year") else "x1") for k in keys}
    data |= {"copy": False, "filled": {}, "donor_id": None}  # the leaks the issue saw
    entry = AuditEntry(action=action, object_type="thing", object_id=None, data=data)
    with app.test_request_context(), force_locale(lang):
        s = describe(entry)
        text = str(s.text) + " " + " ".join(f"{lbl}: {v}" for lbl, v in s.details)
    assert action not in text
    labels = [str(label) for label, _ in s.details]
    assert not set(keys) & set(labels), text
    assert not RAW.search(text.replace("x1", "")), text
    assert "%(" not in text


@pytest.mark.parametrize("model, skip", [
    (Member, {"id", "number", "unit_id", "search_key", "given_name_key", "merged_into_id",
              "card_token", "created_at", "updated_at"}),
    (Unit, {"id", "parent_id", "search_key", "path", "successor_id", "created_at"}),
    (ScholarshipProgram, {"id", "unit_id", "search_key", "fund_id", "created_by_id",
                          "created_at"}),
    (Nomination, {"id", "program_id", "unit_id", "quota_id", "search_key", "submitted_at",
                  "decided_at", "decided_by_id", "decision_reason", "paid_at", "paid_by_id",
                  "created_by_id", "created_at"}),
    (Officer, {"id", "unit_id", "search_key", "created_at"}),
    (Position, {"id", "officer_id", "unit_id", "created_at"}),
    (Event, {"id", "unit_id", "search_key", "created_by_id", "created_at"}),
    (TreasurySetting, {"id", "unit_id", "updated_at"}),
])
def test_every_field_an_update_can_log_has_a_label(model, skip):
    missing = [c.name for c in model.__table__.columns
               if c.name not in skip and c.name not in KEYS]
    assert missing == []


def test_unknown_action_and_key_fall_back_to_labels(app, db):
    entry = AuditEntry(action="report.print", object_type="thing", data={"weird_key": True})
    with app.test_request_context(), force_locale("en"):
        s = describe(entry)
    assert "report.print" not in s.text and "Printed" in s.text
    assert [(str(lbl), str(v)) for lbl, v in s.details] == [("Other detail", "Yes")]


def test_receipt_history_reads_as_a_sentence_with_links(tree, db, client_as):
    client = client_as("treasurer", at=tree.ward_a)
    fund = build_fund(tree.ward_a, code="KH", name="Quỹ Khuyến học")
    voucher = build_voucher(tree.ward_a, amount=1_050_000, fund=fund, actor=client.user)
    html = client.get(f"/vouchers/{voucher.id}").get_data(as_text=True)
    assert f"Lập phiếu thu {voucher.display_number}, 1.050.000 đ, Quỹ Khuyến học" in html
    assert "voucher.issue" not in html


def test_donation_history_links_event_and_donor_only_for_who_may_see(tree, db, client_as):
    event = build_event(tree.ward_a, title="Ngày hội khui heo đất")
    donor = build_donor(tree.ward_a, name="Công ty Sao Việt")
    entry = AuditEntry(action="donation.create", object_type="donation", unit_id=tree.ward_a.id,
                       data={"method": "cash", "amount": 2_000_000, "event_id": event.id,
                             "donor_id": donor.id, "anonymous": False, "voucher_id": None,
                             "ack": ""})
    insider = build_user("viewer", tree.ward_a)
    outsider = build_user("viewer", tree.ward_b)
    with db.session.no_autoflush, force_locale("vi"):
        from flask import current_app
        with current_app.test_request_context():
            seen_inside = describe(entry, insider)
            seen_outside = describe(entry, outsider)
    inside = dict((str(k), str(v)) for k, v in seen_inside.details)
    outside = dict((str(k), str(v)) for k, v in seen_outside.details)
    assert f'href="/events/{event.id}"' in inside["Sự kiện"]
    assert "Ngày hội khui heo đất" in outside["Sự kiện"] and "href" not in outside["Sự kiện"]
    assert "2.000.000 đ" in str(seen_inside.text)
    assert inside["Ẩn danh (không hiện tên trong báo cáo)"] == "Không"


def test_registry_is_complete_for_its_own_keys():
    for key, (label, fmt) in KEYS.items():
        assert label is not None and callable(fmt), key
    assert audit_text.VERBS["create"]


@pytest.mark.parametrize("lang, sentence, label, shown", [
    ("en", "Recorded the totals and targets for 2026", "Learning family",
     "— → 40 in all, target 70%"),
    ("vi", "2026", "Gia đình học tập", "— → tổng số 40, chỉ tiêu 70%"),
])
def test_years_read_as_years_and_denominators_by_model(app, db, lang, sentence, label, shown):
    """A year is 2026 (not the number 2.026); a year's totals and targets are listed by
    learning model, not as an unlabelled "—, — → 40, 70"."""
    entry = AuditEntry(action="learning.denominators", object_type="unit", object_id=None,
                       data={"year": 2026, "family": [[None, None], [40, 70]]})
    with app.test_request_context(), force_locale(lang):
        s = describe(entry)
        details = [(str(lbl), str(v)) for lbl, v in s.details]
        member = describe(AuditEntry(action="member.update", object_type="member",
                                     object_id=None, data={"birth_year": [1969, 1970]}))
        member_details = [str(v) for _lbl, v in member.details]
    assert sentence in str(s.text) and "2.026" not in str(s.text)
    assert details == [(label, shown)]
    assert member_details == ["1969 → 1970"]


def test_what_a_receipt_pays_for_is_a_named_link_not_its_keys(tree, db):
    """voucher.issue keeps {type, id, name} of the linked record: the history shows the name
    under "Pays for / comes from", linked for who may open it, never "type: donation; id: 4"."""
    from flask import current_app

    event = build_event(tree.ward_a, title="Ngày hội khui heo đất")
    entry = AuditEntry(action="voucher.issue", object_type="voucher", unit_id=tree.ward_a.id,
                       data={"number": "PT-2026/0011", "amount": 1_000_000, "fund": "KH",
                             "link": {"type": "event", "id": event.id,
                                      "name": "Ngày hội khui heo đất"}})
    insider, outsider = build_user("viewer", tree.ward_a), build_user("viewer", tree.ward_b)
    with current_app.test_request_context(), force_locale("en"):
        inside = dict((str(k), str(v)) for k, v in describe(entry, insider).details)
        outside = dict((str(k), str(v)) for k, v in describe(entry, outsider).details)
        db.session.delete(event)
        db.session.flush()
        gone = dict((str(k), str(v)) for k, v in describe(entry, insider).details)
    assert f'href="/events/{event.id}"' in inside["Pays for / comes from"]
    assert outside["Pays for / comes from"] == "Ngày hội khui heo đất"
    assert gone["Pays for / comes from"] == "Ngày hội khui heo đất"  # the name it had
    assert "Other detail" not in inside and "type:" not in str(inside)


def test_score_points_and_gifts_in_kind_read_plainly(app, db):
    score = AuditEntry(action="learning.score", object_type="learningentry", object_id=None,
                       data={"year": 2026, "total": 93, "before": None, "evidence": 3})
    gift = AuditEntry(action="donation.create", object_type="donation", object_id=None,
                      data={"method": "in_kind", "amount": 0, "estimated_value": 400_000,
                            "anonymous": True})
    with app.test_request_context(), force_locale("en"):
        scored, given = describe(score), describe(gift)
        given_details = dict((str(k), str(v)) for k, v in given.details)
    assert "for 2026: 93 points" in str(scored.text) and "đ" not in str(scored.text)
    assert str(given.text) == "Recorded a gift in kind worth 400.000 đ"
    assert "Amount" not in given_details and "Estimated value" not in given_details
