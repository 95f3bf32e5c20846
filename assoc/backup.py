"""Backups while the app runs, restore into an empty database (all or nothing), and verify.

SQLite: the online backup API (a consistent snapshot even while others write).
PostgreSQL: `pg_dump --format=custom` (one consistent snapshot transaction), restored with
`pg_restore --single-transaction --exit-on-error`. Files are named by date and time
(assoc-YYYYMMDD-HHMMSS.sqlite3 / .dump); the newest `keep` are kept. Beside each snapshot,
`<name>.counts.json` holds the row count of every table *in the snapshot* (PostgreSQL: counted
in the very snapshot pg_dump reads, through an exported snapshot), which `verify` compares
with a restore of the file into a scratch database.

A restore checks the file before it touches the target (SQLite: a copy opened, `PRAGMA
integrity_check`, the expected tables and a migration version this code knows; PostgreSQL:
`pg_restore --list` and the same tables and version) and leaves the target as it was (empty)
whatever fails: every failure is a BackupError of one sentence."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from .extensions import db

PREFIX = "assoc-"
COUNTS = ".counts.json"
# Tables without which a file is not a backup of this app, whatever its migration version.
CORE_TABLES = {"alembic_version", "unit", "user_account", "role_assignment", "audit_entry"}


class BackupError(Exception):
    pass


def _engine():
    return db.engine


def _is_sqlite() -> bool:
    return _engine().dialect.name == "sqlite"


def _libpq_url() -> str:
    url = make_url(str(_engine().url.render_as_string(hide_password=False)))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _schema() -> str | None:
    with _engine().connect() as conn:
        return conn.exec_driver_sql("SELECT current_schema()").scalar()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def backup(directory: str | Path, keep: int = 14, *, now: datetime | None = None) -> Path:
    """Write a snapshot into `directory`, then delete all but the newest `keep` snapshots."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    if _is_sqlite():
        target = directory / f"{PREFIX}{stamp}.sqlite3"
        partial = target.with_suffix(".partial")
        source = sqlite3.connect(_engine().url.database)
        try:
            dest = sqlite3.connect(partial)
            with dest:
                source.backup(dest)
            counts = _sqlite_counts(dest)
            dest.close()
        finally:
            source.close()
    else:
        target = directory / f"{PREFIX}{stamp}.dump"
        partial = target.with_suffix(".partial")
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                   f"--file={partial}"]
        schema = _schema()
        if schema and schema != "public":
            command.append(f"--schema={schema}")
        command.append(_libpq_url())
        # The counts are taken in the snapshot pg_dump reads (exported by this transaction).
        connection = _engine().connect().execution_options(isolation_level="REPEATABLE READ")
        with connection as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            counts = _counts(conn)
            result = subprocess.run([*command[:1], f"--snapshot={snapshot}", *command[1:]],
                                    capture_output=True, text=True, check=False)
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(_first_error(result.stderr, "pg_dump failed"))
    os.replace(partial, target)
    target.chmod(0o600)  # the data of every member and donor
    counts_file = _counts_path(target)
    counts_file.write_text(json.dumps(counts, sort_keys=True, indent=0))
    counts_file.chmod(0o600)
    prune(directory, keep)
    return target


def backups(directory: str | Path) -> list[Path]:
    """Snapshots in `directory`, oldest first (the names sort by date)."""
    return sorted(p for p in Path(directory).glob(f"{PREFIX}*")
                  if p.suffix in (".sqlite3", ".dump"))


def prune(directory: str | Path, keep: int) -> list[Path]:
    removed = backups(directory)[:-keep] if keep > 0 else []
    for path in removed:
        path.unlink()
        _counts_path(path).unlink(missing_ok=True)
    return removed


def _counts_path(path: Path) -> Path:
    return path.with_name(path.name + COUNTS)


def _first_error(stderr: str, default: str) -> str:
    """The first error line of a tool's output, without the tool's prefix."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower():
            return line.split("error:", 1)[-1].strip()
    return lines[0] if lines else default


def _counts(conn) -> dict[str, int]:
    names = inspect(conn).get_table_names()
    return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() for name in names}


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    directory = current_app.extensions["migrate"].directory
    return {script.revision for script in ScriptDirectory(directory).walk_revisions()}


def _head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())


def _check_contents(tables: set[str], version: str | None) -> None:
    """The file holds this app's tables and a migration version this code knows."""
    missing = sorted(CORE_TABLES - tables)
    if missing:
        raise BackupError("This file is not a backup of this application "
                          f"(it has no {', '.join(missing)} table).")
    if not version:
        raise BackupError("This backup has no migration version; it cannot be restored.")
    if version not in _known_revisions():
        raise BackupError(f"This backup is at migration {version}, which this version of the "
                          "application does not know (restore it with the code it was made by).")
    if version in _head_revisions():
        from .extensions import db as _db

        missing = sorted(set(_db.metadata.tables) - tables)
        if missing:
            raise BackupError(f"This backup lacks tables its migration version has: "
                              f"{', '.join(missing[:5])}.")


# --- SQLite ----------------------------------------------------------------------------------

@contextmanager
def _checked_sqlite_copy(path: Path):
    """Yields (a checked private copy of the SQLite file, its row counts)."""
    with path.open("rb") as f:
        header = f.read(16)
    if header != b"SQLite format 3\x00":
        raise BackupError("This file is not a SQLite backup (it is empty or of another kind).")
    with tempfile.TemporaryDirectory(prefix="assoc-restore-") as scratch:
        copy = Path(scratch) / "check.sqlite3"
        shutil.copyfile(path, copy)
        conn = None
        try:
            conn = sqlite3.connect(copy)
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
            if problems != ["ok"]:
                lines = [line for p in problems for line in str(p).splitlines()
                         if line.strip() and not line.startswith("***")]
                raise BackupError("This backup is damaged (the SQLite integrity check found: "
                                  f"{(lines or problems)[0].strip()}).")
            counts = _sqlite_counts(conn)
            version = None
            if "alembic_version" in counts:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                version = row[0] if row else None
        except sqlite3.Error as e:
            raise BackupError(f"This backup is damaged or incomplete ({e}).") from None
        finally:
            if conn is not None:
                conn.close()
        _check_contents(set(counts), version)
        yield copy, counts


def _sqlite_copy_into(source_path: Path, target: str) -> None:
    source = sqlite3.connect(source_path)
    dest = sqlite3.connect(target)
    try:
        with dest:
            source.backup(dest)
    finally:
        source.close()
        dest.close()


def _sqlite_empty(target: str) -> None:
    """Back to no tables (the state a restore starts from)."""
    conn = sqlite3.connect(target)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        for name in names:
            conn.execute(f'DROP TABLE IF EXISTS "{name}"')
        conn.commit()
    finally:
        conn.close()


# --- PostgreSQL ------------------------------------------------------------------------------

def _pg_check(path: Path) -> None:
    """`pg_restore --list` reads the dump's table of contents; its tables and the migration
    version are checked before anything is written."""
    listing = subprocess.run([_tool("pg_restore"), "--list", str(path)],
                             capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise BackupError("This file is not a readable PostgreSQL backup "
                          f"({_first_error(listing.stderr, 'pg_restore --list failed')}).")
    tables = set()
    for line in listing.stdout.splitlines():
        # "215; 1259 16390 TABLE schema name owner" (comments start with ";")
        parts = line.split()
        if line.startswith(";") or len(parts) < 6 or parts[3] != "TABLE":
            continue
        tables.add(parts[6] if parts[4] == "DATA" and len(parts) > 6 else parts[5])
    version_sql = subprocess.run(
        [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        capture_output=True, text=True, check=False)
    version = None
    lines = version_sql.stdout.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and n + 1 < len(lines):
            version = lines[n + 1].strip() if lines[n + 1].strip() != "\\." else None
            break
    _check_contents(tables, version)


def _pg_restore(path: Path, url: str) -> None:
    command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={url}", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            f"The backup could not be restored ({_first_error(result.stderr, 'pg_restore failed')}"
            "); nothing was written, the database is as it was.")


def _pg_extension(engine) -> None:
    # Extensions live in `public`, outside the dumped schema: the member search indexes
    # need pg_trgm in the target database before they can be created.
    from .search_index import PG_EXTENSION

    with engine.begin() as connection:
        connection.execute(text(PG_EXTENSION))


# --- restore and verify ----------------------------------------------------------------------

def database_is_empty() -> bool:
    return not inspect(_engine()).get_table_names()


def not_empty_message() -> str:
    count = len(inspect(_engine()).get_table_names())
    return (f"The database is not empty ({count} tables); restore only into an empty database: "
            "create a new database (or drop this one and create it again) and point "
            "DATABASE_URL at it.")


def _readable_file(path: Path) -> Path:
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    return path


def restore(path: str | Path) -> None:
    """Restore a snapshot into the (empty) database the app is configured with: all or
    nothing (on any failure the database is left empty, as it was)."""
    path = _readable_file(Path(path))
    if not database_is_empty():
        raise BackupError(not_empty_message())
    if _is_sqlite():
        if path.suffix != ".sqlite3":
            raise BackupError("This is not a SQLite backup (.sqlite3).")
        with _checked_sqlite_copy(path) as (copy, counts):
            _engine().dispose()
            target = _engine().url.database
            try:
                _sqlite_copy_into(copy, target)
                conn = sqlite3.connect(target)
                try:
                    written = _sqlite_counts(conn)
                finally:
                    conn.close()
                if written != counts:
                    raise BackupError("The restored database does not hold what the backup "
                                      "holds; it was emptied again.")
            except BaseException as e:
                _sqlite_empty(target)
                if isinstance(e, BackupError):
                    raise
                raise BackupError(f"The backup could not be restored ({e}); the database "
                                  "was left empty.") from None
    else:
        if path.suffix != ".dump":
            raise BackupError("This is not a PostgreSQL backup (.dump).")
        _pg_check(path)
        _pg_extension(_engine())
        _pg_restore(path, _libpq_url())
    _engine().dispose()


def newest(path: str | Path) -> Path:
    """A backup file, or the newest backup in a directory."""
    path = Path(path)
    if path.is_dir():
        found = backups(path)
        if not found:
            raise BackupError(f"There is no backup in {path}.")
        return found[-1]
    return _readable_file(path)


def verify(path: str | Path) -> tuple[Path, dict[str, int], dict[str, int] | None]:
    """Restore `path` into a scratch database and count its rows; compare them with the counts
    recorded when the backup was taken (when there are some). Returns (file, counts, recorded);
    raises BackupError if the file cannot be restored or the counts differ. The app's own
    database is not touched."""
    path = newest(path)
    if _is_sqlite():
        if path.suffix != ".sqlite3":
            raise BackupError("This is not a SQLite backup (.sqlite3).")
        with _checked_sqlite_copy(path) as (copy, _):
            scratch = copy.with_name("scratch.sqlite3")
            try:
                _sqlite_copy_into(copy, str(scratch))
                conn = sqlite3.connect(scratch)
                try:
                    counts = _sqlite_counts(conn)
                finally:
                    conn.close()
            except sqlite3.Error as e:
                raise BackupError(f"The backup could not be restored ({e}).") from None
    else:
        if path.suffix != ".dump":
            raise BackupError("This is not a PostgreSQL backup (.dump).")
        _pg_check(path)
        counts = _pg_verify_counts(path)
    recorded_file = _counts_path(path)
    recorded = json.loads(recorded_file.read_text()) if recorded_file.is_file() else None
    if recorded is not None and recorded != counts:
        differ = sorted(name for name in set(recorded) | set(counts)
                        if recorded.get(name) != counts.get(name))
        detail = ", ".join(f"{n}: {counts.get(n, 0)} rows, expected {recorded.get(n, 0)}"
                           for n in differ[:5])
        raise BackupError("The restored backup does not match what was recorded when it was "
                          f"taken ({detail}).")
    return path, counts, recorded


def _pg_verify_counts(path: Path) -> dict[str, int]:
    """Restore into a new scratch database on the same server, count, drop it."""
    url = make_url(str(_engine().url.render_as_string(hide_password=False)))
    name = f"assoc_verify_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # noqa: BLE001 - told in one sentence
        admin.dispose()
        raise BackupError("Could not create a scratch database to verify in (the database "
                          f"user needs the CREATEDB right): {str(e).splitlines()[0]}") from None
    scratch_url = url.set(database=name)
    scratch = create_engine(scratch_url,
                            **current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    try:
        _pg_extension(scratch)
        _pg_restore(path, scratch_url.set(drivername="postgresql").render_as_string(
            hide_password=False))
        with scratch.connect() as conn:
            return _counts(conn)
    finally:
        scratch.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
