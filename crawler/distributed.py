"""Distributed mode's Scrapy components (scrapy-redis underneath): the shared request queue,
the per-run seen-URL set, one seeder per run, and close coordination between processes.

README "Scale out" and newsmon.cluster describe the design; this module is the crawl side."""

from __future__ import annotations

import json
import logging
import os
import socket
import time

from newsmon.cluster.wire import KNOWN_TTL, SEEN_TTL, client, key, redis_url, url_key

log = logging.getLogger("newsmon.distributed")

PROC_TTL = 6.0          # a crawler process that stops refreshing its state is gone
SEED_WAIT = 120.0       # a joiner waits this long for the run's seeder to start
HEARTBEAT = 0.5         # engine heartbeat in distributed mode: picks up shared work fast


def apply_settings(ns: dict) -> None:
    """Turn crawler/settings.py's module namespace into distributed settings."""
    ns["REDIS_URL"] = redis_url()
    ns["SCHEDULER"] = "crawler.distributed.RedisScheduler"
    ns["DUPEFILTER_CLASS"] = "crawler.distributed.RunDupeFilter"
    ns["SCHEDULER_QUEUE_CLASS"] = "scrapy_redis.queue.PriorityQueue"
    ns["SCHEDULER_PERSIST"] = True        # the queue is shared: closing one process must not flush it
    ns["SCHEDULER_IDLE_BEFORE_CLOSE"] = 0
    pipelines = dict(ns.get("ITEM_PIPELINES") or {})
    order = pipelines.pop("pipelines.store.StorePipeline", 900)
    if "pipelines.extract.ExtractPipeline" in pipelines:
        pipelines["pipelines.redis.DistributedExtractPipeline"] = pipelines.pop(
            "pipelines.extract.ExtractPipeline")
    pipelines["pipelines.redis.RedisItemPipeline"] = order
    ns["ITEM_PIPELINES"] = pipelines
    extensions = dict(ns.get("EXTENSIONS") or {})
    order = extensions.pop("crawler.extensions.RunMonitor", 10)
    extensions["crawler.extensions.RunMonitor"] = None
    extensions["crawler.distributed.DistributedRun"] = order
    ns["EXTENSIONS"] = extensions
    middlewares = dict(ns.get("SPIDER_MIDDLEWARES") or {})
    middlewares["crawler.distributed.SeedOnceMiddleware"] = 10
    ns["SPIDER_MIDDLEWARES"] = middlewares


def run_token(crawler) -> str:
    """The run id the scheduler gave this crawl (NEWSMON_RUN_ID), or an ad hoc one."""
    given = os.environ.get("NEWSMON_RUN_ID")
    if given:
        return given
    return f"adhoc-{crawler.spider.source_id}-{os.getpid()}"


def crawler_redis(crawler):
    if not hasattr(crawler, "newsmon_redis"):
        crawler.newsmon_redis = client(crawler.settings.get("REDIS_URL"))
    return crawler.newsmon_redis


try:
    from scrapy_redis.dupefilter import RFPDupeFilter as _RFPDupeFilter
    from scrapy_redis.scheduler import Scheduler as _RedisScheduler
except ImportError:  # pragma: no cover - only the scheduler/ingest side is used
    _RFPDupeFilter = _RedisScheduler = object


class RunDupeFilter(_RFPDupeFilter):
    """scrapy-redis's fingerprint set, one per run, expiring (bounded memory).

    Within a run it is shared by every process, so a URL is fetched once.
    Across runs the known-URL keys decide (refetch only when a recheck is
    due); a fresh set per run means a recheck is never filtered as "seen".
    """

    def __init__(self, server, key, debug=False):
        super().__init__(server, key, debug)
        self._expiry_set = False

    @classmethod
    def from_spider(cls, spider):
        crawler = spider.crawler
        return cls(crawler_redis(crawler), key("run", run_token(crawler), "seen"),
                   debug=crawler.settings.getbool("DUPEFILTER_DEBUG"))

    def request_seen(self, request):
        fp = self.request_fingerprint(request)
        pipe = self.server.pipeline()
        pipe.sadd(self.key, fp)
        if not self._expiry_set:
            pipe.expire(self.key, SEEN_TTL)
        added = pipe.execute()[0]
        self._expiry_set = True
        return added == 0

    def close(self, reason=""):
        pass  # shared with the other processes of the run; it expires on its own


class RedisScheduler(_RedisScheduler):
    """scrapy-redis's Scheduler with per-source keys (every generic source is spider "news")."""

    def open(self, spider):
        from scrapy.utils.misc import load_object

        self.spider = spider
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                 key=key(spider.source_id, "requests"),
                                                 serializer=self.serializer)
        self.df = RunDupeFilter.from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if len(self.queue):
            log.info("joining run of %s: %d requests in the shared queue", spider.source_id, len(self.queue))

    # scrapy-redis 0.9.1 passes spider= to the stats collector (deprecated in Scrapy 2.19)
    def enqueue_request(self, request):
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class SeedOnceMiddleware:
    """Only the first process of a run yields the spider's start requests."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        crawler = self.crawler
        run = run_token(crawler)
        ext = getattr(crawler, "newsmon_distributed", None)
        if ext is not None:
            ext.mark("busy")
        me = f"{socket.gethostname()}:{os.getpid()}"
        if not crawler_redis(crawler).set(key("run", run, "seeder"), me, nx=True, ex=SEEN_TTL):
            crawler.stats.set_value("newsmon/distributed/seeder", False)
            return
        crawler.stats.set_value("newsmon/distributed/seeder", True)
        async for request in start:
            yield request


class RedisKnown:
    """``spider.known`` backed by the keys the ingest process publishes."""

    def __init__(self, server, source_id: str):
        self.server = server
        self.source_id = source_id

    def get(self, url: str, default=None):
        raw = self.server.getex(url_key(self.source_id, url), ex=KNOWN_TTL)
        return json.loads(raw) if raw else default

    def __contains__(self, url: str) -> bool:
        return self.get(url) is not None


class DistributedRun:
    """Replaces RunMonitor in a crawler process: known URLs from Redis, close
    coordination with the run's other processes, stats for the scheduler."""

    def __init__(self, crawler):
        from scrapy import signals

        self.crawler = crawler
        self.server = crawler_redis(crawler)
        spider = crawler.spider
        self.source_id = spider.source_id
        self.run = run_token(crawler)
        crawler.newsmon_run_id = int(self.run) if self.run.isdigit() else None
        crawler.newsmon_distributed = self
        # Scrapy's engine takes requests from its scheduler until CONCURRENT_REQUESTS are
        # in its downloader, whatever the per-domain limit: one process would hoard a
        # source's whole shared queue. A process crawls one source, so take no more
        # than it can fetch at once (unless the source sets CONCURRENT_REQUESTS itself).
        from scrapy.settings import SETTINGS_PRIORITIES

        settings = crawler.settings
        if (settings.getpriority("CONCURRENT_REQUESTS") or 0) < SETTINGS_PRIORITIES["spider"]:
            settings.set("CONCURRENT_REQUESTS", max(1, min(
                settings.getint("CONCURRENT_REQUESTS"), settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))),
                priority="spider")
        spider.known = RedisKnown(self.server, self.source_id)
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        self.procs_key = key("run", self.run, "procs")
        self.queue_key = key(self.source_id, "requests")
        self.opened = time.monotonic()
        self._loop = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def mark(self, state: str, ttl: float = PROC_TTL) -> None:
        pipe = self.server.pipeline()
        pipe.hset(self.procs_key, self.me, f"{state} {time.time() + ttl:.3f}")
        pipe.expire(self.procs_key, SEEN_TTL)
        pipe.execute()

    def spider_opened(self, spider):
        from twisted.internet import task

        self.mark("busy")
        # the engine polls its scheduler every 5 s when idle; the shared queue
        # is filled by other processes, so look more often
        # (the engine starts its heartbeat after spider_opened; an instance attribute
        # overrides the class default, and an engine without it keeps its 5 s)
        self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = HEARTBEAT
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(1.0, now=False)

    def _tick(self):
        try:
            idle = self.crawler.engine.spider_is_idle()
            self.mark("idle" if idle else "busy")
        except Exception as e:  # noqa: BLE001 - a Redis hiccup must not kill the crawl
            log.warning("could not refresh the run state: %s", e)

    def others_busy(self) -> bool:
        now = time.time()
        for name, value in self.server.hgetall(self.procs_key).items():
            state, _, until = value.decode().partition(" ")
            if name.decode() != self.me and state == "busy" and float(until) > now:
                return True
        return False

    def spider_idle(self, spider):
        from scrapy.exceptions import DontCloseSpider

        self.mark("idle")
        seeded = self.server.exists(key("run", self.run, "seeder"))
        if not seeded and time.monotonic() - self.opened < SEED_WAIT:
            raise DontCloseSpider  # the seeder has not started yet
        if self.server.zcard(self.queue_key) or self.others_busy():
            raise DontCloseSpider  # others may still add work to the shared queue
        self.mark("closing", ttl=60)

    def spider_closed(self, spider, reason):
        from crawler.extensions import summarize_stats

        if self._loop is not None and self._loop.running:
            self._loop.stop()
        stats = self.crawler.stats.get_stats()
        report = summarize_stats(stats) | {
            "reason": reason, "process": self.me,
            "start_pages_ok": getattr(spider, "start_pages_ok", 0),
            "start_pages_failed": getattr(spider, "start_pages_failed", 0),
            "queued": stats.get("newsmon/queued", 0),
            "seeder": bool(stats.get("newsmon/distributed/seeder")),
        }
        stats_key = key("run", self.run, "stats")
        pipe = self.server.pipeline()
        pipe.rpush(stats_key, json.dumps(report, default=str))
        pipe.expire(stats_key, SEEN_TTL)
        pipe.hdel(self.procs_key, self.me)
        pipe.execute()
        log.info("run %s of %s: this process closed (%s), %s pages, %s items queued",
                 self.run, self.source_id, reason, report["pages_fetched"], report["queued"])
