"""The full-text indexes (articles_fts, claims_fts) stay in step with their tables.

New rows are indexed when their transaction commits (store.index_pending_fts);
these tests write through the real ingest path into a real SQLite file and
search the way Datasette does, with MATCH.
"""

from __future__ import annotations

import sqlite3

import pytest

from newsmon import dedupe
from newsmon.store.db import integrity_ok, open_db, write_transaction
from newsmon.store.ingest import ingest_pages
from newsmon.store.schema import SCHEMA_VERSION
from tests.test_ingest import OTHER, STORY, rec


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "news.db")
    db["sources"].insert({"id": "herald", "name": "Herald", "kind": "feed"})
    return db


def hits(db, table: str, query: str) -> list[int]:
    return [r[0] for r in db.execute(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ? ORDER BY rowid",
                                     [query])]


def claim(quote: str) -> dict:
    return {"speaker": "Lena Ortiz", "quote": quote, "kind": "direct", "cue": "said"}


def test_a_batch_is_searchable_once_written(db):
    index = dedupe.NearDuplicateIndex(db.conn)
    edited = STORY.replace("four bus lines", "four tram lines")
    results = ingest_pages(db, index, [
        rec("http://127.0.0.1/a", STORY, claims=[claim("The buses will run all night")]),
        rec("http://127.0.0.1/rain", OTHER, source="no-such-source"),     # fails: rolled back alone
        rec("http://127.0.0.1/a", edited, fetched_at="2026-11-01T11:00:00Z"),  # edited within the batch
    ])
    assert [r["outcome"] for r in results] == ["new", "error", "updated"]
    article_id = results[0]["article_id"]
    assert hits(db, "articles", "tram") == [article_id]
    assert hits(db, "articles", "bus") == []           # the text as committed, not as first inserted
    assert hits(db, "articles", "firefighters") == []  # the failed page left nothing behind
    assert hits(db, "claims", "night") == [1]
    assert db.execute("SELECT count(*) FROM fts_pending").fetchone()[0] == 0
    assert integrity_ok(db)


def test_edits_refetches_and_deletes_keep_the_index_exact(db):
    index = dedupe.NearDuplicateIndex(db.conn)
    first = ingest_pages(db, index, [rec("http://127.0.0.1/a", STORY)])[0]
    ingest_pages(db, index, [rec("http://127.0.0.1/a", STORY, fetched_at="2026-11-02T10:00:00Z")])  # unchanged
    assert hits(db, "articles", "budget") == [first["article_id"]]
    ingest_pages(db, index, [rec("http://127.0.0.1/a", STORY.replace("budget", "spending plan"),
                                 fetched_at="2026-11-03T10:00:00Z")])
    assert hits(db, "articles", "budget") == []
    assert hits(db, "articles", "spending") == [first["article_id"]]
    assert integrity_ok(db)
    with write_transaction(db):   # a row deleted in the transaction that inserted it, and one indexed before
        db.execute("INSERT INTO articles (url, source_id, title, text) VALUES ('u', 'herald', 't', 'zebra crossing')")
        db.execute("DELETE FROM articles WHERE url = 'u'")
        db.execute("DELETE FROM article_versions WHERE article_id = ?", [first["article_id"]])
        db.execute("DELETE FROM article_urls WHERE article_id = ?", [first["article_id"]])
        db.execute("UPDATE pages SET article_id = NULL")
        db.execute("DELETE FROM articles WHERE id = ?", [first["article_id"]])
    assert hits(db, "articles", "spending OR zebra") == []
    assert integrity_ok(db)


def test_a_failed_transaction_indexes_nothing(db):
    index = dedupe.NearDuplicateIndex(db.conn)
    with pytest.raises(RuntimeError), write_transaction(db):
        ingest_pages(db, index, [rec("http://127.0.0.1/a", STORY)])
        raise RuntimeError("the crawl was stopped")
    assert db["articles"].count == 0 and hits(db, "articles", "budget") == []
    assert db.execute("SELECT count(*) FROM fts_pending").fetchone()[0] == 0
    ingest_pages(db, index, [rec("http://127.0.0.1/a", STORY)])
    assert len(hits(db, "articles", "budget")) == 1 and integrity_ok(db)


def test_integrity_check_notices_an_index_out_of_step(db):
    ingest_pages(db, dedupe.NearDuplicateIndex(db.conn), [rec("http://127.0.0.1/a", STORY)])
    assert integrity_ok(db)
    row = db.execute("SELECT id, title, text FROM articles").fetchone()
    db.execute("INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)", row)
    assert not integrity_ok(db)


# the triggers schema 1 had: sqlite-utils' enable_fts(create_triggers=True), indexing row by row
SCHEMA_1_TRIGGERS = {
    "articles": ("title", "text"),
    "claims": ("quote", "speaker"),
}


def test_a_schema_1_database_is_migrated_and_stays_searchable(tmp_path):
    path = tmp_path / "old.db"
    db = open_db(path)
    db["sources"].insert({"id": "herald", "name": "Herald", "kind": "feed"})
    with db.conn:   # turn it back into what schema 1 created, holding one indexed article
        db.execute("DROP TABLE fts_pending")
        for table, cols in SCHEMA_1_TRIGGERS.items():
            for kind in ("ai", "ad", "au"):
                db.execute(f"DROP TRIGGER {table}_{kind}")
            db[table].enable_fts(list(cols), create_triggers=True, replace=True, tokenize="porter")
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO articles (url, source_id, title, text) VALUES ('u', 'herald', 'Old', 'harbour crane')")
    assert "fts_pending" not in db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_ai'").fetchone()[0]
    db.conn.close()

    db = open_db(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "fts_pending" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_ai'").fetchone()[0]
    assert hits(db, "articles", "harbour") == [1]
    ingest_pages(db, dedupe.NearDuplicateIndex(db.conn), [rec("http://127.0.0.1/a", STORY, claims=[claim("Ferries too")])])
    assert hits(db, "articles", "budget") == [2] and hits(db, "claims", "ferries") == [1]
    assert integrity_ok(db)


def test_a_reader_finds_every_committed_article(db, tmp_path):
    # Datasette reads with its own connection while a crawl writes: what it can see is committed and indexed
    index = dedupe.NearDuplicateIndex(db.conn)
    reader = sqlite3.connect(f"file:{tmp_path / 'news.db'}?mode=ro", uri=True)
    for i in range(5):
        ingest_pages(db, index, [rec(f"http://127.0.0.1/{i}", f"Story {i} about the harbour. " + STORY * (i + 1))])
        stored = reader.execute("SELECT count(*) FROM articles").fetchone()[0]
        found = reader.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'harbour'").fetchone()[0]
        assert stored == found == i + 1
    reader.close()
