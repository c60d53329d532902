"""newsmon: news crawling and monitoring, the core (no Scrapy).

The public Python API::

    from newsmon import extract_article, extract_claims

    article = extract_article(html, url)          # dict (title, text, authors, dates ...) or None
    claims = extract_claims(article["text"])      # [{"speaker", "quote", "kind", "cue", ...}]

Both are imported on first use: ``import newsmon.store`` (the crawl process,
the CLI) does not load trafilatura.
"""

from __future__ import annotations

__all__ = ["extract_article", "extract_claims"]


def __getattr__(name: str):
    if name == "extract_article":
        from newsmon.extract import extract_article
        return extract_article
    if name == "extract_claims":
        from newsmon.claims import extract_claims
        return extract_claims
    raise AttributeError(f"module 'newsmon' has no attribute {name!r}")
