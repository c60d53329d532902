"""The CPU-heavy part of handling one page, as picklable functions.

Runs in worker processes (see newsmon.workers): extraction, the quality
verdict, claim extraction and the keys the store needs (text hash, MinHash
slots, speaker and statement keys), so the crawl process only moves bytes and
writes rows. Every key is computed here, once: the write path
(newsmon.store.ingest) takes them from the analysis and never recomputes them.
"""

from __future__ import annotations

from newsmon.claims import claim_key, extract_claims, speaker_key
from newsmon.extract import extract_article, line_key, page_drop_reason, parse_html
from newsmon.extract.bare import preload
from newsmon.fingerprint import fingerprints
from newsmon.htmlblob import decompress_html


def page_fingerprint(text: str, claims: list[dict]) -> dict:
    """What the store keys a stored page by:

    - ``text_hash`` and ``minhash`` (the MinHash slots, a list of ints: JSON for
      the distributed queue) of the text;
    - ``claim_keys``: ``[speaker_key, claim_key]`` of each claim, in order
      (``[None, None]`` for a claim without a speaker).
    """
    digest, minhash = fingerprints(text)
    return {
        "text_hash": digest,
        "minhash": minhash.tolist(),
        "claim_keys": [[speaker_key(c["speaker"]), claim_key(c["speaker"], c["quote"])] if c.get("speaker")
                       else [None, None] for c in claims],
    }


def analyze_page(html: str, url: str | None = None, site_lines=None,
                 feed_published: str | None = None) -> dict:
    """``{"article": dict | None, "drop_reason": str | None, "claims": list, "fingerprint": dict}``;
    ``fingerprint`` (:func:`page_fingerprint`) only for a page that is not dropped."""
    tree = parse_html(html)     # parsed once, shared: neither step modifies it
    article = extract_article(html, url, site_lines=site_lines, feed_published=feed_published,
                              tree=tree) if tree is not None else None
    reason = page_drop_reason(article, html, url, tree=tree)
    if reason:
        return {"article": article, "drop_reason": reason, "claims": []}
    claims = extract_claims(article["text"])
    return {"article": article, "drop_reason": None, "claims": claims,
            "fingerprint": page_fingerprint(article["text"], claims)}


WARM_URL = "https://news.example.co.uk/2026/01/01/the-pool-is-ready.html"
WARM_PAGE = (
    "<html><head><title>The pool is ready | Example News</title></head><body><article>"
    "<h1>The pool is ready</h1>"
    "<p>“The pool is ready,” a spokesperson for the city said on Monday, adding that the workers "
    "had loaded everything they need before the first real page arrived.</p>"
    "<p>The council voted on Tuesday to keep the outdoor pool open until the end of October, "
    "after a petition signed by more than four thousand residents asked for a longer season.</p>"
    "<p>Maria Lopez, who chairs the leisure committee, said the extra weeks would cost about "
    "forty thousand pounds. “We think it is money well spent,” she told reporters.</p>"
    "<p>Opponents argued that the budget was already stretched. According to the finance "
    "office, heating the water in autumn costs twice as much as it does in summer.</p>"
    "<p>The pool opens at seven each morning and closes at nine in the evening, with lanes "
    "set aside for swimming clubs on weekday afternoons.</p>"
    "</article></body></html>")


def warm_up() -> dict:
    """Load what the analysis loads on first use (the claims model, trafilatura's
    caches, jusText's stop lists, the public-suffix list: ~0.7 s in all) by analysing
    a small built-in article. A worker does it before its first page, so that no real
    page pays for it. Returns that analysis."""
    preload()
    return analyze_page(WARM_PAGE, WARM_URL)


def analyze_stored_page(blob: bytes, url: str | None = None, site_lines=None,
                        feed_published: str | None = None) -> dict:
    """:func:`analyze_page` of a page as ``pages.html`` stores it (compressed):
    ``newsmon reprocess`` sends the blob, a quarter of the page's size, and the
    worker decompresses it."""
    return analyze_page(decompress_html(blob), url, site_lines, feed_published)


def holds_lines(text: str, lines) -> bool:
    """Does ``text`` hold a line whose key (newsmon.extract.line_key) is in ``lines``?"""
    return any(line_key(line) in lines for line in text.split("\n") if line.strip())


def texts_holding_lines(texts: list[str], label: str, lines) -> list[int]:
    """Indexes of the ``texts`` that hold one of ``lines`` (see :func:`holds_lines`):
    one task for many stored articles, so that a run's clean-up sends only their
    texts to a worker, and reads and re-analyses only the pages that need it.
    ``label`` says what the texts are (for the pool's log)."""
    return [i for i, text in enumerate(texts) if holds_lines(text, lines)]


def reanalyze_with_site_lines(blob: bytes, url: str | None, site_lines, feed_published: str | None,
                              text: str, learned) -> dict | None:
    """:func:`analyze_stored_page` with the site's lines as a run has learned them, for a
    page whose stored ``text`` holds one of the ``learned`` lines (keys of
    newsmon.extract.line_key); None, without parsing the page, when it holds none."""
    if not holds_lines(text, learned):
        return None
    return analyze_stored_page(blob, url, site_lines, feed_published)
