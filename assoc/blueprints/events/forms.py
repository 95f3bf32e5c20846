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

from ...forms import DayField, DayTimeField, Form, MaxLines
from ...merge import Guarded
from ...models import DENOMINATIONS
from ...money import format_number, parse_amount

KIND_LABELS = {
    "walk": _l("Fundraising walk"),
    "reading_day": _l("Reading-culture day"),
    "piggy_bank": _l("Piggy-bank opening festival"),
    "award_ceremony": _l("Scholarship award ceremony"),
    "other": _l("Other"),
}
STATUS_LABELS = {
    "planned": _l("Planned"),
    "held": _l("Held"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}
METHOD_LABELS = {
    "cash": _l("Cash"),
    "transfer": _l("Bank transfer"),
    "in_kind": _l("In kind"),
}
DONOR_KIND_LABELS = {"person": _l("Person"), "organisation": _l("Organisation")}
PLEDGE_STATUS_LABELS = {"open": _l("Open"), "fulfilled": _l("Fulfilled"),
                        "cancelled": _l("Cancelled")}


class MoneyField(StringField):
    """Whole đồng typed as "1.250.000", "1250000" or "1,250,000 đ"; data is an int or None."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_amount(valuelist[0])
            except ValueError:
                self.data = None
                raise ValueError(str(_l("Enter a whole amount of đồng, e.g. 1.250.000."))) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_number(self.data) if isinstance(self.data, int) else ""


def count_label(value: int, coin: bool):
    if coin:
        return _l("%(value)s đ coin", value=format_number(value))
    return _l("%(value)s đ note", value=format_number(value))


class EventForm(Guarded, Form):
    kind = SelectField(_l("Type"), choices=list(KIND_LABELS.items()), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    starts_at = DayTimeField(_l("Date and time"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    organiser = StringField(_l("Organiser"), validators=[Optional(), Length(max=200)])
    partners = StringField(_l("Partner organisations"), validators=[Optional(), Length(max=500)])
    target_amount = MoneyField(_l("Target amount (đ)"), validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save"))


class ParticipationForm(Form):
    participants_students = IntegerField(_l("Students"), default=0,
                                         validators=[Optional(), NumberRange(min=0)])
    participants_members = IntegerField(_l("Members"), default=0,
                                        validators=[Optional(), NumberRange(min=0)])
    participants_residents = IntegerField(_l("Residents"), default=0,
                                          validators=[Optional(), NumberRange(min=0)])
    books_collected = IntegerField(_l("Books collected"), default=0,
                                   validators=[Optional(), NumberRange(min=0)])
    books_donated = IntegerField(_l("Books donated"), default=0,
                                 validators=[Optional(), NumberRange(min=0)])
    submit = SubmitField(_l("Save"))


class CancelForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Cancel the event"))


class DonorFieldsMixin:
    donor_id = HiddenField()
    donor_kind = SelectField(_l("Donor is a"), choices=list(DONOR_KIND_LABELS.items()),
                             default="person")
    donor_name = StringField(_l("Donor name"), validators=[Optional(), Length(max=200)])
    donor_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    donor_tax_code = StringField(_l("Tax code"), validators=[Optional(), Length(max=20)])
    donor_address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    # Asked only when what was typed matches a registered donor with other details: "existing"
    # (the registered donor; `donor_update` also corrects its details) or "new" (as typed).
    donor_choice = StringField(validators=[Optional(), Length(max=10)])
    donor_update = BooleanField(_l("Also correct the register with the details I typed"))


class DonationForm(DonorFieldsMixin, Form):
    token = HiddenField(validators=[Length(max=40)])  # a one-time uuid hex
    pledge_id = HiddenField()
    event_id = SelectField(_l("Event"), coerce=int, choices=[], validate_choice=False)
    anonymous = BooleanField(_l("Anonymous (name not shown in reports)"))
    method = SelectField(_l("Method"), choices=list(METHOD_LABELS.items()), default="cash")
    amount = MoneyField(_l("Amount (đ)"), validators=[Optional()])
    items = StringField(_l("Items (in kind)"), validators=[Optional(), Length(max=300)])
    quantity = IntegerField(_l("Quantity"), validators=[Optional(), NumberRange(min=1)])
    estimated_value = MoneyField(_l("Estimated value (đ)"), validators=[Optional()])
    fund_id = SelectField(_l("Fund"), coerce=int, choices=[], validate_choice=False)
    received_on = DayField(_l("Received on"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Record the donation"))


class PledgeForm(DonorFieldsMixin, Form):
    event_id = SelectField(_l("Event"), coerce=int, choices=[], validate_choice=False)
    amount = MoneyField(_l("Pledged amount (đ)"), validators=[DataRequired()])
    due_on = DayField(_l("Due on"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Record the pledge"))


class QuickEntryForm(Form):
    token = HiddenField(validators=[Length(max=40)])  # a one-time uuid hex
    lines = TextAreaField(
        _l("One donation per line: name; amount; method (tm = cash, ck = transfer)"),
        validators=[DataRequired(), Length(max=60_000), MaxLines(500)], render_kw={"rows": 10})
    submit = SubmitField(_l("Record all"))


class CountingSheetForm(Form):
    group_name = StringField(_l("Class / group"), validators=[DataRequired(), Length(max=200)])
    counter_1 = StringField(_l("Counter 1"), validators=[DataRequired(), Length(max=120)])
    counter_2 = StringField(_l("Counter 2"), validators=[DataRequired(), Length(max=120)])
    typed_total = MoneyField(_l("Total counted by hand (đ), to check"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Save the counting sheet"))

    def count_fields(self):
        return [(self[key], value, coin) for key, value, coin in DENOMINATIONS]

    def count_total(self) -> int:
        """The money counted so far (shown under the table; counting.js keeps it current)."""
        return sum(value * f.data for f, value, _coin in self.count_fields()
                   if isinstance(f.data, int) and f.data > 0)


for _key, _value, _coin in DENOMINATIONS:
    setattr(CountingSheetForm, _key,
            IntegerField(count_label(_value, _coin), default=0,
                         validators=[Optional(), NumberRange(min=0, max=1_000_000)]))


class SheetReceiptForm(Form):
    token = HiddenField(validators=[Length(max=40)])  # a one-time uuid hex
    mode = RadioField(_l("Receipts"), choices=[("group", _l("One receipt per class/group")),
                                               ("event", _l("One receipt for the whole event"))],
                      default="group", validators=[DataRequired()])
    fund_id = SelectField(_l("Fund"), coerce=int, choices=[], validate_choice=False)
    submit = SubmitField(_l("Issue the receipts"))


class PledgeCancelForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Cancel the pledge"))
