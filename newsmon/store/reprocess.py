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
import sqlite3
from collections import Counter, deque
from collections.abc import Callable

import sqlite_utils

from newsmon import dedupe, defaults
from newsmon.store.blob import decompress_html
from newsmon.store.db import write_transaction
from newsmon.store.ingest import _article_fields, ingest_pages, store_claims
from newsmon.store.queries import site_lines
from newsmon.times import utcnow
from newsmon.workers import AnalysisFailed, AnalysisPool

log = logging.getLogger(__name__)

WRITE_BATCH = 32        # finished pages written per transaction
_CLAIM_COLUMNS = ("speaker", "speaker_role", "speaker_mention", "cue", "kind", "quote",
                  "sentence", "char_start", "char_end")


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
    """Write finished pages in one transaction (formerly dropped pages via ingest)."""
    now = utcnow()
    fresh = []
    with write_transaction(db):
        for page, analysis in batch:
            if isinstance(analysis, AnalysisFailed):
                counts[analysis.reason] += 1
                continue
            if page["article_id"]:
                if analysis["drop_reason"]:
                    counts["lost"] += 1
                    log.warning("%s is no longer extracted as an article (%s); kept as it was",
                                page["url"], analysis["drop_reason"])
                    continue
                db.execute("SAVEPOINT page")
                try:
                    outcome = _replace_current_version(db, sources[page["source_id"]].index,
                                                       page["article_id"], analysis, now)
                except Exception as e:
                    if isinstance(e, sqlite3.Error) and not isinstance(e, sqlite3.IntegrityError):
                        raise
                    log.exception("could not reprocess %s", page["url"])
                    db.execute("ROLLBACK TO page")
                    outcome = "error"
                db.execute("RELEASE page")
                counts[outcome] += 1
            elif analysis["drop_reason"]:
                counts["still_dropped"] += 1
            else:
                fresh.append((page, analysis))
        for page, analysis in fresh:   # ingest_pages nests in this transaction
            rec = {"url": page["url"], "source_id": page["source_id"], "final_url": page["url"],
                   "fetched_at": page["fetched_at"] or now, "status": page["status"],
                   "content_type": page["content_type"], "encoding": page["encoding"],
                   "feed_published": page["feed_published"], "feed_updated": page["feed_updated"],
                   "html": decompress_html(page["blob"]), **analysis}
            result = ingest_pages(db, sources[page["source_id"]].index, [rec], store_html=True)[0]
            counts[result["outcome"]] += 1


def _stored_claims(db, article_id: int, version: int) -> list[tuple]:
    return db.execute(f"SELECT {', '.join(_CLAIM_COLUMNS)} FROM claims WHERE article_id = ? AND version = ? "
                      "ORDER BY id", [article_id, version]).fetchall()


def _replace_claims(db, article_id: int, version: int, claims: list[dict], now: str) -> None:
    """Replace one version's claims; the claim groups they touch get true article counts."""
    def groups() -> set[int]:
        return {r[0] for r in db.execute(
            "SELECT DISTINCT claim_group_id FROM claims WHERE article_id = ? AND version = ? "
            "AND claim_group_id IS NOT NULL", [article_id, version])}

    touched = groups()
    db.execute("DELETE FROM claims WHERE article_id = ? AND version = ?", [article_id, version])
    store_claims(db, article_id, version, claims, now)
    touched |= groups()
    if touched:
        marks = ",".join("?" * len(touched))
        db.execute(f"UPDATE claim_groups SET article_count = (SELECT count(DISTINCT article_id) FROM claims "
                   f"WHERE claim_group_id = claim_groups.id) WHERE id IN ({marks})", list(touched))
        # statements no article reports any more
        db.execute(f"DELETE FROM claim_groups WHERE id IN ({marks}) AND article_count = 0", list(touched))


def _replace_current_version(db, index, article_id: int, analysis: dict, now: str) -> str:
    """Rewrite an article's current version from a new analysis (caller owns the transaction).

    ``changed`` when the text or metadata differ from what is stored (also
    when the stored text was damaged and its hash no longer matches),
    ``claims`` when only the claims differ, else ``unchanged``.
    """
    article = analysis["article"]
    fields = _article_fields(article)
    digest = dedupe.text_hash(article["text"])
    cols = list(fields) + ["text_hash", "version_count", "duplicate_of"]
    row = dict(zip(cols, db.execute(f"SELECT {', '.join(cols)} FROM articles WHERE id = ?",
                                    [article_id]).fetchone()))
    version = row["version_count"] or 1
    stored_version = db.execute("SELECT text, text_hash, title FROM article_versions "
                                "WHERE article_id = ? AND version = ?", [article_id, version]).fetchone()
    text_changed = (row["text"] != article["text"] or row["text_hash"] != digest
                    or stored_version is None or tuple(stored_version) != (article["text"], digest, fields["title"]))
    meta_changed = any(row[k] != v for k, v in fields.items())
    new_claims = [tuple(c.get(k) for k in _CLAIM_COLUMNS) for c in analysis["claims"]]
    claims_changed = _stored_claims(db, article_id, version) != new_claims

    if text_changed or meta_changed:
        db["articles"].update(article_id, fields | {"text_hash": digest})
        if stored_version is not None:
            db.execute("UPDATE article_versions SET text = ?, text_hash = ?, title = ? "
                       "WHERE article_id = ? AND version = ?",
                       [article["text"], digest, fields["title"], article_id, version])
        if text_changed and not row["duplicate_of"]:
            index.remove(article_id)
            index.add(article_id, dedupe.signature_values(article["text"]))
    if claims_changed:
        _replace_claims(db, article_id, version, analysis["claims"], now)
    if text_changed or meta_changed:
        return "changed"
    return "claims" if claims_changed else "unchanged"
