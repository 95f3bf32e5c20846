from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...forms import DayField, Form
from ...merge import Guarded
from ...models import OFFICER_TITLES
from ...services.officers import TITLE_LABELS


def title_choices():
    return [(t, TITLE_LABELS[t]) for t in OFFICER_TITLES]


class OfficerForm(Guarded, Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    birth_year = IntegerField(_l("Birth year"), validators=[Optional()])
    outside_posts = StringField(_l("Posts held outside the association"),
                                validators=[Optional(), Length(max=500)],
                                description=_l("e.g. Party cell secretary, head of the "
                                               "residential group"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save"))


class PositionForm(Guarded, Form):
    unit = SelectField(_l("Unit"), coerce=int, choices=[], validators=[DataRequired()])
    title = SelectField(_l("Post"), choices=[], validators=[DataRequired()])
    title_text = StringField(_l("Title as written (optional)"),
                             validators=[Optional(), Length(max=120)])
    term = StringField(_l("Term"), validators=[Optional(), Length(max=20)],
                       description=_l("e.g. 2025–2030"))
    start_date = DayField(_l("From"), validators=[DataRequired()])
    end_date = DayField(_l("Until"), validators=[Optional()])
    full_time = BooleanField(_l("Full-time"))
    submit = SubmitField(_l("Save the post"))


class BaseSalaryForm(Form):
    effective_from = DayField(_l("In force from"), validators=[DataRequired()])
    amount = StringField(_l("Base salary (đồng)"), validators=[DataRequired(), Length(max=20)])
    legal_basis = StringField(_l("Legal basis"), validators=[Optional(), Length(max=200)],
                              description=_l("e.g. Decree 73/2024/NĐ-CP"))
    submit = SubmitField(_l("Add"))


class RuleForm(Form):
    title = SelectField(_l("Post"), choices=[], validators=[DataRequired()])
    kind = RadioField(_l("Paid as"), choices=[("coefficient", _l("Coefficient × base salary")),
                                              ("fixed", _l("Fixed monthly amount"))],
                      default="coefficient", validators=[DataRequired()])
    coefficient = StringField(_l("Coefficient"), validators=[Optional(), Length(max=10)],
                              description=_l("e.g. 1,5"))
    amount = StringField(_l("Monthly amount (đồng)"), validators=[Optional(), Length(max=20)])
    valid_from = DayField(_l("From"), validators=[DataRequired()])
    valid_to = DayField(_l("Until"), validators=[Optional()])
    submit = SubmitField(_l("Add the rate"))


class SettingsForm(Form):
    combine = SelectField(_l("An officer with several posts gets"),
                          choices=[("sum", _l("the sum of the allowances")),
                                   ("max", _l("the highest allowance"))])
    post_limit = IntegerField(_l("Flag officers with more posts than"), default=2,
                              validators=[DataRequired(), NumberRange(min=1, max=20)])
    cap = StringField(_l("Remuneration cap (× base salary)"),
                      validators=[Optional(), Length(max=10)],
                      description=_l("Empty: by level (Decision 30/2011/QĐ-TTg)"))
    submit = SubmitField(_l("Save the settings"))


class SheetForm(Form):
    month = SelectField(_l("Month"), coerce=int, choices=[(m, str(m)) for m in range(1, 13)])
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    submit = SubmitField(_l("Make the sheet"))


class AdjustForm(Form):
    adjustment = StringField(_l("Adjustment (đồng, − to deduct)"),
                             validators=[Optional(), Length(max=20)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Save"))


class ActionForm(Form):
    """A button that POSTs (lock, recompute) with CSRF protection."""

    submit = SubmitField(_l("Confirm"))


class PayForm(Form):
    token = HiddenField(validators=[Length(max=40)])  # a one-time uuid hex
    mode = RadioField(_l("Payment vouchers"), choices=[
        ("sheet", _l("One voucher for the whole sheet")),
        ("per_officer", _l("One voucher per officer"))], default="sheet",
        validators=[DataRequired()])
    voucher_date = DayField(_l("Voucher date"), validators=[DataRequired()])
    method = SelectField(_l("Method"), choices=[("cash", _l("Cash")),
                                                ("transfer", _l("Bank transfer"))])
    # Shown to those who may override (a chair); never implied by the right alone.
    allow_overdraw = BooleanField(_l("Allow this payment to take the fund below zero"))
    submit = SubmitField(_l("Pay the sheet"))
