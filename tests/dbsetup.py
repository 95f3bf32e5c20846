"""Where the tests' database lives: a temporary SQLite file, or a private schema in the
PostgreSQL database named by DATABASE_URL (dropped at the end; the database may hold others)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text


class TestDatabase:
    __test__ = False

    def __init__(self, tmp_dir: Path):
        self.url = os.environ.get("DATABASE_URL", "")
        self.is_pg = self.url.startswith("postgresql")
        self.schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}" if self.is_pg else None
        if not self.is_pg:
            self.url = f"sqlite:///{tmp_dir / 'test.db'}"

    def engine_options(self) -> dict:
        if self.is_pg:
            return {"connect_args": {"options": f"-csearch_path={self.schema}"}}
        return {}

    def create(self) -> None:
        if self.is_pg:
            with create_engine(self.url).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))

    def drop(self) -> None:
        if self.is_pg:
            engine = create_engine(self.url)
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            engine.dispose()

    def config(self, **extra) -> dict:
        return {
            "SQLALCHEMY_DATABASE_URI": self.url,
            "SQLALCHEMY_ENGINE_OPTIONS": self.engine_options(),
            **extra,
        }
