"""ExtractPipeline: each page analysed in the worker pool (newsmon.workers), off the reactor thread.

The analysis (newsmon.analysis: article, drop verdict, claims, fingerprints)
is attached to the item for StorePipeline. Learned per-site junk lines come
from the database when the spider opens, and the lines the run itself learns
are added as StorePipeline stores its pages (:meth:`learn_site_lines`), so the
pages analysed after that are clean from the start.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy import signals

from newsmon.config import default_db_path
from newsmon.store.db import open_db
from newsmon.store.queries import site_lines
from newsmon.workers import AnalysisFailed, AnalysisPool

log = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.pool = AnalysisPool(settings.getint("NEWSMON_WORKERS") or None,
                                 timeout=settings.getfloat("NEWSMON_EXTRACT_TIMEOUT"),
                                 memory_mb=settings.getint("NEWSMON_EXTRACT_MEMORY_MB"),
                                 function="newsmon.analysis:analyze_page")
        self.min_pages = settings.getint("NEWSMON_SITE_LINE_MIN_PAGES")
        self.site_lines: dict[str, frozenset] = {}     # what a source's pages are analysed with now
        self.learned: dict[str, frozenset] = {}        # the part of it this run learned
        # StorePipeline analyses some pages again at the end of the run (site lines it
        # learned); item pipelines close in parallel, so the pool waits for it
        self._pool_users = 0
        self._pool_released = asyncio.Event()
        crawler.newsmon_analysis = self
        # the workers start with the first article request, so they are ready when
        # its page arrives; a run that requests no article (nothing new) never starts them
        crawler.signals.connect(self._request_scheduled, signal=signals.request_scheduled)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _request_scheduled(self, request, **kwargs):
        # stays connected (start() is once): pydispatch iterates its live receiver
        # list, and a disconnect during the send would skip the next (OffsiteMiddleware's)
        if request.meta.get("newsmon_article"):
            self.pool.start()

    def open_spider(self):
        db = open_db(default_db_path(self.crawler.settings.get("NEWSMON_DB")))
        try:
            source_id = self.crawler.spider.source_id
            self.site_lines[source_id] = site_lines(db, source_id, self.min_pages)
        finally:
            db.conn.close()

    def learn_site_lines(self, source_id: str, known: frozenset) -> frozenset:
        """``known``: the source's site lines as stored now. The ones this run had not
        analysed with yet are used for its next pages, and returned."""
        current = self.site_lines.get(source_id, frozenset())
        new = known - current
        if new:
            self.site_lines[source_id] = current | new
            self.learned[source_id] = self.learned.get(source_id, frozenset()) | new
        return new

    def hold_pool(self) -> None:
        """Keep the workers up at close until :meth:`release_pool`."""
        self._pool_users += 1

    def release_pool(self) -> None:
        self._pool_users -= 1
        if self._pool_users <= 0:
            self._pool_released.set()

    async def close_spider(self):
        if self._pool_users > 0:
            await self._pool_released.wait()
        self.pool.close()

    async def process_item(self, item):
        if item.get("not_modified") or item.get("drop_reason") or item.get("html") is None:
            return item
        future = self.pool.submit(item["html"], item["final_url"],
                                  self.site_lines.get(item["source_id"]), item.get("feed_published"))
        try:
            await asyncio.wrap_future(future)
        except Exception:  # noqa: BLE001 - AnalysisPool.result turns it into a counted reason
            pass
        try:
            analysis = AnalysisPool.result(future)
        except AnalysisFailed as e:
            log.warning("could not analyse %s: %s", item["url"], e)
            item["drop_reason"] = e.reason
            return item
        item["article"] = analysis["article"]
        item["drop_reason"] = analysis["drop_reason"]
        item["claims"] = analysis["claims"]
        item["fingerprint"] = analysis.get("fingerprint")
        return item
