"""Fixtures: `app` (one per session, tables created once), `client`, `db`, login helpers and
the standard unit tree. Every test starts from empty tables."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from assoc import create_app
from assoc.config import TestConfig
from assoc.extensions import db as _db

from . import builders
from .dbsetup import TestDatabase


@pytest.fixture(scope="session")
def test_database(tmp_path_factory):
    database = TestDatabase(tmp_path_factory.mktemp("db"))
    database.create()
    yield database
    database.drop()


@pytest.fixture(scope="session")
def app(test_database):
    config = TestConfig()
    for key, value in test_database.config().items():
        setattr(config, key, value)
    app = create_app(config)
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """An app context for the test and clean tables afterwards."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        tables = list(reversed(_db.metadata.sorted_tables))
        with _db.engine.begin() as conn:
            # DELETE, not TRUNCATE: on tiny tables TRUNCATE's new files and fsyncs cost
            # PostgreSQL far more. Ids restart at 1, as on SQLite, so runs behave the same.
            for table in tables:
                conn.execute(table.delete())
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT " + ", ".join(
                    f"setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), 1, false)"
                    for t in tables if "id" in t.c and t.c.id.autoincrement is not False
                    and t.c.id.primary_key)))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tree(db):
    return builders.build_tree()


@pytest.fixture
def login(client):
    """login(user) makes `client` act as that user (session cookie, no password round trip)."""

    def _login(user):
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return _login


@pytest.fixture
def client_as(app, db):
    """client_as(role, at=unit) -> a fresh client logged in as a new user with that role."""

    def _client_as(role, at):
        user = builders.build_user(role=role, at=at)
        c = app.test_client()
        with c.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        c.user = user
        return c

    return _client_as


@pytest.fixture
def racing_app(test_database):
    """A second app on the same database whose every session opens its own connection."""
    config = TestConfig()
    for key, value in test_database.config().items():
        setattr(config, key, value)
    config.SQLALCHEMY_ENGINE_OPTIONS = {**config.SQLALCHEMY_ENGINE_OPTIONS,
                                        "poolclass": NullPool}
    app = create_app(config)
    yield app
    from assoc.extensions import db

    with app.app_context():
        db.engine.dispose()
