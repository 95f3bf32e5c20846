"""Base form: WTForms' own messages ("This field is required." …) go through our catalogue,
because WTForms ships no Vietnamese. Every form of the application derives from `Form`.

It is also the one place where typed text is cleaned (ASVS 5.1): every text field (StringField
and its subclasses, except passwords) is NFC-normalised and loses NUL and other control
characters — multi-line fields (TextAreaField, and HiddenField, which may carry one to a
confirmation step) keep their line breaks — and every text field has
a length limit: its own Length validator (matching its column, checked by
tests/test_security_input.py), or DEFAULT_MAX_LENGTH when it has none."""

from flask_babel import get_translations
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length

from .text import clean_input

DEFAULT_MAX_LENGTH = 255
DEFAULT_MAX_LENGTH_MULTILINE = 5000


class _CatalogueTranslations:
    # Raw catalogue look-ups: WTForms formats the %(min)d-style placeholders itself.
    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


def _clean_single(value):
    return clean_input(value) if isinstance(value, str) else value


def _clean_multi(value):
    return clean_input(value, multiline=True) if isinstance(value, str) else value


class InputLength(Length):
    """Length of what was typed (raw input), so that it also bounds text fields whose data is
    parsed into something else (money fields hold int)."""

    def __call__(self, form, field):
        typed = field.raw_data[0] if field.raw_data else None
        if isinstance(typed, str) and self.max > 0 and len(typed) > self.max:
            super().__call__(form, _Typed(typed, field))


class _Typed:
    def __init__(self, data, field):
        self.data = data
        self.gettext, self.ngettext = field.gettext, field.ngettext


def max_length(field) -> int | None:
    """The smallest maximum of the field's Length validators (None: unbounded)."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max and v.max > 0]
    return min(limits) if limits else None


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _CatalogueTranslations()

        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField):
                # Hidden fields may carry a text area's content to a confirmation step.
                multiline = issubclass(field_class, (TextAreaField, HiddenField))
                if not issubclass(field_class, PasswordField):
                    options["filters"] = [
                        _clean_multi if multiline else _clean_single,
                        *unbound_field.kwargs.get("filters", ()),
                        *options.get("filters", ()),
                    ]
                validators = list(unbound_field.kwargs.get("validators") or ())
                if len(unbound_field.args) > 1:  # validators given positionally
                    validators = list(unbound_field.args[1] or ())
                if not any(isinstance(v, Length) and v.max and v.max > 0 for v in validators):
                    limit = DEFAULT_MAX_LENGTH_MULTILINE if multiline else DEFAULT_MAX_LENGTH
                    options["validators"] = [*validators, InputLength(max=limit)]
                    if len(unbound_field.args) > 1:
                        unbound_field = type(unbound_field)(
                            field_class, unbound_field.args[0], *unbound_field.args[2:],
                            **unbound_field.kwargs)
            return unbound_field.bind(form=form, **options)


class MaxLines:
    """A bulk text box (one record per line) takes at most `n` lines at once, so that a huge
    paste is refused with a clear message instead of tying up a worker."""

    def __init__(self, n: int):
        self.n = n

    def __call__(self, form, field):
        from flask_babel import gettext as _
        from wtforms.validators import ValidationError

        if field.data and field.data.count("\n") + 1 > self.n:
            raise ValidationError(_("At most %(n)d lines at once; split the list and enter it "
                                    "in parts.", n=self.n))
