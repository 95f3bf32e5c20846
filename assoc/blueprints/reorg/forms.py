from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...forms import DayField, Form

MAX_PLAN_CHARS = 200_000


class PlanForm(Form):
    plan_text = TextAreaField(
        _l("Plan (one operation per line)"), validators=[Optional(), Length(max=MAX_PLAN_CHARS)],
        description=_l("Header: action,old_codes,new_code,new_name,new_level,new_parent_code. "
                       "Actions: merge (old codes joined by ;), split (successor codes and "
                       "names joined by ;, then assign lines), dissolve, move, rename."))
    plan_file = FileField(_l("…or a plan file (.csv)"),
                          validators=[Optional(), FileAllowed(["csv", "txt"], _l("A .csv file"))])
    member_list = FileField(
        _l("Members for a split (.csv/.xlsx: member number, successor code)"),
        validators=[Optional(), FileAllowed(["csv", "txt", "xlsx"], _l("A .csv or .xlsx file"))],
        description=_l("Adds an assign line per successor to the plan."))
    effective = DayField(_l("Effective date"), validators=[DataRequired()])
    carry_roles = BooleanField(_l("Carry users' roles over to successor units of the same "
                                  "level (other roles end)"), default=True)
    submit = SubmitField(_l("Preview"))


class ConfirmForm(Form):
    plan_text = HiddenField(validators=[DataRequired(), Length(max=MAX_PLAN_CHARS)])
    effective = HiddenField(validators=[DataRequired()])
    carry_roles = HiddenField()
    # The confirmation step: applying closes units and writes vouchers.
    confirmed = BooleanField(
        _l("I have checked the preview: close the old units and write the handover vouchers"),
        validators=[DataRequired(_l("Tick the box to confirm that you have checked the "
                                    "preview."))])
    submit = SubmitField(_l("Apply the plan"))
