"""The real Datasette, started by `newsmon serve`, answers the newsroom's questions."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest

from tests.conftest import ROOT, fast_sources_toml, free_port, newsmon_cmd, run_newsmon

pytestmark = pytest.mark.slow


@contextmanager
def serving(db_path):
    port = free_port()
    env = dict(os.environ)
    # the access log goes to a file: an unread pipe fills up and stalls the server
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(newsmon_cmd() + ["serve", "--db", str(db_path), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise AssertionError(f"datasette did not start: {log.read()[-2000:]}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def datasette(crawl_session):
    with serving(crawl_session["db_edited_path"]) as base:
        yield base + "/news"


def test_serve_is_loopback_and_has_metadata(datasette):
    meta = get_json(datasette.rsplit("/", 1)[0] + "/-/metadata.json")
    assert meta["title"] == "newsmon"
    assert "claims_by_speaker" in meta["databases"]["news"]["queries"]


def test_latest_claims_and_claims_by_speaker(datasette):
    rows = get_json(datasette + "/latest_claims.json?_shape=array")
    assert rows and all(r["quote"] for r in rows)
    peskov = get_json(datasette + "/claims_by_speaker.json?_shape=array&speaker=Peskov")
    assert any("empty words" in r["quote"] for r in peskov)
    assert {r["speaker"] for r in peskov} == {"Dmitry Peskov"}


def test_claim_reporters(datasette, crawl_session):
    groups = get_json(datasette + "/widely_reported_claims.json?_shape=array")
    assert groups, "the syndicated wire story's quotes are reported by several articles"
    group = groups[0]
    reporters = get_json(datasette + f"/claim_reporters.json?_shape=array&claim_group_id={group['claim_group_id']}")
    assert len(reporters) == group["article_count"] >= 2
    assert len({r["source_id"] for r in reporters}) >= 2


def test_syndicated_stories(datasette):
    rows = get_json(datasette + "/syndicated_stories.json?_shape=array")
    assert any(r["outlets"] >= 3 for r in rows), rows


def test_edited_articles_with_diffs(datasette, crawl_session):
    rows = get_json(datasette + "/edited_articles.json?_shape=array")
    edited = {e["slug"] for e in crawl_session["manifest"]["edits"]}
    assert len(rows) == len(edited)
    assert all(r["diff"].startswith("---") and "\n+" in r["diff"] for r in rows)


def test_source_health(datasette, crawl_session):
    rows = get_json(datasette + "/source_health.json?_shape=array")
    assert {r["source_id"] for r in rows} == set(crawl_session["manifest"]["sources"])
    assert all(r["last_status"] == "ok" for r in rows)


def test_views(datasette, crawl_session):
    claims = get_json(datasette + "/claims_view.json?_shape=array&_size=max")
    assert claims and all(r["article_title"] and r["article_url"] for r in claims)
    articles = get_json(datasette + "/articles_view.json?_shape=array&_size=max")
    assert len(articles) == len(crawl_session["manifest"]["articles"])
    assert any(r["duplicate_count"] >= 2 for r in articles)
    assert any(r["version_count"] == 2 for r in articles)


def test_facets_and_full_text_search(datasette):
    data = get_json(datasette + "/articles.json?_facet=source_id")
    facet = data["facet_results"]
    facet = facet.get("results", facet)  # 0.65 vs 1.0 shapes
    assert len(facet["source_id"]["results"]) >= 4
    hits = get_json(datasette + "/articles.json?_search=%22empty+words%22&_shape=array")
    assert any("Zelenskyy Wants to Talk" in h["title"] for h in hits)
    hits = get_json(datasette + "/claims.json?_search=Peskov&_shape=array")
    assert hits


def test_no_lock_errors_while_crawling(site, tmp_path):
    """Datasette reads the database while a crawl writes it: neither side sees 'locked'."""
    config = tmp_path / "sources.toml"
    config.write_text(fast_sources_toml(site.sources_toml()), encoding="utf-8")
    db_path = tmp_path / "news.db"
    run_newsmon("crawl", "metro-post", "--config", config, "--db", db_path, check=True)
    failures, done = [], threading.Event()
    with serving(db_path) as base:
        def reader():
            while not done.is_set():
                for path in ("/news/articles.json?_size=5", "/news/latest_claims.json",
                             "/news/source_health.json"):
                    try:
                        get_json(base + path)
                    except Exception as e:  # noqa: BLE001 - every failure is the finding
                        failures.append(f"{path}: {e}")
        thread = threading.Thread(target=reader)
        thread.start()
        try:
            proc = run_newsmon("crawl", "--all", "--config", config, "--db", db_path)
        finally:
            done.set()
            thread.join()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "locked" not in proc.stderr
    assert failures == []
