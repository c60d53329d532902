"""The SQLite connection newsmon uses everywhere: pragmas, opening (and migrating),
write transactions, plain row statements, checkpoints and integrity checks.

Plain sqlite-utils, no Scrapy. The tables themselves are declared in
:mod:`newsmon.store.schema`; :func:`open_db` creates or migrates a database
to it, so an old database is migrated by simply opening it."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from newsmon.store.schema import FTS, INDEXES, MIGRATIONS, RAW_TABLES, SCHEMA_VERSION, TABLES, VIEWS, _fts_triggers

BUSY_TIMEOUT_MS = 30_000
WAL_SIZE_LIMIT = 16 * 1024 * 1024   # bytes the -wal file is truncated to after a checkpoint


def index_pending_fts(conn: sqlite3.Connection) -> None:
    """Add the rows noted in fts_pending to their full-text indexes, in one statement a table."""
    try:
        if conn.execute("SELECT 1 FROM fts_pending LIMIT 1").fetchone() is None:
            return
    except sqlite3.OperationalError as e:
        if "no such table" not in str(e):
            raise   # an I/O error must fail the transaction, not commit rows the index lacks
        return      # a schema-1 database (opened unmigrated): its triggers index at once
    for table, cols in FTS.items():
        conn.execute(f"INSERT INTO [{table}_fts] (rowid, {', '.join(cols)}) "
                     f"SELECT t.rowid, {', '.join('t.' + c for c in cols)} "
                     f"FROM fts_pending p JOIN [{table}] t ON t.rowid = p.id WHERE p.tbl = ?", [table])
    conn.execute("DELETE FROM fts_pending")


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with the pragmas every newsmon process uses.

    WAL lets Datasette read while a crawl writes; the busy timeout makes
    concurrent writers (two crawls, the scheduler) wait instead of failing.
    """
    if readonly:
        conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        # the WAL is checkpointed every 1000 pages (SQLite's default, kept) and cut
        # back to this size after a checkpoint, so a long crawl beside a reader
        # cannot leave a huge -wal file behind
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
    return conn


def checkpoint(db: sqlite_utils.Database, wait_ms: int = 2000) -> tuple | None:
    """Copy the WAL into the database and truncate it (end of a crawl).

    Waits up to ``wait_ms`` for readers (Datasette in the middle of a query)
    and falls back to a passive checkpoint, so a busy reader delays a crawl's
    exit by two seconds at most; journal_size_limit still bounds the file.
    Returns SQLite's (busy, log frames, checkpointed frames), or None."""
    conn = db.conn
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        result = tuple(conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
        if result[0]:
            result = tuple(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
        return result
    except sqlite3.Error:
        return None
    finally:
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.Error:
            pass


@contextmanager
def write_transaction(db: sqlite_utils.Database):
    """BEGIN IMMEDIATE ... COMMIT (or ROLLBACK on error).

    Taking the write lock up front makes a second writer wait for the busy
    timeout instead of failing with "database is locked" when a deferred
    transaction tries to upgrade a stale read snapshot.
    """
    conn = db.conn
    if conn.in_transaction:  # nested use: the outer transaction decides
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        index_pending_fts(conn)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


# Plain statements for the rows every page writes. sqlite-utils' insert/update/upsert
# re-read the table's columns on each call; on the crawl's writer thread, which
# shares the GIL with the downloads, that bookkeeping cost more than the writes.
# Table and column names come from newsmon's own code, never from data.


@lru_cache(maxsize=256)
def _insert_sql(table: str, cols: tuple[str, ...], upsert_on: str | None = None) -> str:
    columns = ", ".join(f"[{c}]" for c in cols)
    sql = f"INSERT INTO [{table}] ({columns}) VALUES ({', '.join('?' * len(cols))})"
    if upsert_on:
        sets = ", ".join(f"[{c}] = excluded.[{c}]" for c in cols if c != upsert_on)
        sql += f" ON CONFLICT ([{upsert_on}]) DO UPDATE SET {sets}"
    return sql


@lru_cache(maxsize=256)
def _update_sql(table: str, cols: tuple[str, ...], pk: str) -> str:
    sets = ", ".join(f"[{c}] = ?" for c in cols)
    return f"UPDATE [{table}] SET {sets} WHERE [{pk}] = ?"


def insert_row(db: sqlite_utils.Database, table: str, row: dict) -> int:
    """INSERT one row; its rowid."""
    cols = tuple(row)
    return db.conn.execute(_insert_sql(table, cols), [row[c] for c in cols]).lastrowid


def upsert_row(db: sqlite_utils.Database, table: str, row: dict, pk: str) -> None:
    """INSERT one row, or update the given columns of the row with the same ``pk``."""
    cols = tuple(row)
    db.conn.execute(_insert_sql(table, cols, pk), [row[c] for c in cols])


def update_row(db: sqlite_utils.Database, table: str, pk_value, fields: dict, pk: str = "id") -> None:
    """UPDATE the given columns of one row."""
    cols = tuple(fields)
    db.conn.execute(_update_sql(table, cols, pk), [*(fields[c] for c in cols), pk_value])


def open_db(path: str | Path, *, readonly: bool = False, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the newsmon database at ``path``."""
    path = Path(path)
    if not readonly and path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    if migrate and not readonly and path.exists():
        _check_version(path)    # before WAL mode or a migration writes to the file
    db = sqlite_utils.Database(connect(path, readonly=readonly))
    if migrate and not readonly:
        ensure_schema(db)
    return db


class SchemaTooNew(RuntimeError):
    """The database was made by a newer newsmon than this one."""


def _check_version(path: Path) -> None:
    """Refuse a database made by a newer newsmon, reading it only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(f"the database has schema {version}, made by a newer newsmon; this one knows "
                           f"schema {SCHEMA_VERSION}: upgrade newsmon to use it")


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Bring the database to :mod:`newsmon.store.schema`'s declarations; idempotent."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    existing = set(db.table_names())
    if current == SCHEMA_VERSION and (set(TABLES) | set(RAW_TABLES)) <= existing:
        return
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(f"the database has schema {current}, made by a newer newsmon; this one knows "
                           f"schema {SCHEMA_VERSION}: upgrade newsmon to use it")
    with write_transaction(db):
        for name, (columns, pk, fks) in TABLES.items():
            table = db[name]
            if name not in existing:
                table.create(columns, pk=pk, foreign_keys=fks, if_not_exists=True)
            else:
                have = set(table.columns_dict)
                for col, typ in columns.items():
                    if col not in have:
                        table.add_column(col, typ)
        for sql in RAW_TABLES.values():
            db.execute(sql)
        for name, cols, unique in INDEXES:
            db[name].create_index(cols, unique=unique, if_not_exists=True)
        for name, cols in FTS.items():
            if not db[f"{name}_fts"].exists():
                db[name].enable_fts(cols, tokenize="porter")
            for sql in _fts_triggers(name, cols):
                db.execute(sql)
        for name, sql in VIEWS.items():
            db.execute(f"DROP VIEW IF EXISTS {name}")
            db.execute(f"CREATE VIEW {name} AS {sql}")
        for version, (_, step) in sorted(MIGRATIONS.items()):
            if current < version and step is not None:
                step(db)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def fts_out_of_step(conn: sqlite3.Connection) -> list[str]:
    """The full-text indexes that disagree with their table (FTS5's integrity-check, content included)."""
    bad = []
    opened = not conn.in_transaction
    for name in FTS:
        try:
            conn.execute(f"INSERT INTO [{name}_fts] ([{name}_fts], rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            bad.append(f"{name}_fts")
    if opened and conn.in_transaction:
        # the check is an INSERT, so Python's sqlite3 opened a transaction for it; left open,
        # the next write_transaction would take it for an outer one and skip indexing at commit
        conn.rollback()
    return bad


def integrity_ok(db: sqlite_utils.Database) -> bool:
    """SQLite's integrity check, and each full-text index checked against its table."""
    return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok" and not fts_out_of_step(db.conn)
