"""The SQLite connection newsmon uses everywhere: pragmas, opening (and migrating),
write transactions, plain row statements, checkpoints and integrity checks.

Plain sqlite-utils, no Scrapy. The tables themselves are declared in
:mod:`newsmon.store.schema`; :func:`open_db` creates or migrates a database
to it, so an old database is migrated by simply opening it."""

from __future__ import annotations

import os
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
    """Open (creating and migrating if needed) the newsmon database at ``path``.

    The file is probed first, reading only (:func:`probe`): a file that is not
    a usable newsmon database, or a place where it cannot be written, raises
    :class:`DatabaseProblem` before WAL mode or a migration writes to it.
    """
    path = Path(path)
    if str(path) != ":memory:":
        probe(path, write=not readonly, check_version=migrate or readonly)
    db = sqlite_utils.Database(connect(path, readonly=readonly))
    if migrate and not readonly:
        try:
            ensure_schema(db)
        except sqlite3.DatabaseError as e:
            db.conn.close()
            raise damaged(path, e) from None
    return db


class DatabaseProblem(RuntimeError):
    """A database newsmon cannot use as it is. The message is one line: what is
    wrong and what to do; the file was not changed."""


class SchemaTooNew(DatabaseProblem):
    """The database was made by a newer newsmon than this one."""


SQLITE_MAGIC = b"SQLite format 3\x00"
NEWSMON_TABLES = ("sources", "crawl_runs", "articles")   # a database without any of them is another program's
READONLY_HINT = "newsmon serve --immutable reads a database on read-only media"


def damaged(path: Path, error: Exception) -> DatabaseProblem:
    return DatabaseProblem(
        f"{path} is damaged (SQLite: {error}): `newsmon check-db --db {path}` shows what is wrong; "
        "restore it from a backup, or move it away to start a new one")


def _header(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(100)
    except PermissionError:
        raise DatabaseProblem(f"cannot read {path} (permission denied): give this user read and write "
                              "access to it, or run newsmon as its owner") from None
    except OSError as e:
        raise DatabaseProblem(f"cannot read {path} ({e.strerror or e})") from None


def _wal_has_frames(path: Path) -> bool:
    try:
        return os.path.getsize(f"{path}-wal") > 32   # a WAL header alone holds no page
    except OSError:
        return False


def _check_header(path: Path, head: bytes, size: int) -> None:
    """Not SQLite, or truncated: said from the file's first 100 bytes and its size."""
    if not head.startswith(SQLITE_MAGIC):
        shown = head[:16].decode("latin-1")
        shown = "".join(c if c.isprintable() else "." for c in shown)
        raise DatabaseProblem(
            f"{path} is not a SQLite database (it starts with {shown!r}): pass --db with a newsmon "
            "database, or move this file away to start a new one there")
    if len(head) < 100:
        raise DatabaseProblem(f"{path} is truncated ({size} bytes, shorter than a SQLite header): "
                              "restore it from a backup, or move it away to start a new one")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise DatabaseProblem(f"{path} is damaged (its header gives page size {page_size}): "
                              "restore it from a backup, or move it away to start a new one")
    pages = int.from_bytes(head[28:32], "big")
    header_valid = head[92:96] == head[24:28]   # "version-valid-for" equals the change counter
    expected = pages * page_size if header_valid and pages else None
    if _wal_has_frames(path):
        return   # the WAL may hold pages the main file does not have yet
    if (expected and size < expected) or size % page_size:
        raise DatabaseProblem(
            f"{path} is truncated ({size} bytes of the {expected or 'whole pages of ' + str(page_size)} "
            f"its header declares): restore it from a backup; `newsmon check-db --db {path}` "
            "shows what is left")


def probe(path: str | Path, *, write: bool = True, check_version: bool = True) -> None:
    """Raise :class:`DatabaseProblem` if ``path`` cannot be used as newsmon's database.

    Reads only, so whatever is wrong, the file is left as it was: the place
    (a missing or read-only directory), the file's permissions, its header (a
    text file, a truncated copy), the schema SQLite reads on opening it
    (damage there), whose tables they are (another program's database) and
    the schema version (:class:`SchemaTooNew`). A missing file is fine when
    ``write`` (it will be created); damage deeper in the file shows in
    :func:`quick_check` or ``newsmon check-db``.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DatabaseProblem(f"directory {parent} does not exist: create it first (mkdir -p {parent}) "
                              "or pass another --db")
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a directory, not a database file: pass --db with a file path")
    if not path.exists():
        if write and not os.access(parent, os.W_OK | os.X_OK):
            raise DatabaseProblem(f"cannot create {path}: directory {parent} is read-only; "
                                  "pass --db with a writable place")
        return
    size = path.stat().st_size
    head = _header(path)
    if size == 0:
        if not write:
            raise DatabaseProblem(f"{path} is empty, not a newsmon database yet: "
                                  "`newsmon crawl` or `newsmon demo` fills it")
        return
    _check_header(path, head, size)
    if write and not os.access(path, os.W_OK):
        raise DatabaseProblem(f"{path} is read-only: give this user write access to it, "
                              f"or copy it somewhere writable ({READONLY_HINT})")
    wal = head[18:20] == b"\x02\x02"
    if (write or wal) and not os.access(parent, os.W_OK | os.X_OK):
        # WAL mode: every connection, even a reader's, needs the -shm (and -wal) file beside it
        raise DatabaseProblem(f"{path} is in a read-only directory, and SQLite needs to write its -wal "
                              f"and -shm files beside it: move or copy it to a writable directory "
                              f"({READONLY_HINT})")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as e:
        raise DatabaseProblem(f"cannot open {path} (SQLite: {e})") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise DatabaseProblem(f"{path} is locked by another program ({e}): try again") from None
        raise damaged(path, e) from None
    finally:
        conn.close()
    if tables and version == 0 and not tables & set(NEWSMON_TABLES):
        shown = ", ".join(sorted(tables)[:4]) + (", ..." if len(tables) > 4 else "")
        raise DatabaseProblem(f"{path} is another program's SQLite database (tables {shown}), not "
                              "newsmon's: pass --db with a newsmon database or a new file")
    if check_version and version > SCHEMA_VERSION:
        raise SchemaTooNew(f"{path} has schema {version}, made by a newer newsmon; this one knows "
                           f"schema {SCHEMA_VERSION}: upgrade newsmon to use it")


QUICK_CHECK_SECONDS = 2.0


def quick_check(path: str | Path, seconds: float = QUICK_CHECK_SECONDS) -> str | None:
    """SQLite's quick_check of ``path``, read-only, for at most ``seconds``: what it
    found wrong, or None (also when it ran out of time: a database of several GB
    is checked in full by ``newsmon check-db``)."""
    import time

    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.OperationalError as e:
        if "interrupted" in str(e):
            return None
        return str(e)
    except sqlite3.DatabaseError as e:
        return str(e)
    finally:
        conn.close()
    return None if rows == ["ok"] else sqlite_findings(rows)


def sqlite_findings(rows: list[str], shown: int = 2) -> str:
    """integrity_check / quick_check rows as one line: the first findings and how many more."""
    lines = [ln.strip() for row in rows for ln in str(row).splitlines()
             if ln.strip() and not ln.startswith("*** in database")]
    more = f" (and {len(lines) - shown} more)" if len(lines) > shown else ""
    return "; ".join(lines[:shown]) + more


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
