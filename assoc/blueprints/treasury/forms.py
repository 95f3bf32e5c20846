from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ...forms import DayField, Form
from ...money import MAX_AMOUNT, parse_amount

REQUIRED = _l("This field is required.")
METHOD_LABELS = {"cash": _l("Cash"), "transfer": _l("Bank transfer")}
KIND_LABELS = {"receipt": _l("Receipt"), "payment": _l("Payment voucher")}
FUND_KIND_LABELS = {"general": _l("General fund"), "earmarked": _l("Earmarked fund")}
STATUS_LABELS = {"valid": _l("Valid"), "void": _l("Void")}
LINK_LABELS = {
    "dues": _l("Membership dues"),
    "donation": _l("Donation"),
    "event": _l("Event"),
    "award": _l("Scholarship award"),
    "remuneration": _l("Allowance"),
}


class AmountField(StringField):
    """Typed as "1.250.000" or "1250000"; `amount` holds the int once validated."""

    amount: int | None = None

    def pre_validate(self, form):
        self.amount = None
        text = (self.data or "").strip()
        if not text:
            raise ValidationError(_l("Enter the amount."))
        try:
            value = parse_amount(text)
        except ValueError:
            raise ValidationError(_l("Enter the amount in whole đồng, e.g. 1.250.000.")) from None
        if value <= 0 or value > MAX_AMOUNT:
            raise ValidationError(_l("The amount must be between 1 đ and 1.000.000.000.000 đ."))
        self.amount = value


class VoucherForm(Form):
    token = HiddenField(validators=[Length(max=40)])  # a one-time uuid hex
    voucher_date = DayField(_l("Date"), validators=[DataRequired(message=REQUIRED)])
    party_name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    party_address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=REQUIRED), Length(max=500)])
    amount = AmountField(_l("Amount (đồng)"), description=_l("e.g. 1.250.000"),
                         render_kw={"inputmode": "numeric", "autocomplete": "off"})
    method = SelectField(_l("Method"), choices=list(METHOD_LABELS.items()),
                         validators=[DataRequired(message=REQUIRED)])
    # 0 is the general fund before it is opened: the service opens it with the first voucher.
    fund = SelectField(_l("Fund"), coerce=int, choices=[], validators=[InputRequired(message=REQUIRED)])
    attachments = IntegerField(_l("Attached source documents"), default=0,
                               validators=[Optional(), NumberRange(
                                   min=0, max=999, message=_l(
                                       "The number of attached documents must be between 0 and "
                                       "999."))])
    # "type:id" of one of the unit's own records (choices filled by the view); checked again by
    # the service, which refuses another unit's record.
    link = SelectField(_l("Pays for / comes from"), choices=[], validate_choice=False,
                       validators=[Optional()])
    allow_overdraw = BooleanField(_l("Allow this payment to take the fund below zero"))
    submit = SubmitField(_l("Issue"))


class VoidForm(Form):
    reason = TextAreaField(_l("Reason for voiding"), validators=[DataRequired(message=REQUIRED), Length(max=300)])
    submit = SubmitField(_l("Void the voucher"))


class FundForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(message=REQUIRED), Length(max=20)],
                       description=_l("Short, e.g. HB-NP"))
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    sponsor = StringField(_l("Sponsor"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Create the fund"))


class SettingsForm(Form):
    form_series = SelectField(_l("Voucher forms"), choices=[
        ("tt", _l("Mẫu 01-TT / 02-TT (enterprise accounting)")),
        ("bb", _l("Mẫu C40-BB / C41-BB (public-sector accounting)")),
    ])
    word_style = SelectField(_l("Amount in words"), choices=[
        ("standard", _l("Standard (linh, nghìn, tỷ)")),
        ("regional", _l("Southern (lẻ, ngàn, tỉ)")),
    ])
    chan = BooleanField(_l("Add \"chẵn\" after round amounts"))
    head_name = StringField(_l("Name of the chair (head of unit)"),
                            validators=[Optional(), Length(max=120)])
    accountant_name = StringField(_l("Name of the accountant"),
                                  validators=[Optional(), Length(max=120)])
    cashier_name = StringField(_l("Name of the cashier"), validators=[Optional(), Length(max=120)])
    legal_basis = StringField(
        _l("Legal basis printed under the form code"), validators=[Optional(), Length(max=300)],
        description=_l("Leave empty for the circular in force on the voucher's date (Thông tư "
                       "99/2025/TT-BTC from 01/01/2026 for 01-TT/02-TT; Thông tư 107/2017/TT-BTC "
                       "for C40-BB/C41-BB)."))
    books_closed_through = DayField(
        _l("Books closed through"), validators=[Optional()],
        description=_l("No voucher may be issued or voided on or before this day."))
    submit = SubmitField(_l("Save"))


MOVE_LABELS = {
    "deposit": _l("Deposit cash into the bank account (nộp tiền mặt vào tài khoản)"),
    "withdraw": _l("Withdraw from the bank into cash on hand (rút tiền gửi về quỹ tiền mặt)"),
}


class CashMoveForm(Form):
    """A deposit or a withdrawal: a payment voucher and a receipt in one fund, cash <-> bank."""

    token = HiddenField(validators=[Length(max=40)])
    direction = SelectField(_l("Move"), choices=list(MOVE_LABELS.items()),
                            validators=[DataRequired(message=REQUIRED)])
    voucher_date = DayField(_l("Date"), validators=[DataRequired(message=REQUIRED)])
    amount = AmountField(_l("Amount (đồng)"), description=_l("e.g. 1.250.000"),
                         render_kw={"inputmode": "numeric", "autocomplete": "off"})
    fund = SelectField(_l("Fund"), coerce=int, choices=[],
                       validators=[InputRequired(message=REQUIRED)])
    person = StringField(_l("Carried by"), validators=[Optional(), Length(max=200)],
                         description=_l("Who takes the money to or from the bank; empty: the "
                                        "unit itself."))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)],
                         description=_l("Empty: the usual wording of the move."))
    allow_overdraw = BooleanField(_l("Allow this move to take cash or bank below zero"))
    submit = SubmitField(_l("Issue both vouchers"))
