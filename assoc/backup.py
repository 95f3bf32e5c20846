"""Backups while the app runs, and restore into an empty database.

SQLite: the online backup API (a consistent snapshot even while others write).
PostgreSQL: `pg_dump --format=custom` (one consistent snapshot transaction), restored with
`pg_restore`. Files are named by date and time (assoc-YYYYMMDD-HHMMSS.sqlite3 / .dump); the
newest `keep` are kept."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from .extensions import db

PREFIX = "assoc-"


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
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(result.stderr.strip() or "pg_dump failed")
    os.replace(partial, target)
    target.chmod(0o600)  # the data of every member and donor
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
    return removed


def database_is_empty() -> bool:
    return not inspect(_engine()).get_table_names()


def restore(path: str | Path) -> None:
    """Restore a snapshot into the (empty) database the app is configured with."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    if not database_is_empty():
        raise BackupError("The database is not empty; restore only into an empty database.")
    if _is_sqlite():
        if path.suffix != ".sqlite3":
            raise BackupError("This is not a SQLite backup (.sqlite3).")
        _engine().dispose()
        source = sqlite3.connect(path)
        dest = sqlite3.connect(_engine().url.database)
        try:
            with dest:
                source.backup(dest)
        finally:
            source.close()
            dest.close()
    else:
        if path.suffix != ".dump":
            raise BackupError("This is not a PostgreSQL backup (.dump).")
        # Extensions live in `public`, outside the dumped schema: the member search indexes
        # need pg_trgm in the target database before they can be created.
        from sqlalchemy import text

        from .search_index import PG_EXTENSION

        with _engine().begin() as connection:
            connection.execute(text(PG_EXTENSION))
        command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                   f"--dbname={_libpq_url()}", str(path)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_restore failed")
    _engine().dispose()
