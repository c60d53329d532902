"""The CPU-heavy part of handling one page, as one picklable function.

Runs in worker processes (see pipelines.workers): extraction, the quality
verdict and claim extraction, so the crawler's reactor thread only moves
bytes and writes rows.
"""

from __future__ import annotations

from pipelines.claims import extract_claims
from pipelines.extract import extract_article, page_drop_reason, parse_html


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
