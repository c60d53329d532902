"""The scheduler's side of a distributed run: announce it, wait for the cluster and ingest, record it.

A run ends in one of these ways (``crawl_runs.status`` / ``finish_reason``):

- ok / finished: its processes crawled everything and ingest stored their items;
- failed / no_crawlers: no crawl process took it within NEWSMON_DISPATCH_WAIT
  (120 s): no ``newsmon crawler`` is up, or all are busy;
- ok_incomplete / processes_died: every process that worked on it died and
  none took up its pages within NEWSMON_DISPATCH_WAIT; ``lost_in_flight``
  counts the pages left undone (the next run fetches them);
- failed / redis_unreachable: Redis was gone for REDIS_WAIT (60 s) in the middle;
- timed_out, interrupted: stopped by the daemon's crawl_timeout, Ctrl-C.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from newsmon.cluster.instance import claim_run, current_instance, instance_id
from newsmon.cluster.runs import (
    DISPATCHER_TTL,
    RunKeys,
    announced,
    announcement_field,
    crawlers,
    live_procs,
    merge_reports,
    proc_states,
    reap_dead,
    reports,
    run_crawled,
    withdraw,
)
from newsmon.cluster.wire import client, is_redis_error, key, shown_url
from newsmon.health import after_run, options_of
from newsmon.runner import CrawlResult, close_orphan_runs
from newsmon.store.db import open_db, write_transaction
from newsmon.store.queries import finish_run, start_run

log = logging.getLogger("newsmon.distributed")


DISPATCH_WAIT = float(os.environ.get("NEWSMON_DISPATCH_WAIT", 120))   # no crawl process took the run
INGEST_WAIT = float(os.environ.get("NEWSMON_INGEST_WAIT", 60))        # ingest made no progress
REDIS_WAIT = float(os.environ.get("NEWSMON_REDIS_WAIT", 60))          # Redis gone in the middle of a run
HOUSEKEEPING = 1.0      # seconds between looks for the run's dead processes
OUTCOMES = ("articles_new", "articles_updated", "articles_unchanged", "duplicates", "dropped")


def _int(value) -> int:
    return int(value) if value else 0


def no_crawler_hint(server) -> str:
    up = crawlers(server)
    if not up:
        return "no `newsmon crawler` is up: start one on a crawler machine, with this REDIS_URL"
    return f"{len(up)} `newsmon crawler` up, all busy: start more, or raise their --processes"


class DistributedCrawl:
    """The scheduler's side of one distributed run; the interface of newsmon.runner.CrawlProcess."""

    def __init__(self, source, config_path: Path, db_path: Path, *, log_file=None,
                 extra_settings: dict | None = None):

        self.source = source
        self.config_path = config_path
        self.db_path = Path(db_path)
        self.pid = os.getpid()
        self.started = time.monotonic()
        self._forced: tuple[str, str] | None = None
        self._crawled_at: float | None = None
        self._ingest_progress = (None, time.monotonic())
        self._no_procs_since: float | None = None
        self._redis_failing_since: float | None = None
        self._housekept = self._beat = self._progress_at = 0.0
        self._progress: dict | None = None
        self.lost_in_flight = 0
        self.server = client()
        db = open_db(self.db_path)
        try:
            orphans = close_orphan_runs(db)
            if orphans:
                log.warning("marked %d runs left 'running' by a killed scheduler as interrupted", orphans)
            self.run_id = start_run(db, source.id, pid=os.getpid())
            self.instance = instance_id(db)
            self.keys = RunKeys(self.instance, self.run_id)
            try:
                # a restored backup or a copy goes on under a new instance id first (newsmon.cluster.instance)
                self.instance = claim_run(db, self.server, current_instance(db, self.server), self.run_id)
                self.keys = RunKeys(self.instance, self.run_id)
                self._withdraw_stale(db)
                self._heartbeat(force=True)
                self.server.hset(key("runs"), announcement_field(self.instance, source.id), json.dumps({
                    "instance": self.instance, "source": source.id, "run_id": self.run_id,
                    "spider": source.spider_name, "announced": time.time()}))
                self.server.publish(key("wake"), source.id)   # supervisors start its processes at once
                log.info("run %s of %s handed to the cluster", self.run_id, source.id)
            except Exception as e:
                if not is_redis_error(e):
                    raise
                self._fail_redis(e)
        finally:
            db.conn.close()

    # -- Redis trouble -------------------------------------------------------------------------
    def _fail_redis(self, e: Exception) -> None:
        self._forced = ("failed", "redis_unreachable")
        log.error("run of %s failed: cannot use Redis at %s (REDIS_URL): %s", self.source.id, shown_url(), e)

    def _withdraw_stale(self, db) -> None:
        """Announcements of this database whose run is over (its scheduler was killed) are withdrawn."""
        for info in announced(self.server).values():
            if info.get("instance") != self.instance:
                continue
            row = db.execute("SELECT status FROM crawl_runs WHERE id = ?", [info["run_id"]]).fetchone()
            if row is None or row[0] != "running":
                if withdraw(self.server, self.instance, info["source"], info["run_id"]):
                    self.server.delete(RunKeys(self.instance, info["run_id"]).requests)
                    log.warning("withdrew the announcement of run %s of %s (%s)", info["run_id"], info["source"],
                                row[0] if row else "not in this database")

    def _heartbeat(self, force: bool = False) -> None:
        """Crawlers ignore an announcement whose scheduler side stopped refreshing this key."""
        if force or time.monotonic() - self._beat > DISPATCHER_TTL / 6:
            self.server.set(self.keys.dispatcher, self.pid, ex=max(1, round(DISPATCHER_TTL)))
            self._beat = time.monotonic()

    # -- the run -------------------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def running(self) -> bool:
        if self._forced:
            return False
        try:
            going = self._step()
        except Exception as e:
            if not is_redis_error(e):
                raise
            now = time.monotonic()
            if self._redis_failing_since is None:
                self._redis_failing_since = now
                log.warning("run %s of %s: cannot reach Redis at %s (%s); trying again for %.0f s",
                            self.run_id, self.source.id, shown_url(), e, REDIS_WAIT)
            elif now - self._redis_failing_since > REDIS_WAIT:
                self._fail_redis(e)
                return False
            return True
        if self._redis_failing_since is not None:
            log.info("run %s of %s: Redis is back", self.run_id, self.source.id)
            self._redis_failing_since = None
        return going

    def _step(self) -> bool:
        server, keys = self.server, self.keys
        if self._crawled_at is None:
            self._heartbeat()
            if not server.exists(keys.seeder):
                if self.elapsed() > DISPATCH_WAIT:
                    self._forced = ("failed", "no_crawlers")
                    self._release()
                    log.error("no crawl process took run %s of %s in %.0f s (%s)", self.run_id, self.source.id,
                              DISPATCH_WAIT, no_crawler_hint(server))
                    return False
                return True
            now = time.monotonic()
            if now - self._housekept >= HOUSEKEEPING:
                self._housekept = now
                reap_dead(server, keys)
            if run_crawled(server, keys):
                self._crawled_at = now
                self._release()
            elif live_procs(server, keys):
                self._no_procs_since = None
                return True
            else:
                # work is left (pages of dead processes, back in the queue) and no process is on it
                self._no_procs_since = self._no_procs_since or now
                if now - self._no_procs_since <= DISPATCH_WAIT:
                    return True
                self.lost_in_flight = server.zcard(keys.requests)
                self._crawled_at = now
                self._release()
                log.error("run %s of %s: its crawl processes died and none took up its %d remaining pages "
                          "in %.0f s (%s); the next run fetches them", self.run_id, self.source.id,
                          self.lost_in_flight, DISPATCH_WAIT, no_crawler_hint(server))
        # crawled: wait until the ingest process stored the run's items, while it makes progress
        pushed, ingested = (_int(v) for v in server.mget(keys.pushed, keys.ingested))
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
        """Take the run off the announcement list (if it is still ours) and drop what is left of its queue."""
        withdraw(self.server, self.instance, self.source.id, self.run_id)
        names = set(proc_states(self.server, self.keys))
        self.server.delete(self.keys.requests, self.keys.dispatcher, *(self.keys.inflight(n) for n in names))

    def stop(self, status: str, grace: float = 10.0) -> None:
        """Cancel the run: no new processes join; its pending requests are dropped."""
        self._forced = (status, status)
        try:
            self._release()
        except Exception as e:
            if not is_redis_error(e):
                raise

    def progress(self) -> dict | None:
        """What `newsmon crawl` shows while it waits: a note until a crawler takes the run,
        then the counts (the processes' from Redis, the stored outcomes from the row)."""
        if time.monotonic() - self._progress_at < 1.0:
            return self._progress
        self._progress_at = time.monotonic()
        try:
            if self._forced:
                return self._progress
            if self._redis_failing_since is not None:
                self._progress = {"note": f"cannot reach Redis at {shown_url()}; trying again"}
            elif self._crawled_at is None and not self.server.exists(self.keys.seeder):
                hint = "" if crawlers(self.server) else f"; {no_crawler_hint(self.server)}"
                self._progress = {"note": f"run {self.run_id} waits for a crawler to take it "
                                          f"({self.elapsed():.0f} s of {DISPATCH_WAIT:.0f} s{hint})"}
            else:
                merged = merge_reports(reports(self.server, self.keys))
                counts = {k: v for k, v in merged.items() if isinstance(v, int)}
                counts["http_errors"] = sum(merged["http_errors"].values())
                db = open_db(self.db_path, migrate=False)
                try:
                    row = db["crawl_runs"].get(self.run_id)
                finally:
                    db.conn.close()
                counts.update({k: row.get(k) or 0 for k in OUTCOMES})
                counts["errors"] += row.get("errors") or 0
                self._progress = counts
        except Exception as e:  # noqa: BLE001 - progress is a nicety: never a failed run
            log.debug("no progress: %s", e)
        return self._progress

    def wait(self, timeout: float | None = None):
        while self.running():
            if timeout is not None and self.elapsed() > timeout:
                self.stop("timed_out")
                break
            time.sleep(0.2)
        return self.finish()

    def finish(self):
        got = []
        if self._forced != ("failed", "redis_unreachable"):
            try:
                self._release()
                got = reports(self.server, self.keys)
            except Exception as e:
                if not is_redis_error(e):
                    raise
                log.error("run %s of %s: cannot read its counts from Redis at %s: %s", self.run_id,
                          self.source.id, shown_url(), e)
        merged = merge_reports(got)
        db = open_db(self.db_path)
        try:
            row = db["crawl_runs"].get(self.run_id)
            status, reason = merged.pop("status"), merged.pop("finish_reason")
            if self._forced:
                status, reason = self._forced
            elif self.lost_in_flight:
                status, reason = ("ok_incomplete" if status == "ok" else status), "processes_died"
            merged["errors"] += row.get("errors") or 0       # ingest errors counted there
            finish_run(db, self.run_id, status=status, finish_reason=reason, lost_in_flight=self.lost_in_flight,
                       **merged)
            with write_transaction(db):   # what ingest did not count is 0, not unknown
                db.execute(f"UPDATE crawl_runs SET {', '.join(f'{c} = coalesce({c}, 0)' for c in OUTCOMES)} "
                           "WHERE id = ?", [self.run_id])
            after_run(db, self.source.id, options_of(self.config_path), log_events=False)   # health rules
            row = db["crawl_runs"].get(self.run_id)
        finally:
            db.conn.close()
        result = CrawlResult(self.source.id, self.run_id, row["status"], row, 0)
        result.returncode = 0 if result.ok else 1
        return result
