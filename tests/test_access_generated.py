"""Generated cross-unit parameter suite: every id is a door.

For every route in the app's URL map, every id-like parameter — path converters, the query
parameters the views read (donor_id, fund, unit_id, …) and the id fields of the real POST forms
(harvested from the pages that show them) — is filled with another unit's ids, as each of the
roles below. The answer must be 403/404 (a redirect to the login page for an anonymous visitor,
or a clean 400/409 that writes nothing), no page may show the other unit's records, and the
database must not change (every table hashed before and after).

A second pass holds every money-writing POST to the own-book rule: whatever the route, no
receipt or payment voucher may appear in the book of a unit where the actor holds no role at
that very unit (a district treasurer above the ward, a branch treasurer below it).

The world is built once per test (one test per role); requests are checked one by one and all
failures are reported together.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from flask import url_for
from sqlalchemy import event as sa_event
from sqlalchemy import select, text

from assoc.extensions import db as _db
from assoc.models import ReorgPlan, RoleAssignment, Unit, UnitChange, User, Voucher, today
from assoc.services import events as ev
from assoc.services import imports, treasury

from .builders import (
    build_base_salaries,
    build_donor,
    build_event,
    build_fund,
    build_member,
    build_nomination,
    build_officer,
    build_program,
    build_rule,
    build_tree,
    build_unit,
    build_user,
)
from .builders_learning import build_criteria, build_entry

MARK = "Zq7"  # in every text of the other unit's records: it must never show in a page

# Routes that are public by design (the QR check pages) or carry no record of a unit.
PUBLIC_OR_GLOBAL = {"static", "bootstrap.static", "treasury.verify", "members.check",
                    "auth.set_language", "auth.login", "auth.logout", "auth.change_password"}

# Query parameters that name a record are discovered from the source: every name a view or
# helper of the blueprint reads from request.args/request.values that looks like an id.
ROOT = Path(__file__).resolve().parent.parent / "assoc"
READS = re.compile(r'(?:(?:args|values)(?:\.get)?[\(\[]|(?:int|year)_arg\()\s*"([a-z_]+)"')
ID_NAMES = {"unit", "fund", "quota", "nomination", "member", "program", "officer", "donor",
            "event", "pledge", "voucher", "sheet"}


def _id_like(name: str) -> bool:
    return name.endswith("_id") or name in ID_NAMES


def query_params(endpoint: str) -> list[str]:
    """Id-like query parameters read by the endpoint's blueprint (and the shared helpers)."""
    package = endpoint.split(".", 1)[0]
    files = [*(ROOT / "blueprints" / package).glob("*.py"), ROOT / "blueprints" / f"{package}.py",
             ROOT / "views.py", ROOT / "filters.py", *(ROOT / "services").glob("*.py")]
    names = set()
    for path in files:
        if path.exists():
            names |= {n for n in READS.findall(path.read_text()) if _id_like(n)}
    return sorted(names)


# Tables that are caches derived from the others (rebuilt by any dashboard view).
DERIVED = {"unit_tally", "tallied_unit"}


# ---------------------------------------------------------------------------------------------
# The world: ward_a's records are "theirs"; each attacker has their own unit with a few records
# ---------------------------------------------------------------------------------------------


@dataclass
class World:
    tree: object
    target: dict = field(default_factory=dict)       # parameter name -> other unit's id
    own: dict = field(default_factory=dict)          # unit name -> {parameter -> own id}
    import_token: str = ""
    job_token: str = ""


def _records(unit, mark: str) -> dict:
    member = build_member(unit, f"Nguyễn {mark} Mật", phone="0903111222", address=f"{mark} st")
    fund = build_fund(unit, code=f"F{unit.id}", name=f"Quỹ {mark}")
    treasury.funds_of(unit)
    event = build_event(unit, kind="piggy_bank", title=f"Ngày hội {mark}")
    donor = build_donor(unit, f"Công ty {mark}", phone="0912345678", tax_code="0301234567",
                        address=f"1 {mark}")
    return {"unit_id": unit.id, "member_id": member.id, "fund": fund.id, "fund_id": fund.id,
            "event_id": event.id, "donor_id": donor.id, "unit": unit.id}


def _learning(unit, mark: str, actor) -> dict:
    """A unit's learning-model register for this year: an entry of every model, one scored (the
    recognise page offers it), one recognised by a decision, the year's totals and targets."""
    from assoc.models import LEARNING_MODELS
    from assoc.services import learning

    year = today().year
    entries = {model: build_entry(unit, f"Nguyễn {mark} {n}", model=model, year=year,
                                  address=f"{n} {mark} st", commit=False)
               for n, model in enumerate(LEARNING_MODELS, start=1)}
    scored = build_entry(unit, f"Lê {mark} Điểm", year=year, points=[30, 20, 30, 20],
                         commit=False)
    recognised = build_entry(unit, f"Võ {mark} Công", year=year, points=[30, 20, 20, 20],
                             commit=False)
    decision = learning.recognise(actor, unit, model="family", year=year,
                                  entry_ids=[recognised.id], number=f"{unit.id}/QĐ-{mark}",
                                  decided_on=today(), signer=f"Ông {mark}",
                                  issuing_body=f"Hội {mark}")
    learning.set_denominators(actor, unit, year, {"family": (50, 40), "clan": (5, None)})
    return {"entry_id": scored.id, "entry": scored.id, "recognition_id": decision.id,
            **{f"{model}_entry_id": e.id for model, e in entries.items()}}


def _export_job(owner, unit):
    """A finished export of the unit's members, prepared by a job (its page, state and file)."""
    from assoc import jobs

    job = jobs.create(owner, unit, "member_export", f"Xuất {MARK}", {"format": "csv"})
    _db.session.commit()
    jobs.run(job.id)
    _db.session.refresh(job)
    assert job.status == "done" and jobs.result_available(job)
    return job


def app_instance_dir() -> str:
    from flask import current_app

    return current_app.instance_path


def build_world() -> World:
    tree = build_tree()
    world = World(tree)
    admin = build_user("admin", tree.city, username="root")
    for name in ("city", "district_a", "district_b", "ward_a", "ward_b", "ward_c", "branch_a",
                 "branch_b", "board_a"):
        treasury.funds_of(getattr(tree, name))
    a = tree.ward_a
    t = _records(a, MARK)
    event = _db.session.get(ev.Event, t["event_id"])
    donor = _db.session.get(ev.Donor, t["donor_id"])
    donation = ev.record_donation(admin, a, method="cash", donor=donor, event=event,
                                  amount=300_000, received_on=today())
    pledge = ev.create_pledge(admin, a, donor=donor, amount=900_000, event=event)
    sheet = ev.record_counting_sheet(admin, event, group_name=f"Lớp {MARK}",
                                     counts={"n10000": 5}, counter_1="An", counter_2="Bình")
    voucher = treasury.issue_voucher(admin, a, kind="receipt", amount=250_000,
                                     party_name=f"Ông {MARK}", reason="Ủng hộ")
    branch_member = build_member(tree.branch_a, "Lê Thị Chi")  # the branch's own member
    build_base_salaries()
    build_rule(a, "chair", coefficient=1000)
    officer = build_officer(a, f"Phạm {MARK}", ("chair", date(2020, 1, 1)), phone="0977000111")
    from assoc.services import officers as off

    rsheet = off.create_sheet(None, a, year=2025, month=11)
    program = build_program(tree.district_a, quotas={a: 5})
    nomination = build_nomination(program, a, student_name=f"Trần {MARK} Em")
    clerk = build_user("clerk", a)
    assignment = _db.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == clerk.id))
    world.import_token = imports.save_upload(admin, a, b"Ho ten\nNguyen Van A\n", "ds.csv")
    from assoc.services import periodic

    from .builders import build_periodic_template

    template = build_periodic_template(tree.city, title=f"Báo cáo {MARK}")
    report = periodic.start_report(None, template, a)
    attachment = periodic.add_attachment(
        None, report, filename="bien-ban.pdf", data=b"%PDF-1.4 " + MARK.encode(),
        folder=Path(app_instance_dir()) / "periodic", limit=10**6)
    criteria = [build_criteria(model) for model in ("family", "clan", "community",
                                                    "organisation", "citizen")]
    learning_ids = _learning(a, MARK, admin)
    job = _export_job(admin, a)
    plan = ReorgPlan(unit=a, effective=today(), title=f"Sáp nhập {MARK}", status="applied",
                     summary={"handovers": []})
    _db.session.add(plan)
    from assoc.blueprints.bank import accounts as bank_accounts

    account = bank_accounts.create_account(admin, a, bank_bin="970436",
                                           account_number="0071000123456",
                                           account_name=f"HKH {MARK}")
    _db.session.flush()
    # A ward elsewhere that succeeded ward_a by that plan (its chair reads ward_a's records,
    # never writes them; nobody else gains anything from it).
    successor = build_unit("ward_s", tree.district_b)
    _db.session.add(UnitChange(plan_id=plan.id, unit_id=a.id, action="merge",
                               effective=today(), old_name=a.name, old_code=a.code,
                               old_parent_id=a.parent_id, successor_id=successor.id))
    world.successor_id = successor.id
    _db.session.commit()
    t.update({
        "account_id": account.id,
        "donation_id": donation.id, "pledge_id": pledge.id, "voucher_id": voucher.id,
        "counting_sheet_id": sheet.id, "officer_id": officer.id,
        "position_id": officer.positions[0].id, "remuneration_sheet_id": rsheet.id,
        "line_id": rsheet.lines[0].id if rsheet.lines else 0,
        "program_id": program.id, "nomination_id": nomination.id, "nomination": nomination.id,
        "quota": program.quotas[0].id, "assignment_id": assignment.id, "user_id": clerk.id,
        "keep_id": t["member_id"], "other_id": branch_member.id, "link_id": t["event_id"],
        "parent": a.id, "successor": a.id, "branch_member_id": branch_member.id,
        "template_id": template.id, "report_id": report.id, "attachment_id": attachment.id,
        "plan_id": plan.id, "post_id": officer.positions[0].id, "successor_id": a.id,
        "set_id": criteria[0].id, **learning_ids,
    })
    world.target = t
    world.job_token = job.token
    for name in ("ward_b", "district_b"):
        unit = getattr(tree, name)
        world.own[name] = {**_records(unit, "own"), **_learning(unit, "own", admin)}
    world.own["branch_a"] = {"unit_id": tree.branch_a.id, "unit": tree.branch_a.id}
    _db.session.commit()
    world.admin = admin
    world.unit_ids = {name: unit.id for name, unit in tree.units.items()}
    return world


# ---------------------------------------------------------------------------------------------
# Routes and their parameters
# ---------------------------------------------------------------------------------------------


def path_value(endpoint: str, name: str, ids: dict):
    """The value for a path parameter, or KeyError when the table has no such record."""
    if name == "sheet_id":
        return ids["counting_sheet_id" if endpoint.startswith("events.")
                   else "remuneration_sheet_id"]
    if name == "fmt":
        return "xlsx"
    if name == "kind":
        return "receipt"
    if name == "model":
        return "family"
    if name == "index":
        return 0
    if name == "token":
        return ids["job_token" if endpoint.startswith("jobs.") else "import_token"]
    return ids[name]


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in PUBLIC_OR_GLOBAL:
            continue
        yield rule


def build_url(app, rule, ids: dict) -> str | None:
    try:
        values = {name: path_value(rule.endpoint, name, ids) for name in rule.arguments}
    except KeyError:
        return None
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


# ---------------------------------------------------------------------------------------------
# Forms as the pages show them
# ---------------------------------------------------------------------------------------------


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(),
                          "action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and a["name"] not in form["fields"]):
                    form["fields"][a["name"]] = a.get("value", "y")
            elif kind == "submit":
                form["fields"].setdefault(a["name"], a.get("value", "y"))
            elif kind != "file":
                form["fields"][a["name"]] = a.get("value", "")
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            form["fields"].setdefault(a["name"], a.get("value", "y"))
        elif tag == "select":
            self._select = a["name"]
            form["fields"].setdefault(self._select, None)
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a or (form["fields"].get(self._select) in (None, "") and value):
                form["fields"][self._select] = value
        elif tag == "textarea":
            self._textarea = a["name"]
            form["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            if self._form and self._form["fields"].get(self._select) is None:
                self._form["fields"][self._select] = ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form:
            self._form["fields"][self._textarea] += data


FILLERS = [
    (re.compile(r"cccd|tax_code|^next$|end_date|valid_to|closed_through|tiers|successor"), ""),
    (re.compile(r"email"), "kiemtra@example.vn"),
    (re.compile(r"starts_at"), today().strftime("%d/%m/%Y 08:00")),
    (re.compile(r"birth_date"), "2012-01-01"),
    (re.compile(r"birth"), "1980"),
    (re.compile(r"amount|total|value|budget|target"), "100000"),
    (re.compile(r"window_end"), "2099-12-31"),
    (re.compile(r"date|_on$|^on$|from$|valid_to|until|due|window|ceremony"), None),  # today
    (re.compile(r"year"), str(today().year)),
    (re.compile(r"month|quantity|count|days|awards|attachments|^n\d|^c\d"), "1"),
    (re.compile(r"phone"), "0903123456"),
    (re.compile(r"lines"), "Nguyễn Văn Thử; 100000; tm"),
]


def fill(fields: dict) -> dict:
    """Empty fields get plausible values, so the request reaches the code that uses the ids."""
    out = {}
    for name, value in fields.items():
        value = (value or "").strip()
        if not value and not name.endswith("_id"):
            value = "Kiểm tra"
            for pattern, filler in FILLERS:
                if pattern.search(name):
                    value = today().isoformat() if filler is None else filler
                    break
        out[name] = value or ""
    return out


def harvest(client, urls) -> dict[str, dict]:
    """POST forms found on the given pages, by the path they post to."""
    found: dict[str, dict] = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        parser = FormParser()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            if form["method"] != "post":
                continue
            action = urlsplit(form["action"] or url).path
            if action in ("/logout", "/login"):
                continue
            found.setdefault(action, fill(form["fields"]))
    return found


# ---------------------------------------------------------------------------------------------
# Watching the database
# ---------------------------------------------------------------------------------------------


def fingerprint(db) -> str:
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in DERIVED:
                continue
            order = ", ".join(c.name for c in table.primary_key.columns) or "1"
            for row in conn.execute(text(f'SELECT * FROM "{table.name}" ORDER BY {order}')):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


class CommitWatch:
    """Whether a request committed anything (then the tables are hashed again)."""

    def __init__(self, db):
        self.db = db
        self.committed = False

    def __enter__(self):
        sa_event.listen(self.db.session, "after_commit", self._mark)
        return self

    def _mark(self, session):
        self.committed = True

    def __exit__(self, *exc):
        sa_event.remove(self.db.session, "after_commit", self._mark)


def exports_only_since(db, audit_max: int) -> bool:
    rows = db.session.execute(text(
        "SELECT action FROM audit_entry WHERE id > :m"), {"m": audit_max}).scalars().all()
    return bool(rows) and all(re.search(r"\.export(_\w+)?$", a) for a in rows)


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------

ROLES = {
    "chair of another ward": ("chair", "ward_b"),
    "chair of another district": ("chair", "district_b"),
    "branch treasurer": ("treasurer", "branch_a"),
    "anonymous": (None, "ward_b"),
}


# A branch inside the ward's quota nominates in the district's program: it may open the program
# and its lists (which then show none of the ward's students: the marker check still holds).
VISIBLE_BY_DESIGN = {
    ("branch treasurer", e) for e in ("scholarships.program", "scholarships.report",
                                      "scholarships.recipients_pdf",
                                      "scholarships.recipients_xlsx")
} | {
    # Criteria sets belong to the whole association (no unit): everyone who keeps a learning
    # register reads them (their texts carry no marker; editing them stays refused).
    (who, "learning.criteria_set") for who in ("chair of another ward",
                                               "chair of another district", "branch treasurer")
}


def refused(response, anonymous: bool) -> bool:
    if anonymous and response.status_code in (302, 401):
        return response.status_code == 401 or "/login" in response.headers.get("Location", "")
    return response.status_code in (400, 403, 404, 405, 409)


@dataclass
class Probe:
    app: object
    db: object
    world: World
    client: object
    anonymous: bool
    failures: list = field(default_factory=list)
    requests: int = 0

    def __post_init__(self):
        self.clean = fingerprint(self.db)

    def send(self, method, url, data=None, *, label, must_refuse: bool):
        self.requests += 1
        audit_max = self.db.session.execute(
            text("SELECT COALESCE(MAX(id), 0) FROM audit_entry")).scalar()
        self.db.session.remove()
        with CommitWatch(self.db) as watch:
            response = self.client.open(url, method=method, data=data or {})
        self.db.session.remove()
        problems = []
        if must_refuse and not refused(response, self.anonymous):
            problems.append(f"answered {response.status_code}")
        if MARK.encode() in response.get_data():  # an error page names nothing of theirs either
            problems.append("shows the other unit's records")
        if watch.committed or method == "POST":
            now = fingerprint(self.db)
            if now != self.clean:
                if method == "GET" and not must_refuse and exports_only_since(self.db, audit_max):
                    self.clean = now  # the audit entry of an export of one's own unit
                else:
                    problems.append("changed the database")
                    self.clean = now
        if problems:
            entry = f"{method} {url} [{label}]: {', '.join(problems)}"
            self.failures.append(entry)
        return response


def _wipe(db):
    """Empty every table (what conftest's per-test cleaner does), ids restarting at 1."""
    db.session.rollback()
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT " + ", ".join(
                f"setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), 1, false)"
                for t in tables if "id" in t.c and t.c.id.autoincrement is not False
                and t.c.id.primary_key)))


@pytest.fixture(scope="module")
def world(app):
    """The world, built once for the module, with the forms an administrator sees on the other
    unit's pages (the real POST bodies), for the ward's records and for the branch member."""
    with app.app_context():
        _wipe(_db)
        w = build_world()
        admin = _client(app, None, None, user_id=w.admin.id)
        w.ids = {**w.target, "import_token": w.import_token, "job_token": w.job_token,
                 "link": f"event:{w.target['event_id']}"}
        w.branch_ids = {**w.ids, "member_id": w.target["branch_member_id"]}
        rules = list(routes(app))
        w.forms = {}
        for ids in (w.ids, w.branch_ids):
            w.forms.update(harvest(admin, [u for r in rules if "GET" in r.methods and r.arguments
                                           and (u := build_url(app, r, ids))]))
        yield w
        _wipe(_db)


@pytest.fixture
def db(world):
    """This module keeps its world between tests (conftest's cleaner would empty it)."""
    yield _db
    _db.session.rollback()
    _db.session.remove()


def _client(app, role, unit_id, user_id=None):
    c = app.test_client()
    user = None
    if role:
        user = build_user(role, _db.session.get(Unit, unit_id))
        c.own_units = {a.unit_id for a in user.assignments}
    elif user_id is not None:
        user = _db.session.get(User, user_id)
    if user is not None:
        with c.session_transaction() as session:
            session["_user_id"] = user.get_id()  # the session token: logging in for real
            session["_fresh"] = True
    return c


@pytest.mark.parametrize("who", list(ROLES))
def test_no_record_of_another_unit_through_any_parameter(app, db, world, who):
    role, own_name = ROLES[who]
    client = _client(app, role, world.unit_ids[own_name])
    target = world.ids
    own = {**world.own.get(own_name, {}), "import_token": "x" * 32, "job_token": "x" * 32}
    their_forms = world.forms

    rules = list(routes(app))
    own_gets = [u for r in rules if "GET" in r.methods and (u := build_url(app, r, own))]
    own_forms = harvest(client, own_gets) if role else {}

    probe = Probe(app, db, world, client, anonymous=role is None)
    for rule in rules:
        # 1. Path parameters: the other unit's records, read and written.
        if rule.arguments:
            url = build_url(app, rule, target)
            assert url is not None, f"{rule.rule}: add its parameters to the world"
            if "GET" in rule.methods:
                probe.send("GET", url, label="path",
                           must_refuse=(who, rule.endpoint) not in VISIBLE_BY_DESIGN)
            if "POST" in rule.methods:
                probe.send("POST", url, their_forms.get(url, {}), label="path", must_refuse=True)
        # 2. Query parameters on one's own pages.
        own_url = build_url(app, rule, own)
        if own_url is None:
            continue
        if "GET" in rule.methods:
            for name in query_params(rule.endpoint):
                if name in rule.arguments:  # the path's own value wins: not a second door
                    continue
                value = target[name]
                probe.send("GET", f"{own_url}?{urlencode({name: value})}", label=f"?{name}",
                           must_refuse=False)
        # 3. Id fields of one's own forms, one at a time.
        form = own_forms.get(own_url)
        if "POST" in rule.methods and form:
            for name in form:
                key = name.split("-", 1)[-1]  # prefixed forms (fund-…)
                if key not in target or key in ("import_token",):
                    assert not key.endswith("_id"), f"{rule.rule}: unknown id field {name}"
                    continue
                data = {**form, name: str(target[key])}
                probe.send("POST", own_url, data, label=f"form {name}", must_refuse=False)

    assert probe.requests > 150
    assert not probe.failures, f"{len(probe.failures)} doors open:\n" + "\n".join(probe.failures)


# ---------------------------------------------------------------------------------------------
# Successors read their predecessors (never write)
# ---------------------------------------------------------------------------------------------

# What the chair of the unit that succeeded ward_a opens of ward_a's records (200).
SUCCESSOR_READS = (
    "units.show", "units.activity", "members.unit_list", "members.show", "treasury.unit_index",
    "treasury.voucher", "treasury.voucher_pdf", "treasury.cash_book", "events.unit_events",
    "events.show", "units.roles", "officers.unit_officers", "officers.show",
    "scholarships.unit_awards", "scholarships.nomination", "periodic.unit_reports",
    "periodic.show", "reports.dashboard", "learning.unit_entries",
)
# Forms that write ward_a's records: still refused to the successor's chair.
SUCCESSOR_WRITES = (
    "units.edit", "units.move", "units.close", "units.create_child", "events.donors",
    "members.edit", "members.create", "members.transfer", "treasury.issue", "treasury.settings",
    "events.edit", "events.new_event", "officers.edit", "officers.create", "periodic.edit",
    "reorg.plan_form", "learning.edit_entry",
)

# Exports started by a POST (a job): reading, which the successor may do.
EXPORTS = {"members.prepare_export"}


@pytest.mark.parametrize("role", ["chair", "viewer"])
def test_the_successor_reads_its_predecessor_and_writes_nothing(app, db, world, role):
    client = _client(app, role, world.successor_id)
    rules = {r.endpoint: r for r in routes(app)}
    failures = []
    for endpoint in SUCCESSOR_READS:
        url = build_url(app, rules[endpoint], world.ids)
        db.session.remove()
        response = client.get(url)
        if response.status_code != 200:
            failures.append(f"GET {url}: {response.status_code}, not 200")
    for endpoint in SUCCESSOR_WRITES:
        url = build_url(app, rules[endpoint], world.ids)
        db.session.remove()
        if client.get(url).status_code not in (403, 404):
            failures.append(f"GET {url}: a form to write the predecessor's records")
    # Every write through a path naming the predecessor's records: refused, nothing changed.
    db.session.remove()
    before = fingerprint(db)
    for rule in rules.values():
        if rule.arguments and "POST" in rule.methods and rule.endpoint not in EXPORTS:
            url = build_url(app, rule, world.ids)
            response = client.post(url, data=world.forms.get(url, {}))
            if not refused(response, False):
                failures.append(f"POST {url}: answered {response.status_code}")
    db.session.remove()
    if fingerprint(db) != before:
        failures.append("a POST changed the database")
    # The unit of an unrelated ward stays closed to it.
    probe = Probe(app, db, world, client, anonymous=False)
    probe.send("GET", url_for_unit(app, world.unit_ids["ward_c"]), label="unrelated",
               must_refuse=True)
    assert not failures and not probe.failures, "\n".join(failures + probe.failures)


def url_for_unit(app, unit_id: int) -> str:
    with app.test_request_context():
        return url_for("units.show", unit_id=unit_id)


# ---------------------------------------------------------------------------------------------
# Money: the own-book rule, whatever feature writes the voucher
# ---------------------------------------------------------------------------------------------

MONEY_ROLES = {
    "district treasurer": ("treasurer", "district_a"),
    "district chair": ("chair", "district_a"),
    "branch treasurer": ("treasurer", "branch_a"),
}


@pytest.mark.parametrize("who", list(MONEY_ROLES))
def test_money_goes_only_into_books_of_ones_own_unit(app, db, world, who):
    role, unit_name = MONEY_ROLES[who]
    client = _client(app, role, world.unit_ids[unit_name])
    own_units = client.own_units
    rules = [r for r in routes(app) if r.arguments]
    failures = []
    forms = world.forms
    for ids in (world.ids, world.branch_ids):
        urls = [(r, build_url(app, r, ids)) for r in rules]
        for rule, url in urls:
            if "POST" not in rule.methods or url is None:
                continue
            before = db.session.scalar(select(_db.func.coalesce(_db.func.max(Voucher.id), 0)))
            db.session.remove()
            client.post(url, data=forms.get(url, {}))
            db.session.remove()
            for v in db.session.scalars(select(Voucher).where(Voucher.id > before)):
                if v.unit_id not in own_units:
                    failures.append(f"POST {url}: voucher {v.display_number} in the book of "
                                    f"{v.unit.name}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------------
# The work inbox (issue 32): nothing of another unit, ever
# ---------------------------------------------------------------------------------------------

INBOX_LINK = re.compile(r'href="([^"]+)" data-testid="inbox-link"')


@pytest.mark.parametrize("who", list(ROLES))
def test_the_inbox_shows_nothing_of_another_unit(app, db, world, who):
    """The inbox page, the home page's section and the menu badge, as each role: every item
    lies in the user's own sub-tree, no text of the other unit's records shows, and every
    link opens for the user."""
    from assoc.blueprints.inbox.items import collect

    role, own_name = ROLES[who]
    client = _client(app, role, world.unit_ids[own_name])
    if role is None:
        for url in ("/inbox", "/account/reminders"):
            assert refused(client.get(url), anonymous=True), url
        return
    # The city's report template is everyone's to fill: its title is shared by design.
    shared = f"Báo cáo {MARK}"
    user = _db.session.get(User, _user_id(client))
    own_paths = [a.unit.path for a in user.active_assignments()]
    # Work of the user's own, whatever the tests above left: a draft remuneration sheet.
    from assoc.services import officers as off

    off.create_sheet(None, _db.session.get(Unit, world.unit_ids[own_name]), year=2025,
                     month=1 + list(ROLES).index(who))
    _db.session.commit()
    with app.test_request_context():
        items = collect(user).items
    assert "sheet_lock" in {i.kind for i in items}
    for item in items:
        assert any(item.unit_path.startswith(p) for p in own_paths), item
    for url in ("/inbox", "/home"):
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert MARK not in page.replace(shared, ""), url
    links = INBOX_LINK.findall(client.get("/inbox").get_data(as_text=True))
    assert len(links) == len(items)
    for href in links:
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def _user_id(client) -> int:
    with client.session_transaction() as session:
        return int(session["_user_id"].split(":")[0])
