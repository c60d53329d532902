"""Scrapy item pipelines: thin adapters over the pure modules.

- ExtractPipeline: sends each page to the worker pool (pipelines.workers),
  off the reactor thread, and attaches the analysis (article, drop reason,
  claims). Learned per-site junk lines come from the database.
- StorePipeline: hands the analysed page to pipelines.ingest (dedupe, edit
  tracking, claims, storage in one transaction) and counts the outcome in
  the stats collector, which the RunMonitor extension writes to crawl_runs.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from pipelines import dedupe
from pipelines.ingest import ingest_page
from pipelines.store import open_db, site_lines
from pipelines.workers import AnalysisFailed, AnalysisPool

log = logging.getLogger(__name__)


def _db_path(crawler):
    from crawler.config import default_db_path
    return default_db_path(crawler.settings.get("NEWSMON_DB"))


class ExtractPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.pool = AnalysisPool(settings.getint("NEWSMON_WORKERS") or None,
                                 timeout=settings.getfloat("NEWSMON_EXTRACT_TIMEOUT"),
                                 memory_mb=settings.getint("NEWSMON_EXTRACT_MEMORY_MB"))
        self.min_pages = settings.getint("NEWSMON_SITE_LINE_MIN_PAGES")
        self.site_lines: dict[str, frozenset] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        db = open_db(_db_path(self.crawler))
        try:
            source_id = self.crawler.spider.source_id
            self.site_lines[source_id] = site_lines(db, source_id, self.min_pages)
        finally:
            db.conn.close()

    def close_spider(self):
        self.pool.close()

    async def process_item(self, item):
        if item.get("not_modified") or item.get("drop_reason") or item.get("html") is None:
            return item
        future = self.pool.submit(item["html"], item["final_url"],
                                  self.site_lines.get(item["source_id"]), item.get("feed_published"))
        try:
            await asyncio.wrap_future(future)
        except Exception:
            pass  # AnalysisPool.result turns it into a counted reason
        try:
            analysis = AnalysisPool.result(future)
        except AnalysisFailed as e:
            log.warning("could not analyse %s: %s", item["url"], e)
            item["drop_reason"] = e.reason
            return item
        item["article"] = analysis["article"]
        item["drop_reason"] = analysis["drop_reason"]
        item["claims"] = analysis["claims"]
        return item


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.store_html = settings.getbool("NEWSMON_STORE_HTML")
        self.threshold = settings.getfloat("NEWSMON_NEAR_DUPLICATE_THRESHOLD") or dedupe.DEFAULT_THRESHOLD
        self.db = None
        self.index = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.db = open_db(_db_path(self.crawler))
        self.index = dedupe.NearDuplicateIndex(self.db.conn, threshold=self.threshold)

    def close_spider(self):
        if self.db is not None:
            self.db.conn.close()

    async def process_item(self, item):
        if self.failed:
            return item
        run_id = getattr(self.crawler, "newsmon_run_id", None)
        try:
            result = ingest_page(self.db, self.index, dict(item), run_id=run_id,
                                 store_html=self.store_html)
        except sqlite3.Error as e:
            # disk full, read-only file, corrupt DB: stop the crawl loudly
            # rather than drop items one by one
            self.failed = True
            log.error("storage failed, stopping the crawl: %s (at %s)", e, item["url"])
            self.stats.set_value("newsmon/storage_error", f"{type(e).__name__}: {e}")
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="storage_error"))
            return item
        outcome = result["outcome"]
        self.stats.inc_value(f"newsmon/outcome/{outcome}")
        if outcome == "dropped":
            self.stats.inc_value(f"newsmon/dropped/{result['reason']}")
            log.info("dropped %s: %s", item["url"], result["reason"])
        elif outcome == "duplicate":
            self.stats.inc_value(f"newsmon/duplicate/{result.get('method')}")
        return item
