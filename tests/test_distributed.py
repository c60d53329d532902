"""Distributed mode against a real redis-server on 127.0.0.1 (skipped where it is not installed).

Two crawler machines (two ``newsmon crawler`` supervisors), one ``newsmon
ingest`` and the scheduler (``newsmon crawl --all`` with REDIS_URL) against
the fixture news site, compared with a single-machine crawl of the same site.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from newsmon.cluster.runs import RunKeys
from tests.conftest import ROOT, newsmon_cmd, run_newsmon
from tests.distributed_cluster import Cluster, config_for, db_summary, instance_of, needs_redis, slowed

pytestmark = needs_redis


@pytest.fixture
def slow_site(site):
    return slowed(site)


@pytest.fixture
def cluster(tmp_path, redis_url, slow_site):
    config = config_for(slow_site, tmp_path)
    c = Cluster(tmp_path, redis_url, config, tmp_path / "news.db")
    yield c
    c.stop()


def dropped_reasons(db_path: Path) -> dict:
    with sqlite3.connect(db_path) as conn:
        return {source: json.loads(reasons or "{}") for source, reasons in conn.execute(
            "SELECT source_id, dropped_reasons FROM crawl_runs ORDER BY id")}


def fetches(requests) -> Counter:
    return Counter(p for p in requests if p != "/robots.txt")   # robots.txt: asserted apart


@pytest.fixture
def reference(slow_site, tmp_path):
    """A clean single-machine crawl (no Redis) of the same site: the database to match."""
    ref = tmp_path / "ref"
    ref.mkdir()
    config = config_for(slow_site, ref)
    slow_site.clear_requests()
    result = run_newsmon("crawl", "--all", "--config", config, "--db", ref / "news.db",
                         env={"NEWSMON_WORKERS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    requests = slow_site.requests
    slow_site.clear_requests()
    return {"db": ref / "news.db", "requests": requests}


@pytest.mark.slow
def test_two_crawlers_one_ingest_match_a_single_machine_crawl(cluster, reference, slow_site, redis_url):
    import redis

    cluster.start_all()
    result = cluster.crawl()
    assert result.returncode == 0, result.stdout + result.stderr[-3000:] + cluster.logs()[-5000:]
    assert "ScrapyDeprecationWarning" not in cluster.logs()
    # every article stored exactly once, the same as on one machine
    got, want = db_summary(cluster.db), db_summary(reference["db"])
    assert got["articles"] == want["articles"]
    assert all(n == 1 for n in got["articles"].values())
    assert got == want
    # no URL fetched twice across the two crawler processes (nor more often than on one machine)
    dist, single = fetches(slow_site.requests), fetches(reference["requests"])
    assert dist == single, (dist - single, single - dist)
    article_paths = [p for p in dist if p.endswith(".html")]
    assert article_paths and all(dist[p] == 1 or dist[p] == single[p] for p in article_paths)
    # robots.txt: once for all the processes and runs, as one machine fetches it once (its cache)
    assert slow_site.requests.count("/robots.txt") == reference["requests"].count("/robots.txt") == 1
    # both crawler processes did some of the work of one run
    server = redis.Redis.from_url(redis_url)
    shared = []
    for run_id in range(1, 5):
        reports = [json.loads(r) for r in server.hvals(RunKeys(instance_of(cluster.db), run_id).reports)]
        shared.append(sum(1 for r in reports if r["pages_fetched"]))
    assert max(shared) == 2, shared
    # crawl_runs rows are complete: crawler stats and ingest outcomes
    with sqlite3.connect(cluster.db) as conn:
        rows = conn.execute("SELECT status, pages_fetched, articles_new FROM crawl_runs").fetchall()
    assert len(rows) == 4 and all(r[0] == "ok" and r[1] > 0 for r in rows)
    # ... and say why pages were dropped, as a single-machine run does
    assert dropped_reasons(cluster.db) == dropped_reasons(reference["db"])
    assert any(dropped_reasons(cluster.db).values())
    assert sum(r[2] or 0 for r in rows) == sum(1 for _ in got["articles"]) - sum(
        1 for r in sqlite3.connect(cluster.db).execute("SELECT 1 FROM articles WHERE duplicate_of IS NOT NULL"))

    # a second round: the known URLs published by the ingest process keep stored articles
    # from being fetched again (the crawlers have no database)
    slow_site.clear_requests()
    result = cluster.crawl()
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = slow_site.manifest()
    article_paths = {a["url"].split("127.0.0.1", 1)[1].split("/", 1)[1] for a in manifest["articles"]}
    refetched = [p for p in slow_site.requests if p.lstrip("/") in article_paths]
    assert refetched == []
    assert db_summary(cluster.db)["articles"] == want["articles"]


@pytest.mark.slow
def test_kill_9_of_a_crawler_and_of_ingest_loses_nothing_and_stores_nothing_twice(
        cluster, reference, slow_site, redis_url):
    import psutil

    cluster.start_all()
    dispatcher = subprocess.Popen(
        newsmon_cmd() + ["crawl", "--all", "--config", str(cluster.config), "--db", str(cluster.db)],
        env=dict(cluster.env), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stored() -> int:
        try:
            with sqlite3.connect(cluster.db, timeout=30) as conn:
                return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        except sqlite3.Error:
            return 0

    deadline = time.monotonic() + 60
    while stored() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stored() >= 3, cluster.logs()[-5000:]
    # kill -9 a crawl process mid-run (its supervisor replaces it) ...
    crawlers = [p for p in psutil.Process(cluster.procs["crawler1"].pid).children(recursive=True)
                if "crawl" in " ".join(p.cmdline())] + \
               [p for p in psutil.Process(cluster.procs["crawler2"].pid).children(recursive=True)
                if "crawl" in " ".join(p.cmdline())]
    assert crawlers, "no crawl process running"
    os.kill(crawlers[0].pid, signal.SIGKILL)
    # ... and the ingest process, then restart it
    time.sleep(0.3)
    os.killpg(cluster.procs["ingest"].pid, signal.SIGKILL)
    cluster.procs["ingest"].wait()
    time.sleep(0.5)
    cluster.start("ingest", "ingest", "--db", cluster.db)
    out, _ = dispatcher.communicate(timeout=240)
    assert dispatcher.returncode == 0, out + cluster.logs()[-5000:]
    # the pages the killed process had in flight were fetched again in the same runs
    got, want = db_summary(cluster.db), db_summary(reference["db"])
    assert got["articles"] == want["articles"], (got["articles"] - want["articles"],
                                                 want["articles"] - got["articles"], out)
    assert got == want
    with sqlite3.connect(cluster.db) as conn:
        assert conn.execute("SELECT count(*) FROM crawl_runs WHERE status != 'ok' OR lost_in_flight").fetchone() == (0,)
    # and a second round finds nothing missing
    result = cluster.crawl()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ScrapyDeprecationWarning" not in cluster.logs()
    assert db_summary(cluster.db) == want
    with sqlite3.connect(cluster.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        acks = conn.execute("SELECT count(*), count(DISTINCT id) FROM ingest_acks").fetchone()
    assert acks[0] == acks[1]


def test_ingest_acknowledges_after_commit_and_skips_what_it_already_stored(tmp_path, redis_url):
    """The reliable queue on its own: a crash between commit and acknowledgement."""
    import redis

    from newsmon.cluster.ingest import Ingester
    from newsmon.cluster.wire import encode_item, key, url_key
    from newsmon.store.db import open_db
    from tests.test_ingest import STORY, rec

    db_path = tmp_path / "news.db"
    db = open_db(db_path)
    db["sources"].insert({"id": "herald", "name": "herald", "kind": "feed"})
    db.conn.close()
    instance = instance_of(db_path)
    server = redis.Redis.from_url(redis_url)
    item = encode_item({"id": "item-1", "run_id": None, "rec": rec("http://127.0.0.1/a", STORY)})
    server.lpush(key(instance, "items"), item)

    ingester = Ingester(db_path, server)
    raws = ingester.take(1)
    assert raws == [item] and server.llen(key(instance, "items", "processing")) == 1
    assert ingester.store(raws)["new"] == 1
    assert server.llen(key(instance, "items", "processing")) == 0
    assert json.loads(server.get(url_key(instance, "herald", "http://127.0.0.1/a")))["first_seen_at"]
    ingester.close()

    # the same item again, as after a crash before LREM: skipped, nothing stored twice
    server.lpush(key(instance, "items", "processing"), item)
    ingester = Ingester(db_path, server)
    assert ingester.recover() == 1
    outcome = ingester.store(ingester.take(1))
    assert outcome["skipped_acknowledged"] == 1 and not outcome["new"]
    # and a second fetch of the page (a new item id) is 'unchanged', not a second row
    server.lpush(key(instance, "items"), encode_item({"id": "item-2", "run_id": None,
                                            "rec": rec("http://127.0.0.1/a", STORY)}))
    assert ingester.store(ingester.take(1))["unchanged"] == 1
    db = open_db(db_path)
    assert db["articles"].count == 1 and db["article_versions"].count == 1
    ingester.close()
    # one ingest per database: a second one for the same database (a copy elsewhere) is refused
    # while the first lives; another database's ingest has its own items and goes on beside it
    from newsmon.cluster.ingest import IngestLocked, QueueOwner

    first = QueueOwner(server, db_path, instance)
    first.acquire()
    with pytest.raises(IngestLocked):
        QueueOwner(server, tmp_path / "copy.db", instance).acquire(wait=0)
    other = QueueOwner(server, tmp_path / "other.db", "0ther1nstance")
    other.acquire(wait=0)
    other.release()
    first.release()


def test_single_machine_mode_imports_no_redis():
    # (datasketch itself imports the redis client when it is installed; newsmon's code does not)
    code = ("import sys, newsmon.cli, scheduler, crawler.settings, pipelines.extract, pipelines.store; "
            "assert 'scrapy_redis' not in sys.modules and 'crawler.distributed' not in sys.modules; "
            "assert not hasattr(crawler.settings, 'SCHEDULER'); "
            "assert 'pipelines.store.StorePipeline' in crawler.settings.ITEM_PIPELINES")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_crawlers_wait_while_ingest_is_behind_and_lose_nothing(tmp_path, redis_url, slow_site, reference):
    """Backpressure: with no ingest running, a crawler fills the item list up to
    NEWSMON_QUEUE_MAX_ITEMS and waits there; once ingest starts, the run completes
    with the same database as a single-machine crawl."""
    import redis

    config = config_for(slow_site, tmp_path)
    cluster = Cluster(tmp_path, redis_url, config, tmp_path / "news.db")
    cluster.env["NEWSMON_QUEUE_MAX_ITEMS"] = "3"
    try:
        cluster.start("crawler1", "crawler", "--config", config, "--processes", "1")
        env = dict(os.environ, REDIS_URL=redis_url, NEWSMON_WORKERS="1")
        env.pop("NEWSMON_RUN_ID", None)
        crawl = subprocess.Popen(newsmon_cmd() + ["crawl", "--all", "--config", str(config), "--db", str(cluster.db)],
                                 env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        server = redis.Redis.from_url(redis_url)
        peak, deadline = 0, time.monotonic() + 10
        while time.monotonic() < deadline and crawl.poll() is None:
            peak = max(peak, sum(server.llen(k) for k in server.keys("newsmon:*:items")))
            time.sleep(0.02)
        assert peak == 3, peak          # filled, and not past the bound
        assert "ingest is behind" in cluster.logs()
        cluster.start("ingest", "ingest", "--db", cluster.db)
        out, err = crawl.communicate(timeout=240)
        assert crawl.returncode == 0, out + err[-3000:] + cluster.logs()[-5000:]
    finally:
        cluster.stop()
    assert db_summary(cluster.db) == db_summary(reference["db"])
