"""The daemon behind `newsmon run` (and `newsmon run --once`, for cron).

APScheduler 3 (BackgroundScheduler) with one job per enabled source, built
from its ``schedule``; each job runs one crawl in its own subprocess
(newsmon.runner), bounded in time. The crawl checks the source's health
itself when it ends (newsmon.health.after_run, which also posts alert changes
to the optional webhook); the daemon logs what changed.

- ``max_instances=1`` per source and coalesced misfires: a slow crawl is never
  overlapped by the next one of the same source, and missed runs collapse
  into one.
- A thread pool of ``max_concurrent_crawls`` (default 2) bounds crawls at once.
- On start, every source that is due (never crawled, or overdue by its
  schedule and its last run in the DB) is crawled right away.
- SIGTERM / SIGINT: no new crawls; running ones get ``grace_period`` to finish,
  then are stopped (SIGINT, then SIGKILL) and recorded as interrupted. The
  signal handlers only set a flag that the main thread polls: a handler that
  took a lock (the scheduler's, an Event's) could deadlock the thread it
  interrupted.
- SIGHUP, or a change of the config file's mtime: the config is reloaded and
  jobs are added, removed or rescheduled; a broken edit is logged and the old
  config kept.
- A lock file beside the database keeps two daemons off one database.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor as JobThreadPool
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from newsmon.config import Config, ConfigError, Source, load_config, parse_interval, parse_schedule
from newsmon.health import DEFAULT_FAILURE_RUNS, post_webhook, run_alerts  # noqa: F401 - post_webhook: its old home
from newsmon.runner import CrawlProcess, CrawlResult, close_orphan_runs
from newsmon.store.db import open_db
from newsmon.store.queries import upsert_sources
from newsmon.times import parse_time

log = logging.getLogger("newsmon.scheduler")

DEFAULTS = {
    "max_concurrent_crawls": 2,
    "crawl_timeout": "1h",
    "grace_period": "30s",
    "failure_alert_runs": DEFAULT_FAILURE_RUNS,
}
POLL_SECONDS = 0.5
CONFIG_WATCH_SECONDS = 2


class DaemonLocked(RuntimeError):
    """Another scheduler holds the database's lock."""


class DatabaseLock:
    """An exclusive, non-blocking flock on ``<db>.lock``; released on exit or death."""

    def __init__(self, db_path: Path):
        self.path = Path(str(db_path) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise DaemonLocked(
                f"another newsmon scheduler (pid {holder}) is running on this database "
                f"(lock {self.path})") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _seconds(value, default: str) -> float:
    value = default if value is None else value
    return float(value) if isinstance(value, (int, float)) else float(parse_interval(str(value)))


def option_seconds(config: Config, key: str) -> float:
    return _seconds(config.options.get(key), DEFAULTS[key])


def trigger_for(source: Source, jitter: float | None = None):
    """The APScheduler trigger of a source's ``schedule`` (UTC), with jitter.

    Default jitter: a tenth of the interval, at most a minute, so many
    sources on one schedule do not hit the network in the same second.
    """
    kind, value = parse_schedule(source.schedule)
    if kind == "interval":
        jitter = min(value / 10, 60) if jitter is None else jitter
        return IntervalTrigger(seconds=value, jitter=jitter or None, timezone=UTC)
    return CronTrigger.from_crontab(value, timezone=UTC)


def next_due(source: Source, last_started: datetime | None) -> datetime | None:
    """When the source is next due by its schedule after ``last_started`` (None: now)."""
    if last_started is None:
        return None
    kind, value = parse_schedule(source.schedule)
    if kind == "interval":
        return last_started + timedelta(seconds=value)
    return CronTrigger.from_crontab(value, timezone=UTC).get_next_fire_time(None, last_started)


def last_started(db, source_id: str) -> datetime | None:
    """Start of the source's last run that got somewhere (not interrupted before it began)."""
    row = db.execute(
        "SELECT max(started_at) FROM crawl_runs WHERE source_id = ? AND status != 'running'",
        [source_id]).fetchone()
    return parse_time(row[0]) if row else None


def first_run_times(db, sources, now: datetime | None = None) -> dict[str, datetime | None]:
    """source id -> when to crawl it next; None means now (never crawled, or overdue)."""
    now = now or datetime.now(UTC)
    out = {}
    for source in sources:
        at = next_due(source, last_started(db, source.id))
        out[source.id] = None if at is None or at <= now else at
    return out


def due_sources(db, config: Config, now: datetime | None = None) -> list[Source]:
    """Enabled sources never crawled or overdue by their schedule."""
    sources = config.enabled_sources()
    first = first_run_times(db, sources, now)
    return [s for s in sources if first[s.id] is None]


class Daemon:
    """Runs crawls of the configured sources on their schedules."""

    def __init__(self, config_path: Path, db_path: Path, *, log_file=None):
        self.config_path = Path(config_path)
        self.db_path = Path(db_path)
        self.log_file = log_file
        self.config = load_config(self.config_path)
        self.stopping = threading.Event()
        self._stop_signal: int | None = None
        self.active: dict[str, CrawlProcess] = {}
        self._active_lock = threading.Lock()
        self._config_mtime = self._mtime()
        self._reload_requested = False
        self.scheduler: BackgroundScheduler | None = None
        self.results: list[CrawlResult] = []

    # -- one crawl -------------------------------------------------------------
    def crawl(self, source_id: str) -> CrawlResult | None:
        """Crawl one source now (blocking), bounded by crawl_timeout; then check health."""
        source = self.config.sources.get(source_id)
        if source is None or not source.enabled:
            return None
        timeout = option_seconds(self.config, "crawl_timeout")
        crawl_cls = CrawlProcess
        if os.environ.get("REDIS_URL"):  # distributed mode: the cluster crawls it (README "Scale out")
            from newsmon.cluster.crawl import DistributedCrawl as crawl_cls
        # checked and registered under the lock: stop_active never misses a crawl that starts
        with self._active_lock:
            if self.stopping.is_set():
                return None
            log.info("crawl of %s starting", source_id)
            process = crawl_cls(source, self.config_path, self.db_path, log_file=self.log_file)
            self.active[source_id] = process
        try:
            while process.running():
                if process.elapsed() > timeout:
                    log.warning("crawl of %s timed out after %.0f s: stopping it", source_id, timeout)
                    process.stop("timed_out")
                    break
                time.sleep(POLL_SECONDS)
            result = process.finish()
        finally:
            with self._active_lock:
                self.active.pop(source_id, None)
        self.results.append(result)
        row = result.row
        log.info("crawl of %s: %s (%s) in %.1f s: %s new, %s updated, %s pages", source_id,
                 result.status, row.get("finish_reason"), row.get("duration_s") or 0,
                 row.get("articles_new"), row.get("articles_updated"), row.get("pages_fetched"))
        self._log_alerts(result)
        return result

    def _log_alerts(self, result: CrawlResult) -> None:
        """The alerts the run opened or cleared (the crawl checked the health rules when it ended)."""
        db = open_db(self.db_path)
        try:
            events = run_alerts(db, result.run_id)
        finally:
            db.conn.close()
        for event in events:
            if event["event"] == "alert":
                log.warning("ALERT %s: %s: %s", result.source_id, event["kind"], event["message"])
            else:
                log.info("cleared %s: %s (recovered)", result.source_id, event["kind"])

    def stop_active(self, grace: float) -> None:
        """Let running crawls finish for ``grace`` seconds, then stop them as interrupted."""
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with self._active_lock:
                if not self.active:
                    return
            time.sleep(POLL_SECONDS)
        with self._active_lock:
            remaining = list(self.active.values())
        for process in remaining:
            log.warning("stopping crawl of %s (run %s): shutting down", process.source.id, process.run_id)
            process.stop("interrupted")

    # -- --once ---------------------------------------------------------------
    def run_once(self) -> bool:
        """Crawl every due source (up to max_concurrent_crawls at once); True if all ok."""
        db = open_db(self.db_path)
        try:
            upsert_sources(db, self.config.sources.values())
            close_orphan_runs(db)
            due = due_sources(db, self.config)
        finally:
            db.conn.close()
        if not due:
            log.info("no source is due")
            return True
        log.info("due: %s", ", ".join(s.id for s in due))
        workers = int(self.config.options.get("max_concurrent_crawls", DEFAULTS["max_concurrent_crawls"]))
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            results = list(pool.map(self.crawl, [s.id for s in due]))
        return all(r is not None and r.ok for r in results)

    # -- daemon ---------------------------------------------------------------
    def _add_job(self, source: Source, first_run: datetime | None) -> None:
        self.scheduler.add_job(
            self.crawl, trigger_for(source, self._jitter()), args=[source.id], id=source.id,
            name=f"crawl {source.id}", max_instances=1, coalesce=True,
            misfire_grace_time=None, replace_existing=True,
            next_run_time=first_run or datetime.now(UTC))

    def _jitter(self) -> float | None:
        value = self.config.options.get("jitter")
        return None if value is None else _seconds(value, "0s")

    def _first_runs(self, sources) -> dict[str, datetime | None]:
        db = open_db(self.db_path)
        try:
            return first_run_times(db, sources)
        finally:
            db.conn.close()

    def _schedule_all(self) -> None:
        sources = self.config.enabled_sources()
        first = self._first_runs(sources)
        for source in sources:
            self._add_job(source, first[source.id])
        due = [s for s, at in first.items() if at is None]
        log.info("scheduled %d sources; due now: %s", len(sources), ", ".join(due) or "none")

    def _mtime(self) -> float | None:
        try:
            return self.config_path.stat().st_mtime
        except OSError:
            return None

    def _watch_config(self) -> None:
        mtime = self._mtime()
        if self._reload_requested or (mtime is not None and mtime != self._config_mtime):
            self._reload_requested = False
            self._config_mtime = mtime
            self.reload()

    def reload(self) -> None:
        """Re-read the config; add, remove and reschedule jobs to match it."""
        try:
            new = load_config(self.config_path)
        except ConfigError as e:
            log.error("config reload failed, keeping the running config: %s", e)
            return
        old = self.config
        self.config = new
        db = open_db(self.db_path)
        try:
            upsert_sources(db, new.sources.values())
        finally:
            db.conn.close()
        old_enabled = {s.id: s for s in old.enabled_sources()}
        new_enabled = {s.id: s for s in new.enabled_sources()}
        for source_id in old_enabled.keys() - new_enabled.keys():
            self.scheduler.remove_job(source_id)
            log.info("config: %s removed or disabled", source_id)
        changed = [s for sid, s in new_enabled.items()
                   if sid not in old_enabled or old_enabled[sid].schedule != s.schedule]
        first = self._first_runs(changed)
        for source in changed:
            self._add_job(source, first[source.id])
            log.info("config: %s %s (%s)", source.id,
                     "rescheduled" if source.id in old_enabled else "added", source.schedule)

    def _on_stop_signal(self, signum, frame) -> None:
        self._stop_signal = signum

    def _on_hup(self, signum, frame) -> None:
        self._reload_requested = True  # _watch_config acts on it within CONFIG_WATCH_SECONDS

    def run_forever(self) -> None:
        """The daemon: blocks until SIGTERM/SIGINT, then shuts down cleanly."""
        db = open_db(self.db_path)
        try:
            upsert_sources(db, self.config.sources.values())
            orphans = close_orphan_runs(db)
        finally:
            db.conn.close()
        if orphans:
            log.warning("marked %d runs left 'running' by a previous scheduler as interrupted", orphans)
        workers = int(self.config.options.get("max_concurrent_crawls", DEFAULTS["max_concurrent_crawls"]))
        self.scheduler = BackgroundScheduler(
            executors={"default": JobThreadPool(max(1, workers))}, timezone=UTC)
        self._schedule_all()
        self.scheduler.add_job(self._watch_config, IntervalTrigger(seconds=CONFIG_WATCH_SECONDS),
                               id="__config_watch__", max_instances=1, coalesce=True,
                               executor="watch")
        self.scheduler.add_executor(JobThreadPool(1), "watch")
        signal.signal(signal.SIGTERM, self._on_stop_signal)
        signal.signal(signal.SIGINT, self._on_stop_signal)
        signal.signal(signal.SIGHUP, self._on_hup)
        log.info("newsmon scheduler running (pid %d, %d crawls at once); SIGTERM to stop",
                 os.getpid(), workers)
        self.scheduler.start()
        while self._stop_signal is None:
            time.sleep(POLL_SECONDS)
        log.info("%s received: no new crawls; running ones get the grace period",
                 signal.Signals(self._stop_signal).name)
        self.stopping.set()
        self.scheduler.shutdown(wait=False)
        self.stop_active(option_seconds(self.config, "grace_period"))
        # wait for the job threads to record their runs
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with self._active_lock:
                if not self.active:
                    break
            time.sleep(POLL_SECONDS)
        log.info("newsmon scheduler stopped")
