"""`newsmon export` (articles with their claims, JSON Lines or CSV) and
`newsmon status --json`, on the crawled fixture site (issue 21, item 5)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from tests.conftest import run_newsmon

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def db(crawl_session):
    return crawl_session["db_edited_path"]


def query(db, sql, params=()):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_jsonl_has_every_article_with_the_claims_of_its_current_version(db):
    proc = run_newsmon("export", "--db", db)
    assert proc.returncode == 0, proc.stderr
    articles = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(articles) == query(db, "SELECT count(*) FROM articles")[0][0]
    assert sum(len(a["claims"]) for a in articles) == query(db, "SELECT count(*) FROM claims_view")[0][0]
    edited = [a for a in articles if a["version_count"] > 1]
    assert edited and all(a["claims"] is not None for a in edited)
    some = next(a for a in articles if a["claims"])
    assert {"speaker", "quote", "kind", "cue", "claim_group_id"} <= set(some["claims"][0])
    assert isinstance(some["authors"], list) and some["text"]
    dups = [a for a in articles if a["duplicate_of"]]
    assert dups and all(a["duplicate_method"] for a in dups)


def test_csv_one_row_an_article_filters_and_a_file(db, tmp_path):
    proc = run_newsmon("export", "--db", db, "--format", "csv", "--source", "wire")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == query(db, "SELECT count(*) FROM articles WHERE source_id = 'wire'")[0][0]
    assert all(r["source_id"] == "wire" and int(r["claim_count"]) == len(json.loads(r["claims"])) for r in rows)
    assert run_newsmon("export", "--db", db, "--since", "2099-01-01").stdout == ""
    assert len(run_newsmon("export", "--db", db, "--since", "7d").stdout.splitlines()) == len(
        query(db, "SELECT id FROM articles"))
    out = tmp_path / "articles.jsonl"
    proc = run_newsmon("export", "--db", db, "-o", out)
    assert proc.returncode == 0 and "articles written to" in proc.stderr
    assert len(out.read_text().splitlines()) == query(db, "SELECT count(*) FROM articles")[0][0]
    bad = run_newsmon("export", "--db", db, "--since", "last tuesday")
    assert bad.returncode == 2 and "is not a date" in bad.stderr
    unknown = run_newsmon("export", "--db", db, "--source", "nope")
    assert unknown.returncode == 1 and "unknown source 'nope'" in unknown.stderr


def test_status_json(db):
    proc = run_newsmon("status", "--json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    ids = [s["source_id"] for s in data["sources"]]
    assert ids == sorted(r[0] for r in query(db, "SELECT id FROM sources"))
    for s in data["sources"]:
        assert s["status"] == "ok" and s["articles"] >= 1 and s["open_alerts"] == []
        assert s["last_run"] and s["finish_reason"] == "finished"
