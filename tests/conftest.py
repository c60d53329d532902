"""Shared fixtures: the offline fixture news site on 127.0.0.1 and the real CLI."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the scheduler's tests run sources every few seconds; real configs may not go under a minute
# (tests/test_cli_messages.py checks the refusal with the real minimum)
os.environ.setdefault("NEWSMON_MIN_SCHEDULE_SECONDS", "1")
SEEDS = ROOT / "tests" / "data" / "seeds"
# settings that make a loopback crawl fast; politeness defaults are for real sites
FAST_SETTINGS = "{ DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, CONCURRENT_REQUESTS_PER_DOMAIN = 16 }"


def fast_sources_toml(toml_text: str, extra: str = "") -> str:
    """The site's sources with fast per-source settings (and optional extra TOML)."""
    text = re.sub(r"^settings\s*=.*$", "", toml_text, flags=re.M)
    text = re.sub(r"^(\[sources\.[^\]]+\])$", rf"\1\nsettings = {FAST_SETTINGS}", text, flags=re.M)
    return text + ("\n" + extra if extra else "")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def newsmon_cmd() -> list[str]:
    script = Path(sys.executable).parent / "newsmon"
    return [str(script)] if script.exists() else [sys.executable, "-m", "newsmon"]


def run_newsmon(*args, env=None, timeout=300, check=False) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **(env or {}))
    full_env.pop("NEWSMON_RUN_ID", None)
    proc = subprocess.run(newsmon_cmd() + [str(a) for a in args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=ROOT)
    # crawls run in subprocesses, out of pytest's filterwarnings reach: check their output
    assert "ScrapyDeprecationWarning" not in proc.stderr, proc.stderr[-5000:]
    if check and proc.returncode != 0:
        raise AssertionError(f"newsmon {' '.join(map(str, args))} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr[-5000:]}")
    return proc


@pytest.fixture
def site():
    from newsmon.demo.site import FixtureSite

    site = FixtureSite()
    site.start()
    yield site
    site.stop()


@pytest.fixture
def site_config(site, tmp_path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(fast_sources_toml(site.sources_toml()), encoding="utf-8")
    return path


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "news.db"


def snapshot_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a WAL database (sqlite backup API)."""
    import sqlite3

    with sqlite3.connect(src) as source, sqlite3.connect(dst) as target:
        source.backup(target)
    return dst


@pytest.fixture(scope="session")
def crawl_session(tmp_path_factory):
    """The fixture site crawled through the real CLI, three times:

    1. phase 1, everything new;   2. phase 1 again, nothing should be refetched;
    3. phase 2 (two articles edited, their feed/sitemap dates bumped).
    ``db`` is a snapshot after crawl 2, ``db_edited`` the database after crawl 3.
    """
    from newsmon.demo.site import FixtureSite

    tmp = tmp_path_factory.mktemp("crawl")
    site = FixtureSite()
    site.start()
    config = tmp / "sources.toml"
    config.write_text(fast_sources_toml(site.sources_toml()), encoding="utf-8")
    db_path = tmp / "news.db"
    result = {"site": site, "manifest": site.manifest(), "config": config}
    for step in ("first", "second", "third"):
        if step == "third":
            snapshot_db(db_path, tmp / "phase1.db")
            site.set_phase(2)
        site.clear_requests()
        result[step] = run_newsmon("crawl", "--all", "--config", config, "--db", db_path)
        result[f"{step}_requests"] = site.requests
    result["db_path"] = tmp / "phase1.db"
    result["db_edited_path"] = db_path
    yield result
    site.stop()


def pytest_terminal_summary(terminalreporter):
    """Say it when distributed mode went untested: its tests skip without redis-server."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "redis-server" in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} distributed-mode tests skipped: redis-server is not installed "
            "(Debian: apt-get install redis-server); distributed mode is untested here", yellow=True)


@pytest.fixture
def redis_url(tmp_path):
    """The URL of a redis-server of the test's own on 127.0.0.1 (tests/distributed_cluster.py)."""
    from tests.distributed_cluster import redis_server

    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture
def redis_client(redis_url):
    import redis

    return redis.Redis.from_url(redis_url)
