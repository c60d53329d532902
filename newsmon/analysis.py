"""The CPU-heavy part of handling one page, as picklable functions.

Runs in worker processes (see newsmon.workers): extraction, the quality
verdict and claim extraction, so the crawler's reactor thread only moves
bytes and writes rows.
"""

from __future__ import annotations

from newsmon.claims import claim_key, extract_claims, speaker_key
from newsmon.extract import extract_article, page_drop_reason, parse_html
from newsmon.fingerprint import fingerprints
from newsmon.store.blob import decompress_html


def analyze_page(html: str, url: str | None = None, site_lines=None,
                 feed_published: str | None = None) -> dict:
    """``{"article": dict | None, "drop_reason": str | None, "claims": list}``."""
    tree = parse_html(html)     # parsed once, shared: neither step modifies it
    article = extract_article(html, url, site_lines=site_lines, feed_published=feed_published,
                              tree=tree) if tree is not None else None
    reason = page_drop_reason(article, html, url, tree=tree)
    if reason:
        return {"article": article, "drop_reason": reason, "claims": []}
    return {"article": article, "drop_reason": None, "claims": extract_claims(article["text"])}


def analyze_page_for_store(html: str, url: str | None = None, site_lines=None,
                           feed_published: str | None = None) -> dict:
    """:func:`analyze_page`, plus the keys newsmon.store.ingest would compute from its
    results, under ``"fingerprint"`` (absent for a dropped page):

    - ``text_hash`` and ``minhash`` (the MinHash slots, a list of ints) of the text;
    - ``claim_keys``: ``[speaker_key, claim_key]`` of each claim, in order.

    The crawl's worker pool runs this one: each key is computed once either
    way, and here it is off the crawl process, whose writer thread shares one
    GIL with the downloads (about 1.3 ms a page there).
    """
    result = analyze_page(html, url, site_lines, feed_published)
    if result["drop_reason"] is None:
        digest, minhash = fingerprints(result["article"]["text"])
        result["fingerprint"] = {
            "text_hash": digest,
            "minhash": minhash.tolist(),   # plain ints: JSON for the distributed queue
            "claim_keys": [[speaker_key(c["speaker"]) if c.get("speaker") else None,
                            claim_key(c["speaker"], c["quote"]) if c.get("speaker") else None]
                           for c in result["claims"]],
        }
    return result


def analyze_stored_page(blob: bytes, url: str | None = None, site_lines=None,
                        feed_published: str | None = None) -> dict:
    """:func:`analyze_page` of a page as ``pages.html`` stores it (compressed):
    ``newsmon reprocess`` sends the blob, a quarter of the page's size, and the
    worker decompresses it."""
    return analyze_page(decompress_html(blob), url, site_lines, feed_published)
