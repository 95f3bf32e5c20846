"""An empty database upgraded to the newest migration has exactly the tables the models
describe (autogenerate finds nothing to add), on whichever database the suite runs."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from assoc import create_app, search_index
from assoc.config import TestConfig
from assoc.extensions import db
from assoc.services import tally

from .dbsetup import TestDatabase


@pytest.fixture
def empty_database(tmp_path):
    database = TestDatabase(tmp_path)
    if database.is_pg:
        database.schema = "m_" + database.schema
    database.create()
    yield database
    database.drop()


def test_migrations_match_models(empty_database):
    config = TestConfig()
    for key, value in empty_database.config().items():
        setattr(config, key, value)
    app = create_app(config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={
                "compare_type": True, "include_name": search_index.include_name}), db.metadata)
        db.engine.dispose()
    assert diff == []


def test_the_levels_migration_sums_the_unit_rows_already_built(empty_database):
    """0018_levels fills subtree_tally from the unit rows there are (units not built yet are
    added when they are)."""
    from sqlalchemy import text

    from .levels_check import stored_levels, summed_from_unit_rows

    config = TestConfig()
    for key, value in empty_database.config().items():
        setattr(config, key, value)
    app = create_app(config)
    with app.app_context():
        upgrade(revision="0017_national")
        units = [(1, None, "/1/"), (2, 1, "/1/2/"), (3, 1, "/1/3/"), (4, 2, "/1/2/4/")]
        for unit_id, parent_id, path in units:
            db.session.execute(text(
                "INSERT INTO unit (id, parent_id, level, code, name, search_key, path, address, "
                "phone, email, valid_from, closed_reason, created_at) VALUES (:id, :parent, "
                "'commune', :code, :code, :code, :path, '', '', '', '2020-01-01', '', "
                "'2020-01-01 00:00:00')"),
                {"id": unit_id, "parent": parent_id, "code": f"U{unit_id}", "path": path})
        for unit_id, month, members, money_in in ((1, 202601, 1, 0), (2, 202601, 2, 100),
                                                  (4, 202601, 3, 50), (4, 202603, 0, 70),
                                                  (3, 999999, 4, 0), (4, 999999, 3, 120)):
            db.session.execute(text(
                "INSERT INTO unit_tally (unit_id, month, members, dues_paid, dues, money_in, "
                "money_out, awards, award_amount, award_paid, events, event_target, raised, "
                "in_kind) VALUES (:u, :m, :n, 0, 0, :i, 0, 0, 0, 0, 0, 0, 0, 0)"),
                {"u": unit_id, "m": month, "n": members, "i": money_in})
        db.session.commit()
        upgrade(revision="0018_levels")  # (0023 forgets every roll-up: they are rebuilt)
        old = tuple(f for f in tally.FIGURES if f not in ("moved_in", "moved_out"))  # 0027
        levels = stored_levels(db, old)
        assert levels == summed_from_unit_rows(db, old)
        assert levels[1, 202601]["members"] == 6 and levels[1, 202601]["unit_rows"] == 3
        assert levels[2, 202603]["money_in"] == 70 and (3, 202601) not in levels
        db.session.remove()
        db.engine.dispose()


def test_0027_pairs_the_handovers_already_written(empty_database):
    """0027 links the two vouchers of each handover a plan wrote before it (read from the
    plan's undo list: payment, receipt, two by two) and forgets the roll-ups; its downgrade
    works too."""
    from flask_migrate import downgrade
    from sqlalchemy import select, text

    from assoc.models import ReorgPlan, Voucher, today
    from assoc.services import reorg

    from .builders import build_member, build_tree, build_voucher

    config = TestConfig()
    for key, value in empty_database.config().items():
        setattr(config, key, value)
    app = create_app(config)
    with app.app_context():
        upgrade()
        tree = build_tree()
        build_member(tree.ward_a, "Nguyễn Văn Á")
        build_voucher(tree.ward_a, amount=700_000)
        plan = reorg.apply_plan(None, reorg.parse_plan(
            f"{','.join(reorg.PLAN_HEADER)}\nmerge,{tree.ward_a.code},{tree.ward_b.code},,,\n"),
            today())
        db.session.commit()
        ids, plan_id = plan.summary["undo"]["vouchers"], plan.id
        assert len(ids) == 2
        db.session.execute(text("UPDATE voucher SET link_type = NULL, pair_id = NULL"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0026_voucher_pairs")
        upgrade()
        pairs = dict(db.session.execute(select(Voucher.id, Voucher.pair_id)
                                        .where(Voucher.link_type == "handover")).all())
        assert pairs == {ids[0]: ids[1], ids[1]: ids[0]}
        assert db.session.scalar(text("SELECT count(*) FROM unit_tally")) == 0
        assert db.session.get(ReorgPlan, plan_id) is not None
        db.session.remove()
        db.engine.dispose()
