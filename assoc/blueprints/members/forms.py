from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...forms import TEXT_FILES, DayField, Form

SEX_CHOICES = [("", "—"), ("M", _l("Male")), ("F", _l("Female"))]
KIND_LABELS = {"individual": _l("Individual"), "collective": _l("Collective")}
STATUS_LABELS = {"active": _l("Active"), "ended": _l("Ended"), "merged": _l("Merged")}


class MemberForm(Form):
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()), default="individual")
    full_name = StringField(_l("Full name / organisation name"),
                            validators=[DataRequired(), Length(max=200)])
    honorary = BooleanField(_l("Honorary member"))
    birth = StringField(_l("Birth date or year"), validators=[Optional(), Length(max=20)],
                        description=_l("dd/mm/yyyy, or just the year"))
    sex = SelectField(_l("Sex"), choices=SEX_CHOICES, default="")
    cccd = StringField(_l("CCCD (citizen ID)"), validators=[Optional(), Length(max=20)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    occupation = StringField(_l("Occupation"), validators=[Optional(), Length(max=120)])
    unit_id = SelectField(_l("Branch / board"), coerce=int, choices=[])
    joined_on = DayField(_l("Joined on"), validators=[Optional()])
    representative = StringField(_l("Representative (collective member)"),
                                 validators=[Optional(), Length(max=200)])
    contact = StringField(_l("Contact (collective member)"),
                          validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Save"))

    def service_values(self) -> dict:
        return {k: getattr(self, k).data for k in (
            "kind", "full_name", "honorary", "birth", "sex", "cccd", "phone", "address",
            "occupation", "joined_on", "representative", "contact", "notes")}


class TransferForm(Form):
    unit_id = SelectField(_l("New unit"), coerce=int, choices=[], validators=[DataRequired()])
    on = DayField(_l("Transferred on"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Transfer"))


class EndForm(Form):
    on = DayField(_l("Ended on"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)],
                         description=_l("e.g. moved away, deceased, resigned"))
    submit = SubmitField(_l("End the membership"))


class DuesPayForm(Form):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    amount = IntegerField(_l("Amount (đ)"), validators=[Optional(), NumberRange(1, 10**12)],
                          description=_l("Leave empty to use the unit's yearly amount"))
    token = HiddenField(validators=[Length(max=40)])  # a one-time uuid hex
    submit = SubmitField(_l("Mark dues paid"))


class DuesRateForm(Form):
    year = IntegerField(_l("Year the amount applies to"),
                        validators=[DataRequired(), NumberRange(2000, 2100)])
    amount = IntegerField(_l("Yearly dues (đ)"), validators=[DataRequired(),
                                                             NumberRange(1, 10**12)])
    submit = SubmitField(_l("Save the amount"))


class ImportForm(Form):
    file = FileField(_l("Excel (.xlsx) or CSV file"), validators=[FileRequired()],
                     description=TEXT_FILES)
    submit = SubmitField(_l("Upload and preview"))


class ConfirmImportForm(Form):
    valid_only = BooleanField(_l("Import the valid rows only"))
    submit = SubmitField(_l("Import"))


# The import's fields by their names in the interface language (the column-mapping badges).
IMPORT_FIELD_LABELS = {
    "stt": _l("Row number"), "full_name": _l("Full name"), "family": _l("Family name"),
    "given": _l("Given name"), "birth": _l("Birth"), "birth_male": _l("Birth year (male)"),
    "birth_female": _l("Birth year (female)"), "sex": _l("Sex"), "cccd": _l("CCCD"),
    "phone": _l("Phone"), "address": _l("Address"), "occupation": _l("Occupation"),
    "branch": _l("Branch"), "joined_on": _l("Joined on"), "kind": _l("Kind"),
    "honorary": _l("Honorary"), "representative": _l("Representative"),
    "contact": _l("Contact"), "notes": _l("Notes"), "number": _l("Member no."),
}


class MergeForm(Form):
    keep_id = HiddenField(validators=[DataRequired()])
    other_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Merge"))
