"""Typed text is cleaned in one place (the base Form) and bounded: every text field has a
maximum length no longer than its column; bulk inputs are bounded."""

from sqlalchemy import String
from wtforms import StringField

from assoc import models
from assoc.forms import Form, max_length
from assoc.text import clean, clean_input

# Forms whose model is not named after them; fields whose column has another name.
FORM_MODELS = {
    "LoginForm": models.User, "UserForm": models.User, "GrantRoleForm": models.User,
    "NewUserRoleForm": models.User, "OfficerForm": models.Officer,
    "PositionForm": models.Position, "BaseSalaryForm": models.BaseSalary,
    "RuleForm": models.AllowanceRule, "ProgramForm": models.ScholarshipProgram,
    "NominationForm": models.Nomination, "MemberForm": models.Member,
    "TransferForm": models.MemberTransfer, "EndForm": models.Member,
    "VoucherForm": models.Voucher, "VoidForm": models.Voucher, "FundForm": models.Fund,
    "UnitForm": models.Unit, "CloseForm": models.Unit, "EventForm": models.Event,
    "DonationForm": models.Donation, "PledgeForm": models.Pledge,
    "QuickEntryForm": models.Donation, "CountingSheetForm": models.CountingSheet,
    "SheetReceiptForm": models.Voucher, "PledgeCancelForm": models.Pledge,
    "CancelForm": models.Event, "DuesPayForm": models.DuesPayment,
    "AdjustForm": models.RemunerationLine,
    "EntryForm": models.LearningEntry, "RecognitionForm": models.LearningRecognition,
    "CriteriaSetForm": models.LearningCriteriaSet, "ScoreForm": models.LearningEntry,
    "FillForm": models.PeriodicReport, "ReviewForm": models.PeriodicReport,
    "TemplateForm": models.PeriodicTemplate, "PlanForm": models.ReorgPlan,
    "treasury.SettingsForm": models.TreasurySetting, "officers.SettingsForm":
    models.OfficerSettings, "DecisionForm": models.Nomination,
    "WithdrawForm": models.LearningEntry, "CashMoveForm": models.Voucher,
    "AccountForm": models.BankAccount, "ReminderForm": models.User,
}
# Forms whose text is not stored as typed in one column (passwords are hashed, dates parsed,
# ids and plans read into other records): their fields are still bounded.
NO_MODEL = {"ChangePasswordForm", "ResetPasswordForm", "RegisterImportForm", "MergeForm",
            "PayForm", "ConfirmForm"}
COLUMN_ALIASES = {
    ("VoidForm", "reason"): "void_reason", ("EndForm", "reason"): "end_reason",
    ("CloseForm", "reason"): "closed_reason", ("PledgeCancelForm", "reason"): "cancel_reason",
    ("AdjustForm", "reason"): "adjustment_reason", ("VoucherForm", "token"): "idempotency_token",
    ("SheetReceiptForm", "token"): "idempotency_token",
    # the quick-entry token gets "-<line number>" appended per voucher
    ("QuickEntryForm", "token"): None,
    # typed with spaces/dots, stored as digits by text.normalize_cccd / normalize_phone
    ("MemberForm", "cccd"): None, ("MemberForm", "phone"): None,
    # typed with spaces, dots or dashes; stored as up to 19 digits (bank.accounts refuses more)
    ("AccountForm", "account_number"): None,
    ("ScoreForm", "notes"): "assessment_notes", ("ReviewForm", "comment"): "review_comment",
    ("DecisionForm", "reason"): "decision_reason",
    ("WithdrawForm", "reason"): "withdrawn_reason", ("CashMoveForm", "person"): "party_name",
    ("CashMoveForm", "token"): "idempotency_token",
}


def all_forms():
    seen, todo = [], list(Form.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    return sorted(seen, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def column_length(model, name):
    column = model.__table__.columns.get(name) if model is not None else None
    if column is None or not isinstance(column.type, String):
        return None
    return column.type.length


def test_every_text_field_is_bounded_by_its_column(app):
    assert len(all_forms()) > 30
    problems = []
    with app.test_request_context():
        for cls in all_forms():
            form = cls()
            name = cls.__name__
            area = cls.__module__.split(".")[-2]
            model = (FORM_MODELS.get(f"{area}.{name}") or FORM_MODELS.get(name)
                     or getattr(models, name.removesuffix("Form"), None))
            if model is None and name not in NO_MODEL and any(
                    isinstance(f, StringField) for f in form):
                problems.append(f"{area}.{name}: name its model in FORM_MODELS (or NO_MODEL)")
            for field in form:
                if not isinstance(field, StringField):
                    continue
                limit = max_length(field)
                if limit is None:
                    problems.append(f"{name}.{field.name}: no maximum length")
                    continue
                column = COLUMN_ALIASES.get((name, field.name), field.name)
                length = column_length(model, column) if column else None
                if length is not None and limit > length:
                    problems.append(f"{name}.{field.name}: {limit} > column {length}")
                if field.name == "token" and limit > 40:
                    problems.append(f"{name}.token: {limit} > 40")
    assert problems == [], "\n".join(problems)


def test_cleaning_strips_controls_and_normalises():
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" typed with combining marks
    assert clean_input(decomposed) == "Nguyễn"
    assert clean_input("a\x00b\x07c\u202ed") == "abcd"
    assert clean_input("line 1\r\nline 2\x00", multiline=True) == "line 1\nline 2"
    assert clean_input("line 1\nline 2") == "line 1 line 2"
    assert clean("  Trần\x00  Thị\x1b B ") == "Trần Thị B"


def test_the_base_form_cleans_every_text_field(app):
    from wtforms import PasswordField, TextAreaField

    class Sample(Form):
        name = StringField()
        notes = TextAreaField()
        secret = PasswordField()

    with app.test_request_context(method="POST", data={
            "name": "An\x00 Bình", "notes": "một\r\nhai\x00", "secret": "pa\x00ss"}):
        form = Sample(meta={"csrf": False})
        assert form.name.data == "An Bình"
        assert form.notes.data == "một\nhai"
        assert form.secret.data == "pa\x00ss"  # passwords are compared as typed
        assert max_length(form.name) == 255 and max_length(form.notes) == 5000


def test_nul_in_a_form_does_not_reach_the_database(client, tree, login, db):
    from .builders import build_user

    user = build_user("chair", tree.ward_a)
    login(user)
    response = client.post(f"/units/{tree.ward_a.id}/edit", data={
        "code": tree.ward_a.code, "name": "Phường\x00 Một", "level": tree.ward_a.level,
        "address": "Số 1\x00", "phone": "", "email": ""})
    assert response.status_code in (200, 302, 400)
    db.session.expire_all()
    unit = db.session.get(models.Unit, tree.ward_a.id)
    assert "\x00" not in unit.name and "\x00" not in (unit.address or "")


def test_nul_in_a_voucher_forms_raw_token_is_no_error(client, tree, login, db):
    """The double-submit check reads the token from the raw form before the form cleans it:
    a NUL there must not reach PostgreSQL (it answered 500)."""
    from .builders import build_user

    login(build_user("chair", tree.ward_a))
    app = client.application
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.post(f"/units/{tree.ward_a.id}/vouchers/new/receipt",
                               data={"token": "ab\x00cd", "amount": "1000"})
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code in (200, 302, 400), response.status_code
    assert db.session.scalar(db.select(db.func.count(models.Voucher.id))) == 0


def test_an_overlong_hidden_token_is_refused(client, tree, login, db):
    from assoc.models import today
    from assoc.services import treasury

    from .builders import build_user

    user = build_user("chair", tree.ward_a)
    login(user)
    url = f"/units/{tree.ward_a.id}/vouchers/new/receipt"
    assert client.get(url).status_code == 200
    data = {"voucher_date": today().isoformat(), "party_name": "An", "reason": "Thu",
            "amount": "10000", "method": "cash",
            "fund": str(treasury.general_fund(tree.ward_a).id)}
    response = client.post(url, data={**data, "token": "x" * 100_000})
    assert response.status_code == 400
    assert db.session.query(models.Voucher).count() == 0
    assert client.post(url, data={**data, "token": "a" * 32}).status_code == 302
    assert db.session.query(models.Voucher).count() == 1


def test_quick_entry_refuses_twenty_thousand_lines_clearly(client, tree, login, db):
    import time

    from .builders import build_event, build_user

    event = build_event(tree.ward_a)
    login(build_user("chair", tree.ward_a))
    lines = "\n".join(f"Người {i}; 10000; tm" for i in range(20_000))
    start = time.perf_counter()
    response = client.post(f"/events/{event.id}/quick", data={"token": "t" * 32, "lines": lines})
    assert time.perf_counter() - start < 5
    assert response.status_code == 400
    assert "Tối đa 500 dòng mỗi lần" in response.get_data(as_text=True)
    assert db.session.query(models.Donation).count() == 0
