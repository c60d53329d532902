"""Health rules run after every crawl, however it started (issue 21, item 3):
`newsmon crawl`, `scrapy crawl`, `newsmon run --once`, a crawl whose process
died; `status` shows the alerts; the webhook hears of each change once; a
check-source dry run raises nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_newsmon
from tests.test_scheduler import Receiver

pytestmark = pytest.mark.slow

DEAD = '[sources.dead]\nkind = "feed"\nurls = ["http://127.0.0.1:9/feed.xml"]\nsettings = { RETRY_ENABLED = false }\n'


def alerts(db) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT source_id, kind FROM alerts WHERE cleared_at IS NULL").fetchall()
    finally:
        conn.close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_three_failed_newsmon_crawls_raise_the_failing_alert(tmp_path):
    config, db = tmp_path / "sources.toml", tmp_path / "news.db"
    config.write_text(DEAD, encoding="utf-8")
    for n in range(3):
        proc = run_newsmon("crawl", "dead", "--config", config, "--db", db)
        assert proc.returncode != 0 and "dead: failed" in proc.stdout
        assert ("ALERT failing" in proc.stdout) == (n == 2), proc.stdout
    assert alerts(db) == [("dead", "failing")]
    status = run_newsmon("status", "--db", db)
    assert "1 (failing)" in status.stdout, status.stdout
    data = json.loads(run_newsmon("status", "--json", "--db", db).stdout)
    (source,) = data["sources"]
    assert source["source_id"] == "dead" and source["open_alerts"][0]["kind"] == "failing"
    assert "last 3 runs failed" in source["open_alerts"][0]["message"]


def test_scrapy_crawl_by_hand_checks_health_too(tmp_path):
    config, db = tmp_path / "sources.toml", tmp_path / "news.db"
    config.write_text(DEAD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_RUN_ID"}
    env.update(SCRAPY_SETTINGS_MODULE="crawler.settings", NEWSMON_CONFIG=str(config), NEWSMON_DB=str(db))
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=dead", "-L", "WARNING"],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
        assert "Traceback" not in proc.stderr, proc.stderr
    assert alerts(db) == [("dead", "failing")]
    assert "ALERT dead: failing" in proc.stderr     # said where it happened: nobody else reports it


def test_run_once_posts_each_change_once(tmp_path, receiver):
    config, db = tmp_path / "sources.toml", tmp_path / "news.db"
    config.write_text(DEAD + f'\n[newsmon]\nfailure_alert_runs = 1\nwebhook_url = "{receiver.url}"\n',
                      encoding="utf-8")
    proc = run_newsmon("run", "--once", "--config", config, "--db", db)
    assert proc.returncode != 0
    assert "ALERT dead: failing" in proc.stderr and "ALERT failing" in proc.stdout
    assert [(e["event"], e["kind"]) for e in receiver.events] == [("alert", "failing")]
    assert "SECRET-TOKEN-123" not in proc.stdout + proc.stderr


def test_a_crawl_process_that_dies_is_checked_by_its_parent(tmp_path, receiver):
    config, db = tmp_path / "sources.toml", tmp_path / "news.db"
    # a custom spider that does not exist: the crawl process exits before it records anything
    config.write_text('[sources.custom]\nkind = "spider"\nspider = "no_such_spider"\n'
                      'urls = ["http://127.0.0.1:9/"]\n'
                      f'\n[newsmon]\nfailure_alert_runs = 1\nwebhook_url = "{receiver.url}"\n', encoding="utf-8")
    proc = run_newsmon("crawl", "custom", "--config", config, "--db", db)
    assert proc.returncode != 0 and "crawl process exited with code" in proc.stdout, proc.stdout
    assert alerts(db) == [("custom", "failing")]
    assert [(e["event"], e["kind"]) for e in receiver.events] == [("alert", "failing")]


def test_check_source_raises_no_alert_and_posts_nothing(tmp_path, receiver):
    config = tmp_path / "sources.toml"
    config.write_text(DEAD + f'\n[newsmon]\nfailure_alert_runs = 1\nwebhook_url = "{receiver.url}"\n',
                      encoding="utf-8")
    proc = run_newsmon("check-source", "dead", "--config", config)
    assert proc.returncode != 0 and "yielded no usable article" in proc.stderr
    assert receiver.events == []
