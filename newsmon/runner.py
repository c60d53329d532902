"""Run one crawl in its own process and report what it did.

Twisted's reactor cannot be restarted, and a crash, hang or leak should die
with its crawl, so every crawl is ``python -m scrapy crawl <spider> -a
source=<id>`` in a subprocess. The parent creates the ``crawl_runs`` row
first and passes its id down, so a crawl that is killed, timed out or never
started still leaves a truthful row.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from newsmon.health import after_run, options_of
from newsmon.store.db import open_db, write_transaction
from newsmon.store.queries import finish_run, start_run

FINAL_STATUSES = ("ok", "ok_incomplete", "failed", "timed_out", "interrupted")
OK_STATUSES = ("ok", "ok_incomplete")   # ok_incomplete: distributed, pages lost with killed processes


@dataclass
class CrawlResult:
    source_id: str
    run_id: int
    status: str
    row: dict
    returncode: int | None

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES


def pid_alive(pid: int) -> bool:
    """Is a process with this pid running (ours or another user's)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_orphan_runs(db) -> int:
    """Mark 'running' rows whose process is gone (a crawl or scheduler killed
    with -9, a machine restart) as interrupted; the number marked.

    Every crawl calls it as it starts, so a killed run does not stay
    'running' for ever. Rows hold the pid of a live process from the start:
    the crawl's own, or its parent's until the child's is known.
    """
    n = 0
    for row in list(db.query("SELECT id, pid FROM crawl_runs WHERE status = 'running'")):
        if row["pid"] and pid_alive(row["pid"]):
            continue
        finish_run(db, row["id"], status="interrupted",
                   finish_reason="its process is gone (killed, or the machine restarted)")
        n += 1
    return n


def crawl_env(config_path: Path, db_path: Path, run_id: int | None = None) -> dict:
    env = dict(os.environ)
    env["NEWSMON_CONFIG"] = str(Path(config_path).resolve())
    env["NEWSMON_DB"] = str(Path(db_path).resolve())
    env["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
    if run_id is not None:
        env["NEWSMON_RUN_ID"] = str(run_id)
    # the project root on the path, for a checkout that is not pip-installed
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def crawl_command(spider: str, source_id: str, extra_settings: dict | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"source={source_id}"]
    for key, value in (extra_settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


class CrawlProcess:
    """A crawl subprocess with its run row; poll it, stop it, finish it."""

    def __init__(self, source, config_path: Path, db_path: Path, *, log_file=None,
                 extra_settings: dict | None = None, health: bool = True, progress: bool = False):
        self.source = source
        self.config_path = Path(config_path)
        self.db_path = Path(db_path)
        self.health = health
        self._forced_status: str | None = None
        self.progress_file: Path | None = None
        if progress:   # the crawl writes its counts there every second (crawler.extensions.Progress)
            fd, name = tempfile.mkstemp(prefix="newsmon-progress-", suffix=".json")
            os.close(fd)
            self.progress_file = Path(name)
            extra_settings = {**(extra_settings or {}), "NEWSMON_PROGRESS_FILE": name}
        db = open_db(self.db_path)
        try:
            # our pid until the child's is known: the row is never 'running' without a live pid
            self.run_id = start_run(db, source.id, pid=os.getpid())
            self.started = time.monotonic()
            self.proc = subprocess.Popen(
                crawl_command(source.spider_name, source.id, extra_settings),
                env=crawl_env(config_path, db_path, self.run_id),
                stdout=log_file or subprocess.DEVNULL, stderr=log_file or None,
                stdin=subprocess.DEVNULL, start_new_session=True)
            # the pid lets a later scheduler tell a live crawl from an orphaned row
            with write_transaction(db):
                db["crawl_runs"].update(self.run_id, {"pid": self.proc.pid})
        finally:
            db.conn.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, status: str, grace: float = 10.0) -> None:
        """SIGINT (Scrapy's graceful shutdown), then SIGKILL after ``grace`` seconds."""
        self._forced_status = status
        if not self.running():
            return
        try:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass

    def wait(self, timeout: float | None = None) -> CrawlResult:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop("timed_out")
        return self.finish()

    def progress(self) -> dict | None:
        """The crawl's latest counts (summarize_stats' numbers, ``http_errors`` summed,
        ``time``), or None before the crawl first wrote them."""
        if self.progress_file is None:
            return None
        try:
            return json.loads(self.progress_file.read_text(encoding="utf-8") or "null")
        except (OSError, ValueError):
            return None

    def finish(self) -> CrawlResult:
        """Read (and where the crawl could not, complete) the run row."""
        if self.progress_file is not None:
            for path in (self.progress_file, Path(f"{self.progress_file}.tmp")):
                path.unlink(missing_ok=True)
        db = open_db(self.db_path)
        try:
            row = db["crawl_runs"].get(self.run_id)
            finished_here = True
            if self._forced_status and row["status"] in ("running", "interrupted", "failed"):
                # the crawl stopped because we stopped it: say why
                finish_run(db, self.run_id, status=self._forced_status,
                           finish_reason=row["finish_reason"] or self._forced_status)
            elif row["status"] not in FINAL_STATUSES:
                finish_run(db, self.run_id, status="failed",
                           finish_reason=f"crawl process exited with code {self.proc.returncode}")
            else:
                finished_here = False   # the crawl wrote its row and checked the health rules itself
            if finished_here and self.health:
                after_run(db, self.source.id, options_of(self.config_path), log_events=False)
            row = db["crawl_runs"].get(self.run_id)
        finally:
            db.conn.close()
        return CrawlResult(self.source.id, self.run_id, row["status"], row, self.proc.returncode)


def run_crawl(source, config_path: Path, db_path: Path, *, timeout: float | None = None,
              log_file=None, extra_settings: dict | None = None, health: bool = True) -> CrawlResult:
    return CrawlProcess(source, config_path, db_path, log_file=log_file,
                        extra_settings=extra_settings, health=health).wait(timeout)


def result_alerts(db_path: Path, result: CrawlResult) -> list[dict]:
    """The alerts the run opened or cleared (newsmon.health.run_alerts)."""
    from newsmon.health import run_alerts

    db = open_db(db_path)
    try:
        return run_alerts(db, result.run_id)
    finally:
        db.conn.close()


def format_summary(result: CrawlResult, alerts: list[dict] | None = None) -> str:
    row = result.row
    parts = [
        f"{result.source_id}: {row['status']}"
        + (f" ({row['finish_reason']})" if row.get("finish_reason") not in (None, "finished") else ""),
        f"  pages fetched {row.get('pages_fetched') or 0}, new {row.get('articles_new') or 0}, "
        f"updated {row.get('articles_updated') or 0}, unchanged {row.get('articles_unchanged') or 0}, "
        f"duplicate {row.get('duplicates') or 0}, skipped {row.get('skipped') or 0}, "
        f"dropped {row.get('dropped') or 0}, errors {row.get('errors') or 0}",
    ]
    if row.get("lost_in_flight"):
        parts.append(f"  lost in flight: {row['lost_in_flight']} pages (their crawl processes died; "
                     "the next run fetches them)")
    for label, key in (("dropped", "dropped_reasons"), ("http errors", "http_errors"),
                       ("problems", "error_summary")):
        values = json.loads(row.get(key) or "{}")
        if values:
            parts.append(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(values.items())))
    for event in alerts or ():
        if event["event"] == "alert":
            parts.append(f"  ALERT {event['kind']}: {event['message']}")
        else:
            parts.append(f"  alert cleared: {event['kind']} (recovered)")
    return "\n".join(parts)
