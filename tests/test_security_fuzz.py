"""No query string makes any GET page fail: every GET route of app.url_map, its path filled
with real ids from the demo world, is requested with duplicate keys, huge and negative
numbers, CR/LF, NUL and invalid UTF-8 percent-escapes, as the city administrator. Nothing may
answer 500."""

import pytest
from sqlalchemy import select

from assoc import models
from assoc.demo import seed_demo
from assoc.extensions import db as _db

# Path parameters: the model whose first row fills them.
PATH_MODELS = {
    "unit_id": models.Unit, "event_id": models.Event, "program_id": models.ScholarshipProgram,
    "sheet_id": None, "member_id": models.Member, "donation_id": models.Donation,
    "voucher_id": models.Voucher, "officer_id": models.Officer,
    "nomination_id": models.Nomination, "user_id": models.User, "fund_id": models.Fund,
    "position_id": models.Position, "donor_id": models.Donor, "pledge_id": models.Pledge,
}
STRING_PARAMS = {"token": "abc", "filename": "x.xlsx", "fmt": "xlsx", "code": "vi",
                 "kind": "receipt"}

BIG = "9" * 40
QUERIES = [
    # huge, negative and malformed numbers in every parameter the views read
    "&".join(f"{k}={v}" for k in (
        "page", "year", "fund", "unit", "quota", "from", "to", "event_id", "donor_id",
        "month", "copies", "sub", "scope", "on", "date", "start", "end", "pledge_id")
        for v in (BIG,)),
    "page=-5&year=-2026&fund=-1&unit=-3&quota=-1&from=-1&to=0&month=-1-13&event_id=-1"
    "&page=0&year=0&month=2026-99&on=2026-02-31&date=31/02/2026&start=x&end=y",
    # duplicate keys, and keys that collide with url_for's own arguments and path parameters
    "unit_id=1&unit_id=2&fund_id=1&event_id=1&member_id=1&program_id=1&endpoint=x&copies=2"
    "&copies=9&_external=1&_anchor=x&_method=POST&page=2&page=3&kind=receipt&kind=x",
    # CR/LF, NUL and invalid UTF-8
    "next=%0d%0aSet-Cookie:%20x=1&q=%ff%fe&name=%ff%fe&birth_date=%c3%28&status=%0a"
    "&format=%ff",
    # NUL (PostgreSQL refuses it in any string) and a CR/LF path in next
    "next=/%0d%0a//evil.example&q=%25%00%e2%82",
]


@pytest.fixture
def world(db):
    seed_demo()
    _db.session.commit()
    ids = {}
    for name, model in PATH_MODELS.items():
        if model is not None:
            ids[name] = _db.session.scalar(select(model.id).order_by(model.id.desc()).limit(1))
    ids["sheet_id"] = _db.session.scalar(select(models.RemunerationSheet.id).limit(1)) or 1
    ids["token"] = _db.session.scalar(select(models.Voucher.public_token).limit(1)) or "abc"
    return ids


def get_urls(app, ids):
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "bootstrap.static"):
            continue
        values = {}
        for arg in rule.arguments:
            if arg in STRING_PARAMS:
                values[arg] = ids.get(arg, STRING_PARAMS[arg])
                if arg == "kind" and "voucher" not in rule.rule:
                    values[arg] = "walk"
            else:
                values[arg] = ids.get(arg) or 1
        try:
            urls.append(rule.build(values, append_unknown=False)[1])
        except Exception:  # a converter refusing the sample (e.g. a fixed choice)
            continue
    return sorted(set(urls))


def test_no_query_string_gives_a_500(app, world, client):
    admin = _db.session.scalar(select(models.User).where(models.User.username == "admin"))
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    urls = get_urls(app, world)
    assert len(urls) > 80
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
