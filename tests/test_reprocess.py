"""`newsmon reprocess`: stored pages re-analysed in place, without fetching.

A database is built once by crawling the fixture site through the real CLI;
each test damages a copy (blanked or corrupted text, dropped claims) and
runs `newsmon reprocess --db ...` through the real CLI.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import fast_sources_toml, run_newsmon, snapshot_db

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled_db(tmp_path_factory) -> Path:
    from newsmon.demo.site import FixtureSite

    tmp = tmp_path_factory.mktemp("reprocess")
    with FixtureSite() as site:
        config = tmp / "sources.toml"
        config.write_text(fast_sources_toml(site.sources_toml()), encoding="utf-8")
        db_path = tmp / "crawled.db"
        run_newsmon("crawl", "--all", "--config", config, "--db", db_path, check=True)
    return db_path


@pytest.fixture
def db(crawled_db, tmp_path) -> Path:
    """A private copy of the crawled database."""
    return snapshot_db(crawled_db, tmp_path / "news.db")


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def state(path: Path) -> dict:
    """What reprocess must restore: texts, versions, claims per article."""
    with connect(path) as conn:
        return {
            "articles": {r[0]: r[1:] for r in conn.execute(
                "SELECT id, title, text, text_hash, word_count, version_count FROM articles")},
            "versions": conn.execute(
                "SELECT article_id, version, text, text_hash FROM article_versions ORDER BY id").fetchall(),
            "claims": sorted(conn.execute(
                "SELECT article_id, version, speaker, kind, quote, char_start, char_end FROM claims").fetchall(),
                key=repr),
            "groups": dict(conn.execute("SELECT key, article_count FROM claim_groups").fetchall()),
        }


def claim_articles(path: Path, source_id: str | None = None, n: int = 2) -> list[int]:
    with connect(path) as conn:
        return [r[0] for r in conn.execute(
            "SELECT a.id FROM articles a JOIN claims c ON c.article_id = a.id "
            "WHERE (? IS NULL OR a.source_id = ?) GROUP BY a.id ORDER BY a.id LIMIT ?",
            [source_id, source_id, n])]


def damage(path: Path, *, blank: list[int] = (), corrupt: list[int] = (), no_claims: list[int] = ()):
    with connect(path) as conn:
        for article_id in blank:        # text gone, hash left as it was
            conn.execute("UPDATE articles SET text = '' WHERE id = ?", [article_id])
        for article_id in corrupt:      # an old extractor's junk in text and version
            junk = "Loading headlines...\nFont Replacer Active\n"
            conn.execute("UPDATE articles SET text = ? || text WHERE id = ?", [junk, article_id])
            conn.execute("UPDATE article_versions SET text = ? || text WHERE article_id = ?", [junk, article_id])
        for article_id in no_claims:
            conn.execute("DELETE FROM claims WHERE article_id = ?", [article_id])


def counts_line(stdout: str) -> dict[str, int]:
    match = re.search(r"reprocessed (\d+) pages in [\d.]+ s \([\d.]+ pages/s\): (.*)", stdout)
    assert match, stdout
    counts = dict((k, int(v)) for k, v in re.findall(r"([a-z_]+) (\d+)", match.group(2)))
    return {"total": int(match.group(1)), **counts}


def group_counts_are_true(path: Path) -> bool:
    with connect(path) as conn:
        wrong = conn.execute(
            "SELECT count(*) FROM claim_groups g WHERE article_count != "
            "(SELECT count(DISTINCT article_id) FROM claims c WHERE c.claim_group_id = g.id)").fetchone()[0]
    return wrong == 0


def test_reprocess_restores_text_and_claims_without_new_versions(db):
    before = state(db)
    with connect(db) as conn:
        n_pages = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
        # pages of stored articles (a copy fetched under a second URL is a page too)
        n_article_pages = conn.execute("SELECT count(*) FROM pages WHERE article_id IS NOT NULL").fetchone()[0]
    with_claims = claim_articles(db, n=4)
    assert len(with_claims) == 4, "the fixture site should yield claims"
    others = [a for a in before["articles"] if a not in with_claims]
    blank, corrupt, no_claims = others[:2], others[2:3], with_claims[:2]
    damage(db, blank=blank, corrupt=corrupt, no_claims=no_claims)
    assert state(db) != before

    proc = run_newsmon("reprocess", "--db", db)
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts = counts_line(proc.stdout)
    assert counts["total"] == n_pages
    assert counts["changed"] == len(blank) + len(corrupt)
    assert counts["claims"] == len(no_claims)
    assert counts["unchanged"] == n_article_pages - len(blank) - len(corrupt) - len(no_claims)
    assert counts["still_dropped"] == n_pages - n_article_pages
    assert "reprocess" in proc.stderr and "page" in proc.stderr   # the tqdm bar, on stderr

    after = state(db)
    assert after["articles"] == before["articles"]   # text, hash, and no new version
    assert after["versions"] == before["versions"]   # no article_versions row added or changed
    assert after["claims"] == before["claims"]
    assert after["groups"] == before["groups"]
    assert group_counts_are_true(db)
    with connect(db) as conn:   # full-text search follows the restored text
        word = before["articles"][blank[0]][1].split()[-1]
        hits = [r[0] for r in conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
                                           [f'"{word}"'])]
        assert blank[0] in hits

    again = run_newsmon("reprocess", "--db", db)   # nothing left to fix
    assert again.returncode == 0, again.stderr[-3000:]
    counts = counts_line(again.stdout)
    assert counts.get("unchanged") == n_article_pages
    assert not {"changed", "claims", "new", "lost", "error"} & set(counts)
    assert state(db) == before


def test_pages_stored_zlib_compressed_by_older_versions_still_reprocess(db):
    """Raw HTML was zlib-compressed before it was zstd: both kinds of blob are read."""
    import zlib

    import zstandard

    before = state(db)
    with connect(db) as conn:
        rows = conn.execute("SELECT url, html FROM pages WHERE article_id IS NOT NULL").fetchall()
        assert rows and all(blob[:4] == b"\x28\xb5\x2f\xfd" for _, blob in rows)   # zstd frames now
        for url, blob in rows[::2]:
            html = zstandard.ZstdDecompressor().decompress(blob)
            conn.execute("UPDATE pages SET html = ? WHERE url = ?", [zlib.compress(html, 6), url])
        blank = conn.execute("SELECT article_id FROM pages WHERE url = ?", [rows[0][0]]).fetchone()[0]
        conn.execute("UPDATE articles SET text = '' WHERE id = ?", [blank])
    proc = run_newsmon("reprocess", "--db", db)
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts = counts_line(proc.stdout)
    assert counts["changed"] == 1 and "error" not in counts and "no_html" not in counts
    assert state(db) == before


def test_source_limits_reprocess_to_one_source(db):
    herald, courier = claim_articles(db, "herald", 1), claim_articles(db, "courier", 1) or None
    with connect(db) as conn:
        if courier is None:
            courier = [conn.execute("SELECT id FROM articles WHERE source_id = 'courier' LIMIT 1").fetchone()[0]]
        herald_pages = conn.execute("SELECT count(*) FROM pages WHERE source_id = 'herald'").fetchone()[0]
    before = state(db)
    damage(db, blank=herald + courier)

    proc = run_newsmon("reprocess", "--db", db, "--source", "herald")
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts = counts_line(proc.stdout)
    assert counts["total"] == herald_pages and counts["changed"] == 1
    after = state(db)
    assert after["articles"][herald[0]] == before["articles"][herald[0]]
    assert after["articles"][courier[0]][1] == ""   # the other source was not touched


def test_unknown_source_and_missing_pages_fail_clearly(db, tmp_path):
    proc = run_newsmon("reprocess", "--db", db, "--source", "no-such-source")
    assert proc.returncode != 0 and "unknown source 'no-such-source'" in proc.stderr

    with connect(db) as conn:
        conn.execute("DELETE FROM pages")
    proc = run_newsmon("reprocess", "--db", db)
    assert proc.returncode != 0
    assert "no stored pages to reprocess" in proc.stderr and "Traceback" not in proc.stderr

    proc = run_newsmon("reprocess", "--db", tmp_path / "missing.db")
    assert proc.returncode != 0 and "no database at" in proc.stderr
    assert not (tmp_path / "missing.db").exists()


def test_reprocess_uses_the_sources_settings(db):
    from newsmon.store.db import open_db
    from newsmon.store.reprocess import source_settings

    conn = open_db(db)
    assert source_settings(conn, "herald") == {"NEWSMON_SITE_LINE_MIN_PAGES": 3,
                                               "NEWSMON_NEAR_DUPLICATE_THRESHOLD": None}
    conn.execute("UPDATE sources SET settings = ? WHERE id = 'herald'",
                 ['{"NEWSMON_NEAR_DUPLICATE_THRESHOLD": 0.8, "NEWSMON_SITE_LINE_MIN_PAGES": 5, '
                  '"DOWNLOAD_DELAY": 0}'])
    conn.conn.commit()
    assert source_settings(conn, "herald") == {"NEWSMON_SITE_LINE_MIN_PAGES": 5,
                                               "NEWSMON_NEAR_DUPLICATE_THRESHOLD": 0.8}
    conn.conn.close()
    proc = run_newsmon("reprocess", "--db", db, "--source", "herald")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "error" not in counts_line(proc.stdout)


# -- the worker pool: a worker that dies costs a retry, not the page -----------

def crash_once(html, marker, site_lines=None, feed_published=None):
    """Dies (like a segfault) the first time it sees ``marker``, then succeeds."""
    if not os.path.exists(marker):
        Path(marker).touch()
        os._exit(3)
    return {"html": html}


def always_crash(html, marker, site_lines=None, feed_published=None):
    os._exit(3)


def test_pool_retries_a_page_whose_worker_died(tmp_path):
    from newsmon.workers import AnalysisFailed, AnalysisPool

    pool = AnalysisPool(2, timeout=30, function=crash_once)
    try:
        futures = [pool.submit(f"page {i}", str(tmp_path / f"marker-{i}")) for i in range(3)]
        assert [AnalysisPool.result(f) for f in futures] == [{"html": f"page {i}"} for i in range(3)]
        assert pool.retried == 3
    finally:
        pool.close()

    pool = AnalysisPool(1, timeout=30, function=always_crash)
    try:
        with pytest.raises(AnalysisFailed) as failed:
            AnalysisPool.result(pool.submit("page", str(tmp_path / "x")))
        assert failed.value.reason == "extract_crashed"
    finally:
        pool.close()


def test_pool_runs_a_named_function_that_only_the_workers_import():
    """AnalysisPool(function="module:function"): the parent never imports the module
    (the crawl process does not load trafilatura for the workers' sake)."""
    import sys

    from newsmon.workers import AnalysisPool

    pool = AnalysisPool(2, timeout=30, function="tests.pool_task:pid_and_text")
    try:
        results = [AnalysisPool.result(pool.submit(f"page {i}", None)) for i in range(4)]
    finally:
        pool.close()
    assert [r["text"] for r in results] == [f"PAGE {i}" for i in range(4)]
    assert os.getpid() not in {r["pid"] for r in results}
    assert "tests.pool_task" not in sys.modules


def test_reprocess_regroups_a_statement_an_old_extractor_split(db):
    """An older extractor gave one outlet's copy of a statement another speaker, so it sat
    in a claim group of its own; reprocess puts it back in the statement's group and
    deletes the group nobody reports any more."""
    with connect(db) as conn:
        group_id, count = conn.execute(
            "SELECT g.id, g.article_count FROM claim_groups g WHERE g.article_count >= 2 "
            "AND (SELECT count(DISTINCT a.source_id) FROM claims c JOIN articles a ON a.id = c.article_id "
            "WHERE c.claim_group_id = g.id) >= 2 ORDER BY g.id LIMIT 1").fetchone()
        claim_id, article_id = conn.execute(
            "SELECT id, article_id FROM claims WHERE claim_group_id = ? ORDER BY id DESC LIMIT 1",
            [group_id]).fetchone()
        split = conn.execute(
            "INSERT INTO claim_groups (key, speaker, quote, first_seen_at, first_article_id, article_count) "
            "VALUES ('old-extractor', 'Old Speaker', 'q', '2026-01-01T00:00:00Z', ?, 1)", [article_id]).lastrowid
        conn.execute("UPDATE claims SET speaker = 'Old Speaker', speaker_id = NULL, claim_group_id = ? WHERE id = ?",
                     [split, claim_id])
        conn.execute("UPDATE claim_groups SET article_count = article_count - 1 WHERE id = ?", [group_id])

    proc = run_newsmon("reprocess", "--db", db)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert counts_line(proc.stdout)["claims"] == 1
    with connect(db) as conn:
        assert conn.execute("SELECT article_count FROM claim_groups WHERE id = ?", [group_id]).fetchone()[0] == count
        assert conn.execute("SELECT count(*) FROM claim_groups WHERE key = 'old-extractor'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM claims WHERE speaker = 'Old Speaker'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM claims WHERE claim_group_id = ? AND article_id = ?",
                            [group_id, article_id]).fetchone()[0] >= 1
    assert group_counts_are_true(db)
