"""End to end: `newsmon crawl` of the fixture site into a real SQLite file."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from tests.conftest import fast_sources_toml, run_newsmon

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(crawl_session):
    return crawl_session | {"db": sqlite_utils.Database(crawl_session["db_path"])}


def article_rows(db):
    return {r["url"]: r for r in db.query("SELECT * FROM articles")}


def test_crawl_exits_zero_and_prints_summary(crawled):
    proc = crawled["first"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    for source_id in crawled["manifest"]["sources"]:
        assert f"{source_id}: ok" in proc.stdout
    assert "pages fetched" in proc.stdout and "new " in proc.stdout
    assert "dropped:" in proc.stdout  # non-articles are counted with their reason


def test_every_article_present_once_with_title_and_date(crawled):
    db, manifest = crawled["db"], crawled["manifest"]
    rows = article_rows(db)
    for article in manifest["articles"]:
        assert article["url"] in rows, f"missing {article['url']}"
        row = rows[article["url"]]
        assert row["title"] == article["title"]
        assert (row["published_at"] or "").startswith(article["published"]), article["url"]
        assert row["source_id"] == article["source_id"]
    assert db.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone() == (
        len(manifest["articles"]), len(manifest["articles"]))


def test_key_sentences_stored_and_no_junk(crawled):
    db, manifest = crawled["db"], crawled["manifest"]
    rows = article_rows(db)
    for article in manifest["articles"]:
        text = rows[article["url"]]["text"]
        for sentence in article["key_sentences"]:
            assert sentence in text, f"{article['url']}: lost {sentence!r}"
    all_text = "\n".join(r["text"] for r in rows.values())
    for junk in manifest["junk_lines"]:
        assert junk not in all_text, f"junk stored: {junk!r}"


def test_seed_articles_and_their_junk(crawled):
    db, manifest = crawled["db"], crawled["manifest"]
    rows = article_rows(db)
    seeds = {a["seed"]: rows[a["url"]] for a in manifest["articles"] if a.get("seed")}
    assert set(seeds) == {"000", "004"}
    assert "“So far this cannot be seen as anything but empty words,” Kremlin spokesman Dmitry Peskov said." in seeds["000"]["text"]
    assert "“I told (Trump) it was possible… If Zelensky is ready, he can come to Moscow,” he said." in seeds["004"]["text"]
    for junk in ("Loading headlines", "Also Read:", "Image Source:", "Font Replacer Active",
                 "Scanning sources", "AGE OF MANY POWERS", "View Source"):
        assert junk not in seeds["004"]["text"]


def test_non_articles_dropped_with_reason(crawled):
    db, manifest = crawled["db"], crawled["manifest"]
    stored = set(article_rows(db))
    for page in manifest["non_articles"]:
        assert page["url"] not in stored
    reasons = {}
    for row in db.query("SELECT dropped_reasons FROM crawl_runs"):
        for k, v in json.loads(row["dropped_reasons"] or "{}").items():
            reasons[k] = reasons.get(k, 0) + v
    assert sum(reasons.values()) >= 1, reasons
    dropped_pages = {r["url"]: r["drop_reason"] for r in db.query("SELECT url, drop_reason FROM pages WHERE drop_reason IS NOT NULL")}
    assert dropped_pages, "dropped pages are kept with their reason"


def test_http_errors_counted(crawled):
    db = crawled["db"]
    errors = {}
    for row in db.query("SELECT http_errors FROM crawl_runs"):
        for k, v in json.loads(row["http_errors"] or "{}").items():
            errors[k] = errors.get(k, 0) + v
    assert errors.get("404") and errors.get("500"), errors


def test_runs_recorded(crawled):
    db, manifest = crawled["db"], crawled["manifest"]
    runs = list(db.query("SELECT * FROM crawl_runs ORDER BY id"))
    assert len(runs) == 2 * len(manifest["sources"])
    assert all(r["status"] == "ok" and r["finished_at"] and r["duration_s"] is not None for r in runs)
    assert sum(r["articles_new"] for r in runs) >= len([a for a in manifest["articles"] if not a["duplicate_of"]])


def test_second_crawl_adds_nothing_and_fetches_only_entry_pages(crawled):
    assert crawled["second"].returncode == 0, crawled["second"].stderr[-3000:]
    db, manifest = crawled["db"], crawled["manifest"]
    assert db["articles"].count == len(manifest["articles"])
    assert db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == len(manifest["articles"])
    article_urls = {a["url"].split("127.0.0.1", 1)[1].split("/", 1)[1] for a in manifest["articles"]}
    refetched = [p for p in crawled["second_requests"] if p.lstrip("/") in article_urls]
    assert refetched == []


def test_second_crawl_reuses_the_stored_robots_txt(crawled):
    """robots.txt is fetched by the first crawl, kept, and not fetched again within a day."""
    assert "/robots.txt" in crawled["first_requests"]
    assert "/robots.txt" not in crawled["second_requests"]
    origin = crawled["site"].base
    row = crawled["db"].execute("SELECT status, body FROM robots_txt WHERE origin = ?", [origin]).fetchone()
    assert row is not None and row[0] == 200 and b"Sitemap:" in row[1]


def test_schema_wal_and_fts(crawled):
    db = crawled["db"]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for table in ("sources", "crawl_runs", "articles", "article_versions", "pages", "claims", "alerts"):
        assert db[table].exists()
    hits = db.execute(
        "SELECT a.title FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH ?",
        ['"empty words"']).fetchall()
    assert any("Zelenskyy Wants to Talk" in h[0] for h in hits)
    fks = {fk.other_table for fk in db["claims"].foreign_keys}
    assert {"articles", "speakers"} <= fks


def test_authors_are_names_only(crawled):
    db = crawled["db"]
    for row in db.query("SELECT authors FROM articles"):
        for name in json.loads(row["authors"] or "[]"):
            assert "staff" not in name.lower() and "@" not in name and "email" not in name.lower()
            assert not any(ch.isdigit() for ch in name)


def test_scrapy_crawl_works_directly(crawled, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    db_path = tmp_path / "direct.db"
    env = dict(os.environ, NEWSMON_CONFIG=str(crawled["config"]), NEWSMON_DB=str(db_path))
    env.pop("NEWSMON_RUN_ID", None)
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=metro-post"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite_utils.Database(db_path)
    assert db["articles"].count >= 1
    assert db.execute("SELECT status FROM crawl_runs").fetchone()[0] == "ok"


def test_bad_config_and_unknown_source_fail_clearly(tmp_path, crawled):
    bad = tmp_path / "bad.toml"
    bad.write_text('[sources.x]\nkind = "rss"\nurls = ["http://127.0.0.1:1/"]\n')
    proc = run_newsmon("crawl", "--all", "--config", bad, "--db", tmp_path / "x.db")
    assert proc.returncode != 0 and "key 'kind'" in proc.stderr
    proc = run_newsmon("crawl", "nope", "--config", crawled["config"], "--db", tmp_path / "x.db")
    assert proc.returncode != 0 and "unknown source 'nope'" in proc.stderr


def test_unreachable_source_is_a_failed_run(tmp_path):
    config = tmp_path / "sources.toml"
    # port 9 on loopback: nothing listens, the connection is refused at once
    config.write_text('[sources.gone]\nkind = "feed"\nurls = ["http://127.0.0.1:9/feed.xml"]\n'
                      'settings = { RETRY_ENABLED = false }\n')
    proc = run_newsmon("crawl", "gone", "--config", config, "--db", tmp_path / "x.db")
    assert proc.returncode != 0
    assert "gone: failed" in proc.stdout
    row = sqlite_utils.Database(tmp_path / "x.db").execute("SELECT status, finish_reason FROM crawl_runs").fetchone()
    # robots.txt is fetched first and is unreachable too: the site is skipped for that reason
    assert row == ("failed", "robots_unavailable")


def test_per_site_concurrency_limit_holds_without_a_download_delay(site, tmp_path, db_path):
    """CONCURRENT_REQUESTS_PER_DOMAIN bounds the requests a site sees at once, also with
    DOWNLOAD_DELAY = 0 (Scrapy 2.19's own downloader sent all 9 of herald's articles at once)."""
    config = tmp_path / "sources.toml"
    config.write_text(fast_sources_toml(site.sources_toml()).replace(
        "CONCURRENT_REQUESTS_PER_DOMAIN = 16", "CONCURRENT_REQUESTS_PER_DOMAIN = 2"), encoding="utf-8")
    site.latency = 0.2   # responses overlap: every request the crawler allows is in flight together
    run_newsmon("crawl", "herald", "--config", config, "--db", db_path, check=True)
    db = sqlite_utils.Database(db_path)
    assert db.execute("SELECT count(*) FROM articles WHERE source_id = 'herald'").fetchone()[0] == 9
    assert site.peak_in_flight == 2


def test_last_pages_are_written_without_waiting_out_the_store_window(site, tmp_path, db_path):
    """A batch is written once nothing else can join it: with a 200 s window
    (NEWSMON_STORE_WINDOW) and batches bigger than the source, the crawl still
    ends as soon as its pages are analysed, every article stored."""
    config = tmp_path / "sources.toml"
    config.write_text(fast_sources_toml(site.sources_toml()).replace(
        "CONCURRENT_REQUESTS_PER_DOMAIN = 16",
        "CONCURRENT_REQUESTS_PER_DOMAIN = 16, NEWSMON_STORE_WINDOW = 200, NEWSMON_STORE_BATCH = 1000"),
        encoding="utf-8")
    run_newsmon("crawl", "herald", "--config", config, "--db", db_path, check=True, timeout=100)
    db = sqlite_utils.Database(db_path)
    assert db.execute("SELECT count(*) FROM articles WHERE source_id = 'herald'").fetchone()[0] == 9
    run = db.execute("SELECT status, duration_s FROM crawl_runs").fetchone()
    assert run[0] == "ok"
    assert run[1] < 60, run   # far below the window: the batch did not wait for it
