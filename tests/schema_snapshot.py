"""Keep a database made by today's schema, for tests/test_schema.py to migrate later.

    python tests/schema_snapshot.py      # before changing newsmon/store/schema.py

Writes tests/data/schema/v<SCHEMA_VERSION>.db.gz (a small database: a source, a
crawl run, an article with its version and claims, a near-duplicate signature,
an ingest acknowledgement) and prints the schema's digest. After the change,
raise SCHEMA_VERSION, describe it in MIGRATIONS and record the new digest:
the test then opens every kept database with the new code.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsmon import dedupe  # noqa: E402
from newsmon.analysis import analyze_page  # noqa: E402
from newsmon.store.db import open_db  # noqa: E402
from newsmon.store.ingest import ingest_pages  # noqa: E402
from newsmon.store.schema import SCHEMA_VERSION, schema_digest  # noqa: E402

PARAGRAPHS = [
    "The city council approved the new transit budget on Tuesday after a long debate that ran late into "
    "the night, with members split over fares.",
    "The plan adds four bus lines and extends night service across the eastern districts, where residents "
    "have long complained about gaps.",
    "“This is the biggest expansion of public transport in a generation,” Mayor Lena Ortiz said after the vote.",
    "Opponents argued that the fare increase attached to the plan would hurt low-income riders, and several "
    "asked for a review next year.",
    "The budget passed by nine votes to four and takes effect in January, when the first of the new lines "
    "is due to open.",
]
URL = "http://127.0.0.1:1/2026/11/01/budget.html"


def make_snapshot(out: Path) -> None:
    tmp = Path(tempfile.mkdtemp()) / "snapshot.db"
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA page_size = 1024")
    conn.close()
    db = open_db(tmp)
    db["sources"].insert({"id": "herald", "name": "Daily Herald", "kind": "feed",
                          "urls": '["http://127.0.0.1:1/feed.xml"]', "schedule": "every 1h", "enabled": 1})
    html = ("<html><head><title>Council approves budget</title></head><body><article><h1>Council approves "
            "budget</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>")
    rec = {"url": URL, "final_url": URL, "source_id": "herald", "fetched_at": "2026-11-01T10:00:00Z",
           "status": 200, "html": html, **analyze_page(html, URL)}
    assert ingest_pages(db, dedupe.NearDuplicateIndex(db.conn), [rec])[0]["outcome"] == "new"
    db.conn.execute("INSERT INTO crawl_runs (source_id, started_at, finished_at, status, pages_fetched, "
                    "articles_new) VALUES ('herald', '2026-11-01T10:00:00Z', '2026-11-01T10:00:05Z', 'ok', 2, 1)")
    db.conn.execute("INSERT INTO ingest_acks (id, run_id, ingested_at) VALUES ('0f1e', 1, '2026-11-01T10:00:06Z')")
    db.conn.commit()
    db.execute("PRAGMA journal_mode = DELETE")
    db.conn.execute("VACUUM")
    db.conn.close()
    with open(tmp, "rb") as src, gzip.open(out, "wb", compresslevel=9) as dst:
        shutil.copyfileobj(src, dst)


if __name__ == "__main__":
    target = ROOT / "tests" / "data" / "schema" / f"v{SCHEMA_VERSION}.db.gz"
    make_snapshot(target)
    print(f"wrote {target.relative_to(ROOT)}: a database of schema {SCHEMA_VERSION} "
          f"(digest {schema_digest()!r})")
