"""Messages that used to mislead say what is true (issue 21, item 7)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.add_source_sites import listing_site
from tests.conftest import ROOT, run_newsmon

DOWN = 'kind = "feed"\nurls = ["http://127.0.0.1:9/feed.xml"]\nsettings = { RETRY_ENABLED = false }\n'


def scrapy(*args, env=None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k != "NEWSMON_RUN_ID"}
    full.update({"SCRAPY_SETTINGS_MODULE": "crawler.settings", **(env or {})})
    return subprocess.run([sys.executable, "-m", "scrapy", *args], capture_output=True, text=True,
                          cwd=ROOT, env=full, timeout=120)


def test_a_site_that_is_down_is_not_forbidden_by_robots_txt(tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text("[sources.gone]\n" + DOWN, encoding="utf-8")
    proc = run_newsmon("crawl", "gone", "--config", config, "--db", tmp_path / "news.db")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "gone: failed (robots_unavailable)" in proc.stdout, out
    assert "Forbidden by robots.txt" not in out and "robots_disallowed" not in out, out
    assert "robots.txt of 127.0.0.1:9 unavailable" in out, out
    assert "Traceback" not in out and " ERROR" not in out, out


@pytest.mark.slow
def test_check_source_names_a_custom_spider_once(tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text('[sources.city-paper]\nkind = "spider"\nspider = "news"\n'
                      'urls = ["http://127.0.0.1:9/latest/"]\nsettings = { RETRY_ENABLED = false }\n',
                      encoding="utf-8")
    proc = run_newsmon("check-source", "city-paper", "--config", config)
    assert "checking city-paper (spider news: http://127.0.0.1:9/latest/)" in proc.stderr, proc.stderr
    assert "spider: spider" not in proc.stderr


def test_schedule_hints_are_schedules_and_under_a_minute_is_refused(tmp_path):
    config = tmp_path / "sources.toml"
    real_minimum = {"NEWSMON_MIN_SCHEDULE_SECONDS": "60"}
    for schedule, expected in (("every 30 minutes", "use e.g. 'every 30m'"),
                               ("30m", "use e.g. 'every 30m'"),
                               ("every 5s", "under 60 s")):
        config.write_text(f'[sources.x]\n{DOWN}schedule = "{schedule}"\n', encoding="utf-8")
        proc = run_newsmon("crawl", "x", "--config", config, "--db", tmp_path / "news.db", env=real_minimum)
        assert proc.returncode != 0 and expected in proc.stderr, proc.stderr
        assert "(use e.g. '30m'" not in proc.stderr
    config.write_text(f'[sources.x]\n{DOWN}schedule = "every 1m"\n', encoding="utf-8")
    proc = run_newsmon("status", "--db", tmp_path / "nothing.db", env=real_minimum)
    assert "no database" in proc.stderr


def test_add_source_does_not_announce_a_sitemap_that_is_not_there():
    with listing_site() as site:
        proc = run_newsmon("add-source", site.url("/courier/"))
    assert proc.returncode == 0, proc.stderr
    assert "no sitemap at" in proc.stderr and "HTTP 404" in proc.stderr, proc.stderr
    assert "sitemap found at a common sitemap path" not in proc.stderr


@pytest.mark.slow
def test_scrapy_crawl_without_or_with_an_unknown_source_is_one_line(tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text("[sources.gone]\n" + DOWN, encoding="utf-8")
    env = {"NEWSMON_CONFIG": str(config), "NEWSMON_DB": str(tmp_path / "news.db"), "LOG_LEVEL": "ERROR"}
    for args, expected in ((["crawl", "news"], "scrapy crawl news -a source=<id> (sources: gone)"),
                           (["crawl", "news", "-a", "source=nope"], "unknown source 'nope'")):
        proc = scrapy(*args, "-L", "ERROR", env=env)
        assert proc.returncode != 0, proc.stderr
        assert expected in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and "Task exception" not in proc.stderr, proc.stderr
        assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) == 1, proc.stderr
    assert not (tmp_path / "news.db").exists()


def test_scrapy_list_shows_crawlable_spiders_only():
    proc = scrapy("list")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["news"]


def test_skipped_distributed_tests_are_said_in_the_summary(tmp_path):
    # no redis-server on this PATH: the distributed tests skip, and the summary says so
    venv_bin = os.path.dirname(sys.executable)
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_RUN_ID"}
    env["PATH"] = venv_bin
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_distributed.py", "-k", "ingest_acknowledges"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert "1 skipped" in proc.stdout, proc.stdout[-3000:]
    assert "distributed-mode tests skipped: redis-server is not installed" in proc.stdout, proc.stdout[-3000:]
