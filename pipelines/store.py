"""StorePipeline: analysed pages written by newsmon.store.ingest, in batched transactions.

Dedupe, edit tracking, claims and storage happen in newsmon's one write path
(:func:`newsmon.store.ingest.ingest_pages`); here they are batched, run on a
writer thread, and their outcomes counted in the stats collector, which the
RunMonitor extension writes to crawl_runs. The lines a site repeats, learned
as the run stores its pages, are handed to ExtractPipeline after each batch
(the run's next pages are analysed without them); at the end, the run's
articles stored before a line was learned and holding it are cleaned up.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from newsmon import dedupe
from newsmon.config import default_db_path
from newsmon.store.db import open_db
from newsmon.store.ingest import ingest_pages
from newsmon.store.queries import article_pages, run_article_texts, site_lines, site_lines_among
from newsmon.workers import AnalysisPool

log = logging.getLogger(__name__)


class StorePipeline:
    """Writes items in small batches: one transaction per batch of up to
    NEWSMON_STORE_BATCH items or NEWSMON_STORE_WINDOW seconds, whichever
    comes first, flushed on close. An item's process_item returns only after
    its batch committed, so what Scrapy counts as processed is on disk.

    A batch is also written as soon as nothing else can join it (nothing
    downloading, no response waiting for the spider, every item of the
    crawl waiting here): the end of a crawl, or a lull in a slow one, does
    not wait out the window. Checked every IDLE_CHECK seconds.

    The database is used from one dedicated writer thread (it owns the
    connection): a batch commit takes a few hundred milliseconds, and on the
    reactor thread it would stall downloads and the extraction workers.
    """

    IDLE_CHECK = 0.05   # seconds
    CLEANUP_CHECK = 512  # stored texts looked through for learned lines in one worker task
    CLEANUP_WINDOW = 64  # stored pages read and re-analysed at a time by the site-line clean-up

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.store_html = settings.getbool("NEWSMON_STORE_HTML")
        self.threshold = settings.getfloat("NEWSMON_NEAR_DUPLICATE_THRESHOLD") or dedupe.DEFAULT_THRESHOLD
        self.batch_size = settings.getint("NEWSMON_STORE_BATCH")
        self.window = settings.getfloat("NEWSMON_STORE_WINDOW")
        self.db = None
        self.index = None
        self.failed = False
        self._batch: list[tuple[dict, asyncio.Future]] = []
        self._timer = None
        self._deadline = 0.0          # loop time by which the open batch is written
        self._writing = 0             # items in batches the writer thread has not finished
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-store")
        self._writes: set[asyncio.Future] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        analysis = getattr(self.crawler, "newsmon_analysis", None)
        if analysis is not None:
            analysis.hold_pool()    # for the site-line clean-up at close
        error = self._writer.submit(self._open).result()
        if error is not None:
            # full disk or unwritable file before the first page: a failed run, said clearly
            self._fail(error, 0)

    def _open(self) -> Exception | None:
        """In the writer thread: open the database and the near-duplicate index."""
        settings = self.crawler.settings
        try:
            self.db = open_db(default_db_path(self.crawler.settings.get("NEWSMON_DB")))
            self.index = dedupe.NearDuplicateIndex(self.db.conn, threshold=self.threshold)
            # test-only faults: "disk full" (the file may not grow) and "read-only"
            if settings.getint("NEWSMON_DB_MAX_PAGES"):
                self.db.execute(f"PRAGMA max_page_count = {int(settings.getint('NEWSMON_DB_MAX_PAGES'))}")
            if settings.getbool("NEWSMON_DB_READONLY"):
                self.db.execute("PRAGMA query_only = 1")
        except sqlite3.Error as e:
            return e
        return None

    def _close(self) -> None:
        if self.db is not None:
            self.db.conn.close()

    def _fail(self, error: Exception, pending: int) -> None:
        self.failed = True
        log.error("storage failed, stopping the crawl: %s: %s (%d pages not stored)",
                  type(error).__name__, error, pending)
        self.stats.set_value("newsmon/storage_error", f"{type(error).__name__}: {error}")
        if pending:
            self.stats.inc_value("newsmon/not_stored", pending)
        asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="storage_error"))

    async def close_spider(self):
        self._flush()
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        analysis = getattr(self.crawler, "newsmon_analysis", None)
        try:
            if analysis is not None and not self.failed:
                await self._clean_up_site_lines(analysis)
        finally:
            if analysis is not None:
                analysis.release_pool()
            self._writer.submit(self._close).result()
            self._writer.shutdown(wait=True)

    async def _clean_up_site_lines(self, analysis) -> None:
        """The run's articles that hold lines their site repeats, learned only as this run
        stored its pages (the first crawl of a site), are analysed again from their stored
        page with those lines known, and rewritten in place: a clean-up, not an edit (no
        new version), claims re-extracted from the clean text.

        The lines reach the analysis of the run's later pages as they are learned (see
        :meth:`_write`), so what is left is the pages stored before: a worker looks
        through the run's stored texts, and only the pages holding a learned line are
        read and analysed again."""
        run_id = getattr(self.crawler, "newsmon_run_id", None)
        source_id = self.crawler.spider.source_id
        if run_id is None or not analysis.pool.submitted or not self.store_html:
            return
        loop = asyncio.get_running_loop()

        def on_writer(function, *args):
            return loop.run_in_executor(self._writer, function, self.db, *args)

        try:
            known = await on_writer(site_lines, source_id, analysis.min_pages)
            analysis.learn_site_lines(source_id, known)
            learned = analysis.learned.get(source_id, frozenset())
            if not learned:
                return
            checked = cleaned = after = 0
            while texts := await on_writer(run_article_texts, source_id, run_id, after, self.CLEANUP_CHECK):
                after = texts[-1]["rowid"]
                checked += len(texts)
                future = analysis.pool.submit([t["text"] for t in texts], f"{len(texts)} stored articles",
                                              learned, function="newsmon.analysis:texts_holding_lines")
                try:
                    await asyncio.wrap_future(future)
                    holding = [texts[i]["rowid"] for i in AnalysisPool.result(future)]
                except Exception as e:  # noqa: BLE001 - those pages keep what they were stored with
                    log.warning("site-line clean-up could not look through %d articles: %s", len(texts), e)
                    continue
                for start in range(0, len(holding), self.CLEANUP_WINDOW):
                    rows = await on_writer(article_pages, holding[start:start + self.CLEANUP_WINDOW])
                    cleaned += await self._reanalyse(analysis, on_writer, source_id, known, learned, rows)
        except sqlite3.Error as e:
            log.error("site-line clean-up stopped: %s: %s (the articles stay as stored)", type(e).__name__, e)
            return
        self.stats.set_value("newsmon/site_lines_learned", len(learned))
        self.stats.set_value("newsmon/site_line_cleanup", cleaned)
        log.info("%d lines %s repeats were learned in this run; removed from %d of its %d articles",
                 len(learned), source_id, cleaned, checked)

    async def _reanalyse(self, analysis, on_writer, source_id: str, known, learned, rows: list[dict]) -> int:
        """Analyse stored pages again with the site's lines; the number of articles rewritten."""
        futures = [analysis.pool.submit(row["html"], row["url"], known, row["feed_published"], row["text"],
                                        learned, function="newsmon.analysis:reanalyze_with_site_lines")
                   for row in rows]
        recs = []
        for row, future in zip(rows, futures):
            try:
                await asyncio.wrap_future(future)
                result = AnalysisPool.result(future)
            except Exception as e:  # noqa: BLE001 - that page keeps what it was stored with
                log.warning("site-line clean-up of %s failed: %s", row["url"], e)
                continue
            if result is not None:
                recs.append({"url": row["url"], "source_id": source_id, "reanalysis": row["article_id"],
                             **result})
        if not recs:
            return 0
        results = await on_writer(ingest_pages, self.index, recs)
        return sum(r["outcome"] in ("changed", "claims") for r in results)

    async def process_item(self, item):
        if self.failed:
            # the crawl is stopping: what is still in flight is counted, not lost silently
            self.stats.inc_value("newsmon/not_stored")
            return item
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._batch.append((dict(item), waiter))
        if len(self._batch) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._deadline = loop.time() + self.window
            self._timer = loop.call_later(min(self.IDLE_CHECK, self.window), self._check)
        result = await waiter
        self._count(item, result)
        return item

    def _check(self) -> None:
        """The open batch's timer: write it when its window is over or nothing else can join it."""
        self._timer = None
        if not self._batch:
            return
        loop = asyncio.get_running_loop()
        if loop.time() >= self._deadline or self._nothing_else_coming():
            self._flush()
        else:
            self._timer = loop.call_later(min(self.IDLE_CHECK, self._deadline - loop.time()), self._check)

    def _nothing_else_coming(self) -> bool:
        try:
            engine = self.crawler.engine
            scraper = engine.scraper.slot
            return (not engine.downloader.active and not scraper.queue
                    and scraper.itemproc_size <= len(self._batch) + self._writing)
        except AttributeError:   # another Scrapy's internals: the window alone decides
            return False

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, []
        if not batch:
            return
        run_id = getattr(self.crawler, "newsmon_run_id", None)
        if self.failed:
            self.stats.inc_value("newsmon/not_stored", len(batch))
            for _, waiter in batch:
                if not waiter.done():
                    waiter.set_result({"outcome": "error", "reason": "storage_error"})
            return
        write = asyncio.wrap_future(self._writer.submit(self._write, [rec for rec, _ in batch], run_id))
        self._writes.add(write)
        self._writing += len(batch)
        write.add_done_callback(lambda done: self._written(batch, done))

    def _write(self, recs: list[dict], run_id: int | None) -> tuple[list[dict], frozenset]:
        """In the writer thread: one batch written; its results, and the site lines its new
        articles made known (lines now repeated on enough of the site's pages)."""
        results = ingest_pages(self.db, self.index, recs, run_id=run_id, store_html=self.store_html)
        analysis = getattr(self.crawler, "newsmon_analysis", None)
        if analysis is None:
            return results, frozenset()
        source_id = self.crawler.spider.source_id
        current = analysis.site_lines.get(source_id, frozenset())
        counted = {key for rec, result in zip(recs, results) if result["outcome"] == "new"
                   for key in (rec.get("article") or {}).get("site_line_candidates") or ()} - current
        return results, site_lines_among(self.db, source_id, counted, analysis.min_pages) if counted else frozenset()

    def _written(self, batch, write: asyncio.Future) -> None:
        """Back on the reactor thread: hand each item its outcome; the site lines learned
        go to the analysis of the next pages."""
        self._writes.discard(write)
        self._writing -= len(batch)
        try:
            results, learned = write.result()
            if learned:
                self.crawler.newsmon_analysis.learn_site_lines(self.crawler.spider.source_id, learned)
        except Exception as e:  # noqa: BLE001
            # disk full, read-only file, corrupt DB: stop the crawl loudly
            # rather than drop items one by one
            if not self.failed:
                self._fail(e, len(batch))
            else:
                self.stats.inc_value("newsmon/not_stored", len(batch))
            results = [{"outcome": "error", "reason": "storage_error"}] * len(batch)
        for (_, waiter), result in zip(batch, results):
            if not waiter.done():
                waiter.set_result(result)

    def _count(self, item, result: dict) -> None:
        outcome = result["outcome"]
        self.stats.inc_value(f"newsmon/outcome/{outcome}")
        if outcome == "dropped":
            self.stats.inc_value(f"newsmon/dropped/{result['reason']}")
            log.info("dropped %s: %s", item["url"], result["reason"])
        elif outcome == "duplicate":
            self.stats.inc_value(f"newsmon/duplicate/{result.get('method')}")
        elif outcome == "error" and result.get("reason") != "storage_error":
            log.error("could not store %s: %s", item["url"], result.get("reason"))
