"""Per-page analysis cost: trafilatura alone vs newsmon's stages, single process.

    python bench/analyze_bench.py [-n 200] [--repeat 3]

Runs on N generated news pages (tests/generated_site.py, 36-105 KB of realistic
markup, no server needed) and prints ms/page for

- ``trafilatura.extract(html, include_comments=False)`` (the reference),
- ``extract_article`` (newsmon/extract/),
- ``page_drop_reason`` given the article (its own parse of the HTML),
- ``extract_claims`` on the article text (newsmon/claims/),
- ``analyze_page`` (what a worker process runs per page: all of the above,
  sharing one parse),

and analyze_page's cost relative to trafilatura alone. Each figure is the
best of ``--repeat`` passes (the machine is shared; the minimum is the least
disturbed measurement).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from newsmon.analysis import analyze_page  # noqa: E402
from newsmon.claims import extract_claims  # noqa: E402
from newsmon.extract import extract_article, page_drop_reason  # noqa: E402
from tests.generated_site import article_page  # noqa: E402


def best_ms_per_page(fn, items, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - started)
    return 1000 * best / len(items)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="generated pages (default 200)")
    ap.add_argument("--repeat", type=int, default=3, help="passes per stage; the best is kept")
    args = ap.parse_args(argv)

    pages = [(f"http://bench.example/news/{i}.html", article_page.__wrapped__(i).decode())
             for i in range(args.n)]
    sizes = [len(html.encode()) for _, html in pages]
    articles = [(extract_article(html, url), html, url) for url, html in pages]
    texts = [a["text"] for a, _, _ in articles if a]

    rows = [
        ("trafilatura.extract", best_ms_per_page(
            lambda p: trafilatura.extract(p[1], include_comments=False), pages, args.repeat)),
        ("extract_article", best_ms_per_page(lambda p: extract_article(p[1], p[0]), pages, args.repeat)),
        ("page_drop_reason", best_ms_per_page(lambda a: page_drop_reason(*a), articles, args.repeat)),
        ("extract_claims", best_ms_per_page(extract_claims, texts, args.repeat) * len(texts) / len(pages)),
        ("analyze_page", best_ms_per_page(lambda p: analyze_page(p[1], p[0]), pages, args.repeat)),
    ]
    print(f"{len(pages)} generated pages, {min(sizes) // 1024}-{max(sizes) // 1024} KB "
          f"(mean {sum(sizes) / len(sizes) / 1024:.0f} KB); best of {args.repeat} passes, single process")
    print(f"{'stage':22} {'ms/page':>8}")
    for name, ms in rows:
        print(f"{name:22} {ms:8.2f}")
    ref, total = rows[0][1], rows[-1][1]
    print(f"analyze_page / trafilatura.extract = {total / ref:.2f}x the time "
          f"({ref / total:.2f}x trafilatura's pages/s)")


if __name__ == "__main__":
    main()
