"""Re-run extraction, dedupe and claims over stored raw pages, without fetching.

This is how an improved extractor reaches an archive. A page's new analysis
replaces the current version's text, metadata and claims in place: a change
that comes from newsmon, not from the publisher, is not an edit and makes no
new version. A page that was dropped before and is an article now is
ingested as new; an article that is no longer one is kept (nothing is
deleted) and counted as ``lost``.

The analysis runs in the crawl's worker pool (newsmon.workers), with what
a crawl of the page's source would use: the source's learned site lines
(``NEWSMON_SITE_LINE_MIN_PAGES``) and its near-duplicate threshold
(``NEWSMON_NEAR_DUPLICATE_THRESHOLD``), per-source settings from the
``sources`` table over the defaults in newsmon/defaults.py.

Memory stays flat in the size of the archive: pages are read in rowid
pages of ``window`` rows, at most ``window`` pages are in the pool at once,
and finished pages are written in one transaction per batch.

Outcomes counted: ``changed`` (text or metadata rewritten), ``claims``
(same text, claims rewritten), ``unchanged``, ``lost``, ``still_dropped``,
the ingest outcomes of formerly dropped pages (``new``, ``duplicate``, ...),
``no_html`` and the analysis failures (``extract_timeout``, ...).
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict, deque
from collections.abc import Callable

import sqlite_utils

from newsmon import dedupe, defaults
from newsmon.htmlblob import decompress_html
from newsmon.store.db import write_transaction
from newsmon.store.ingest import ingest_pages
from newsmon.store.queries import site_lines
from newsmon.times import utcnow
from newsmon.workers import AnalysisFailed, AnalysisPool

log = logging.getLogger(__name__)

WRITE_BATCH = 32        # finished pages written per transaction


def source_settings(db: sqlite_utils.Database, source_id: str) -> dict:
    """The newsmon settings a crawl of ``source_id`` runs with (defaults + the source's own)."""
    values = {k: v for k, v in vars(defaults).items() if k.startswith("NEWSMON_")}
    row = db.execute("SELECT settings FROM sources WHERE id = ?", [source_id]).fetchone() \
        if "sources" in db.table_names() else None
    if row and row[0]:
        try:
            own = json.loads(row[0])
        except ValueError:
            own = {}
        values.update({k: v for k, v in (own if isinstance(own, dict) else {}).items() if k in values})
    return values


class _Source:
    """What one source's pages are analysed and deduplicated with."""

    def __init__(self, db, source_id: str, indexes: dict):
        values = source_settings(db, source_id)
        self.site_lines = site_lines(db, source_id, int(values["NEWSMON_SITE_LINE_MIN_PAGES"] or 0))
        threshold = float(values["NEWSMON_NEAR_DUPLICATE_THRESHOLD"] or dedupe.DEFAULT_THRESHOLD)
        if threshold not in indexes:
            indexes[threshold] = dedupe.NearDuplicateIndex(db.conn, threshold=threshold)
            if db.conn.in_transaction:   # the index may have built its tables or bands
                db.conn.commit()
        self.index = indexes[threshold]


def reprocess(db: sqlite_utils.Database, *, source_id: str | None = None, workers: int | None = None,
              progress: Callable[[int], None] | None = None, window: int = 64,
              pool: AnalysisPool | None = None) -> Counter:
    """Reprocess every stored page (of one source); returns outcome counts.

    ``pool``: an AnalysisPool running :func:`newsmon.analysis.analyze_stored_page`
    (pages go to it compressed, as stored); by default one of ``workers`` processes.
    """
    sources: dict[str, _Source] = {}
    indexes: dict[float, dedupe.NearDuplicateIndex] = {}
    counts: Counter = Counter()
    own_pool = pool is None
    pool = pool or AnalysisPool(workers, function="newsmon.analysis:analyze_stored_page")
    pending: deque = deque()      # (page, future), oldest first
    finished: list = []           # (page, analysis or AnalysisFailed), to write

    def write() -> None:
        if finished:
            batch = finished[:]
            finished.clear()
            _write(db, batch, sources, counts)
            if progress:
                progress(len(batch))

    def collect(limit: int) -> None:
        """Collect done pages; block on the oldest while more than ``limit`` are pending."""
        while pending and (len(pending) > limit or pending[0][1].done()):
            page, future = pending.popleft()
            try:
                finished.append((page, AnalysisPool.result(future)))
            except AnalysisFailed as e:
                finished.append((page, e))
            if len(finished) >= WRITE_BATCH:
                write()

    where, params = ("AND source_id = ?", [source_id]) if source_id else ("", [])
    last = 0
    try:
        while True:
            rows = db.execute(
                "SELECT rowid, url, source_id, article_id, feed_published, html, fetched_at, status, "
                f"content_type, encoding, feed_updated_at FROM pages WHERE rowid > ? {where} "
                "ORDER BY rowid LIMIT ?", [last, *params, window]).fetchall()
            if not rows:
                break
            for rowid, url, site, article_id, feed_published, blob, fetched_at, status, ctype, enc, fu in rows:
                last = rowid
                if not blob:
                    counts["no_html"] += 1
                    if progress:
                        progress(1)
                    continue
                if site not in sources:
                    sources[site] = _Source(db, site, indexes)
                page = {"url": url, "source_id": site, "article_id": article_id,
                        "feed_published": feed_published, "blob": None if article_id else blob,
                        "fetched_at": fetched_at, "status": status, "content_type": ctype,
                        "encoding": enc, "feed_updated": fu}   # blob: only new ingests need it again
                # the page as stored: a quarter of its size through the pipe, decompressed in the worker
                future = pool.submit(blob, url, sources[site].site_lines, feed_published)
                pending.append((page, future))
                collect(window)   # bounded: memory stays flat however large the archive
        collect(0)
        write()
    finally:
        if own_pool:
            pool.close()
    return counts


def _write(db, batch: list, sources: dict, counts: Counter) -> None:
    """Write finished pages in one transaction, through the ingest path: a stored
    article's new analysis rewrites its current version (``reanalysis``), a formerly
    dropped page that is an article now is ingested as new."""
    by_source: dict[str, list[dict]] = defaultdict(list)
    for page, analysis in batch:
        if isinstance(analysis, AnalysisFailed):
            counts[analysis.reason] += 1
        elif page["article_id"]:
            by_source[page["source_id"]].append({"url": page["url"], "source_id": page["source_id"],
                                                 "reanalysis": page["article_id"], **analysis})
        elif analysis["drop_reason"]:
            counts["still_dropped"] += 1
        else:
            by_source[page["source_id"]].append({
                "url": page["url"], "source_id": page["source_id"], "final_url": page["url"],
                "fetched_at": page["fetched_at"] or utcnow(), "status": page["status"],
                "content_type": page["content_type"], "encoding": page["encoding"],
                "feed_published": page["feed_published"], "feed_updated": page["feed_updated"],
                "html": decompress_html(page["blob"]), **analysis})
    with write_transaction(db):
        for source_id, recs in by_source.items():    # each source deduplicates with its own threshold
            for rec, result in zip(recs, ingest_pages(db, sources[source_id].index, recs, store_html=True)):
                if result["outcome"] == "lost":
                    log.warning("%s is no longer extracted as an article (%s); kept as it was",
                                rec["url"], result["reason"])
                counts[result["outcome"]] += 1
