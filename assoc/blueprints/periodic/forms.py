"""Forms of the periodic reports. The fill-in form's figure and text fields depend on the
template, so the view reads them (bounded, by known keys) next to a small CSRF-carrying form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FileField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...forms import DayField, Form
from ...services.periodic import CATALOGUE, KIND_LABELS, REPORTING_LEVELS, TEXT_SECTIONS

LEVEL_LABELS = {
    "province": _l("Province / city"),
    "district": _l("District (before 7/2025)"),
    "commune": _l("Ward / commune"),
    "branch": _l("Branch"),
    "board": _l("Learning-promotion board"),
}



class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TemplateForm(Form):
    kind = SelectField(_l("Kind of report"), choices=list(KIND_LABELS.items()))
    title = StringField(_l("Report title"), validators=[DataRequired(), Length(max=200)])
    period_start = DayField(_l("Period from"), validators=[InputRequired()],
                            render_kw={"placeholder": "01/01/2026"})
    period_end = DayField(_l("Period until"), validators=[InputRequired()],
                          render_kw={"placeholder": "31/12/2026"})
    due_date = DayField(_l("Report due on"), validators=[InputRequired()],
                        render_kw={"placeholder": "15/01/2027"})
    levels = MultiCheckboxField(_l("Levels that report"),
                                choices=[(k, LEVEL_LABELS[k]) for k in REPORTING_LEVELS])
    groups = MultiCheckboxField(_l("Figure tables"),
                                choices=[(k, g.label) for k, g in CATALOGUE.items()])
    extra_sections = TextAreaField(_l("Other text sections (one title a line, optional)"),
                                   validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save the template"))

    @property
    def text_fields(self):
        return [(key, getattr(self, f"text_{key}"), getattr(self, f"required_{key}"))
                for key in TEXT_SECTIONS]

    def values(self) -> dict:
        return {"kind": self.kind.data, "title": self.title.data,
                "period_start": self.period_start.data, "period_end": self.period_end.data,
                "due_date": self.due_date.data, "levels": self.levels.data or [],
                "groups": self.groups.data or [],
                "text_sections": {key: bool(req.data) for key, inc, req in self.text_fields
                                  if inc.data},
                "extra_sections": self.extra_sections.data or ""}


for _key, _label in TEXT_SECTIONS.items():
    setattr(TemplateForm, f"text_{_key}", BooleanField(_label))
    setattr(TemplateForm, f"required_{_key}", BooleanField(_l("required")))


class FillForm(Form):
    """CSRF, the optimistic revision, the fingerprints of the fields as loaded (`base`,
    assoc/merge.py), the fields awaiting a choice after a conflict (`pending`) and the header
    fields; figures/texts are read by key."""

    revision = HiddenField()
    base = HiddenField()
    pending = HiddenField()
    number = StringField(_l("Number (Số)"), validators=[Optional(), Length(max=40)],
                         render_kw={"placeholder": "15/BC-KH"})
    place = StringField(_l("Place"), validators=[Optional(), Length(max=120)])
    signer = StringField(_l("Signed by (chair)"), validators=[Optional(), Length(max=120)])
    recipients = TextAreaField(_l("Recipients (Nơi nhận), one a line"),
                               validators=[Optional(), Length(max=500)])


class ConfirmForm(Form):
    revision = HiddenField()


class ReviewForm(Form):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class AttachForm(Form):
    file = FileField(_l("File (PDF or image)"))
