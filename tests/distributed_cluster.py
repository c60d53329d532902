"""A real redis-server, crawler supervisors and an ingest process for the distributed-mode tests
(tests/test_distributed*.py, whose fixtures wrap these)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, fast_sources_toml, free_port, newsmon_cmd, run_newsmon

REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not installed (Debian: apt-get install redis-server); "
           "distributed-mode tests need a real Redis on 127.0.0.1")

ARTICLE_LATENCY = 0.3   # seconds per article page: the crawl lasts long enough to share and to kill
# two requests at a time per process, so both crawler processes get work from the shared queue
SLOW_SETTINGS = "{ DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, CONCURRENT_REQUESTS_PER_DOMAIN = 2 }"


@contextmanager
def redis_server(tmp_path):
    """A redis-server of its own on 127.0.0.1; its URL."""
    pytest.importorskip("scrapy_redis", reason='scrapy-redis not installed: pip install -e ".[test]"')
    import redis

    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def slowed(site):
    """The fixture site with a little latency on article pages."""
    handle = site._handle

    def slow(req, head):
        if req.path.endswith(".html"):
            time.sleep(ARTICLE_LATENCY)
        return handle(req, head)

    site._handle = slow
    return site


def config_for(site, tmp_path) -> Path:
    path = tmp_path / "sources.toml"
    text = fast_sources_toml(site.sources_toml()).replace(
        "settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, CONCURRENT_REQUESTS_PER_DOMAIN = 16 }",
        f"settings = {SLOW_SETTINGS}")
    path.write_text(text, encoding="utf-8")
    return path


class Cluster:
    """Crawler supervisors and an ingest process, as on separate machines."""

    def __init__(self, tmp_path: Path, redis_url: str, config: Path, db: Path):
        self.tmp, self.config, self.db = tmp_path, config, db
        self.env = dict(os.environ, REDIS_URL=redis_url, NEWSMON_WORKERS="1", PYTHONPATH=str(ROOT))
        self.env.pop("NEWSMON_RUN_ID", None)
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen(newsmon_cmd() + [str(a) for a in args], env=self.env, cwd=ROOT,
                                stdout=log, stderr=log, start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_all(self):
        for name in ("crawler1", "crawler2"):
            self.start(name, "crawler", "--config", self.config, "--processes", "1")
        self.start("ingest", "ingest", "--db", self.db)

    def crawl(self, timeout=240) -> subprocess.CompletedProcess:
        return run_newsmon("crawl", "--all", "--config", self.config, "--db", self.db,
                           env={"REDIS_URL": self.env["REDIS_URL"], "NEWSMON_WORKERS": "1"},
                           timeout=timeout)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.tmp.glob("*.log")))

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def instance_of(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()[0]


def articles(db_path: Path) -> Counter:
    with sqlite3.connect(db_path) as conn:
        return Counter(conn.execute("SELECT url, text_hash FROM articles").fetchall())


def db_summary(db_path: Path) -> dict:
    with sqlite3.connect(db_path) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "articles": articles(db_path),
            "versions": one("SELECT count(*) FROM article_versions"),
            "claims": one("SELECT count(*) FROM claims"),
            "pages": sorted(r[0] for r in conn.execute("SELECT url FROM pages")),
            "text": hashlib.sha1("".join(
                r[0] for r in conn.execute("SELECT text FROM articles ORDER BY url")).encode()).hexdigest(),
        }
