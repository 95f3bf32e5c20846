from flask_babel import lazy_gettext as _l
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from ...forms import DayField, Form
from ...money import format_number, parse_amount, validate_amount
from ...services.scholarships import PRIORITY_LABELS


class MoneyField(Field):
    """Whole đồng typed as "2.000.000", "2000000" or "2 000 000 đ"."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_number(self.data) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        try:
            self.data = validate_amount(parse_amount(text))
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole amount of đồng, e.g. 2.000.000.")) from None


class AmountListField(Field):
    """Several amounts separated by ";" (award tiers)."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "; ".join(format_number(a) for a in self.data or [])

    def process_formdata(self, valuelist):
        self.data = []
        text = (valuelist[0] if valuelist else "").strip()
        try:
            self.data = [validate_amount(parse_amount(p)) for p in text.split(";") if p.strip()]
        except ValueError:
            raise ValueError(_l("Enter amounts separated by ';', e.g. 1.500.000; 3.000.000.")) \
                from None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def priority_choices():
    return [(k, v) for k, v in PRIORITY_LABELS.items()]


class ProgramForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("e.g. Học bổng Nguyễn Hữu Thọ 2026"))
    sponsor = StringField(_l("Sponsor"), validators=[Optional(), Length(max=200)])
    amount_per_award = MoneyField(_l("Amount per award"), validators=[InputRequired()])
    tiers = AmountListField(_l("Award tiers (optional)"),
                            description=_l("Other allowed amounts, separated by ';'."))
    max_awards = IntegerField(_l("Number of awards"), validators=[Optional(), NumberRange(1)])
    budget = MoneyField(_l("Total budget"), validators=[Optional()])
    fund_id = SelectField(_l("Paid from the fund"), coerce=int, choices=[],
                          validators=[DataRequired()])
    window_start = DayField(_l("Nominations open on"), validators=[InputRequired()])
    window_end = DayField(_l("Nominations close on"), validators=[InputRequired()])
    ceremony_date = DayField(_l("Award ceremony on"), validators=[Optional()])
    criteria = TextAreaField(_l("Criteria"), validators=[Optional(), Length(max=5000)])
    priority_groups = MultiCheckboxField(_l("Priority groups"), choices=priority_choices(),
                                         validate_choice=True)
    submit = SubmitField(_l("Save"))

    def data_for_service(self) -> dict:
        tiers = list(self.tiers.data or [])
        if tiers and self.amount_per_award.data and self.amount_per_award.data not in tiers:
            tiers.append(self.amount_per_award.data)
        return {
            "name": self.name.data, "sponsor": self.sponsor.data or "",
            "amount_per_award": self.amount_per_award.data, "tiers": tiers,
            "max_awards": self.max_awards.data, "budget": self.budget.data,
            "window_start": self.window_start.data, "window_end": self.window_end.data,
            "ceremony_date": self.ceremony_date.data, "criteria": self.criteria.data or "",
            "priority_groups": self.priority_groups.data or [],
        }


class QuotaForm(Form):
    """One count and one budget field per sub-unit, named count-<id> / budget-<id>; built by
    the view with `for_units`."""

    submit = SubmitField(_l("Save the quotas"))

    @classmethod
    def for_units(cls, units, quotas):
        class _Form(cls):
            pass

        for unit in units:
            quota = quotas.get(unit.id)
            setattr(_Form, f"count_{unit.id}", IntegerField(
                _l("Awards"), validators=[Optional(), NumberRange(0)],
                default=quota.max_awards if quota else None))
            setattr(_Form, f"budget_{unit.id}", MoneyField(
                _l("Budget"), validators=[Optional()],
                default=quota.budget if quota else None))
        return _Form

    def values(self, units) -> dict:
        return {u.id: (self[f"count_{u.id}"].data, self[f"budget_{u.id}"].data) for u in units}


SEX_CHOICES = [("F", _l("Female")), ("M", _l("Male"))]


class NominationForm(Form):
    unit = SelectField(_l("Nominating unit"), coerce=int, choices=[])
    student_name = StringField(_l("Student's full name"),
                               validators=[DataRequired(), Length(max=120)])
    birth_date = DayField(_l("Date of birth"), validators=[InputRequired()])
    sex = SelectField(_l("Sex"), choices=SEX_CHOICES, validators=[DataRequired()])
    school = StringField(_l("School"), validators=[DataRequired(), Length(max=200)])
    grade = StringField(_l("Grade"), validators=[Optional(), Length(max=20)])
    academic_result = StringField(_l("Academic result"), validators=[Optional(), Length(max=200)],
                                  description=_l("e.g. Học sinh giỏi, điểm TB 8,5"))
    family_circumstance = TextAreaField(_l("Family circumstances"),
                                        validators=[Optional(), Length(max=2000)])
    priority_groups = MultiCheckboxField(_l("Priority groups"), choices=priority_choices(),
                                         validate_choice=True)
    guardian_name = StringField(_l("Parent or guardian"), validators=[Optional(), Length(max=120)])
    guardian_phone = StringField(_l("Guardian's phone"), validators=[Optional(), Length(max=20)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    reason = TextAreaField(_l("Reason for the nomination"),
                           validators=[Optional(), Length(max=2000)])
    attachments = IntegerField(_l("Attached documents"), default=0,
                               validators=[Optional(), NumberRange(0, 100)])
    amount = SelectField(_l("Award amount"), coerce=int, choices=[])
    submit = SubmitField(_l("Save as draft"))

    FIELDS = ("student_name", "birth_date", "sex", "school", "grade", "academic_result",
              "family_circumstance", "priority_groups", "guardian_name", "guardian_phone",
              "address", "reason", "attachments", "amount")

    def data_for_service(self) -> dict:
        data = {name: self[name].data for name in self.FIELDS}
        data["attachments"] = data["attachments"] or 0
        data["priority_groups"] = data["priority_groups"] or []
        return data


class DecisionForm(Form):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (required to reject)"),
                           validators=[Optional(), Length(max=1000)])

    def validate_decision(self, field):
        if field.data not in ("approve", "reject"):
            raise ValidationError(_l("Unknown decision."))


class ConfirmForm(Form):
    """A bare POST with CSRF (submit a nomination)."""


PAY_MODES = [("each", _l("One payment voucher per award")),
             ("ceremony", _l("One payment voucher for the ceremony, with the signed list"))]
METHODS = [("cash", _l("Cash")), ("transfer", _l("Bank transfer"))]


class PayForm(Form):
    mode = SelectField(_l("How to pay"), choices=PAY_MODES, validators=[DataRequired()])
    voucher_date = DayField(_l("Voucher date"), validators=[Optional()])
    method = SelectField(_l("Method"), choices=METHODS, validators=[DataRequired()])
    token = HiddenField(validators=[Length(max=40)])  # a one-time uuid hex
