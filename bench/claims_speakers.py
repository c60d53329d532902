"""One speaker across outlets, measured: PolNeAR's articles stored as a crawl would store them.

    python bench/claims_speakers.py [--limit N]

Every article of ../shared/data/claims/polnear-{train,dev}.jsonl (political news
from 7 US outlets, 2016, nobody here wrote them) goes through the analysis and the
real write path into a temporary SQLite file, each outlet a source. Then, over the
speakers table:

* merged: speakers rows that hold claims written under more than one name
  ("Trump" and "Donald Trump"), i.e. one person found across articles;
* wrong merges: rows whose claims name two different full names (two first names
  before one surname: "Bill Clinton" and "Hillary Clinton" in one row), which the
  rules must never produce (precision first), printed when there are any;
* bare surnames kept apart: rows of a lone surname that several full names share.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "claims"

from newsmon import dedupe  # noqa: E402
from newsmon.analysis import page_fingerprint  # noqa: E402
from newsmon.claims import extract_claims, speaker_key  # noqa: E402
from newsmon.store.db import open_db  # noqa: E402
from newsmon.store.ingest import ingest_page  # noqa: E402


def outlet(doc: dict) -> str:
    """'polnear:breitbart_2016-09-12_…' -> 'breitbart'."""
    return doc["id"].split(":")[-1].split("_")[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    args = ap.parse_args()
    docs = []
    for split in ("train", "dev"):
        path = DATA / f"polnear-{split}.jsonl"
        if not path.exists():
            sys.exit(f"{path} not found: this bench reads ../shared")
        docs += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = docs[:args.limit] if args.limit else docs
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "news.db")
        index = dedupe.NearDuplicateIndex(db.conn)
        outlets = sorted({outlet(d) for d in docs})
        for o in outlets:
            db["sources"].insert({"id": o, "name": o, "kind": "feed"})
        for i, d in enumerate(docs):
            text = d["text"]
            claims = extract_claims(text)
            article = {"title": text.split("\n")[0][:200], "text": text, "authors": [], "published_at": "2016-01-01",
                       "published_at_source": "jsonld", "language": "en", "site_line_candidates": []}
            url = f"http://127.0.0.1/{d['id']}/{i}"
            ingest_page(db, index, {
                "url": url, "final_url": url, "source_id": outlet(d),
                "fetched_at": "2016-01-01T00:00:00Z", "status": 200, "html": "", "article": article,
                "drop_reason": None, "claims": claims, "fingerprint": page_fingerprint(text, claims)})
        names = defaultdict(set)
        for sid, name in db.execute("SELECT speaker_id, speaker FROM claims WHERE speaker_id IS NOT NULL"):
            names[sid].add(name)
        rows = dict(db.execute("SELECT id, name FROM speakers").fetchall())
        merged = {sid: ns for sid, ns in names.items() if len({speaker_key(n) for n in ns}) > 1}
        wrong = {}
        for sid, ns in names.items():
            full = {speaker_key(n) for n in ns if len(speaker_key(n).split()) >= 2}
            firsts = {k.split()[0] for k in full}
            if len(firsts) > 1 and len({k.split()[-1] for k in full}) == 1:
                wrong[sid] = ns
        people = defaultdict(set)
        for name in rows.values():
            k = speaker_key(name)
            if len(k.split()) >= 2:
                people[k.split()[-1]].add(k)
        apart = [n for n in rows.values() if " " not in speaker_key(n) and len(people.get(speaker_key(n), ())) > 1]
    print(f"{len(docs)} articles from {len(outlets)} outlets in {time.perf_counter() - started:.0f} s: "
          f"{len(rows)} speakers rows, {len(merged)} holding claims under several names")
    for sid, ns in sorted(merged.items(), key=lambda x: -len(x[1]))[:8]:
        print(f"  {rows[sid]!r}: {sorted(ns)}")
    print(f"wrong merges (two full names of one surname in one row): {len(wrong)}")
    for sid, ns in list(wrong.items())[:10]:
        print(f"  {rows[sid]!r}: {sorted(ns)}")
    print(f"bare surnames kept apart (several full names share them): {len(apart)} {sorted(apart)[:12]}")


if __name__ == "__main__":
    main()
