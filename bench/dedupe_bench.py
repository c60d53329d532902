"""Near-duplicate index at scale: build rate, flat query time, recall/precision, memory.

    python bench/dedupe_bench.py [N] [--seed 7] [--dup-rate 0.02] [--workers 2] [--db PATH]

Streams N synthetic articles (300-800 words, Zipf-distributed vocabulary,
deterministic) through what ingest does for each page: signature, query the
persistent index in SQLite, and add the article when no near-duplicate is
found; batches of 1000 pages are one transaction, as in a crawl. A share of
the originals (``--dup-rate``) gets 1-3 edited copies later in the stream
(headline changed, a paragraph added or cut, words substituted, outlet
boilerplate lines), which are the planted pairs for recall and precision.

Query time is measured twice: over the stream's pages while the index holds
~10k and ~N articles, and on a fixed probe set of unseen articles run at
both sizes. Signatures (the CPU cost) are computed by ``--workers``
processes while the main process does the SQL.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsmon.dedupe import NUM_PERM, NearDuplicateIndex, text_signature  # noqa: E402

VOCAB_SIZE = 50_000
ZIPF_S = 1.05       # word frequencies of English news are close to 1/rank
COPY_WINDOW = 3000  # a copy appears within this many originals of its story
BATCH = 1000        # pages per transaction
WINDOW = 1000       # stream pages averaged for "query time at size n"

_vocab: list[str] | None = None
_cdf: np.ndarray | None = None
_seed = 0


def _init(seed: int) -> None:
    """Per-process vocabulary and Zipf CDF (deterministic from the seed)."""
    global _vocab, _cdf, _seed
    _seed = seed
    rng = np.random.default_rng([seed, 0])
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = set()
    while len(words) < VOCAB_SIZE:
        n = int(rng.integers(2, 11))
        words.add("".join(rng.choice(letters, n)))
    _vocab = sorted(words)
    rng.shuffle(_vocab)  # rank is independent of spelling
    weights = 1.0 / np.arange(1, VOCAB_SIZE + 1) ** ZIPF_S
    _cdf = np.cumsum(weights / weights.sum())


def _words(rng, n: int) -> list[str]:
    idx = np.searchsorted(_cdf, rng.random(n), side="right")
    return [_vocab[min(i, VOCAB_SIZE - 1)] for i in idx]


def _paragraph(rng) -> str:
    return " ".join(_words(rng, int(rng.integers(40, 91)))) + "."


def original(i: int) -> list[str]:
    """Article i as lines: a headline, then paragraphs up to 300-800 words."""
    rng = np.random.default_rng([_seed, 1, i])
    target = int(rng.integers(300, 801))
    lines = [" ".join(_words(rng, int(rng.integers(6, 13))))]
    total = 0
    while total < target:
        lines.append(_paragraph(rng))
        total += len(lines[-1].split())
    return lines


BOILERPLATE = [
    ["Advertisement", "Share this article"],
    ["Subscribe to our newsletter for daily updates", "All rights reserved"],
    ["Read more:", "Related stories", "Follow us on social media"],
    ["This article was originally published by a wire service.", "Sign up for breaking news alerts"],
]


def edited_copy(i: int, copy_no: int) -> list[str]:
    """An outlet's version of article i: headline often rewritten, plus 1-3 edits."""
    rng = np.random.default_rng([_seed, 2, i, copy_no])
    lines = original(i)
    if rng.random() < 0.7:
        lines[0] = " ".join(_words(rng, int(rng.integers(6, 13))))
    edits = rng.choice(["add", "cut", "substitute", "boilerplate"], int(rng.integers(1, 4)), replace=False)
    for edit in edits:
        if edit == "add":
            lines.insert(int(rng.integers(1, len(lines) + 1)), _paragraph(rng))
        elif edit == "cut" and len(lines) > 4:
            del lines[int(rng.integers(1, len(lines)))]
        elif edit == "substitute":
            body = " ".join(lines[1:]).split()
            rate = rng.uniform(0.02, 0.05)
            for pos in np.flatnonzero(rng.random(len(body)) < rate):
                body[pos] = _words(rng, 1)[0]
            per = max(1, len(body) // max(1, len(lines) - 1))
            lines = [lines[0]] + [" ".join(body[k:k + per]) for k in range(0, len(body), per)]
        elif edit == "boilerplate":
            extra = BOILERPLATE[int(rng.integers(len(BOILERPLATE)))]
            lines = extra[:1] + lines + extra[1:]
    return lines


def probe(i: int) -> list[str]:
    """Unseen articles for the fixed probe set (another stream of the same generator)."""
    return original(10_000_000 + i)


def signature_of(job: tuple) -> tuple[tuple, bytes]:
    kind, i, copy_no = job
    lines = {"orig": lambda: original(i), "copy": lambda: edited_copy(i, copy_no),
             "probe": lambda: probe(i)}[kind]()
    return job, text_signature("\n".join(lines)).hashvalues.astype("<u4").tobytes()


def stream(n: int, seed: int, dup_rate: float):
    """Jobs in stream order: originals, with each planted copy some originals later."""
    rng = np.random.default_rng([seed, 3])
    due: dict[int, list[tuple]] = {}
    emitted, i = 0, 0
    while emitted < n:
        yield ("orig", i, 0)
        emitted += 1
        if rng.random() < dup_rate:
            for copy_no in range(int(rng.integers(1, 4))):
                due.setdefault(i + int(rng.integers(1, COPY_WINDOW)), []).append(("copy", i, copy_no))
        for job in due.pop(i, []):
            if emitted >= n:
                break
            yield job
            emitted += 1
        i += 1


def sig_from(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4")


def _batches(jobs, size: int):
    batch = []
    for job in jobs:
        batch.append(job)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _submit(pool, jobs):
    """Start computing a batch's signatures (in the workers, or right here)."""
    if pool is None:
        return [signature_of(job) for job in jobs]
    return pool.map_async(signature_of, jobs, chunksize=50)


def _similarity_to(conn, article_id: int, sig: np.ndarray) -> float:
    row = conn.execute("SELECT sig FROM minhash_signatures WHERE article_id = ?", [article_id]).fetchone()
    return float(np.mean(sig_from(row[0]) == sig)) if row else float("nan")


def time_probes(index: NearDuplicateIndex, probes: list[np.ndarray]) -> tuple[float, float, int]:
    """(mean query µs, mean candidates per query, false matches) over the probe set."""
    best = float("inf")
    for _ in range(3):  # best of three: the least disturbed by other processes
        started = time.perf_counter()
        false = sum(1 for sig in probes if index.query(sig))
        best = min(best, time.perf_counter() - started)
    elapsed = best
    candidates = sum(len(index.candidates(sig)) for sig in probes)
    return elapsed / len(probes) * 1e6, candidates / len(probes), false


def run(args) -> None:
    n = args.n
    checkpoint = min(10_000, n // 2) if n >= 2000 else n
    tmp = None
    if args.db:
        db_path = Path(args.db)
        db_path.unlink(missing_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="dedupe_bench_")
        db_path = Path(tmp.name) / "bench.db"
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    index = NearDuplicateIndex(conn)
    print(f"N={n:,} seed={args.seed} dup_rate={args.dup_rate} workers={args.workers} "
          f"bands={index.bands}x{index.rows} threshold={index.threshold} num_perm={NUM_PERM}")

    _init(args.seed)
    pool = Pool(args.workers, initializer=_init, initargs=(args.seed,)) if args.workers > 1 else None
    probe_jobs = [("probe", i, 0) for i in range(args.probes)]
    probes = [sig_from(blob) for _, blob in (pool.map(signature_of, probe_jobs) if pool
                                             else map(signature_of, probe_jobs))]

    cluster: dict[int, int] = {}  # article id -> the original story it belongs to
    first_of: dict[int, int] = {}  # story -> the article id of its original
    copies = found = wrong = 0
    missed_similar: list[float] = []  # estimated J of missed copies vs their original
    probe_at: dict[int, tuple] = {}
    query_s = add_s = 0.0
    window_query: dict[int, float] = {}
    window_sum = 0.0
    checkpoints = {checkpoint, n}
    started = time.perf_counter()
    batches = _batches(stream(n, args.seed, args.dup_rate), BATCH)
    pending = _submit(pool, next(batches, []))
    pos = 0
    while True:
        results = pending.get() if pool else pending
        if not results:
            break
        # prefetch the next batch's signatures while this one is written, except
        # before a checkpoint: probes are timed with the workers idle
        next_jobs = next(batches, [])
        if not checkpoints & set(range(pos + 1, pos + len(results) + 1)):
            pending, next_jobs = _submit(pool, next_jobs), None
        conn.execute("BEGIN IMMEDIATE")
        for (kind, story, _copy), blob in results:
            pos += 1
            sig = sig_from(blob)
            t0 = time.perf_counter()
            matches = index.query(sig)
            t1 = time.perf_counter()
            query_s += t1 - t0
            window_sum += t1 - t0
            cluster[pos] = story
            first_of.setdefault(story, pos)
            if kind == "copy":
                copies += 1
            if matches and cluster[matches[0][0]] == story:
                found += 1
            elif matches:
                wrong += 1
            else:
                if kind == "copy":
                    missed_similar.append(_similarity_to(conn, first_of[story], sig))
                t2 = time.perf_counter()
                index.add(pos, sig)
                add_s += time.perf_counter() - t2
            if pos % WINDOW == 0:
                window_query[pos] = window_sum / WINDOW
                window_sum = 0.0
            if pos in checkpoints:
                conn.commit()
                probe_at[pos] = (len(index),) + time_probes(index, probes)
                elapsed = time.perf_counter() - started
                print(f"  {pos:>7,} pages, {elapsed:7.1f}s, {pos / elapsed:,.0f} pages/s", flush=True)
                conn.execute("BEGIN IMMEDIATE")
        conn.commit()
        if next_jobs is not None:
            pending = _submit(pool, next_jobs)
    total = time.perf_counter() - started
    if pool:
        pool.close()
        pool.join()

    indexed = len(index)
    recall = found / copies if copies else float("nan")
    precision = found / (found + wrong) if found + wrong else float("nan")
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size_mb = db_path.stat().st_size / 1e6

    print(f"build: {n:,} pages in {total:.1f}s = {n / total:,.0f} pages/s "
          f"(query {query_s / n * 1e6:.0f} µs/page, add {add_s / max(indexed, 1) * 1e6:.0f} µs/article; "
          f"signatures overlapped in {args.workers} worker(s))")
    print(f"index: {indexed:,} articles, {size_mb:,.1f} MB of SQLite")
    for pos, (size, probe_us, cands, false) in sorted(probe_at.items()):
        stream_us = window_query.get(pos - pos % WINDOW, float("nan")) * 1e6
        print(f"query at {size:>7,} indexed: stream {stream_us:6.0f} µs/page, probe {probe_us:6.0f} µs/query, "
              f"{cands:.2f} candidates/query, {false} false matches of {len(probes)} unseen")
    print(f"planted copies: {copies:,}; recall {recall:.4f} ({found:,} found), "
          f"precision {precision:.4f} ({wrong} wrong matches)")
    if missed_similar:
        below = [j for j in missed_similar if j < index.threshold]
        above = [j for j in missed_similar if j >= index.threshold]
        print(f"missed copies: {len(below)} with estimated J below the threshold (heavily edited"
              + (f", J {min(below):.2f}-{max(below):.2f})" if below else ")")
              + f", {len(above)} above it but not an LSH candidate"
              + (f" (J {min(above):.2f}-{max(above):.2f})" if above else ""))
    print(f"peak RSS: main {maxrss_mb:,.0f} MB, largest worker {child_mb:,.0f} MB")
    conn.close()
    if tmp:
        tmp.cleanup()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="pages to stream (default 100000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dup-rate", type=float, default=0.02, help="share of stories that get copies")
    parser.add_argument("--workers", type=int, default=2, help="signature processes (1 = in process)")
    parser.add_argument("--probes", type=int, default=500, help="unseen articles timed at each size")
    parser.add_argument("--db", help="keep the index in this file (default: a temp dir)")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
