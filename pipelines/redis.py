"""Item pipelines of distributed mode: site lines from Redis, analysed items pushed to Redis for ingest."""

from __future__ import annotations

import asyncio
import logging
import os

from crawler.distributed import crawler_redis, run_keys
from newsmon.cluster.wire import SEEN_TTL, encode_item, key
from pipelines.extract import ExtractPipeline

log = logging.getLogger("newsmon.distributed")


QUEUE_MAX_ITEMS = int(os.environ.get("NEWSMON_QUEUE_MAX_ITEMS", 2000))  # items waiting for ingest (~25 KB each)
QUEUE_POLL = 0.5        # seconds between looks at a full item list


class DistributedExtractPipeline(ExtractPipeline):
    """ExtractPipeline with the learned site lines from Redis (the crawler has no DB).

    A process that joins a run takes its article requests from the shared queue
    and schedules none itself: its workers start when it takes the first one."""

    def __init__(self, crawler):
        from scrapy import signals

        super().__init__(crawler)
        crawler.signals.connect(self._request_scheduled, signal=signals.request_reached_downloader)

    def open_spider(self):
        source_id = self.crawler.spider.source_id
        members = crawler_redis(self.crawler).smembers(key(run_keys(self.crawler).instance, "sitelines", source_id))
        self.site_lines[source_id] = frozenset(m.decode() for m in members)


class RedisItemPipeline:
    """Replaces StorePipeline: pushes the analysed item to ``newsmon:<instance>:items``,
    and clears its page's in-flight entry in the same transaction."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = crawler_redis(crawler)
        self.keys = run_keys(crawler)
        self.items_key = key(self.keys.instance, "items")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item):
        import uuid

        payload = {"id": uuid.uuid4().hex, "run_id": getattr(self.crawler, "newsmon_run_id", None),
                   "source_id": item.get("source_id"), "rec": dict(item)}
        await self._wait_for_room()
        pipe = self.server.pipeline()
        pipe.lpush(self.items_key, encode_item(payload))
        pipe.incr(self.keys.pushed)
        pipe.expire(self.keys.pushed, SEEN_TTL)
        token = getattr(item, "_newsmon_inflight", None)
        run = getattr(self.crawler, "newsmon_distributed", None)
        if token and run is not None:   # the page is done once its item is queued: one transaction
            pipe.hdel(run.inflight_key, token)
        pipe.execute()
        if token and run is not None:
            run.outstanding.discard(token)
        self.crawler.stats.inc_value("newsmon/queued")
        return item

    async def _wait_for_room(self) -> None:
        """Backpressure: while the list is full, wait (the item holds its slot, so
        Scrapy stops taking new responses). The look and the push that follows have
        no await between them, so one process never overfills the list."""
        waited = False
        while QUEUE_MAX_ITEMS and self.server.llen(self.items_key) >= QUEUE_MAX_ITEMS:
            if not waited:
                log.warning("ingest is behind: %d items wait in %s; pausing until it catches up",
                            QUEUE_MAX_ITEMS, self.items_key)
                self.crawler.stats.inc_value("newsmon/queue_full_waits")
                waited = True
            await asyncio.sleep(QUEUE_POLL)
        if waited:
            log.info("ingest caught up; pushing again")
