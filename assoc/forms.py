"""Base form: WTForms' own messages ("This field is required." …) go through our catalogue,
because WTForms ships no Vietnamese. Every form of the application derives from `Form`.

It is also the one place where typed text is cleaned (ASVS 5.1): every text field (StringField
and its subclasses, except passwords) is NFC-normalised and loses NUL and other control
characters — multi-line fields (TextAreaField, and HiddenField, which may carry one to a
confirmation step) keep their line breaks — and every text field has
a length limit: its own Length validator (matching its column, checked by
tests/test_security_input.py), or DEFAULT_MAX_LENGTH when it has none."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import has_request_context, request
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length, StopValidation

from .text import clean_input

DEFAULT_MAX_LENGTH = 255

# The help under an import's file box: what the one reader (assoc/services/imports.py
# read_grid) takes besides spreadsheets.
TEXT_FILES = _l("A CSV or the \"Unicode text\" (.txt) file Excel saves is read too: UTF-8, "
                "UTF-16 or Windows-1258, columns separated by commas, semicolons or tabs.")
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

# ---------------------------------------------------------------------------------------------
# Dates as people write them. Never the browser's `type="date"`: its parsing and display follow
# the browser's language (on an en-US browser 01/10/2026 becomes 10 January). A plain text box
# takes 1/10/2026, 01-10-2026, 01.10.2026, 01 10 2026, 01102026 or 2026-10-01 and shows the
# date back as 01/10/2026; a date-time also takes "05/12/2026 08:00" in one go, in Vietnam time.

VN = ZoneInfo("Asia/Ho_Chi_Minh")

_SEP = r"\s*[/.\-\s]\s*"
_DMY = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})")
_YMD = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})")
_COMPACT = re.compile(r"(\d{2})(\d{2})(\d{4})")  # 01102026
_TIME = re.compile(r"(\d{1,2})\s*[:hH.]\s*(\d{2})?(?::\d{2}(?:\.\d+)?)?")


class DateError(ValueError):
    """A typed date that cannot be read; the message says what to type."""


def _date_message():
    return _l("Type the date as day/month/year, e.g. 01/10/2026.")


def parse_day(text: str | None) -> date | None:
    """The date typed in `text` (day first, or ISO year first); None when empty.

    Raises DateError for text that is not a date, an impossible date (31/02/2026) or an
    ambiguous one (two-digit year, missing year)."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern, order in ((_DMY, "dmy"), (_YMD, "ymd"), (_COMPACT, "dmy")):
        if m := pattern.fullmatch(text):
            a, b, c = (int(g) for g in m.groups())
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            if not 1800 <= year <= 2200:
                break
            try:
                return date(year, month, day)
            except ValueError:
                raise DateError(_l("%(text)s is not a real date. Type day/month/year, "
                                   "e.g. 01/10/2026.", text=text)) from None
    raise DateError(_date_message())


def parse_moment(text: str | None) -> datetime | None:
    """A date and time typed as "05/12/2026 08:00" (or "05/12/2026 8h", or ISO
    "2026-12-05T08:00"), as an aware datetime in Vietnam time; None when empty.
    A date without a time is refused: an event needs its hour."""
    text = (text or "").strip()
    if not text:
        return None
    m = re.fullmatch(r"(.+?)(?:\s*[T,\s]\s*|\s+l[úu]c\s+)(\d{1,2}\s*[:hH.]\s*(?:\d{2})?(?::\d{2}(?:\.\d+)?)?)\s*", text)
    if not m:
        try:
            parse_day(text)
        except DateError:
            pass
        else:
            raise DateError(_l("Add the time, e.g. 05/12/2026 08:00."))
        raise DateError(_l("Type the date and time as day/month/year hour:minute, "
                           "e.g. 05/12/2026 08:00."))
    day = parse_day(m[1])
    t = _TIME.fullmatch(m[2].strip())
    hour, minute = int(t[1]), int(t[2] or 0)
    if hour > 23 or minute > 59:
        raise DateError(_l("%(text)s is not a real time. Type hour:minute, e.g. 08:00.",
                           text=m[2].strip()))
    return datetime.combine(day, time(hour, minute), tzinfo=VN)


class _TypedDateBase(StringField):
    """Shared behaviour: a text box; a badly typed value is one field error that says what to
    type (never also "This field is required."); what was typed stays in the box."""

    placeholder = "dd/mm/yyyy"
    inputmode = "numeric"

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"placeholder": self.placeholder, "inputmode": self.inputmode,
                     "autocomplete": "off", "data-date-input": self.kind,
                     **(kwargs.pop("render_kw", None) or {})}
        kwargs.setdefault("description", _l("day/month/year, e.g. 01/10/2026")
                          if self.kind == "date" else _l("e.g. 05/12/2026 08:00"))
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = self._parse(valuelist[0])
            except DateError as e:
                self.data = None
                raise ValueError(str(e)) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the parse error alone, not "required" on top

    def _value(self):
        if self.process_errors and self.raw_data:
            return self.raw_data[0]
        return self._format(self.data) if self.data else ""


class DayField(_TypedDateBase):
    """A calendar date typed as dd/mm/yyyy (and the usual variants); `data` is a `date`."""

    kind = "date"

    def _parse(self, text):
        return parse_day(text)

    @staticmethod
    def _format(value):
        return value.strftime("%d/%m/%Y")


class DayTimeField(_TypedDateBase):
    """A date and time typed as "dd/mm/yyyy HH:MM" in Vietnam time; `data` is an aware
    datetime in Asia/Ho_Chi_Minh (a naive value set by code is taken as Vietnam time)."""

    kind = "datetime"
    placeholder = "dd/mm/yyyy hh:mm"
    inputmode = "text"

    def _parse(self, text):
        return parse_moment(text)

    @staticmethod
    def _format(value):
        if value.tzinfo is None:
            value = value.replace(tzinfo=VN)
        return value.astimezone(VN).strftime("%d/%m/%Y %H:%M")


def to_utc(value: datetime | None) -> datetime | None:
    """A form's local date-time as UTC for storage."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=VN)
    return value.astimezone(UTC)


def day_or(text: str | None, default):
    """A date typed into a filter box (query string), or `default` when empty or unreadable."""
    try:
        return parse_day(text) or default
    except DateError:
        return default


def filter_day(name: str, default):
    """The date of the list filter `name` in the query string, or `default` when it is empty.
    A date that cannot be read (31/02/2026, 1/10/26, abc) is not silently dropped: its message
    is kept for the filter box (`filter_error(name)`, the `filter_date` macro), which shows it
    with what was typed, and the list uses `default`."""
    text = request.args.get(name)
    try:
        return parse_day(text) or default
    except DateError as e:
        errors = request.environ.setdefault("assoc.filter_errors", {})  # this request's own
        errors[name] = {"message": str(e), "typed": text}
        return default


def filter_error(name: str) -> dict | None:
    """{"message", "typed"} of a list filter's unreadable date (see `filter_day`), or None."""
    if not has_request_context():
        return None
    return request.environ.get("assoc.filter_errors", {}).get(name)
