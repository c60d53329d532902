"""Storage cost per page: ``ingest_pages`` alone, in one thread, into a fresh database.

    python bench/ingest_bench.py [-n 300] [--batch 50]

Analyses N generated pages first (not timed), then writes them in batches
of ``--batch`` as the crawl's writer thread does, and prints ms/page for the
write path (dedupe decision, MinHash index, page HTML, article, version,
claims, full-text index); then writes them all again, as a recheck that
finds every text unchanged. In a crawl this runs on the crawl process's
writer thread: CPU the downloads and the analysis workers compete for.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsmon import dedupe  # noqa: E402
from newsmon.analysis import analyze_page  # noqa: E402
from newsmon.store.db import open_db  # noqa: E402
from newsmon.store.ingest import ingest_pages  # noqa: E402
from newsmon.times import utcnow  # noqa: E402
from tests.generated_site import article_page  # noqa: E402


def records(n: int) -> list[dict]:
    recs = []
    for i in range(n):
        url = f"http://bench.example/news/{i}.html"
        html = article_page.__wrapped__(i).decode()
        rec = {"source_id": "bench", "url": url, "final_url": url, "fetched_at": utcnow(),
               "status": 200, "content_type": "text/html", "encoding": "utf-8", "html": html}
        rec.update(analyze_page(html, url))   # what a crawl's workers hand the writer
        recs.append(rec)
    return recs


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--batch", type=int, default=50)
    args = ap.parse_args(argv)
    recs = records(args.n)
    claims = sum(len(r["claims"]) for r in recs)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "news.db")
        db["sources"].insert({"id": "bench", "name": "Bench", "kind": "sitemap", "urls": "[]"})
        index = dedupe.NearDuplicateIndex(db.conn)
        # the first pass stores new articles; the second is a recheck that finds every text unchanged
        for label in ("new pages", "refetched, unchanged"):
            started = time.perf_counter()
            outcomes: dict[str, int] = {}
            for i in range(0, len(recs), args.batch):
                for result in ingest_pages(db, index, recs[i:i + args.batch]):
                    outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1
            seconds = time.perf_counter() - started
            print(f"{label}: {args.n} pages ({claims} claims), batches of {args.batch}: "
                  f"{1000 * seconds / args.n:.2f} ms/page; outcomes {outcomes}")


if __name__ == "__main__":
    main()
