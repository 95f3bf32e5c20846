"""Learning models: registers, criteria sets, assessment, recognition and rates.

Every year a unit registers (đăng ký) households, clans, communities, organisations and citizens
for a learning-model title. At year end each entry is scored item by item against the criteria
set in force for that year; the recognising unit (a commune or higher) records a decision that
recognises a list of entries; rates are counted per unit and rolled up the tree against the
denominators and targets each unit records for the year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import (
    LEARNING_MODELS,
    LearningCriteriaSet,
    LearningCriterion,
    LearningDenominator,
    LearningEntry,
    LearningRecognition,
    LearningScore,
    Member,
    Unit,
    User,
    today,
    utcnow,
)
from ..text import clean, search_key, title_name
from . import DomainError, audit

MODEL_LABELS = {
    "family": _l("Learning family"),
    "clan": _l("Learning clan"),
    "community": _l("Learning community"),
    "organisation": _l("Learning organisation"),
    "citizen": _l("Learning citizen"),
}
# The official titles, printed on certificates and the public check page whatever the UI
# language (they are Vietnamese documents).
MODEL_TITLES = {
    "family": "Gia đình học tập",
    "clan": "Dòng họ học tập",
    "community": "Cộng đồng học tập",
    "organisation": "Đơn vị học tập",
    "citizen": "Công dân học tập",
}
# What the entry's `name` is for each model.
NAME_LABELS = {
    "family": _l("Head of household"),
    "clan": _l("Clan name"),
    "community": _l("Community (residential group, hamlet)"),
    "organisation": _l("Organisation"),
    "citizen": _l("Full name"),
}
# The fields of the register form each model uses, beside name, unit, date and commitment.
MODEL_FIELDS = {
    "family": ("address", "people"),
    "clan": ("head", "households", "address"),
    "community": ("address",),
    "organisation": ("description", "address"),
    "citizen": ("member_number", "address"),
}
# Models whose name is a person's (written like a name: "Nguyễn Văn Lộc").
PERSON_MODELS = ("family", "citizen")
# Models counted against a denominator the unit records (citizens have none).
DENOMINATED = ("family", "clan", "community", "organisation")
# Recognised this many years running (ending with the year shown): a "tiêu biểu" candidate.
OUTSTANDING_YEARS = 3
MAX_POINTS = 1000
assert set(MODEL_LABELS) == set(LEARNING_MODELS) == set(MODEL_FIELDS)


# What each audit action of the area means, as shown in a record's history.
ACTION_LABELS = {
    "learning.register": _l("registered it"),
    "learning.update": _l("changed the registration"),
    "learning.score": _l("filled in the score sheet"),
    "learning.recognise": _l("recorded the recognition decision"),
    "learning.denominators": _l("recorded the year's totals and targets"),
    "learning.criteria_create": _l("created the criteria set"),
    "learning.criteria_update": _l("changed the criteria set"),
    "learning.export": _l("exported the register"),
    "learning.import": _l("imported a register from a file"),
    "learning.imported": _l("registered it from an imported file"),
    "learning.export_rates": _l("exported the rates table"),
    "learning.withdraw": _l("withdrew it from the register"),
}


def check_model(model: str | None) -> str:
    if model not in LEARNING_MODELS:
        raise DomainError(_("Choose a learning model."), "model")
    return model


def check_year(year: int | None, field_name: str = "year") -> int:
    if not isinstance(year, int) or not 2000 <= year <= today().year + 1:
        raise DomainError(_("Enter a year between 2000 and next year."), field_name)
    return year


# ---------------------------------------------------------------------------------------------
# Registers
# ---------------------------------------------------------------------------------------------


def identity_key(name: str, address: str) -> str:
    """Who an entry is, across years: the name and address without case or diacritics."""
    return f"{search_key(name)}|{search_key(address)}"[:420]


def _count(value, field_name: str, label) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 100_000:
        raise DomainError(_("%(what)s must be a whole number above 0.", what=label), field_name)
    return value


def _find_member(unit: Unit, number: str | None) -> Member | None:
    """The member with this number ("HV-000123" or 123), if they belong to `unit`'s sub-tree."""
    text = clean(number).upper().removeprefix("HV-").removeprefix("HV")
    if not text:
        return None
    if not text.isdigit():
        raise DomainError(_("Enter a member number such as HV-000123."), "member_number")
    member = db.session.scalar(select(Member).join(Unit, Member.unit_id == Unit.id).where(
        Member.number == int(text), Unit.path.startswith(unit.path, autoescape=True)))
    if member is None:
        raise DomainError(_("No member with this number in %(unit)s.", unit=unit.name),
                          "member_number")
    return member


def _entry_values(model: str, unit: Unit, values: dict) -> dict:
    v = {
        "name": clean(values.get("name")),
        "head": clean(values.get("head")) if "head" in MODEL_FIELDS[model] else "",
        "address": clean(values.get("address")),
        "description": clean(values.get("description"))
        if "description" in MODEL_FIELDS[model] else "",
        "commitment": (values.get("commitment") or "").strip(),
        "people": _count(values.get("people"), "people", _("The number of people"))
        if "people" in MODEL_FIELDS[model] else None,
        "households": _count(values.get("households"), "households",
                             _("The number of households"))
        if "households" in MODEL_FIELDS[model] else None,
    }
    member = None
    if model == "citizen":
        member = _find_member(unit, values.get("member_number"))
        if member is not None and not v["name"]:
            v["name"] = member.full_name
        if member is not None and not v["address"]:
            v["address"] = member.address
    v["member"] = member
    if model in PERSON_MODELS:
        v["name"] = title_name(v["name"])
    v["head"] = title_name(v["head"])
    if not v["name"]:
        raise DomainError(_("%(what)s is required.", what=NAME_LABELS[model]), "name")
    if len(v["name"]) > 200 or len(v["address"]) > 300 or len(v["head"]) > 200:
        raise DomainError(_("This text is too long."), "name")
    registered_on = values.get("registered_on")
    if not isinstance(registered_on, date):
        raise DomainError(_("Enter the date of registration."), "registered_on")
    v["registered_on"] = registered_on
    return v


def check_unit(registering: Unit, unit: Unit) -> Unit:
    if not unit.path.startswith(registering.path):
        raise DomainError(_("Choose a unit inside %(unit)s.", unit=registering.name), "unit_id")
    if not unit.is_active():
        raise DomainError(_("This unit is closed."), "unit_id")
    return unit


def ward_of(unit: Unit) -> Unit:
    """The ward (commune level) a unit's entries are counted in: the unit itself at commune
    level or above, else its nearest commune ancestor (a branch or board of the ward)."""
    u = unit
    while u is not None:
        if u.level == "commune":
            return u
        u = u.parent
    return unit


def live(q):
    """Only entries not withdrawn: a withdrawn entry is counted nowhere."""
    return q.where(LearningEntry.withdrawn_at.is_(None))


def _duplicate(unit: Unit, model: str, year: int, key: str, exclude: int | None = None):
    """The same household (clan, …) already registered this year anywhere in the unit's ward
    — its own branch or another — and not withdrawn."""
    ward = ward_of(unit)
    q = live(select(LearningEntry).join(Unit, LearningEntry.unit_id == Unit.id).where(
        Unit.path.startswith(ward.path, autoescape=True), LearningEntry.model == model,
        LearningEntry.year == year, LearningEntry.identity_key == key))
    if exclude is not None:
        q = q.where(LearningEntry.id != exclude)
    return db.session.scalars(q.limit(1)).first()


def withdraw_entry(actor: User | None, entry: LearningEntry, reason: str) -> LearningEntry:
    """Withdraw an entry (registered twice, by mistake, moved away): it stays in the register
    with its reason, struck through, and is counted nowhere from then on."""
    reason = clean(reason)
    if entry.withdrawn_at is not None:
        raise DomainError(_("This entry is already withdrawn."), "reason")
    if entry.is_recognised:
        raise DomainError(_("A recognised entry cannot be withdrawn."), "reason")
    if not reason:
        raise DomainError(_("Give the reason for withdrawing."), "reason")
    if len(reason) > 300:
        raise DomainError(_("This text is too long."), "reason")
    entry.withdrawn_at = utcnow()
    entry.withdrawn_reason = reason
    entry.withdrawn_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "learning.withdraw", entry, data={"name": entry.name,
                                                          "reason": reason})
    return entry


def register(actor: User | None, unit: Unit, *, model: str, year: int, **values) -> LearningEntry:
    """Register an entry at `unit` (a ward, or a branch/board below it) for `year`."""
    check_model(model)
    check_year(year)
    v = _entry_values(model, unit, values)
    if v["registered_on"].year not in (year - 1, year):
        raise DomainError(_("A registration for %(year)d is dated in %(year)d or at the end of "
                            "the year before.", year=year), "registered_on")
    key = identity_key(v["name"], v["address"])
    if (found := _duplicate(unit, model, year, key)) is not None:
        raise DomainError(_("%(name)s is already registered at %(unit)s for %(year)d.",
                            name=v["name"], unit=found.unit.name, year=year), "name")
    if db.session.scalar(select(LearningEntry.id).where(
            LearningEntry.unit_id == unit.id, LearningEntry.model == model,
            LearningEntry.year == year, LearningEntry.identity_key == key)) is not None:
        raise DomainError(_("%(name)s was registered at %(unit)s for %(year)d and withdrawn.",
                            name=v["name"], unit=unit.name, year=year), "name")
    entry = LearningEntry(unit=unit, model=model, year=year, search_key=search_key(v["name"]),
                          identity_key=key, created_by_id=getattr(actor, "id", None), **v)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "learning.register", entry, data={
        "model": model, "year": year, "name": entry.name, "address": entry.address,
        "registered_on": entry.registered_on})
    return entry


EDITABLE = ("name", "head", "address", "people", "households", "description", "commitment",
            "registered_on")


def update_entry(actor: User, entry: LearningEntry, **values) -> LearningEntry:
    if entry.is_recognised:
        raise DomainError(_("A recognised entry can no longer be changed."))
    if entry.withdrawn_at is not None:
        raise DomainError(_("A withdrawn entry can no longer be changed."))
    merged = {k: values.get(k, getattr(entry, k)) for k in EDITABLE}
    merged["member_number"] = values.get("member_number")
    v = _entry_values(entry.model, entry.unit, merged)
    key = identity_key(v["name"], v["address"])
    if (found := _duplicate(entry.unit, entry.model, entry.year, key,
                            exclude=entry.id)) is not None:
        raise DomainError(_("%(name)s is already registered at %(unit)s for %(year)d.",
                            name=v["name"], unit=found.unit.name, year=entry.year), "name")
    member = v.pop("member")
    diff = audit.changes(entry, v)
    if member is not None and member.id != entry.member_id:
        diff["member"] = [entry.member_id, member.id]
        entry.member = member
    if not diff:
        return entry
    for k, value in v.items():
        setattr(entry, k, value)
    entry.search_key = search_key(entry.name)
    entry.identity_key = key
    db.session.flush()
    audit.record(actor, "learning.update", entry, data=diff)
    return entry


def subtree_ids(unit: Unit):
    """The ids of the unit and everything below it, as a subquery on the path index: entries
    are then read through their (year, unit) index instead of joining every entry of the year."""
    return select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True)) \
        .scalar_subquery()


@dataclass
class EntryFilters:
    year: int
    model: str = ""
    q: str = ""
    status: str = ""   # "", registered (not assessed), assessed, proposed, recognised
    subtree: bool = True

    def as_args(self) -> dict:
        return {"year": self.year, "model": self.model or None, "q": self.q or None,
                "status": self.status or None, "sub": 1 if self.subtree else 0}


STATUS_LABELS = {
    "registered": _l("Not assessed yet"),
    "assessed": _l("Assessed"),
    "proposed": _l("Reaches the threshold"),
    "recognised": _l("Recognised"),
    "withdrawn": _l("Withdrawn"),
}


def entries_query(unit: Unit, f: EntryFilters):
    """Entries of `unit` (and its sub-tree) for the year, joined to Unit for scope_query."""
    q = select(LearningEntry).join(Unit, LearningEntry.unit_id == Unit.id).where(
        LearningEntry.year == f.year)
    q = (q.where(LearningEntry.withdrawn_at.is_not(None)) if f.status == "withdrawn"
         else live(q))
    q = q.where(LearningEntry.unit_id.in_(subtree_ids(unit))) if f.subtree else q.where(
        LearningEntry.unit_id == unit.id)
    if f.model:
        q = q.where(LearningEntry.model == f.model)
    if f.q:
        q = q.where(LearningEntry.search_key.contains(search_key(f.q), autoescape=True))
    if f.status == "registered":
        q = q.where(LearningEntry.total_score.is_(None))
    elif f.status == "assessed":
        q = q.where(LearningEntry.total_score.is_not(None))
    elif f.status == "recognised":
        q = q.where(LearningEntry.recognition_id.is_not(None))
    elif f.status == "proposed":
        threshold = select(LearningCriteriaSet.threshold).where(
            LearningCriteriaSet.id == LearningEntry.criteria_set_id).scalar_subquery()
        q = q.where(LearningEntry.total_score >= threshold,
                    LearningEntry.recognition_id.is_(None))
    return q.order_by(LearningEntry.model, Unit.path, LearningEntry.search_key, LearningEntry.id)


def proposed(entry: LearningEntry) -> bool:
    """The entry's score reaches its criteria set's threshold (proposed for recognition)."""
    return (entry.total_score is not None and entry.criteria_set is not None
            and entry.total_score >= entry.criteria_set.threshold)


def outstanding(entries: list[LearningEntry], years: int = OUTSTANDING_YEARS) -> dict[int, int]:
    """For each recognised entry, how many years running (ending with its year) the same
    household/clan/… was recognised at the same unit, when that is at least `years`."""
    recognised = [e for e in entries if e.is_recognised]
    if not recognised:
        return {}
    keys = {e.identity_key for e in recognised}
    low = min(e.year for e in recognised) - 30
    rows = db.session.execute(
        select(LearningEntry.unit_id, LearningEntry.model, LearningEntry.identity_key,
               LearningEntry.year)
        .where(LearningEntry.identity_key.in_(keys), LearningEntry.year >= low,
               LearningEntry.recognition_id.is_not(None))).all()
    have = {(r.unit_id, r.model, r.identity_key, r.year) for r in rows}
    out = {}
    for e in recognised:
        n, y = 0, e.year
        while (e.unit_id, e.model, e.identity_key, y) in have:
            n, y = n + 1, y - 1
        if n >= years:
            out[e.id] = n
    return out


# ---------------------------------------------------------------------------------------------
# Criteria sets (versioned data, never code)
# ---------------------------------------------------------------------------------------------


def set_in_force(model: str, year: int) -> LearningCriteriaSet | None:
    """The newest version of the model's criteria that started in or before `year`."""
    return db.session.scalar(
        select(LearningCriteriaSet).where(LearningCriteriaSet.model == model,
                                          LearningCriteriaSet.from_year <= year)
        .order_by(LearningCriteriaSet.from_year.desc()).limit(1))


def items_text(criteria_set: LearningCriteriaSet) -> str:
    """The items as the editor shows them: a "# group" line, then "item | points | guidance"."""
    lines = []
    for group, items in criteria_set.groups():
        lines.append(f"# {group}")
        for i in items:
            lines.append(" | ".join(p for p in (i.text, str(i.max_points), i.guidance) if p))
    return "\n".join(lines)


def bands_text(criteria_set: LearningCriteriaSet) -> str:
    return "\n".join(f"{b['name']} | {b['min']}" for b in criteria_set.grade_bands or [])


def parse_items(text: str) -> list[dict]:
    """Read the editor's text. Raises DomainError naming the first bad line."""
    items, group = [], ""
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = clean(raw)
        if not line:
            continue
        if line.startswith("#"):
            group = clean(line.lstrip("#"))
            if not group:
                raise DomainError(_("Line %(n)d: give the group a name after '#'.", n=n), "items")
            continue
        parts = [clean(p) for p in line.split("|")]
        if not group:
            raise DomainError(_("Line %(n)d: start with a group line such as '# Children's "
                                "learning'.", n=n), "items")
        if len(parts) < 2 or not parts[0]:
            raise DomainError(_("Line %(n)d: write 'item | maximum points | guidance'.", n=n),
                              "items")
        try:
            points = int(parts[1])
        except ValueError:
            points = 0
        if not 1 <= points <= MAX_POINTS:
            raise DomainError(_("Line %(n)d: the maximum points must be a whole number from 1 "
                                "to %(max)d.", n=n, max=MAX_POINTS), "items")
        if len(parts[0]) > 500:
            raise DomainError(_("Line %(n)d: the item text is too long.", n=n), "items")
        items.append({"group_name": group[:200], "text": parts[0], "max_points": points,
                      "guidance": " | ".join(parts[2:])})
    if not items:
        raise DomainError(_("Enter at least one item."), "items")
    return items


def parse_bands(text: str) -> list[dict]:
    bands = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = clean(raw)
        if not line:
            continue
        parts = [clean(p) for p in line.split("|")]
        try:
            low = int(parts[1]) if len(parts) == 2 and parts[0] else -1
        except ValueError:
            low = -1
        if low < 0:
            raise DomainError(_("Line %(n)d: write 'grade | lowest points', e.g. 'Xuất sắc | 90'.",
                                n=n), "grade_bands")
        bands.append({"name": parts[0][:60], "min": low})
    return sorted(bands, key=lambda b: -b["min"])


def _set_values(values: dict) -> dict:
    name = clean(values.get("name"))
    if not name:
        raise DomainError(_("A name is required."), "name")
    from_year = values.get("from_year")
    if not isinstance(from_year, int) or not 2000 <= from_year <= 2100:
        raise DomainError(_("Enter the first year the set is used, e.g. 2026."), "from_year")
    items = parse_items(values.get("items"))
    total = sum(i["max_points"] for i in items)
    threshold = values.get("threshold")
    if not isinstance(threshold, int) or not 1 <= threshold <= total:
        raise DomainError(_("The threshold must be between 1 and the set's total of %(total)d "
                            "points.", total=total), "threshold")
    bands = parse_bands(values.get("grade_bands"))
    if any(b["min"] > total for b in bands):
        raise DomainError(_("A grade starts above the set's total of %(total)d points.",
                            total=total), "grade_bands")
    return {"name": name[:200], "from_year": from_year, "threshold": threshold,
            "grade_bands": bands, "items": items,
            "notes": (values.get("notes") or "").strip(), "sample": bool(values.get("sample"))}


def _year_taken(model: str, from_year: int, exclude: int | None = None) -> None:
    q = select(LearningCriteriaSet.id).where(LearningCriteriaSet.model == model,
                                            LearningCriteriaSet.from_year == from_year)
    if exclude is not None:
        q = q.where(LearningCriteriaSet.id != exclude)
    if db.session.scalar(q) is not None:
        raise DomainError(_("Another version of this model's criteria starts in %(year)d.",
                            year=from_year), "from_year")


def _in_use(criteria_set: LearningCriteriaSet) -> bool:
    return db.session.scalar(select(func.count()).select_from(LearningEntry).where(
        LearningEntry.criteria_set_id == criteria_set.id)) > 0


def create_set(actor: User | None, model: str, **values) -> LearningCriteriaSet:
    check_model(model)
    v = _set_values(values)
    _year_taken(model, v["from_year"])
    items = v.pop("items")
    cs = LearningCriteriaSet(model=model, created_by_id=getattr(actor, "id", None), **v)
    cs.items = [LearningCriterion(position=n, **i) for n, i in enumerate(items)]
    db.session.add(cs)
    db.session.flush()
    audit.record(actor, "learning.criteria_create", cs, data={
        "model": model, "name": cs.name, "from_year": cs.from_year, "threshold": cs.threshold,
        "items": len(items), "total": cs.max_total})
    return cs


def update_set(actor: User, cs: LearningCriteriaSet, **values) -> LearningCriteriaSet:
    """Change a version nobody has been scored on; once used, make a new version instead."""
    if _in_use(cs):
        raise DomainError(_("Entries have been scored on this version: make a new version "
                            "instead of changing it."))
    v = _set_values(values)
    _year_taken(cs.model, v["from_year"], exclude=cs.id)
    items = v.pop("items")
    diff = audit.changes(cs, v)
    old_items = items_text(cs)
    for k, value in v.items():
        setattr(cs, k, value)
    cs.items = [LearningCriterion(position=n, **i) for n, i in enumerate(items)]
    db.session.flush()
    if items_text(cs) != old_items:
        diff["items"] = [old_items.count("\n") + 1, len(items)]
    if diff:
        audit.record(actor, "learning.criteria_update", cs, data=diff)
    return cs


# ---------------------------------------------------------------------------------------------
# Assessment
# ---------------------------------------------------------------------------------------------


def _check_points(entry: LearningEntry, cs: LearningCriteriaSet, points: dict[int, object],
                  prefix: str) -> dict[int, int]:
    """Every item scored with a whole number from 0 to its maximum; returns {item id: points}."""
    out = {}
    for item in cs.items:
        value = points.get(item.id)
        name = f"{prefix}{item.id}"
        if value is None or value == "":
            raise DomainError(_("Score every item (%(item)s).", item=item.text), name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise DomainError(_("Enter whole points for %(item)s.", item=item.text), name)
        if value < 0:
            raise DomainError(_("Points cannot be negative (%(item)s).", item=item.text), name)
        if value > item.max_points:
            raise DomainError(_("%(item)s: at most %(max)d points.", item=item.text,
                                max=item.max_points), name)
        out[item.id] = value
    return out


def _check_scorable(entry: LearningEntry, year: int) -> LearningCriteriaSet:
    if entry.year != year:
        raise DomainError(_("%(name)s is not registered for %(year)d.", name=entry.name,
                            year=year), "year")
    if entry.is_recognised:
        raise DomainError(_("%(name)s is already recognised; its score can no longer change.",
                            name=entry.name))
    if entry.withdrawn_at is not None:
        raise DomainError(_("%(name)s has been withdrawn from the register.", name=entry.name))
    cs = entry.criteria_set if entry.is_assessed and entry.criteria_set else \
        set_in_force(entry.model, year)
    if cs is None or not cs.items:
        raise DomainError(_("No criteria set is in force for %(model)s in %(year)d.",
                            model=MODEL_LABELS[entry.model], year=year))
    return cs


def _write_score(actor: User, entry: LearningEntry, cs: LearningCriteriaSet,
                 points: dict[int, int], evidence_count: int, notes: str) -> None:
    existing = {s.criterion_id: s for s in entry.scores}
    before = entry.total_score
    for item_id, value in points.items():
        if item_id in existing:
            existing[item_id].points = value
        else:
            entry.scores.append(LearningScore(criterion_id=item_id, points=value))
    entry.criteria_set = cs
    entry.total_score = sum(points.values())
    entry.evidence_count = evidence_count
    entry.assessment_notes = notes
    entry.assessed_at = utcnow()
    entry.assessed_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "learning.score", entry, data={
        "year": entry.year, "total": entry.total_score, "before": before,
        "criteria": cs.name, "evidence": evidence_count})


def _evidence(value, field_name: str) -> int:
    if value is None or value == "":
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
        raise DomainError(_("Enter the number of documents (0 or more)."), field_name)
    return value


def score(actor: User, entry: LearningEntry, *, year: int, points: dict[int, object],
          evidence_count=0, notes: str = "") -> LearningEntry:
    """Fill in the score sheet of one entry for `year` (the year it is registered for)."""
    cs = _check_scorable(entry, year)
    checked = _check_points(entry, cs, points, "p-")
    _write_score(actor, entry, cs, checked, _evidence(evidence_count, "evidence_count"),
                 (notes or "").strip())
    return entry


def score_grid(actor: User, entries: list[LearningEntry], *, year: int,
               rows: dict[int, dict[int, object]],
               evidence: dict[int, object] | None = None) -> int:
    """Score many entries at once. A row left wholly blank is skipped; every other row must be
    complete. Nothing is written unless every row is right. Returns the rows scored."""
    by_id = {e.id: e for e in entries}
    evidence = evidence or {}
    plan = []
    for entry_id, points in rows.items():
        entry = by_id.get(entry_id)
        if entry is None:
            raise DomainError(_("This entry is not in the list."))
        if all(v is None or v == "" for v in points.values()):
            continue
        cs = _check_scorable(entry, year)
        checked = _check_points(entry, cs, points, f"p-{entry.id}-")
        plan.append((entry, cs, checked,
                     _evidence(evidence.get(entry_id), f"evidence-{entry.id}")))
    for entry, cs, checked, ev in plan:
        _write_score(actor, entry, cs, checked, ev, entry.assessment_notes)
    return len(plan)


# ---------------------------------------------------------------------------------------------
# Recognition
# ---------------------------------------------------------------------------------------------


def candidates(unit: Unit, model: str, year: int) -> list[LearningEntry]:
    """Assessed, not yet recognised entries of the sub-tree: what a decision may cover."""
    return list(db.session.scalars(
        select(LearningEntry).join(Unit, LearningEntry.unit_id == Unit.id).where(
            Unit.path.startswith(unit.path, autoescape=True), LearningEntry.year == year,
            LearningEntry.model == model, LearningEntry.total_score.is_not(None),
            LearningEntry.recognition_id.is_(None), LearningEntry.withdrawn_at.is_(None))
        .order_by(LearningEntry.total_score.desc(), Unit.path, LearningEntry.search_key)))


def recognise(actor: User, unit: Unit, *, model: str, year: int, entry_ids: list[int],
              reasons: dict[int, str] | None = None, number: str, decided_on: date | None,
              signer: str, issuing_body: str) -> LearningRecognition:
    """Record the decision and mark the entries it covers recognised for the year. An entry
    below its threshold needs a stated reason; an entry is recognised at most once a year."""
    check_model(model)
    check_year(year)
    reasons = {k: clean(v) for k, v in (reasons or {}).items()}
    number, signer, issuing_body = clean(number), clean(signer), clean(issuing_body)
    if not number:
        raise DomainError(_("Enter the decision number."), "number")
    if not isinstance(decided_on, date):
        raise DomainError(_("Enter the date of the decision."), "decided_on")
    if decided_on.year < year:
        raise DomainError(_("A decision for %(year)d cannot be dated before that year.",
                            year=year), "decided_on")
    if not signer:
        raise DomainError(_("Enter who signed the decision."), "signer")
    if not issuing_body:
        raise DomainError(_("Enter the issuing body."), "issuing_body")
    ids = list(dict.fromkeys(entry_ids))
    if not ids:
        raise DomainError(_("Tick at least one entry."), "entries")
    # Only entries of this model in the unit's own sub-tree are looked at: an id from elsewhere
    # is "not in the list", and its name is never read (nor shown in the error).
    entries = db.session.scalars(
        select(LearningEntry).join(Unit, LearningEntry.unit_id == Unit.id).where(
            LearningEntry.id.in_(ids), LearningEntry.model == model,
            LearningEntry.withdrawn_at.is_(None),
            Unit.path.startswith(unit.path, autoescape=True))).all()
    if len(entries) != len(ids):
        raise DomainError(_("This entry is not in the list."), "entries")
    for e in entries:
        if e.year != year:
            raise DomainError(_("%(name)s is not registered for %(year)d.", name=e.name,
                                year=year), "entries")
        if e.is_recognised:
            raise DomainError(_("%(name)s is already recognised for %(year)d (decision "
                                "%(number)s).", name=e.name, year=year,
                                number=e.recognition.number), "entries")
        if not e.is_assessed:
            raise DomainError(_("%(name)s has not been assessed yet.", name=e.name), "entries")
        if not proposed(e) and not reasons.get(e.id):
            raise DomainError(_("%(name)s scored %(score)d, below the threshold of %(min)d: "
                                "give the reason for recognising it.", name=e.name,
                                score=e.total_score, min=e.criteria_set.threshold),
                              f"reason-{e.id}")
    decision = LearningRecognition(unit=unit, model=model, year=year, number=number[:60],
                                   decided_on=decided_on, signer=signer[:200],
                                   issuing_body=issuing_body[:200],
                                   created_by_id=getattr(actor, "id", None))
    with db.session.begin_nested():
        db.session.add(decision)
        db.session.flush()
        # One conditional UPDATE: an entry a concurrent decision took first is not taken twice
        # (and this whole decision is undone).
        taken = db.session.execute(
            update(LearningEntry).where(LearningEntry.id.in_(ids),
                                        LearningEntry.recognition_id.is_(None))
            .values(recognition_id=decision.id).execution_options(synchronize_session=False)
        ).rowcount
        if taken != len(ids):
            raise DomainError(_("Some of these entries were recognised meanwhile; reload the "
                                "list."), "entries")
    for e in entries:
        set_committed_value(e, "recognition_id", decision.id)
        if not proposed(e):
            e.below_threshold_reason = reasons[e.id][:2000]
    decision.paper = certificate_paper(decision, entries)
    db.session.flush()
    audit.record(actor, "learning.recognise", decision, data={
        "model": model, "year": year, "number": decision.number, "decided_on": decided_on,
        "signer": decision.signer, "entries": len(ids),
        "below_threshold": [e.name for e in entries if not proposed(e)]})
    return decision


def certificate_paper(decision: LearningRecognition, entries: list[LearningEntry]) -> dict:
    """Issued is frozen: what the decision's certificates print that could change later (the
    names of the deciding unit's parent and of each entry's unit, the place of the date line).
    The entries themselves can no longer change once recognised."""
    unit = decision.unit
    return {
        "v": 1, "parent_name": unit.parent.name if unit.parent else "",
        "place": unit.address.split(",")[-1].strip() if unit.address else "",
        "unit_names": {str(e.id): e.unit.name for e in entries},
    }


# ---------------------------------------------------------------------------------------------
# Denominators, targets and rates
# ---------------------------------------------------------------------------------------------


def registered_counts(unit: Unit, year: int) -> dict[str, int]:
    rows = db.session.execute(
        live(select(LearningEntry.model, func.count())
             .where(LearningEntry.year == year, LearningEntry.unit_id.in_(subtree_ids(unit))))
        .group_by(LearningEntry.model)).all()
    return {m: n for m, n in rows}


def denominators_of(unit: Unit, year: int) -> dict[str, LearningDenominator]:
    return {d.model: d for d in db.session.scalars(select(LearningDenominator).where(
        LearningDenominator.unit_id == unit.id, LearningDenominator.year == year))}


def set_denominators(actor: User, unit: Unit, year: int,
                     values: dict[str, tuple[int | None, int | None]]) -> None:
    """Record, per model, the unit's total for the year and its target (% recognised)."""
    check_year(year)
    registered = registered_counts(unit, year)
    for model, (total, target) in values.items():
        check_model(model)
        if total is not None and (not isinstance(total, int) or total < 0):
            raise DomainError(_("Enter a whole number, 0 or more."), f"total-{model}")
        if total is not None and total < registered.get(model, 0):
            raise DomainError(_("%(n)d are already registered for %(year)d: the total cannot be "
                                "smaller.", n=registered[model], year=year), f"total-{model}")
        if target is not None and (not isinstance(target, int) or not 0 <= target <= 100):
            raise DomainError(_("A target is a percentage from 0 to 100."), f"target-{model}")
    existing = denominators_of(unit, year)
    diff = {}
    for model, (total, target) in values.items():
        row = existing.get(model)
        if row is None:
            if total is None and target is None:
                continue
            row = LearningDenominator(unit=unit, year=year, model=model)
            db.session.add(row)
        old = [row.total, row.target_percent]
        if old != [total, target]:
            diff[model] = [old, [total, target]]
        row.total, row.target_percent = total, target
    if diff:
        db.session.flush()
        audit.record(actor, "learning.denominators", unit, data={"year": year, **diff})


@dataclass
class Cell:
    registered: int = 0
    assessed: int = 0
    recognised: int = 0
    denominator: int | None = None
    target: int | None = None

    def percent(self, n: int) -> float | None:
        if not self.denominator:
            return None
        return round(100 * n / self.denominator, 1)

    @property
    def registered_percent(self) -> float | None:
        return self.percent(self.registered)

    @property
    def recognised_percent(self) -> float | None:
        return self.percent(self.recognised)

    @property
    def meets_target(self) -> bool | None:
        pct = self.recognised_percent
        return None if pct is None or self.target is None else pct >= self.target

    def add(self, other: Cell) -> None:
        self.registered += other.registered
        self.assessed += other.assessed
        self.recognised += other.recognised


@dataclass
class RateRow:
    unit: Unit | None       # None: the unit's own entries (not a sub-unit's)
    cells: dict[str, Cell] = field(default_factory=lambda: {m: Cell() for m in LEARNING_MODELS})


@dataclass
class RateTable:
    unit: Unit
    year: int
    rows: list[RateRow]
    total: RateRow


def _denominators(unit: Unit, year: int):
    """(denominator(unit id, model), target(ancestor ids, model)) for the units of `unit`'s
    sub-tree: a unit's own total, else the sum of its sub-units' (None when nobody records),
    and the target in force (the nearest unit up the path that set one). One query."""
    in_subtree = Unit.path.startswith(unit.path, autoescape=True)
    dens = db.session.execute(
        select(LearningDenominator.unit_id, Unit.path, LearningDenominator.model,
               LearningDenominator.total, LearningDenominator.target_percent)
        .join(Unit, Unit.id == LearningDenominator.unit_id)
        .where(LearningDenominator.year == year,
               in_subtree | LearningDenominator.unit_id.in_(unit.ancestor_ids))
    ).all()
    own_total = {(d.unit_id, d.model): d.total for d in dens if d.total is not None}
    own_target = {(d.unit_id, d.model): d.target_percent for d in dens
                  if d.target_percent is not None}
    # The tree as far as it leads to a unit with its own figure (the others add nothing).
    children: dict[int, set[int]] = defaultdict(set)
    for d in dens:
        if d.total is not None and d.path.startswith(unit.path):
            ids = [int(p) for p in d.path.strip("/").split("/")]
            for parent, child in zip(ids, ids[1:], strict=False):
                children[parent].add(child)

    memo: dict[tuple[int, str], int | None] = {}

    def denominator(unit_id: int, model: str) -> int | None:
        key = (unit_id, model)
        if key not in memo:
            if key in own_total:
                memo[key] = own_total[key]
            else:
                parts = [denominator(c, model) for c in children.get(unit_id, ())]
                parts = [p for p in parts if p is not None]
                memo[key] = sum(parts) if parts else None
        return memo[key]

    def target(path_ids: list[int], model: str) -> int | None:
        for uid in reversed(path_ids):
            if (uid, model) in own_target:
                return own_target[(uid, model)]
        return None

    return denominator, target


def rates(unit: Unit, year: int) -> RateTable:
    """Per direct sub-unit (and the unit's own entries), per model: registered, assessed and
    recognised counts, against the denominators rolled up the tree, with the target in force.

    Two grouped queries over indexed columns (entries by unit and model, denominators by
    unit), each with the paths of the units it names; the sums are made here. Neither reads
    the sub-tree's units one by one, so a national table costs what the units that record
    anything cost, not the 36,000 units of the tree."""
    counts = db.session.execute(
        select(LearningEntry.unit_id, Unit.path, LearningEntry.model, func.count(),
               func.count(LearningEntry.total_score), func.count(LearningEntry.recognition_id))
        .join(Unit, Unit.id == LearningEntry.unit_id)
        .where(LearningEntry.year == year, LearningEntry.unit_id.in_(subtree_ids(unit)),
               LearningEntry.withdrawn_at.is_(None))
        .group_by(LearningEntry.unit_id, Unit.path, LearningEntry.model)).all()
    denominator, target = _denominators(unit, year)
    child_units = db.session.scalars(select(Unit).where(Unit.parent_id == unit.id)
                                     .order_by(Unit.name)).all()
    own = RateRow(unit=None)
    by_child = {c.id: RateRow(unit=c) for c in child_units}
    depth = len(unit.ancestor_ids)  # a unit below lies under the sub-unit its path names next
    for unit_id, path, model, n, assessed, recognised in counts:
        cell = Cell(registered=n, assessed=assessed, recognised=recognised)
        row = own
        if unit_id != unit.id:
            ids = path.strip("/").split("/")
            row = by_child.get(int(ids[depth]), own) if len(ids) > depth else own
        row.cells[model].add(cell)
    total = RateRow(unit=unit)
    for row in [own, *by_child.values()]:
        for model in LEARNING_MODELS:
            total.cells[model].add(row.cells[model])
    for model in LEARNING_MODELS:
        total.cells[model].denominator = denominator(unit.id, model)
        total.cells[model].target = target(unit.ancestor_ids, model)
        for c in child_units:
            cell = by_child[c.id].cells[model]
            cell.denominator = denominator(c.id, model)
            cell.target = target(c.ancestor_ids, model)
    rows = [r for r in by_child.values() if r.unit.is_active()
            or any(c.registered for c in r.cells.values())]
    if any(c.registered for c in own.cells.values()):
        rows.insert(0, own)
    return RateTable(unit=unit, year=year, rows=rows, total=total)


def recognitions_query(unit: Unit, year: int):
    return (select(LearningRecognition).join(Unit, LearningRecognition.unit_id == Unit.id)
            .where(LearningRecognition.year == year,
                   Unit.path.startswith(unit.path, autoescape=True))
            .order_by(LearningRecognition.decided_on.desc(), LearningRecognition.id.desc()))


def dashboard_figures(unit: Unit, year: int, *, subtree: bool = True) -> RateRow:
    """The dashboard card: the unit's sub-tree (or, without `subtree`, the unit's own entries:
    the dashboard's "own unit only"), per model, for the year: `rates`'s total row, without
    placing each entry under a sub-unit (a province's 168 communes). The total recorded for
    the unit covers its whole area, so its own entries alone have no rate (None: "—")."""
    total = RateRow(unit=unit)
    where = (LearningEntry.unit_id.in_(subtree_ids(unit)) if subtree
             else LearningEntry.unit_id == unit.id)
    for model, n, assessed, recognised in db.session.execute(
            select(LearningEntry.model, func.count(), func.count(LearningEntry.total_score),
                   func.count(LearningEntry.recognition_id))
            .where(LearningEntry.year == year, where, LearningEntry.withdrawn_at.is_(None))
            .group_by(LearningEntry.model)):
        total.cells[model].add(Cell(registered=n, assessed=assessed, recognised=recognised))
    denominator, target = _denominators(unit, year)
    for model in LEARNING_MODELS:
        total.cells[model].denominator = denominator(unit.id, model) if subtree else None
        total.cells[model].target = target(unit.ancestor_ids, model)
    return total


def rate_cells(unit: Unit, year: int, *, subtree: bool = True) -> dict[str, Cell]:
    """{model: Cell} of the scope for the year (assoc/figures.py reads the rates here)."""
    return dashboard_figures(unit, year, subtree=subtree).cells
