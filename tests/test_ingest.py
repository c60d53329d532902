"""The single write path: dedupe decision, versions with diffs, claims, in one transaction."""

from __future__ import annotations

import pytest

from newsmon import dedupe
from newsmon.analysis import page_fingerprint
from newsmon.store.db import integrity_ok, open_db
from newsmon.store.ingest import ingest_page, ingest_pages

STORY = ("The city council approved the new transit budget on Tuesday after a long debate. "
         "The plan adds four bus lines and extends night service across the eastern districts. "
         "“This is the biggest expansion of public transport in a generation,” Mayor Lena Ortiz said. "
         "Opponents argued that the fare increase attached to the plan would hurt low-income riders. "
         "The budget passed by nine votes to four and takes effect in January.")
OTHER = ("Heavy rain flooded several streets in the old town overnight, and firefighters pumped "
         "water from more than thirty basements. The weather service said the storm would move "
         "east by the afternoon. “We had not seen water this high since 2014,” said shop owner Mark Ruiz. "
         "Schools in two districts opened late and a number of tram lines were suspended until noon.")


def rec(url, text, title="Title", source="herald", claims=None, fetched_at="2026-11-01T10:00:00Z", **extra):
    article = {"title": title, "text": text, "authors": ["Ann Lee"], "published_at": "2026-10-31",
               "published_at_source": "jsonld", "canonical_url": extra.pop("canonical", None),
               "language": "en", "site_line_candidates": []}
    claims = claims or []
    return {"url": url, "final_url": url, "source_id": source, "fetched_at": fetched_at,
            "status": 200, "html": f"<html><p>{text}</p></html>", "article": article,
            "drop_reason": None, "claims": claims, "fingerprint": page_fingerprint(text, claims), **extra}


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "news.db")
    for sid in ("herald", "ledger", "wire"):
        db["sources"].insert({"id": sid, "name": sid, "kind": "feed"})
    return db


@pytest.fixture
def index(db):
    return dedupe.NearDuplicateIndex(db.conn)


def test_new_then_unchanged(db, index):
    first = ingest_page(db, index, rec("http://127.0.0.1/a", STORY))
    assert first["outcome"] == "new"
    again = ingest_page(db, index, rec("http://127.0.0.1/a", STORY, fetched_at="2026-11-01T12:00:00Z"))
    assert again["outcome"] == "unchanged"
    row = db["articles"].get(first["article_id"])
    assert row["version_count"] == 1 and row["last_seen_at"] == "2026-11-01T12:00:00Z"
    assert row["last_changed_at"] == "2026-11-01T10:00:00Z"


def test_edit_adds_version_with_diff_and_new_claims(db, index):
    claim = {"speaker": "Lena Ortiz", "quote": "This is the biggest expansion", "kind": "direct", "cue": "said"}
    first = ingest_page(db, index, rec("http://127.0.0.1/a", STORY, claims=[claim]))
    edited = STORY.replace("nine votes to four", "nine votes to five") + "\n\nThe mayor will present details on Friday."
    result = ingest_page(db, index, rec("http://127.0.0.1/a", edited, claims=[claim],
                                        fetched_at="2026-11-02T10:00:00Z"))
    assert result == {"outcome": "updated", "article_id": first["article_id"], "version": 2,
                      "urls": ["http://127.0.0.1/a"]}
    row = db["articles"].get(first["article_id"])
    assert row["version_count"] == 2 and row["last_changed_at"] == "2026-11-02T10:00:00Z"
    assert row["text"] == edited
    v2 = db.execute("SELECT diff FROM article_versions WHERE version = 2").fetchone()[0]
    assert "-" in v2 and "+" in v2 and "nine votes to five" in v2 and "present details on Friday" in v2
    assert db.execute("SELECT count(*) FROM claims WHERE version = 2").fetchone()[0] == 1
    group = db.execute("SELECT article_count FROM claim_groups").fetchone()[0]
    assert group == 1  # the same article reporting it again is not a second reporter


def test_same_url_with_tracking_params_and_canonical(db, index):
    first = ingest_page(db, index, rec("http://127.0.0.1/a", STORY))
    amp = rec("http://127.0.0.1/amp/a", STORY, canonical="http://127.0.0.1/a")
    result = ingest_page(db, index, amp)
    assert result["outcome"] == "duplicate" and result["article_id"] == first["article_id"]
    assert db["articles"].count == 1
    assert {r["url"] for r in db["article_urls"].rows} >= {"http://127.0.0.1/a", "http://127.0.0.1/amp/a"}


def test_exact_and_near_duplicates_point_to_first_seen(db, index):
    first = ingest_page(db, index, rec("http://127.0.0.1/wire/a", STORY, source="wire"))
    exact = ingest_page(db, index, rec("http://127.0.0.1/herald/copy", STORY, source="herald"))
    assert exact["outcome"] == "duplicate" and exact["method"] == "exact"
    near_text = STORY.replace("on Tuesday", "on Tuesday evening") + " Local riders welcomed the news at a meeting in Eastside."
    near = ingest_page(db, index, rec("http://127.0.0.1/ledger/b", near_text, title="Changed headline", source="ledger"))
    assert near["outcome"] == "duplicate" and near["method"] == "near", near
    rows = {r["url"]: r for r in db["articles"].rows}
    assert rows["http://127.0.0.1/herald/copy"]["duplicate_of"] == first["article_id"]
    assert rows["http://127.0.0.1/ledger/b"]["duplicate_of"] == first["article_id"]
    assert 0.5 < rows["http://127.0.0.1/ledger/b"]["duplicate_similarity"] < 1
    unrelated = ingest_page(db, index, rec("http://127.0.0.1/herald/rain", OTHER))
    assert unrelated["outcome"] == "new"


def test_claim_groups_count_reporting_articles(db, index):
    claim = {"speaker": "Lena Ortiz", "quote": "This is the biggest expansion of public transport in a generation",
             "kind": "direct", "cue": "said", "speaker_mention": "Ortiz"}
    ingest_page(db, index, rec("http://127.0.0.1/wire/a", STORY, source="wire", claims=[claim]))
    ingest_page(db, index, rec("http://127.0.0.1/herald/a", STORY + " More.", source="herald",
                               claims=[dict(claim, quote=claim["quote"] + ".")]))
    assert db.execute("SELECT article_count FROM claim_groups").fetchall() == [(2,)]
    speaker = db.execute("SELECT name, aliases FROM speakers").fetchone()
    assert speaker == ("Lena Ortiz", '["Ortiz"]')


def test_a_page_with_many_claims_stores_and_indexes_every_one(db, index):
    # written with one INSERT per 500 claims; a statement repeated in the page counts once
    claims = [{"speaker": f"Speaker {i}", "quote": f"Statement number {i} about the harbour", "kind": "direct",
               "cue": "said"} for i in range(1200)]
    repeated = {"speaker": "Lena Ortiz", "quote": "This is the biggest expansion", "kind": "direct", "cue": "said"}
    claims[10:10] = [repeated, dict(repeated, kind="reported")]
    ingest_page(db, index, rec("http://127.0.0.1/wire/a", STORY, source="wire", claims=claims))
    stored = db.execute("SELECT speaker, quote FROM claims ORDER BY id").fetchall()
    assert stored == [(c["speaker"], c["quote"]) for c in claims]
    assert db.execute("SELECT count(*) FROM claims_fts WHERE claims_fts MATCH 'harbour'").fetchone()[0] == 1200
    assert db.execute("SELECT rowid FROM claims_fts WHERE claims_fts MATCH '\"Speaker 1199\"'").fetchall() == [
        (1202,)]
    counts = dict(db.execute("SELECT speaker, article_count FROM claim_groups "
                             "WHERE speaker IN ('Lena Ortiz', 'Speaker 7')").fetchall())
    assert counts == {"Lena Ortiz": 1, "Speaker 7": 1}
    ingest_page(db, index, rec("http://127.0.0.1/herald/a", STORY + " More.", claims=[repeated, repeated]))
    assert db.execute("SELECT article_count FROM claim_groups WHERE speaker = 'Lena Ortiz'").fetchone()[0] == 2


def test_dropped_page_is_kept_with_reason(db, index):
    result = ingest_page(db, index, dict(rec("http://127.0.0.1/tag/x", STORY), article=None, drop_reason="index_page"))
    assert result == {"outcome": "dropped", "reason": "index_page"}
    assert db["articles"].count == 0
    assert db.execute("SELECT drop_reason FROM pages").fetchone()[0] == "index_page"


def test_a_failing_page_does_not_take_its_batch_down(db, index):
    good = rec("http://127.0.0.1/a", STORY)
    bad = rec("http://127.0.0.1/b", OTHER, source="no-such-source")  # violates the foreign key
    results = ingest_pages(db, index, [good, bad])
    assert [r["outcome"] for r in results] == ["new", "error"]
    assert db["articles"].count == 1
    assert integrity_ok(db)


def test_refetch_of_a_page_whose_canonical_differs_is_unchanged(db, index):
    page = rec("http://127.0.0.1/a", STORY, canonical="http://127.0.0.1/a/")
    first = ingest_page(db, index, page)
    assert first["outcome"] == "new"
    assert db["articles"].get(first["article_id"])["url"] == "http://127.0.0.1/a/"
    again = ingest_page(db, index, dict(page, fetched_at="2026-11-01T12:00:00Z"))
    assert again["outcome"] == "unchanged"
    alias = ingest_page(db, index, rec("http://127.0.0.1/print/a", STORY, canonical="http://127.0.0.1/a/"))
    assert alias["outcome"] == "duplicate" and alias["method"] == "url"
    assert db["articles"].count == 1
