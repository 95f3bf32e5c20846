"""`flask backup` takes a consistent snapshot while others write; `flask restore` brings it
back into an empty database with every committed voucher and member."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from assoc import backup, create_app
from assoc.config import TestConfig
from assoc.extensions import db as _db
from assoc.models import Member, Unit, Voucher

from .builders import build_member, build_voucher


def restored_app(test_database, tmp_path):
    """An app on a new, empty database of the same kind; returns (app, cleanup)."""
    config = TestConfig()
    if not test_database.is_pg:
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'restored.db'}"
        return create_app(config), lambda: None
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(test_database.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    config.SQLALCHEMY_DATABASE_URI = make_url(test_database.url).set(
        database=name).render_as_string(hide_password=False)
    config.SQLALCHEMY_ENGINE_OPTIONS = test_database.engine_options()  # the same schema name
    app = create_app(config)

    def cleanup():
        with app.app_context():
            _db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return app, cleanup


def test_backup_during_concurrent_writes_restores_every_committed_record(
        app, racing_app, test_database, tree, db, tmp_path):
    unit_id = tree.ward_a.id
    committed: list[tuple[int, int]] = []
    halfway = threading.Event()
    errors = []

    def writer():
        with racing_app.app_context():
            try:
                unit = _db.session.get(Unit, unit_id)
                for i in range(30):
                    voucher = build_voucher(unit, amount=10_000 + i)
                    member = build_member(unit, name=f"Hội viên Số {i}")
                    committed.append((voucher.id, member.id))
                    if i == 5:
                        halfway.set()
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
                halfway.set()
            finally:
                _db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    assert halfway.wait(timeout=60)
    before = list(committed)  # committed before the snapshot began
    path = backup.backup(tmp_path / "backups", keep=3)
    thread.join(timeout=120)
    assert not errors, errors
    assert path.name.startswith("assoc-") and path.stat().st_size > 0

    target, cleanup = restored_app(test_database, tmp_path)
    try:
        with target.app_context():
            assert backup.database_is_empty()
            backup.restore(path)
            assert not backup.database_is_empty()
            with pytest.raises(backup.BackupError):  # never over existing data
                backup.restore(path)
            voucher_ids = set(_db.session.scalars(select(Voucher.id)))
            member_ids = set(_db.session.scalars(select(Member.id)))
            numbers = sorted(_db.session.scalars(
                select(Voucher.number).where(Voucher.unit_id == unit_id)))
            _db.session.remove()
    finally:
        cleanup()
    assert len(before) >= 6
    for voucher_id, member_id in before:
        assert voucher_id in voucher_ids and member_id in member_ids
    # a consistent snapshot: the book's numbers have no gap
    assert numbers == list(range(1, len(numbers) + 1))


def test_backups_are_named_by_date_and_only_the_newest_are_kept(tree, db, tmp_path):
    start = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    for day in range(5):
        backup.backup(tmp_path, keep=3, now=start + timedelta(days=day))
    names = [p.name for p in backup.backups(tmp_path)]
    suffix = ".sqlite3" if db.engine.dialect.name == "sqlite" else ".dump"
    assert names == [f"assoc-2026110{d}-020000{suffix}" for d in (3, 4, 5)]


def test_cli_backup_and_restore_ask_before_restoring(app, tree, db, tmp_path, test_database):
    ward_id = tree.ward_a.id  # read now: in another app's context it would load from there
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path), "--keep", "2"])
    assert result.exit_code == 0, result.output
    path = backup.backups(tmp_path)[-1]
    # the app's own database is not empty: refused
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code != 0 and "not empty" in result.output
    target, cleanup = restored_app(test_database, tmp_path)
    try:
        runner = target.test_cli_runner()
        with target.app_context():  # the commands run on the app whose context is current
            result = runner.invoke(args=["restore", str(path)], input="n\n")
            assert result.exit_code != 0  # declined
            assert backup.database_is_empty()
            result = runner.invoke(args=["restore", str(path)], input="y\n")
            assert result.exit_code == 0, result.output
            assert _db.session.scalar(select(Unit).where(Unit.id == ward_id)) is not None
            _db.session.remove()
    finally:
        cleanup()
