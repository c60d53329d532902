"""Small reads and writes outside the ingest path: the sources mirror, crawl_runs rows,
what a spider needs to know about stored URLs, and a site's learned junk lines."""

from __future__ import annotations

import json

import sqlite_utils

from newsmon.redact import redact_settings, redact_url
from newsmon.store.db import write_transaction
from newsmon.times import parse_time, utcnow


def upsert_sources(db: sqlite_utils.Database, sources) -> None:
    """Mirror the config's sources into the ``sources`` table (secrets redacted)."""
    now = utcnow()
    with write_transaction(db):
        for source in sources:
            row = source.as_row() | {"updated_at": now}
            row["settings"] = redact_settings(row.get("settings") or {})
            row["urls"] = [redact_url(u) for u in row.get("urls") or []]
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
