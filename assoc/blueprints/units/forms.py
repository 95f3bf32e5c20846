from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ...forms import DayField, Form
from ...merge import Guarded

LEVEL_LABELS = {
    "national": _l("National"),
    "province": _l("Province / city"),
    "district": _l("District (before 7/2025)"),
    "commune": _l("Ward / commune"),
    "branch": _l("Branch"),
    "board": _l("Learning-promotion board"),
}

ROLE_LABELS = {
    "viewer": _l("Viewer"),
    "clerk": _l("Clerk"),
    "treasurer": _l("Treasurer"),
    "approver": _l("Approver"),
    "chair": _l("Chair"),
    "admin": _l("Administrator"),
}


class UnitForm(Guarded, Form):
    level = SelectField(_l("Level"), choices=[], validators=[DataRequired()])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("Short and unique, e.g. HCM-Q4-KH"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("Email"), validators=[Optional(), Email(), Length(max=120)])
    valid_from = DayField(_l("Founded on"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class MoveForm(Form):
    parent = SelectField(_l("New parent unit"), coerce=int, choices=[],
                         validators=[DataRequired()])
    submit = SubmitField(_l("Move"))


class CloseForm(Form):
    on = DayField(_l("Closed on"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    successor = SelectField(_l("Successor unit (after a merger)"), coerce=int, choices=[])
    submit = SubmitField(_l("Close the unit"))


class GrantRoleForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    role = SelectField(_l("Role"), choices=[], validators=[DataRequired()])
    valid_from = DayField(_l("From"), validators=[Optional()])
    valid_to = DayField(_l("Until"), validators=[Optional()])
    submit = SubmitField(_l("Give the role"))


class NewUserRoleForm(Form):
    """Create an account and give it a role here in one step (the common case for a new ward)."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=60)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    password = StringField(_l("Initial password"), validators=[DataRequired(), Length(min=8)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    role = SelectField(_l("Role"), choices=[], validators=[DataRequired()])
    submit = SubmitField(_l("Create the account"))
