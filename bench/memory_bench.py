"""Peak memory of a crawl of a 5,000-page generated site (issue #7, item 12).

    python bench/memory_bench.py [--n 5000] [--workers 2] [--limit-mb 600]

Crawls tests/generated_site.py's site through the real CLI (bench/crawl_bench.py's
crawl(), which samples the summed RSS of the crawl's whole process tree every
100 ms: the newsmon CLI, the Scrapy process and its extraction workers) and
prints the peak. Exits 1 if the peak is over --limit-mb, the bound newsmon
states for such a crawl. Scrapy's MEMUSAGE_LIMIT_MB (crawler/settings.py)
is the backstop for the Scrapy process alone; each extraction worker is
capped by NEWSMON_EXTRACT_MEMORY_MB of address space.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crawl_bench import crawl  # noqa: E402

DEFAULT_LIMIT_MB = 600      # stated bound: 5,000 pages, 2 extraction workers (measured: 372 MB)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit-mb", type=float, default=DEFAULT_LIMIT_MB)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsmon-membench-") as tmp:
        result = crawl(args.n, args.workers, Path(tmp))
    ok = result["peak_rss_mb"] <= args.limit_mb
    print(f"crawl of {args.n} pages with {args.workers} extraction workers: {result['stored']} articles "
          f"stored in {result['seconds']:.0f} s ({result['pages_per_s']:.1f} pages/s)")
    print(f"peak RSS of the crawl process tree: {result['peak_rss_mb']:.0f} MB "
          f"(bound {args.limit_mb:.0f} MB: {'ok' if ok else 'OVER'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
