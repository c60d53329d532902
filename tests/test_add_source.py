"""Issue #9: from a site's address to a working config in one command.

`newsmon add-source`, `newsmon check-source` and `scrapy genspider -t news`,
run through the real CLI against small sites on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tomllib
import uuid

import pytest
import sqlite_utils

from newsmon.config import parse_config
from newsmon.sources.dryrun import article_problems
from newsmon.sources.entry import slug_id
from newsmon.sources.urls import infer_patterns, looks_like_article_url
from tests.add_source_sites import NotNewsSite, feed_site, listing_site, sitemap_site
from tests.conftest import FAST_SETTINGS, ROOT, run_newsmon

FAST = f"settings = {FAST_SETTINGS}\n"


def add_fast_settings(config_path, source_id):
    """Loopback crawls need no politeness delay: add settings to the written table."""
    text = config_path.read_text(encoding="utf-8")
    text = text.replace(f"[sources.{source_id}]\n", f"[sources.{source_id}]\n{FAST}", 1)
    config_path.write_text(text, encoding="utf-8")


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text("# my sources\n# (a comment that must survive)\n\n"
                    "[newsmon]\nmax_concurrent_crawls = 1   # keep it gentle\n", encoding="utf-8")
    return path


# -- pure parts --------------------------------------------------------------------


def test_url_shapes():
    assert looks_like_article_url("https://x.example/news/2026/11/17/storm-closes-harbour-road.html")
    assert looks_like_article_url("https://x.example/world/europe-politics-67812345")
    assert looks_like_article_url("https://x.example/courier/news/farmers-market-moves-indoors")
    assert looks_like_article_url("https://x.example/a/1234567")
    for url in ("https://x.example/", "https://x.example/news/", "https://x.example/about",
                "https://x.example/tag/flooding-and-storms", "https://x.example/static/css/main-site-style.css",
                "https://x.example/authors/jane-doe-smith", "https://x.example/news/page-2"):
        assert not looks_like_article_url(url), url


def test_infer_patterns_keeps_the_section_and_generalises_the_rest():
    urls = [f"https://x.example/metro/news/2026/{m:02d}/{slug}.html" for m, slug in
            [(11, "ferry-fares-rise-again"), (10, "harbour-road-bus-lanes"), (11, "central-library-reopens")]]
    [(pattern, members)] = infer_patterns(urls + ["https://x.example/about"])
    assert sorted(members) == sorted(urls)
    assert pattern.startswith("/metro/news/")
    assert all(re.search(pattern, u) for u in urls)
    assert re.search(pattern, "https://x.example/metro/news/2027/01/new-year-storm-warning.html")
    assert not re.search(pattern, "https://x.example/metro/news/")
    assert not re.search(pattern, "https://x.example/metro/about")


def test_slug_id():
    assert slug_id("www.example.co.uk") == "example-co-uk"
    assert slug_id("127.0.0.1") == "127-0-0-1"


def test_article_problems():
    good = {"title": "T", "published_at": "2026-11-17", "word_count": 400,
            "text": "A sentence that is long enough to be prose.\n\nAnother one follows here."}
    assert article_problems(good) == []
    bad = {"title": "T", "published_at": None, "word_count": 12,
           "text": "Share on Facebook\n\nOne sentence of prose here.\n\nSubscribe to our newsletter"}
    problems = " | ".join(article_problems(bad))
    assert "no publication date" in problems
    assert "very short text (12 words)" in problems
    assert "junk lines suspected" in problems and "Share on Facebook" in problems


# -- add-source ----------------------------------------------------------------------


def _entry(config_path, source_id):
    return tomllib.loads(config_path.read_text(encoding="utf-8"))["sources"][source_id]


def _crawl_and_count(config, source_id, db_path):
    add_fast_settings(config, source_id)
    proc = run_newsmon("crawl", source_id, "--config", config, "--db", db_path, check=True)
    assert f"{source_id}: ok" in proc.stdout
    db = sqlite_utils.Database(db_path)
    return {r["url"] for r in db.query("SELECT url FROM articles WHERE source_id = ?", [source_id])}


@pytest.mark.slow
def test_add_source_finds_the_feed_link_writes_and_crawls(config, tmp_path):
    with feed_site() as site:
        proc = run_newsmon("add-source", site.url("/"), "--config", config)
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout
        assert "[sources.127-0-0-1]" in out and 'kind = "feed"' in out
        assert site.url("/metro/rss.xml") in out
        assert "# chosen: feed" in out and "linked from the page" in out
        assert "my sources" not in out and "[sources" not in config.read_text()   # not written

        proc = run_newsmon("add-source", site.url("/"), "--name", "metro", "--write", "--config", config)
        assert proc.returncode == 0, proc.stderr
        text = config.read_text(encoding="utf-8")
        assert text.startswith("# my sources\n# (a comment that must survive)\n")
        assert "max_concurrent_crawls = 1   # keep it gentle" in text
        assert "# chosen: feed" in text
        entry = _entry(config, "metro")
        assert entry["kind"] == "feed" and entry["urls"] == [site.url("/metro/rss.xml")]
        assert entry["name"] == "The Metro Post"
        parse_config(text, config)   # valid

        stored = _crawl_and_count(config, "metro", tmp_path / "news.db")
        assert len(stored & site.manifest_urls()) >= 5


@pytest.mark.slow
def test_add_source_uses_the_sitemap_from_robots_txt(config, tmp_path):
    with sitemap_site() as site:
        proc = run_newsmon("add-source", site.url("/"), "--name", "herald", "--write", "--config", config)
        assert proc.returncode == 0, proc.stderr
        assert "robots.txt" in proc.stdout and "news sitemap" in proc.stdout
        entry = _entry(config, "herald")
        assert entry["kind"] == "sitemap"
        assert entry["urls"] == [site.url("/herald/sitemap_index.xml")]
        stored = _crawl_and_count(config, "herald", tmp_path / "news.db")
        assert len(stored & site.manifest_urls()) >= 8


@pytest.mark.slow
def test_add_source_falls_back_to_article_link_patterns(config, tmp_path):
    with listing_site() as site:
        proc = run_newsmon("add-source", site.url("/"), "--name", "courier", "--write", "--config", config)
        assert proc.returncode == 0, proc.stderr
        assert "# chosen: listing" in proc.stdout
        entry = _entry(config, "courier")
        assert entry["kind"] == "listing" and entry["urls"] == [site.url("/")]
        patterns = entry["article_patterns"]
        articles = site.manifest_urls()
        assert all(any(re.search(p, u) for p in patterns) for u in articles)
        assert not any(re.search(p, site.url("/courier/tag/flooding")) for p in patterns)
        stored = _crawl_and_count(config, "courier", tmp_path / "news.db")
        assert stored >= articles - {site.url("/courier/news/farmers-market-moves-indoors")} or len(stored) >= 6


@pytest.mark.slow
def test_add_source_on_sections_of_one_host():
    """The combined fixture site: each section address finds its own way in."""
    from newsmon.demo.site import FixtureSite

    with FixtureSite() as site:
        kinds = {}
        for prefix in ("/metro/", "/herald/", "/courier/"):
            proc = run_newsmon("add-source", site.url(prefix))
            assert proc.returncode == 0, proc.stderr
            kinds[prefix] = re.search(r'^kind = "(\w+)"', proc.stdout, re.M).group(1)
        assert kinds == {"/metro/": "feed", "/herald/": "sitemap", "/courier/": "listing"}


def test_add_source_accepts_a_feed_address(config):
    from newsmon.demo.site import FixtureSite

    with FixtureSite() as site:
        proc = run_newsmon("add-source", site.url("/wire/feed.atom"), "--config", config)
        assert proc.returncode == 0, proc.stderr
        assert "the address is a feed" in proc.stdout
        assert f'urls = ["{site.url("/wire/feed.atom")}"]' in proc.stdout


def test_add_source_on_a_site_that_is_not_news_fails_clearly(config):
    with NotNewsSite() as site:
        proc = run_newsmon("add-source", site.url("/"), "--write", "--config", config)
    assert proc.returncode != 0
    err = proc.stderr
    assert "no feed, sitemap or article links found" in err
    assert "/rss.xml" in err and "sitemap.xml" in err   # what was tried
    assert "scrapy genspider -t news" in err            # what to do
    assert "[sources" not in config.read_text()
    assert "Traceback" not in err


def test_add_source_unreachable_site():
    with socket.socket() as s:   # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = run_newsmon("add-source", f"http://127.0.0.1:{port}/")
    assert proc.returncode != 0
    assert "cannot reach" in proc.stderr and "Check the address" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_add_source_duplicate_id_and_invalid_config(config, tmp_path):
    config.write_text(config.read_text() + '\n[sources.metro]\nkind = "feed"\nurls = ["http://127.0.0.1:9/x"]\n')
    before = config.read_text()
    with feed_site() as site:
        proc = run_newsmon("add-source", site.url("/"), "--name", "metro", "--write", "--config", config)
        assert proc.returncode != 0
        assert "'metro' already exists" in proc.stderr and "--name" in proc.stderr
        assert f"{config}:7" in proc.stderr
        assert site.requests == []          # refused before fetching anything
        assert config.read_text() == before

        broken = tmp_path / "broken.toml"
        broken.write_text('[sources.a]\nkind = "feed"\nurl = ["http://x.example/"]\n')
        proc = run_newsmon("add-source", site.url("/"), "--write", "--config", broken)
        assert proc.returncode != 0
        assert f"{broken}:3" in proc.stderr and "url" in proc.stderr and "did you mean 'urls'" in proc.stderr

    proc = run_newsmon("add-source", "http://127.0.0.1:9/", "--name", "Not A Slug")
    assert proc.returncode != 0 and "lowercase slug" in proc.stderr


# -- check-source --------------------------------------------------------------------


@pytest.mark.slow
def test_check_source_dry_run_prints_articles_and_leaves_the_db_alone(tmp_path):
    with feed_site() as site:
        config = tmp_path / "sources.toml"
        config.write_text(f'[sources.metro]\nkind = "feed"\nurls = ["{site.url("/metro/rss.xml")}"]\n{FAST}')
        db_path = tmp_path / "news.db"
        env = {"NEWSMON_DB": str(db_path)}
        proc = run_newsmon("check-source", "metro", "--limit", "4", "--config", config, env=env)
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout
        assert "dry run" in proc.stderr
        assert "Zelenskyy Wants to Talk to Russia, Putin Not Convinced" in out
        assert "date:   2026-11-17" in out and "words:" in out and "claims:" in out and "text:" in out
        assert "Dmitry Peskov" in out                       # a claim with its speaker
        assert "not stored: too_short" in out               # the live-blog placeholder, with its reason
        assert "problems:" in out
        m = re.search(r"metro: (\d+) usable article\(s\) of (\d+) page\(s\)", out)
        assert m and 1 <= int(m.group(1)) <= 4 and int(m.group(2)) <= 4
        assert not db_path.exists()                          # nothing written
        fetched = [p for p in site.requests if p.startswith("/metro/news/") or p.startswith("/metro/live/")]
        assert len(fetched) <= 4


@pytest.mark.slow
def test_check_source_fails_when_nothing_is_usable(tmp_path):
    with NotNewsSite() as site:
        config = tmp_path / "sources.toml"
        config.write_text(f'[sources.acme]\nkind = "listing"\nurls = ["{site.url("/")}"]\n'
                          f"article_patterns = ['/products/']\n{FAST}")
        proc = run_newsmon("check-source", "acme", "--limit", "3", "--config", config)
    assert proc.returncode != 0
    assert "not stored: index_page" in proc.stdout
    assert "yielded no usable article" in proc.stderr and "article_patterns" in proc.stderr


def test_check_source_unknown_id(tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text('[sources.metro]\nkind = "feed"\nurls = ["http://127.0.0.1:9/rss.xml"]\n')
    proc = run_newsmon("check-source", "nope", "--config", config)
    assert proc.returncode != 0
    assert "unknown source 'nope'" in proc.stderr and "metro" in proc.stderr and "add-source" in proc.stderr


# -- genspider -t news ---------------------------------------------------------------


@pytest.mark.slow
def test_genspider_news_template_crawls_the_listing_site(tmp_path):
    from crawler import settings

    name = f"gen_{uuid.uuid4().hex[:8]}"
    spider_file = ROOT / "crawler" / "spiders" / f"{name}.py"
    extra = [] if getattr(settings, "TEMPLATES_DIR", None) else \
        ["-s", f"TEMPLATES_DIR={ROOT / 'crawler' / 'templates'}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("NEWSMON_RUN_ID", None)
    try:
        with listing_site() as site:
            domain = site.base.split("//", 1)[1]
            proc = subprocess.run([sys.executable, "-m", "scrapy", "genspider", *extra, "-t", "news", name, domain],
                                  capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
            assert proc.returncode == 0 and spider_file.exists(), proc.stdout + proc.stderr
            code = spider_file.read_text()
            assert "(BaseNewsSpider)" in code and f'name = "{name}"' in code
            for hook in ("async def start", "def parse_start", "def is_article_url", "def item_from_response"):
                assert hook in code, hook

            config = tmp_path / "sources.toml"
            config.write_text(f'[sources.gen]\nkind = "spider"\nspider = "{name}"\n'
                              f'urls = ["{site.url("/")}"]\n{FAST}')
            db_path = tmp_path / "news.db"
            proc = run_newsmon("crawl", "gen", "--config", config, "--db", db_path, check=True)
            assert "gen: ok" in proc.stdout
            stored = {r["url"] for r in sqlite_utils.Database(db_path).query("SELECT url FROM articles")}
            assert len(stored & site.manifest_urls()) >= 6
    finally:
        spider_file.unlink(missing_ok=True)
        for pyc in (ROOT / "crawler" / "spiders" / "__pycache__").glob(f"{name}.*"):
            pyc.unlink(missing_ok=True)
