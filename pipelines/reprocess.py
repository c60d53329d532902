"""Re-run extraction, dedupe and claims over stored raw pages, without fetching.

This is how an improved extractor reaches an archive. A page's new analysis
replaces the current version's text and claims in place: a change that
comes from newsmon, not from the publisher, is not an edit and makes no new
version. A page that was dropped before and is an article now is ingested
as new; an article that is no longer one is kept (nothing is deleted) and
counted as ``lost``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable

import sqlite_utils

from pipelines import dedupe
from pipelines.ingest import _article_fields, ingest_page, store_claims
from pipelines.store import decompress_html, site_lines, utcnow, write_transaction
from pipelines.workers import AnalysisFailed, AnalysisPool

log = logging.getLogger(__name__)


def _replace_current_version(db, index, article_id: int, analysis: dict, now: str) -> str:
    row = db.execute("SELECT text_hash, version_count, duplicate_of FROM articles WHERE id = ?",
                     [article_id]).fetchone()
    article = analysis["article"]
    digest = dedupe.text_hash(article["text"])
    old_hash, version, duplicate_of = row
    if digest == old_hash:
        return "unchanged"
    with write_transaction(db):
        db["articles"].update(article_id, _article_fields(article) | {"text_hash": digest})
        db.execute("UPDATE article_versions SET text = ?, text_hash = ?, title = ? "
                   "WHERE article_id = ? AND version = ?",
                   [article["text"], digest, article.get("title"), article_id, version])
        claim_ids = [r[0] for r in db.execute(
            "SELECT id FROM claims WHERE article_id = ? AND version = ?", [article_id, version])]
        if claim_ids:
            db.execute(f"DELETE FROM claims WHERE id IN ({','.join('?' * len(claim_ids))})", claim_ids)
        store_claims(db, article_id, version, analysis["claims"], now)
        if not duplicate_of:
            index.remove(article_id)
            index.add(article_id, dedupe.text_signature(article["text"]))
    return "changed"


def reprocess(db: sqlite_utils.Database, *, source_id: str | None = None, workers: int | None = None,
              progress: Callable[[int], None] | None = None, window: int = 64) -> Counter:
    """Reprocess every stored page (of one source); returns outcome counts."""
    index = dedupe.NearDuplicateIndex(db.conn)
    where, params = ("WHERE source_id = ?", [source_id]) if source_id else ("", [])
    rows = db.execute(f"SELECT url, source_id, article_id, feed_published, html FROM pages {where} "
                      "ORDER BY rowid", params)
    pool = AnalysisPool(workers)
    lines_by_site: dict[str, frozenset] = {}
    counts: Counter = Counter()
    pending: list = []

    def drain(limit: int) -> None:
        while len(pending) > limit:
            page, future = pending.pop(0)
            _finish(db, index, page, future, counts)
            if progress:
                progress(1)

    try:
        for url, site, article_id, feed_published, blob in rows.fetchall():
            if not blob:
                counts["no_html"] += 1
                if progress:
                    progress(1)
                continue
            if site not in lines_by_site:
                lines_by_site[site] = site_lines(db, site)
            page = {"url": url, "source_id": site, "article_id": article_id,
                    "feed_published": feed_published, "html": decompress_html(blob)}
            pending.append((page, pool.submit(page["html"], url, lines_by_site[site], feed_published)))
            drain(window)  # bounded: memory stays flat however large the archive
        drain(0)
    finally:
        pool.close()
    return counts


def _finish(db, index, page: dict, future, counts: Counter) -> None:
    try:
        analysis = AnalysisPool.result(future)
    except AnalysisFailed as e:
        counts[e.reason] += 1
        return
    now = utcnow()
    if page["article_id"]:
        if analysis["drop_reason"]:
            counts["lost"] += 1
            log.warning("%s is no longer extracted as an article (%s); kept as it was",
                        page["url"], analysis["drop_reason"])
            return
        counts[_replace_current_version(db, index, page["article_id"], analysis, now)] += 1
        return
    if analysis["drop_reason"]:
        counts["still_dropped"] += 1
        return
    rec = {"url": page["url"], "source_id": page["source_id"], "final_url": page["url"],
           "fetched_at": now, "feed_published": page["feed_published"], "html": page["html"],
           **analysis}
    counts[ingest_page(db, index, rec, store_html=True)["outcome"]] += 1
