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
