"""Dedupe and edit tracking end to end: the fixture site crawled three times.

Crawl 1 stores the site; crawl 2 (nothing changed) must fetch no article;
crawl 3 comes after two articles were edited and their feed / sitemap dates
bumped: exactly those are refetched and get a second version with a diff.
"""

from __future__ import annotations

import pytest
import sqlite_utils

from newsmon.dedupe import canonicalize_url

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dbs(crawl_session):
    return (sqlite_utils.Database(crawl_session["db_path"]),
            sqlite_utils.Database(crawl_session["db_edited_path"]))


def by_url(db):
    return {r["url"]: r for r in db.query("SELECT * FROM articles")}


def path_of(url):
    return "/" + url.split("/", 3)[3]


def test_duplicates_point_to_the_first_seen_article(crawl_session, dbs):
    db, _ = dbs
    rows = by_url(db)
    for article in crawl_session["manifest"]["articles"]:
        row = rows[article["url"]]
        if article["duplicate_of"]:
            original = rows[article["duplicate_of"]]
            assert row["duplicate_of"] == original["id"], article["slug"]
            assert original["duplicate_of"] is None
            expected = "exact" if article["duplicate_kind"] == "exact" else "near"
            assert row["duplicate_method"] == expected, article["slug"]
            assert 0.5 <= row["duplicate_similarity"] <= 1.0
        else:
            assert row["duplicate_of"] is None, f"{article['slug']} wrongly merged"


def test_syndicated_story_is_one_cluster_across_three_outlets(crawl_session, dbs):
    db, _ = dbs
    clusters = list(db.query("SELECT * FROM duplicate_clusters WHERE methods LIKE '%near%'"))
    assert any(c["outlets"] >= 3 for c in clusters), clusters


def test_seed_articles_on_one_topic_are_not_merged(crawl_session, dbs):
    db, _ = dbs
    rows = by_url(db)
    seeds = [rows[a["url"]] for a in crawl_session["manifest"]["articles"] if a["seed"]]
    assert len(seeds) == 2 and all(r["duplicate_of"] is None for r in seeds)


def test_alias_and_tracking_urls_map_to_one_article(crawl_session, dbs):
    db, _ = dbs
    urls = {r["url"]: r["article_id"] for r in db.query("SELECT * FROM article_urls")}
    rows = by_url(db)
    for article in crawl_session["manifest"]["articles"]:
        for alias in article["alias_urls"]:
            assert alias not in rows, "an alias URL became its own article"
            assert urls[alias] == rows[article["url"]]["id"]
    for variant in crawl_session["manifest"]["tracking_variants"]:
        assert canonicalize_url(variant) in rows
        assert variant not in rows
    # each tracking variant was fetched once at most, as its canonical URL
    first = crawl_session["first_requests"]
    assert not [p for p in first if "utm_" in p]


def test_edits_make_versions_with_diffs_and_fresh_claims(crawl_session, dbs):
    before, after = dbs
    old, new = by_url(before), by_url(after)
    edits = crawl_session["manifest"]["edits"]
    assert len(edits) == 2
    for edit in edits:
        row = new[edit["url"]]
        assert row["version_count"] == 2 and old[edit["url"]]["version_count"] == 1
        assert row["last_changed_at"] > old[edit["url"]]["last_changed_at"]
        assert edit["changed_sentence"] in row["text"] and edit["added_paragraph"] in row["text"]
        assert edit["original_sentence"] not in row["text"]
        (diff,) = [r[0] for r in after.execute(
            "SELECT diff FROM article_versions WHERE article_id = ? AND version = 2", [row["id"]])]
        assert f"-{edit['original_sentence']}"[:40] in diff or edit["original_sentence"] in diff
        assert "\n+" in diff and edit["added_paragraph"][:60] in diff
        versions = {r[0] for r in after.execute(
            "SELECT DISTINCT version FROM claims WHERE article_id = ?", [row["id"]])}
        assert 2 in versions, "claims were not re-extracted for the new version"
    unchanged = [u for u in new if u not in {e["url"] for e in edits}]
    assert all(new[u]["version_count"] == 1 for u in unchanged)


def test_edit_crawl_fetches_only_the_edited_articles(crawl_session):
    articles = {path_of(a["url"]) for a in crawl_session["manifest"]["articles"]}
    edited = {path_of(e["url"]) for e in crawl_session["manifest"]["edits"]}
    fetched = {p.split("?")[0] for p in crawl_session["third_requests"]} & articles
    assert fetched == edited
    assert crawl_session["third"].returncode == 0
    assert "updated 1" in crawl_session["third"].stdout
