"""Base form: WTForms' own messages ("This field is required." …) go through our catalogue,
because WTForms ships no Vietnamese. Every form of the application derives from `Form`."""

from flask_babel import get_translations
from flask_wtf import FlaskForm


class _CatalogueTranslations:
    # Raw catalogue look-ups: WTForms formats the %(min)d-style placeholders itself.
    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _CatalogueTranslations()
