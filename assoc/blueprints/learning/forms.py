"""Forms of the learning-models area. Dates are the one typed date field (DayField)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...forms import TEXT_FILES, DayField, Form
from ...models import today
from ...services.learning import MODEL_LABELS


def model_choices():
    return [(k, v) for k, v in MODEL_LABELS.items()]


class EntryForm(Form):
    unit_id = SelectField(_l("Branch / board"), coerce=int, choices=[])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    head = StringField(_l("Head of the clan"), validators=[Optional(), Length(max=200)])
    member_number = StringField(_l("Member number (if a member)"),
                                validators=[Optional(), Length(max=20)],
                                description=_l("e.g. HV-000123; the name and address are "
                                               "taken from the member when left empty."))
    address = StringField(_l("Address / where"), validators=[Optional(), Length(max=300)])
    people = IntegerField(_l("Number of people"), validators=[Optional(), NumberRange(1, 1000)])
    households = IntegerField(_l("Number of households"),
                              validators=[Optional(), NumberRange(1, 100_000)])
    description = StringField(_l("Description (school, agency, enterprise…)"),
                              validators=[Optional(), Length(max=500)])
    registered_on = DayField(_l("Registered on"), validators=[DataRequired()], default=today)
    commitment = TextAreaField(_l("Commitment"), validators=[Optional(), Length(max=3000)],
                               description=_l("What the household, clan or unit commits to "
                                              "this year."))
    submit = SubmitField(_l("Register"))

    COMMON = ("name", "address", "registered_on", "commitment")

    def values(self) -> dict:
        return {k: self[k].data for k in ("name", "head", "member_number", "address", "people",
                                          "households", "description", "registered_on",
                                          "commitment")}


class ScoreForm(Form):
    """The score sheet: one points field per item (named p-<item id>), added by the view."""

    year = IntegerField(validators=[DataRequired()])
    evidence_count = IntegerField(_l("Evidence documents"), default=0,
                                  validators=[Optional(), NumberRange(0, 10_000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=3000)])
    submit = SubmitField(_l("Save the score sheet"))


class RecognitionForm(Form):
    number = StringField(_l("Decision number"), validators=[DataRequired(), Length(max=60)],
                         description=_l("e.g. 25/QĐ-KH"))
    decided_on = DayField(_l("Decision date"), validators=[DataRequired()], default=today)
    signer = StringField(_l("Signed by"), validators=[DataRequired(), Length(max=200)])
    issuing_body = StringField(_l("Issuing body"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Recognise the ticked entries"))


class CriteriaSetForm(Form):
    model = SelectField(_l("Learning model"), choices=model_choices())
    name = StringField(_l("Name of the set"), validators=[DataRequired(), Length(max=200)],
                       description=_l("e.g. Bộ tiêu chí 2026"))
    from_year = IntegerField(_l("In force from the year"),
                             validators=[DataRequired(), NumberRange(2000, 2100)])
    threshold = IntegerField(_l("Points needed for recognition"),
                             validators=[DataRequired(), NumberRange(1, 100_000)])
    items = TextAreaField(
        _l("Groups and items"), validators=[DataRequired()], render_kw={"rows": 14},
        description=_l("One line '# group name' per group, then one line per item: "
                       "'item | maximum points | guidance'."))
    grade_bands = TextAreaField(_l("Grade bands (optional)"), render_kw={"rows": 3},
                                description=_l("One line per grade: 'grade | lowest points', "
                                               "e.g. 'Xuất sắc | 90'."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=3000)])
    sample = BooleanField(_l("Sample data (to be replaced by the official text)"))
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        return {k: self[k].data for k in ("name", "from_year", "threshold", "items",
                                          "grade_bands", "notes", "sample")}


class ConfirmForm(Form):
    """A bare POST with CSRF (the grid and denominators build their own fields)."""


class RegisterImportForm(Form):
    """Upload a register kept in Excel: which model, which year, and the date for the rows
    that have none (or for every row, when last year's list is registered again)."""

    model = SelectField(_l("Learning model"), choices=[])
    year = IntegerField(_l("Register for the year"),
                        validators=[DataRequired(), NumberRange(2000, 2100)])
    registered_on = DayField(_l("Date of registration for the rows without one"),
                             validators=[Optional()])
    same_date = BooleanField(_l("Use this date for every row (the file's dates are ignored)"),
                             description=_l("For last year's list registered again this year."))
    file = FileField(_l("Excel (.xlsx, .xls, .ods) or CSV file"), validators=[FileRequired()],
                     description=TEXT_FILES)
    submit = SubmitField(_l("Upload and preview"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model.choices = [("", _l("As the file's \"Mô hình\" column says")),
                              *model_choices()]


class WithdrawForm(Form):
    reason = TextAreaField(_l("Reason for withdrawing"),
                           validators=[DataRequired(), Length(max=300)],
                           description=_l("E.g. registered twice, under another branch."))
    submit = SubmitField(_l("Withdraw the entry"))
