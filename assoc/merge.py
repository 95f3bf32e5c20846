"""Field-level merging of a stale save (optimistic locking without losing anybody's text).

A form with optimistic locking carries, beside its revision, a fingerprint of every field as
its sender loaded it (`fingerprints`, in a hidden input as `encode(...)`). When the save
arrives after someone else's, each field is one of:

- untouched by the sender (their value still has the fingerprint they loaded): the saved
  value stays — a stale copy of a field never overwrites the other person's text;
- changed by the sender only (the saved value still has the loaded fingerprint): written;
- changed by both to the same value: nothing to decide;
- changed by both differently: a **conflict**, shown side by side for the sender to choose;
  nothing is written until they have.

Values are compared after the service's own normalisation, so "25" typed and 25 stored are
the same figure. A field without a fingerprint (an old form) counts as changed by both when
the values differ."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from wtforms import HiddenField


def fingerprint(value: object) -> str:
    raw = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def fingerprints(values: dict[str, object]) -> dict[str, str]:
    return {key: fingerprint(value) for key, value in values.items()}


def encode(values: dict[str, object]) -> str:
    """The hidden input's value: the fingerprints of the values as loaded."""
    return json.dumps(fingerprints(values), separators=(",", ":"), sort_keys=True)


def decode(raw: str | None) -> dict[str, str]:
    """The fingerprints a form carried back ({} when absent or tampered with)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


@dataclass
class Merge:
    write: dict[str, object] = field(default_factory=dict)  # the sender's changes to write
    kept: list[str] = field(default_factory=list)  # the other person's changes kept
    conflicts: list[str] = field(default_factory=list)  # changed by both, differently


def merge(base: dict[str, str], mine: dict[str, object], theirs: dict[str, object]) -> Merge:
    """What a stale save may write: `base` the fingerprints the sender loaded, `mine` what they
    submitted, `theirs` what is saved now (same keys, normalised alike)."""
    out = Merge()
    for key, value in mine.items():
        saved = theirs.get(key)
        if value == saved:
            continue
        loaded = base.get(key)
        mine_changed = loaded is None or fingerprint(value) != loaded
        theirs_changed = loaded is None or fingerprint(saved) != loaded
        if mine_changed and theirs_changed:
            out.conflicts.append(key)
        elif mine_changed:
            out.write[key] = value
        else:
            out.kept.append(key)
    return out


# ---------------------------------------------------------------------------------------------
# The same for an edit form of the house shape (`views.form_page(..., current=...)`)
# ---------------------------------------------------------------------------------------------

class Guarded:
    """Mixin for an edit form: `loaded` carries the fingerprints of its fields as shown."""

    loaded = HiddenField()


SKIPPED_TYPES = ("CSRFTokenField", "SubmitField", "HiddenField", "FileField",
                 "MultipleFileField")


def _norm(value: object) -> object:
    """A field's data as compared: no None/"" or surrounding-space difference, datetimes
    to the minute without their zone (what a form shows and posts back)."""
    from datetime import date, datetime
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, (list, tuple, set)):
        return sorted(str(v) for v in value)
    return value


def guarded_fields(form) -> list:
    return [f for f in form if f.type not in SKIPPED_TYPES and f.name != "loaded"]


def remember(form) -> None:
    """On the GET of an edit form: the fingerprints of the fields as shown."""
    form.loaded.data = encode({f.name: _norm(f.data) for f in guarded_fields(form)})


def _shown(field, value) -> str:
    from datetime import date, datetime

    choices = getattr(field, "choices", None)
    if choices and not callable(choices):
        labels = {str(k): str(v) for k, v in (choices.items() if isinstance(choices, dict)
                                              else choices)}
        return labels.get(str(value), str(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        from flask_babel import gettext as _

        return _("yes") if value else _("no")
    return "" if value is None else str(value)


def keep_others_changes(form, current) -> list[str]:
    """Before a POSTed edit form is saved: a field its sender did not change since loading
    the form takes the saved value (someone else's change is kept, not overwritten by a stale
    copy); a field both changed, differently, gets an error showing the saved value beside
    the sender's, and the names of those fields are returned (nothing is saved then). The
    form's fingerprints then become those of the saved values, so saving again writes what
    is in the box. `current` is the same form bound to the record as saved now."""
    from flask_babel import gettext as _

    base = decode(form.loaded.data)
    if not base:  # a form loaded before this check existed: nothing to compare with
        return []
    fields = [f for f in guarded_fields(form) if f.name in current._fields]
    mine = {f.name: _norm(f.data) for f in fields}
    theirs = {f.name: _norm(current[f.name].data) for f in fields}
    result = merge(base, mine, theirs)
    for name in result.kept:
        form[name].data = current[name].data
        if hasattr(form[name], "raw_data"):
            form[name].raw_data = None  # shown from data, not from what was posted
    for name in result.conflicts:
        form[name].errors = [*form[name].errors, _(
            "Someone else changed this meanwhile to: %(value)s. Your version is in the box: "
            "save again to keep it, or change it.",
            value=_shown(current[name], current[name].data) or _("(empty)"))]
    if result.conflicts:
        form.loaded.data = encode(theirs)
    return result.conflicts
