"""An empty database upgraded to the newest migration has exactly the tables the models
describe (autogenerate finds nothing to add), on whichever database the suite runs."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from assoc import create_app, search_index
from assoc.config import TestConfig
from assoc.extensions import db

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
