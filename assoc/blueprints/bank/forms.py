from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ...forms import Form
from . import banks


class AccountForm(Form):
    bank_bin = SelectField(_l("Bank"), choices=[], validators=[DataRequired()])
    account_number = StringField(_l("Account number"),
                                 validators=[DataRequired(), Length(max=30)])
    account_name = StringField(_l("Name on the account"),
                               validators=[DataRequired(), Length(max=100)])
    fund_id = SelectField(_l("Fund whose bank book it is"), coerce=int, choices=[])
    receiving = BooleanField(_l("Receiving account (printed on dues slips, cards and letters)"))
    active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, funds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.bank_bin.choices = [("", "—")] + banks.choices()
        self.fund_id.choices = [(0, _l("The general fund"))] + list(funds)


class StatementForm(Form):
    account_id = SelectField(_l("Account"), coerce=int, choices=[])
    file = FileField(_l("Bank statement (.xlsx, .xls or .csv)"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload and preview"))


class ConfirmStatementForm(Form):
    submit = SubmitField(_l("Book the chosen lines"))
