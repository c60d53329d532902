"""The whole pipeline against its extractor: one run, five figures.

    python bench/throughput.py [--n 3000] [--workers 0] [--skip-raw]
    python bench/throughput.py --pages ../shared/data/extract/dragnet [--copies 2]

On a generated site of N realistic article pages (tests/generated_site.py), or
with --pages on the real pages of an article-extraction-benchmark folder
(html/<id>.html[.gz], served as they are, ``--copies`` times over), served on
127.0.0.1, prints:

  (a) raw ``trafilatura.extract(html, include_comments=False)`` over the same
      HTML, in one process: pages/s (the extractor alone, one core), measured
      before (b), between (b) and (c) and after (c): each ratio below divides by
      the mean of the two measurements around its run (on this shared machine a
      core's speed drifts by a third within minutes);
  (b) ``newsmon crawl`` end to end into a fresh database: pages/s
      (process start included), and (b)/(a);
  (c) ``newsmon reprocess`` of that database: pages/s, and (c)/(a);
  (d) peak RSS of the crawl's process tree (Scrapy + extraction workers),
      and of the reprocess tree;
  (e) what an immediate second crawl fetched, by kind: only the entry
      points (sitemap, robots.txt) when nothing is due for a recheck.

Also the CPU time the crawl spent in its own process (per thread) and in its
workers, per page next to (a)'s, how long its threads waited for a core that
another process had (run-queue wait: the machine's load, not the crawl's),
each process's own peak RSS, and the load average, since other work on the
machine skews every figure: on a loaded machine the CPU per page says more
than the pages per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crawl_bench import newsmon, run_measured  # noqa: E402
from tests.generated_site import BenchSite  # noqa: E402


def raw_extract(pages: list[bytes], real: bool) -> tuple[float, float]:
    """(pages/s, CPU ms a page) of plain trafilatura.extract over ``pages``, in this
    process (real pages are given as bytes: trafilatura detects their encoding, as
    newsmon does)."""
    import trafilatura

    docs = pages if real else [p.decode("utf-8") for p in pages]
    trafilatura.extract(docs[0], include_comments=False)  # warm: lazy imports, caches
    start, cpu = time.perf_counter(), time.process_time()
    for html in docs:
        trafilatura.extract(html, include_comments=False)
    return len(docs) / (time.perf_counter() - start), (time.process_time() - cpu) / len(docs) * 1000


def cpu_lines(cpu: dict, seconds: float, pages: int, raw_ms: float | None) -> list[str]:
    """What run_measured saw of a run's CPU: per page, per process kind, the busiest
    threads of the main process, the run-queue wait and each process's peak RSS."""
    rows = cpu["threads"]
    per_page = (cpu["main"] + cpu["workers"]) / pages * 1000
    wait = {"main": sum(r[4] for r in rows if r[0] != "worker")}
    # the Scrapy process of a crawl, the command's own process for reprocess
    main_pid = next((r[1] for r in rows if r[0] == "crawl"), None) or next((r[1] for r in rows if r[0] == "cli"), None)
    threads = sorted((r for r in rows if r[1] == main_pid), key=lambda r: -r[3])
    named = ", ".join(f"{'main thread' if r[2] == r[1] else 'thread ' + str(r[2])} {r[3]:.1f}" for r in threads[:5])
    workers: dict[int, list[float]] = {}     # pid -> [CPU s, run-queue wait s] over its threads
    for r in rows:
        if r[0] == "worker":
            got = workers.setdefault(r[1], [0.0, 0.0])
            got[0], got[1] = got[0] + r[3], got[1] + r[4]
    hwm = ", ".join(f"{role} {b / 2**20:.0f}" for (role, _), b in sorted(cpu["hwm"].items(), key=lambda kv: -kv[1]))
    return [
        f"    CPU: main process(es) {cpu['main']:.1f} s, workers {cpu['workers']:.1f} s "
        f"({(cpu['main'] + cpu['workers']) / seconds:.2f} cores busy) = {per_page:.1f} ms a page"
        + (f" ({per_page / raw_ms:.2f}x (a)'s {raw_ms:.1f})" if raw_ms else ""),
        f"    threads of the main process (CPU s): {named}",
        f"    workers: {len(workers)} processes, CPU s (waited for a core, s): "
        + ", ".join(f"{c:.1f} ({w:.1f})" for c, w in sorted(workers.values(), reverse=True))
        + f"; the main process(es) waited {wait['main']:.1f} s for a core over all their threads",
        f"    peak RSS of each process (MB): {hwm}",
    ]


def folder_pages(folder: Path, copies: int) -> list[bytes]:
    """The pages of an article-extraction-benchmark folder (html/<id>.html or .html.gz), ``copies`` times."""
    import gzip

    files = sorted((folder / "html").glob("*.html*"))
    if not files:
        raise SystemExit(f"no html/<id>.html[.gz] pages in {folder}")
    pages = [gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes() for f in files]
    return pages * copies


def db_counts(db_path: Path) -> dict:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        q = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {"articles": q("SELECT count(*) FROM articles"),
                "versions": q("SELECT count(*) FROM article_versions"),
                "claims": q("SELECT count(*) FROM claims"),
                "pages": q("SELECT count(*) FROM pages")}


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--pages", type=Path, default=None, help="serve this folder's real pages instead")
    parser.add_argument("--copies", type=int, default=1, help="with --pages: serve each page this many times")
    parser.add_argument("--workers", type=int, default=0, help="NEWSMON_WORKERS [default: one per core]")
    parser.add_argument("--settings", default="",
                        help='extra per-source settings, TOML inline-table body: "CONCURRENT_ITEMS = 8"')
    parser.add_argument("--skip-raw", action="store_true", help="skip (a); ratios are then not printed")
    parser.add_argument("--tmp", type=Path, default=None, help="keep the database here")
    args = parser.parse_args()

    print(f"machine: {len(os.sched_getaffinity(0))} cores, {load()}")
    site = BenchSite(args.n, pages=folder_pages(args.pages, args.copies) if args.pages else None)
    n = site.n
    sizes = [len(p) for p in site.pages]
    kind = f"real pages of {args.pages} x{args.copies}" if args.pages else "generated, 3 templates"
    print(f"site: {n} article pages, {min(sizes) // 1024}-{max(sizes) // 1024} KB "
          f"(mean {sum(sizes) / n / 1024:.0f} KB, {sum(sizes) / 2**20:.0f} MB in all), {kind}")

    raws = []      # (pages/s, CPU ms a page) of (a), measured before (b), between (b) and (c), after (c)

    def measure_raw(when: str) -> None:
        if not args.skip_raw:
            raws.append(raw_extract(site.pages, site.real))
            print(f"(a) raw trafilatura.extract, 1 process, {when}: {raws[-1][0]:.1f} pages/s, "
                  f"{raws[-1][1]:.1f} ms CPU a page ({load()})", flush=True)

    def around(*runs) -> tuple[float | None, float | None]:
        """(a) as measured right before and after a run: the mean of those two."""
        got = [raws[i] for i in runs if i < len(raws)]
        if not got:
            return None, None
        return sum(r[0] for r in got) / len(got), sum(r[1] for r in got) / len(got)

    measure_raw("before (b)")

    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="newsmon-throughput-"))
    tmp.mkdir(parents=True, exist_ok=True)
    config, db_path = tmp / "sources.toml", tmp / "news.db"
    settings = "DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, CONCURRENT_REQUESTS_PER_DOMAIN = 16"
    if args.workers:
        settings += f", NEWSMON_WORKERS = {args.workers}"
    if args.settings:
        settings += ", " + args.settings
    site.start()
    print(f"source settings: {{ {settings} }}")
    try:
        config.write_text(site.sources_toml(settings), encoding="utf-8")
        for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            path.unlink(missing_ok=True)

        print(f"crawling ({load()}) ...", flush=True)
        harness_cpu = time.process_time()
        seconds, peak, proc, cpu = run_measured(newsmon("crawl", "bench", "--config", config, "--db", db_path),
                                                with_cpu=True)
        harness_cpu = time.process_time() - harness_cpu
        if proc.returncode != 0:
            raise SystemExit(f"crawl failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
        measure_raw("between (b) and (c)")
        raw, raw_ms = around(0, 1)
        counts = db_counts(db_path)
        fetched = site.paths["article"]
        crawl_rate = fetched / seconds
        print(f"(b) newsmon crawl: {fetched} pages fetched, {counts['articles']} articles, "
              f"{counts['claims']} claims in {seconds:.1f} s = {crawl_rate:.1f} pages/s"
              + (f"   (b)/(a) = {crawl_rate / raw:.2f}" if raw else ""))
        print("\n".join(cpu_lines(cpu, seconds, fetched, raw_ms)))
        print(f"    this process (the site's server, the sampler) {harness_cpu:.1f} s CPU; {load()}")
        print(f"(d) peak RSS of the crawl process tree: {peak / 2**20:.0f} MB")

        site.clear_requests()
        seconds2, _, proc2 = run_measured(newsmon("crawl", "bench", "--config", config, "--db", db_path))
        if proc2.returncode != 0:
            raise SystemExit(f"second crawl failed:\n{proc2.stdout}\n{proc2.stderr[-3000:]}")
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(site.paths.items()))
        print(f"(e) immediate second crawl: {site.requests} requests ({kinds}) in {seconds2:.1f} s; "
              f"article pages refetched: {site.paths['article']}")
    finally:
        site.stop()

    before = db_counts(db_path)
    print(f"reprocessing ({load()}) ...", flush=True)
    seconds3, peak3, proc3, cpu3 = run_measured(newsmon("reprocess", "--db", db_path), with_cpu=True)
    if proc3.returncode != 0:
        raise SystemExit(f"reprocess failed:\n{proc3.stdout}\n{proc3.stderr[-3000:]}")
    after = db_counts(db_path)
    measure_raw("after (c)")
    raw, raw_ms = around(1, 2)
    rate3 = before["pages"] / seconds3
    print(f"(c) newsmon reprocess: {before['pages']} pages in {seconds3:.1f} s = {rate3:.1f} pages/s"
          + (f"   (c)/(a) = {rate3 / raw:.2f}" if raw else ""))
    print(f"    {proc3.stdout.strip()}")
    print("\n".join(cpu_lines(cpu3, seconds3, before["pages"], raw_ms)))
    print(f"    peak RSS {peak3 / 2**20:.0f} MB; versions {before['versions']} -> {after['versions']}")
    print(f"done ({load()}); database: {db_path}")


if __name__ == "__main__":
    main()
