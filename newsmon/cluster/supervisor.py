"""``newsmon crawler``: keeps crawl processes on the runs the scheduler announces."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from newsmon.cluster.crawl import run_crawled
from newsmon.cluster.wire import client, key
from newsmon.runner import crawl_command, crawl_env

log = logging.getLogger("newsmon.distributed")


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
