"""The SQLite database: schema, migrations and small row helpers.

Plain sqlite-utils, no Scrapy. Every table of DESIGN.md is created (and
extended with missing columns) by :func:`ensure_schema`, so an old database
is migrated by simply opening it. Times are ISO 8601 UTC text.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from pipelines.htmlblob import compress_html

SCHEMA_VERSION = 2   # 2: full-text indexing deferred to commit (fts_pending)
BUSY_TIMEOUT_MS = 30_000
WAL_SIZE_LIMIT = 16 * 1024 * 1024   # bytes the -wal file is truncated to after a checkpoint

# table -> (columns, pk, foreign keys). Column order is the display order.
TABLES: dict[str, tuple[dict, str, list]] = {
    "sources": ({
        "id": str, "name": str, "kind": str, "urls": str, "schedule": str,
        "enabled": int, "allowed_domains": str, "article_patterns": str,
        "spider": str, "settings": str, "updated_at": str,
    }, "id", []),
    "crawl_runs": ({
        "id": int, "source_id": str, "started_at": str, "finished_at": str,
        "status": str, "finish_reason": str, "pages_fetched": int,
        "articles_new": int, "articles_updated": int, "articles_unchanged": int,
        "duplicates": int, "skipped": int, "dropped": int, "errors": int,
        "dropped_reasons": str, "http_errors": str, "error_summary": str,
        "duration_s": float, "pid": int,
    }, "id", [("source_id", "sources", "id")]),
    "articles": ({
        "id": int, "url": str, "source_id": str, "title": str, "authors": str,
        "published_at": str, "published_at_source": str, "modified_at": str,
        "sitename": str, "language": str, "description": str, "text": str,
        "text_hash": str, "word_count": int, "first_seen_at": str,
        "last_seen_at": str, "last_fetched_at": str, "last_changed_at": str,
        "version_count": int, "duplicate_of": int, "duplicate_method": str,
        "duplicate_similarity": float, "final_url": str, "feed_updated_at": str,
        "etag": str, "last_modified": str,
    }, "id", [("source_id", "sources", "id"), ("duplicate_of", "articles", "id")]),
    "article_urls": ({
        "url": str, "article_id": int, "method": str, "first_seen_at": str,
    }, "url", [("article_id", "articles", "id")]),
    "article_versions": ({
        "id": int, "article_id": int, "version": int, "fetched_at": str,
        "run_id": int, "title": str, "text": str, "text_hash": str, "diff": str,
    }, "id", [("article_id", "articles", "id"), ("run_id", "crawl_runs", "id")]),
    "pages": ({
        "url": str, "source_id": str, "run_id": int, "first_fetched_at": str,
        "fetched_at": str, "status": int, "content_type": str, "encoding": str,
        "feed_published": str, "feed_updated_at": str, "drop_reason": str,
        "article_id": int, "html_size": int, "html": bytes,
    }, "url", [("source_id", "sources", "id"), ("article_id", "articles", "id")]),
    "speakers": ({
        "id": int, "key": str, "name": str, "kind": str, "aliases": str,
        "first_seen_at": str,
    }, "id", []),
    "claim_groups": ({
        "id": int, "key": str, "speaker_id": int, "speaker": str, "quote": str,
        "first_seen_at": str, "first_article_id": int, "article_count": int,
    }, "id", [("speaker_id", "speakers", "id"), ("first_article_id", "articles", "id")]),
    "claims": ({
        "id": int, "article_id": int, "version": int, "speaker": str,
        "speaker_id": int, "speaker_role": str, "speaker_mention": str,
        "cue": str, "kind": str, "quote": str, "sentence": str,
        "char_start": int, "char_end": int, "claim_group_id": int,
    }, "id", [("article_id", "articles", "id"), ("speaker_id", "speakers", "id"),
              ("claim_group_id", "claim_groups", "id")]),
    "alerts": ({
        "id": int, "source_id": str, "run_id": int, "kind": str, "message": str,
        "created_at": str, "cleared_at": str,
    }, "id", [("source_id", "sources", "id"), ("run_id", "crawl_runs", "id")]),
    # lines a site repeats across its pages (learned junk, see pipelines.extract)
    "site_lines": ({
        "site": str, "key": str, "line": str, "page_count": int, "first_seen_at": str,
    }, ("site", "key"), []),
    # each origin's last robots.txt answer (2xx or 4xx), reused for NEWSMON_ROBOTS_CACHE_HOURS
    "robots_txt": ({
        "origin": str, "fetched_at": str, "status": int, "body": bytes,
    }, "origin", []),
    # rows written in the open transaction and not yet in their FTS index (see index_pending_fts)
    "fts_pending": ({"tbl": str, "id": int}, ("tbl", "id"), []),
}

INDEXES = [
    ("articles", ["url"], True),
    ("articles", ["source_id", "first_seen_at"], False),
    ("articles", ["text_hash"], False),
    ("articles", ["duplicate_of"], False),
    ("article_versions", ["article_id", "version"], True),
    ("article_urls", ["article_id"], False),
    ("crawl_runs", ["source_id", "started_at"], False),
    ("claims", ["article_id", "version"], False),
    ("claims", ["speaker_id"], False),
    ("claims", ["claim_group_id"], False),
    ("speakers", ["key"], True),
    ("claim_groups", ["key"], True),
    ("alerts", ["source_id", "cleared_at"], False),
    ("pages", ["source_id"], False),
]

FTS = {"articles": ["title", "text"], "claims": ["quote", "speaker"]}


# The full-text indexes are kept by triggers, as sqlite-utils' enable_fts makes them,
# except that a new row is only noted in fts_pending and indexed when its transaction
# commits (index_pending_fts, called by write_transaction). FTS5 flushes its pending
# terms to a new segment at every savepoint, and SQLite opens one for each statement
# and each page of a batch: indexing row by row cost the crawl's writer ~0.25 ms a
# page. An update re-indexes only when an indexed column changes (a refetch that
# finds the same text updates last_seen_at and nothing else).
def _fts_triggers(table: str, cols: list[str]) -> list[str]:
    """The statements that (re)create ``table``'s full-text triggers."""
    names = ", ".join(f"[{c}]" for c in cols)
    old = ", ".join(f"old.[{c}]" for c in cols)
    new = ", ".join(f"new.[{c}]" for c in cols)
    fts = f"[{table}_fts]"
    pending = f"SELECT 1 FROM fts_pending WHERE tbl = '{table}' AND id = old.rowid"
    # schema 1 had sqlite-utils' triggers, of the same names, indexing row by row
    drops = [f"DROP TRIGGER IF EXISTS [{name}]" for name in (f"{table}_ai", f"{table}_ad", f"{table}_au")]
    return drops + [
        f"""CREATE TRIGGER [{table}_ai] AFTER INSERT ON [{table}] BEGIN
  INSERT OR IGNORE INTO fts_pending (tbl, id) VALUES ('{table}', new.rowid);
END""",
        f"""CREATE TRIGGER [{table}_ad] AFTER DELETE ON [{table}] BEGIN
  INSERT INTO {fts} ({fts}, rowid, {names}) SELECT 'delete', old.rowid, {old} WHERE NOT EXISTS ({pending});
  DELETE FROM fts_pending WHERE tbl = '{table}' AND id = old.rowid;
END""",
        # a row still pending is indexed with whatever it holds at commit
        f"""CREATE TRIGGER [{table}_au] AFTER UPDATE OF {names} ON [{table}] WHEN NOT EXISTS ({pending}) BEGIN
  INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.rowid, {old});
  INSERT INTO {fts} (rowid, {names}) VALUES (new.rowid, {new});
END""",
    ]


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


# Views join what readers want to see together; recreated on every migration
# so they stay in step with the tables.
VIEWS = {
    "claims_view": """
        SELECT c.id, c.speaker, c.speaker_role, c.kind, c.cue, c.quote, c.sentence,
               c.article_id, a.title AS article_title, a.url AS article_url,
               a.source_id, s.name AS source_name, a.published_at, a.first_seen_at,
               c.version, c.claim_group_id, c.speaker_id
        FROM claims c
        JOIN articles a ON a.id = c.article_id
        LEFT JOIN sources s ON s.id = a.source_id
        WHERE c.version = a.version_count""",
    "articles_view": """
        SELECT a.id, a.title, a.url, a.source_id, s.name AS source_name, a.published_at,
               a.published_at_source, a.authors, a.language, a.word_count, a.first_seen_at,
               a.last_changed_at, a.version_count,
               (SELECT count(*) FROM articles d WHERE d.duplicate_of = a.id) AS duplicate_count,
               (SELECT count(*) FROM claims c WHERE c.article_id = a.id
                  AND c.version = a.version_count) AS claim_count,
               a.duplicate_of, a.duplicate_method, a.duplicate_similarity
        FROM articles a LEFT JOIN sources s ON s.id = a.source_id""",
    "duplicate_clusters": """
        SELECT o.id AS article_id, o.title, o.url, o.source_id AS first_source,
               o.first_seen_at,
               count(d.id) + 1 AS copies,
               (SELECT count(DISTINCT x.source_id) FROM articles x
                  WHERE x.id = o.id OR x.duplicate_of = o.id) AS outlets,
               group_concat(DISTINCT d.source_id) AS also_run_by,
               group_concat(d.duplicate_method) AS methods
        FROM articles o JOIN articles d ON d.duplicate_of = o.id
        GROUP BY o.id""",
    "source_health": """
        SELECT s.id AS source_id, s.name, s.kind, s.schedule, s.enabled,
               r.started_at AS last_run_at, r.status AS last_status,
               r.finish_reason AS last_finish_reason, r.articles_new AS last_run_new,
               (SELECT count(*) FROM articles a WHERE a.source_id = s.id) AS articles,
               (SELECT count(*) FROM alerts al WHERE al.source_id = s.id
                  AND al.cleared_at IS NULL) AS open_alerts,
               (SELECT group_concat(al.kind || ': ' || al.message, ' | ') FROM alerts al
                  WHERE al.source_id = s.id AND al.cleared_at IS NULL) AS alert_messages
        FROM sources s
        LEFT JOIN crawl_runs r ON r.id = (SELECT id FROM crawl_runs WHERE source_id = s.id
                                          ORDER BY started_at DESC, id DESC LIMIT 1)""",
}


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | None) -> datetime | None:
    """Parse the ISO 8601 text this project stores (date-only counts as midnight UTC)."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


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
    db = sqlite_utils.Database(connect(path, readonly=readonly))
    if migrate and not readonly:
        ensure_schema(db)
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, columns, indexes and FTS; idempotent."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    existing = set(db.table_names())
    if current == SCHEMA_VERSION and set(TABLES) <= existing:
        return
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
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


SECRET_KEY_RE = re.compile(r"pass|secret|token|auth|key|credential|cookie|proxy|session|webhook|signature",
                           re.I)
SECRET_PARAM_RE = re.compile(r"(?i)([?&](?:[^=&#]*(?:token|key|secret|pass|auth|sig)[^=&#]*)=)([^&#]+)")
NOT_SECRET_KEY_RE = re.compile(r"_(ENABLED|ENCODING|DEBUG|DOMAIN|DOMAINS|PRIORITY|MIDDLEWARES?)$", re.I)
REDACTED = "***"


def _secret_key(key: str) -> bool:
    return bool(key) and bool(SECRET_KEY_RE.search(key)) and not NOT_SECRET_KEY_RE.search(key)


def _redact_url(text: str) -> str:
    """user:password@ and token-like query parameters of a URL blanked."""
    text = re.sub(r"(?i)(\b[a-z][a-z0-9+.-]*://)([^/@\s:]+):([^/@\s]+)@", rf"\1\2:{REDACTED}@", text)
    return SECRET_PARAM_RE.sub(rf"\1{REDACTED}", text)


def redact_settings(value, key: str = ""):
    """A copy of a source's settings fit for the database: the values of
    credential-looking keys (password, token, auth, cookie, proxy, api key ...)
    replaced by "***", and passwords in URLs blanked everywhere."""
    if isinstance(value, dict):
        return {k: redact_settings(v, str(k)) for k, v in value.items()}
    if _secret_key(key) and value not in (None, "", [], {}) and not isinstance(value, bool):
        return REDACTED
    if isinstance(value, (list, tuple)):
        return [redact_settings(v) for v in value]
    if isinstance(value, str):
        return _redact_url(value)
    return value


def secret_values(settings: dict, options: dict | None = None) -> set[str]:
    """The strings of a source's settings (and the [newsmon] options, e.g.
    webhook_url) that must never be written to a log: everything redact_settings
    blanks, and the passwords inside URLs."""
    found: set[str] = set()

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and value:
            if _secret_key(key):
                found.add(value)
            for m in re.finditer(r"://[^/@\s:]+:([^/@\s]+)@", value):
                found.add(m.group(1))
            for m in SECRET_PARAM_RE.finditer(value):
                found.add(m.group(2))

    walk(settings or {})
    walk(options or {})
    return {s for s in found if len(s) >= 4}


def upsert_sources(db: sqlite_utils.Database, sources) -> None:
    """Mirror the config's sources into the ``sources`` table (secrets redacted)."""
    now = utcnow()
    with write_transaction(db):
        for source in sources:
            row = source.as_row() | {"updated_at": now}
            row["settings"] = redact_settings(row.get("settings") or {})
            row["urls"] = [_redact_url(u) for u in row.get("urls") or []]
            db["sources"].upsert(row, pk="id", alter=False)


def start_run(db: sqlite_utils.Database, source_id: str, *, pid: int | None = None,
              started_at: str | None = None) -> int:
    with write_transaction(db):
        return db["crawl_runs"].insert({
            "source_id": source_id, "started_at": started_at or utcnow(),
            "status": "running", "pid": pid,
        }).last_pk


def finish_run(db: sqlite_utils.Database, run_id: int, **fields) -> None:
    fields.setdefault("finished_at", utcnow())
    row = db["crawl_runs"].get(run_id)
    started = parse_time(row["started_at"])
    finished = parse_time(fields["finished_at"])
    if started and finished:
        fields.setdefault("duration_s", round((finished - started).total_seconds(), 3))
    for key in ("dropped_reasons", "http_errors", "error_summary"):
        if key in fields and not isinstance(fields[key], (str, type(None))):
            fields[key] = json.dumps(fields[key], sort_keys=True)
    with write_transaction(db):
        db["crawl_runs"].update(run_id, fields)


def save_page(db: sqlite_utils.Database, page: dict) -> None:
    """Keep the latest raw HTML of a fetched URL (caller owns the transaction)."""
    row = dict(page)
    html = row.pop("html", None)
    if html is not None:
        row["html"] = compress_html(html)
        row["html_size"] = len(html)
    old = db.execute("SELECT first_fetched_at FROM pages WHERE url = ?", [row["url"]]).fetchone()
    row["first_fetched_at"] = old[0] if old and old[0] else row.get("fetched_at")
    upsert_row(db, "pages", row, "url")


def known_urls(db: sqlite_utils.Database, source_id: str) -> dict[str, dict]:
    """url -> what the spider needs to decide whether to fetch it again.

    Covers stored articles (by every URL they were seen under) and pages
    that were fetched but dropped (non-articles), so neither is refetched on
    every crawl.
    """
    known: dict[str, dict] = {}
    rows = db.execute(
        """SELECT url, first_fetched_at, fetched_at, feed_updated_at, NULL, NULL, drop_reason
           FROM pages WHERE source_id = ?""", [source_id]).fetchall()
    rows += db.execute(
        """SELECT u.url, a.first_seen_at, a.last_fetched_at, a.feed_updated_at, a.etag,
                  a.last_modified, NULL
           FROM article_urls u JOIN articles a ON a.id = u.article_id
           WHERE a.source_id = ?""", [source_id]).fetchall()
    for url, first, last, feed_updated, etag, last_modified, drop_reason in rows:
        known[url] = {
            "first_seen_at": first, "last_fetched_at": last,
            "feed_updated_at": feed_updated, "etag": etag,
            "last_modified": last_modified, "drop_reason": drop_reason,
        }
    return known


def site_lines(db: sqlite_utils.Database, site: str, min_pages: int = 3) -> frozenset[str]:
    """Line keys a site repeats on ``min_pages`` or more pages (learned junk)."""
    rows = db.execute(
        "SELECT key FROM site_lines WHERE site = ? AND page_count >= ?", [site, min_pages])
    return frozenset(r[0] for r in rows)


def count_site_lines(db: sqlite_utils.Database, site: str, keys, now: str) -> None:
    """Count a new page's short lines (caller owns the transaction)."""
    for key in set(keys):
        db.execute(
            """INSERT INTO site_lines (site, key, line, page_count, first_seen_at)
               VALUES (?, ?, ?, 1, ?)
               ON CONFLICT (site, key) DO UPDATE SET page_count = page_count + 1""",
            [site, key, key, now])


def fts_out_of_step(conn: sqlite3.Connection) -> list[str]:
    """The full-text indexes that disagree with their table (FTS5's integrity-check, content included)."""
    bad = []
    for name in FTS:
        try:
            conn.execute(f"INSERT INTO [{name}_fts] ([{name}_fts], rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            bad.append(f"{name}_fts")
    return bad


def integrity_ok(db: sqlite_utils.Database) -> bool:
    """SQLite's integrity check, and each full-text index checked against its table."""
    return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok" and not fts_out_of_step(db.conn)
