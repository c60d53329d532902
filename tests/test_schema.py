"""The schema lives in newsmon/store/schema.py, and every change to it comes with a migration.

- The declarations' digest is recorded with SCHEMA_VERSION: a table, column,
  index, trigger or view added without raising the version (and saying what
  changed in MIGRATIONS) fails here.
- A database made by the previous schema (kept in tests/data/schema/ by
  tests/schema_snapshot.py) opens with today's code, migrates, keeps its rows,
  stays searchable and takes new pages.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from newsmon import dedupe
from newsmon.analysis import analyze_page
from newsmon.store.db import SchemaTooNew, integrity_ok, open_db
from newsmon.store.ingest import ingest_pages
from newsmon.store.schema import MIGRATIONS, RAW_TABLES, SCHEMA_DIGEST, SCHEMA_VERSION, TABLES, schema_digest
from tests.schema_snapshot import PARAGRAPHS, URL

KEPT = Path(__file__).resolve().parent / "data" / "schema"


def test_schema_changes_raise_the_version_and_say_what_changed():
    assert schema_digest() == SCHEMA_DIGEST, (
        f"newsmon/store/schema.py changed (digest {schema_digest()!r}, recorded {SCHEMA_DIGEST!r}): raise "
        "SCHEMA_VERSION, describe the change (and its step, if any) in MIGRATIONS, record SCHEMA_DIGEST, and "
        "keep a database of the schema before it (python tests/schema_snapshot.py, run on the code before)")
    assert max(MIGRATIONS) == SCHEMA_VERSION, "MIGRATIONS says nothing about the current SCHEMA_VERSION"


def test_a_database_of_the_previous_schema_is_kept():
    assert (KEPT / f"v{SCHEMA_VERSION - 1}.db.gz").exists(), (
        f"keep a database made by schema {SCHEMA_VERSION - 1} in {KEPT} (tests/schema_snapshot.py)")


def _unpack(kept: Path, tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    with gzip.open(kept) as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


@pytest.mark.parametrize("kept", sorted(KEPT.glob("v*.db.gz")), ids=lambda p: p.name)
def test_a_kept_database_opens_migrates_and_takes_new_pages(kept, tmp_path):
    db = open_db(_unpack(kept, tmp_path))
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for name, (columns, _, _) in TABLES.items():
        assert set(columns) <= set(db[name].columns_dict), name
    assert set(RAW_TABLES) <= set(db.table_names())
    # the rows it had are all still there, and searchable
    text, = db.execute("SELECT text FROM articles WHERE url = ?", [URL]).fetchone()
    assert PARAGRAPHS[0] in text
    assert db.execute("SELECT count(*) FROM claims WHERE speaker = 'Lena Ortiz'").fetchone()[0] >= 1
    assert [r[0] for r in db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'budget'")] == [1]
    assert integrity_ok(db)
    # it takes new pages: a copy of the stored story is found as one, a new story is stored
    index = dedupe.NearDuplicateIndex(db.conn)
    html = ("<html><head><title>Council approves budget</title></head><body><article>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>")
    other = html.replace("transit budget", "school budget").replace("bus lines", "school buses")
    recs = [{"url": u, "final_url": u, "source_id": "herald", "fetched_at": "2026-12-01T10:00:00Z", "status": 200,
             "html": h, **analyze_page(h, u)}
            for u, h in (("http://127.0.0.1:1/copy.html", html), ("http://127.0.0.1:1/2026/12/01/schools.html", other))]
    copy, fresh = ingest_pages(db, index, recs)
    assert copy["outcome"] == "duplicate" and copy["duplicate_of"] == 1
    assert fresh["outcome"] in ("new", "duplicate")
    assert integrity_ok(db)


def test_a_database_of_a_newer_schema_is_refused_and_left_alone(tmp_path):
    path = _unpack(sorted(KEPT.glob("v*.db.gz"))[-1], tmp_path)
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew, match="newer newsmon"):
        open_db(path)
    assert path.read_bytes() == before
