"""The scheduler's side of a distributed run: announce it, wait for the cluster and ingest, record it."""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from pathlib import Path

from newsmon.cluster.wire import client, key
from newsmon.health import after_run, options_of
from newsmon.runner import CrawlResult
from newsmon.store.db import open_db
from newsmon.store.queries import finish_run, start_run

log = logging.getLogger("newsmon.distributed")


DISPATCH_WAIT = float(os.environ.get("NEWSMON_DISPATCH_WAIT", 300))   # no crawler took the run
INGEST_WAIT = float(os.environ.get("NEWSMON_INGEST_WAIT", 60))        # ingest made no progress


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
    """The scheduler's side of one distributed run; the interface of newsmon.runner.CrawlProcess."""

    def __init__(self, source, config_path: Path, db_path: Path, *, log_file=None,
                 extra_settings: dict | None = None):

        self.source = source
        self.config_path = config_path
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
            after_run(db, self.source.id, options_of(self.config_path), log_events=False)   # health rules
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
