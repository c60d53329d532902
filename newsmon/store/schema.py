"""newsmon's database schema: every table, index, full-text index and view, in one place.

Column order is the display order. Times are ISO 8601 UTC text.
:func:`newsmon.store.db.ensure_schema` brings any database to this schema when
it is opened: missing tables, columns and indexes are created from the
declarations below, the triggers and views recreated, then each version's
step of ``MIGRATIONS`` above the database's own runs, in order.

Changing anything here (a table, a column, an index, a trigger, a view) means:
raise ``SCHEMA_VERSION``, say what changed in ``MIGRATIONS`` (with a step
function when creating what is missing is not enough, e.g. to fill a new
column), record ``SCHEMA_DIGEST``, and keep a database made by the schema before
(``python tests/schema_snapshot.py``, run before the change, writes it and
prints the digest). tests/test_schema.py fails until all of that is done, and
checks that the kept databases open and migrate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

SCHEMA_VERSION = 5

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
        "lost_in_flight": int,
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
    # lines a site repeats across its pages (learned junk, see newsmon.extract)
    "site_lines": ({
        "site": str, "key": str, "line": str, "page_count": int, "first_seen_at": str,
    }, ("site", "key"), []),
    # each origin's last robots.txt answer (2xx or 4xx), reused for NEWSMON_ROBOTS_CACHE_HOURS
    "robots_txt": ({
        "origin": str, "fetched_at": str, "status": int, "body": bytes,
    }, "origin", []),
    # rows written in the open transaction and not yet in their FTS index (see index_pending_fts)
    "fts_pending": ({"tbl": str, "id": int}, ("tbl", "id"), []),
    # distributed mode: the Redis items ingest has stored (newsmon.cluster.ingest)
    "ingest_acks": ({"id": str, "run_id": int, "ingested_at": str}, "id", []),
    # facts about this database file itself: instance_id (a random id made when the database is
    # created, naming its state in Redis: newsmon.cluster.instance) and ingest_seq (batches stored)
    "meta": ({"key": str, "value": str}, "key", []),
}

# Tables sqlite-utils cannot declare (WITHOUT ROWID, NOT NULL): the near-duplicate
# index (newsmon.dedupe.NearDuplicateIndex), as SQL.
RAW_TABLES = {
    "minhash_meta": "CREATE TABLE IF NOT EXISTS minhash_meta (key TEXT PRIMARY KEY, value TEXT)",
    "minhash_signatures": """CREATE TABLE IF NOT EXISTS minhash_signatures (
           article_id INTEGER PRIMARY KEY, sig BLOB NOT NULL)""",
    # WITHOUT ROWID: the primary key *is* the (band, hash) lookup index, and
    # removal recomputes the band keys from the stored signature, so no
    # second index on article_id is needed.
    "minhash_bands": """CREATE TABLE IF NOT EXISTS minhash_bands (
           band INTEGER NOT NULL, hash INTEGER NOT NULL, article_id INTEGER NOT NULL,
           PRIMARY KEY (band, hash, article_id)) WITHOUT ROWID""",
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


# Views join what readers want to see together; recreated on every migration
# so they stay in step with the tables.
VIEWS = {
    "claims_view": """
        SELECT c.id, c.speaker, c.speaker_mention, c.speaker_role, c.kind, c.cue, c.quote, c.sentence,
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
                  WHERE al.source_id = s.id AND al.cleared_at IS NULL) AS alert_messages,
               r.lost_in_flight AS last_lost_in_flight
        FROM sources s
        LEFT JOIN crawl_runs r ON r.id = (SELECT id FROM crawl_runs WHERE source_id = s.id
                                          ORDER BY started_at DESC, id DESC LIMIT 1)""",
}


def _give_instance_id(db) -> None:
    """Schema 5: the database's random instance id (and its count of ingested batches).

    Made once, when the database is created or migrated; a copy or a restored
    backup carries it along, which newsmon.cluster.instance notices and mends."""
    import secrets

    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('instance_id', ?)", [secrets.token_hex(6)])
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('ingest_seq', '0')")


# version -> (what it changed, the step that brings a database of the version before
# to it, if creating what is missing and recreating triggers and views is not enough)
MIGRATIONS: dict[int, tuple[str, Callable | None]] = {
    1: ("the tables of DESIGN.md", None),
    2: ("full-text indexing deferred to commit: fts_pending, and the FTS triggers note rows there", None),
    3: ("minhash_*, ingest_acks declared here (the near-duplicate index and the ingest service created them)", None),
    4: ("claims_view shows speaker_mention beside speaker (how the article named an unresolved speaker)", None),
    5: ("meta (the database's instance id, naming its Redis keys in distributed mode); crawl_runs.lost_in_flight "
        "(pages a run's killed crawl processes took and nobody finished), shown by source_health", _give_instance_id),
}
# the digest of the declarations above at SCHEMA_VERSION (tests/test_schema.py)
SCHEMA_DIGEST = "0a35b826acae837d"


def schema_digest() -> str:
    """A digest of every declaration of this module: it changes with any table, column,
    index, trigger or view."""
    declared = {
        "tables": {name: [[[c, t.__name__] for c, t in cols.items()], pk, fks]
                   for name, (cols, pk, fks) in TABLES.items()},
        "raw": RAW_TABLES, "indexes": INDEXES, "fts": FTS, "views": VIEWS,
        "triggers": {name: _fts_triggers(name, cols) for name, cols in FTS.items()},
    }
    return hashlib.sha256(json.dumps(declared, sort_keys=True).encode()).hexdigest()[:16]

