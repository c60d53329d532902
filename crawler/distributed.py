"""Distributed mode's Scrapy components (scrapy-redis underneath): the run's shared request
queue with its in-flight pages, the per-run seen-URL set, one seeder per run, close
coordination between processes, robots.txt fetched once for all of them.

README "Scale out" and newsmon.cluster describe the design (the run's keys:
newsmon.cluster.runs); this module is the crawl side."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sqlite3
import time

from newsmon.cluster.runs import (
    ENQUEUE,
    POP,
    PROC_TTL,
    RunKeys,
    announcement_field,
    live_procs,
    reap_dead,
    requeue_dead,
)
from newsmon.cluster.wire import KNOWN_TTL, SEEN_TTL, client, key, redis_url, url_key

log = logging.getLogger("newsmon.distributed")

SEED_WAIT = 120.0       # a joiner waits this long for the run's seeder to start
HEARTBEAT = 0.5         # engine heartbeat in distributed mode: picks up shared work fast
TICK = 1.0              # seconds between refreshes of this process's state, counts and in-flight pages
REAP_EVERY = 2.0        # seconds between looks for dead processes of the run
ROBOTS_LOCK = 30        # seconds one process may take to fetch a robots.txt the others wait for


def apply_settings(ns: dict) -> None:
    """Turn crawler/settings.py's module namespace into distributed settings."""
    ns["REDIS_URL"] = redis_url()
    ns["SCHEDULER"] = "crawler.distributed.RedisScheduler"
    ns["DUPEFILTER_CLASS"] = "crawler.distributed.RunDupeFilter"
    ns["SCHEDULER_QUEUE_CLASS"] = "crawler.distributed.InFlightQueue"
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
    middlewares["crawler.distributed.InFlightMiddleware"] = 20
    ns["SPIDER_MIDDLEWARES"] = middlewares
    downloader = dict(ns.get("DOWNLOADER_MIDDLEWARES") or {})
    if "crawler.middlewares.RobotsTxtMiddleware" in downloader:
        downloader["crawler.distributed.DistributedRobotsTxtMiddleware"] = downloader.pop(
            "crawler.middlewares.RobotsTxtMiddleware")
        downloader["crawler.middlewares.RobotsTxtMiddleware"] = None
    ns["DOWNLOADER_MIDDLEWARES"] = downloader


def run_token(crawler) -> str:
    """The run id the scheduler gave this crawl (NEWSMON_RUN_ID), or an ad hoc one."""
    given = os.environ.get("NEWSMON_RUN_ID")
    if given:
        return given
    return f"adhoc-{crawler.spider.source_id}-{os.getpid()}"


def instance_token() -> str:
    """The instance id of the database this crawl is for: NEWSMON_INSTANCE (set by ``newsmon
    crawler``), else that of the database at NEWSMON_DB (a ``scrapy crawl`` by hand)."""
    given = os.environ.get("NEWSMON_INSTANCE")
    if given:
        return given
    path = os.environ.get("NEWSMON_DB") or "news.db"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        row = None
    if not row:
        raise RuntimeError(f"distributed crawl: no database instance id (NEWSMON_INSTANCE unset and none in "
                           f"{path}); start crawls with `newsmon crawl` or `newsmon crawler`")
    return row[0]


def run_keys(crawler) -> RunKeys:
    if not hasattr(crawler, "newsmon_run_keys"):
        crawler.newsmon_run_keys = RunKeys(instance_token(), run_token(crawler))
    return crawler.newsmon_run_keys


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def crawler_redis(crawler):
    if not hasattr(crawler, "newsmon_redis"):
        crawler.newsmon_redis = client(crawler.settings.get("REDIS_URL"))
    return crawler.newsmon_redis


try:
    from scrapy_redis.dupefilter import RFPDupeFilter as _RFPDupeFilter
    from scrapy_redis.queue import PriorityQueue as _PriorityQueue
    from scrapy_redis.scheduler import Scheduler as _RedisScheduler
except ImportError:  # pragma: no cover - only the scheduler/ingest side is used
    _RFPDupeFilter = _RedisScheduler = _PriorityQueue = object


class RunDupeFilter(_RFPDupeFilter):
    """scrapy-redis's fingerprint set, one per run, expiring (bounded memory).

    Within a run it is shared by every process, so a URL is fetched once.
    Across runs the known-URL keys decide (refetch only when a recheck is
    due); a fresh set per run means a recheck is never filtered as "seen".
    RedisScheduler adds to it and queues the request in one command.
    """

    @classmethod
    def from_spider(cls, spider):
        crawler = spider.crawler
        return cls(crawler_redis(crawler), run_keys(crawler).seen,
                   debug=crawler.settings.getbool("DUPEFILTER_DEBUG"))

    def close(self, reason=""):
        pass  # shared with the other processes of the run; it expires on its own


class InFlightQueue(_PriorityQueue):
    """scrapy-redis's priority queue; a request taken from it is noted, in the same Redis
    command, in this process's in-flight hash until it is done (DistributedRun), so the
    request goes back to the queue if the process dies with it."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.run = spider.crawler.newsmon_distributed
        self._pop = server.register_script(POP)   # EVALSHA: the script is sent once
        self._n = 0

    def pop(self, timeout=0):
        self._n += 1
        token = str(self._n)
        raw = self._pop(keys=[self.key, self.run.inflight_key], args=[token, SEEN_TTL])
        if raw is None:
            return None
        request = self._decode_request(raw)
        request.meta["newsmon_inflight"] = token
        self.run.outstanding.add(token)
        return request


class RedisScheduler(_RedisScheduler):
    """scrapy-redis's Scheduler on the run's keys (every generic source is spider "news")."""

    def open(self, spider):
        self.spider = spider
        self.queue = InFlightQueue(server=self.server, spider=spider, key=run_keys(spider.crawler).requests,
                                   serializer=self.serializer)
        self.df = RunDupeFilter.from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if len(self.queue):
            log.info("joining run of %s: %d requests in the shared queue", spider.source_id, len(self.queue))

    # (scrapy-redis 0.9.1 also passes spider= to the stats collector, deprecated in Scrapy 2.19)
    def enqueue_request(self, request):
        """Mark seen and queue in one command (runs.ENQUEUE): a process killed between
        the two would leave a request seen by the run and never fetched."""
        if not hasattr(self, "_enqueue"):
            self._enqueue = self.server.register_script(ENQUEUE)
        fp = "" if request.dont_filter else self.df.request_fingerprint(request)
        if not self._enqueue(keys=[self.df.key, self.queue.key],
                             args=[fp, -request.priority, self.queue._encode_request(request), SEEN_TTL]):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


def still_announced(server, keys: RunKeys, source_id: str) -> bool:
    """Is the run still the one announced for its source (not withdrawn: finished, abandoned)?"""
    raw = server.hget(key("runs"), announcement_field(keys.instance, source_id))
    return bool(raw) and str(json.loads(raw).get("run_id")) == keys.run


class SeedOnceMiddleware:
    """Only the first process of a run yields the spider's start requests (and none
    once the run was withdrawn: a process that starts late must not begin it again)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        crawler = self.crawler
        keys = run_keys(crawler)
        server = crawler_redis(crawler)
        ext = getattr(crawler, "newsmon_distributed", None)
        if ext is not None:
            ext.mark("busy")
        adhoc = not os.environ.get("NEWSMON_RUN_ID")
        if not adhoc and not still_announced(server, keys, crawler.spider.source_id):
            crawler.stats.set_value("newsmon/distributed/seeder", False)
            log.info("run %s of %s is over (no longer announced): not seeding it", keys.run,
                     crawler.spider.source_id)
            return
        if not server.set(keys.seeder, process_name(), nx=True, ex=SEEN_TTL):
            crawler.stats.set_value("newsmon/distributed/seeder", False)
            return
        crawler.stats.set_value("newsmon/distributed/seeder", True)
        async for request in start:
            yield request


class InFlightMiddleware:
    """Tags each item with the in-flight entry of the request it came from, so that
    RedisItemPipeline clears the entry in the same transaction that queues the item."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    @staticmethod
    def _tag(response, out):
        from scrapy import Request

        token = response.meta.get("newsmon_inflight") if response is not None else None
        if token and out is not None and not isinstance(out, Request):
            try:
                out._newsmon_inflight = token
            except (AttributeError, TypeError):   # an item that takes no attribute: settled by the tick
                pass
        return out

    def process_spider_output(self, response, result):
        for out in result:
            yield self._tag(response, out)

    async def process_spider_output_async(self, response, result):
        async for out in result:
            yield self._tag(response, out)


class RedisKnown:
    """``spider.known`` backed by the keys the ingest process publishes."""

    def __init__(self, server, instance: str, source_id: str):
        self.server = server
        self.instance = instance
        self.source_id = source_id

    def get(self, url: str, default=None):
        raw = self.server.getex(url_key(self.instance, self.source_id, url), ex=KNOWN_TTL)
        return json.loads(raw) if raw else default

    def __contains__(self, url: str) -> bool:
        return self.get(url) is not None


def process_counts(stats: dict) -> dict:
    """crawl_runs counters of one process (crawler.extensions.summarize_stats), without
    robots.txt: it is fetched once for the whole run, and is not a page of the source."""
    from crawler.extensions import summarize_stats

    counts = summarize_stats(stats)
    prefix = "robotstxt/response_status_count/"
    robots = {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}
    counts["pages_fetched"] = max(0, counts["pages_fetched"] - sum(robots.values()))
    for status, n in robots.items():
        if status in counts["http_errors"]:
            counts["http_errors"][status] -= n
            if counts["http_errors"][status] <= 0:
                del counts["http_errors"][status]
    return counts


class DistributedRun:
    """Replaces RunMonitor in a crawler process: known URLs from Redis, close
    coordination with the run's other processes, in-flight pages and counts kept
    in Redis as it goes (a killed process loses neither)."""

    def __init__(self, crawler):
        from scrapy import signals

        self.crawler = crawler
        self.server = crawler_redis(crawler)
        spider = crawler.spider
        self.source_id = spider.source_id
        self.keys = run_keys(crawler)
        self.run = self.keys.run
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
        spider.known = RedisKnown(self.server, self.keys.instance, self.source_id)
        self.me = process_name()
        self.inflight_key = self.keys.inflight(self.me)
        self.outstanding: set[str] = set()    # in-flight tokens of the requests taken from the queue
        self.opened = time.monotonic()
        self._reaped_at = 0.0
        self._loop = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def mark(self, state: str, ttl: float = PROC_TTL) -> None:
        pipe = self.server.pipeline()
        pipe.hset(self.keys.procs, self.me, f"{state} {time.time() + ttl:.3f}")
        pipe.expire(self.keys.procs, SEEN_TTL)
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
        self._loop.start(TICK, now=False)

    def _in_progress(self) -> set[str]:
        """In-flight tokens of the requests the engine is still downloading or processing
        (a request stays in the engine's in-progress set until its items went through
        the pipelines)."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        requests = getattr(slot, "inprogress", None)
        if requests is None:   # another engine: what the downloader and the scraper hold
            requests = set(engine.downloader.active) | set(getattr(engine.scraper.slot, "active", ()))
        return {r.meta.get("newsmon_inflight") for r in requests}

    def _settle(self, pipe) -> None:
        """Clear the in-flight entries of the requests that are done."""
        done = self.outstanding - self._in_progress()
        if done:
            pipe.hdel(self.inflight_key, *done)
            self.outstanding -= done

    def _report(self, pipe, final: bool = False, reason: str | None = None) -> dict:
        spider = self.crawler.spider
        stats = self.crawler.stats.get_stats()
        report = process_counts(stats) | {
            "final": final, "reason": reason, "process": self.me,
            "start_pages_ok": getattr(spider, "start_pages_ok", 0),
            "start_pages_failed": getattr(spider, "start_pages_failed", 0),
            "queued": stats.get("newsmon/queued", 0),
            "seeder": bool(stats.get("newsmon/distributed/seeder")),
        }
        pipe.hset(self.keys.reports, self.me, json.dumps(report, default=str))
        pipe.expire(self.keys.reports, SEEN_TTL)
        return report

    def _tick(self):
        try:
            idle = self.crawler.engine.spider_is_idle()
            pipe = self.server.pipeline()
            pipe.hset(self.keys.procs, self.me, f"{'idle' if idle else 'busy'} {time.time() + PROC_TTL:.3f}")
            pipe.expire(self.keys.procs, SEEN_TTL)
            self._settle(pipe)
            self._report(pipe)
            pipe.execute()
            if time.monotonic() - self._reaped_at > REAP_EVERY:
                self._reaped_at = time.monotonic()
                self._reap()
        except Exception as e:  # noqa: BLE001 - a Redis hiccup must not kill the crawl
            log.warning("could not refresh the run state: %s", e)

    def _reap(self) -> None:
        n = reap_dead(self.server, self.keys)
        if n:
            log.warning("run %s of %s: %d pages a dead crawl process had in flight are queued again",
                        self.run, self.source_id, n)

    def others_busy(self) -> bool:
        return any(name != self.me and state == "busy"
                   for name, state in live_procs(self.server, self.keys).items())

    def spider_idle(self, spider):
        from scrapy.exceptions import DontCloseSpider

        self.mark("idle")
        self._reap()   # a dead process's pages first go back to the queue, for this one to take
        seeded = self.server.exists(self.keys.seeder) or not self.crawler.stats.get_value(
            "newsmon/distributed/seeder", True)   # False: told not to seed (the run is over)
        if not seeded and time.monotonic() - self.opened < SEED_WAIT:
            raise DontCloseSpider  # the seeder has not started yet
        if self.server.zcard(self.keys.requests) or self.others_busy():
            raise DontCloseSpider  # others may still add work to the shared queue
        self.mark("closing", ttl=60)

    def spider_closed(self, spider, reason):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        pipe = self.server.pipeline()
        self._settle(pipe)
        report = self._report(pipe, final=True, reason=reason)
        pipe.hdel(self.keys.procs, self.me)
        pipe.execute()
        if self.outstanding:   # (a shutdown leaves requests unfinished: they go back to the queue)
            requeue_dead(self.server, self.keys, self.me)
        else:
            self.server.delete(self.inflight_key)
        log.info("run %s of %s: this process closed (%s), %s pages, %s items queued",
                 self.run, self.source_id, reason, report["pages_fetched"], report["queued"])


# -- robots.txt, once per run for all its processes --------------------------------------------------
class RedisRobotsCache:
    """crawler.middlewares.RobotsCache's interface over Redis: the answer one process
    fetched serves every process of every run of this database for ``hours``."""

    def __init__(self, server, instance: str, hours: float):
        self.server, self.instance, self.ttl = server, instance, max(1, int(hours * 3600))
        self.held: set[str] = set()

    def _key(self, origin: str, *more) -> str:
        return key(self.instance, "robots", origin, *more)

    def get(self, origin: str) -> bytes | None:
        raw = self.server.get(self._key(origin))
        if raw is None:
            return None
        status, _, body = raw.partition(b"\n")
        return b"" if int(status) >= 400 else body

    def put(self, origin: str, status: int, body: bytes) -> None:
        self.server.set(self._key(origin), str(status).encode() + b"\n" + (body or b""), ex=self.ttl)

    async def wait_turn(self, origin: str, known) -> None:
        """Return when the answer is cached, this process may fetch it, or ``known()``."""
        deadline = time.monotonic() + ROBOTS_LOCK
        while time.monotonic() < deadline and not known():
            if self.get(origin) is not None:
                return
            if self.server.set(self._key(origin, "lock"), process_name(), nx=True, ex=ROBOTS_LOCK):
                self.held.add(origin)
                return
            await asyncio.sleep(0.2)

    def release(self, origin: str) -> None:
        if origin in self.held:
            self.held.discard(origin)
            self.server.delete(self._key(origin, "lock"))

    def close(self) -> None:
        for origin in list(self.held):
            self.release(origin)


try:
    from crawler.middlewares import RobotsTxtMiddleware as _RobotsTxtMiddleware
except ImportError:  # pragma: no cover
    _RobotsTxtMiddleware = object


class DistributedRobotsTxtMiddleware(_RobotsTxtMiddleware):
    """newsmon's robots.txt handling with the answer shared through Redis: one process
    fetches a site's robots.txt while the others of the run wait for it."""

    def __init__(self, crawler):
        super().__init__(crawler)
        hours = crawler.settings.getfloat("NEWSMON_ROBOTS_CACHE_HOURS")
        self._cache = RedisRobotsCache(crawler_redis(crawler), run_keys(crawler).instance, hours) \
            if hours > 0 else None

    async def robot_parser(self, request):
        from scrapy.utils.httpobj import urlparse_cached

        url = urlparse_cached(request)
        netloc, origin = url.netloc, f"{url.scheme}://{url.netloc}"
        if netloc not in self._parsers and self._cache is not None:
            await self._cache.wait_turn(origin, lambda: netloc in self._parsers)
        try:
            return await super().robot_parser(request)
        finally:
            if self._cache is not None:
                self._cache.release(origin)
