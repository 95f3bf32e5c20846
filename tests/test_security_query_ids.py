"""Ids in the query string are doors too: a filter (?unit=, ?fund=, ?quota=) or a pre-fill
(?event_id=) names a record that is loaded through permissions.load for the page's action, so
another unit's id answers 403 (an unknown one 404) instead of being used as a bare number."""

from __future__ import annotations

from assoc.services import treasury

from .builders import build_event, build_nomination, build_program, build_user


def _vouchers(tree, db):
    own = treasury.issue_voucher(None, tree.ward_b, kind="receipt", amount=10_000,
                                 party_name="Ông Bình", reason="Ủng hộ")
    theirs = treasury.issue_voucher(None, tree.ward_a, kind="receipt", amount=20_000,
                                    party_name="Ông An", reason="Ủng hộ")
    db.session.commit()
    return own, theirs


def test_voucher_list_filters_take_only_ones_own_unit_and_fund(client, login, tree, db):
    own, theirs = _vouchers(tree, db)
    login(build_user("chair", tree.ward_b))
    assert client.get(f"/treasury/vouchers?unit={tree.ward_a.id}").status_code == 403
    assert client.get("/treasury/vouchers?unit=987654").status_code == 404
    assert client.get(f"/treasury/vouchers?fund={theirs.fund_id}").status_code == 403
    assert client.get(f"/units/{tree.ward_b.id}/treasury?fund={theirs.fund_id}"
                      ).status_code == 403
    page = client.get(f"/treasury/vouchers?unit={tree.ward_b.id}&fund={own.fund_id}")
    assert page.status_code == 200 and own.party_name in page.get_data(as_text=True)
    assert client.get("/treasury/vouchers?unit=abc&fund=-1").status_code == 200


def test_a_district_chair_filters_by_a_ward_below_but_not_by_another_district(
        client, login, tree, db):
    own, theirs = _vouchers(tree, db)
    login(build_user("chair", tree.district_a))
    page = client.get(f"/treasury/vouchers?unit={tree.ward_a.id}")
    assert page.status_code == 200 and theirs.party_name in page.get_data(as_text=True)
    assert own.party_name not in page.get_data(as_text=True)
    assert client.get(f"/treasury/vouchers?unit={tree.district_b.id}").status_code == 403


def test_quota_filter_is_one_of_the_programs_quotas_the_user_may_see(client, login, tree, db):
    program = build_program(tree.district_a, quotas={tree.ward_a: 5, tree.ward_b: 5})
    other = build_program(tree.district_a, name="Khác", quotas={tree.ward_b: 2})
    build_nomination(program, tree.ward_b, student_name="Trần Văn Em")
    quota_a, quota_b = (next(q for q in program.quotas if q.unit_id == u.id)
                        for u in (tree.ward_a, tree.ward_b))
    db.session.commit()
    login(build_user("chair", tree.ward_b))
    base = f"/scholarships/programs/{program.id}"
    for url in (base, f"{base}/recipients.xlsx", f"{base}/recipients.pdf"):
        assert client.get(f"{url}?quota={quota_a.id}").status_code == 403, url
        assert client.get(f"{url}?quota={other.quotas[0].id}").status_code == 404, url
    page = client.get(f"{base}?quota={quota_b.id}")
    assert page.status_code == 200 and "Trần Văn Em" in page.get_data(as_text=True)


def test_event_prefill_takes_only_an_event_one_may_see(client, login, tree, db):
    theirs = build_event(tree.ward_a, title="Ngày hội phường A")
    own = build_event(tree.ward_b, title="Ngày hội phường B")
    login(build_user("chair", tree.ward_b))
    unit = f"/events/unit/{tree.ward_b.id}"
    for path in ("donations/new", "pledges/new", "donors"):
        assert client.get(f"{unit}/{path}?event_id={theirs.id}").status_code == 403, path
        assert client.get(f"{unit}/{path}?event_id=987654").status_code == 404, path
        assert client.get(f"{unit}/{path}?event_id={own.id}").status_code == 200, path
        assert client.get(f"{unit}/{path}?event_id=x").status_code == 200, path
