"""``newsmon crawler``: keeps crawl processes on the runs the scheduler announces."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from newsmon.cluster.runs import (
    CRAWLER_TTL,
    RunKeys,
    abandoned,
    announced,
    requeue_dead,
    run_crawled,
    withdraw,
)
from newsmon.cluster.wire import client, is_redis_error, key, shown_url
from newsmon.runner import crawl_command, crawl_env

log = logging.getLogger("newsmon.distributed")

MAX_BACKOFF = 60.0     # seconds between tries while Redis cannot be reached


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
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        self.children: dict[subprocess.Popen, tuple[str, str, int]] = {}   # -> (instance, source, run)
        self.started: Counter = Counter()    # (instance, run id) -> processes started here
        self.restarts: Counter = Counter()
        self.stopping = False
        self._registered = 0.0
        self._shown_running = 0
        self._wake = None        # pubsub on newsmon:wake

    def _spawn(self, instance: str, source_id: str, run_id: int, spider: str) -> None:

        # the crawl needs no database: the spider's bookkeeping goes to a scratch file
        env = crawl_env(self.config_path, self.scratch / f"scratch-{os.getpid()}.db", run_id)
        env["NEWSMON_INSTANCE"] = instance
        proc = subprocess.Popen(crawl_command(spider, source_id), env=env,
                                stdout=self.log_file or subprocess.DEVNULL,
                                stderr=self.log_file or None, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        self.children[proc] = (instance, source_id, run_id)
        self.started[(instance, run_id)] += 1
        log.info("crawl process %d for run %s of %s started", proc.pid, run_id, source_id)

    def _reap(self, runs: dict) -> None:
        for proc, (instance, source_id, run_id) in list(self.children.items()):
            rc = proc.poll()
            if rc is None:
                continue
            del self.children[proc]
            # its pages in flight go back to the run's queue at once (a process that
            # closed normally has none)
            requeued = requeue_dead(self.server, RunKeys(instance, run_id), f"{socket.gethostname()}:{proc.pid}")
            info = runs.get(f"{instance}:{source_id}", {})
            active = info.get("run_id") == run_id
            if rc != 0 and active and self.restarts[(instance, run_id)] < self.max_restarts:
                # a crashed process is replaced while its run goes on
                self.restarts[(instance, run_id)] += 1
                self.started[(instance, run_id)] -= 1
                log.warning("crawl process %d (run %s of %s) died with %s: replacing it%s", proc.pid, run_id,
                            source_id, rc, f"; its {requeued} pages in flight are queued again" if requeued else "")
            elif requeued:
                log.warning("crawl process %d (run %s of %s) died with %s; its %d pages in flight are queued "
                            "again", proc.pid, run_id, source_id, rc, requeued)

    def _register(self) -> None:
        """Say this supervisor is alive (newsmon status, the scheduler's no_crawlers hint); clean up after
        supervisors that died without saying goodbye."""
        if time.monotonic() - self._registered < CRAWLER_TTL / 4 and len(self.children) == self._shown_running:
            return
        self._registered, self._shown_running = time.monotonic(), len(self.children)
        now = time.time()
        pipe = self.server.pipeline()
        pipe.hset(key("crawlers"), self.me, json.dumps({
            "processes": self.processes, "running": len(self.children), "until": now + CRAWLER_TTL}))
        for name, value in self.server.hgetall(key("crawlers")).items():
            if json.loads(value).get("until", 0) < now - CRAWLER_TTL:
                pipe.hdel(key("crawlers"), name)
        pipe.execute()

    def step(self) -> None:
        runs = announced(self.server)
        self._reap(runs)
        if self.stopping:
            return
        self._register()
        for info in runs.values():
            instance, run_id = info.get("instance"), info["run_id"]
            if instance is None:
                continue
            if abandoned(self.server, info):
                # its scheduler side is gone (killed, machine down): nobody waits for this run
                if withdraw(self.server, instance, info["source"], run_id):
                    log.warning("run %s of %s withdrawn: the scheduler that announced it is gone", run_id,
                                info["source"])
                continue
            keys = RunKeys(instance, run_id)
            run = (instance, run_id)
            while (len(self.children) < self.processes and self.started[run] < self.per_run
                   and not (self.started[run] and run_crawled(self.server, keys))):
                self._spawn(instance, info["source"], run_id, info.get("spider") or "news")

    def _pause(self, seconds: float, listen: bool) -> None:
        """Wait ``seconds``, or less when a run is announced (the scheduler publishes on
        ``newsmon:wake``): a new run's processes start at once, not at the next poll."""
        deadline = time.monotonic() + seconds
        if listen:
            try:
                if self._wake is None:
                    self._wake = self.server.pubsub(ignore_subscribe_messages=True)
                    self._wake.subscribe(key("wake"))
                while not self.stopping and time.monotonic() < deadline:
                    if self._wake.get_message(timeout=max(0.0, min(0.5, deadline - time.monotonic()))):
                        return
                return
            except Exception as e:  # noqa: BLE001 - Redis away: the next step says so
                log.debug("not listening for new runs: %s", e)
                self._wake = None
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    def run_forever(self) -> None:
        def on_stop(signum, frame):
            self.stopping = True

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        log.info("newsmon crawler: up to %d crawl processes (pid %d); SIGTERM to stop",
                 self.processes, os.getpid())
        delay, failing = self.poll, None
        while not self.stopping:
            try:
                self.step()
                if failing:
                    log.warning("Redis at %s answers again: crawling", shown_url())
                delay, failing = self.poll, None
            except Exception as e:  # noqa: BLE001 - Redis away for a while: try again, less and less often
                what = f"{type(e).__name__}: {e}"
                if failing is None:
                    if is_redis_error(e):
                        log.warning("cannot reach Redis at %s (%s); trying again, up to every %.0f s",
                                    shown_url(), e, MAX_BACKOFF)
                    else:
                        log.warning("supervisor step failed: %s; trying again, up to every %.0f s", what, MAX_BACKOFF)
                failing = what
                delay = min(MAX_BACKOFF, max(1.0, delay * 2))
                log.debug("still failing (%s); next try in %.0f s", what, delay)
            self._pause(delay, listen=failing is None)
        for proc in self.children:   # Scrapy's graceful shutdown; their runs go on elsewhere
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 30
        for proc in self.children:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        try:
            self.server.hdel(key("crawlers"), self.me)
        except Exception as e:  # noqa: BLE001 - Redis gone: the entry expires
            log.debug("could not unregister: %s", e)
        log.info("newsmon crawler stopped")
