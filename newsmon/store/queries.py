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


_KNOWN_PAGES = """SELECT source_id, url, first_fetched_at, fetched_at, feed_updated_at, NULL, NULL, drop_reason
                  FROM pages"""
_KNOWN_ARTICLE_URLS = """SELECT a.source_id, u.url, a.first_seen_at, a.last_fetched_at, a.feed_updated_at, a.etag,
                                a.last_modified, NULL
                         FROM article_urls u JOIN articles a ON a.id = u.article_id"""


def known_url_rows(db: sqlite_utils.Database, *, source_id: str | None = None,
                   urls=None) -> list[tuple[str, str, dict]]:
    """``(source_id, url, known)`` for stored URLs: of one source, of the given ``urls``, or all.

    ``known`` is what a spider needs to decide whether to fetch a URL again
    (newsmon.recheck): it covers stored articles (by every URL they were seen
    under) and pages that were fetched but dropped (non-articles), so neither
    is refetched on every crawl.
    """
    if urls is not None:
        urls = list(dict.fromkeys(u for u in urls if u))
        chunks = [urls[i:i + 500] for i in range(0, len(urls), 500)]
        queries = [(f" WHERE url IN ({','.join('?' * len(c))})", f" WHERE u.url IN ({','.join('?' * len(c))})", c)
                   for c in chunks]
    elif source_id is not None:
        queries = [(" WHERE source_id = ?", " WHERE a.source_id = ?", [source_id])]
    else:
        queries = [("", "", [])]
    out = []
    for pages_where, urls_where, params in queries:
        rows = db.execute(_KNOWN_PAGES + pages_where, params).fetchall()
        rows += db.execute(_KNOWN_ARTICLE_URLS + urls_where, params).fetchall()
        for source, url, first, last, feed_updated, etag, last_modified, drop_reason in rows:
            out.append((source, url, {
                "first_seen_at": first, "last_fetched_at": last, "feed_updated_at": feed_updated,
                "etag": etag, "last_modified": last_modified, "drop_reason": drop_reason,
            }))
    return out


def known_urls(db: sqlite_utils.Database, source_id: str) -> dict[str, dict]:
    """url -> its ``known`` row (:func:`known_url_rows`), for one source's spider."""
    return {url: known for _, url, known in known_url_rows(db, source_id=source_id)}


def run_article_texts(db: sqlite_utils.Database, source_id: str, run_id: int, after: int = 0,
                      limit: int = 512) -> list[dict]:
    """The texts of one run's stored articles (rowid order of their pages, from rowid
    ``after``): rowid (of the page) and text; the pages themselves are not read."""
    rows = db.execute(
        """SELECT p.rowid, a.text FROM pages p JOIN articles a ON a.id = p.article_id
           WHERE p.source_id = ? AND p.run_id = ? AND p.html IS NOT NULL AND p.rowid > ?
           ORDER BY p.rowid LIMIT ?""", [source_id, run_id, after, limit]).fetchall()
    return [{"rowid": rowid, "text": text} for rowid, text in rows]


def article_pages(db: sqlite_utils.Database, rowids: list[int]) -> list[dict]:
    """Stored article pages by rowid: rowid, url, article_id, the compressed page
    (``html``), feed_published, the article's text."""
    if not rowids:
        return []
    rows = db.execute(
        f"""SELECT p.rowid, p.url, p.article_id, p.html, p.feed_published, a.text
            FROM pages p JOIN articles a ON a.id = p.article_id
            WHERE p.rowid IN ({', '.join('?' * len(rowids))}) ORDER BY p.rowid""", list(rowids)).fetchall()
    return [dict(zip(("rowid", "url", "article_id", "html", "feed_published", "text"), r)) for r in rows]


def site_lines_among(db: sqlite_utils.Database, site: str, keys, min_pages: int = 3) -> frozenset[str]:
    """The line keys among ``keys`` that ``site`` repeats on ``min_pages`` or more pages
    (looked up by key: cheap after each batch of a crawl, however many lines the site has)."""
    keys = list(keys)
    found: set[str] = set()
    for i in range(0, len(keys), 5000):
        chunk = keys[i:i + 5000]
        found.update(r[0] for r in db.execute(
            f"SELECT key FROM site_lines WHERE site = ? AND key IN ({', '.join('?' * len(chunk))}) "
            "AND page_count >= ?", [site, *chunk, min_pages]))
    return frozenset(found)


def site_lines(db: sqlite_utils.Database, site: str, min_pages: int = 3) -> frozenset[str]:
    """Line keys a site repeats on ``min_pages`` or more pages (learned junk)."""
    rows = db.execute(
        "SELECT key FROM site_lines WHERE site = ? AND page_count >= ?", [site, min_pages])
    return frozenset(r[0] for r in rows)
