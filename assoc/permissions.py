"""THE access rule. Nothing else in the application decides who may do what.

A role held at unit U applies to U and to every unit whose path starts with U.path.
- can(user, action, unit) -> bool
- require(user, action, unit) aborts with 403
- scope_query(query, user, action, path_column) keeps only rows of units the user may act on
Special rules (e.g. nobody decides on nominations from a unit where they nominate) live here too.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, g, has_request_context
from sqlalchemy import bindparam, false, or_

from .models import Unit, User, local_day

# Actions, grouped by what each role may do. Add an action here before using it anywhere.
VIEW_ACTIONS = frozenset(
    {
        "unit.view",
        "audit.view",
        "member.view",
        "voucher.view",
        "fund.view",
        "program.view",
        "nomination.view",
        "event.view",
        "officer.view",
        "report.view",
        "learning.view",
        "periodic.view",
    }
)
CLERK_ACTIONS = VIEW_ACTIONS | {"member.edit", "event.edit", "nomination.edit", "donation.edit",
                                "learning.edit"}
TREASURER_ACTIONS = VIEW_ACTIONS | {
    "voucher.issue",
    "voucher.void",
    "fund.edit",
    "dues.collect",
    "award.pay",
    "donation.edit",
    "remuneration.edit",
}
APPROVER_ACTIONS = VIEW_ACTIONS | {"nomination.decide", "program.edit", "periodic.review"}
CHAIR_ACTIONS = (
    CLERK_ACTIONS
    | TREASURER_ACTIONS
    | APPROVER_ACTIONS
    | {"unit.edit", "role.manage", "officer.edit", "fund.overdraw", "member.merge",
       "learning.recognise", "periodic.submit", "periodic.template", "unit.export"}
)
ADMIN_ACTIONS = CHAIR_ACTIONS | {"role.grant_admin", "user.manage", "salary.edit",
                                 "learning.criteria"}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "viewer": VIEW_ACTIONS,
    "clerk": frozenset(CLERK_ACTIONS),
    "treasurer": frozenset(TREASURER_ACTIONS),
    "approver": frozenset(APPROVER_ACTIONS),
    "chair": frozenset(CHAIR_ACTIONS),
    "admin": frozenset(ADMIN_ACTIONS),
}
ALL_ACTIONS = frozenset(ADMIN_ACTIONS)

# Actions that are about the whole system rather than one unit: held via an admin role anywhere.
SYSTEM_ACTIONS = frozenset({"user.manage", "salary.edit"})


def _assignments(user: User):
    """The user's active role assignments, cached for the request (checked many times a page)."""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return []
    if has_request_context():
        cache = g.setdefault("_assignments", {})
        if user.id not in cache:
            cache[user.id] = user.active_assignments()
        return cache[user.id]
    return user.active_assignments()


def role_key(user: User) -> str:
    """The roles the user holds now and where: all that menus and tabs depend on, so it keys
    their cached fragments (a role granted or ended changes it at once)."""
    if has_request_context():
        key = g.get("_role_key")
        if key is not None and key[0] == getattr(user, "id", None):
            return key[1]
    value = ";".join(sorted(f"{a.role}@{a.unit.path}" for a in _assignments(user)))
    if has_request_context():
        g._role_key = (getattr(user, "id", None), value)
    return value


def granting_paths(user: User, action: str) -> list[str]:
    """Paths of the units at which the user holds a role that includes `action` — for a view
    action also the paths of the units those units succeeded (see predecessor_paths)."""
    if action not in ALL_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    # Derived only from what the request already caches (assignments, predecessors): kept
    # beside them, so a page asking many times (the inbox: ~40) computes each action once.
    cache = None
    if has_request_context() and "_assignments" in g:
        cache = g.setdefault("_granting", {})
        found = cache.get((getattr(user, "id", None), action))
        if found is not None and found[0] is _assignments(user):
            return list(found[1])
    held = [a for a in _assignments(user) if action in ROLE_ACTIONS[a.role]]
    paths = [a.unit.path for a in held]
    if action in VIEW_ACTIONS and held:
        before = predecessor_paths(user)
        paths += [p for a in held for p in before.get(a.unit_id, ())]
    if cache is not None:
        cache[(getattr(user, "id", None), action)] = (_assignments(user), paths)
    return list(paths)


# Successors read their predecessors: a role at unit U lets its holder READ (view actions only,
# never write) the records of the units U succeeded by a merger, dissolution or split of an
# applied plan, transitively (a merged ward merged again), each with its sub-tree as it stands.
SUCCEEDING = ("merge", "dissolve", "split")
SUCCESSION_DEPTH = 20  # plans chained on plans; far more than any real history


def predecessor_paths(user: User) -> dict[int, list[str]]:
    """{unit id of one of the user's roles: paths of the units it succeeded, transitively}:
    one query per generation of predecessors (none when nothing was reorganised under the
    user's units), cached for the request."""
    assignments = _assignments(user)
    if not assignments:
        return {}
    if has_request_context():
        cache = g.setdefault("_predecessors", {})
        if user.id in cache:
            return cache[user.id]
    found = _predecessors_of({a.unit_id for a in assignments})
    if has_request_context():
        cache[user.id] = found
    return found


def _predecessors_of(unit_ids: set[int]) -> dict[int, list[str]]:
    from sqlalchemy import select

    from .extensions import db
    from .models import ReorgPlan, UnitChange

    # {unit id: the role units it stands for}: each generation's predecessors inherit them.
    roots: dict[int, set[int]] = {u: {u} for u in unit_ids}
    found: dict[int, list[str]] = {}
    seen = set(unit_ids)
    frontier = set(unit_ids)
    for _depth in range(SUCCESSION_DEPTH):
        if not frontier:
            break
        rows = db.session.execute(
            select(UnitChange.successor_id, Unit.id, Unit.path)
            .join(Unit, Unit.id == UnitChange.unit_id)
            .join(ReorgPlan, ReorgPlan.id == UnitChange.plan_id)
            .where(UnitChange.successor_id.in_(frontier),
                   UnitChange.action.in_(SUCCEEDING), ReorgPlan.status == "applied")).all()
        frontier = set()
        for successor_id, unit_id, path in rows:
            for root in roots[successor_id]:
                paths = found.setdefault(root, [])
                if path not in paths:
                    paths.append(path)
            roots.setdefault(unit_id, set()).update(roots[successor_id])
            if unit_id not in seen:
                seen.add(unit_id)
                frontier.add(unit_id)
    return found


# Money is kept in each unit's own books: issuing or voiding its vouchers and editing its funds
# takes a role held at that very unit. A role higher up (a district treasurer) only sees them;
# administrators are the exception.
OWN_UNIT_ACTIONS = frozenset({"voucher.issue", "voucher.void", "fund.edit", "fund.overdraw"})


def can(user: User, action: str, unit: Unit | None = None) -> bool:
    if action in SYSTEM_ACTIONS:
        return bool(granting_paths(user, action))
    if unit is None:
        return False
    if action in OWN_UNIT_ACTIONS:
        return any(
            (a.unit.path == unit.path and action in ROLE_ACTIONS[a.role])
            or (a.role == "admin" and unit.path.startswith(a.unit.path))
            for a in _assignments(user)
        )
    return any(unit.path.startswith(p) for p in granting_paths(user, action))


def can_somewhere(user: User, action: str) -> bool:
    """Whether the user may do `action` in at least one unit (used to show navigation)."""
    return bool(granting_paths(user, action))


def require(user: User, action: str, unit: Unit | None = None) -> None:
    if not can(user, action, unit):
        abort(403)


def scope_query(query, user: User, action: str, path_column=Unit.path):
    """Filter `query` to rows whose unit path lies under a unit where the user may `action`.

    The caller joins whatever table carries the path (usually Unit) and passes its column."""
    prefixes = granting_paths(user, action)
    if not prefixes:
        return query.filter(false())
    # A prefix covering another prefix makes the inner one redundant.
    prefixes = [p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]
    return query.filter(or_(*(path_column.startswith(p, autoescape=True) for p in prefixes)))


def scope_prefixes(user: User, action: str) -> list[str]:
    """The unit paths scope_query filters by (a prefix covered by another one left out)."""
    prefixes = granting_paths(user, action)
    return [p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]


def scope_clause(path_column, name: str, count: int):
    """scope_query's filter with its prefixes as bound parameters `<name>0`..: for a
    statement built once and run with each user's `scope_prefixes` (the inbox). Unit paths
    hold only digits and slashes, so the prefixes need no LIKE escaping."""
    if not count:
        return false()
    return or_(*(path_column.startswith(bindparam(f"{name}{i}")) for i in range(count)))


def scope_params(user: User, action: str, name: str) -> dict[str, str]:
    """The bound values of `scope_clause(..., name, len(scope_prefixes(user, action)))`."""
    prefixes = scope_prefixes(user, action)
    assert all(p.replace("/", "").isdigit() for p in prefixes), prefixes
    return {f"{name}{i}": p for i, p in enumerate(prefixes)}


# ---------------------------------------------------------------------------------------------
# Every id is a door: one checking loader
# ---------------------------------------------------------------------------------------------


def unit_of(obj) -> Unit | None:
    """The unit a record belongs to, for access decisions (the one place that knows)."""
    if isinstance(obj, Unit):
        return obj
    from .models import PeriodicAttachment, RemunerationLine

    if isinstance(obj, RemunerationLine):
        return obj.sheet.unit
    if isinstance(obj, PeriodicAttachment):
        return obj.report.unit
    return getattr(obj, "unit", None)


def load(model, ident, action: str, user: User | None = None):
    """The record `model` with id `ident`, or 404; 403 unless the user may `action` at the
    record's unit. Use it for every id a request names: path, query string and form fields
    (pre-fill parameters, hidden ids, choices)."""
    from flask_login import current_user

    from .statements import by_id

    try:
        ident = int(ident) if ident is not None and ident != "" else None
    except (TypeError, ValueError):
        ident = None
    obj = by_id(model, ident) if ident is not None and 0 < ident < 2**63 else None
    if obj is None:
        abort(404)
    require(user if user is not None else current_user, action, unit_of(obj))
    return obj


def assignable_roles(user: User, unit: Unit) -> list[str]:
    """Roles the user may hand out at `unit`: only an admin makes admins."""
    if not can(user, "role.manage", unit):
        return []
    roles = ["viewer", "clerk", "treasurer", "approver", "chair"]
    if can(user, "role.grant_admin", unit):
        roles.append("admin")
    return roles


def can_restructure(user: User, unit: Unit) -> bool:
    """Moving or closing a unit changes its parent's tree, so it takes the edit right one level
    up (an administrator for a root). A ward chair may rename their ward but not move it."""
    if unit.parent is not None:
        return can(user, "unit.edit", unit.parent)
    return can(user, "role.grant_admin", unit)


def can_reorganise(user: User, scope: Unit, restructured: list[Unit], edited: list[Unit]) -> bool:
    """A reorganisation plan made at `scope` may touch only that sub-tree: every unit it moves
    or closes takes the restructure right, every unit it renames or hands work to takes the
    edit right."""
    return (can(user, "unit.edit", scope)
            and all(u.is_within(scope) for u in [*restructured, *edited])
            and all(can_restructure(user, u) for u in restructured)
            and all(can(user, "unit.edit", u) for u in edited))


def is_admin(user: User) -> bool:
    return can_somewhere(user, "user.manage")


def can_see_job(user: User, job) -> bool:
    """A background job's page, progress, cancel and result file (an export of members, an
    import, a reorganisation...): for whoever may, at the job's unit, do what the job does. Its
    owner too only while they still may: a role ended since closes the job's file to them."""
    from . import jobs

    jobs._load_handlers()
    action = jobs.ACTIONS.get(job.kind)
    return bool(action and job.unit is not None and can(user, action, job.unit))


def can_cancel_job(user: User, job) -> bool:
    """Cancelling a job stops someone's work: its owner, or whoever may do what it does at its
    unit through a role there or above (reading a predecessor's records is not enough)."""
    from . import jobs

    if not can_see_job(user, job):
        return False
    if job.owner_id is not None and job.owner_id == getattr(user, "id", None):
        return True
    action = jobs.ACTIONS.get(job.kind)
    return any(job.unit.path.startswith(a.unit.path) for a in _assignments(user)
               if action in ROLE_ACTIONS[a.role])


# ---------------------------------------------------------------------------------------------
# Scholarships: special rules
# ---------------------------------------------------------------------------------------------
# A program lives at a district/city unit; its quotas go to the unit's sub-units; nominations
# come from a quota unit or below. Three rules on top of `can`:
# - who may open a program: program.view at its unit, or nomination.view at/below a quota unit
#   (a ward chair must see the district's program to nominate in it);
# - who may nominate from a unit: nomination.edit there, and the unit lies inside a quota;
# - who may decide (approve/reject) a nomination: nomination.decide at the program's unit, but
#   never on a nomination they created, nor on one from a unit where they hold a nominating role
#   (nomination.edit) BELOW the program's unit. So a ward chair who is also a district approver
#   cannot approve their own ward's students; a district chair (whose role is at the program's
#   unit itself) still can.


def _inside_quota(program, unit: Unit) -> bool:
    return any(unit.path.startswith(q.unit.path) for q in program.quotas)


def can_view_program(user: User, program) -> bool:
    if can(user, "program.view", program.unit):
        return True
    return any(
        p.startswith(q.unit.path) for q in program.quotas
        for p in granting_paths(user, "nomination.view")
    )


def can_nominate(user: User, program, unit: Unit) -> bool:
    return _inside_quota(program, unit) and can(user, "nomination.edit", unit)


def nominates_in(user: User, program) -> bool:
    """Whether the user may nominate from at least one unit inside the program's quotas."""
    return any(
        p.startswith(q.unit.path) or q.unit.path.startswith(p)
        for q in program.quotas for p in granting_paths(user, "nomination.edit")
    )


def _nominating_paths_since(user: User, program) -> list[str]:
    """Units where the user held a nominating role at any time since the program opened
    (ended assignments included: role history is kept with dates, never deleted)."""
    opened = program.window_start
    if program.created_at is not None:
        opened = min(opened, local_day(program.created_at))
    opened -= timedelta(days=1)  # a role revoked today ends "yesterday" but was held today
    return [
        a.unit.path for a in user.assignments
        if "nomination.edit" in ROLE_ACTIONS.get(a.role, ())
        and (a.valid_to is None or a.valid_to >= opened)
    ]


def _submitted_by(user: User, nomination) -> bool:
    from sqlalchemy import select

    from .extensions import db
    from .models import AuditEntry

    return db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.object_type == "nomination", AuditEntry.object_id == nomination.id,
            AuditEntry.action.in_(("nomination.create", "nomination.submit")),
            AuditEntry.user_id == user.id,
        ).limit(1)
    ) is not None


def can_decide(user: User, nomination) -> bool:
    """nomination.decide at the program's unit, and the user never had a hand on the nomination's
    side: not its creator or submitter, and no nominating role (now or at any time since the
    program opened) at a unit below the program's unit that contains the nomination's unit or
    lies inside it. Ending one's ward role for a day does not open the door."""
    program = nomination.program
    if not can(user, "nomination.decide", program.unit):
        return False
    if nomination.created_by_id is not None and nomination.created_by_id == user.id:
        return False
    below_program = [
        p for p in _nominating_paths_since(user, program)
        if p.startswith(program.unit.path) and p != program.unit.path
    ]
    unit_path = nomination.unit.path
    if any(unit_path.startswith(p) or p.startswith(unit_path) for p in below_program):
        return False
    return not _submitted_by(user, nomination)


def can_write_book(user: User, book_unit: Unit) -> bool:
    """Anything that writes money into a unit's books (a receipt or a payment voucher, whichever
    feature writes it: dues, donations, counting sheets, awards, remuneration) takes the right
    to issue that unit's vouchers, i.e. a role held at the book's own unit."""
    return can(user, "voucher.issue", book_unit)


def can_collect_dues(user: User, member) -> bool:
    """Dues are receipted in the book of the member's collecting unit (a branch's parent)."""
    from .services.members import collecting_unit

    return can(user, "dues.collect", member.unit) and can_write_book(user, collecting_unit(member))


def can_pay_awards(user: User, program) -> bool:
    """Paying awards issues payment vouchers in the books of the program's unit: it takes
    award.pay there and the right to issue that unit's vouchers (a role at the unit itself)."""
    return can(user, "award.pay", program.unit) and can(user, "voucher.issue", program.unit)


def scope_programs(query, user: User, program_model, unit_model=Unit):
    """Programs the user may open (see can_view_program); the caller joins the program's Unit.

    program.view covers programs at or below the user's units; nomination.view at/below a quota
    unit adds the programs that hold that quota (quota units are the user's unit or ancestors)."""
    from sqlalchemy import select

    from .models import ScholarshipQuota

    view_paths = granting_paths(user, "program.view")
    nominate_paths = granting_paths(user, "nomination.view")
    conditions = [unit_model.path.startswith(p, autoescape=True) for p in view_paths]
    ancestor_ids = {int(i) for p in nominate_paths for i in p.strip("/").split("/") if i}
    if ancestor_ids:
        conditions.append(program_model.id.in_(
            select(ScholarshipQuota.program_id).where(ScholarshipQuota.unit_id.in_(ancestor_ids))
        ))
    return query.filter(or_(*conditions)) if conditions else query.filter(false())


# ---------------------------------------------------------------------------------------------
# Learning models: special rules
# ---------------------------------------------------------------------------------------------
# Registering and scoring (learning.edit) need a clerk role or above at the entry's unit.
# Recognising (learning.recognise) needs a chair role at the recognising unit, which must be a
# commune or higher (a branch or board does not issue decisions); the entries lie below it.
# Criteria sets belong to the whole association: only an administrator at province or national
# level edits them.

RECOGNISING_LEVELS = frozenset({"national", "province", "district", "commune"})
CRITERIA_LEVELS = frozenset({"national", "province"})


def can_recognise(user: User, unit: Unit) -> bool:
    return unit.level in RECOGNISING_LEVELS and can(user, "learning.recognise", unit)


def can_edit_criteria(user: User) -> bool:
    return any(a.unit.level in CRITERIA_LEVELS and "learning.criteria" in ROLE_ACTIONS[a.role]
               for a in _assignments(user))


# ---------------------------------------------------------------------------------------------
# Periodic reports: special rules
# ---------------------------------------------------------------------------------------------
# - filling in and submitting a unit's report takes periodic.submit (chair) at that unit;
# - returning or accepting it takes periodic.review (chair or approver) at the receiving level,
#   never by the person who submitted it;
# - templates are defined at province or national level only (periodic.template there).


def can_edit_periodic_templates(user: User, unit: Unit) -> bool:
    return unit.level in ("national", "province") and can(user, "periodic.template", unit)


def can_review_periodic(user: User, report, receiving: Unit | None) -> bool:
    if receiving is None:
        return False
    if report.submitted_by_id is not None and report.submitted_by_id == user.id:
        return False
    return can(user, "periodic.review", receiving)
