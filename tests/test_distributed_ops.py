"""Distributed mode as an operator meets it (issue 22), against a real redis-server on 127.0.0.1.

A second, fresh or restored database beside an old Redis crawls what it
lacks; a run no crawler takes fails with no_crawlers; a killed scheduler's
run is closed and withdrawn; a killed crawl process's pages in flight are
stored in the same run, or counted as lost when no process is left; a wrong
REDIS_URL is one line.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from newsmon.cluster.runs import RunKeys, announced
from newsmon.cluster.wire import key
from tests.conftest import ROOT, fast_sources_toml, free_port, newsmon_cmd, run_newsmon
from tests.distributed_cluster import Cluster, articles, instance_of, needs_redis
from tests.generated_site import BenchSite

pytestmark = needs_redis

FEED_DOWN = '[sources.wire]\nkind = "feed"\nurls = ["http://127.0.0.1:9/feed.xml"]\n'


def wait_for(predicate, timeout: float, what: str, poll: float = 0.05, while_running=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if while_running is not None and while_running.poll() is not None:
            out, err = while_running.communicate()
            raise AssertionError(f"the crawl ended while waiting for {what}:\n{out}\n{err[-3000:]}")
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def runs(db: Path) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM crawl_runs ORDER BY id")]


# -- a wrong REDIS_URL -------------------------------------------------------------------------------
@pytest.mark.parametrize("command,url", [
    ("crawl", "refused"),
    pytest.param("ingest", "password", marks=pytest.mark.slow),
    pytest.param("run", "refused", marks=pytest.mark.slow),
    pytest.param("crawl", "not-redis", marks=pytest.mark.slow),
])
def test_a_wrong_redis_url_is_one_line_and_a_failed_exit(command, url, tmp_path):
    port = free_port()   # nothing listens there
    redis_url = {"refused": f"redis://127.0.0.1:{port}/0", "not-redis": f"http://127.0.0.1:{port}/",
                 "password": f"redis://:s3cret@127.0.0.1:{port}/0"}[url]
    config = tmp_path / "sources.toml"
    config.write_text(FEED_DOWN, encoding="utf-8")
    db = tmp_path / "news.db"
    args = {"crawl": ["crawl", "wire", "--config", config], "ingest": ["ingest"],
            "run": ["run", "--once", "--config", config]}[command]
    proc = run_newsmon(*args, "--db", db, env={"REDIS_URL": redis_url}, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("Error: "), lines
    if url == "not-redis":
        assert "is not a Redis URL" in lines[0], lines
    else:
        assert "cannot use Redis at redis://" in lines[0] and f"127.0.0.1:{port}" in lines[0], lines
    assert "s3cret" not in proc.stderr + proc.stdout
    assert not db.exists()   # nothing was started: no run row says 'running' for a crawl that never was


@pytest.mark.slow
def test_newsmon_crawler_warns_once_and_backs_off_while_redis_is_unreachable(tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text(FEED_DOWN, encoding="utf-8")
    env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    proc = subprocess.Popen(newsmon_cmd() + ["crawler", "--config", str(config), "--log-level", "DEBUG"],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(9)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert err.count("WARNING") == 1 and "cannot reach Redis at redis://127.0.0.1:" in err, err
    assert "Traceback" not in err
    delays = [int(d) for d in re.findall(r"next try in (\d+) s", err)]
    assert delays[:3] == [1, 2, 4], delays   # doubling (up to a minute), not twice a second


# -- runs nobody takes, runs whose scheduler was killed ----------------------------------------------
@pytest.mark.slow
def test_a_run_no_crawler_takes_fails_with_no_crawlers_in_bounded_time(tmp_path, redis_url, redis_client, site):
    config = tmp_path / "sources.toml"
    config.write_text(fast_sources_toml(site.sources_toml()), encoding="utf-8")
    site.clear_requests()
    started = time.monotonic()
    proc = run_newsmon("crawl", "wire", "--config", config, "--db", tmp_path / "news.db",
                       env={"REDIS_URL": redis_url, "NEWSMON_DISPATCH_WAIT": "3",
                            "NEWSMON_PROGRESS_SECONDS": "1"}, timeout=60)
    assert time.monotonic() - started < 30
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "wire: failed (no_crawlers)" in proc.stdout, proc.stdout
    # progress while it waits, and what to do
    assert "run 1 waits for a crawler to take it" in proc.stderr, proc.stderr
    assert "start one on a crawler machine" in proc.stderr and "`newsmon crawler`" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    row, = runs(tmp_path / "news.db")
    assert (row["status"], row["finish_reason"]) == ("failed", "no_crawlers")
    assert redis_client.hlen(key("runs")) == 0          # withdrawn: a crawler started later does not take it
    assert site.requests == []


@pytest.mark.slow
def test_a_killed_schedulers_run_is_closed_and_withdrawn(tmp_path, redis_url, redis_client, site):
    config = tmp_path / "sources.toml"
    config.write_text(fast_sources_toml(site.sources_toml()), encoding="utf-8")
    db = tmp_path / "news.db"
    env = dict(os.environ, REDIS_URL=redis_url, NEWSMON_DISPATCHER_TTL="2")
    env.pop("NEWSMON_RUN_ID", None)
    site.clear_requests()
    first = subprocess.Popen(newsmon_cmd() + ["crawl", "wire", "--config", str(config), "--db", str(db)],
                             env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: redis_client.hlen(key("runs")), 60, "the run's announcement")
    first.kill()
    first.wait()
    assert [r["status"] for r in runs(db)] == ["running"]
    # once the dead scheduler's heartbeat has run out (a crawler started before that may rightly take
    # the run), a crawler that starts leaves the abandoned announcement alone (and withdraws it)
    info, = announced(redis_client).values()
    heartbeat = RunKeys(info["instance"], info["run_id"]).dispatcher
    wait_for(lambda: not redis_client.exists(heartbeat) and time.time() - info["announced"] > 2, 30,
             "the dead scheduler's heartbeat to run out")
    cluster = Cluster(tmp_path, redis_url, config, db)
    cluster.env["NEWSMON_DISPATCHER_TTL"] = "2"
    try:
        cluster.start("crawler", "crawler", "--config", config, "--processes", "1")
        wait_for(lambda: not redis_client.hlen(key("runs")), 60, "the abandoned announcement withdrawn")
        time.sleep(2)
        assert site.requests == [], site.requests
        assert "withdrawn: the scheduler that announced it is gone" in cluster.logs()
    finally:
        cluster.stop()
    # the next crawl (no crawler up now) marks it interrupted, as on one machine
    proc = run_newsmon("crawl", "wire", "--config", config, "--db", db,
                       env={"REDIS_URL": redis_url, "NEWSMON_DISPATCH_WAIT": "2"}, timeout=60)
    assert "wire: failed (no_crawlers)" in proc.stdout, proc.stdout + proc.stderr
    assert [(r["status"], r["finish_reason"]) for r in runs(db)] == [
        ("interrupted", "its process is gone (killed, or the machine restarted)"), ("failed", "no_crawlers")]


# -- crawl processes killed mid-run --------------------------------------------------------------------
@pytest.fixture
def bench_site():
    """40 article pages that each take 0.6 s: a crawl process always has pages in flight."""
    site = BenchSite(40, latency=0.6)
    site.start()
    yield site
    site.stop()


def bench_config(site: BenchSite, tmp_path: Path) -> Path:
    config = tmp_path / "sources.toml"
    config.write_text(site.sources_toml("DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, "
                                        "CONCURRENT_REQUESTS_PER_DOMAIN = 2"), encoding="utf-8")
    return config


def in_flight_articles(redis_client, db: Path) -> dict[str, list[str]]:
    """crawl process (host:pid) -> the article URLs it has in flight in the current run."""
    out = {}
    try:
        pattern = key(instance_of(db), "run", "*", "inflight", "*")
    except (sqlite3.Error, TypeError):
        return out
    for name in redis_client.keys(pattern):
        urls = []
        for value in redis_client.hvals(name):
            request = pickle.loads(value.split(b"\n", 1)[1])
            if request["url"].endswith(".html"):
                urls.append(request["url"])
        if urls:
            out[name.decode().rsplit(":inflight:", 1)[1]] = urls
    return out


def at_work(redis_client, db: Path, crawl) -> tuple[str, list[str]]:
    """A crawl process of run 1 that has queued a few items and has articles in flight; its URLs."""
    def working():
        queued = {r["process"]: r["queued"] for r in reports_of(redis_client, db, 1)}
        return next(((p, urls) for p, urls in in_flight_articles(redis_client, db).items() if queued.get(p, 0) >= 3),
                    None)

    return wait_for(working, 90, "a crawl process at work", while_running=crawl)


@pytest.fixture
def bench_cluster(tmp_path, redis_url, bench_site):
    cluster = Cluster(tmp_path, redis_url, bench_config(bench_site, tmp_path), tmp_path / "news.db")
    yield cluster
    cluster.stop()


def crawl_with(cluster: Cluster, processes: int, **env) -> tuple[subprocess.Popen, subprocess.Popen]:
    """A crawler (``processes`` crawl processes) and ingest, and ``newsmon crawl bench`` started: (crawler, crawl)."""
    supervisor = cluster.start("crawler", "crawler", "--config", cluster.config, "--processes", processes)
    cluster.start("ingest", "ingest", "--db", cluster.db)
    full = dict(cluster.env, NEWSMON_PROGRESS_SECONDS="1", **env)
    crawl = subprocess.Popen(newsmon_cmd() + ["crawl", "bench", "--config", str(cluster.config), "--db",
                                              str(cluster.db)],
                             env=full, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return supervisor, crawl


def reports_of(redis_client, db: Path, run_id: int) -> list[dict]:
    import json

    try:
        return [json.loads(v) for v in redis_client.hvals(RunKeys(instance_of(db), run_id).reports)]
    except (sqlite3.Error, TypeError):   # the database is not made yet
        return []


@pytest.mark.slow
def test_a_killed_crawl_processs_pages_in_flight_are_stored_in_the_same_run(bench_cluster, redis_client, bench_site):
    cluster = bench_cluster
    _, crawl = crawl_with(cluster, processes=2)
    # two processes share the run; catch one that has fetched pages and has articles in flight: kill it
    victim, urls = at_work(redis_client, cluster.db, crawl)
    os.kill(int(victim.rsplit(":", 1)[1]), signal.SIGKILL)
    out, err = crawl.communicate(timeout=240)
    assert crawl.returncode == 0, out + err[-3000:] + cluster.logs()[-5000:]
    cluster.stop()
    row, = runs(cluster.db)
    assert (row["status"], row["lost_in_flight"]) == ("ok", 0), row
    with sqlite3.connect(cluster.db) as conn:
        stored_in = dict(conn.execute("SELECT url, run_id FROM pages").fetchall())
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 40
    # the pages it had in flight were fetched again by the run's other process, in the same run
    assert {u: stored_in.get(u) for u in urls} == {u: row["id"] for u in urls}
    assert int(redis_client.get(RunKeys(instance_of(cluster.db), row["id"]).requeued) or 0) >= len(urls)
    assert "queued again" in cluster.logs()
    # and its counts stay in the run's totals
    reports = reports_of(redis_client, cluster.db, row["id"])
    killed = [r for r in reports if r["process"] == victim]
    assert killed and not killed[0]["final"] and killed[0]["pages_fetched"] > 0, reports
    assert row["pages_fetched"] == sum(r["pages_fetched"] for r in reports)
    assert row["pages_fetched"] >= 40 + 1      # every article and the sitemap; robots.txt apart
    assert bench_site.paths["/robots.txt"] == 1


@pytest.mark.slow
def test_a_run_whose_crawl_processes_all_died_ends_ok_incomplete_with_the_pages_lost(bench_cluster, redis_client):
    import psutil

    from tests.test_datasette import get_json, serving

    cluster = bench_cluster
    supervisor, crawl = crawl_with(cluster, processes=1, NEWSMON_DISPATCH_WAIT="15")
    at_work(redis_client, cluster.db, crawl)
    # the crawler machine dies: its supervisor and its crawl process
    children = psutil.Process(supervisor.pid).children(recursive=True)
    os.killpg(supervisor.pid, signal.SIGKILL)
    for child in children:
        child.kill()
    out, err = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, out + err[-3000:]
    cluster.stop()
    row, = runs(cluster.db)
    assert (row["status"], row["finish_reason"]) == ("ok_incomplete", "processes_died"), row
    assert 0 < row["lost_in_flight"] < 40 and row["pages_fetched"] > 0, row
    assert "bench: ok_incomplete (processes_died)" in out
    assert f"lost in flight: {row['lost_in_flight']} pages" in out, out
    keys = RunKeys(instance_of(cluster.db), row["id"])
    assert redis_client.hlen(keys.procs) == 0 and not redis_client.keys(keys.inflight("*"))   # no stale entries left
    # newsmon status and Datasette say so
    status = run_newsmon("status", "--db", cluster.db)
    assert f"ok_incomplete ({row['lost_in_flight']} lost in flight)" in status.stdout, status.stdout
    with serving(cluster.db) as base:
        health, = get_json(base + "/news/source_health.json?_shape=array")
        runs_page = get_json(base + "/news/crawl_runs.json?_shape=array")
    assert health["last_status"] == "ok_incomplete" and health["last_lost_in_flight"] == row["lost_in_flight"]
    assert runs_page[0]["lost_in_flight"] == row["lost_in_flight"]


# -- a second, fresh or restored database beside an old Redis -----------------------------------------
@pytest.mark.slow
def test_second_and_restored_databases_against_the_same_redis_store_the_same_articles(tmp_path, redis_url,
                                                                                      redis_client, site):
    from newsmon.store.db import open_db

    config = tmp_path / "sources.toml"
    config.write_text(fast_sources_toml(site.sources_toml()), encoding="utf-8")
    first, second, restored = tmp_path / "first.db", tmp_path / "second.db", tmp_path / "restored.db"
    open_db(first).conn.close()
    shutil.copy(first, restored)   # a backup of the first database, taken before it crawled anything
    cluster = Cluster(tmp_path, redis_url, config, first)
    env = {"REDIS_URL": redis_url, "NEWSMON_WORKERS": "1"}

    def round_on(db: Path) -> subprocess.CompletedProcess:
        cluster.start(f"ingest-{db.stem}", "ingest", "--db", db)
        site.clear_requests()
        proc = run_newsmon("crawl", "--all", "--config", config, "--db", db, env=env, timeout=240)
        assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:] + cluster.logs()[-5000:]
        return proc

    try:
        cluster.start("crawler", "crawler", "--config", config, "--processes", "2")
        round_on(first)
        want = articles(first)
        assert len(want) >= 20
        first_runs = runs(first)
        assert [r["status"] for r in first_runs] == ["ok"] * 4
        # robots.txt once for the whole round, and not counted as a page
        assert site.requests.count("/robots.txt") == 1, site.requests
        assert sum(r["pages_fetched"] for r in first_runs) == len([p for p in site.requests if p != "/robots.txt"])
        # what ingest did not count is 0, not unknown
        assert all(r[c] is not None for r in first_runs for c in (
            "articles_new", "articles_updated", "articles_unchanged", "duplicates", "dropped", "lost_in_flight"))
        # the cluster as newsmon status shows it
        status = run_newsmon("status", "--config", config, "--db", first, env=env)
        assert status.returncode == 0, status.stderr
        assert re.search(r"crawlers alive: 1 \(\d+ of 2 crawl processes busy\)", status.stdout), status.stdout
        assert "items waiting for ingest: 0" in status.stdout and "ingest: " in status.stdout
        assert f"database instance {instance_of(first)}" in status.stdout
        assert all(source in status.stdout for source in ("wire", "metro-post", "herald", "courier"))

        # a second, fresh database: the site is crawled again, and the same articles stored
        round_on(second)
        assert articles(second) == want
        assert instance_of(second) != instance_of(first)
        assert [r["status"] for r in runs(second)] == ["ok"] * 4
        assert sum(r["articles_new"] for r in runs(second)) == sum(r["articles_new"] for r in first_runs)

        # the first database's backup, restored: it is behind what Redis saw of it, so it goes on as a
        # new database and fetches what it does not hold
        assert instance_of(restored) == instance_of(first)
        proc = round_on(restored)
        assert articles(restored) == want
        assert instance_of(restored) not in (instance_of(first), instance_of(second))
        assert "restored backup or a copy" in proc.stderr + cluster.logs()
        assert [r["status"] for r in runs(restored)] == ["ok"] * 4
    finally:
        cluster.stop()
