"""Text quality: newsmon's extraction against trafilatura alone, on labeled pages.

    python bench/extract_eval.py

The labels are the fixture news site's own article sources (newsmon/demo/data/):
every real paragraph of each page (what a perfect extractor keeps) and every
junk line the page carries inside or around the article. Both extractors run
on the same served HTML, and this prints, for each:

- paragraph recall: real paragraphs found verbatim in the text
- junk leaked: junk lines found in the text (pages and total occurrences)
- extra lines: lines of output that are neither a real paragraph nor part of one
- ms per page
"""

from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from newsmon.demo.site import FixtureSite  # noqa: E402
from newsmon.extract import extract_article  # noqa: E402


def labeled_pages(site: FixtureSite) -> list[dict]:
    pages = []
    for source in site.sources.values():
        for article in source.articles:
            html = urllib.request.urlopen(site.url(article.path), timeout=10).read().decode("utf-8")
            pages.append({"url": site.url(article.path), "html": html,
                          "paragraphs": article.paragraphs(1), "junk": article.junk()})
    return pages


def score(pages, extract) -> dict:
    found = total = junk_pages = junk_hits = extra = 0
    started = time.perf_counter()
    texts = [extract(p["html"], p["url"]) or "" for p in pages]
    seconds = time.perf_counter() - started
    for page, text in zip(pages, texts):
        total += len(page["paragraphs"])
        found += sum(1 for para in page["paragraphs"] if para in text)
        hits = sum(1 for junk in page["junk"] if junk and junk in text)
        junk_hits += hits
        junk_pages += bool(hits)
        for line in filter(None, (ln.strip().removeprefix("- ") for ln in text.splitlines())):
            if not any(line in para for para in page["paragraphs"]):
                extra += 1
    return {"recall": found / total, "junk_pages": junk_pages, "junk_hits": junk_hits,
            "extra_lines": extra, "ms_per_page": 1000 * seconds / len(pages)}


def trafilatura_alone(html, url):
    return trafilatura.extract(html, url=url, include_comments=False)


def newsmon(html, url):
    article = extract_article(html, url)
    return article["text"] if article else None


def main():
    with FixtureSite() as site:
        pages = labeled_pages(site)
    junk_total = sum(len(p["junk"]) for p in pages)
    print(f"{len(pages)} article pages, {sum(len(p['paragraphs']) for p in pages)} real paragraphs, "
          f"{junk_total} junk lines inside or around the articles")
    print(f"{'extractor':<20} {'para recall':>11} {'junk pages':>10} {'junk lines':>10} "
          f"{'extra lines':>11} {'ms/page':>8}")
    for name, fn in (("trafilatura.extract", trafilatura_alone), ("newsmon", newsmon)):
        s = score(pages, fn)
        print(f"{name:<20} {s['recall']:>11.3f} {s['junk_pages']:>10} {s['junk_hits']:>10} "
              f"{s['extra_lines']:>11} {s['ms_per_page']:>8.1f}")


if __name__ == "__main__":
    main()
