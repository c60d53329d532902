"""Lines a site repeats across its articles are removed from the very crawl that first sees it.

The site (tests/junk_site.py) draws its junk lines at random on every run, so
no phrase list can know them: only their repetition across the site's pages
gives them away. After one crawl, no stored article holds a repeated junk line,
the clean-up is not an edit (one version per article, no diff) and the claims
come from the clean text.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import run_newsmon
from tests.junk_site import TEMPLATES, JunkSite


@pytest.mark.slow
def test_first_crawl_of_a_site_stores_none_of_its_repeated_lines(tmp_path):
    with JunkSite(per_template=20) as site:
        config = tmp_path / "sources.toml"
        config.write_text(site.sources_toml(), encoding="utf-8")
        db_path = tmp_path / "news.db"
        proc = run_newsmon("crawl", "junk", "--config", config, "--db", db_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]

        db = sqlite3.connect(db_path)
        articles = db.execute("SELECT url, text, version_count FROM articles").fetchall()
        assert len(articles) == 20 * len(TEMPLATES)
        junk = site.junk_lines()
        for url, text, versions in articles:
            for line in junk:
                assert line not in text, f"{url} still holds the site's repeated line {line!r}"
            template, i = next((t, n) for t, n in site.articles if url.endswith(site.path(t, n)))
            for para in site.paragraphs(template, i):
                assert para in text, f"{url} lost a paragraph of its own"
            assert versions == 1
        # a clean-up, not an edit
        assert db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == len(articles)
        assert db.execute("SELECT count(*) FROM article_versions WHERE diff IS NOT NULL").fetchone()[0] == 0
        # the versions hold the clean text too, and the claims come from it
        for (text,) in db.execute("SELECT text FROM article_versions"):
            assert not any(line in text for line in junk)
        promos = [j["promo"].lower() for j in site.junk.values()]
        quotes = [q.lower() for (q,) in db.execute("SELECT quote FROM claims")]
        assert not any(p in q for p in promos for q in quotes), "a claim of the junk promo was kept"
        speakers = [j["promo_by"] for j in site.junk.values()]
        assert db.execute(f"SELECT count(*) FROM claims WHERE speaker IN ({','.join('?' * len(speakers))})",
                          speakers).fetchone()[0] == 0
        run = db.execute("SELECT status, articles_new FROM crawl_runs").fetchone()
        assert run == ("ok", len(articles))
