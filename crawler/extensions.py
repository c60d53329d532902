"""RunMonitor: one ``crawl_runs`` row per crawl, written from the stats.

The row is created when the crawler is built (or taken over from the
scheduler, which creates it before starting the crawl process and passes
its id in NEWSMON_RUN_ID, so a crawl that is killed still has a row to be
marked), and completed on ``spider_closed``. Before that, runs left
'running' by a crawl that was killed (no process has their pid any more)
are marked interrupted, so a direct ``scrapy crawl`` or a cron ``newsmon
crawl`` cleans up after a kill -9 as the daemon does.

When the row is complete the source's health rules run (newsmon.health.
after_run: alerts, the webhook), however the crawl was started; a crawl
started by newsmon (its run id given) leaves reporting the alerts to its parent.
"""

from __future__ import annotations

import logging
import os

from scrapy import signals

from newsmon.config import default_db_path
from newsmon.health import after_run
from newsmon.heap import release_freed_memory
from newsmon.runner import close_orphan_runs
from newsmon.store.db import checkpoint, open_db
from newsmon.store.queries import finish_run, start_run

log = logging.getLogger(__name__)

STATUS_BY_REASON = {
    "finished": "ok",
    "shutdown": "interrupted",
    "closespider_timeout": "timed_out",
}


SCRAPY_BLOCKS = {
    "robotstxt/forbidden": "robots_disallowed",
    "urllength/request_ignored_count": "url_too_long",
    "depth/request_ignored_count": "depth_limit",
    "offsite/filtered": "offsite",
}


def summarize_stats(stats: dict) -> dict:
    """crawl_runs counters from a Scrapy stats dict."""
    def prefixed(prefix):
        return {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}

    http_errors = {code: n for code, n in prefixed("downloader/response_status_count/").items()
                   if not code.startswith(("2", "3"))}
    dropped = prefixed("newsmon/dropped/")
    errors = {
        **{f"exception/{k}": v for k, v in prefixed("downloader/exception_type_count/").items()},
        **{f"discovery/{k}": v for k, v in prefixed("newsmon/discovery_errors/").items()},
        **{f"spider/{k}": v for k, v in prefixed("spider_exceptions/").items()},
    }
    if stats.get("newsmon/start_pages_failed"):
        errors["start_pages_failed"] = stats["newsmon/start_pages_failed"]
    for key in ("storage_error", "robots_unavailable", "not_stored"):
        if stats.get(f"newsmon/{key}"):
            errors[key] = stats[f"newsmon/{key}"]
    errors.update({f"blocked/{k}": v for k, v in prefixed("newsmon/blocked/").items()})
    # Scrapy's own guards, under newsmon's names
    for scrapy_key, name in SCRAPY_BLOCKS.items():
        if stats.get(scrapy_key):
            errors[f"blocked/{name}"] = errors.get(f"blocked/{name}", 0) + stats[scrapy_key]
    for key, name in (("newsmon/skipped_page_cap", "page_cap"),
                      ("newsmon/retry_after/gave_up", "retry_after_too_long"),
                      ("memusage/limit_reached", "memory_limit")):
        if stats.get(key):
            errors[f"capped/{name}"] = stats[key]
    outcome = prefixed("newsmon/outcome/")
    return {
        "pages_fetched": stats.get("downloader/response_count", 0),
        "articles_new": outcome.get("new", 0),
        "articles_updated": outcome.get("updated", 0),
        "articles_unchanged": outcome.get("unchanged", 0),
        "duplicates": outcome.get("duplicate", 0),
        "dropped": outcome.get("dropped", 0),
        "skipped": stats.get("newsmon/skipped_known", 0) + stats.get("newsmon/skipped_page_cap", 0),
        "errors": stats.get("log_count/ERROR", 0),
        "dropped_reasons": dropped,
        "http_errors": http_errors,
        "error_summary": errors,
    }


class RunMonitor:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = default_db_path(crawler.settings.get("NEWSMON_DB"))
        self.run_id = None
        self.given = False    # the run row was made by newsmon (the CLI or the daemon), which reports
        source_id = getattr(crawler.spider, "source_id", None)
        if source_id is None:
            return
        db = open_db(self.db_path)
        try:
            orphans = close_orphan_runs(db)
            if orphans:
                log.warning("marked %d runs left 'running' by a killed crawl as interrupted", orphans)
            given = os.environ.get("NEWSMON_RUN_ID")
            if given and db["crawl_runs"].count_where("id = ? AND source_id = ?", [int(given), source_id]):
                self.run_id = int(given)
                self.given = True
            else:
                self.run_id = start_run(db, source_id, pid=os.getpid())
        finally:
            db.conn.close()
        crawler.newsmon_run_id = self.run_id
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        counts = summarize_stats(stats)
        status = STATUS_BY_REASON.get(reason, "failed")
        if status == "ok" and spider.start_pages_ok == 0 and spider.start_pages_failed:
            status = "failed"
            reason = "robots_unavailable" if stats.get("newsmon/robots_unavailable") else "no_start_page"
        if stats.get("newsmon/storage_error"):
            status = "failed"
        db = open_db(self.db_path)
        try:
            finish_run(db, self.run_id, status=status, finish_reason=reason, **counts)
            if self.crawler.settings.getbool("NEWSMON_HEALTH_CHECKS"):
                try:
                    after_run(db, spider.source_id, getattr(spider, "config", None) and spider.config.options,
                              log_events=not self.given)
                except Exception as e:  # noqa: BLE001 - a failing check must not lose the run's row
                    log.warning("health check of %s failed: %s: %s", spider.source_id, type(e).__name__, e)
            # the crawl's last write: fold the WAL into the database and truncate it
            checkpoint(db)
        finally:
            db.conn.close()
        log.info("run %s of %s: %s (%s) %s", self.run_id, spider.source_id, status, reason,
                 {k: v for k, v in counts.items() if v})


class _EverySeconds:
    """Calls ``tick`` every ``interval`` seconds while the spider runs (``now``: at once too)."""

    now = False

    def __init__(self, crawler, interval: float):
        self.interval = interval
        self.task = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def tick(self) -> None:
        raise NotImplementedError

    def spider_opened(self, spider):
        from scrapy.utils.asyncio import create_looping_call

        self.task = create_looping_call(self.tick)
        self.task.start(self.interval, now=self.now)

    def spider_closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()


class Progress(_EverySeconds):
    """The crawl's counts, written every second to NEWSMON_PROGRESS_FILE (JSON).

    The parent (`newsmon crawl`, `newsmon demo`) reads the file to show a
    progress line while the crawl runs, without reading the crawl's log or the
    database: the file is replaced whole each time (write, then rename), so a
    reader never sees half of it. Off when the setting is empty.
    """

    INTERVAL = 1.0
    now = True

    def __init__(self, crawler, path: str):
        super().__init__(crawler, self.INTERVAL)
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        path = crawler.settings.get("NEWSMON_PROGRESS_FILE")
        if not path:
            raise NotConfigured
        return cls(crawler, path)

    def tick(self) -> None:
        self.write()

    def spider_closed(self, spider, reason):
        super().spider_closed(spider, reason)
        self.write(done=True)

    def write(self, done: bool = False) -> None:
        import json
        import time

        summary = summarize_stats(self.crawler.stats.get_stats())
        counts = {k: v for k, v in summary.items() if isinstance(v, int)}
        counts["http_errors"] = sum(summary["http_errors"].values())
        counts.update(time=time.time(), done=done)
        tmp = f"{self.path}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(counts, f)
            os.replace(tmp, self.path)
        except OSError as e:   # progress is a nicety: never a failed crawl
            log.debug("progress not written: %s", e)


class HeapTrim(_EverySeconds):
    """Every NEWSMON_HEAP_TRIM_INTERVAL seconds (0: never), the heap that the crawl's
    freed responses and items leave behind is handed back to the system
    (newsmon.heap): the crawl process's RSS follows what it holds, not its busiest
    moment (30 MB less on 400 real news pages)."""

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        interval = crawler.settings.getfloat("NEWSMON_HEAP_TRIM_INTERVAL")
        if interval <= 0 or not release_freed_memory():
            raise NotConfigured
        return cls(crawler, interval)

    def tick(self) -> None:
        release_freed_memory()
