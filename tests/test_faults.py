"""Issue #7: faults. kill -9 at random moments, a reader beside the writer,
a full disk and a read-only database: nothing lost, nothing corrupt, and a
failure is a failed run with a clear reason."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time

import pytest
import sqlite_utils

from tests.conftest import ROOT, newsmon_cmd
from tests.generated_site import BenchSite
from tests.hostile_site import HostileSite
from tests.kill_soak import healthy, soak
from tests.test_hostile import crawl


@pytest.fixture(scope="module")
def hostile():
    site = HostileSite(["robots-404"]).start()
    yield site
    site.stop()


# 9 ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing(tmp_path):
    summary = soak(trials=20, pages=1200, min_delay=0.5, max_delay=4.0, seed=7, tmp=tmp_path,
                   echo=lambda *a: None)
    bad = [r for r in summary["results"] if not r["healthy"]]
    assert not bad, bad
    assert summary["final_returncode"] == 0, (tmp_path / "crawl.log").read_text()[-4000:]
    assert healthy(summary["final_check"]), summary["final_check"]
    assert summary["missing"] == [], summary["missing"][:10]
    assert summary["articles"] >= summary["pages"] * 0.9
    # at least some kills landed mid-crawl, with work done before them
    assert any(0 < r["pages_done"] < summary["pages"] for r in summary["results"]), summary["results"]
    # the killed crawls' runs are not left 'running': the final crawl marked them
    assert "running" not in summary["run_statuses"], summary["run_statuses"]
    assert summary["run_statuses"].get("interrupted", 0) >= 1, summary["run_statuses"]


@pytest.mark.slow
def test_a_crawl_marks_runs_whose_process_is_gone_as_interrupted(hostile, tmp_path):
    from newsmon.store.db import open_db
    from newsmon.store.queries import start_run

    assert crawl(hostile, tmp_path, "robots-404").proc.returncode == 0
    gone = subprocess.Popen(["true"])
    gone.wait()   # a pid with no process: a crawl killed with -9
    db = open_db(tmp_path / "news.db")
    killed = start_run(db, "robots-404", pid=gone.pid)
    alive = start_run(db, "robots-404", pid=os.getpid())   # a crawl still going (this process)
    db.conn.close()
    result = crawl(hostile, tmp_path, "robots-404")
    assert result.proc.returncode == 0, result.output()[-3000:]
    runs = {r["id"]: r for r in result.db["crawl_runs"].rows}
    assert runs[killed]["status"] == "interrupted", runs[killed]
    assert "process is gone" in runs[killed]["finish_reason"]
    assert runs[killed]["finished_at"]
    assert runs[alive]["status"] == "running", runs[alive]
    assert [r["status"] for i, r in runs.items() if i not in (killed, alive)] == ["ok", "ok"], runs
    assert "marked 1 runs left 'running' by a killed crawl as interrupted" in result.output()


# 10 --------------------------------------------------------------------------------

@pytest.mark.slow
def test_reader_while_crawler_writes_and_wal_stays_bounded(tmp_path):
    site = BenchSite(150)
    site.start()
    try:
        config, db_path = tmp_path / "sources.toml", tmp_path / "news.db"
        config.write_text(site.sources_toml().replace("settings = {", "settings = { NEWSMON_STORE_BATCH = 5, "))
        proc = subprocess.Popen(newsmon_cmd() + ["crawl", "bench", "--config", str(config), "--db", str(db_path)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        errors, reads = [], [0]
        stop = threading.Event()
        started = time.monotonic()

        def reader():
            # like Datasette: short read-only queries, a fresh connection now and then;
            # errors count from the first successful read (before it, the CLI is still
            # creating the file and its schema: there is nothing to read yet)
            while not stop.is_set():
                try:
                    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
                    for _ in range(20):
                        conn.execute("SELECT count(*) FROM articles").fetchone()
                        conn.execute("SELECT title FROM articles_fts WHERE articles_fts MATCH 'council' LIMIT 5").fetchall()
                        conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchall()
                        reads[0] += 1
                        time.sleep(0.005)   # a busy reader, not a spinning one (it shares the GIL with the site)
                    conn.close()
                except sqlite3.Error as e:
                    if reads[0]:
                        errors.append(f"{time.monotonic() - started:.1f}s: {type(e).__name__}: {e}")
                    time.sleep(0.05)

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            out, err = proc.communicate(timeout=240)
        finally:
            stop.set()
            thread.join()
    finally:
        site.stop()
    assert proc.returncode == 0, err[-4000:]
    assert errors == [], errors[:5]
    assert reads[0] > 50
    assert "database is locked" not in out + err
    db = sqlite_utils.Database(db_path)
    assert db["articles"].count >= 140
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size < 1024 * 1024, wal.stat().st_size
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# 11 --------------------------------------------------------------------------------

@pytest.mark.parametrize("fault, setting, message", [
    ("disk_full", {"NEWSMON_DB_MAX_PAGES": 1}, "disk is full"),
    ("read_only", {"NEWSMON_DB_READONLY": True}, "readonly database"),
])
@pytest.mark.slow
def test_storage_failure_is_a_failed_run_not_silent_loss(hostile, tmp_path, fault, setting, message):
    result = crawl(hostile, tmp_path, "robots-404", settings=setting)
    out = result.output()
    assert result.proc.returncode != 0, out[-3000:]
    row = result.row("robots-404")
    assert (row["status"], row["finish_reason"]) == ("failed", "storage_error"), row
    problems = json.loads(row["error_summary"])
    assert message in problems["storage_error"], problems
    assert "storage failed, stopping the crawl" in out and message in out
    assert "robots-404: failed (storage_error)" in result.proc.stdout
    # every item that reached the store is either stored or counted as not stored
    stored = result.db["articles"].count
    assert problems.get("not_stored", 0) >= 1
    assert stored + problems["not_stored"] >= 3, (stored, problems)
