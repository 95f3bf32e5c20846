"""No query string makes any GET page fail: every GET route of app.url_map, its path filled
with real ids from the demo world, is requested with duplicate keys, huge and negative
numbers, CR/LF, NUL and invalid UTF-8 percent-escapes, as the city administrator. Nothing may
answer 500."""

import re

import pytest
from sqlalchemy import select

from assoc import models
from assoc.demo import seed_demo
from assoc.extensions import db as _db

# Path parameters: candidates from the tables (several rows each). For every route the first
# combination whose plain GET answers 200 is fuzzed, so each view is reached (not a 404 of a
# missing record). Routes added later fill their parameters from here: a route no candidate
# reaches fails test_every_get_route_is_reached.
PATH_MODELS = {
    "unit_id": models.Unit, "event_id": models.Event, "program_id": models.ScholarshipProgram,
    "member_id": models.Member, "donation_id": models.Donation,
    "voucher_id": models.Voucher, "officer_id": models.Officer,
    "nomination_id": models.Nomination, "user_id": models.User, "fund_id": models.Fund,
    "position_id": models.Position, "donor_id": models.Donor, "pledge_id": models.Pledge,
    "entry_id": models.LearningEntry, "recognition_id": models.LearningRecognition,
    "set_id": models.LearningCriteriaSet, "report_id": models.PeriodicReport,
    "attachment_id": models.PeriodicAttachment, "template_id": models.PeriodicTemplate,
    "plan_id": models.ReorgPlan, "post_id": models.Position,
    "assignment_id": models.RoleAssignment, "line_id": models.RemunerationLine,
}
STRING_PARAMS = {"filename": ["x.xlsx"], "fmt": ["xlsx", "pdf", "csv"], "code": ["vi"],
                 "kind": ["receipt", "walk"], "model": ["family"], "index": [0]}
# Routes no record of the demo world reaches (a form that only an import of a certain kind
# fills; a plan's handover only exists after a split) are listed here with the reason.
UNREACHED_BY_DESIGN = {
    "reorg.handover",  # a handover sheet exists only for a plan that handed work over
    "bank.preview",  # a statement's preview exists only after its file is uploaded (a POST)
}

BIG = "9" * 40
QUERIES = [
    # huge, negative and malformed numbers in every parameter the views read
    "&".join(f"{k}={v}" for k in (
        "page", "year", "fund", "unit", "quota", "from", "to", "event_id", "donor_id",
        "month", "copies", "sub", "scope", "on", "date", "start", "end", "pledge_id",
        "joined", "after", "before", "model", "kind", "status")
        for v in (BIG,)),
    "page=-5&year=-2026&fund=-1&unit=-3&quota=-1&from=-1&to=0&month=-1-13&event_id=-1"
    "&page=0&year=0&month=2026-99&on=2026-02-31&date=31/02/2026&start=x&end=y&joined=-1"
    "&after=-1,-1&before=2026-99-99,9",
    # duplicate keys, and keys that collide with url_for's own arguments and path parameters
    "unit_id=1&unit_id=2&fund_id=1&event_id=1&member_id=1&program_id=1&endpoint=x&copies=2"
    "&copies=9&_external=1&_anchor=x&_method=POST&page=2&page=3&kind=receipt&kind=x"
    "&report_id=1&entry_id=1&template_id=1&plan_id=1&token=x&model=x&fmt=x",
    # CR/LF, NUL and invalid UTF-8
    "next=%0d%0aSet-Cookie:%20x=1&q=%ff%fe&name=%ff%fe&birth_date=%c3%28&status=%0a"
    "&format=%ff&after=%ff&model=%ff",
    # NUL (PostgreSQL refuses it in any string) and a CR/LF path in next
    "next=/%0d%0a//evil.example&q=%25%00%e2%82",
]


def _extra_records(admin):
    """What the demo world lacks for some pages: a finished job with its file, uploads awaiting
    their preview, a periodic report's attachment, a reorganisation plan."""
    from assoc import jobs
    from assoc.blueprints.periodic.attachments import _upload_dir
    from assoc.services import imports, periodic

    unit = _db.session.scalar(select(models.Unit).where(models.Unit.level == "commune")
                              .order_by(models.Unit.id))
    job = jobs.create(admin, unit, "member_export", "Xuất", {"format": "csv"})
    _db.session.commit()
    jobs.run(job.id)
    tokens = [job.token,
              imports.save_upload(admin, unit, "Họ và tên,Năm sinh\nNguyễn Văn A,1970\n"
                                  .encode(), "ds.csv"),
              imports.save_upload(admin, unit, "Họ và tên,Địa chỉ\nNguyễn Văn A,1 Lê Lợi\n"
                                  .encode(), "gd.csv", kind="learning",
                                  extra={"model": "family", "year": models.today().year,
                                         "registered_on": None, "same_date": False})]
    report = _db.session.scalar(select(models.PeriodicReport).where(
        models.PeriodicReport.status.in_(("draft", "returned"))).order_by(models.PeriodicReport.id))
    if report is None:
        template = _db.session.scalar(select(models.PeriodicTemplate).order_by(
            models.PeriodicTemplate.id))
        report = periodic.start_report(None, template, unit)
    periodic.add_attachment(None, report, filename="bb.pdf", data=b"%PDF-1.4 x",
                            folder=_upload_dir(), limit=10**6)
    _db.session.add(models.ReorgPlan(unit=unit, effective=models.today(), title="Sáp nhập",
                                     status="applied", summary={"handovers": []}))
    _db.session.commit()
    return tokens


@pytest.fixture
def world(db):
    seed_demo()
    _db.session.commit()
    admin = _db.session.scalar(select(models.User).where(models.User.username == "admin"))
    tokens = _extra_records(admin)
    ids = {}
    for name, model in PATH_MODELS.items():
        ids[name] = list(_db.session.scalars(select(model.id).order_by(model.id.desc()).limit(6)))
    for model in (models.Event, models.Donation):  # piggy banks, gifts in kind: their pages
        special = (model.kind == "piggy_bank") if model is models.Event else (
            model.method == "in_kind")
        ids[PATH_MODELS_KEY[model]][:0] = _db.session.scalars(
            select(model.id).where(special).limit(2))
    ids["unit_id"][:0] = _db.session.scalars(select(models.Unit.id).where(
        models.Unit.level.in_(("commune", "province"))).order_by(models.Unit.id).limit(3))
    ids["sheet_id"] = [*_db.session.scalars(select(models.RemunerationSheet.id).limit(2)),
                       *_db.session.scalars(select(models.CountingSheet.id).limit(2))]
    from assoc.blueprints.inbox.reminders import unsubscribe_token

    ids["token"] = [*tokens, unsubscribe_token(admin), *_db.session.scalars(select(models.Voucher.public_token).limit(1)),
                    *_db.session.scalars(select(models.Member.card_token).where(
                        models.Member.card_token.is_not(None)).limit(1)),
                    *_db.session.scalars(select(models.LearningEntry.public_token).where(
                        models.LearningEntry.recognition_id.is_not(None)).limit(1))]
    return {**{k: v for k, v in STRING_PARAMS.items()}, **ids, "admin": admin}


PATH_MODELS_KEY = {models.Event: "event_id", models.Donation: "donation_id"}


def _login(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def get_urls(app, world, client) -> tuple[list[str], list[str]]:
    """One reachable URL per GET route (and the routes none of the candidates reached)."""
    urls, unreached = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in ("static", "bootstrap.static"):
            continue
        found = None
        for values in _combinations(rule, world):
            try:
                url = rule.build(values, append_unknown=False)[1]
            except Exception:  # a converter refusing the sample
                continue
            if client.get(url).status_code in (200, 302):
                found = url
                break
        if found is None:
            unreached.append(rule.endpoint)
        else:
            urls.append(found)
    return urls, unreached


def _combinations(rule, world, limit: int = 40):
    import itertools

    pools = [world.get(arg) or [1] for arg in sorted(rule.arguments)]
    names = sorted(rule.arguments)
    for combo in itertools.islice(itertools.product(*pools), limit):
        yield dict(zip(names, combo, strict=True))


def test_no_query_string_gives_a_500(app, world, client):
    _login(client, world["admin"])
    urls, unreached = get_urls(app, world, client)
    assert set(unreached) <= UNREACHED_BY_DESIGN, f"GET routes the fuzz does not reach: {unreached}"
    failures = []
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash becomes the 500 page, and we go on
    app.logger.disabled = True
    try:
        _fuzz(client, urls, failures)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
        app.logger.disabled = False
    assert failures == [], "\n".join(failures)


def _fuzz(client, urls, failures):
    for url in urls:
        for query in QUERIES:
            response = client.get(f"{url}?{query}")
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {url}?{query[:60]}")
            location = response.headers.get("Location", "")
            if ("\r" in location or "\n" in location or location.startswith("//")
                    or "://evil" in location.split("?")[0]):
                failures.append(f"bad redirect {url} -> {location!r}")


def test_nul_in_a_query_string_is_a_clear_400(client, tree, login):
    from .builders import build_user

    login(build_user("admin", tree.city))
    response = client.get("/users/?q=a%00b")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.get_data(as_text=True)
    assert client.get("/users/?q=an").status_code == 200


def test_url_with_ignores_path_and_reserved_names_in_the_query(app, tree, login, client):
    from .builders import build_user

    login(build_user("admin", tree.city))
    unit_id = tree.ward_a.id
    with app.test_request_context(f"/units/{unit_id}/activity?unit_id=999&endpoint=x&page=2"
                                  "&_external=1&q=a"):
        from flask import request

        from assoc.filters import url_with

        request.view_args = {"unit_id": unit_id}
        request.url_rule = app.url_map.bind("localhost").match(
            f"/units/{unit_id}/activity", return_rule=True)[0]
        url = url_with(page=3)
    assert url.startswith(f"/units/{unit_id}/activity?")
    assert "page=3" in url and "q=a" in url
    assert "999" not in url and "endpoint" not in url and "http" not in url


def test_nul_in_a_path_is_a_clear_400_on_every_token_route(app, client, tree, login):
    """A token or code in the path (job pages, QR checks, imports, language) may carry %00 too:
    PostgreSQL refuses NUL in any string, so the request is refused before any query."""
    from .builders import build_user

    login(build_user("admin", tree.city))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True
    try:
        failures = []
        for rule in app.url_map.iter_rules():
            names = [n for n, c in rule._converters.items()
                     if type(c).__name__ in ("UnicodeConverter", "PathConverter")]
            if not names or rule.endpoint in ("static", "bootstrap.static"):
                continue
            values = {n: ("ab%00cd" if n in names else 1) for n in rule.arguments}
            for name in rule.arguments:
                if name in ("fmt", "model", "kind"):
                    values[name] = "ab%00cd"
            url = "/".join(p for p in rule.rule.split("/"))
            for n, v in values.items():
                url = re.sub(rf"<(?:[a-z]+:)?{n}>", str(v), url)
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = client.open(url, method=method)
                if response.status_code != 400:
                    failures.append(f"{method} {url}: {response.status_code}")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
        app.logger.disabled = False
    assert failures == [], "\n".join(failures)
