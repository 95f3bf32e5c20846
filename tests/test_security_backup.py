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


@pytest.fixture
def stamped(app, db):
    """The test database as `flask db upgrade` leaves it: with its migration version."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(app.extensions["migrate"].directory).get_current_head()
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL "
                          "PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    yield head
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))


def test_backup_during_concurrent_writes_restores_every_committed_record(
        app, racing_app, test_database, tree, db, tmp_path, stamped):
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


def test_cli_backup_and_restore_ask_before_restoring(app, tree, db, tmp_path, test_database,
                                                    stamped):
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


# --- all or nothing (issue 29) ---------------------------------------------------------------

def _table_count(target) -> int:
    with target.app_context():
        from sqlalchemy import inspect

        count = len(inspect(_db.engine).get_table_names())
        _db.engine.dispose()
        return count


def _refused(runner, path, *words):
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit), result.output
    message = result.output.strip()
    assert message.startswith("Error: ") and "\n" not in message, message
    for word in words:
        assert word in message, message
    return message


def _damaged_copies(path, tmp_path):
    import random

    data = path.read_bytes()
    corrupt = tmp_path / f"corrupt{path.suffix}"
    middle = len(data) // 2
    noise = random.Random(29).randbytes(4096)
    corrupt.write_bytes(data[:middle] + noise + data[middle + 4096:])
    empty = tmp_path / f"empty{path.suffix}"
    empty.write_bytes(b"")
    truncated = tmp_path / f"truncated{path.suffix}"
    truncated.write_bytes(data[: len(data) * 9 // 10])
    return corrupt, empty, truncated


def _backup_with_rows(tree, tmp_path):
    for i in range(40):
        build_member(tree.ward_a, name=f"Hội viên Thứ {i}")
        build_voucher(tree.ward_a, amount=5_000 + i)
    path = backup.backup(tmp_path / "backups", keep=3)
    if path.suffix == ".sqlite3":  # no free pages from earlier tests: every page is live
        import sqlite3

        conn = sqlite3.connect(path)
        conn.execute("VACUUM")
        conn.close()
    return path


def test_damaged_backups_are_refused_and_leave_the_target_empty(
        app, tree, db, tmp_path, test_database, stamped):
    ward_id = tree.ward_a.id
    path = _backup_with_rows(tree, tmp_path)
    corrupt, empty, truncated = _damaged_copies(path, tmp_path)
    target, cleanup = restored_app(test_database, tmp_path)
    try:
        runner = target.test_cli_runner()
        with target.app_context():
            if not test_database.is_pg:
                _refused(runner, corrupt, "damaged")
                assert _table_count(target) == 0
                _refused(runner, empty, "not a SQLite backup")
                assert _table_count(target) == 0
            else:
                _refused(runner, empty)
                assert _table_count(target) == 0
                # cut where the table of contents still reads (pg_restore --list passes) and
                # the data does not: the single transaction leaves nothing behind
                data = path.read_bytes()
                cut = tmp_path / "cut.dump"
                cut.write_bytes(data[:-200])
                backup._pg_check(cut)  # the contents list reads: the restore itself must fail
                _refused(runner, cut, "could not be restored", "as it was")
                assert _table_count(target) == 0
            _refused(runner, truncated)
            assert _table_count(target) == 0
            # a refused attempt does not stand in the way of a good file
            result = runner.invoke(args=["restore", str(path), "--yes"])
            assert result.exit_code == 0, result.output
            assert _db.session.scalar(select(Unit).where(Unit.id == ward_id)) is not None
            assert _db.session.scalar(select(text("count(*)")).select_from(Member)) == 40
            _db.session.remove()
            # now not empty: refused with advice
            message = _refused(runner, path, "not empty")
            assert "create a new database" in message
    finally:
        cleanup()


def test_a_file_of_another_application_is_refused(app, db, tmp_path, test_database, stamped):
    if test_database.is_pg:
        pytest.skip("SQLite file")
    import sqlite3

    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    target, cleanup = restored_app(test_database, tmp_path)
    with target.app_context():
        _refused(target.test_cli_runner(), other, "not a backup of this application")
        assert _table_count(target) == 0
    cleanup()


def test_backup_verify_restores_into_a_scratch_database_and_compares_counts(
        app, tree, db, tmp_path, stamped):
    path = _backup_with_rows(tree, tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "--verify", str(path.parent)])
    assert result.exit_code == 0, result.output
    assert f"Verified {path}" in result.output and "the same as recorded" in result.output
    recorded = backup._counts_path(path)
    counts = __import__("json").loads(recorded.read_text())
    assert counts["member"] == 40 and counts["alembic_version"] == 1
    # the recorded counts disagree with the file: refused, naming the table
    recorded.write_text(__import__("json").dumps({**counts, "member": 41}))
    result = runner.invoke(args=["backup", "--verify", str(path)])
    assert result.exit_code != 0 and "member: 40 rows, expected 41" in result.output
    corrupt, empty, truncated = _damaged_copies(path, tmp_path)
    for bad in (empty, truncated):
        result = runner.invoke(args=["backup", "--verify", str(bad)])
        assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    # the app's own database was never touched
    assert db.session.scalar(select(text("count(*)")).select_from(Member)) == 40
    # pruning takes the recorded counts with the backup
    for _ in range(3):
        backup.backup(path.parent, keep=1, now=datetime(2030, 1, 1, tzinfo=UTC)
                      + timedelta(days=_))
    assert not recorded.exists()
