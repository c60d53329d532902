"""What the crawling commands print (issue 21, item 2): by default a progress
line every few seconds and the summary; Scrapy's settings and stats dumps only
with -v; nothing at all with -q unless something fails; the logs in a file with
--log-file; a daemon that is quiet while idle."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.conftest import ROOT, fast_sources_toml, newsmon_cmd, run_newsmon

pytestmark = pytest.mark.slow

SOURCE = "metro-post"
FAST_PROGRESS = {"NEWSMON_PROGRESS_SECONDS": "0.2"}


def only(config_text: str, keep: str) -> str:
    import tomlkit

    doc = tomlkit.parse(config_text)
    for source_id in list(doc["sources"]):
        if source_id != keep:
            del doc["sources"][source_id]
    return tomlkit.dumps(doc)


@pytest.fixture
def config(site, tmp_path):
    site.latency = 0.2     # the crawl lasts a few seconds: long enough for progress lines
    path = tmp_path / "sources.toml"
    path.write_text(only(fast_sources_toml(site.sources_toml()), SOURCE), encoding="utf-8")
    return path


def test_default_progress_lines_and_summary_no_scrapy_dumps(config, tmp_path):
    proc = run_newsmon("crawl", SOURCE, "--config", config, "--db", tmp_path / "news.db", env=FAST_PROGRESS)
    assert proc.returncode == 0, proc.stderr[-3000:]
    progress = [ln for ln in proc.stderr.splitlines() if ln.startswith(f"  {SOURCE}: ") and "pages/s" in ln]
    assert progress, proc.stderr
    assert all(" fetched, " in ln and " stored, " in ln and " dropped, " in ln and " errors, " in ln
               for ln in progress)
    assert f"{SOURCE}: ok" in proc.stdout and "pages fetched" in proc.stdout
    for noise in ("Overridden settings", "Dumping Scrapy stats", "Enabled downloader middlewares", " INFO"):
        assert noise not in proc.stderr, proc.stderr


def test_verbose_shows_scrapy_settings_and_stats(config, tmp_path):
    proc = run_newsmon("crawl", SOURCE, "-v", "--config", config, "--db", tmp_path / "news.db")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Overridden settings" in proc.stderr and "Dumping Scrapy stats" in proc.stderr


def test_quiet_prints_nothing_when_all_is_well(config, tmp_path):
    proc = run_newsmon("crawl", SOURCE, "-q", "--config", config, "--db", tmp_path / "news.db")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


def test_log_file_gets_the_logs_and_the_terminal_the_summary(config, tmp_path):
    log = tmp_path / "crawl.log"
    proc = run_newsmon("crawl", SOURCE, "--log-file", log, "--config", config, "--db", tmp_path / "news.db")
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = log.read_text()
    assert "Spider closed (finished)" in text and "Dumping Scrapy stats" in text
    assert "Spider closed" not in proc.stderr and f"{SOURCE}: ok" in proc.stdout
    debug = tmp_path / "debug.log"
    proc = run_newsmon("crawl", SOURCE, "--log-level", "debug", "--log-file", debug,
                       "--config", config, "--db", tmp_path / "news.db")
    assert proc.returncode == 0 and "DEBUG" in debug.read_text()


def test_quiet_and_verbose_together_is_a_usage_error(config, tmp_path):
    proc = run_newsmon("crawl", SOURCE, "-q", "-v", "--config", config, "--db", tmp_path / "news.db")
    assert proc.returncode == 2 and "choose one" in proc.stderr


def test_run_once_quiet_is_cron_safe(site, config, tmp_path):
    db = tmp_path / "news.db"
    first = run_newsmon("run", "--once", "--quiet", "--config", config, "--db", db)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "" and first.stderr == ""          # crawled, all well: nothing for cron to mail
    again = run_newsmon("run", "--once", "--quiet", "--config", config, "--db", db)
    assert again.returncode == 0 and again.stdout == "" and again.stderr == ""   # nothing due
    verbose = run_newsmon("run", "--once", "--config", config, "--db", db)
    assert "no source is due" in verbose.stderr
    # something fails: cron hears of it
    broken = tmp_path / "broken.toml"
    broken.write_text('[sources.gone]\nkind = "feed"\nurls = ["http://127.0.0.1:9/feed.xml"]\n'
                      'settings = { RETRY_ENABLED = false }\n', encoding="utf-8")
    failed = run_newsmon("run", "--once", "--quiet", "--config", broken, "--db", tmp_path / "other.db")
    assert failed.returncode != 0
    assert "gone: failed" in failed.stdout and "some sources failed" in failed.stderr


def test_the_daemon_says_nothing_while_idle(config, tmp_path):
    log = tmp_path / "daemon.log"
    db = tmp_path / "news.db"
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_RUN_ID"}
    with open(log, "w") as out:
        daemon = subprocess.Popen(newsmon_cmd() + ["run", "--config", str(config), "--db", str(db)],
                                  cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 180
        while f"crawl of {SOURCE}: ok" not in log.read_text():
            assert daemon.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        time.sleep(1)
        settled = log.read_text()
        time.sleep(8)     # four turns of the config watcher, no source due (every 30m)
        assert log.read_text() == settled, log.read_text()[len(settled):]
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
    text = log.read_text()
    assert "Running job" not in text and "executed successfully" not in text, text
    assert f"crawl of {SOURCE} starting" in text and "scheduler stopped" in text
