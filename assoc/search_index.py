"""Indexes that find members by part of a name, phone or CCCD without reading the whole table.

- SQLite: an FTS5 table with the trigram tokenizer over member(search_key, phone, cccd) for
  digits typed anywhere in a phone or CCCD, and an FTS5 table of words over the name's search
  key for names (words typed are the starts of the name's words, in order: a phrase query reads
  one short list per word, where a trigram phrase of a common name read a dozen lists of ten
  thousand entries each). Both are kept current by triggers on every insert, update and delete
  (bulk imports included).
- PostgreSQL: pg_trgm GIN indexes on the same columns for `LIKE '%…%'`, and a full-text GIN
  index of the name's words (`simple` configuration) for the typed words as a phrase.

Neither is a model table, so they are created by `install()` from the migration and, for
databases built by `create_all()` (tests, benches), right after the member table. Alembic's
comparison skips them through `include_name`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import event, text

FTS_TABLE = "member_fts"
WORDS_TABLE = "member_words"
TRGM_INDEXES = {"ix_member_search_key_trgm": "search_key", "ix_member_phone_trgm": "phone",
                "ix_member_cccd_trgm": "cccd"}

SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_key, phone, cccd, "
    "content='member', content_rowid='id', tokenize='trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS member_fts_ai AFTER INSERT ON member BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_key, phone, cccd)
        VALUES (new.id, new.search_key, new.phone, new.cccd);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS member_fts_ad AFTER DELETE ON member BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_key, phone, cccd)
        VALUES ('delete', old.id, old.search_key, old.phone, old.cccd);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS member_fts_au AFTER UPDATE OF search_key, phone, cccd
        ON member BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_key, phone, cccd)
        VALUES ('delete', old.id, old.search_key, old.phone, old.cccd);
        INSERT INTO {FTS_TABLE}(rowid, search_key, phone, cccd)
        VALUES (new.id, new.search_key, new.phone, new.cccd);
    END""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]
WORDS_INSERT_TRIGGER = f"""CREATE TRIGGER IF NOT EXISTS member_words_ai AFTER INSERT ON member BEGIN
        INSERT INTO {WORDS_TABLE}(rowid, search_key) VALUES (new.id, new.search_key);
    END"""
WORDS_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {WORDS_TABLE} USING fts5(search_key, "
    "content='member', content_rowid='id', tokenize='unicode61')",
    WORDS_INSERT_TRIGGER,
    f"""CREATE TRIGGER IF NOT EXISTS member_words_ad AFTER DELETE ON member BEGIN
        INSERT INTO {WORDS_TABLE}({WORDS_TABLE}, rowid, search_key)
        VALUES ('delete', old.id, old.search_key);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS member_words_au AFTER UPDATE OF search_key ON member BEGIN
        INSERT INTO {WORDS_TABLE}({WORDS_TABLE}, rowid, search_key)
        VALUES ('delete', old.id, old.search_key);
        INSERT INTO {WORDS_TABLE}(rowid, search_key) VALUES (new.id, new.search_key);
    END""",
    f"INSERT INTO {WORDS_TABLE}({WORDS_TABLE}) VALUES ('rebuild')",
]
SQLITE_DDL += WORDS_DDL
WORDS_DROP = ["DROP TRIGGER IF EXISTS member_words_ai", "DROP TRIGGER IF EXISTS member_words_ad",
              "DROP TRIGGER IF EXISTS member_words_au", f"DROP TABLE IF EXISTS {WORDS_TABLE}"]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS member_fts_ai", "DROP TRIGGER IF EXISTS member_fts_ad",
               "DROP TRIGGER IF EXISTS member_fts_au", f"DROP TABLE IF EXISTS {FTS_TABLE}",
               *WORDS_DROP]
# The extension lives in `public` (shared by every schema of the database); its operator class
# is named with the schema it is actually in.
PG_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"
PG_EXTENSION_SCHEMA = ("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                       "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")
PG_INDEX = "CREATE INDEX IF NOT EXISTS {name} ON member USING gin ({column} \"{schema}\".gin_trgm_ops)"
# Words of names, PostgreSQL's full-text index with the `simple` configuration (no stemming,
# no stop words): the typed words as a phrase whose last word is a prefix, as SQLite's words.
PG_WORDS_INDEX = "ix_member_name_words"
PG_WORDS_DDL = (f"CREATE INDEX IF NOT EXISTS {PG_WORDS_INDEX} ON member "
                "USING gin (to_tsvector('simple'::regconfig, search_key))")
# PostgreSQL covering indexes for a few days' records (the cut days of a period report at
# province or national scope read every voucher and dues payment of those days): the figures
# are read from the index alone. Not search indexes, but like them not in the models
# (INCLUDE is PostgreSQL's), made here and by 0022_day_figures.
PG_FIGURE_INDEXES = {
    "ix_voucher_day_figures": "CREATE INDEX IF NOT EXISTS ix_voucher_day_figures ON voucher "
                              "(voucher_date) INCLUDE (status, kind, unit_id, amount)",
    "ix_dues_payment_day_figures": "CREATE INDEX IF NOT EXISTS ix_dues_payment_day_figures "
                                   "ON dues_payment (paid_on) INCLUDE (unit_id, amount, "
                                   "voucher_id)",
}
PG_DROP = [f"DROP INDEX IF EXISTS {name}"
           for name in (*TRGM_INDEXES, PG_WORDS_INDEX, *PG_FIGURE_INDEXES)]


def install(connection) -> None:
    """Create the search index of the connection's database (idempotent)."""
    name = connection.dialect.name
    if name == "sqlite":
        for statement in SQLITE_DDL:
            connection.execute(text(statement))
    elif name == "postgresql":
        connection.execute(text(PG_EXTENSION))
        schema = connection.execute(text(PG_EXTENSION_SCHEMA)).scalar()
        for index, column in TRGM_INDEXES.items():
            connection.execute(text(PG_INDEX.format(name=index, column=column, schema=schema)))
        connection.execute(text(PG_WORDS_DDL))


@contextmanager
def bulk_insert(session, numbers: tuple[int, int]) -> Iterator[None]:
    """Members inserted inside the block (numbered `numbers[0]`..`numbers[1]`) enter the SQLite
    index in one INSERT … SELECT at its end instead of one trigger call per row: FTS5 writes a
    new segment at the end of every statement, so 100,000 single-row inserts cost 100,000
    segments (and their merges); one statement writes one. The insert trigger is dropped for the
    block and created again, inside the writing transaction: other connections never see it
    missing (SQLite's schema is transactional and writers are serialised), and a rollback brings
    it back. PostgreSQL's GIN indexes take the rows as they come."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    session.execute(text("DROP TRIGGER IF EXISTS member_fts_ai"))
    session.execute(text("DROP TRIGGER IF EXISTS member_words_ai"))
    try:
        yield
    except BaseException:
        with suppress(Exception):  # the rollback that follows restores them anyway
            session.execute(text(SQLITE_DDL[1]))
            session.execute(text(WORDS_INSERT_TRIGGER))
        raise
    bounds = {"a": numbers[0], "b": numbers[1]}
    session.execute(text(
        f"INSERT INTO {FTS_TABLE}(rowid, search_key, phone, cccd) "
        "SELECT id, search_key, phone, cccd FROM member WHERE number BETWEEN :a AND :b"), bounds)
    session.execute(text(
        f"INSERT INTO {WORDS_TABLE}(rowid, search_key) "
        "SELECT id, search_key FROM member WHERE number BETWEEN :a AND :b"), bounds)
    session.execute(text(SQLITE_DDL[1]))
    session.execute(text(WORDS_INSERT_TRIGGER))


def uninstall(connection) -> None:
    name = connection.dialect.name
    for statement in SQLITE_DROP if name == "sqlite" else PG_DROP if name == "postgresql" else []:
        connection.execute(text(statement))


def uses_fts(session_or_connection) -> bool:
    return session_or_connection.get_bind().dialect.name == "sqlite" if hasattr(
        session_or_connection, "get_bind") else session_or_connection.dialect.name == "sqlite"


def include_name(name, type_, parent_names) -> bool:
    """Alembic filter: the search index is not part of the models."""
    if type_ == "table" and name and name.startswith((FTS_TABLE, WORDS_TABLE)):
        return False
    return not (type_ == "index"
                and name in (*TRGM_INDEXES, PG_WORDS_INDEX, *PG_FIGURE_INDEXES))


def install_words(connection) -> None:
    """The word index of names, for databases made before it existed (SQLite: 0019_words;
    PostgreSQL: 0021_name_words, through `install_pg_words`)."""
    if connection.dialect.name == "sqlite":
        for statement in WORDS_DDL:
            connection.execute(text(statement))


def uninstall_words(connection) -> None:
    if connection.dialect.name == "sqlite":
        for statement in WORDS_DROP:
            connection.execute(text(statement))


def install_pg_words(connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(PG_WORDS_DDL))
        connection.execute(text("ANALYZE member"))  # the words' statistics guide every plan


def uninstall_pg_words(connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {PG_WORDS_INDEX}"))


def word_phrase(key: str) -> str:
    """A MATCH phrase for words that start the name's words, in order ("nguyen van an" finds
    "Nguyễn Văn An" and "Nguyễn Văn Anh"): the phrase, its last word a prefix."""
    return '"' + key.replace('"', '""') + '" *'


def fts_phrase(term: str) -> str:
    """A MATCH phrase for a literal substring (double quotes doubled)."""
    return '"' + term.replace('"', '""') + '"'


def listen(member_table) -> None:
    event.listen(member_table, "after_create", lambda table, connection, **kw: install(connection))
    event.listen(member_table.metadata, "after_create",
                 lambda metadata, connection, **kw: install_pg_figures(connection))
    event.listen(member_table, "before_drop", lambda table, connection, **kw: uninstall(connection))


def install_pg_figures(connection) -> None:
    """The covering indexes of PG_FIGURE_INDEXES (PostgreSQL; nothing elsewhere); on a database
    built by create_all, once every table is made (`listen`)."""
    if connection.dialect.name == "postgresql":
        for ddl in PG_FIGURE_INDEXES.values():
            connection.execute(text(ddl))


def uninstall_pg_figures(connection) -> None:
    if connection.dialect.name == "postgresql":
        for name in PG_FIGURE_INDEXES:
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
