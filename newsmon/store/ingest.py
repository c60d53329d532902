"""Store one analysed page: the dedupe decision, edit tracking and claims.

This is the single write path of newsmon: the Scrapy StorePipeline, `newsmon
reprocess` and the distributed ingest process all call :func:`ingest_page`.
Everything one page changes is written in one transaction, so a crawl
killed at any moment leaves no article without its version and no claim
without its article.

Outcomes, as counted in the crawl summary:
- ``new``        a story seen for the first time
- ``duplicate``  stored, but pointing to the first-seen article
                 (``duplicate_method`` url | exact | near)
- ``updated``    a known article whose text changed: a new version + diff
- ``unchanged``  a known article refetched with the same text
- ``dropped``    not an article (the page is kept with its reason)
"""

from __future__ import annotations

import json
import logging
import sqlite3

import sqlite_utils

from newsmon import dedupe
from newsmon.claims import claim_key, speaker_key
from newsmon.store.blob import compress_html
from newsmon.store.db import insert_row, update_row, upsert_row, write_transaction
from newsmon.times import utcnow

log = logging.getLogger(__name__)

OUTCOMES = ("new", "updated", "unchanged", "duplicate", "dropped", "error")


def _article_for_urls(db: sqlite_utils.Database, urls) -> dict | None:
    for url in urls:
        if not url:
            continue
        row = db.execute(
            "SELECT a.* FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.url = ?",
            [url]).fetchone()
        if row is None:
            row = db.execute("SELECT * FROM articles WHERE url = ?", [url]).fetchone()
        if row is not None:
            cols = [d[0] for d in db.execute("SELECT * FROM articles LIMIT 0").description]
            return dict(zip(cols, row))
    return None


def _add_urls(db, article_id: int, urls, method: str, now: str) -> None:
    for url in dict.fromkeys(u for u in urls if u):
        db.execute(
            "INSERT OR IGNORE INTO article_urls (url, article_id, method, first_seen_at) VALUES (?, ?, ?, ?)",
            [url, article_id, method, now])


def _root(db, article_id: int) -> int:
    """Follow duplicate_of to the first-seen article (chains stay one level deep)."""
    row = db.execute("SELECT duplicate_of FROM articles WHERE id = ?", [article_id]).fetchone()
    return row[0] if row and row[0] else article_id


_CLAIM_COLUMNS = ("article_id", "version", "speaker", "speaker_id", "speaker_role", "speaker_mention",
                  "cue", "kind", "quote", "sentence", "char_start", "char_end", "claim_group_id")
# A page's claims go in with one INSERT statement, not one each: ~0.1 ms a page less
# for the crawl's writer thread (0.45 ms before full-text indexing waited for the
# commit, see newsmon.store.db: FTS5 flushed a segment at each statement).
_CLAIM_ROW = f"({', '.join('?' * len(_CLAIM_COLUMNS))})"
_INSERT_CLAIMS = f"INSERT INTO claims ({', '.join(_CLAIM_COLUMNS)}) VALUES "
_CLAIMS_PER_INSERT = 500    # 6,500 parameters, under SQLite's 32,766


def _speaker_id(db, claim: dict, now: str, key: str | None = None) -> int | None:
    name = claim.get("speaker")
    if not name:
        return None
    key = key or speaker_key(name)
    row = db.conn.execute("SELECT id, aliases FROM speakers WHERE key = ?", [key]).fetchone()
    mention = claim.get("speaker_mention")
    if row is None:
        aliases = sorted({mention} - {name, None}) if mention and mention[0].isupper() else []
        return db.conn.execute(
            "INSERT INTO speakers (key, name, kind, aliases, first_seen_at) VALUES (?, ?, ?, ?, ?)",
            [key, name, claim.get("speaker_type"), json.dumps(aliases), now]).lastrowid
    speaker_id, aliases_json = row
    if mention and mention != name and mention[0].isupper() and mention.lower() not in ("he", "she", "they"):
        aliases = set(json.loads(aliases_json or "[]"))
        if mention not in aliases:
            db.conn.execute("UPDATE speakers SET aliases = ? WHERE id = ?",
                            [json.dumps(sorted(aliases | {mention})), speaker_id])
    return speaker_id


def _claim_group_id(db, claim: dict, speaker_id: int | None, article_id: int, now: str,
                    key: str | None, counted: set[int]) -> int | None:
    """The claim's group; its article_count grows once per article (``counted``: the
    groups this article's claims, stored or about to be, already count in)."""
    if not claim.get("speaker"):
        return None  # an unattributed quote is not "the same statement by the same speaker"
    key = key or claim_key(claim["speaker"], claim["quote"])
    row = db.conn.execute("SELECT id FROM claim_groups WHERE key = ?", [key]).fetchone()
    if row is None:
        group_id = db.conn.execute(
            "INSERT INTO claim_groups (key, speaker_id, speaker, quote, first_seen_at, "
            "first_article_id, article_count) VALUES (?, ?, ?, ?, ?, ?, 1)",
            [key, speaker_id, claim["speaker"], claim["quote"], now, article_id]).lastrowid
        counted.add(group_id)
        return group_id
    group_id = row[0]
    if group_id not in counted:
        counted.add(group_id)
        seen = db.conn.execute(
            "SELECT 1 FROM claims WHERE claim_group_id = ? AND article_id = ? LIMIT 1",
            [group_id, article_id]).fetchone()
        if not seen:
            db.conn.execute("UPDATE claim_groups SET article_count = article_count + 1 WHERE id = ?", [group_id])
    return group_id


def store_claims(db, article_id: int, version: int, claims: list[dict], now: str,
                 keys: list | None = None) -> int:
    """Insert the claims of one article version (caller owns the transaction).

    ``keys``: ``[speaker_key, claim_key]`` of each claim when the analysis
    computed them (``analyze_page_for_store``), else they are computed here.
    """
    if not keys or len(keys) != len(claims):
        keys = [(None, None)] * len(claims)
    rows, counted = [], set()
    for claim, (speaker, group) in zip(claims, keys):
        speaker_id = _speaker_id(db, claim, now, speaker)
        group_id = _claim_group_id(db, claim, speaker_id, article_id, now, group, counted)
        row = dict(claim, article_id=article_id, version=version, speaker_id=speaker_id,
                   claim_group_id=group_id)
        rows.append([row.get(c) for c in _CLAIM_COLUMNS])
    for i in range(0, len(rows), _CLAIMS_PER_INSERT):
        chunk = rows[i:i + _CLAIMS_PER_INSERT]
        db.conn.execute(_INSERT_CLAIMS + ", ".join([_CLAIM_ROW] * len(chunk)), [v for r in chunk for v in r])
    return len(claims)


def _signature(fingerprint: dict, text: str):
    """The text's MinHash slots: the analysis worker's, else computed here."""
    values = fingerprint.get("minhash")
    return values if values is not None else dedupe.signature_values(text)


def _article_fields(article: dict) -> dict:
    return {
        "title": article.get("title"),
        "authors": json.dumps(article.get("authors") or []),
        "published_at": article.get("published_at"),
        "published_at_source": article.get("published_at_source"),
        "modified_at": article.get("modified_at"),
        "sitename": article.get("sitename"),
        "language": article.get("language"),
        "description": article.get("description"),
        "text": article["text"],
        "word_count": article.get("word_count") or len(article["text"].split()),
    }


def ingest_pages(db: sqlite_utils.Database, index: dedupe.NearDuplicateIndex, recs: list[dict], *,
                 run_id: int | None = None, store_html: bool = True) -> list[dict]:
    """Write analysed pages in one transaction; one result dict per page.

    ``rec`` holds: source_id, url (the canonical request URL), final_url,
    fetched_at, status, content_type, encoding, html, feed_published,
    feed_updated, etag, last_modified, not_modified (a 304), and from the
    analysis: article (newsmon.extract result or None), drop_reason, claims.
    Each page gets its own savepoint: a page that fails is rolled back alone
    and reported as ``{"outcome": "error", ...}``; a database that fails
    (disk full, read-only) raises, and nothing of the batch is committed.
    """
    results = []
    with write_transaction(db):
        for rec in recs:
            db.execute("SAVEPOINT page")
            try:
                result = _ingest(db, index, rec, rec.get("fetched_at") or utcnow(), run_id, store_html)
            except sqlite3.IntegrityError as e:
                db.execute("ROLLBACK TO page")
                result = {"outcome": "error", "reason": f"integrity: {e}"}
            except sqlite3.Error:
                raise  # the database itself failed (disk full, read-only): the batch fails
            except Exception as e:  # a bug or an odd page: that page alone is lost, counted
                log.exception("could not ingest %s", rec.get("url"))
                db.execute("ROLLBACK TO page")
                result = {"outcome": "error", "reason": f"{type(e).__name__}: {e}"}
            db.execute("RELEASE page")
            results.append(result)
    return results


def ingest_page(db: sqlite_utils.Database, index: dedupe.NearDuplicateIndex, rec: dict, *,
                run_id: int | None = None, store_html: bool = True) -> dict:
    """Write one analysed page; see :func:`ingest_pages`."""
    return ingest_pages(db, index, [rec], run_id=run_id, store_html=store_html)[0]


def _ingest(db, index, rec, now, run_id, store_html) -> dict:
    article = rec.get("article")
    page = {
        "url": rec["url"], "source_id": rec["source_id"], "run_id": run_id,
        "fetched_at": now, "status": rec.get("status"),
        "content_type": rec.get("content_type"), "encoding": rec.get("encoding"),
        "feed_published": rec.get("feed_published"),
        "feed_updated_at": rec.get("feed_updated"), "drop_reason": rec.get("drop_reason"),
    }
    if rec.get("not_modified"):
        known = _article_for_urls(db, [rec["url"]])
        if known is None:
            return {"outcome": "dropped", "reason": "not_modified_unknown"}
        update_row(db, "articles", known["id"], {"last_seen_at": now, "last_fetched_at": now,
                                                 "feed_updated_at": rec.get("feed_updated") or known["feed_updated_at"]})
        return {"outcome": "unchanged", "article_id": known["id"]}
    if store_html and rec.get("html") is not None:
        page["html"] = rec["html"]
    if rec.get("drop_reason") or not article:
        page["drop_reason"] = rec.get("drop_reason") or "no_article"
        save_page(db, page)
        return {"outcome": "dropped", "reason": page["drop_reason"]}

    declared = dedupe.pick_canonical(rec.get("final_url") or rec["url"], article.get("canonical_url"))
    seen_urls = [declared, rec["url"], dedupe.canonicalize_url(rec.get("final_url") or rec["url"])]
    text = article["text"]
    fingerprint = rec.get("fingerprint") or {}    # computed by the analysis worker, when it ran there
    digest = fingerprint.get("text_hash") or dedupe.text_hash(text)
    known = _article_for_urls(db, seen_urls)
    fields = _article_fields(article)
    validators = {"etag": rec.get("etag"), "last_modified": rec.get("last_modified")}

    if known is not None:
        article_id = known["id"]
        page["article_id"] = article_id
        save_page(db, page)
        # fetched under a URL it was already stored under: a refetch, not another copy
        refetch = rec["url"] == known["url"] or db.execute(
            "SELECT 1 FROM article_urls WHERE url = ? AND article_id = ?", [rec["url"], article_id]).fetchone()
        _add_urls(db, article_id, seen_urls, "url", now)
        base = {"last_seen_at": now, "last_fetched_at": now, "final_url": rec.get("final_url"),
                "feed_updated_at": rec.get("feed_updated") or known["feed_updated_at"], **validators}
        if known["text_hash"] == digest:
            update_row(db, "articles", article_id, base)
            outcome = "unchanged" if refetch else "duplicate"
            return {"outcome": outcome, "article_id": article_id, "method": "url"}
        version = (known["version_count"] or 1) + 1
        diff = dedupe.text_diff(known["text"] or "", text,
                                f"version {version - 1}", f"version {version}")
        update_row(db, "articles", article_id, base | fields | {
            "text_hash": digest, "version_count": version, "last_changed_at": now})
        insert_row(db, "article_versions", {
            "article_id": article_id, "version": version, "fetched_at": now,
            "run_id": run_id, "title": article.get("title"), "text": text,
            "text_hash": digest, "diff": diff})
        if not known["duplicate_of"]:
            index.remove(article_id)
            index.add(article_id, _signature(fingerprint, text))
        store_claims(db, article_id, version, rec.get("claims") or [], now, fingerprint.get("claim_keys"))
        return {"outcome": "updated", "article_id": article_id, "version": version}

    # a story not stored under any of its URLs: exact, then near duplicate?
    duplicate_of, method, similarity = None, None, None
    row = db.execute(
        "SELECT id FROM articles WHERE text_hash = ? ORDER BY id LIMIT 1", [digest]).fetchone()
    signature = _signature(fingerprint, text)
    if row:
        duplicate_of, method, similarity = _root(db, row[0]), "exact", 1.0
    else:
        matches = index.query(signature)
        if matches:
            best, similarity = matches[0]
            duplicate_of, method = _root(db, best), "near"
    article_id = insert_row(db, "articles", {
        "url": declared, "source_id": rec["source_id"], **fields, "text_hash": digest,
        "first_seen_at": now, "last_seen_at": now, "last_fetched_at": now,
        "last_changed_at": now, "version_count": 1, "duplicate_of": duplicate_of,
        "duplicate_method": method,
        "duplicate_similarity": round(similarity, 4) if similarity is not None else None,
        "final_url": rec.get("final_url"), "feed_updated_at": rec.get("feed_updated"),
        **validators,
    })
    insert_row(db, "article_versions", {
        "article_id": article_id, "version": 1, "fetched_at": now, "run_id": run_id,
        "title": article.get("title"), "text": text, "text_hash": digest, "diff": None})
    _add_urls(db, article_id, seen_urls, "url", now)
    page["article_id"] = article_id
    save_page(db, page)
    if duplicate_of is None:
        index.add(article_id, signature)
    if duplicate_of is None:  # a copy must not teach the learner the story's own lines
        count_site_lines(db, rec["source_id"], article.get("site_line_candidates") or [], now)
    store_claims(db, article_id, 1, rec.get("claims") or [], now, fingerprint.get("claim_keys"))
    if duplicate_of is not None:
        return {"outcome": "duplicate", "article_id": article_id, "method": method,
                "duplicate_of": duplicate_of, "similarity": similarity}
    return {"outcome": "new", "article_id": article_id}


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


def count_site_lines(db: sqlite_utils.Database, site: str, keys, now: str) -> None:
    """Count a new page's short lines (caller owns the transaction)."""
    for key in set(keys):
        db.execute(
            """INSERT INTO site_lines (site, key, line, page_count, first_seen_at)
               VALUES (?, ?, ?, 1, ?)
               ON CONFLICT (site, key) DO UPDATE SET page_count = page_count + 1""",
            [site, key, key, now])
