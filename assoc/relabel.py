"""Re-word texts that were copied onto a record in the language of whoever wrote it.

A remuneration sheet copies each officer's posts and rates as text ("Chủ tịch: 1,000 × lương cơ
sở") so the signed sheet never changes; shown to someone using the other language, those words
are swapped for the current language's. Anything that is not a known label is left as written."""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _


def _labels() -> list:
    from .services.officers import TITLE_LABELS

    return list(TITLE_LABELS.values())


@lru_cache(maxsize=4)
def _table(language: str) -> tuple[re.Pattern | None, dict[str, str]]:
    words: dict[str, str] = {}
    for label in _labels():
        with force_locale(language):
            current = str(label)
        for other in ("vi", "en"):
            with force_locale(other):
                words[str(label)] = current
    for other in ("vi", "en"):
        with force_locale(other):
            suffix = _("%(c)s × base salary", c="").strip()
        with force_locale(language):
            words[suffix] = _("%(c)s × base salary", c="").strip()
    words = {k: v for k, v in words.items() if k and k != v}
    if not words:
        return None, {}
    pattern = re.compile("|".join(re.escape(k) for k in sorted(words, key=len, reverse=True)))
    return pattern, words


def relabel(text: str | None) -> str:
    if not text:
        return ""
    pattern, words = _table(str(get_locale() or "vi"))
    return pattern.sub(lambda m: words[m[0]], text) if pattern else text
