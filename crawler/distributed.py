"""Distributed mode: many crawler processes on many machines, one database.

Switched on by one setting, ``REDIS_URL`` in the environment. Without it
nothing here is imported and newsmon runs on one machine as before.

The pieces (see README "Scale out"):

- The scheduler (``newsmon run``, ``run --once``, ``crawl``) does not start a
  local crawl for a due source: :class:`DistributedCrawl` creates the
  ``crawl_runs`` row as usual and *announces* the run in Redis
  (``newsmon:runs``, source id -> run id), then waits for the cluster to
  finish it and for the ingest process to store its items.
- ``newsmon crawler --processes N`` on every crawler machine
  (:class:`CrawlerSupervisor`) starts up to N ``scrapy crawl`` processes for
  each announced run. They share one scrapy-redis request queue per source
  (``newsmon:<source>:requests``, scrapy-redis's Scheduler + PriorityQueue)
  and one seen-URL set per run (:class:`RunDupeFilter`, scrapy-redis's
  RFPDupeFilter), so a URL is fetched once across all of them. Exactly one
  process of a run (the first to claim ``run:<id>:seeder``) yields the
  spider's start requests (:class:`SeedOnceMiddleware`); the others take
  work from the shared queue. A process closes only when the queue is empty
  and no other process of the run is busy (:class:`DistributedRun`), so none
  gives up while another is still discovering links.
- Crawler processes run extraction and claims (ExtractPipeline, in their own
  worker processes) and push the analysed item to the Redis list
  ``newsmon:items`` (:class:`RedisItemPipeline`, which replaces
  StorePipeline). ``newsmon ingest`` (pipelines.queue), one process next to
  the SQLite file, is the only writer. When ingest falls behind (or is
  down), a crawler waits before pushing while the list holds
  ``NEWSMON_QUEUE_MAX_ITEMS`` items (2,000, about 50 MB of Redis memory):
  downloads slow down with it instead of Redis filling up.
- Known URLs (what the spider needs to decide "skip / recheck / conditional
  GET") are published by the ingest process after each commit as one Redis
  key per URL (``newsmon:known:<source>:<hash>``) with a TTL that the
  spider's lookups refresh (GETEX): memory is bounded by the URLs still
  listed by some feed or sitemap in the last ``NEWSMON_KNOWN_TTL`` (30 days),
  and rechecks for edits work exactly as on one machine.
- Seen-URL sets are per run and expire (``NEWSMON_SEEN_TTL``, 2 days), so
  they stay bounded whatever the number of runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path

log = logging.getLogger("newsmon.distributed")

PREFIX = os.environ.get("NEWSMON_REDIS_PREFIX", "newsmon")
KNOWN_TTL = int(float(os.environ.get("NEWSMON_KNOWN_TTL", 30 * 86400)))   # seconds
SEEN_TTL = int(float(os.environ.get("NEWSMON_SEEN_TTL", 2 * 86400)))
PROC_TTL = 6.0          # a crawler process that stops refreshing its state is gone
SEED_WAIT = 120.0       # a joiner waits this long for the run's seeder to start
HEARTBEAT = 0.5         # engine heartbeat in distributed mode: picks up shared work fast
DISPATCH_WAIT = float(os.environ.get("NEWSMON_DISPATCH_WAIT", 300))   # no crawler took the run
INGEST_WAIT = float(os.environ.get("NEWSMON_INGEST_WAIT", 60))        # ingest made no progress
QUEUE_MAX_ITEMS = int(os.environ.get("NEWSMON_QUEUE_MAX_ITEMS", 2000))  # items waiting for ingest (~25 KB each)
QUEUE_POLL = 0.5        # seconds between looks at a full item list


def key(*parts) -> str:
    return ":".join([PREFIX, *map(str, parts)])


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


def client(url: str | None = None):
    """A Redis client (bytes replies) for REDIS_URL."""
    import redis

    url = url or redis_url()
    if not url:
        raise RuntimeError("distributed mode needs REDIS_URL (e.g. redis://10.0.0.5:6379/0)")
    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                retry_on_timeout=True, health_check_interval=30)


def url_key(source_id: str, url: str) -> str:
    return key("known", source_id, hashlib.sha1(url.encode("utf-8")).hexdigest()[:24])


def encode_item(payload: dict) -> bytes:
    return zlib.compress(json.dumps(payload, default=str, ensure_ascii=False).encode("utf-8"), 3)


def decode_item(raw: bytes) -> dict:
    return json.loads(zlib.decompress(raw).decode("utf-8"))


# -- settings ------------------------------------------------------------------

def apply_settings(ns: dict) -> None:
    """Turn crawler/settings.py's module namespace into distributed settings."""
    ns["REDIS_URL"] = redis_url()
    ns["SCHEDULER"] = "crawler.distributed.RedisScheduler"
    ns["DUPEFILTER_CLASS"] = "crawler.distributed.RunDupeFilter"
    ns["SCHEDULER_QUEUE_CLASS"] = "scrapy_redis.queue.PriorityQueue"
    ns["SCHEDULER_PERSIST"] = True        # the queue is shared: closing one process must not flush it
    ns["SCHEDULER_IDLE_BEFORE_CLOSE"] = 0
    pipelines = dict(ns.get("ITEM_PIPELINES") or {})
    order = pipelines.pop("pipelines.adapters.StorePipeline", 900)
    if "pipelines.adapters.ExtractPipeline" in pipelines:
        pipelines["crawler.distributed.DistributedExtractPipeline"] = pipelines.pop(
            "pipelines.adapters.ExtractPipeline")
    pipelines["crawler.distributed.RedisItemPipeline"] = order
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


def _server(crawler):
    if not hasattr(crawler, "newsmon_redis"):
        crawler.newsmon_redis = client(crawler.settings.get("REDIS_URL"))
    return crawler.newsmon_redis


# -- Scrapy components (scrapy-redis underneath) --------------------------------------

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
        return cls(_server(crawler), key("run", run_token(crawler), "seen"),
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
        if not _server(crawler).set(key("run", run, "seeder"), me, nx=True, ex=SEEN_TTL):
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
        self.server = _server(crawler)
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


from pipelines.adapters import ExtractPipeline  # noqa: E402


class DistributedExtractPipeline(ExtractPipeline):
    """ExtractPipeline with the learned site lines from Redis (the crawler has no DB)."""

    def open_spider(self):
        source_id = self.crawler.spider.source_id
        members = _server(self.crawler).smembers(key("sitelines", source_id))
        self.site_lines[source_id] = frozenset(m.decode() for m in members)


class RedisItemPipeline:
    """Replaces StorePipeline: pushes the analysed item to ``newsmon:items``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = _server(crawler)
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


# -- run state (shared by the scheduler side and the supervisors) ----------------------

def live_procs(server, run) -> dict[str, str]:
    now = time.time()
    out = {}
    for name, value in server.hgetall(key("run", run, "procs")).items():
        state, _, until = value.decode().partition(" ")
        if float(until) > now:
            out[name.decode()] = state
    return out


def run_crawled(server, source_id: str, run) -> bool:
    """Seeded, its queue empty, no live process and at least one report."""
    return bool(server.exists(key("run", run, "seeder"))
                and not server.zcard(key(source_id, "requests"))
                and not live_procs(server, run)
                and server.llen(key("run", run, "stats")))


def _int(value) -> int:
    return int(value) if value else 0


class DistributedCrawl:
    """The scheduler's side of one distributed run; the interface of crawler.runner.CrawlProcess."""

    def __init__(self, source, config_path: Path, db_path: Path, *, log_file=None,
                 extra_settings: dict | None = None):
        from pipelines.store import open_db, start_run

        self.source = source
        self.db_path = Path(db_path)
        self.server = client()
        db = open_db(self.db_path)
        try:
            self.run_id = start_run(db, source.id, pid=os.getpid())
        finally:
            db.conn.close()
        self.pid = os.getpid()
        self.started = time.monotonic()
        self._forced_status: str | None = None
        self._crawled_at: float | None = None
        self._ingest_progress = (None, time.monotonic())
        self.server.hset(key("runs"), source.id, json.dumps({
            "run_id": self.run_id, "spider": source.spider_name, "announced": time.time()}))
        log.info("run %s of %s handed to the cluster", self.run_id, source.id)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _counts(self) -> tuple[int, int]:
        pushed, ingested = self.server.mget(key("run", self.run_id, "pushed"),
                                            key("run", self.run_id, "ingested"))
        return _int(pushed), _int(ingested)

    def running(self) -> bool:
        if self._forced_status:
            return False
        if self._crawled_at is None:
            if run_crawled(self.server, self.source.id, self.run_id):
                self._crawled_at = time.monotonic()
                self._release()
            elif (self.elapsed() > DISPATCH_WAIT and not self.server.exists(key("run", self.run_id, "seeder"))):
                self._forced_status = "failed"
                self._release()
                log.error("no crawler process took run %s of %s in %.0f s (is `newsmon crawler` running?)",
                          self.run_id, self.source.id, DISPATCH_WAIT)
                return False
            else:
                return True
        # crawled: wait until the ingest process stored the run's items, while it makes progress
        pushed, ingested = self._counts()
        if ingested >= pushed:
            return False
        last, since = self._ingest_progress
        if ingested != last:
            self._ingest_progress = (ingested, time.monotonic())
            return True
        if time.monotonic() - since > INGEST_WAIT:
            log.warning("run %s of %s: %d of %d items not ingested yet (is `newsmon ingest` running?)",
                        self.run_id, self.source.id, pushed - ingested, pushed)
            return False
        return True

    def _release(self) -> None:
        """Take the run off the announcement list (if it is still ours)."""
        raw = self.server.hget(key("runs"), self.source.id)
        if raw and json.loads(raw).get("run_id") == self.run_id:
            self.server.hdel(key("runs"), self.source.id)

    def stop(self, status: str, grace: float = 10.0) -> None:
        """Cancel the run: no new processes join; its pending requests are dropped."""
        self._forced_status = status
        self._release()
        self.server.delete(key(self.source.id, "requests"))

    def wait(self, timeout: float | None = None):
        while self.running():
            if timeout is not None and self.elapsed() > timeout:
                self.stop("timed_out")
                break
            time.sleep(0.2)
        return self.finish()

    def finish(self):
        from crawler.runner import CrawlResult
        from pipelines.store import finish_run, open_db

        self._release()
        reports = [json.loads(r) for r in self.server.lrange(key("run", self.run_id, "stats"), 0, -1)]
        merged = merge_reports(reports)
        db = open_db(self.db_path)
        try:
            row = db["crawl_runs"].get(self.run_id)
            status, reason = merged.pop("status"), merged.pop("finish_reason")
            if self._forced_status:
                status = reason = self._forced_status
                if self._forced_status == "failed":
                    reason = "no crawler process took the run"
            merged["errors"] += row.get("errors") or 0       # ingest errors counted there
            finish_run(db, self.run_id, status=status, finish_reason=reason, **merged)
            row = db["crawl_runs"].get(self.run_id)
        finally:
            db.conn.close()
        return CrawlResult(self.source.id, self.run_id, row["status"], row, 0 if status == "ok" else 1)


def merge_reports(reports: list[dict]) -> dict:
    """crawl_runs fields from the processes' reports (outcome counts come from ingest)."""
    out = {"pages_fetched": 0, "skipped": 0, "errors": 0}
    http_errors, summary = Counter(), Counter()
    start_ok = start_failed = 0
    reasons = []
    for r in reports:
        for k in out:
            out[k] += r.get(k) or 0
        http_errors.update(r.get("http_errors") or {})
        summary.update(r.get("error_summary") or {})
        start_ok += r.get("start_pages_ok") or 0
        start_failed += r.get("start_pages_failed") or 0
        reasons.append(r.get("reason"))
    summary.pop("start_pages_failed", None)
    if start_failed:
        summary["start_pages_failed"] = start_failed
    if not reports:
        status, reason = "failed", "no crawler process reported"
    elif start_ok == 0 and start_failed:
        status, reason = "failed", "no_start_page"
    elif any(r not in ("finished",) for r in reasons):
        bad = next(r for r in reasons if r != "finished")
        status, reason = {"shutdown": "interrupted", "closespider_timeout": "timed_out"}.get(bad, "failed"), bad
    else:
        status, reason = "ok", "finished"
    if summary.get("storage_error"):
        status = "failed"
    return out | {"http_errors": dict(http_errors), "error_summary": dict(summary),
                  "status": status, "finish_reason": reason}


# -- the crawler machines' supervisor ------------------------------------------------

class CrawlerSupervisor:
    """``newsmon crawler``: keeps up to ``processes`` crawl processes on announced runs."""

    def __init__(self, config_path: Path, processes: int = 2, *, per_run: int | None = None,
                 scratch: Path | None = None, log_file=None, poll: float = 0.5, max_restarts: int = 3):
        self.config_path = Path(config_path).resolve()
        self.processes = max(1, processes)
        self.per_run = per_run or self.processes
        self.scratch = Path(scratch or tempfile.mkdtemp(prefix="newsmon-crawler-"))
        self.log_file = log_file
        self.poll = poll
        self.max_restarts = max_restarts
        self.server = client()
        self.children: dict[subprocess.Popen, tuple[str, int]] = {}
        self.started: Counter = Counter()    # run id -> processes started here
        self.restarts: Counter = Counter()
        self.stopping = False

    def _spawn(self, source_id: str, run_id: int, spider: str) -> None:
        from crawler.runner import crawl_command, crawl_env

        # the crawl needs no database: the spider's bookkeeping goes to a scratch file
        env = crawl_env(self.config_path, self.scratch / f"scratch-{os.getpid()}.db", run_id)
        proc = subprocess.Popen(crawl_command(spider, source_id), env=env,
                                stdout=self.log_file or subprocess.DEVNULL,
                                stderr=self.log_file or None, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        self.children[proc] = (source_id, run_id)
        self.started[run_id] += 1
        log.info("crawl process %d for run %s of %s started", proc.pid, run_id, source_id)

    def _reap(self, runs: dict) -> None:
        for proc, (source_id, run_id) in list(self.children.items()):
            rc = proc.poll()
            if rc is None:
                continue
            del self.children[proc]
            active = runs.get(source_id, {}).get("run_id") == run_id
            if rc != 0 and active and self.restarts[run_id] < self.max_restarts:
                # a crashed process is replaced while its run goes on
                self.restarts[run_id] += 1
                self.started[run_id] -= 1
                log.warning("crawl process %d (run %s of %s) died with %s: replacing it",
                            proc.pid, run_id, source_id, rc)

    def step(self) -> None:
        runs = {k.decode(): json.loads(v) for k, v in self.server.hgetall(key("runs")).items()}
        self._reap(runs)
        if self.stopping:
            return
        for source_id, info in runs.items():
            run_id = info["run_id"]
            while (len(self.children) < self.processes and self.started[run_id] < self.per_run
                   and not (self.started[run_id] and run_crawled(self.server, source_id, run_id))):
                self._spawn(source_id, run_id, info.get("spider") or "news")

    def run_forever(self) -> None:
        def on_stop(signum, frame):
            self.stopping = True

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        log.info("newsmon crawler: up to %d crawl processes (pid %d); SIGTERM to stop",
                 self.processes, os.getpid())
        while not self.stopping:
            try:
                self.step()
            except Exception as e:  # noqa: BLE001 - Redis away for a moment: try again
                log.warning("supervisor step failed: %s: %s", type(e).__name__, e)
            time.sleep(self.poll)
        for proc in self.children:   # Scrapy's graceful shutdown; their runs go on elsewhere
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 30
        for proc in self.children:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.info("newsmon crawler stopped")
