"""The real scheduler (`newsmon run`, `newsmon run --once`) against the fixture site.

The daemon runs as a subprocess with second-level schedules; each crawl is a
real Scrapy process; assertions read the crawl_runs and alerts rows.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlite_utils
import tomlkit

from tests.conftest import ROOT, fast_sources_toml, newsmon_cmd, run_newsmon

pytestmark = pytest.mark.slow

MAIN = "metro-post"


def write_config(path: Path, site, keep: list[str], *, options: dict | None = None,
                 schedule: str = "every 3s", per_source: dict | None = None) -> Path:
    """The fixture site's sources.toml, only ``keep``, with test schedules and options."""
    doc = tomlkit.parse(fast_sources_toml(site.sources_toml()))
    sources = doc["sources"]
    for source_id in list(sources):
        if source_id not in keep:
            del sources[source_id]
        else:
            sources[source_id]["schedule"] = schedule
            for key, value in (per_source or {}).get(source_id, {}).items():
                sources[source_id][key] = value
    newsmon = tomlkit.table()
    for key, value in (options or {}).items():
        newsmon[key] = value
    doc["newsmon"] = newsmon
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return path


class Daemon:
    def __init__(self, config: Path, db: Path, log: Path):
        self.log = log
        self.proc = subprocess.Popen(
            newsmon_cmd() + ["run", "--config", str(config), "--db", str(db)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=open(log, "w"), text=True,
            env={k: v for k, v in os.environ.items() if k != "NEWSMON_RUN_ID"})

    def terminate(self, timeout=90) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def output(self) -> str:
        return self.log.read_text()[-4000:]


@pytest.fixture
def daemons():
    started = []

    def start(config, db, log):
        daemon = Daemon(config, db, log)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()


def wait_for(predicate, timeout=90, every=0.5, what="condition", daemon=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if daemon is not None and daemon.proc.poll() is not None:
            raise AssertionError(f"daemon exited ({daemon.proc.returncode}) waiting for {what}:\n{daemon.output()}")
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}" + (f":\n{daemon.output()}" if daemon else ""))


def query(db_path: Path, sql: str, params=()) -> list[dict]:
    if not db_path.exists():
        return []
    db = sqlite_utils.Database(db_path)
    try:
        return list(db.query(sql, params))
    except Exception:  # noqa: BLE001 - schema not created yet
        return []
    finally:
        db.conn.close()


def finished_runs(db_path, source_id=None):
    where = "AND source_id = ?" if source_id else ""
    return query(db_path, f"SELECT * FROM crawl_runs WHERE status != 'running' {where} ORDER BY id",
                 [source_id] if source_id else [])


def integrity(db_path) -> str:
    with sqlite_utils.Database(db_path).conn as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_daemon_runs_sources_on_schedule_without_overlap(site, tmp_path, daemons):
    sources = [MAIN, site.manifest()["sources"][0] if site.manifest()["sources"][0] != MAIN
               else site.manifest()["sources"][1]]
    config = write_config(tmp_path / "sources.toml", site, sources, schedule="every 2s",
                          options={"grace_period": "20s"})
    db = tmp_path / "news.db"
    daemon = daemons(config, db, tmp_path / "daemon.log")
    # both sources are due at start and crawled at once, then again on schedule
    wait_for(lambda: all(len(finished_runs(db, s)) >= 3 for s in sources), timeout=150,
             what="three runs of each source", daemon=daemon)
    assert daemon.terminate() == 0, daemon.output()
    for source_id in sources:
        runs = finished_runs(db, source_id)
        assert all(r["status"] == "ok" for r in runs), runs
        for earlier, later in zip(runs, runs[1:]):
            assert earlier["finished_at"] <= later["started_at"], "runs of one source overlapped"
    assert query(db, "SELECT count(*) AS n FROM crawl_runs WHERE status = 'running'")[0]["n"] == 0
    assert integrity(db) == "ok"


class Receiver:
    """A webhook receiver on 127.0.0.1 that keeps what it is sent."""

    def __init__(self):
        self.events: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.events.extend(json.loads(body)["events"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/SECRET-TOKEN-123"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def open_alerts(db, source_id, kind=None):
    rows = query(db, "SELECT * FROM alerts WHERE source_id = ? AND cleared_at IS NULL", [source_id])
    return [r for r in rows if kind is None or r["kind"] == kind]


def test_server_errors_raise_an_alert_that_clears_on_recovery(site, tmp_path, daemons):
    receiver = Receiver()
    try:
        config = write_config(tmp_path / "sources.toml", site, [MAIN], schedule="every 2s",
                              options={"webhook_url": receiver.url, "failure_alert_runs": 2})
        db = tmp_path / "news.db"
        site.set_mode(MAIN, "error500")
        daemon = daemons(config, db, tmp_path / "daemon.log")
        wait_for(lambda: open_alerts(db, MAIN, "failing") and open_alerts(db, MAIN, "http_errors"),
                 timeout=120, what="failing and http_errors alerts", daemon=daemon)
        assert all(r["status"] == "failed" for r in finished_runs(db, MAIN))
        site.set_mode(MAIN, "ok")
        wait_for(lambda: not open_alerts(db, MAIN), timeout=120, what="alerts cleared", daemon=daemon)
        assert daemon.terminate() == 0
        kinds = {(e["event"], e["kind"]) for e in receiver.events}
        assert {("alert", "failing"), ("alert", "http_errors"),
                ("cleared", "failing"), ("cleared", "http_errors")} <= kinds, receiver.events
        assert all(e["source_id"] == MAIN for e in receiver.events)
        # the webhook's token never reaches the log or the database
        assert "SECRET-TOKEN-123" not in daemon.log.read_text()
        assert "SECRET-TOKEN-123" not in db.read_bytes().decode("latin-1")
        assert "WARNING" in daemon.log.read_text() and "ALERT" in daemon.log.read_text()
    finally:
        receiver.close()


def test_layout_change_raises_the_layout_alert(site, tmp_path, daemons):
    # rechecks every few seconds so that known articles are fetched again
    recheck = [f"{n}s" for n in range(3, 200, 3)]
    config = write_config(tmp_path / "sources.toml", site, [MAIN], schedule="every 3s",
                          per_source={MAIN: {"recheck": recheck}})
    db = tmp_path / "news.db"
    daemon = daemons(config, db, tmp_path / "daemon.log")
    wait_for(lambda: [r for r in finished_runs(db, MAIN) if r["articles_new"]], timeout=90,
             what="a first good crawl", daemon=daemon)
    assert not open_alerts(db, MAIN)
    site.set_mode(MAIN, "broken_layout")
    alert = wait_for(lambda: open_alerts(db, MAIN, "layout"), timeout=120,
                     what="the layout alert", daemon=daemon)
    assert "no article" in alert[0]["message"]
    assert daemon.terminate() == 0


def test_hanging_source_is_timed_out(site, tmp_path):
    config = write_config(tmp_path / "sources.toml", site, [MAIN],
                          options={"crawl_timeout": "4s"})
    site.set_mode(MAIN, "hang")
    db = tmp_path / "news.db"
    started = time.monotonic()
    proc = run_newsmon("run", "--once", "--config", config, "--db", db, timeout=120)
    assert proc.returncode != 0
    assert time.monotonic() - started < 60
    runs = finished_runs(db, MAIN)
    assert [r["status"] for r in runs] == ["timed_out"], runs
    assert "timed_out" in proc.stdout


def test_sigterm_during_a_crawl_exits_cleanly(site, tmp_path, daemons):
    config = write_config(tmp_path / "sources.toml", site, [MAIN],
                          options={"grace_period": "1s", "crawl_timeout": "5m"})
    site.set_mode(MAIN, "hang")
    db = tmp_path / "news.db"
    daemon = daemons(config, db, tmp_path / "daemon.log")
    wait_for(lambda: query(db, "SELECT * FROM crawl_runs WHERE status = 'running' AND pid IS NOT NULL"),
             timeout=60, what="a running crawl", daemon=daemon)
    time.sleep(3)  # the crawl is inside its (hanging) downloads now
    started = time.monotonic()
    assert daemon.terminate(timeout=60) == 0, daemon.output()
    assert time.monotonic() - started < 40
    runs = query(db, "SELECT * FROM crawl_runs")
    assert [r["status"] for r in runs] == ["interrupted"], runs
    assert integrity(db) == "ok"


def test_once_crawls_only_what_is_due(site, tmp_path):
    config = write_config(tmp_path / "sources.toml", site, site.manifest()["sources"],
                          schedule="every 1h")
    db = tmp_path / "news.db"
    first = run_newsmon("run", "--once", "--config", config, "--db", db)
    assert first.returncode == 0, first.stderr[-3000:]
    runs = finished_runs(db)
    assert {r["source_id"] for r in runs} == set(site.manifest()["sources"])
    second = run_newsmon("run", "--once", "--config", config, "--db", db)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "no source is due" in second.stderr
    assert len(finished_runs(db)) == len(runs)
    status = run_newsmon("status", "--db", db)
    assert status.returncode == 0
    for source_id in site.manifest()["sources"]:
        assert source_id in status.stdout
    assert " ok " in status.stdout


def test_lock_keeps_a_second_scheduler_off_the_database(site, tmp_path, daemons):
    config = write_config(tmp_path / "sources.toml", site, [MAIN], schedule="every 1h")
    db = tmp_path / "news.db"
    daemon = daemons(config, db, tmp_path / "daemon.log")
    wait_for(lambda: finished_runs(db, MAIN), timeout=60, what="the first run", daemon=daemon)
    second = run_newsmon("run", "--config", config, "--db", db, timeout=60)
    assert second.returncode != 0 and "another newsmon scheduler" in second.stderr
    once = run_newsmon("run", "--once", "--config", config, "--db", db, timeout=60)
    assert once.returncode == 0 and "nothing to do" in once.stderr
    assert daemon.terminate() == 0


def test_config_edit_is_picked_up_without_restart(site, tmp_path, daemons):
    other = next(s for s in site.manifest()["sources"] if s != MAIN)
    config = write_config(tmp_path / "sources.toml", site, [MAIN], schedule="every 1h")
    db = tmp_path / "news.db"
    daemon = daemons(config, db, tmp_path / "daemon.log")
    wait_for(lambda: finished_runs(db, MAIN), timeout=60, what="the first run", daemon=daemon)
    assert not finished_runs(db, other)
    write_config(config, site, [MAIN, other], schedule="every 1h")
    wait_for(lambda: finished_runs(db, other), timeout=60, what="the added source's run", daemon=daemon)
    # SIGHUP also reloads: a broken edit is refused and the daemon keeps going
    config.write_text(config.read_text() + "\n[sources.broken]\nkind = 'nope'\n")
    daemon.proc.send_signal(signal.SIGHUP)
    time.sleep(3)
    assert daemon.proc.poll() is None
    assert daemon.terminate() == 0
    assert "config reload failed" in daemon.log.read_text()
    assert "key 'kind'" in daemon.log.read_text()
