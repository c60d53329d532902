"""Item pipelines of distributed mode: site lines from Redis, analysed items pushed to Redis for ingest."""

from __future__ import annotations

import asyncio
import logging
import os

from crawler.distributed import crawler_redis, run_token
from newsmon.cluster.wire import SEEN_TTL, encode_item, key
from pipelines.extract import ExtractPipeline

log = logging.getLogger("newsmon.distributed")


QUEUE_MAX_ITEMS = int(os.environ.get("NEWSMON_QUEUE_MAX_ITEMS", 2000))  # items waiting for ingest (~25 KB each)
QUEUE_POLL = 0.5        # seconds between looks at a full item list


class DistributedExtractPipeline(ExtractPipeline):
    """ExtractPipeline with the learned site lines from Redis (the crawler has no DB)."""

    def open_spider(self):
        source_id = self.crawler.spider.source_id
        members = crawler_redis(self.crawler).smembers(key("sitelines", source_id))
        self.site_lines[source_id] = frozenset(m.decode() for m in members)


class RedisItemPipeline:
    """Replaces StorePipeline: pushes the analysed item to ``newsmon:items``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = crawler_redis(crawler)
        self.items_key = key("items")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item):
        import uuid

        run = run_token(self.crawler)
        payload = {"id": uuid.uuid4().hex, "run_id": getattr(self.crawler, "newsmon_run_id", None),
                   "source_id": item.get("source_id"), "rec": dict(item)}
        pushed_key = key("run", run, "pushed")
        await self._wait_for_room()
        pipe = self.server.pipeline()
        pipe.lpush(self.items_key, encode_item(payload))
        pipe.incr(pushed_key)
        pipe.expire(pushed_key, SEEN_TTL)
        pipe.execute()
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
