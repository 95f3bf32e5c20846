from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from ...forms import Form

DIGEST_LABELS = {
    "daily": _l("Every day (only on days with something new or due)"),
    "weekly": _l("Once a week"),
    "never": _l("Never"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReminderForm(Form):
    email = StringField(_l("E-mail address"), filters=[_strip],
                        validators=[Optional(), Email(), Length(max=120)])
    digest = RadioField(_l("Reminders by e-mail"), choices=list(DIGEST_LABELS.items()),
                        validators=[DataRequired()])
    submit = SubmitField(_l("Save"))


class UnsubscribeForm(Form):
    submit = SubmitField(_l("Stop the reminders"))
